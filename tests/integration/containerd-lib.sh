# shellcheck shell=bash
# containerd-lib.sh - a private containerd per test, and a busybox image in it.
#
#   . tests/lib/common.sh; . "$(dirname "$0")/containerd-lib.sh"
#   sv_containerd_start || sv_skip "containerd cannot start here"
#   sv_containerd_start EXTRA.toml      # CRI on, EXTRA appended (@STATE@ @ROOT@ replaced)
#   sv_containerd_import_busybox          # image $SV_CTR_IMAGE from the cached busybox rootfs
#   sv_ctr run --rm --runtime io.containerd.runc.v2 --runc-binary RUNTIME \
#     --runc-root "$SV_CTR_RUNC_ROOT" "$SV_CTR_IMAGE" ID CMD...
#
# The daemon is the containerd that docker.io installs, with its own config file, root
# (/var/lib/sysvisor-tests/ctd-XXXXXX), state dir and sockets (/run/sysvisor-tests/ctd-XXXXXX),
# its CRI plugin off (on when an extra config is given); tests use their own namespace and a --runc-root under the state dir, so
# the system's containerd (and Docker's) never meet it.  sv_containerd_start registers the
# teardown: tasks killed and deleted, daemon stopped, shims gone, mounts and dirs removed.
# Variables: SV_CTR_SOCK SV_CTR_ROOT SV_CTR_STATE SV_CTR_NS SV_CTR_RUNC_ROOT SV_CTR_IMAGE
# SV_CTR_LOG.

SV_CONTAINERD=${SV_CONTAINERD:-$(command -v containerd || echo /usr/bin/containerd)}
SV_CTR=${SV_CTR:-$(command -v ctr || echo /usr/bin/ctr)}
SV_CTR_IMAGE=docker.io/library/sv-busybox:latest

# sv_ctr ARGS...: ctr talking to the private daemon, in the test's namespace.
sv_ctr() {
  "$SV_CTR" --address "$SV_CTR_SOCK" --namespace "$SV_CTR_NS" "$@"
}

