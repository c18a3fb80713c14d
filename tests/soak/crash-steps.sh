#!/bin/bash
# tests/soak/crash-steps.sh [POINTS [COMMANDS]]: SIGKILL of sysvisor-runc at every step of
# create, start, exec and delete, stepped, not timed: strace's fault injection
# (`strace -e inject=all:signal=KILL:when=N`) kills the runtime on entry to its N-th syscall,
# and N runs through every syscall the command makes (counted by one traced run first).
# POINTS = 0 (the default) tries every N; POINTS = K tries K of them, evenly spaced from a
# random offset (printed, and taken from SOAK_CRASH_OFFSET when set), for a bounded run.
# After each kill: `delete --force` succeeds (or the id never existed), nothing is left (a
# storage removal cut short may stay set aside until the next create, which finishes it)
# (soak-lib.sh's counters: mounts, cgroups, ranges, state and lib dirs, processes, sysvisor-fs
# fds and known containers), and the next create of the same id works (start, exec of a /proc
# reader, delete --force), leaving nothing either.  Prints one result line per command.
# Needs root and strace.
set -euo pipefail
. "$(dirname "$0")/soak-lib.sh"
sv_require_cmd strace

POINTS=${1:-0}
COMMANDS=${2:-create start exec delete}
[[ $POINTS =~ ^[0-9]+$ ]] || sv_fail "usage: $0 [POINTS [COMMANDS]]: POINTS is a number (0: every step)"

soak_setup 16
b=$SV_TEST_TMP/b
soak_bundle "$b" sleep 100000
readers='cat /proc/uptime /proc/meminfo /proc/stat /proc/loadavg /sys/devices/system/cpu/online >/dev/null'
base=$SV_TEST_TMP/base
soak_snapshot >"$base"
log=$SV_TEST_TMP/runtime.log

rt() {   # rt ARGS...: the runtime, untraced; fails the test with its output
  sv_rt "$@" </dev/null >>"$log" 2>&1 || sv_fail "sysvisor-runc $* failed: $(tail -n 5 "$log")"
}

# What each command needs before it runs, and its arguments.
before_create() { :; }
before_start() { rt create --bundle "$b" "$1"; }
before_exec() { rt run -d --bundle "$b" "$1"; }
before_delete() { rt run -d --bundle "$b" "$1"; }
args_create() { echo "create --bundle $b $1"; }
args_start() { echo "start $1"; }
args_exec() { echo "exec $1 sh -c"; }
args_delete() { echo "delete --force $1"; }

# traced CMD ID [STRACE-ARGS...]: the command under strace (exec gets the reader as one word).
traced() {
  local cmd=$1 id=$2
  shift 2
  local -a a
  read -r -a a <<<"$(args_"$cmd" "$id")"
  [ "$cmd" = exec ] && a+=("$readers")
  strace "$@" "$SV_RUNTIME" --root "$SV_ROOT" "${a[@]}" </dev/null >>"$log" 2>&1
}

# steps CMD: the syscalls the command's own process makes in one run, one line each:
# "NAME K" (the K-th call of NAME).  strace counts `when=` per syscall, so the kill at step
# J is inject=NAME:signal=KILL:when=K of its line.
steps() {
  local cmd=$1 id=$SV_ID-count-$1 t=$SV_TEST_TMP/count.trace
  "before_$cmd" "$id"
  traced "$cmd" "$id" -o "$t" || sv_fail "$cmd under strace failed: $(tail -n 5 "$log")"
  sv_rt delete --force "$id" </dev/null >/dev/null 2>&1 || true
  grep -v '^+++\|^---' "$t" | sed -n 's/^\([a-z0-9_]*\)(.*/\1/p' | awk '{ print $1, ++n[$1] }'
}

# after_kill ID WHAT: delete --force, nothing left, the next create of ID works.
after_kill() {
  local id=$1 what=$2 out rc=0
  out=$(sv_rt delete --force "$id" 2>&1 </dev/null) || rc=$?
  if [ "$rc" != 0 ] && ! grep -q 'does not exist' <<<"$out"; then
    sv_fail "$what: delete --force failed: $out"
  fi
  SOAK_LIBDIRS_LATER=1 soak_assert_clean "$base" "$what, then delete --force"
  rt create --bundle "$b" "$id"
  rt start "$id"
  rt exec "$id" sh -c "$readers"
  rt delete --force "$id"
  soak_assert_clean "$base" "$what, then delete --force and the next create"
}

killed_total=0 points_total=0
for cmd in $COMMANDS; do
  declare -F "before_$cmd" >/dev/null || sv_fail "unknown command '$cmd' (create start exec delete)"
  mapfile -t plan < <(steps "$cmd")
  n=${#plan[@]}
  [ "$n" -gt 10 ] || sv_fail "$cmd: only $n syscalls traced"
  stride=1 off=1
  if [ "$POINTS" -gt 0 ] && [ "$n" -gt "$POINTS" ]; then
    stride=$((n / POINTS))
    off=${SOAK_CRASH_OFFSET:-$((RANDOM % stride + 1))}
  fi
  sv_log "$cmd: $n syscalls; killing at step $off, $((off + stride)), ... (stride $stride)"
  killed=0 finished=0 tried=0
  for ((j = off; j <= n; j += stride)); do
    read -r name k <<<"${plan[j - 1]}"
    id=$SV_ID-$cmd-$j
    "before_$cmd" "$id"
    rc=0
    traced "$cmd" "$id" -o /dev/null -e "inject=$name:signal=KILL:when=$k" 2>/dev/null || rc=$?
    case $rc in
      137) killed=$((killed + 1)) ;;
      0) finished=$((finished + 1)) ;;   # this run made fewer calls of NAME
      *) sv_fail "$cmd killed at step $j ($name #$k): status $rc: $(tail -n 5 "$log")" ;;
    esac
    tried=$((tried + 1))
    SOAK_QUICK=1 after_kill "$id" "$cmd killed at step $j of $n ($name #$k)"
  done
  soak_assert_clean "$base" "after the kills of $cmd" 30
  echo "crash-steps: $cmd: $n syscalls, killed at $tried steps ($killed killed, $finished finished first): 0 leaks after delete --force, the next create works"
  killed_total=$((killed_total + killed))
  points_total=$((points_total + tried))
done
echo "crash-steps: $points_total crash points ($killed_total kills) over: $COMMANDS; nothing left"
