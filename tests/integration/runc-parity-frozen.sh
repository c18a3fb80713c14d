#!/bin/bash
# runc-parity-frozen: a container whose cgroup exists already and is frozen is refused at once
# (issue 14, item 2), as runc 1.1.5 refuses it ("container's cgroup unexpectedly frozen"):
# `run -d`, `run` and `create` end within seconds with "container's cgroup is frozen" and how to
# thaw it, leave no state, and leave the user's cgroup as it was (still there, still frozen).
# A new cgroup below a frozen one is refused too, and removed.
set -eu
# shellcheck source=tests/lib/runc-parity.sh
. "$(dirname "$0")/../lib/runc-parity.sh"
sv_require_cmd jq timeout

# The freezer the runtime uses: the v1 freezer hierarchy, else the cgroup2 tree.
if [ -f /sys/fs/cgroup/freezer/freezer.state ] || [ -d /sys/fs/cgroup/freezer ]; then
  fdir=/sys/fs/cgroup/freezer
  freeze() { echo FROZEN >"$1/freezer.state"; }
  thaw() { echo THAWED >"$1/freezer.state"; }
  state() { cat "$1/freezer.state"; }
elif [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  fdir=/sys/fs/cgroup
  freeze() { echo 1 >"$1/cgroup.freeze"; }
  thaw() { echo 0 >"$1/cgroup.freeze"; }
  state() { cat "$1/cgroup.freeze"; }
else
  sv_skip "no cgroup freezer on this host"
fi
cg=sv-parity-frozen-$SV_ID
mkdir "$fdir/$cg"
sv_on_exit "thaw '$fdir/$cg' 2>/dev/null; rmdir '$fdir/$cg/child' '$fdir/$cg' 2>/dev/null || true"
freeze "$fdir/$cg"
frozen_state=$(state "$fdir/$cg")

b=$SV_TEST_TMP/bundle
sv_core_bundle "$b" sleep 1000
sv_spec_set "$b" '.linux.cgroupsPath = $p' --arg p "/$cg"

# refused CMD...: the runtime refuses at once with the reason, and leaves everything as it was.
refused() {
  local t0 rc=0
  t0=$(date +%s)
  timeout 20 "$SV_RUNTIME" --root "$SV_ROOT" "$@" </dev/null >"$SV_TEST_TMP/out" 2>&1 || rc=$?
  assert_ne 124 "$rc" "/frozen/$1-does-not-hang"
  assert_ne 0 "$rc" "/frozen/$1-fails"
  assert_match "container's cgroup is frozen .*thaw it" "$(cat "$SV_TEST_TMP/out")" "/frozen/$1-says-why"
  [ $(($(date +%s) - t0)) -le 5 ] || sv_fail "/frozen/$1-at-once: took $(($(date +%s) - t0)) s"
  assert_file_absent "$SV_ROOT/${*: -1}" "/frozen/$1-leaves-no-state"
  assert_eq "$frozen_state" "$(state "$fdir/$cg")" "/frozen/$1-leaves-the-cgroup-frozen"
}

refused run -d --bundle "$b" "$SV_ID-d"
refused run --bundle "$b" "$SV_ID-f"
refused create --bundle "$b" "$SV_ID-c"

# runc refuses the same spec the same way.
if [ -x "$SV_REF_RUNC" ]; then
  ref=$SV_TEST_TMP/ref
  sv_busybox_bundle "$ref" sleep 1000 >/dev/null
  sv_spec_set "$ref" '.linux.cgroupsPath = $p' --arg p "/$cg"
  mkdir -p "$SV_TEST_TMP/ref-state"
  sv_on_exit "sv_rt_cleanup '$SV_REF_RUNC' '$SV_TEST_TMP/ref-state'"
  rc=0
  timeout 20 "$SV_REF_RUNC" --root "$SV_TEST_TMP/ref-state" run -d --bundle "$ref" "$SV_ID-r" \
    </dev/null >"$SV_TEST_TMP/out" 2>&1 || rc=$?
  assert_ne 0 "$rc" "/frozen/runc-refuses-too"
  assert_match "frozen" "$(cat "$SV_TEST_TMP/out")" "/frozen/runc-says-frozen"
fi

# A new cgroup below the frozen one would be frozen too: refused, and what was made is removed.
sv_spec_set "$b" '.linux.cgroupsPath = $p' --arg p "/$cg/child"
refused run -d --bundle "$b" "$SV_ID-n"
assert_file_absent "$fdir/$cg/child" "/frozen/new-child-cgroup-removed"

# Thawed, the same spec runs.
thaw "$fdir/$cg"
sv_spec_set "$b" '.linux.cgroupsPath = $p' --arg p "/$cg"
sv_rt_bg run -d --bundle "$b" "$SV_ID-ok"
assert_eq running "$(sv_state_field "$SV_ID-ok" status)" "/frozen/thawed-runs"
assert_ok sv_rt delete --force "$SV_ID-ok"

# The same below a frozen cgroup of a pure cgroup v2 tree (a mount namespace whose
# /sys/fs/cgroup is the host's cgroup2): refused before anything is made, so the frozen
# cgroup's cgroup.subtree_control is left as it was (a controller turned on there would keep
# any process out of it: EBUSY), and once thawed a container runs in it.
v2=$(sv_cgroup2_mount)
[ -n "$v2" ] || { echo "runc-parity-frozen: no cgroup2 mount; v2 part skipped"; exit 0; }
sv_cgroup2_keep
p=sv-parity-frozen-v2-$SV_ID
mkdir "$v2/$p"
sv_on_exit "echo 0 >'$v2/$p/cgroup.freeze' 2>/dev/null;
  rmdir '$v2/$p/child' '$v2/$p' 2>/dev/null || true"
echo 1 >"$v2/$p/cgroup.freeze"
before=$(cat "$v2/$p/cgroup.subtree_control")
sv_spec_set "$b" '.linux.cgroupsPath = $p' --arg p "/$p/child"
out=$(sv_in_cgroup2_view "timeout 20 $SV_RUNTIME --root $SV_ROOT run -d --bundle $b $SV_ID-v2n \
  </dev/null 2>&1; echo rc=\$?")
assert_match "container's cgroup is frozen .*thaw it" "$out" "/frozen/v2/new-child-refused"
assert_match "rc=[1-9]" "$out" "/frozen/v2/new-child-fails"
assert_file_absent "$v2/$p/child" "/frozen/v2/new-child-not-made"
assert_eq "$before" "$(cat "$v2/$p/cgroup.subtree_control")" \
  "/frozen/v2/subtree-control-untouched"
echo 0 >"$v2/$p/cgroup.freeze"
sv_spec_set "$b" '.linux.cgroupsPath = $p' --arg p "/$p"
out=$(sv_in_cgroup2_view "$SV_RUNTIME --root $SV_ROOT run -d --bundle $b $SV_ID-v2ok \
  </dev/null >/dev/null 2>&1 &&
  $SV_RUNTIME --root $SV_ROOT state $SV_ID-v2ok | jq -r .status &&
  $SV_RUNTIME --root $SV_ROOT delete --force $SV_ID-v2ok && echo deleted" 2>&1)
assert_match "^running"$'\n'"deleted$" "$out" "/frozen/v2/thawed-runs"
assert_ok sv_cgroup2_restore
