#!/bin/bash
# tests/soak/load.sh [CONTAINERS [SECONDS]]: CONTAINERS (default 200) busybox system
# containers at once (idmap-exclusive, shiftfs, fuse-procfs; 256 MiB each), each reading its
# emulated /proc and /sys files (and calling sysinfo through free) in a loop for SECONDS
# (default 60), then sleeping.  All are created first and start reading together.  Every
# container must report its result within SECONDS + 120 s with no failed read (no failure, no
# hang), no process may sit in D state, and after delete --force nothing is left.  Prints one
# result line with sysvisor-fs's CPU use and RSS over the reading period.  Needs root.
set -euo pipefail
. "$(dirname "$0")/soak-lib.sh"

C=${1:-200}
SECS=${2:-60}
[[ $C =~ ^[0-9]+$ && $SECS =~ ^[0-9]+$ ]] && [ "$C" -ge 1 ] \
  || sv_fail "usage: $0 [CONTAINERS [SECONDS]]"

soak_setup $((C + 4))
files='/proc/uptime /proc/meminfo /proc/cpuinfo /proc/stat /proc/loadavg /proc/swaps /proc/diskstats /sys/devices/system/cpu/online'
b=$SV_TEST_TMP/b
# Waits for /go (made by the host in the shared rootfs), reads for SECS, says how it went.
soak_bundle "$b" sh -c "while [ ! -e /go ]; do sleep 1; done
  end=\$((\$(date +%s) + $SECS)) ok=0 fail=0 bad=0
  while [ \$(date +%s) -lt \$end ]; do
    if cat $files >/dev/null && free >/dev/null; then ok=\$((ok + 1)); else fail=\$((fail + 1)); fi
    grep -q 'MemTotal: *262144 kB' /proc/meminfo || bad=\$((bad + 1))
  done
  echo result ok=\$ok fail=\$fail bad=\$bad
  exec sleep 100000"
sv_spec_set "$b" '.linux.resources.cpu.cpus = "0-1"'
base=$SV_TEST_TMP/base
soak_snapshot >"$base"
out=$SV_TEST_TMP/out
mkdir -p "$out"

t0=$(date +%s)
for ((c = 0; c < C; c++)); do
  sv_rt run -d --bundle "$b" "$SV_ID-l$c" </dev/null >"$out/$c" 2>&1 \
    || sv_fail "container $c of $C did not start: $(cat "$out/$c")"
done
t1=$(date +%s)
sv_log "$C containers running after $((t1 - t0)) s; reading for $SECS s"

svfs_ticks() { awk '{ print $14 + $15 }' "/proc/$SOAK_SVFS_PID/stat"; }
hz=$(getconf CLK_TCK)
cpu0=$(svfs_ticks)
touch "$b/rootfs/go"
tgo=$(date +%s)
rss_max=0 dstate=0
# Sample while they read: the daemon's RSS, and processes of the pool in D state.
while :; do
  rss=$(soak_svfs_field VmRSS)
  [ "${rss:-0}" -le "$rss_max" ] || rss_max=$rss
  d=$(ps -e -o uid=,stat= | awk -v s="$SOAK_POOL_START" -v n="$SOAK_POOL_SIZE" \
        '$1 >= s && $1 < s + n && $2 ~ /^D/' | grep -c . || true)
  [ "$d" -le "$dstate" ] || dstate=$d
  done_n=$(grep -l '^result' "$out"/* 2>/dev/null | grep -c . || true)
  [ "$done_n" -lt "$C" ] || break
  [ $(($(date +%s) - tgo)) -lt $((SECS + 120)) ] \
    || sv_fail "$((C - done_n)) of $C containers did not finish reading $((SECS + 120)) s after the start (hang?): $(grep -L '^result' "$out"/* | head -n 5 | xargs -r tail -n 2)"
  sleep 2
done
tend=$(date +%s)
cpu1=$(svfs_ticks)
cpu_s=$(awk -v t=$((cpu1 - cpu0)) -v hz="$hz" 'BEGIN { printf "%.1f", t / hz }')
hwm=$(soak_svfs_field VmHWM)

ok=0 fail=0 bad=0
for ((c = 0; c < C; c++)); do
  line=$(grep '^result' "$out/$c")
  read -r o f x < <(sed 's/result ok=\([0-9]*\) fail=\([0-9]*\) bad=\([0-9]*\)/\1 \2 \3/' <<<"$line")
  [ "$o" -gt 0 ] || sv_fail "container $c read nothing: $(cat "$out/$c")"
  ok=$((ok + o)) fail=$((fail + f)) bad=$((bad + x))
done
[ "$fail" = 0 ] && [ "$bad" = 0 ] \
  || sv_fail "$fail failed passes and $bad wrong MemTotal over $C containers: $(grep -h -v '^result ok=[0-9]* fail=0 bad=0' "$out"/* | sort | uniq -c | head)"

for ((c = 0; c < C; c++)); do
  sv_rt delete --force "$SV_ID-l$c" </dev/null >/dev/null 2>&1 || sv_fail "delete --force $SV_ID-l$c failed"
done
t2=$(date +%s)
soak_assert_clean "$base" "after $C containers" 30
echo "load: $C containers at once (started in $((t1 - t0)) s), $SECS s of reading (all done $((tend - tgo)) s after the start): $ok passes of 8 files + sysinfo ($((ok * 9)) reads), 0 failed, 0 wrong, 0 hung, max $dstate in D state at a sample; sysvisor-fs CPU $cpu_s s over $((tend - tgo)) s ($(awk -v t=$((cpu1 - cpu0)) -v hz="$hz" -v s=$((tend - tgo)) 'BEGIN { printf "%.1f", 100 * t / hz / s }')% of one core), RSS max sampled $rss_max kB, peak (VmHWM) $hwm kB; deleted in $((t2 - tend)) s, nothing left"
