#!/bin/bash
# procfs-limits: a Debian system container run by sysvisor-runc with procfs = fuse-procfs
# (idmap none, shift shiftfs), memory limit 256 MiB and cpus "0", sees its limits in procps
# `free`, `top`, coreutils `nproc`, `uptime` and the /proc and /sys files sysvisor-fs serves;
# the host's own files stay the host's.
set -eu
. "$(dirname "$0")/procfs-lib.sh"

host_memtotal() { awk '/^MemTotal:/ {print $2}' /proc/meminfo; }
host_mem_before=$(host_memtotal)
host_cpus=$(grep -c '^processor' /proc/cpuinfo)
host_online=$(cat /sys/devices/system/cpu/online)
host_up=$(cut -d. -f1 /proc/uptime)

procfs_start_daemon
procfs_use_plugins
b=$SV_TEST_TMP/debian
# One "key: value" line per fact; `free -m` and `top` raw after them.
procfs_bundle --debian "$b" sh -c '
  echo "meminfo_total: $(awk "/^MemTotal:/ {print \$2}" /proc/meminfo)"
  echo "free_total: $(free -m | awk "/^Mem:/ {print \$2}")"
  echo "free_free: $(free -m | awk "/^Mem:/ {print \$4}")"
  echo "free_cache: $(free -m | awk "/^Mem:/ {print \$6}")"
  echo "nproc: $(nproc)"
  echo "cpuinfo: $(grep -c ^processor /proc/cpuinfo)"
  echo "online: $(cat /sys/devices/system/cpu/online)"
  echo "stat_cpus: $(grep -c "^cpu[0-9]" /proc/stat)"
  echo "proc_uptime: $(cat /proc/uptime)"
  echo "uptime: $(uptime)"
  echo "loadavg: $(cat /proc/loadavg)"
  echo "fuse_mounts: $(grep -c " - fuse.sysvisor-fs " /proc/self/mountinfo)"
  echo "meminfo_mount: $(grep " /proc/meminfo .* - " /proc/self/mountinfo | sed "s/.* - //; s/ .*//")"
  dd if=/dev/zero of=/var/tmp/cache bs=1M count=64 2>/dev/null && sync
  echo "cached_free: $(free -m | awk "/^Mem:/ {print \$4}")"
  echo "cached_cache: $(free -m | awk "/^Mem:/ {print \$6}")"
  echo "cached_avail: $(free -m | awk "/^Mem:/ {print \$7}")"
  rm -f /var/tmp/cache
  echo "---"; free -m; top -bn1 | head -n 5'

out=$(sv_rt run --bundle "$b" "$SV_ID-limits" </dev/null 2>"$SV_TEST_TMP/err") \
  || sv_fail "run failed: $(cat "$SV_TEST_TMP/err")"
sv_log "inside the container:"$'\n'"$out"
field() { sed -n "s/^$1: //p" <<<"$out" | head -n 1; }

assert_eq "" "$(cat "$SV_TEST_TMP/err")" "nothing on stderr inside"
assert_eq "fuse.sysvisor-fs" "$(field meminfo_mount)" "/proc/meminfo is sysvisor-fs's file"
assert_eq 262144 "$(field meminfo_total)" "/proc/meminfo MemTotal is the 256 MiB limit (kB)"
assert_eq 256 "$(field free_total)" "free -m: total is 256 MiB"
free_free=$(field free_free)
free_cache=$(field free_cache)
[ "$free_free" -le 256 ] && [ "$free_free" -ge 128 ] \
  || sv_fail "free -m: free is $free_free MiB, expected most of the 256 MiB of an idle container"
# buff/cache is Buffers + Cached + SReclaimable: the host's slab must not show through.
[ $((free_free + free_cache)) -le 257 ] \
  || sv_fail "free -m: free $free_free + buff/cache $free_cache exceed the 256 MiB total"
# 64 MiB of page cache written inside: it is buff/cache, not free, and still available.
c_free=$(field cached_free) c_cache=$(field cached_cache) c_avail=$(field cached_avail)
[ "$c_cache" -ge 60 ] || sv_fail "free -m: 64 MiB written, buff/cache is $c_cache MiB"
[ $((c_free + c_cache)) -le 257 ] \
  || sv_fail "free -m with 64 MiB of page cache: free $c_free + buff/cache $c_cache exceed 256 MiB"
[ "$c_avail" -ge $((c_free + 60)) ] \
  || sv_fail "free -m: the page cache is not counted available ($c_avail MiB, free $c_free MiB)"
assert_match 'MiB Mem : +256\.0 total' "$out" "top: 256 MiB total"
assert_eq 1 "$(field nproc)" "nproc"
assert_eq 1 "$(field cpuinfo)" "processors in /proc/cpuinfo"
assert_eq 0 "$(field online)" "/sys/devices/system/cpu/online"
assert_eq 1 "$(field stat_cpus)" "cpuN lines in /proc/stat"
up=$(field proc_uptime)
assert_match '^[0-9]+\.[0-9]{2} [0-9]+\.[0-9]{2}$' "$up" "/proc/uptime format"
[ "${up%%.*}" -lt 30 ] || sv_fail "container uptime starts near 0, got '$up' (host: $host_up s)"
assert_match 'up 0 min' "$(field uptime)" "uptime(1) inside"
assert_match '^[0-9]+\.[0-9]{2} [0-9]+\.[0-9]{2} [0-9]+\.[0-9]{2} [0-9]+/[0-9]+ [0-9]+$' \
  "$(field loadavg)" "/proc/loadavg format"
sv_assert_nothing_left "$SV_ID-limits" "$b"

# The host's files are the host's: nothing was mounted over them, and the daemon answers the
# host with its own files verbatim.
assert_eq "$host_mem_before" "$(host_memtotal)" "host /proc/meminfo MemTotal unchanged"
assert_eq "$host_cpus" "$(grep -c '^processor' /proc/cpuinfo)" "host /proc/cpuinfo unchanged"
assert_eq "$host_online" "$(cat /sys/devices/system/cpu/online)" "host cpu/online unchanged"
[ "$(cut -d. -f1 /proc/uptime)" -ge "$host_up" ] || sv_fail "host /proc/uptime went back"
assert_eq "" "$(grep ' - fuse.sysvisor-fs ' /proc/self/mountinfo | awk '$5 ~ "^/(proc|sys)/"')" \
  "no sysvisor-fs file mounted over the host's /proc or /sys"
assert_eq "$host_mem_before" "$(awk '/^MemTotal:/ {print $2}' "$PROCFS_MNT/proc/meminfo")" \
  "sysvisor-fs answers the host with the host's meminfo"
assert_eq "$host_cpus" "$(grep -c '^processor' "$PROCFS_MNT/proc/cpuinfo")" \
  "sysvisor-fs answers the host with the host's cpuinfo"
if [ "$host_cpus" -gt 1 ]; then
  sv_log "host has $host_cpus CPUs and $host_mem_before kB; the container saw 1 and 262144 kB"
fi
echo "procfs-limits: ok"
