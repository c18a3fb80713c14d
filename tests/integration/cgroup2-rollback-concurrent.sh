#!/bin/bash
# cgroup2-rollback-concurrent: on cgroup v2 a create that fails turns off the controllers it
# turned on in its parent only where no other container is below it, and decides that under
# the parent's lock, which every create holds while it makes its cgroup there: a container
# made below the same parent meanwhile keeps its controllers (before, the rollback could turn
# them off between its check and a concurrent create's mkdir, and that create lost its limits).
set -eu
. "$(dirname "$0")/../lib/common.sh"
. "$SV_LIB_DIR/busybox-rootfs.sh"
. "$SV_LIB_DIR/runtime.sh"
sv_require_root
sv_require_runtime
sv_require_probe
v2=$(sv_cgroup2_mount)
[ -n "$v2" ] || sv_skip "no cgroup2 mount"
sv_cgroup2_keep

sv_use_plugins none none none
b=$SV_TEST_TMP/bundle
sv_core_bundle "$b" /sv-probe signal-wait
par=sv-rollback-$SV_ID
sv_cgroup2_test_parent "$par"
ctrls=$SV_CG2_CTRLS
first=${ctrls%% *}
sv_spec_set "$b" '.process.args = ["/no/such/binary"] | .linux.cgroupsPath = $p' --arg p "/$par/a"

# failed_create: the create that fails after making its cgroup "a" (and turning on $ctrls in
# the parent); prints its error and rc=N.
failed_create() {
  sv_in_cgroup2_view "$SV_RUNC --root $SV_ROOT run --bundle $b $SV_ID-bad </dev/null 2>&1;
    echo rc=\$?"
}

# The lock of the parent's subtree: a flock of its cgroup.subtree_control (/proc/locks names
# it by device and inode).
ctl=$v2/$par/cgroup.subtree_control
dev=$(stat -c %d "$ctl")
key=$(printf '%02x:%02x:%s' $((dev >> 8 & 0xfff)) $(((dev & 0xff) | (dev >> 12 & 0xfff00))) \
  "$(stat -c %i "$ctl")")

# A concurrent create, played by hand: it holds the lock shared, as a create does around its
# mkdir; once the failed create's rollback waits for the lock, it makes its cgroup "b" and
# lets go. It gives up after 10 s (a rollback that never waits).
flock -s -o "$ctl" sh -c "for i in \$(seq 100); do
    grep -q -- '-> FLOCK .* WRITE .* $key ' /proc/locks && exec mkdir '$v2/$par/b'
    sleep 0.1
  done; exit 1" &
holder=$!
for _ in $(seq 100); do
  grep -q "FLOCK .* READ .* $key " /proc/locks && break
  sleep 0.05
done
grep -q "FLOCK .* READ .* $key " /proc/locks || sv_fail "the concurrent create's lock was not taken"
out=$(failed_create)
assert_match 'process.args\[0\].*'$'\n''rc=[1-9]' "$out" "the bad create fails"
wait "$holder" || sv_fail "the failed create's rollback did not wait for the parent's lock"
assert_file_absent "$v2/$par/a" "the failed create's cgroup is removed"
assert_eq "$ctrls" "$(cat "$ctl")" \
  "the controllers stay on in the parent: the container made meanwhile needs them"
compgen -G "$v2/$par/b/$first.*" >/dev/null ||
  sv_fail "the container made meanwhile has no $first.* file: its controller was turned off"

# With nothing below the parent, the same failed create turns them off again (off by hand
# first: a rollback turns off only what its create turned on).
rmdir "$v2/$par/b"
for c in $ctrls; do echo "-$c" >"$ctl"; done
assert_eq "" "$(cat "$ctl")" "the parent's controllers off by hand"
out=$(failed_create)
assert_match 'rc=[1-9]' "$out" "the bad create fails again"
assert_eq "" "$(cat "$ctl")" "alone, the failed create's controllers are off again"
assert_eq "" "$(grep " $key " /proc/locks || true)" "no lock of the parent is left"
sv_assert_nothing_left "$SV_ID-bad"
assert_ok sv_cgroup2_restore
echo "cgroup2-rollback-concurrent: ok"
