#!/bin/bash
# procfs-bench.sh [BUILD_DIR] [READS]
#
# 1. Reads per second of each emulated file, measured in one run from inside a "container" (a
#    pid namespace in a 1G memory cgroup and a cpuset of cpu 0, so both FUSE daemons do their
#    per-container work): sysvisor-fs vs lxcfs (Debian's binary, -l for loadavg) vs the host's
#    own /proc.
# 2. The resident memory (VmRSS) of sysvisor-fs serving real sysvisor-runc containers: 1, then
#    50 busybox containers (plugins.conf: idmap none, shift shiftfs, procfs fuse-procfs on this
#    run's own sysvisor-fs; memory limit 256 MiB, cpus "0"), each reading every emulated file
#    once through the fuse-procfs bind mounts, writing kernel/panic, then running `sleep`.
#    Printed after the 1st, after the 50th, and after one loadavg sampling pass over all 50.
#
# BUILD_DIR (default build) must hold core/sysvisor-runc, plugins/shiftfs/shiftfs.so,
# plugins/fuse-procfs/{sysvisor-fs,fuse-procfs.so,procfs-read-loop}.  Needs root, /dev/fuse,
# lxcfs, runc (for the bundle's spec) and cgroup v1 memory+cpuset hierarchies.  Cleans up after
# itself, even on failure or Ctrl-C: containers deleted, daemons stopped and unmounted, cgroups
# removed.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
BUILD=$(readlink -f "${1:-build}")
READS=${2:-20000}
SVFS=$BUILD/plugins/fuse-procfs/sysvisor-fs
LOOP=$BUILD/plugins/fuse-procfs/procfs-read-loop
RUNC=$BUILD/core/sysvisor-runc
for f in "$SVFS" "$LOOP" "$RUNC" "$BUILD/plugins/fuse-procfs/fuse-procfs.so" \
         "$BUILD/plugins/shiftfs/shiftfs.so"; do
  [ -e "$f" ] || { echo "procfs-bench: $f missing; build first (meson compile -C $BUILD)" >&2; exit 2; }
done
command -v lxcfs >/dev/null || { echo "procfs-bench: lxcfs missing; apt-get install lxcfs" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "procfs-bench: must run as root" >&2; exit 2; }

# The integration tests' helpers: scratch dir, cleanup registry (reverse order), bundles.
SV_TEST_NAME=procfs-bench
SV_RUNC=$RUNC SV_RUNTIME=$RUNC
. "$SRC/tests/lib/common.sh"
. "$SRC/tests/lib/busybox-rootfs.sh"
. "$SRC/tests/lib/runtime.sh"
export SYSVISOR_PLUGIN_DIR=$BUILD/plugins/shiftfs:$BUILD/plugins/fuse-procfs

TMP=$SV_TEST_TMP
SV_MNT=$TMP/sysvisorfs
LX_MNT=$TMP/lxcfs
export SYSVISOR_FS_RUN_DIR=$TMP/run
CG=procfs-bench-$$
CGDIRS=(/sys/fs/cgroup/memory/$CG /sys/fs/cgroup/cpuset/$CG)
NSPIDS=()
LXCFS_PID=

