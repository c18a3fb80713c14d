#!/bin/bash
# procfs-bench.sh [BUILD_DIR] [-r ROUNDS] [-n READS] [-c CONTAINERS] [-t SECONDS] [--no-runc]
#
# sysvisor-fs against lxcfs (Debian's binary, -l for loadavg), both serving the same files from
# a private mount point, in one run:
# 1. Reads per second of each emulated file from inside a "container" (a pid namespace in a 1G
#    memory cgroup and a cpuset of cpu 0, so both daemons do their per-container work): one
#    reader opens, reads to EOF and closes the file READS times on sysvisor-fs, then on lxcfs,
#    then on the host's /proc, ROUNDS times over (default 30 x 100), so that the machine's
#    load hits all three alike.  Also the daemons' CPU time per read (utime+stime of
#    /proc/PID/stat over the run, divided by the reads it served).
# 2. Load: CONTAINERS (default 50) such containers, each in its own memory and cpuset cgroups,
#    each reading all emulated files in turn in a tight loop for SECONDS (default 10), first
#    on sysvisor-fs, then on lxcfs, then on the host's own files (the kernel: how long a
#    reader waits for a CPU anyway): the daemon's CPU (share of one CPU, and per read),
#    reads/s and the slowest single open+read+close any reader saw, whole and counting only the
#    time the reader slept (waiting for the daemon: without its own CPU and its wait for a
#    CPU, which 50 readers pinned to one CPU make long whatever serves the file; the host's
#    own files show that part alone).  Then the same load for
#    both: each container paced to the same reads/s (half of what the slower daemon served),
#    so that the two daemons' CPU compares for the same work; and the host's own files at that
#    pace (the slowest read with no daemon at all).
# 3. Resident memory (VmRSS, and its anonymous part) of both daemons: idle, after 1, during
#    and after the load of 2.
# 4. Unless --no-runc: VmRSS of sysvisor-fs serving real sysvisor-runc containers: 1, then 50
#    busybox containers (plugins.conf: idmap none, shift shiftfs, procfs fuse-procfs on this
#    run's own sysvisor-fs; memory limit 256 MiB, cpus "0"), each reading every emulated file
#    once through the fuse-procfs bind mounts, writing kernel/panic, then running `sleep`.
#
# PROCFS_BENCH_FILES="proc/meminfo proc/loadavg ...": measure these files only (default: the 8).
#
# BUILD_DIR (default build) must hold core/sysvisor-runc, plugins/idmapped-mounts/idmapped-mounts.so,
# plugins/fuse-procfs/{sysvisor-fs,fuse-procfs.so,procfs-read-loop}.  Needs root, /dev/fuse,
# lxcfs, runc (for the bundle's spec) and the memory and cpuset controllers (cgroup v1
# hierarchies, or on a cgroup2 root, enabled there for the run if they are not).  Any failed
# read fails the run (exit 1).  Cleans up after itself, even on failure or Ctrl-C: containers
# deleted, daemons stopped and unmounted, cgroups removed.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
BUILD=build ROUNDS=30 READS=100 NCONT=50 LOAD_SECS=10 RUNC_PART=1
while [ $# -gt 0 ]; do
  case $1 in
    -r) ROUNDS=$2; shift 2 ;;
    -n) READS=$2; shift 2 ;;
    -c) NCONT=$2; shift 2 ;;
    -t) LOAD_SECS=$2; shift 2 ;;
    --no-runc) RUNC_PART=0; shift ;;
    -*) echo "procfs-bench: unknown option $1; see the head of $0" >&2; exit 2 ;;
    *) BUILD=$1; shift ;;
  esac
done
BUILD=$(readlink -f "$BUILD")
SVFS=${SYSVISOR_FS:-$BUILD/plugins/fuse-procfs/sysvisor-fs} # SYSVISOR_FS: another build of it, to compare
LOOP=$BUILD/plugins/fuse-procfs/procfs-read-loop
RUNC=$BUILD/core/sysvisor-runc
for f in "$SVFS" "$LOOP" "$RUNC" "$BUILD/plugins/fuse-procfs/fuse-procfs.so" \
         "$BUILD/plugins/idmapped-mounts/idmapped-mounts.so"; do
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
export SYSVISOR_PLUGIN_DIR=$BUILD/plugins/idmapped-mounts:$BUILD/plugins/fuse-procfs

TMP=$SV_TEST_TMP
SV_MNT=$TMP/sysvisorfs
LX_MNT=$TMP/lxcfs
export SYSVISOR_FS_RUN_DIR=$TMP/run
CG=procfs-bench-$$
CGDIRS=()
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

