#!/bin/bash
# core-state-power-loss: state.json is written without fsync (bench/README.md, "fsyncs"), so a
# power loss may leave it empty or zeroed.  Such a file reads as a create cut short: `state`
# says so in one line naming the fix, `delete --force` removes it, `list` still works.  A
# file that is not JSON for another reason is still an error.
set -eu
. "$(dirname "$0")/../lib/common.sh"
. "$SV_LIB_DIR/runtime.sh"
sv_require_root
sv_require_runtime
sv_use_plugins none none none

for kind in empty zeros; do
  id=$SV_ID-$kind
  mkdir -p "$SV_ROOT/$id"
  if [ "$kind" = empty ]; then : >"$SV_ROOT/$id/state.json"
  else head -c 700 /dev/zero >"$SV_ROOT/$id/state.json"; fi
  assert_fail sv_rt state "$id"
  assert_eq 1 "$(grep -c . <<<"$SV_OUT")" "one line for an $kind state file"
  assert_match "^sysvisor-runc: container \"$id\" has an empty state file .*; remove it with \`sysvisor-runc --root $SV_ROOT delete --force $id\`" \
    "$SV_OUT" "$kind state file: what it is and the fix"
  assert_ok sv_rt list -q
  assert_ok sv_rt delete --force "$id"
  assert_file_absent "$SV_ROOT/$id" "$kind state file removed by delete --force"
done

id=$SV_ID-torn
mkdir -p "$SV_ROOT/$id"
printf '{"id":' >"$SV_ROOT/$id/state.json"
assert_fail sv_rt delete --force "$id"
assert_match "state.json: not valid JSON" "$SV_OUT" "a state that is not JSON otherwise is an error"
rm -rf "${SV_ROOT:?}/$id"
sv_log "ok: empty or zeroed state files are a create cut short"
