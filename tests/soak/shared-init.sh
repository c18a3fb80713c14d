#!/bin/bash
# tests/soak/shared-init.sh [N]: N rounds (default 300) of the moments when a container's init
# and sysvisor-runc take turns in the memory they share from the clone to the init's execve
# (core/runtime/create.c: the init is cloned with CLONE_VM, so the two must never run heap
# code at the same time), with idmap-exclusive, shiftfs and fuse-procfs (a private
# sysvisor-fs).  Each round, in turn:
#   run      `run` of a shell that prints its pid and its uid map: "1 0 <range> 65536"
#   race     `create` with `start` of the same id retried from another process as fast as it
#            can, so that `start` lets the init go while `create` is still finishing
#   hooks    `run --log --debug` with createRuntime (the runtime runs it while the init
#            waits) and startContainer hooks (the init runs it once the runtime has let go);
#            the runtime's log goes on after the init has stopped its own
#   detach   `run -d`, then `delete --force`
#   pidfile  `create --pid-file`, the file names the init, `start`, the process ends
#   fail     a create whose init fails in its mounts (a mount of an unknown filesystem type):
#            its error comes back, nothing is left
# Every command's status and output are checked; a runtime that corrupted its heap shows as a
# crash (a status above 128, glibc's "malloc(): ..." or "double free" on stderr) or a wrong
# output.  After every round the ids are gone; every 25 rounds and at the end nothing at all is
# left (soak-lib.sh's counters).  Prints one result line; exit 0 when every round passed.
set -euo pipefail
. "$(dirname "$0")/soak-lib.sh"

N=${1:-300}
[[ $N =~ ^[0-9]+$ ]] && [ "$N" -ge 1 ] || sv_fail "usage: $0 [N]: N is a number of rounds"

soak_setup 16
b_run=$SV_TEST_TMP/b-run b_true=$SV_TEST_TMP/b-true b_hooks=$SV_TEST_TMP/b-hooks
b_sleep=$SV_TEST_TMP/b-sleep b_fail=$SV_TEST_TMP/b-fail
soak_bundle "$b_run" sh -c 'echo $$ $(cat /proc/self/uid_map)'
soak_bundle "$b_true" true
soak_bundle "$b_sleep" sleep 100000
soak_bundle "$b_fail" true
sv_spec_set "$b_fail" '.mounts += [{"destination": "/mnt/x", "type": "nosuchfs", "source": "x"}]'
soak_bundle "$b_hooks" cat /tmp/start-hook.out
hooklog=$SV_TEST_TMP/hooks.log
printf '#!/bin/sh\necho "$1 $(cat | jq -r .status)" >>%s\n' "$hooklog" >"$SV_TEST_TMP/hook"
chmod 755 "$SV_TEST_TMP/hook"
printf '#!/bin/sh\necho started >/tmp/start-hook.out\n' >"$b_hooks/rootfs/start-hook"
chmod 755 "$b_hooks/rootfs/start-hook"
sv_spec_set "$b_hooks" '.hooks = {
  "createRuntime": [{"path": $h, "args": ["hook", "createRuntime"]}],
  "startContainer": [{"path": "/start-hook"}] }' --arg h "$SV_TEST_TMP/hook"
base=$SV_TEST_TMP/base
soak_snapshot >"$base"
err=$SV_TEST_TMP/err

# no_heap_alarm WHAT: the runtime's stderr ($err) shows no heap corruption or crash.
alarm='malloc|double free|corrupt|segmentation|abort'
no_heap_alarm() {
  ! grep -Eiq "$alarm" "$err" || sv_fail "$1: the runtime's stderr: $(head -n 3 "$err")"
}

# exited_ok WHAT RC ARGS...: the runtime's run of ARGS exited RC, which must be 0, with
# nothing alarming on stderr.
exited_ok() {
  local what=$1 rc=$2
  shift 2
  no_heap_alarm "$what"
  [ "$rc" = 0 ] || sv_fail "$what: sysvisor-runc $* exited $rc: $(tail -n 3 "$err")"
}

# rt_ok WHAT ARGS...: the runtime succeeds with nothing alarming on stderr; prints its stdout.
rt_ok() {
  local what=$1 rc=0 out
  shift
  out=$(sv_rt "$@" </dev/null 2>"$err") || rc=$?
  exited_ok "$what" "$rc" "$@"
  printf '%s\n' "$out"
}