# Readers are killed by their cgroup: every process in a bench cgroup is ours.
remove_cgroups() {
  local d p
  for d in "${CGDIRS[@]}"; do
    [ -d "$d" ] || continue
    for p in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
  done
  for d in "${CGDIRS[@]}"; do
    [ -d "$d" ] || continue
    for _ in $(seq 30); do rmdir "$d" 2>/dev/null && break; sleep 0.1; done
  done
  return 0
}

# Run in reverse: containers first, then the readers and their cgroups, then the daemons and
# the controllers turned on; common.sh removes $TMP last.
sv_on_exit restore_v2_controllers
sv_on_exit stop_daemons
sv_on_exit remove_cgroups
sv_on_exit "sv_rt_cleanup '$RUNC' '$SV_ROOT'"

# On a cgroup2 root, memory and cpuset must be on in its subtree_control: the run turns on
# those that are off and off again when it ends (restore_v2_controllers, after its cgroups are
# gone).
CG_V2='' V2_ENABLED=''
if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then CG_V2=1; fi
restore_v2_controllers() {
  local c
  for c in $V2_ENABLED; do
    echo "-$c" > /sys/fs/cgroup/cgroup.subtree_control \
      || echo "procfs-bench: could not turn the $c controller off again" >&2
  done
  return 0
}
enable_v2_controllers() {
  local c
  for c in memory cpuset; do
    grep -qw "$c" /sys/fs/cgroup/cgroup.subtree_control && continue
    echo "+$c" > /sys/fs/cgroup/cgroup.subtree_control || {
      echo "procfs-bench: cannot turn on the $c controller in /sys/fs/cgroup; free it (is it" \
        "bound to cgroup v1?) or run on a host where it is on" >&2
      return 1
    }
    V2_ENABLED="$V2_ENABLED $c"
  done
}

# cg_dirs NAME: NAME's cgroup directories (v1: memory and cpuset; v2: one).
cg_dirs() {
  if [ -n "$CG_V2" ]; then echo "/sys/fs/cgroup/$1"
  else echo "/sys/fs/cgroup/memory/$1 /sys/fs/cgroup/cpuset/$1"; fi
}

# make_cgroups NAME: NAME's cgroups, with memory 1G and cpuset cpu 0.
make_cgroups() {
  local -a d
  read -ra d <<<"$(cg_dirs "$1")"
  mkdir "${d[@]}" || return 1
  CGDIRS+=("${d[@]}")
  if [ -n "$CG_V2" ]; then
    echo 1G > "${d[0]}/memory.max"
    echo 0 > "${d[0]}/cpuset.cpus"
    cat /sys/fs/cgroup/cpuset.mems.effective > "${d[0]}/cpuset.mems"
  else
    echo 1G > "${d[0]}/memory.limit_in_bytes"
    echo 0 > "${d[1]}/cpuset.cpus"
    cat /sys/fs/cgroup/cpuset/cpuset.mems > "${d[1]}/cpuset.mems"
  fi
}

