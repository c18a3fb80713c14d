#!/bin/bash
# A "container" (pid namespace in a 256M memory cgroup and a cpuset of cpu 0) sees its
# limits in meminfo, cpuinfo, cpu/online and uptime; the host sees the host's files.
. "$(dirname "$0")/sysvisor-fs-lib.sh"
require_v1
start_daemon || { fail "sysvisor-fs starts on $MNT"; exit 1; }
pass "sysvisor-fs mounted $MNT as fuse.sysvisor-fs"

make_container basic 256M 0 || { fail "create cgroups"; exit 1; }
procs=$PROCS
out=$(in_container "$procs" "
  awk '/^MemTotal:/ {print \"memtotal=\" \$2}' $MNT/proc/meminfo
  echo processors=\$(grep -c '^processor' $MNT/proc/cpuinfo)
  echo online=\$(cat $MNT/sys/devices/system/cpu/online)
  echo uptime=\$(cut -d' ' -f1 $MNT/proc/uptime)
  echo cpulines=\$(grep -c '^cpu' $MNT/proc/stat)
  echo loadavg=\$(cut -d' ' -f4 $MNT/proc/loadavg)
  echo swaps=\$(wc -l < $MNT/proc/swaps)
")
log "container view: $(echo $out)"
check "container MemTotal is the 256M limit" "262144" "$(echo "$out" | sed -n 's/^memtotal=//p')"
check "container cpuinfo has 1 processor" "1" "$(echo "$out" | sed -n 's/^processors=//p')"
check "container cpu/online is 0" "0" "$(echo "$out" | sed -n 's/^online=//p')"
check "container stat has cpu and cpu0 lines" "2" "$(echo "$out" | sed -n 's/^cpulines=//p')"
check "container swaps is the header only" "1" "$(echo "$out" | sed -n 's/^swaps=//p')"
up=$(echo "$out" | sed -n 's/^uptime=//p')
if awk -v u="$up" 'BEGIN { exit !(u != "" && u >= 0 && u < 5) }'; then
  pass "container uptime starts near 0 ($up)"
else
  fail "container uptime starts near 0: got '$up'"
fi
case "$(echo "$out" | sed -n 's/^loadavg=//p')" in
  [1-9]/[1-9]*) pass "container loadavg counts its own tasks" ;;
  *) fail "container loadavg running/total: $(echo "$out" | sed -n 's/^loadavg=//p')" ;;
esac

host_total=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
check "host MemTotal through sysvisor-fs is the host's" "$host_total" \
  "$(awk '/^MemTotal:/ {print $2}' "$MNT/proc/meminfo")"
check "host cpuinfo is the host's" "$(grep -c '^processor' /proc/cpuinfo)" \
  "$(grep -c '^processor' "$MNT/proc/cpuinfo")"
check "host cpu/online is the host's" "$(cat /sys/devices/system/cpu/online)" \
  "$(cat "$MNT/sys/devices/system/cpu/online")"
host_up=$(cut -d' ' -f1 "$MNT/proc/uptime")
if awk -v u="$host_up" -v h="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { exit !(u - h < 2 && h - u < 2) }'; then
  pass "host uptime is the host's"
else
  fail "host uptime: $host_up vs $(cut -d' ' -f1 /proc/uptime)"
fi
if (echo 1 > "$MNT/proc/meminfo") 2>/dev/null; then fail "meminfo is read-only"; else pass "meminfo is read-only"; fi
