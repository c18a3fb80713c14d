#!/bin/bash
# A "container" (pid namespace in a 256M memory cgroup and a cpuset of cpu 0) sees its
# limits in meminfo, cpuinfo, cpu/online and uptime; the host sees the host's files.
set -euo pipefail
. "$(dirname "$0")/sysvisor-fs-lib.sh"
svfs_require_v1
svfs_start || sv_fail "sysvisor-fs does not mount $MNT as fuse.sysvisor-fs"

svfs_make_container basic 256M 0
out=$(svfs_in_container "$PROCS" "
  awk '/^MemTotal:/ {print \"memtotal=\" \$2}' $MNT/proc/meminfo
  echo processors=\$(grep -c '^processor' $MNT/proc/cpuinfo)
  echo online=\$(cat $MNT/sys/devices/system/cpu/online)
  echo uptime=\$(cut -d' ' -f1 $MNT/proc/uptime)
  echo cpulines=\$(grep -c '^cpu' $MNT/proc/stat)
  echo loadavg=\$(cut -d' ' -f4 $MNT/proc/loadavg)
  echo swaps=\$(wc -l < $MNT/proc/swaps)
")
sv_log "container view: $(echo "$out" | tr '\n' ' ')"
assert_eq 262144 "$(svfs_field memtotal "$out")" "container MemTotal is the 256M limit"
assert_eq 1 "$(svfs_field processors "$out")" "container cpuinfo has 1 processor"
assert_eq 0 "$(svfs_field online "$out")" "container cpu/online is 0"
assert_eq 2 "$(svfs_field cpulines "$out")" "container stat has cpu and cpu0 lines"
assert_eq 1 "$(svfs_field swaps "$out")" "container swaps is the header only"
up=$(svfs_field uptime "$out")
awk -v u="$up" 'BEGIN { exit !(u != "" && u >= 0 && u < 5) }' \
  || sv_fail "container uptime starts near 0: got '$up'"
assert_match '^[1-9][0-9]*/[1-9][0-9]*$' "$(svfs_field loadavg "$out")" \
  "container loadavg counts its own tasks (running/total)"

assert_eq "$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)" \
  "$(awk '/^MemTotal:/ {print $2}' "$MNT/proc/meminfo")" "host MemTotal through sysvisor-fs is the host's"
assert_eq "$(grep -c '^processor' /proc/cpuinfo)" "$(grep -c '^processor' "$MNT/proc/cpuinfo")" \
  "host cpuinfo is the host's"
assert_eq "$(cat /sys/devices/system/cpu/online)" "$(cat "$MNT/sys/devices/system/cpu/online")" \
  "host cpu/online is the host's"
host_up=$(cut -d' ' -f1 "$MNT/proc/uptime")
real_up=$(cut -d' ' -f1 /proc/uptime)
awk -v u="$host_up" -v h="$real_up" 'BEGIN { exit !(u - h < 2 && h - u < 2) }' \
  || sv_fail "host uptime is the host's: $host_up vs $real_up"
if (echo 1 >"$MNT/proc/meminfo") 2>/dev/null; then sv_fail "meminfo is writable"; fi
