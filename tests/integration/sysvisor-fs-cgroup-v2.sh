#!/bin/bash
# Pure cgroup v2: the daemon reads a fake v2 tree (SYSVISOR_FS_CGROUP_ROOT) in which the
# container's real v2 cgroup (a child of the cgroup2 mount) has memory.max 128M, a cpuset of
# cpus 0-1 and cpu.max of one CPU; the container sees 131072 kB and its cpuset: two processors,
# online "0-1" (the default CPU view: a quota is CPU time, not CPUs); with --cpu-view quota,
# one processor, online "0".
set -euo pipefail
. "$(dirname "$0")/sysvisor-fs-lib.sh"
V2=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/self/mounts)
[ -n "$V2" ] || sv_skip "no cgroup2 mount"
name=$SV_ID-svfs-v2
mkdir "$V2/$name" 2>/dev/null || sv_skip "cannot create a cgroup under $V2"
sv_on_exit "_svfs_remove_cgroup '$V2/$name'"
FAKE=$TMP/cgroup
mkdir -p "$FAKE/$name"
echo "cpuset cpu io memory pids" >"$FAKE/cgroup.controllers"
echo 134217728 >"$FAKE/$name/memory.max"
echo 33554432 >"$FAKE/$name/memory.current"
printf 'anon 16777216\nfile 8388608\ninactive_file 4194304\n' >"$FAKE/$name/memory.stat"
echo max >"$FAKE/$name/memory.swap.max"
echo 0 >"$FAKE/$name/memory.swap.current"
echo 0-1 >"$FAKE/$name/cpuset.cpus.effective"
echo "100000 100000" >"$FAKE/$name/cpu.max"
printf 'usage_usec 1000\nuser_usec 600\nsystem_usec 400\n' >"$FAKE/$name/cpu.stat"
echo "254:0 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0" >"$FAKE/$name/io.stat"

view() {
  svfs_in_container "$V2/$name/cgroup.procs" "
    awk '/^MemTotal:/ {print \"memtotal=\" \$2}' $MNT/proc/meminfo
    echo processors=\$(grep -c '^processor' $MNT/proc/cpuinfo)
    echo online=\$(cat $MNT/sys/devices/system/cpu/online)
    echo cpulines=\$(grep -c '^cpu' $MNT/proc/stat)
  "
}

SYSVISOR_FS_CGROUP_ROOT=$FAKE svfs_start || sv_fail "sysvisor-fs does not mount $MNT"
out=$(view)
sv_log "v2 container view: $(echo "$out" | tr '\n' ' ')"
assert_eq 131072 "$(svfs_field memtotal "$out")" "v2 MemTotal is memory.max"
assert_eq 2 "$(svfs_field processors "$out")" "v2 cpuset 0-1 under a quota of one CPU: two processors"
assert_eq 0-1 "$(svfs_field online "$out")" "v2 cpu/online is the cpuset"
assert_eq 3 "$(svfs_field cpulines "$out")" "v2 stat has cpu, cpu0 and cpu1"

svfs_stop || sv_fail "SIGTERM does not unmount $MNT"
SYSVISOR_FS_CGROUP_ROOT=$FAKE svfs_start --cpu-view quota \
  || sv_fail "sysvisor-fs --cpu-view quota does not mount $MNT"
out=$(view)
sv_log "v2 container view, --cpu-view quota: $(echo "$out" | tr '\n' ' ')"
assert_eq 1 "$(svfs_field processors "$out")" "v2 --cpu-view quota: cpu.max of one CPU leaves one processor"
assert_eq 0 "$(svfs_field online "$out")" "v2 --cpu-view quota: cpu/online is 0"
assert_eq 2 "$(svfs_field cpulines "$out")" "v2 --cpu-view quota: stat has cpu and cpu0"
