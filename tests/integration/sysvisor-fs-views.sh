#!/bin/bash
# Per-container copies of the emulated files (ct/<name>/..., issue 16): two "containers"
# (pid namespaces in their own memory and cpuset cgroups) each read their own copy of the
# same file and see their own limits, also when each reads the other's name; a changed memory
# limit shows in meminfo within the documented 100 ms (plus a scheduling margin) and uptime
# advances while a container reads it in a loop (the kernel caches these texts); the host
# and a reader of another cgroup get their own view of a copy, not the cached one.
. "$(dirname "$0")/sysvisor-fs-lib.sh"
require_v1
start_daemon || { fail "sysvisor-fs starts on $MNT"; exit 1; }

make_container views-a 256M 0 || { fail "create cgroups"; exit 1; }
procs_a=$PROCS mem_a=/sys/fs/cgroup/memory/svfs-test-views-a-$$
make_container views-b 128M 0 || { fail "create cgroups"; exit 1; }
procs_b=$PROCS

total() { awk '/^MemTotal:/ {print $2}' "$1"; }
# Background readers run in a pid namespace of their own: end them through their cgroup.
stop_bg() {
  local p
  for p in $(cat "$mem_a/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  BG_PIDS=()
}
trap 'stop_bg; cleanup' EXIT
# Both read ct/one/... first (each becomes the owner of a copy of its own name), then each
# reads its own copy 50 times: every read must show its own limit.
script='
  own=$1
  for i in $(seq 50); do awk "/^MemTotal:/ {print \$2}" '"$MNT"'/ct/$own/proc/meminfo; done | sort -u
'
out_a=$(in_container "$procs_a" "set -- a; $script")
out_b=$(in_container "$procs_b" "set -- b; $script")
check "container a reads 256M from its copy, every time" "262144" "$out_a"
check "container b reads 128M from its copy, every time" "131072" "$out_b"
check "the directory of a copy lists the emulated files" \
  "cpuinfo diskstats loadavg meminfo stat swaps uptime" "$(ls "$MNT/ct/a/proc" | sort | xargs)"

# A container reads its copy in a loop (one line per read: when it started, what it saw)
# while its limit changes: every read that starts 100 ms (the file's time to live) or more
# after the change must show the new limit.
in_container "$procs_a" "exec bash -c '
  while :; do t=\${EPOCHREALTIME/./}; read -r _ v _ < $MNT/ct/a/proc/meminfo; echo \"\$t \$v\"
  done >> $TMP/a-log'" &
BG_PIDS+=($!)
for _ in $(seq 50); do [ -s "$TMP/a-log" ] && break; sleep 0.1; done
sleep 0.3
echo 192M > "$mem_a/memory.limit_in_bytes"
changed=${EPOCHREALTIME/./}
sleep 1
stop_bg
after=$(awk -v c="$changed" '$1 >= c + 100000' "$TMP/a-log")
log "reads: $(wc -l < "$TMP/a-log"), $(echo "$after" | wc -l) of them 100 ms or more after the change"
check "reads before the change showed 256M" "262144" \
  "$(awk -v c="$changed" '$1 < c - 100000 {print $2}' "$TMP/a-log" | sort -u)"
check "every read started 100 ms or more after a limit change shows it" "196608" \
  "$(echo "$after" | cut -d' ' -f2 | sort -u)"

# uptime advances in a tight loop of reads of the cached copy.
out=$(in_container "$procs_b" "
  first=\$(cut -d' ' -f1 $MNT/ct/b/proc/uptime)
  end=\$((\$(date +%s) + 2))
  while [ \$(date +%s) -lt \$end ]; do last=\$(cut -d' ' -f1 $MNT/ct/b/proc/uptime); done
  echo \$first \$last")
if awk -v f="${out% *}" -v l="${out#* }" 'BEGIN { exit !(l - f >= 0.5 && l - f < 5) }'; then
  pass "uptime advances while read in a loop ($out)"
else
  fail "uptime advances while read in a loop: first, last = $out"
fi

# While container a lives (and owns its copy, reading it in a loop), the host reading a's copy
# gets a's text (what the kernel holds) or the host's, and a reader of another container (b)
# reading a's copy gets its own view, never a's.
in_container "$procs_a" "
  while :; do awk '/^MemTotal:/ {print \$2}' $MNT/ct/a/proc/meminfo > $TMP/a-now.tmp
    mv $TMP/a-now.tmp $TMP/a-now; sleep 0.01; done" &
BG_PIDS+=($!)
for _ in $(seq 50); do [ -s "$TMP/a-now" ] && break; sleep 0.1; done
check "container a's loop reads 192M" "196608" "$(cat "$TMP/a-now")"
host=$(total "$MNT/ct/a/proc/meminfo")
case "$host" in
  196608|"$(total /proc/meminfo)") pass "the host reads container a's copy as a's or the host's ($host)" ;;
  *) fail "the host reads container a's copy: $host" ;;
esac
check "container b reading a's copy (a alive) gets its own 128M, 20 times" "131072" \
  "$(in_container "$procs_b" "for i in \$(seq 20); do awk '/^MemTotal:/ {print \$2}' $MNT/ct/a/proc/meminfo; done | sort -u")"
check "container a still reads 192M from its copy" "196608" "$(cat "$TMP/a-now")"
check "the shared file still answers for the reader" "131072" \
  "$(in_container "$procs_b" "awk '/^MemTotal:/ {print \$2}' $MNT/proc/meminfo")"
stop_bg
