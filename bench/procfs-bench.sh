#!/bin/bash
# procfs-bench.sh [BUILD_DIR] [READS]
#
# Reads per second of each emulated file, measured in one run from inside a "container" (a
# pid namespace in a 1G memory cgroup and a cpuset of cpu 0, so both FUSE daemons do their
# per-container work): sysvisor-fs vs lxcfs (Debian's binary, -l for loadavg) vs the host's
# own /proc.  Then the RSS of sysvisor-fs with 1 and with 50 containers (50 pid namespaces,
# each reading every file and writing a /proc/sys value).  Needs root, /dev/fuse, lxcfs and
# cgroup v1 memory+cpuset hierarchies.  Cleans up after itself, even on failure.
set -u
BUILD=${1:-build}
READS=${2:-20000}
SVFS=$BUILD/plugins/fuse-procfs/sysvisor-fs
LOOP=$BUILD/plugins/fuse-procfs/procfs-read-loop
for f in "$SVFS" "$LOOP"; do
  [ -x "$f" ] || { echo "procfs-bench: $f missing; build first (meson compile -C $BUILD)" >&2; exit 2; }
done
command -v lxcfs >/dev/null || { echo "procfs-bench: lxcfs missing; apt-get install lxcfs" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "procfs-bench: must run as root" >&2; exit 2; }
SVFS=$(readlink -f "$SVFS"); LOOP=$(readlink -f "$LOOP")

TMP=$(mktemp -d /tmp/procfs-bench.XXXXXX)
SV_MNT=$TMP/sysvisorfs
LX_MNT=$TMP/lxcfs
export SYSVISOR_FS_RUN_DIR=$TMP/run
CG=procfs-bench-$$
CGDIRS=(/sys/fs/cgroup/memory/$CG /sys/fs/cgroup/cpuset/$CG)
CONTAINERS=()
LXCFS_PID=

cleanup() {
  for p in "${CONTAINERS[@]}"; do kill -9 "$p" 2>/dev/null; done
  for p in "${CONTAINERS[@]}"; do wait "$p" 2>/dev/null; done
  local pid
  pid=$(sed -n 's/^pid=//p' "$SYSVISOR_FS_RUN_DIR"/*.lock 2>/dev/null)
  [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
  [ -n "$LXCFS_PID" ] && kill -TERM "$LXCFS_PID" 2>/dev/null
  sleep 0.5
  for m in "$SV_MNT" "$LX_MNT"; do
    grep -q " $m " /proc/self/mountinfo && { fusermount3 -u "$m" 2>/dev/null || umount -l "$m"; }
  done
  for d in "${CGDIRS[@]}"; do for _ in $(seq 30); do rmdir "$d" 2>/dev/null && break; sleep 0.1; done; done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

mkdir -p "$SV_MNT" "$LX_MNT" "${CGDIRS[@]}"
echo 1G > "/sys/fs/cgroup/memory/$CG/memory.limit_in_bytes"
echo 0 > "/sys/fs/cgroup/cpuset/$CG/cpuset.cpus"
cat /sys/fs/cgroup/cpuset/cpuset.mems > "/sys/fs/cgroup/cpuset/$CG/cpuset.mems"
"$SVFS" --mountpoint "$SV_MNT" --log "$TMP/sysvisor-fs.log" || exit 1
lxcfs -f -l -p "$TMP/lxcfs.pid" "$LX_MNT" > "$TMP/lxcfs.log" 2>&1 &
LXCFS_PID=$!
for _ in $(seq 50); do grep -q " $LX_MNT " /proc/self/mountinfo && break; sleep 0.1; done

FILES="proc/meminfo proc/cpuinfo proc/stat proc/uptime proc/loadavg proc/swaps proc/diskstats sys/devices/system/cpu/online"

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

rss() { awk '/^VmRSS:/ {print $2}' "/proc/$(sed -n 's/^pid=//p' "$SYSVISOR_FS_RUN_DIR"/*.lock)/status"; }
reader_script='for f in '"$FILES"'; do cat '"$SV_MNT"'/$f > /dev/null; done
echo 1 > '"$SV_MNT"'/proc/sys/kernel/panic; cat '"$SV_MNT"'/proc/sys/kernel/panic > /dev/null
exec sleep 60'
start_containers() {
  for _ in $(seq "$1"); do
    in_container "$reader_script" > /dev/null 2>&1 &
    CONTAINERS+=($!)
  done
  sleep 3
}
echo
echo "# sysvisor-fs resident memory (VmRSS)"
start_containers 1
echo "containers=1   rss_kb=$(rss)"
start_containers 49
echo "containers=50  rss_kb=$(rss)"
sleep 6 # one loadavg sampling pass over 50 tracked containers
echo "containers=50  rss_kb=$(rss) (after a loadavg sampling pass)"
