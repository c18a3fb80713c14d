#!/bin/bash
# bench/supervisor-bench.sh - what sysvisor-fs's syscall supervisor costs (issue 13, item 7).
# See bench/README.md.
#
#   bench/supervisor-bench.sh [-n CALLS] [-m REMOUNTS] [-r ROUNDS]
#
# One trapped call, timed by bench/syscall-loop: CALLS x sysinfo() and REMOUNTS x a bind
# remount (mount -o remount,bind,nosuid of a bind mount in a tmpfs) inside a busybox system
# container whose calls go to the supervisor (procfs = fuse-procfs on this run's own
# sysvisor-fs, `supervise = yes`, CAP_SYS_ADMIN), against the kernel answering them: sysinfo()
# in a container with `supervise = no`, and the bind remount on the host in a private mount
# namespace (a container without the supervisor refuses that remount by design, see
# core/seccomp/mount-rules.c).  ROUNDS rounds, the two sides alternating after an untimed
# warm-up; prints the median ns per call of each side and the ratio supervised/kernel.
# Docker-in-Docker with the supervisor against the host's Docker is bench/dind-bench.sh.
set -euo pipefail

calls=2000
remounts=200
rounds=3
while [ $# -gt 0 ]; do
  case $1 in
    -n) calls=$2; shift 2 ;;
    -m) remounts=$2; shift 2 ;;
    -r) rounds=$2; shift 2 ;;
    -h|--help) sed -n '2,15s/^# \{0,1\}//p' "$0"; exit 0 ;;
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

b=$SV_TEST_TMP/bb
# The last argument says the side: the unsupervised container times sysinfo() only.
procfs_bundle "$b" sh -c '/syscall-loop sysinfo "$0" && [ "$2" = no ] && exit 0
  mount -t tmpfs t /mnt && mkdir /mnt/a /mnt/b && mount --bind /mnt/a /mnt/b &&
  /syscall-loop remount "$1" /mnt/b' "$calls" "$remounts" yes
sv_spec_set "$b" 'del(.linux.seccomp) | .process.capabilities = ({bounding: $c, effective: $c, permitted: $c})' \
  --argjson c '["CAP_SYS_ADMIN"]'
cp "$loop_bin" "$b/rootfs/syscall-loop"
# host_remount: the same remounts answered by the kernel alone (a private mount namespace;
# its tmpfs goes with it).
host_remount() {
  local d=$SV_TEST_TMP/host-mnt
  mkdir -p "$d"
  unshare -m --propagation private sh -c 'mount -t tmpfs t "$0" && mkdir "$0/a" "$0/b" &&
    mount --bind "$0/a" "$0/b" && "$1" remount "$2" "$0/b"' "$d" "$loop_bin" "$remounts"
}
: >"$SV_TEST_TMP/yes"; : >"$SV_TEST_TMP/no"
for ((r = 0; r <= rounds; r++)); do   # round 0 warms up
  for side in yes no; do
    supervise "$side"
    sv_spec_set "$b" '.process.args[-1] = $s' --arg s "$side"
    out=$(sv_rt run --bundle "$b" "$SV_ID-$side-$r" </dev/null 2>&1) || {
      echo "supervisor-bench: the $side container failed: $out" >&2; exit 1; }
    [ "$side" = yes ] || out+=$'\n'$(host_remount 2>&1) || {
      echo "supervisor-bench: the host's remounts failed: $out" >&2; exit 1; }
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
