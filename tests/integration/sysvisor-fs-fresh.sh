#!/bin/bash
# What a container reads is its own and fresh (issue 16: the daemon caches rendered texts):
# two "containers" (pid namespaces in their own memory and cpuset cgroups) read the same file
# at once and each sees its own limit, every time; a container reading meminfo in a loop sees
# a changed memory limit in every read that starts 100 ms (the documented time to live) or
# more after the change; uptime advances while read in a loop.
. "$(dirname "$0")/sysvisor-fs-lib.sh"
require_v1
start_daemon || { fail "sysvisor-fs starts on $MNT"; exit 1; }

make_container fresh-a 256M 0 || { fail "create cgroups"; exit 1; }
procs_a=$PROCS mem_a=/sys/fs/cgroup/memory/svfs-test-fresh-a-$$
make_container fresh-b 128M 0 || { fail "create cgroups"; exit 1; }
procs_b=$PROCS mem_b=/sys/fs/cgroup/memory/svfs-test-fresh-b-$$

# Readers in the background run in a pid namespace of their own: end them through their cgroup.
stop_bg() {
  local p
  for p in $(cat "$mem_a/cgroup.procs" "$mem_b/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  BG_PIDS=()
}
trap 'stop_bg; cleanup' EXIT

# loop NAME PROCS FILE: read FILE's first line in a tight loop (bash builtins only), one line
# per read in $TMP/NAME.log: when the read started (µs), then the line.
loop() {
  in_container "$2" "exec bash -c '
    while :; do t=\${EPOCHREALTIME/./}; read -r l < $3; echo \"\$t \$l\"; done >> $TMP/$1.log'" &
  BG_PIDS+=($!)
  for _ in $(seq 50); do [ -s "$TMP/$1.log" ] && break; sleep 0.1; done
}

loop a "$procs_a" "$MNT/proc/meminfo"
loop b "$procs_b" "$MNT/proc/meminfo"
sleep 0.5
before=${EPOCHREALTIME/./}
echo 192M > "$mem_a/memory.limit_in_bytes"
changed=${EPOCHREALTIME/./}
sleep 1
stop_bg
after=$(awk -v c="$changed" '$1 >= c + 100000' "$TMP/a.log")
log "reads: a $(wc -l < "$TMP/a.log") ($(echo "$after" | grep -c .) 100 ms or more after the change), b $(wc -l < "$TMP/b.log")"
check "container a's reads before its limit changed showed 256M" "262144" \
  "$(awk -v c="$before" '$1 < c {print $3}' "$TMP/a.log" | sort -u)"
check "container a's reads that started 100 ms or more after the change show 192M" "196608" \
  "$(echo "$after" | awk '{print $3}' | sort -u)"
check "container b, reading the same file at the same time, always saw its 128M" "131072" \
  "$(awk '{print $3}' "$TMP/b.log" | sort -u)"

loop up "$procs_b" "$MNT/proc/uptime"
sleep 2
stop_bg
if awk 'NR == 1 { f = $2 } { if ($2 + 0 < l) back++; l = $2 }
        END { exit !(NR > 2 && l - f >= 1 && l - f < 5 && !back) }' "$TMP/up.log"; then
  pass "uptime advances while read in a loop, never backwards ($(wc -l < "$TMP/up.log") reads)"
else
  fail "uptime advances while read in a loop: $(head -1 "$TMP/up.log") ... $(tail -1 "$TMP/up.log")"
fi
