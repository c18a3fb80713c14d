#!/bin/bash
# Pure cgroup v2: the daemon reads a fake v2 tree (SYSVISOR_FS_CGROUP_ROOT) in which the
# container's real v2 cgroup (a child of the cgroup2 mount) has memory.max 128M, a cpuset of
# cpus 0-1 and cpu.max of one CPU; the container sees 131072 kB and its cpuset: two processors,
# online "0-1" (the default CPU view: a quota is CPU time, not CPUs); with --cpu-view quota,
# one processor, online "0".
. "$(dirname "$0")/sysvisor-fs-lib.sh"
V2=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/self/mounts)
[ -n "$V2" ] || { echo "1..0 # SKIP no cgroup2 mount"; exit 77; }
name=svfs-test-v2-$$
mkdir "$V2/$name" || { echo "1..0 # SKIP cannot create a cgroup under $V2"; exit 77; }
CGROUPS+=("$V2/$name")
FAKE=$TMP/cgroup
mkdir -p "$FAKE/$name"
echo "cpuset cpu io memory pids" > "$FAKE/cgroup.controllers"
echo 134217728 > "$FAKE/$name/memory.max"
echo 33554432 > "$FAKE/$name/memory.current"
printf 'anon 16777216\nfile 8388608\ninactive_file 4194304\n' > "$FAKE/$name/memory.stat"
echo max > "$FAKE/$name/memory.swap.max"
echo 0 > "$FAKE/$name/memory.swap.current"
echo 0-1 > "$FAKE/$name/cpuset.cpus.effective"
echo "100000 100000" > "$FAKE/$name/cpu.max"
printf 'usage_usec 1000\nuser_usec 600\nsystem_usec 400\n' > "$FAKE/$name/cpu.stat"
echo "254:0 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0" > "$FAKE/$name/io.stat"

view() {
  sh -c 'echo $$ > '"$V2/$name"'/cgroup.procs; exec unshare -p -f --mount-proc sh -c "$0"' "
    awk '/^MemTotal:/ {print \"memtotal=\" \$2}' $MNT/proc/meminfo
    echo processors=\$(grep -c '^processor' $MNT/proc/cpuinfo)
    echo online=\$(cat $MNT/sys/devices/system/cpu/online)
    echo cpulines=\$(grep -c '^cpu' $MNT/proc/stat)
  "
}
field() { echo "$out" | sed -n "s/^$1=//p"; }

SYSVISOR_FS_CGROUP_ROOT=$FAKE start_daemon || { fail "sysvisor-fs starts"; exit 1; }
out=$(view)
log "v2 container view: $(echo $out)"
check "v2 MemTotal is memory.max" "131072" "$(field memtotal)"
check "v2 cpuset 0-1 under a quota of one CPU: two processors" "2" "$(field processors)"
check "v2 cpu/online is the cpuset" "0-1" "$(field online)"
check "v2 stat has cpu, cpu0 and cpu1" "3" "$(field cpulines)"

pid=$(sed -n 's/^pid=//p' "$SYSVISOR_FS_RUN_DIR"/*.lock)
kill -TERM "$pid"
for _ in $(seq 50); do grep -q " $MNT " /proc/self/mountinfo || break; sleep 0.1; done
SYSVISOR_FS_CGROUP_ROOT=$FAKE start_daemon --cpu-view quota || { fail "sysvisor-fs --cpu-view quota starts"; exit 1; }
out=$(view)
log "v2 container view, --cpu-view quota: $(echo $out)"
check "v2 --cpu-view quota: cpu.max of one CPU leaves one processor" "1" "$(field processors)"
check "v2 --cpu-view quota: cpu/online is 0" "0" "$(field online)"
check "v2 --cpu-view quota: stat has cpu and cpu0" "2" "$(field cpulines)"
