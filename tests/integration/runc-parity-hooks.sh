#!/bin/bash
# runc-parity-hooks: OCI hooks run as runc 1.1.5 runs them (issue 14, items 6 and 8): a hook
# without "env" gets the runtime's environment and one with "env" exactly that; prestart and
# createRuntime hooks run in the bundle, createContainer hooks in the rootfs; a hook killed by a
# signal fails the create with an error that names the signal.  Each check runs first against
# runc itself (plain bundle), then against sysvisor-runc on the same spec.
set -eu
# shellcheck source=tests/lib/runc-parity.sh
. "$(dirname "$0")/../lib/runc-parity.sh"
sv_require_cmd jq
parity_require_runc

# The hook records its environment and working directory under $OUT_DIR/KIND.
hook=$SV_TEST_TMP/record-hook
cat >"$hook" <<'EOF'
#!/bin/sh
env >"$0.out/$1.env"
pwd -P >"$0.out/$1.cwd"
EOF
chmod 755 "$hook"
mkdir -p "$hook.out"

# hooked BUNDLE: every create-time hook kind records itself; createRuntime with an "env".
hooked() {
  local h=$hook
  sv_spec_set "$1" '.hooks = {
    prestart: [{path: $h, args: ["hook", "prestart"]}],
    createRuntime: [{path: $h, args: ["hook", "createRuntime"]},
                    {path: $h, args: ["hook", "createRuntime-env"], env: ["ONLY=this"]}],
    createContainer: [{path: $h, args: ["hook", "createContainer"]}]}' --arg h "$h"
}

# check_hooks TAG: runtime $RT (state $ROOT) on bundle $B.
check_hooks() {
  local tag=$1 id=$SV_ID-$1 bundle rootfs rc=0 out
  r() { "$RT" --root "$ROOT" "$@"; }
  rm -f "$hook.out"/*
  bundle=$(cd "$B" && pwd -P)
  rootfs=$(cd "$B/rootfs" && pwd -P)

  hooked "$B"
  # From another directory, with a variable of our own in the environment.
  (cd / && SV_PARITY_MARK=$tag "$RT" --root "$ROOT" create --bundle "$B" "$id") \
    </dev/null >"$SV_TEST_TMP/create.$tag" 2>&1 \
    || sv_fail "$tag: create failed: $(cat "$SV_TEST_TMP/create.$tag")"
  for k in prestart createRuntime; do
    assert_eq "SV_PARITY_MARK=$tag" "$(grep '^SV_PARITY_MARK=' "$hook.out/$k.env")" \
      "$tag: /hooks/$k-inherits-the-runtime's-environment"
    assert_eq "$bundle" "$(cat "$hook.out/$k.cwd")" "$tag: /hooks/$k-runs-in-the-bundle"
  done
  assert_eq "ONLY=this" "$(grep -v '^PWD=\|^SHLVL=\|^_=' "$hook.out/createRuntime-env.env")" \
    "$tag: /hooks/env-given-is-the-whole-environment"
  assert_eq "$rootfs" "$(cat "$hook.out/createContainer.cwd")" \
    "$tag: /hooks/createContainer-runs-in-the-rootfs"
  assert_ok r delete --force "$id"

  # A hook killed by a signal: the create fails and says which signal.
  sv_spec_set "$B" '.hooks = {createRuntime: [{path: "/bin/sh", args: ["sh", "-c", "kill -SYS $$"]}]}'
  out=$(r create --bundle "$B" "$id" </dev/null 2>&1) || rc=$?
  assert_ne 0 "$rc" "$tag: /hooks/killed-hook-fails-the-create"
  assert_match '[Bb]ad system call' "$out" "$tag: /hooks/killed-hook-names-the-signal"
  sv_spec_set "$B" 'del(.hooks)'
  r delete --force "$id" >/dev/null 2>&1 || true
}

# ---------------------------------------------------------------- the reference: runc
B=$SV_TEST_TMP/ref
sv_busybox_bundle "$B" true >/dev/null
RT=$SV_REF_RUNC
ROOT=$SV_TEST_TMP/ref-state
mkdir -p "$ROOT"
sv_on_exit "sv_rt_cleanup '$RT' '$ROOT'"
check_hooks ref

# ---------------------------------------------------------------- sysvisor-runc, same spec
B=$SV_TEST_TMP/bundle
sv_core_bundle "$B" true
RT=$SV_RUNTIME
ROOT=$SV_ROOT
check_hooks sv
sv_rt_bg create --bundle "$B" "$SV_ID-again"
assert_ok sv_rt delete --force "$SV_ID-again"
sv_assert_nothing_left "$SV_ID-sv" "$B"
sv_assert_nothing_left "$SV_ID-again" "$B"
