# shellcheck shell=bash
# tests/lib/debian-rootfs.sh - a cached Debian bookworm (minbase) rootfs.
#
#   . tests/lib/common.sh; . tests/lib/debian-rootfs.sh
#   sv_debian_rootfs DIR                # minbase + passwd procps iproute2
#   sv_debian_rootfs --systemd DIR      # ... + systemd systemd-sysv dbus
#   tar=$(sv_debian_tarball [--systemd]) # just the cached tarball's path
#
# The first call runs debootstrap against the machine's apt mirror (several
# minutes); the result is kept in $SV_CACHE_DIR as a tarball whose name
# carries a hash of the suite, mirror-independent package list and this
# script's layout version, so later calls only untar it (seconds).
#
# Environment:
#   SV_DEBIAN_MIRROR   mirror URL (default: read from /etc/apt sources)
#   SV_DEBIAN_SUITE    default bookworm
#   SV_DEBIAN_EXTRA    extra comma-separated packages (part of the cache key)
#   SV_NO_CACHE_BUILD  if set, fail instead of running debootstrap

# shellcheck source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SV_DEBIAN_SUITE=${SV_DEBIAN_SUITE:-bookworm}
_SV_DEBIAN_LAYOUT=1
_SV_DEBIAN_BASE_PKGS=passwd,procps,iproute2
_SV_DEBIAN_SYSTEMD_PKGS=systemd,systemd-sysv,dbus

# sv_debian_mirror: print the Debian mirror the machine's apt uses.
sv_debian_mirror() {
  if [ -n "${SV_DEBIAN_MIRROR:-}" ]; then echo "$SV_DEBIAN_MIRROR"; return 0; fi
  local f url=""
  # deb822 .sources files: the URIs of a stanza whose Suites has the suite.
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    url=$(awk -v s="$SV_DEBIAN_SUITE" '
      function flush() { if (!found && u != "" && suites ~ ("(^| )" s "( |$)") && !enabled_no) { print u; found=1; exit } u=""; suites=""; enabled_no=0 }
      /^[[:space:]]*$/ { flush(); next }
      /^URIs:/    { u=$2 }
      /^Suites:/  { $1=""; suites=$0 }
      /^Enabled:[[:space:]]*no/ { enabled_no=1 }
      END { flush() }' "$f")
    [ -n "$url" ] && break
  done
  if [ -z "$url" ] && [ -f /etc/apt/sources.list ]; then
    url=$(awk -v s="$SV_DEBIAN_SUITE" '$1 == "deb" && $0 !~ /\[/ && $3 == s { print $2; exit }
                                       $1 == "deb" && $0 ~ /\]/ { for (i=2;i<=NF;i++) if ($i ~ /\]$/) break; if ($(i+2) == s) { print $(i+1); exit } }' \
            /etc/apt/sources.list)
  fi
  echo "${url:-http://deb.debian.org/debian}"
}

_sv_debian_pkgs() {   # _sv_debian_pkgs SYSTEMD(0|1)
  local p=$_SV_DEBIAN_BASE_PKGS
  [ "$1" = 1 ] && p=$p,$_SV_DEBIAN_SYSTEMD_PKGS
  [ -n "${SV_DEBIAN_EXTRA:-}" ] && p=$p,$SV_DEBIAN_EXTRA
  # canonical order, so the cache key does not depend on how it was written
  tr ',' '\n' <<<"$p" | sed '/^$/d' | sort -u | paste -sd, -
}

_sv_debian_cache_path() {   # _sv_debian_cache_path SYSTEMD(0|1)
  local pkgs key name=debian-$SV_DEBIAN_SUITE
  pkgs=$(_sv_debian_pkgs "$1")
  key=$(printf 'suite=%s\nvariant=minbase\npkgs=%s\nlayout=%s\n' \
          "$SV_DEBIAN_SUITE" "$pkgs" "$_SV_DEBIAN_LAYOUT" | sha256sum | cut -c1-12)
  [ "$1" = 1 ] && name=$name-systemd
  if command -v zstd >/dev/null 2>&1; then
    echo "$SV_CACHE_DIR/$name-$key.tar.zst"
  else
    echo "$SV_CACHE_DIR/$name-$key.tar.gz"
  fi
}

