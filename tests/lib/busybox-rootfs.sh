# shellcheck shell=bash
# tests/lib/busybox-rootfs.sh - a tiny rootfs and OCI bundle from busybox-static.
#
#   . tests/lib/common.sh; . tests/lib/busybox-rootfs.sh
#   sv_busybox_rootfs DIR              # DIR becomes a busybox rootfs (root:root)
#   sv_busybox_bundle DIR [CMD...]     # DIR/rootfs + DIR/config.json (args default ["sh"])
#   sv_spec_set DIR 'JQ-FILTER' [jq args...]   # edit DIR/config.json in place
#   sv_busybox_tarball                 # path of the cached rootfs tarball
#
# The rootfs is built once from /bin/busybox and cached as
# $SV_CACHE_DIR/busybox-rootfs-<hash>.tar (hash of the busybox binary and of
# this layout), so a call costs a tar extraction.
#
# config.json is runc's own default spec (`runc spec`), with terminal false,
# the given args, and - when SV_BUNDLE_READONLY=false - a writable rootfs.
# runc's default mounts, masked and read-only paths are kept.  If the probe
# is built (SV_PROBE), it is copied to rootfs/sv-probe.

# shellcheck source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SV_BUSYBOX=${SV_BUSYBOX:-/bin/busybox}
_SV_BUSYBOX_LAYOUT=2

_sv_busybox_build() {   # _sv_busybox_build TARBALL
  local out=$1 r a rc=0
  r=$(mktemp -d /tmp/sv-busybox-build.XXXXXX)
  (
    set -e
    cd "$r"
    chmod 755 .
    mkdir -p bin etc proc sys dev tmp root run var/tmp var/log home/user mnt opt usr/local/bin
    ln -s bin sbin
    ln -s ../bin usr/bin
    ln -s ../bin usr/sbin
    cp "$SV_BUSYBOX" bin/busybox
    chmod 755 bin/busybox
    for a in $("$SV_BUSYBOX" --list); do
      [ "$a" = busybox ] || ln -sf busybox "bin/$a"
    done
    chmod 1777 tmp var/tmp
    chmod 700 root
    cat >etc/passwd <<'EOF'
root:x:0:0:root:/root:/bin/sh
user:x:1000:1000:user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
    cat >etc/group <<'EOF'
root:x:0:
user:x:1000:
nogroup:x:65534:
EOF
    cat >etc/shadow <<'EOF'
root:*:19000:0:99999:7:::
user:*:19000:0:99999:7:::
nobody:*:19000:0:99999:7:::
EOF
    chmod 640 etc/shadow
    echo sysvisor-busybox >etc/hostname
    printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >etc/hosts
    : >etc/resolv.conf
    ln -s /proc/mounts etc/mtab
  ) || rc=$?
  if [ "$rc" = 0 ]; then
    tar --numeric-owner --owner=0 --group=0 -C "$r" -cf "$out.tmp.$$" . && mv -f "$out.tmp.$$" "$out" || rc=$?
  fi
  rm -rf "$r" "$out.tmp.$$"
  [ "$rc" = 0 ] || echo "sv_busybox_rootfs: could not build $out" >&2
  return "$rc"
}

# sv_busybox_tarball: make sure the cached tarball exists, print its path.
sv_busybox_tarball() {
  local key out
  [ -x "$SV_BUSYBOX" ] || { echo "sv_busybox_rootfs: $SV_BUSYBOX missing (apt-get install busybox-static)" >&2; return 1; }
  if ! file -L "$SV_BUSYBOX" 2>/dev/null | grep -q 'statically linked' && command -v file >/dev/null; then
    echo "sv_busybox_rootfs: $SV_BUSYBOX is not static (install busybox-static)" >&2; return 1
  fi
  key=$({ sha256sum <"$SV_BUSYBOX"; echo "layout=$_SV_BUSYBOX_LAYOUT"; } | sha256sum | cut -c1-12)
  out=$SV_CACHE_DIR/busybox-rootfs-$key.tar
  if [ ! -s "$out" ]; then
    mkdir -p "$SV_CACHE_DIR"
    (
      flock -w 120 9 || exit 1
      [ -s "$out" ] || _sv_busybox_build "$out"
    ) 9>"$out.lock" || return 1
  fi
  echo "$out"
}

# sv_busybox_rootfs DIR
sv_busybox_rootfs() {
  local dir=${1:?usage: sv_busybox_rootfs DIR} tar
  tar=$(sv_busybox_tarball) || return 1
  mkdir -p "$dir"
  tar --numeric-owner -xpf "$tar" -C "$dir"
}

# _sv_install_probe ROOTFS: copy the static probe in, if built.
_sv_install_probe() {
  if [ -n "${SV_PROBE:-}" ] && [ -x "$SV_PROBE" ]; then
    install -m 755 -o 0 -g 0 "$SV_PROBE" "$1/sv-probe"
  fi
}

# _sv_write_spec DIR [CMD...]: runc's default spec, adjusted for tests.
_sv_write_spec() {
  local dir=$1; shift
  local args ro=${SV_BUNDLE_READONLY:-true}
  [ $# -gt 0 ] || set -- sh
  rm -f "$dir/config.json"
  if [ -x "$SV_REF_RUNC" ]; then
    "$SV_REF_RUNC" spec --bundle "$dir" || { echo "sv_busybox_bundle: '$SV_REF_RUNC spec' failed" >&2; return 1; }
  else
    echo "sv_busybox_bundle: runc (the reference, for 'runc spec') not found: $SV_REF_RUNC" >&2
    return 1
  fi
  args=$(_sv_json_array "$@")
  case $ro in true|1|yes) ro=true ;; *) ro=false ;; esac
  sv_spec_set "$dir" '.process.terminal = false | .process.args = $a | .root.readonly = $ro' \
    --argjson a "$args" --argjson ro "$ro"
}

# sv_busybox_bundle DIR [CMD...]
sv_busybox_bundle() {
  local dir=${1:?usage: sv_busybox_bundle DIR [CMD...]}; shift
  sv_busybox_rootfs "$dir/rootfs" || return 1
  _sv_install_probe "$dir/rootfs"
  _sv_write_spec "$dir" "$@"
}

# sv_spec_set DIR 'JQ-FILTER' [extra jq args...]: edit DIR/config.json in place.
#   sv_spec_set "$b" '.hostname = "h1"'
#   sv_spec_set "$b" '.process.args = $a' --argjson a '["sv-probe","caps"]'
sv_spec_set() {
  local dir=${1:?usage: sv_spec_set BUNDLE FILTER [jq args]} filter=${2:?filter}; shift 2
  local f=$dir/config.json
  [ -d "$dir" ] || f=$dir   # a config.json path works too
  jq "$@" "$filter" "$f" >"$f.tmp.$$" && mv -f "$f.tmp.$$" "$f" || { rm -f "$f.tmp.$$"; echo "sv_spec_set: jq '$filter' failed on $f" >&2; return 1; }
}

# _sv_json_array WORD...: print the words as a JSON array of strings.
_sv_json_array() {
  if [ $# = 0 ]; then echo '[]'; return 0; fi
  local a
  for a in "$@"; do printf '%s' "$a" | jq -Rs .; done | jq -sc .
}

# sv_spec_args DIR CMD...: set process.args.
sv_spec_args() {
  local dir=$1; shift
  sv_spec_set "$dir" '.process.args = $a' --argjson a "$(_sv_json_array "$@")"
}