svfs_pid() { sed -n 's/^pid=//p' "$SYSVISOR_FS_RUN_DIR"/*.lock 2>/dev/null | head -n 1; }

stop_daemons() {
  local pid
  pid=$(svfs_pid)
  [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
  [ -n "$LXCFS_PID" ] && kill -TERM "$LXCFS_PID" 2>/dev/null
  for _ in $(seq 30); do
    grep -qE " ($SV_MNT|$LX_MNT) " /proc/self/mountinfo || break
    sleep 0.1
  done
  for m in "$SV_MNT" "$LX_MNT"; do
    grep -q " $m " /proc/self/mountinfo && { fusermount3 -u "$m" 2>/dev/null || umount -l "$m"; }
  done
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
  return 0
}

stop_ns_readers() {
  for p in "${NSPIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  for p in "${NSPIDS[@]}"; do wait "$p" 2>/dev/null; done
  for d in "${CGDIRS[@]}"; do
    [ -d "$d" ] || continue
    for _ in $(seq 30); do rmdir "$d" 2>/dev/null && break; sleep 0.1; done
  done
  return 0
}

# Run in reverse: containers first, then the pid-namespace readers and their cgroups, then
# the daemons; common.sh removes $TMP last.
sv_on_exit stop_daemons
sv_on_exit stop_ns_readers
sv_on_exit "sv_rt_cleanup '$RUNC' '$SV_ROOT'"

mkdir -p "$SV_MNT" "$LX_MNT" "${CGDIRS[@]}"
echo 1G > "/sys/fs/cgroup/memory/$CG/memory.limit_in_bytes"
echo 0 > "/sys/fs/cgroup/cpuset/$CG/cpuset.cpus"
cat /sys/fs/cgroup/cpuset/cpuset.mems > "/sys/fs/cgroup/cpuset/$CG/cpuset.mems"
"$SVFS" --mountpoint "$SV_MNT" --log "$TMP/sysvisor-fs.log" --log-level info || exit 1
lxcfs -f -l -p "$TMP/lxcfs.pid" "$LX_MNT" > "$TMP/lxcfs.log" 2>&1 &
LXCFS_PID=$!
for _ in $(seq 50); do grep -q " $LX_MNT " /proc/self/mountinfo && break; sleep 0.1; done

FILES="proc/meminfo proc/cpuinfo proc/stat proc/uptime proc/loadavg proc/swaps proc/diskstats sys/devices/system/cpu/online"

# ------------------------------------------------------------------ 1. reads per second

# in_container SCRIPT: sh -c SCRIPT as a child of pid 1 of a new pid namespace in the cgroups.
in_container() {
  sh -c 'for d in '"${CGDIRS[*]}"'; do echo $$ > $d/cgroup.procs; done
         exec unshare -p -f --mount-proc sh -c "$0"' "$1"
}

bench_script='
for f in '"$FILES"'; do
  host=/$f; [ -e "$host" ] || host=-
  h=$( [ "$host" = - ] && echo 0 || '"$LOOP"' "$host" $(( '"$READS"' * 5 )) )
  s=$('"$LOOP"' '"$SV_MNT"'/$f '"$READS"')
  l=$( [ -e '"$LX_MNT"'/$f ] && '"$LOOP"' '"$LX_MNT"'/$f '"$READS"' || echo 0)
  echo "$f $h $s $l"
done'
echo "# reads/s from inside a container (pid namespace, memory 1G, cpuset 0), $READS reads per file"
printf '%-30s %12s %12s %12s %10s %10s\n' file host-/proc sysvisor-fs lxcfs svfs/lxcfs svfs/host
in_container "$bench_script" | while read -r f h s l; do
  awk -v f="$f" -v h="$h" -v s="$s" -v l="$l" 'BEGIN {
    printf "%-30s %12d %12d %12d %10s %10s\n", f, h, s, l,
      (l > 0 ? sprintf("%.2f", s / l) : "-"), (h > 0 ? sprintf("%.3f", s / h) : "-") }'
done
# lxcfs is not needed any more: stop it, so that only sysvisor-fs serves what follows.
kill -TERM "$LXCFS_PID" 2>/dev/null
wait "$LXCFS_PID" 2>/dev/null
LXCFS_PID=

# ------------------------------------------------------------------ 2. RSS with real containers

rss() { awk '/^VmRSS:/ {print $2}' "/proc/$(svfs_pid)/status"; }

sv_use_plugins none shiftfs fuse-procfs "[fuse-procfs]" "mountpoint = $SV_MNT"
# One bundle for all: a read-only busybox rootfs (shiftfs maps it for each container).
B=$TMP/bundle
reader='for f in '"$FILES"'; do cat /$f > /dev/null || echo "read /$f failed"; done
echo 1 > /proc/sys/kernel/panic || echo "write kernel/panic failed"
echo "MemTotal=$(sed -n "s/^MemTotal: *//p" /proc/meminfo) cpus=$(cat /sys/devices/system/cpu/online)"
exec sleep 600'
sv_busybox_bundle "$B" sh -c "$reader" >/dev/null || exit 1
sv_spec_set "$B" '.linux.readonlyPaths -= ["/proc/sys"]
  | .linux.resources.memory.limit = 268435456 | .linux.resources.cpu.cpus = "0"' || exit 1

# start_containers FROM TO: `run -d` each; its stdout (the reader's report) goes to a file.
start_containers() {
  local i
  for ((i = $1; i <= $2; i++)); do
    "$RUNC" --root "$SV_ROOT" run -d --bundle "$B" "$SV_ID-$i" </dev/null \
      >"$TMP/c$i.out" 2>"$TMP/c$i.err" \
      || { echo "procfs-bench: container $i did not start: $(cat "$TMP/c$i.err")" >&2; exit 1; }
  done
  for ((i = $1; i <= $2; i++)); do
    sv_wait_until 30 grep -q '^MemTotal=' "$TMP/c$i.out" \
      || { echo "procfs-bench: container $i did not read its files: $(cat "$TMP/c$i.out" "$TMP/c$i.err")" >&2; exit 1; }
    if grep -q failed "$TMP/c$i.out"; then
      echo "procfs-bench: container $i: $(grep failed "$TMP/c$i.out")" >&2; exit 1
    fi
  done
}
running() { "$RUNC" --root "$SV_ROOT" list -q | wc -l; }

echo
echo "# sysvisor-fs resident memory (VmRSS) with sysvisor-runc containers (busybox, sleep)"
echo "containers=0   rss_kb=$(rss)"
start_containers 1 1
echo "containers=$(running)   rss_kb=$(rss)   (container 1 saw $(cat "$TMP/c1.out"))"
start_containers 2 50
echo "containers=$(running)  rss_kb=$(rss)"
sleep 6 # one loadavg sampling pass over 50 tracked containers
echo "containers=$(running)  rss_kb=$(rss) (after a loadavg sampling pass)"
