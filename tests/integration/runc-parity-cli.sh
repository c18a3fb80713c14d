#!/bin/bash
# runc-parity-cli: the commands answer as runc 1.1.5 does where a system container has no
# reason to differ (issue 14, item 8): ps passes ps(1) options through and keeps the
# container's rows, ps of a stopped container is an empty table, `kill ID 0` is a liveness
# check, `kill --all` of a stopped container and `delete --force` of a missing one succeed,
# exec failures exit 255.  Every check runs first against runc itself (the reference, on a
# plain bundle), then against sysvisor-runc on the same spec: the expectations are runc's.
# What stays different on purpose is refused with one clear line: exec --cgroup, checkpoint,
# restore (item 10).
set -eu
# shellcheck source=tests/lib/runc-parity.sh
. "$(dirname "$0")/../lib/runc-parity.sh"
sv_require_cmd jq ps
parity_require_runc

# expect_status N CMD...: CMD exits with status N; its output is left in OUT.
expect_status() {
  local want=$1 rc=0
  shift
  OUT=$("$@" 2>&1) || rc=$?
  [ "$rc" = "$want" ] || sv_fail "expected status $want, got $rc: $*
$OUT"
}

# refused PATTERN CMD...: one error line matching PATTERN, status 1.
refused() {
  local pattern=$1
  shift
  expect_status 1 "$@"
  assert_match "$pattern" "$OUT" "error for: $*"
  assert_eq 1 "$(grep -c . <<<"$OUT")" "exactly one line for: $*"
}

status_of() { "$RT" --root "$ROOT" state "$1" 2>/dev/null | jq -r .status; }

# check_cli TAG: the runc-compatible answers of runtime $RT (state under $ROOT) on bundle $B.
check_cli() {
  local tag=$1 id=$SV_ID-$1 none=$SV_ID-none pid table
  r() { "$RT" --root "$ROOT" "$@"; }

  r run -d --bundle "$B" "$id" </dev/null >"$SV_TEST_TMP/run.$tag" 2>&1 \
    || sv_fail "$tag: run -d failed: $(cat "$SV_TEST_TMP/run.$tag")"
  pid=$(r state "$id" | jq .pid)

  # ps with ps(1)'s own options: the container's rows, whatever the options select.
  expect_status 0 r ps "$id" -e -x
  assert_match '^ *PID ' "$(head -1 <<<"$OUT")" "$tag: /ps/-e-x/header"
  assert_eq 1 "$(awk -v p="$pid" 'NR > 1 && $1 == p' <<<"$OUT" | wc -l)" "$tag: /ps/-e-x/lists-the-init"
  expect_status 0 r ps "$id" -o pid,comm
  table=$OUT
  assert_match '^ *PID COMMAND$' "$(head -1 <<<"$table")" "$tag: /ps/-o/header"
  assert_eq "$pid sleep" "$(sed 1d <<<"$table" | awk '{print $1, $2}')" "$tag: /ps/-o/only-the-init"

  # Signal 0 checks that the init is alive and sends nothing.
  expect_status 0 r kill "$id" 0
  assert_eq running "$(status_of "$id")" "$tag: /kill/0-sends-nothing"

  # exec: the process's own status, or 255 when exec itself failed (shims tell them apart).
  expect_status 7 r exec "$id" sh -c 'exit 7'
  expect_status 255 r exec "$id" /no-such-program
  expect_status 255 r exec "$none" true
  expect_status 255 r exec "$id"

  # delete --force of what is not there is done; without --force it is an error.
  expect_status 0 r delete --force "$none"
  assert_eq "" "$OUT" "$tag: /delete/force-missing-is-silent"
  expect_status 1 r delete "$none"

  # A stopped container: ps is an empty table, kill --all has nothing to do, kill is refused.
  expect_status 0 r kill "$id" KILL
  sv_wait_until 10 sh -c "[ \"\$('$RT' --root '$ROOT' state '$id' | jq -r .status)\" = stopped ]" \
    || sv_fail "$tag: $id did not stop"
  expect_status 0 r ps "$id"
  assert_eq 1 "$(grep -c . <<<"$OUT")" "$tag: /ps/stopped-is-the-header-only"
  assert_match '^UID +PID +PPID' "$OUT" "$tag: /ps/stopped-header"
  expect_status 0 r ps --format json "$id"
  assert_eq 0 "$(jq length <<<"$OUT")" "$tag: /ps/stopped-json-is-empty"
  expect_status 0 r kill --all "$id" KILL
  expect_status 1 r kill "$id" 0
  expect_status 0 r delete "$id"
}

# ---------------------------------------------------------------- the reference: runc
B=$SV_TEST_TMP/ref
sv_busybox_bundle "$B" sleep 1000 >/dev/null
RT=$SV_REF_RUNC
ROOT=$SV_TEST_TMP/ref-state
mkdir -p "$ROOT"
sv_on_exit "sv_rt_cleanup '$RT' '$ROOT'"
check_cli ref

# ---------------------------------------------------------------- sysvisor-runc, same spec
B=$SV_TEST_TMP/bundle
sv_core_bundle "$B" sleep 1000
RT=$SV_RUNTIME
ROOT=$SV_ROOT
check_cli sv
sv_assert_nothing_left "$SV_ID-sv" "$B"

# ---------------------------------------------------------------- deliberate differences
id=$SV_ID-diff
sv_rt_bg run -d --bundle "$B" "$id"
refused 'exec: --cgroup "sub" is not supported: .*leave the option out' \
  sv_rt exec --cgroup sub "$id" touch /tmp/ran
assert_fail sv_rt exec "$id" test -e /tmp/ran
for c in checkpoint restore; do
  refused "^sysvisor-runc: $c is not supported: .*stop the container and create it again" \
    sv_rt $c "$id"
done
assert_eq running "$(sv_state_field "$id" status)" "/checkpoint/refusal-leaves-it-running"
assert_ok sv_rt delete --force "$id"
sv_assert_nothing_left "$id" "$B"
