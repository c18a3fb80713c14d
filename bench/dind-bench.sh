#!/bin/bash
# bench/dind-bench.sh - `docker run --rm` of a busybox image inside a system container (inner
# dockerd on overlay2 over the host-backed /var/lib/docker) vs the same on the host.
# See bench/README.md.
#
#   bench/dind-bench.sh [-n N] [--flags "DOCKER RUN FLAGS"]
#
# A private dockerd (tests/lib/docker.sh) runs with sysvisor-runc registered; the host side
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
. "$here/../tests/lib/common.sh"
. "$SV_LIB_DIR/runtime.sh"
. "$SV_LIB_DIR/docker.sh"
. "$SV_LIB_DIR/debian-rootfs.sh"

if [ -z "${SYSVISOR_PLUGIN_DIR:-}" ]; then   # the build's plugins, beside its sysvisor-runc
  b=$(cd "$(dirname "$SV_RUNC")/.." && pwd)
  export SYSVISOR_PLUGIN_DIR=$b/plugins/idmap-exclusive:$b/plugins/idmapped-mounts
fi
sv_use_plugins auto auto none
sv_use_exclusive_ids
wrapper=$(sv_runtime_wrapper)
sv_docker_start --runtime-name "sysvisor-runc=$wrapper" || { echo "dind-bench: dockerd cannot start" >&2; exit 1; }
printf '\n[shiftfs]\ndocker-data-root = %s\n' "$SV_DOCKER_DATA" >>"$SYSVISOR_PLUGINS_CONF"
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
loop='for i in $(seq "$1"); do t0=$(date +%s%N); docker run --rm --network none bb true >/dev/null || echo FAIL;
      t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); done'
host() { DOCKER_HOST=unix://$SV_DOCKER_SOCK PATH=$(dirname "$SV_DOCKER_CLI"):$PATH sh -c "$loop" sh "$1"; }
inner() { sv_docker exec "$cid" sh -c "$loop" sh "$1"; }
host 1 >/dev/null; inner 1 >/dev/null
: >"$SV_TEST_TMP/host" ; : >"$SV_TEST_TMP/inner"
for ((done_ = 0; done_ < n; done_ += 5)); do
  host 5 >>"$SV_TEST_TMP/host"
  inner 5 >>"$SV_TEST_TMP/inner"
done
grep -q FAIL "$SV_TEST_TMP/host" "$SV_TEST_TMP/inner" && echo "dind-bench: some runs failed" >&2
median() { grep -v FAIL "$1" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
h=$(median "$SV_TEST_TMP/host") i=$(median "$SV_TEST_TMP/inner")
printf 'docker run --rm bb true, median of %d: host %s ms, inside a system container %s ms, ratio %.2f\n' \
  "$(grep -vc FAIL "$SV_TEST_TMP/inner")" "$h" "$i" "$(awk -v i="$i" -v h="$h" 'BEGIN { print i / h }')"
