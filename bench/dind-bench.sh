#!/bin/bash
# bench/dind-bench.sh - `docker run --rm` of a busybox image inside a system container (inner
# dockerd on overlay2 over the host-backed /var/lib/docker) vs the same on the host.
# See bench/README.md.
#
#   bench/dind-bench.sh [-n N] [--flags "DOCKER RUN FLAGS"]
#
# A private dockerd (tests/lib/docker.sh) runs with sysvisor-runc registered (idmap-exclusive,
# idmapped-mounts, fuse-procfs on a private sysvisor-fs: its syscall supervisor is what lets
# inner runc remount its binds); the host side
# is that dockerd with its default runtime (runc).  Inside, a Debian + docker.io container
# (tests/lib/debian-rootfs.sh, cached) runs its own dockerd.  Each sample is one
# `docker run --rm --network none bb true`, timed in the shell where the client runs (inside
# the container for the inner side, so no `docker exec` cost is counted).  Sides are
# interleaved in rounds of 5; each side gets one untimed warm-up.  Prints both medians and
# the ratio inner/host (the issue's target: <= 1.5).
set -euo pipefail

n=30
flags=""
while [ $# -gt 0 ]; do
  case $1 in
    -n) n=$2; shift 2 ;;
    --flags) flags=$2; shift 2 ;;
    -h|--help) sed -n '2,14s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "dind-bench: unknown option $1; see --help" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "dind-bench: must run as root" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd)
export SV_TEST_NAME=dind-bench
# The integration tests' helpers; procfs-lib.sh gives a private sysvisor-fs, whose syscall
# supervisor lets inner runc remount its binds (without one a system container refuses them).
. "$here/../tests/integration/procfs-lib.sh"
. "$SV_LIB_DIR/runtime.sh"
. "$SV_LIB_DIR/docker.sh"
. "$SV_LIB_DIR/debian-rootfs.sh"

procfs_start_daemon
SYSVISOR_PLUGIN_DIR=$(cd "$(dirname "$SV_RUNC")/.." && pwd)/plugins/idmap-exclusive:$SYSVISOR_PLUGIN_DIR
export SYSVISOR_PLUGIN_DIR
sv_use_plugins auto auto fuse-procfs "[fuse-procfs]" "mountpoint = $PROCFS_MNT"
sv_use_exclusive_ids
sv_docker_start_sysvisor || { echo "dind-bench: dockerd cannot start" >&2; exit 1; }
img=${SV_ID,,}-dind
SV_DEBIAN_EXTRA=docker.io sv_docker_import_debian "$img"
sv_docker_import_busybox bb
bbtar=$(sv_busybox_tarball)

read -r -a fl <<<"$flags"
cid=$(sv_docker run -d --runtime=sysvisor-runc --network none "${fl[@]}" --tmpfs /run "$img" sleep infinity)
sv_docker exec "$cid" sh -c 'dockerd --bridge=none --iptables=false --ip6tables=false >/var/log/dockerd.log 2>&1 &'
end=$((SECONDS + 60))
until sv_docker exec "$cid" docker info >/dev/null 2>&1; do
  [ "$SECONDS" -lt "$end" ] || { echo "dind-bench: the inner dockerd did not start" >&2; exit 1; }
  sleep 0.5
done
echo "inner storage driver: $(sv_docker exec "$cid" docker info --format '{{.Driver}}')"
sv_docker cp "$bbtar" "$cid:/bb.tar"
sv_docker exec "$cid" docker import --change 'CMD ["sh"]' /bb.tar bb >/dev/null

# N timed runs, milliseconds one a line: the same loop on both sides.
loop='for i in $(seq "$1"); do t0=$(date +%s%N);
      if docker run --rm --network none bb true >/dev/null; then
        t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); else echo FAIL; fi; done'
host() { DOCKER_HOST=unix://$SV_DOCKER_SOCK PATH=$(dirname "$SV_DOCKER_CLI"):$PATH sh -c "$loop" sh "$1"; }
inner() { sv_docker exec "$cid" sh -c "$loop" sh "$1"; }
host 1 >/dev/null; inner 1 >/dev/null
: >"$SV_TEST_TMP/host" ; : >"$SV_TEST_TMP/inner"
for ((done_ = 0; done_ < n; done_ += 5)); do
  host 5 >>"$SV_TEST_TMP/host"
  inner 5 >>"$SV_TEST_TMP/inner"
done
median() { grep -v FAIL "$1" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
h=$(median "$SV_TEST_TMP/host") i=$(median "$SV_TEST_TMP/inner")
if grep -q FAIL "$SV_TEST_TMP/host" "$SV_TEST_TMP/inner"; then   # a failed run is no sample
  echo "dind-bench: $(grep -c FAIL "$SV_TEST_TMP/host") host and $(grep -c FAIL "$SV_TEST_TMP/inner") inner runs failed; inner dockerd log:" >&2
  sv_docker exec "$cid" tail -n 5 /var/log/dockerd.log >&2 || true
  exit 1
fi
printf 'docker run --rm bb true, median of %d: host %s ms, inside a system container %s ms, ratio %.2f\n' \
  "$(grep -vc FAIL "$SV_TEST_TMP/inner")" "$h" "$i" "$(awk -v i="$i" -v h="$h" 'BEGIN { print i / h }')"