sv_containerd_start() {
  local extra=${1:-} id waited=0 disabled='disabled_plugins = ["io.containerd.grpc.v1.cri"]'
  [ -x "$SV_CONTAINERD" ] && [ -x "$SV_CTR" ] || { echo "sv_containerd_start: containerd or ctr not installed" >&2; return 1; }
  mkdir -p /run/sysvisor-tests /var/lib/sysvisor-tests
  SV_CTR_STATE=$(mktemp -d /run/sysvisor-tests/ctd-XXXXXX)
  id=${SV_CTR_STATE##*/ctd-}
  SV_CTR_ROOT=/var/lib/sysvisor-tests/ctd-$id
  SV_CTR_SOCK=$SV_CTR_STATE/containerd.sock
  SV_CTR_NS=sv-$id
  SV_CTR_RUNC_ROOT=$SV_CTR_STATE/runc
  SV_CTR_LOG=$SV_TEST_TMP/containerd-$id.log
  mkdir -p "$SV_CTR_ROOT" "$SV_CTR_RUNC_ROOT"
  cat >"$SV_CTR_STATE/config.toml" <<EOF
version = 2
root = "$SV_CTR_ROOT"
state = "$SV_CTR_STATE"
${extra:+#}$disabled

[grpc]
  address = "$SV_CTR_SOCK"

[ttrpc]
  address = "$SV_CTR_SOCK.ttrpc"
EOF
  [ -z "$extra" ] || sed -e "s|@STATE@|$SV_CTR_STATE|g" -e "s|@ROOT@|$SV_CTR_ROOT|g" "$extra" \
    >>"$SV_CTR_STATE/config.toml"
  sv_on_exit "sv_containerd_stop '$SV_CTR_STATE' '$SV_CTR_ROOT' '$SV_CTR_NS'"
  setsid "$SV_CONTAINERD" --config "$SV_CTR_STATE/config.toml" </dev/null >"$SV_CTR_LOG" 2>&1 &
  echo $! >"$SV_CTR_STATE/containerd.spawned-pid"
  until "$SV_CTR" --address "$SV_CTR_SOCK" version >/dev/null 2>&1; do
    if ! kill -0 "$(cat "$SV_CTR_STATE/containerd.spawned-pid")" 2>/dev/null || [ "$waited" -ge 120 ]; then
      echo "sv_containerd_start: containerd did not answer on $SV_CTR_SOCK; last lines of $SV_CTR_LOG:" >&2
      tail -n 20 "$SV_CTR_LOG" | sed 's/^/    /' >&2
      return 1
    fi
    sleep 0.25
    waited=$((waited + 1))
  done
  sv_log "containerd $(cat "$SV_CTR_STATE/containerd.spawned-pid") ready on $SV_CTR_SOCK (root $SV_CTR_ROOT)"
}

# sv_containerd_stop STATE ROOT NS
sv_containerd_stop() {
  local state=$1 root=$2 ns=$3 sock=$1/containerd.sock pid t p d
  if [ -S "$sock" ]; then
    for t in $(timeout 10 "$SV_CTR" --address "$sock" -n "$ns" tasks ls -q 2>/dev/null); do
      timeout 10 "$SV_CTR" --address "$sock" -n "$ns" tasks kill -s KILL "$t" >/dev/null 2>&1
      sleep 0.5
      timeout 20 "$SV_CTR" --address "$sock" -n "$ns" tasks delete -f "$t" >/dev/null 2>&1
    done
    for t in $(timeout 10 "$SV_CTR" --address "$sock" -n "$ns" containers ls -q 2>/dev/null); do
      timeout 20 "$SV_CTR" --address "$sock" -n "$ns" containers delete "$t" >/dev/null 2>&1
    done
  fi
  pid=$(cat "$state/containerd.spawned-pid" 2>/dev/null)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  fi
  # shims (their -address names our socket) and anything left in our dirs
  for p in $(pgrep -f -- "-address $sock" || true); do kill -KILL "$p" 2>/dev/null; done
  for d in "$state" "$root"; do
    [ -e "$d" ] || continue
    sv_umount_under "$d"
    rm -rf --one-file-system "$d" || echo "sv_containerd_stop: could not remove $d" >&2
  done
  rmdir /run/sysvisor-tests /var/lib/sysvisor-tests 2>/dev/null || true   # (if no one else's)
  # the runc shim puts containers in /NAMESPACE/ID: the runtime removes ID, not NAMESPACE
  for d in /sys/fs/cgroup/*/"$ns" /sys/fs/cgroup/"$ns"; do
    [ -d "$d" ] || continue
    find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
    [ ! -d "$d" ] || echo "sv_containerd_stop: could not remove the cgroup $d" >&2
  done
}

# _sv_sha256 FILE: the hex digest.
_sv_sha256() { sha256sum "$1" | cut -d' ' -f1; }

_sv_goarch() {
  case $(uname -m) in
    x86_64) echo amd64 ;; aarch64) echo arm64 ;; armv7l) echo arm ;; *) uname -m ;;
  esac
}

# _sv_blob DIR FILE: move FILE into DIR/blobs/sha256/, print "DIGEST SIZE".
_sv_blob() {
  local dir=$1 f=$2 h s
  h=$(_sv_sha256 "$f")
  s=$(stat -c %s "$f")
  mv "$f" "$dir/blobs/sha256/$h"
  echo "sha256:$h $s"
}

# sv_oci_archive_busybox OUT.tar: an OCI image layout (one layer: the cached busybox rootfs,
# CMD ["sh"]) named $SV_CTR_IMAGE, as a tar that `ctr images import` and `docker load` read.
sv_oci_archive_busybox() {
  local layer
  # shellcheck source=../lib/busybox-rootfs.sh
  declare -F sv_busybox_tarball >/dev/null || . "$SV_LIB_DIR/busybox-rootfs.sh"
  layer=$(sv_busybox_tarball) || return 1
  sv_oci_archive "$1" "$SV_CTR_IMAGE" "$layer" '{Cmd: ["sh"]}'
}

# sv_oci_archive OUT.tar NAME LAYER.tar CONFIG: an OCI image layout of one layer named NAME;
# CONFIG is the image config's "config" as a jq expression (e.g. '{Entrypoint: ["/pause"]}').
sv_oci_archive() {
  local out=$1 name=$2 layer=$3 config=$4 dir ldig lsize cdig csize mdig msize arch
  arch=$(_sv_goarch)
  dir=$(mktemp -d "$SV_TEST_TMP/oci.XXXXXX")
  mkdir -p "$dir/blobs/sha256"
  cp "$layer" "$dir/layer.tar"
  read -r ldig lsize < <(_sv_blob "$dir" "$dir/layer.tar")
  jq -cn --arg arch "$arch" --arg diff "$ldig" \
    "{architecture: \$arch, os: \"linux\", config: ($config + {Env: [\"PATH=/usr/sbin:/usr/bin:/sbin:/bin\"]}),
      rootfs: {type: \"layers\", diff_ids: [\$diff]}}" >"$dir/config.json"
  read -r cdig csize < <(_sv_blob "$dir" "$dir/config.json")
  jq -cn --arg c "$cdig" --argjson cs "$csize" --arg l "$ldig" --argjson ls "$lsize" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
      layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $l, size: $ls}]}' \
    >"$dir/manifest.json"
  read -r mdig msize < <(_sv_blob "$dir" "$dir/manifest.json")
  jq -cn --arg m "$mdig" --argjson ms "$msize" --arg arch "$arch" --arg name "$name" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $m, size: $ms,
                   platform: {architecture: $arch, os: "linux"},
                   annotations: {"io.containerd.image.name": $name,
                                 "org.opencontainers.image.ref.name": "latest"}}]}' >"$dir/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
  tar -C "$dir" -cf "$out" oci-layout index.json blobs
  rm -rf "$dir"
}

# sv_containerd_import_busybox: $SV_CTR_IMAGE in the private containerd.
sv_containerd_import_busybox() {
  local tar=$SV_TEST_TMP/sv-busybox-oci.tar
  [ -s "$tar" ] || sv_oci_archive_busybox "$tar" || return 1
  sv_ctr images import "$tar" >/dev/null || return 1
  sv_ctr images ls -q | grep -qxF "$SV_CTR_IMAGE"
}
