#!/bin/bash
# tests/soak/svfs-crash.sh [CONTAINERS [ROUNDS]]: SIGKILL of sysvisor-fs at random points under
# load.  CONTAINERS (default 10) system containers read the emulated /proc and /sys files
# (and call sysinfo through busybox free, which the daemon's supervisor answers) in a loop.
# Each of ROUNDS (default 10) rounds: after a random 0.2-2 s, sysvisor-fs is killed with
# SIGKILL.  Then no process of the containers stays in D state (sampled for 2 s), an exec of
# a reader into every container finishes within 20 s (errors are fine, hangs are not), a
# restarted sysvisor-fs serves a new container (MemTotal is its limit), an exec into an old one
# works again, and the readers go on (their /proc files stay broken: the bind mounts name the
# dead daemon's connection; a container restarted is served again).
# At the end every container is deleted and nothing is left (soak-lib.sh's counters).
# Prints one result line.  Needs root.
set -euo pipefail
. "$(dirname "$0")/soak-lib.sh"

C=${1:-10}
ROUNDS=${2:-10}
[[ $C =~ ^[0-9]+$ && $ROUNDS =~ ^[0-9]+$ ]] || sv_fail "usage: $0 [CONTAINERS [ROUNDS]]"

soak_setup $((C + 4))
readers='cat /proc/uptime /proc/meminfo /proc/cpuinfo /proc/stat /proc/loadavg /proc/swaps /proc/diskstats /sys/devices/system/cpu/online >/dev/null 2>&1 && free >/dev/null 2>&1'
b=$SV_TEST_TMP/b b_new=$SV_TEST_TMP/b-new
# "ok N" every 20 good passes, "fail" when reads start failing.
soak_bundle "$b" sh -c "i=0 f=0; while :; do if $readers; then i=\$((i + 1)) f=0; [ \$((i % 20)) = 0 ] && echo ok \$i;
  else [ \$f = 1 ] || echo fail; f=1; sleep 0.1; fi; done"
soak_bundle "$b_new" sh -c "grep -q 'MemTotal: *262144 kB' /proc/meminfo"
base=$SV_TEST_TMP/base
soak_snapshot >"$base"
log=$SV_TEST_TMP/runtime.log

rt() {
  sv_rt "$@" </dev/null >>"$log" 2>&1 || sv_fail "sysvisor-runc $* failed: $(tail -n 5 "$log")"
}

# hung: pids of the pool's processes in D state in every one of 5 samples over 2 s.
hung() {
  local s
  for s in 1 2 3 4 5; do
    ps -e -o pid=,uid=,stat= | awk -v s="$SOAK_POOL_START" -v n="$SOAK_POOL_SIZE" \
      '$2 >= s && $2 < s + n && $3 ~ /^D/ { print $1 }'
    [ "$s" = 5 ] || sleep 0.5
  done | sort | uniq -c | awk '$1 == 5 { print $2 }'
}

for ((c = 0; c < C; c++)); do
  sv_rt run -d --bundle "$b" "$SV_ID-r$c" </dev/null >"$SV_TEST_TMP/r$c.out" 2>&1 \
    || sv_fail "run -d $SV_ID-r$c failed: $(cat "$SV_TEST_TMP/r$c.out")"
done
for ((c = 0; c < C; c++)); do
  sv_wait_until 30 grep -q '^ok' "$SV_TEST_TMP/r$c.out" \
    || sv_fail "reader $c reads nothing: $(cat "$SV_TEST_TMP/r$c.out")"
done
execs=0 exec_errors=0
for ((r = 1; r <= ROUNDS; r++)); do
  sleep "$(printf '%d.%d' $((RANDOM % 2)) $((RANDOM % 8 + 2)))"
  kill -KILL "$SOAK_SVFS_PID"
  sv_wait_until 5 sh -c "! kill -0 $SOAK_SVFS_PID" || sv_fail "sysvisor-fs survived SIGKILL"
  h=$(hung)
  [ -z "$h" ] || sv_fail "round $r: in D state after sysvisor-fs died: $(for p in $h; do
    echo "$p $(cat /proc/$p/wchan 2>/dev/null) $(tr '\0' ' ' </proc/$p/cmdline 2>/dev/null)"; done)"
  for ((c = 0; c < C; c++)); do
    rc=0
    timeout 20 "$SV_RUNTIME" --root "$SV_ROOT" exec "$SV_ID-r$c" sh -c "$readers" \
      </dev/null >>"$log" 2>&1 || rc=$?
    [ "$rc" != 124 ] || sv_fail "round $r: an exec of a reader into $SV_ID-r$c hangs"
    execs=$((execs + 1))
    [ "$rc" = 0 ] || exec_errors=$((exec_errors + 1))
  done
  procfs_start_daemon --log-level debug
  SOAK_SVFS_PID=$(procfs_daemon_pid)
  rt run --bundle "$b_new" "$SV_ID-new$r"
  rt exec "$SV_ID-r$((r % C))" true   # the runtime serves the old containers again
  for ((c = 0; c < C; c++)); do
    [ "$(soak_state "$SV_ID-r$c")" = running ] || sv_fail "round $r: reader $c is $(soak_state "$SV_ID-r$c")"
  done
  sv_log "round $r: sysvisor-fs killed; no reader in D state; restarted, serves a new container"
done
recovered=0
for ((c = 0; c < C; c++)); do
  grep -q '^fail' "$SV_TEST_TMP/r$c.out" || sv_fail "reader $c saw no failure: was sysvisor-fs serving it?"
  [ "$(tail -n 1 "$SV_TEST_TMP/r$c.out")" = fail ] || recovered=$((recovered + 1))
  rt delete --force "$SV_ID-r$c"
done
# The daemon that runs now has seen no container: its fds and known containers are the
# baseline's (a new daemon's first tick logs its own "known containers:" line).
sv_wait_until 12 sh -c "[ \$(grep -c 'known containers:' '$PROCFS_LOG') -gt $ROUNDS ]" || true
soak_assert_clean "$base" "after $ROUNDS kills of sysvisor-fs" 30
echo "svfs-crash: $ROUNDS SIGKILLs of sysvisor-fs under $C reading containers: no process in D state, $execs execs finished ($exec_errors with errors, 0 hung), a restarted sysvisor-fs served $ROUNDS new containers ($recovered of $C old ones read again), nothing left"