# rt_bg_ok WHAT ARGS...: as rt_ok for a command that leaves a container behind (create, run
# -d): the container inherits its stdio, so it goes to a file, not a pipe we would wait on.
rt_bg_ok() {
  local what=$1 rc=0
  shift
  sv_rt "$@" </dev/null >"$SV_TEST_TMP/bg.out" 2>"$err" || rc=$?
  exited_ok "$what" "$rc" "$@"
}

# gone ID: nothing of ID is left (state, cgroups, range).
gone() {
  sv_wait_until 5 test ! -e "$SV_ROOT/$1" || sv_fail "$1: its state dir is left"
  assert_eq "" "$(sv_cgroup_dirs "$1")" "$1: its cgroups"
}

# wait_stopped ID: the container's process has ended.
wait_stopped() {
  local t
  for ((t = 0; t < 100; t++)); do
    [ "$(sv_state_field "$1" status 2>/dev/null)" = stopped ] && return 0
    sleep 0.1
  done
  sv_fail "$1 did not stop: $(sv_rt state "$1" 2>&1 | jq -c . 2>/dev/null | head -c 300)"
}

round_run() {
  local out
  out=$(rt_ok "run ($1)" run --bundle "$b_run" "$1")
  assert_match '^1 0 [0-9]+ 65536$' "$out" "run ($1): pid 1, a range of 65536 ids"
  gone "$1"
}

round_race() {
  local id=$1 crc=0 deadline
  sv_rt create --bundle "$b_true" "$id" </dev/null >"$SV_TEST_TMP/create.out" 2>&1 &
  local cpid=$!
  deadline=$((SECONDS + 20))
  until sv_rt start "$id" </dev/null >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || { wait "$cpid" || true; sv_fail "race ($id): start never worked: $(cat "$SV_TEST_TMP/create.out")"; }
  done
  wait "$cpid" || crc=$?
  [ "$crc" = 0 ] || sv_fail "race ($id): create exited $crc: $(cat "$SV_TEST_TMP/create.out")"
  wait_stopped "$id"
  rt_ok "race ($id): delete" delete "$id" >/dev/null
  gone "$id"
}

round_hooks() {
  local out rtlog=$SV_TEST_TMP/rt.log
  : >"$hooklog"
  : >"$rtlog"
  out=$(rt_ok "hooks ($1)" --log "$rtlog" --debug run --bundle "$b_hooks" "$1")
  assert_eq started "$out" "hooks ($1): the startContainer hook ran in the container"
  assert_eq "createRuntime creating" "$(cat "$hooklog")" "hooks ($1): the createRuntime hook"
  # The init stops logging before it runs the process; the runtime logs on (its delete).
  assert_match 'idmap-exclusive: release done' "$(cat "$rtlog")" "hooks ($1): the runtime's log after the init's"
  gone "$1"
}

round_detach() {
  rt_bg_ok "detach ($1)" run -d --bundle "$b_sleep" "$1"
  assert_eq running "$(sv_state_field "$1" status)" "detach ($1): running"
  rt_ok "detach ($1): delete" delete --force "$1" >/dev/null
  gone "$1"
}

round_pidfile() {
  local pf=$SV_TEST_TMP/pid
  rm -f "$pf"
  rt_bg_ok "pidfile ($1)" create --pid-file "$pf" --bundle "$b_true" "$1"
  assert_eq "$(sv_state_field "$1" pid)" "$(cat "$pf")" "pidfile ($1): names the init"
  rt_ok "pidfile ($1): start" start "$1" >/dev/null
  wait_stopped "$1"
  rt_ok "pidfile ($1): delete" delete "$1" >/dev/null
  gone "$1"
}

round_fail() {
  local rc=0
  sv_rt create --bundle "$b_fail" "$1" </dev/null >/dev/null 2>"$err" || rc=$?
  [ "$rc" != 0 ] && [ "$rc" -lt 128 ] || sv_fail "fail ($1): create exited $rc: $(cat "$err")"
  assert_match 'nosuchfs' "$(cat "$err")" "fail ($1): the init's error names the mount"
  no_heap_alarm "fail ($1)"
  gone "$1"
}

kinds=(run race hooks detach pidfile fail)
for ((i = 1; i <= N; i++)); do
  for k in "${kinds[@]}"; do
    "round_$k" "$SV_ID-$k-$i"
  done
  if ((i % 25 == 0 || i == N)); then
    soak_assert_clean "$base" "after $i rounds"
  fi
done
echo "shared-init: $N rounds of ${kinds[*]}: every command as expected, nothing left"