# in_container NAME CMD...: CMD as a child of pid 1 of a new pid namespace in NAME's cgroups.
in_container() {
  local name=$1; shift
  sh -c 'for d in '"$(cg_dirs "$name")"'; do echo $$ > "$d/cgroup.procs"; done
         exec unshare -p -f --mount-proc "$@"' sh "$@"
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_of() { awk '/^VmRSS:/ {r=$2} /^RssAnon:/ {a=$2} END {printf "%d kB (anon %d)", r, a}' "/proc/$1/status"; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

mkdir -p "$SV_MNT" "$LX_MNT"
{ [ -z "$CG_V2" ] || enable_v2_controllers; } && make_cgroups "$CG" || exit 1
"$SVFS" --mountpoint "$SV_MNT" --log "$TMP/sysvisor-fs.log" --log-level info || exit 1
lxcfs -f -l -p "$TMP/lxcfs.pid" "$LX_MNT" > "$TMP/lxcfs.log" 2>&1 &
LXCFS_PID=$!
for _ in $(seq 50); do grep -q " $LX_MNT " /proc/self/mountinfo && break; sleep 0.1; done
SP=$(svfs_pid)
RSS_IDLE_S=$(rss_of "$SP") RSS_IDLE_L=$(rss_of "$LXCFS_PID")

FILES=${PROCFS_BENCH_FILES:-"proc/meminfo proc/cpuinfo proc/stat proc/uptime proc/loadavg proc/swaps proc/diskstats sys/devices/system/cpu/online"}
TICK_US=$((1000000 / $(getconf CLK_TCK)))

# ------------------------------------------------------------------ 1. reads per second

echo "# reads/s from inside a container (pid namespace, memory 1G, cpuset 0): $ROUNDS rounds of $READS reads"
echo "# per file, sysvisor-fs, lxcfs and the host's /proc taking turns; cpu_us: daemon CPU per read"
printf '%-30s %10s %10s %10s %8s %8s %8s %9s\n' file host-/proc sysvisor-fs lxcfs svfs/lx \
  svfs_cpu lx_cpu cpu_ratio
ratios=
for f in $FILES; do
  host=/$f
  [ -e "$host" ] || host=$SV_MNT/$f # (never: every served file exists on the host)
  s0=$(cpu_ticks "$SP") l0=$(cpu_ticks "$LXCFS_PID")
  out=$(in_container "$CG" "$LOOP" -r "$ROUNDS" "$SV_MNT/$f" "$READS" "$LX_MNT/$f" "$host") \
    || { echo "procfs-bench: reading $f failed: $out" >&2; exit 1; }
  s1=$(cpu_ticks "$SP") l1=$(cpu_ticks "$LXCFS_PID")
  row=$(echo "$out" | awk -v f="$f" -v n=$((ROUNDS * READS)) -v t=$TICK_US \
    -v sc=$((s1 - s0)) -v lc=$((l1 - l0)) '
    { r[NR] = $1 }
    END {
      if (NR != 3 || r[1] <= 0 || r[2] <= 0) exit 1
      scpu = sc * t / n; lcpu = lc * t / n
      printf "%-30s %10d %10d %10d %8.2f %8.1f %8.1f %9s\n", f, r[3], r[1], r[2], r[1] / r[2],
        scpu, lcpu, (lcpu > 0 ? sprintf("%.2f", scpu / lcpu) : "-")
    }') || { echo "procfs-bench: bad output for $f: $out" >&2; exit 1; }
  echo "$row"
  ratios="$ratios $(echo "$row" | awk '{print $5}')"
done
echo "$ratios" | tr ' ' '\n' | sed '/^$/d' | sort -g | awk '
  { v[NR] = $1 } END { printf "svfs/lxcfs reads/s: median %.2f, min %.2f, max %.2f\n", v[int((NR + 1) / 2)], v[1], v[NR] }'
RSS_ONE_S=$(rss_of "$SP") RSS_ONE_L=$(rss_of "$LXCFS_PID")

# ------------------------------------------------------------------ 2. load

for i in $(seq "$NCONT"); do make_cgroups "$CG-$i" || exit 1; done

# load MOUNT PID [RATE]: every container reads all files in turn for LOAD_SECS, in a tight
# loop or RATE reads/s each; prints "reads/s cpu% cpu_us/read max_ms slow blocked_ms
# blocked_slow peak_rss_kb" (max_ms, slow: a whole open+read+close, the slowest and how many
# took over 10 ms; blocked_ms, blocked_slow: the same for its time asleep, waiting for the
# daemon, without the reader's own CPU and its wait for one: procfs-read-loop's head).
load() {
  local mnt=$1 pid=$2 pacing=${3:+-R $3} i paths="" peak=0 r readers=() p
  for f in $FILES; do paths="$paths $mnt/$f"; done
  local c0 t0 c1 t1
  rm -f "$TMP"/load-*.out
  [ "$pid" = - ] && pid=$$ # the host's own files: no daemon, the shell's CPU (~0) stands in
  c0=$(cpu_ticks "$pid") t0=$(date +%s.%N)
  for i in $(seq "$NCONT"); do
    # shellcheck disable=SC2086
    in_container "$CG-$i" "$LOOP" -t "$LOAD_SECS" $pacing $paths > "$TMP/load-$i.out" 2>&1 &
    readers+=($!)
  done
  for _ in $(seq $((LOAD_SECS * 2 + 60))); do
    r=$(rss_kb "$pid"); [ "$r" -gt "$peak" ] && peak=$r
    sleep 0.5
    for p in "${readers[@]}"; do kill -0 "$p" 2>/dev/null && continue 2; done
    break
  done
  for p in "${readers[@]}"; do wait "$p"; done
  c1=$(cpu_ticks "$pid") t1=$(date +%s.%N)
  cat "$TMP"/load-*.out | awk -v c=$((c1 - c0)) -v t=$TICK_US -v t0="$t0" -v t1="$t1" \
    -v n="$NCONT" -v peak="$peak" '
    BEGIN { secs = t1 - t0 }
    NF == 5 && $1 > 0 { reads += $1; if ($2 > max) max = $2; slow += $3; ok++
                        if ($4 > bmax) bmax = $4; bslow += $5 }
    END {
      if (ok != n) exit 1
      printf "%d %.0f %.1f %.1f %d %.1f %d %d\n", reads / secs, c * t / secs / 1e4, c * t / reads,
        max / 1000, slow, bmax / 1000, bslow, peak
    }' || { echo "procfs-bench: a load reader failed:" >&2; grep -vh '^[0-9 ]*$' "$TMP"/load-*.out >&2; exit 1; }
}

# load_header, load_row NAME LOAD_OUTPUT: the table of the load figures (the host's own files
# have no daemon: no CPU or memory of one).
load_header() {
  printf '%-12s %8s %5s %11s %11s %10s %14s %12s %11s\n' daemon reads/s cpu% cpu_us/read \
    max_read_ms 'reads>10ms' max_blocked_ms 'blocked>10ms' peak_rss_kB
}
load_row() {
  local name=$1
  # shellcheck disable=SC2086
  set -- $2
  [ "$name" = host-kernel ] && set -- "$1" - - "$4" "$5" "$6" "$7" -
  printf '%-12s %8d %5s %11s %11s %10s %14s %12s %11s\n' "$name" "$@"
}

echo
echo "# load: $NCONT containers (own pid namespace, memory and cpuset cgroups), each reading the"
echo "# $(echo $FILES | wc -w) files in turn in a tight loop for ${LOAD_SECS} s; one daemon at a time"
load_header
ls=$(load "$SV_MNT" "$SP") || exit 1
RSS_LOAD_S=$(rss_of "$SP")
ll=$(load "$LX_MNT" "$LXCFS_PID") || exit 1
RSS_LOAD_L=$(rss_of "$LXCFS_PID")
# The same readers on the host's own /proc and /sys: how long a reader waits for a CPU on
# this machine with this many readers, whatever serves the file.
lh=$(load "" -) || exit 1
load_row sysvisor-fs "$ls"; load_row lxcfs "$ll"; load_row host-kernel "$lh"
awk -v a="$ls" -v b="$ll" 'BEGIN { split(a, x); split(b, y)
  printf "ratio sysvisor-fs/lxcfs: reads/s %.2f, cpu %.2f, cpu per read %.2f\n", x[1] / y[1], x[2] / y[2], x[3] / y[3] }'

# The same load for both: in tight loops the faster daemon is asked for more reads (and
# spends more CPU on them); paced at half of what the slower one served, both serve the
# same reads/s, and their CPU compares directly.
rate=$(awk -v a="$ls" -v b="$ll" -v n="$NCONT" 'BEGIN { split(a, x); split(b, y)
  m = x[1] < y[1] ? x[1] : y[1]; r = int(m / 2 / n); print (r < 1 ? 1 : r) }')
echo
echo "# same load: the $NCONT containers each read $rate files/s (half of what the slower daemon"
echo "# served in tight loops) for ${LOAD_SECS} s; one daemon at a time"
load_header
ps_=$(load "$SV_MNT" "$SP" "$rate") || exit 1
pl=$(load "$LX_MNT" "$LXCFS_PID" "$rate") || exit 1
# and the host's own files at that pace: the slowest read a reader sees with no daemon at all
ph=$(load "" - "$rate") || exit 1
load_row sysvisor-fs "$ps_"; load_row lxcfs "$pl"; load_row host-kernel "$ph"
awk -v a="$ps_" -v b="$pl" 'BEGIN { split(a, x); split(b, y)
  printf "ratio sysvisor-fs/lxcfs at the same load: reads/s %.2f, cpu %.2f, cpu per read %.2f\n", x[1] / y[1], x[2] / (y[2] > 0 ? y[2] : 1), x[3] / (y[3] > 0 ? y[3] : 1) }'

echo
echo "# resident memory (VmRSS)        sysvisor-fs              lxcfs"
printf '%-30s %-24s %s\n' "idle" "$RSS_IDLE_S" "$RSS_IDLE_L"
printf '%-30s %-24s %s\n' "after 1 container (part 1)" "$RSS_ONE_S" "$RSS_ONE_L"
printf '%-30s %-24s %s\n' "after $NCONT containers (part 2)" "$RSS_LOAD_S" "$RSS_LOAD_L"

# lxcfs is not needed any more: stop it, so that only sysvisor-fs serves what follows.
kill -TERM "$LXCFS_PID" 2>/dev/null
wait "$LXCFS_PID" 2>/dev/null
LXCFS_PID=
[ "$RUNC_PART" = 1 ] || exit 0

# ------------------------------------------------------------------ 4. RSS with real containers

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
