#!/bin/bash
# bench-procfs-smoke: bench/procfs-bench.sh, bounded (1 round of 2 reads, 2 readers for 1 s;
# its sysvisor-runc part as it is), runs every part without a failed read, prints a number for
# every file and figure, and leaves no daemon, mount or cgroup of its own behind: a benchmark
# row that fails is a bug of the benchmark (bench/README.md), and this is where CI sees it.
set -eu
. "$(dirname "$0")/../lib/common.sh"
sv_require_root
sv_require_runtime
sv_require_cmd lxcfs
build=${SV_BUILD_ROOT:-$(dirname "$(dirname "$SV_RUNC")")}

# bench_traces: what the bench makes and must take away again (on a cgroup2 root, also the
# controllers it may turn on there for the run)
bench_traces() {
  pgrep -a -x lxcfs || true
  grep -E ' - fuse(\.lxcfs|\.sysvisor-fs)? ' /proc/self/mountinfo | grep procfs-bench || true
  find /sys/fs/cgroup -maxdepth 2 -type d -name 'procfs-bench-*' 2>/dev/null || true
}
controllers=$(cat /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true)
assert_eq "" "$(bench_traces)" "no lxcfs, bench mount or bench cgroup before the run"

assert_ok "$SV_SRC_ROOT/bench/procfs-bench.sh" "$build" -r 1 -n 2 -c 2 -t 1
out=$SV_OUT
assert_eq "" "$(grep -F 'command not found' <<<"$out" || true)" \
  "every tool the bench calls is there (the installer's, or a Debian minbase's)"
num='[0-9]+(\.[0-9]+)?'

files="proc/meminfo proc/cpuinfo proc/stat proc/uptime proc/loadavg proc/swaps proc/diskstats
sys/devices/system/cpu/online"
for f in $files; do
  # host, sysvisor-fs and lxcfs reads/s, their ratio: positive numbers
  line=$(grep -E "^$f " <<<"$out" || true)
  assert_match "^$f +[1-9][0-9]* +[1-9][0-9]* +[1-9][0-9]* +$num " "$line" \
    "$f: reads/s of all three"
done
assert_match "svfs/lxcfs reads/s: median $num, min $num, max $num" "$out" "the median ratio"
for d in sysvisor-fs lxcfs host-kernel; do
  assert_eq 2 "$(grep -cE "^$d +[1-9][0-9]* " <<<"$out")" "$d: a row in both load tables"
done
assert_match "ratio sysvisor-fs/lxcfs: reads/s $num, cpu $num, cpu per read $num" "$out" \
  "the tight-loop ratios"
assert_match "ratio sysvisor-fs/lxcfs at the same load: reads/s $num, cpu $num" "$out" \
  "the same-load ratios"
for what in "idle" "after 1 container" "after 2 containers"; do
  line=$(grep -F "$what " <<<"$out" | head -n 1)
  assert_match " [1-9][0-9]* kB \(anon [0-9]+\) +[1-9][0-9]* kB \(anon" "$line" "VmRSS $what"
done
assert_match "containers=50 +rss_kb=[1-9][0-9]*" "$out" "VmRSS with 50 sysvisor-runc containers"
assert_eq "" "$(bench_traces)" "no lxcfs, bench mount or bench cgroup after the run"
assert_eq "$controllers" "$(cat /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true)" \
  "the cgroup2 root's controllers as they were"