# _sv_debian_build TARBALL SYSTEMD: debootstrap into a scratch dir, tar it.
_sv_debian_build() {
  local out=$1 systemd=$2 mirror pkgs work rc=0 log t0
  mirror=$(sv_debian_mirror)
  pkgs=$(_sv_debian_pkgs "$systemd")
  command -v debootstrap >/dev/null || { echo "sv_debian_rootfs: debootstrap is not installed (apt-get install debootstrap)" >&2; return 1; }
  work=$(mktemp -d /var/tmp/sv-debootstrap.XXXXXX)
  log=$work.log
  sv_log "debootstrap --variant=minbase $SV_DEBIAN_SUITE from $mirror (+ $pkgs); log: $log"
  t0=$(date +%s)
  local -a opts=(--variant=minbase --include="$pkgs" --merged-usr)
  [ -f /usr/share/keyrings/debian-archive-keyring.gpg ] && opts+=(--keyring=/usr/share/keyrings/debian-archive-keyring.gpg)
  debootstrap "${opts[@]}" "$SV_DEBIAN_SUITE" "$work/root" "$mirror" >"$log" 2>&1 || rc=$?
  # debootstrap mounts proc/sys in the target; never leave them behind
  sv_umount_under "$work/root"
  if [ "$rc" != 0 ]; then
    echo "sv_debian_rootfs: debootstrap failed (status $rc) for $SV_DEBIAN_SUITE from $mirror." >&2
    if grep -qE 'Failed getting release file|Couldn.t download|Could not resolve|Connection refused|Temporary failure' "$log" "$work/root/debootstrap/debootstrap.log" 2>/dev/null; then
      echo "  cause: the mirror could not be reached or lacks the suite (set SV_DEBIAN_MIRROR)." >&2
    elif grep -qE 'Release signed by unknown key|NO_PUBKEY|Invalid Release signature' "$log" 2>/dev/null; then
      echo "  cause: the Release file's signature did not verify (debian-archive-keyring?)." >&2
    elif grep -qE "Couldn't find these debs|E: Couldn't find" "$log" 2>/dev/null; then
      echo "  cause: a requested package does not exist in the suite: $pkgs" >&2
    fi
    echo "  last lines of $log:" >&2
    tail -n 15 "$log" | sed 's/^/    /' >&2
    if [ -f "$work/root/debootstrap/debootstrap.log" ]; then
      echo "  last lines of the target's debootstrap.log:" >&2
      tail -n 15 "$work/root/debootstrap/debootstrap.log" | sed 's/^/    /' >&2
    fi
    rm -rf --one-file-system "$work"
    return 1
  fi
  # make it a container image: no package caches, no host identity
  local r=$work/root
  rm -rf "$r"/var/cache/apt/archives/*.deb "$r"/var/lib/apt/lists/* "$r"/var/log/*.log "$r"/debootstrap
  [ -e "$r/etc/machine-id" ] && : >"$r/etc/machine-id"
  rm -f "$r/var/lib/dbus/machine-id"
  echo "sysvisor-debian" >"$r/etc/hostname"
  : >"$r/etc/resolv.conf"
  printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$r/etc/hosts"
  printf '%s\n' "$pkgs" >"$r/etc/sysvisor-test-image"
  local tmp=$out.tmp.$$
  if [[ $out == *.zst ]]; then
    tar --numeric-owner --xattrs --xattrs-include='*' -C "$r" -cf - . | zstd -q -T0 -3 -o "$tmp" || rc=$?
  else
    tar --numeric-owner --xattrs --xattrs-include='*' -C "$r" -czf "$tmp" . || rc=$?
  fi
  rm -rf --one-file-system "$work"
  if [ "$rc" != 0 ]; then rm -f "$tmp"; echo "sv_debian_rootfs: could not write $out" >&2; return 1; fi
  mv -f "$tmp" "$out"
  rm -f "$log"
  sv_log "debian rootfs cached in $out ($(du -h "$out" | cut -f1), $(( $(date +%s) - t0 )) s)"
}

# sv_debian_tarball [--systemd]: make sure the cached tarball exists, print its path.
sv_debian_tarball() {
  local systemd=0 out
  [ "${1:-}" = --systemd ] && systemd=1
  out=$(_sv_debian_cache_path "$systemd")
  mkdir -p "$SV_CACHE_DIR"
  if [ ! -s "$out" ]; then
    if [ -n "${SV_NO_CACHE_BUILD:-}" ]; then
      echo "sv_debian_rootfs: $out not cached and SV_NO_CACHE_BUILD is set" >&2
      return 1
    fi
    # one builder at a time (meson runs tests in parallel)
    (
      flock -w 1800 9 || { echo "sv_debian_rootfs: timed out waiting for $out.lock" >&2; exit 1; }
      [ -s "$out" ] || _sv_debian_build "$out" "$systemd"
    ) 9>"$out.lock" || return 1
  fi
  echo "$out"
}

# sv_debian_rootfs [--systemd] DIR: unpack the cached Debian rootfs into DIR.
sv_debian_rootfs() {
  local flag="" dir tar
  if [ "${1:-}" = --systemd ]; then flag=--systemd; shift; fi
  dir=${1:?usage: sv_debian_rootfs [--systemd] DIR}
  tar=$(sv_debian_tarball $flag) || return 1
  mkdir -p "$dir"
  if [[ $tar == *.zst ]]; then
    zstd -q -dc "$tar" | tar --numeric-owner --xattrs --xattrs-include='*' -xpf - -C "$dir"
  else
    tar --numeric-owner --xattrs --xattrs-include='*' -xpzf "$tar" -C "$dir"
  fi
}

# sv_debian_bundle [--systemd] DIR [CMD...]: DIR/rootfs (Debian) + DIR/config.json
# (the same spec as sv_busybox_bundle; needs busybox-rootfs.sh for the spec).
sv_debian_bundle() {
  local flag=""
  if [ "${1:-}" = --systemd ]; then flag=--systemd; shift; fi
  local dir=${1:?usage: sv_debian_bundle [--systemd] DIR [CMD...]}; shift
  declare -F _sv_write_spec >/dev/null || . "$SV_LIB_DIR/busybox-rootfs.sh"
  sv_debian_rootfs $flag "$dir/rootfs" || return 1
  _sv_install_probe "$dir/rootfs"
  _sv_write_spec "$dir" "$@"
}
