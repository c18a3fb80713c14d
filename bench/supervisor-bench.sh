#!/bin/bash
# bench/supervisor-bench.sh - what sysvisor-fs's syscall supervisor costs (issue 13, item 7).
# See bench/README.md.
#
#   bench/supervisor-bench.sh [-n CALLS] [-m REMOUNTS] [-r ROUNDS] [--dind-runs N | --no-dind]
#
# 1. One trapped call, timed inside a busybox system container (procfs = fuse-procfs on this
#    run's own sysvisor-fs, CAP_SYS_ADMIN): CALLS x sysinfo() and REMOUNTS x a bind remount
#    (mount -o remount,bind,nosuid of a bind mount in a tmpfs), in a container with
#    `supervise = yes` (the calls go to the supervisor) and one with `supervise = no` (the
#    kernel answers; no filter at all).  ROUNDS rounds, the two sides alternating; prints the
#    median ns per call of each side and the ratio supervised/kernel.
# 2. `docker run --rm --network none bb true` by a dockerd inside a Debian + docker.io system
#    container (Docker-in-Docker, as bench/dind-bench.sh), one container supervised and one
#    not, interleaved in rounds of 5; prints both medians and the ratio.  Skipped with
#    --no-dind (it needs dockerd, and builds the Debian image once, cached).
set -euo pipefail

calls=2000
remounts=200
rounds=3
dind_runs=20
while [ $# -gt 0 ]; do
  case $1 in
    -n) calls=$2; shift 2 ;;
    -m) remounts=$2; shift 2 ;;
    -r) rounds=$2; shift 2 ;;
    --dind-runs) dind_runs=$2; shift 2 ;;
    --no-dind) dind_runs=0; shift ;;
    -h|--help) sed -n '2,17s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "supervisor-bench: unknown option $1; see --help" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "supervisor-bench: must run as root" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd)
export SV_TEST_NAME=supervisor-bench
# The integration tests' helpers: a private sysvisor-fs, plugins.conf, bundles, cleanup.
. "$here/../tests/integration/procfs-lib.sh"
loop_bin=$(dirname "$PROCFS_DAEMON")/syscall-loop
[ -x "$loop_bin" ] || { echo "supervisor-bench: $loop_bin missing; build first (meson compile -C build)" >&2; exit 2; }

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
supervise() {   # supervise yes|no: plugins.conf for the next container
  sed -i '/^supervise = /d' "$SYSVISOR_PLUGINS_CONF"
  [ "$1" = no ] && printf '\n[fuse-procfs]\nsupervise = no\n' >>"$SYSVISOR_PLUGINS_CONF"
  return 0
}

procfs_start_daemon
procfs_use_plugins

# ---- 1. one trapped call ----
b=$SV_TEST_TMP/bb
procfs_bundle "$b" sh -c 'mount -t tmpfs t /mnt && mkdir /mnt/a /mnt/b && mount --bind /mnt/a /mnt/b &&
  /syscall-loop sysinfo "$0" && /syscall-loop remount "$1" /mnt/b' "$calls" "$remounts"
sv_spec_set "$b" 'del(.linux.seccomp) | .process.capabilities = ({bounding: $c, effective: $c, permitted: $c})' \
  --argjson c '["CAP_SYS_ADMIN"]'
cp "$loop_bin" "$b/rootfs/syscall-loop"
: >"$SV_TEST_TMP/yes"; : >"$SV_TEST_TMP/no"
for ((r = 0; r <= rounds; r++)); do   # round 0 warms up
  for side in yes no; do
    supervise "$side"
    out=$(sv_rt run --bundle "$b" "$SV_ID-$side-$r" </dev/null 2>&1) || {
      echo "supervisor-bench: the $side container failed: $out" >&2; exit 1; }
    if grep -q 'failures [1-9]' <<<"$out"; then echo "supervisor-bench: calls failed ($side): $out" >&2; exit 1; fi
    [ "$r" -gt 0 ] && echo "$out" >>"$SV_TEST_TMP/$side"
  done
done
supervise yes
printf '%-8s %14s %14s %8s   (median of %d rounds; %d sysinfo, %d remount calls each)\n' \
  call supervised_ns kernel_ns ratio "$rounds" "$calls" "$remounts"
for call in sysinfo remount; do
  s=$(awk -v c="$call" '$1 == c { print $3 }' "$SV_TEST_TMP/yes" | median)
  k=$(awk -v c="$call" '$1 == c { print $3 }' "$SV_TEST_TMP/no" | median)
  printf '%-8s %14s %14s %8s\n' "$call" "$s" "$k" "$(ratio "$s" "$k")"
done

# ---- 2. docker run --rm inside a system container ----
[ "$dind_runs" -gt 0 ] || exit 0
. "$SV_LIB_DIR/docker.sh"
. "$SV_LIB_DIR/debian-rootfs.sh"
sv_require_cmd dockerd
SYSVISOR_PLUGIN_DIR=$(dirname "$(dirname "$PROCFS_DAEMON")")/idmap-exclusive:$SYSVISOR_PLUGIN_DIR
export SYSVISOR_PLUGIN_DIR
sv_use_plugins auto auto fuse-procfs "[fuse-procfs]" "mountpoint = $PROCFS_MNT"
sv_use_exclusive_ids
sv_docker_start_sysvisor || { echo "supervisor-bench: dockerd cannot start" >&2; exit 1; }
img=${SV_ID,,}-dind
SV_DEBIAN_EXTRA=docker.io sv_docker_import_debian "$img"
bbtar=$(sv_busybox_tarball)
declare -A cid
for side in yes no; do
  supervise "$side"
  # seccomp=unconfined on both sides: with supervise = no, the widened profile would refuse
  # inner runc's bind remounts (Docker inside needs the supervisor); unconfined leaves them to
  # the kernel, so the "no" side is Docker-in-Docker with no interception at all.
  cid[$side]=$(sv_docker run -d --runtime=sysvisor-runc --network none --security-opt seccomp=unconfined \
    --tmpfs /run "$img" sleep infinity)
  sv_docker exec "${cid[$side]}" sh -c 'dockerd --bridge=none --iptables=false --ip6tables=false >/var/log/dockerd.log 2>&1 &'
done
supervise yes
for side in yes no; do
  end=$((SECONDS + 60))
  until sv_docker exec "${cid[$side]}" docker info >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$end" ] || { echo "supervisor-bench: the inner dockerd ($side) did not start" >&2; exit 1; }
    sleep 0.5
  done
  sv_docker cp "$bbtar" "${cid[$side]}:/bb.tar"
  sv_docker exec "${cid[$side]}" docker import --change 'CMD ["sh"]' /bb.tar bb >/dev/null
done
loop='for i in $(seq "$1"); do t0=$(date +%s%N);
      if docker run --rm --network none bb true >/dev/null 2>&1; then
        t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); else echo FAIL; fi; done'
inner() { sv_docker exec "${cid[$1]}" sh -c "$loop" sh "$2"; }
inner yes 1 >/dev/null; inner no 1 >/dev/null
: >"$SV_TEST_TMP/dyes"; : >"$SV_TEST_TMP/dno"
for ((done_ = 0; done_ < dind_runs; done_ += 5)); do
  inner yes 5 >>"$SV_TEST_TMP/dyes"
  inner no 5 >>"$SV_TEST_TMP/dno"
done
for side in yes no; do
  if grep -q FAIL "$SV_TEST_TMP/d$side"; then
    echo "supervisor-bench: docker runs failed (supervise = $side): not counted; inner dockerd log:" >&2
    sv_docker exec "${cid[$side]}" tail -n 5 /var/log/dockerd.log >&2 || true
  fi
done
s=$(grep -v FAIL "$SV_TEST_TMP/dyes" | median) k=$(grep -v FAIL "$SV_TEST_TMP/dno" | median)
printf 'docker run --rm bb true inside a system container, median of %d: supervised %s ms, supervise = no %s ms, ratio %s\n' \
  "$(grep -vc FAIL "$SV_TEST_TMP/dyes")" "$s" "$k" "$(ratio "$s" "$k")"
