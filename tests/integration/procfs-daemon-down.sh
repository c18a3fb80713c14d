#!/bin/bash
# procfs-daemon-down: with procfs = fuse-procfs and no sysvisor-fs serving the mountpoint,
# `create` and `run` fail with one clear line ("sysvisor-fs is not running ... start it with
# `systemctl start sysvisor`") and leave nothing behind: never started, stopped cleanly, and
# killed (a dead FUSE mount left on the mountpoint; its listener keeper, holding no listener,
# ends too).  While the daemon serves, a create checks it through the mark on its lock file,
# without a statfs of the mount.  Once the daemon is started again, the
# same bundle runs.
set -eu
. "$(dirname "$0")/procfs-lib.sh"
sv_require_cmd strace

procfs_use_plugins
b=$SV_TEST_TMP/bundle
procfs_bundle "$b" sh -c 'read -r k v u < /proc/meminfo; echo "$k $v"'
want='sysvisor-fs is not running.*start it with `systemctl start sysvisor`'

# expect_refused CASE: create and run both fail with the message; nothing is left.
expect_refused() {
  local id=$SV_ID-$1
  assert_fail sv_rt create --bundle "$b" "$id" </dev/null
  sv_log "$1: create: $SV_OUT"
  assert_match "$want" "$SV_OUT" "$1: create names the cause and the fix"
  assert_eq 1 "$(grep -c . <<<"$SV_OUT")" "$1: one line"
  sv_assert_nothing_left "$id" "$b"
  assert_eq "" "$(find /proc -mindepth 2 -maxdepth 2 -name root -lname "$b/rootfs" 2>/dev/null)" \
    "$1: no process left in the rootfs"
  assert_fail sv_rt run --bundle "$b" "$id" </dev/null
  assert_match "$want" "$SV_OUT" "$1: run names the cause and the fix"
  sv_assert_nothing_left "$id" "$b"
}

# 1. Never started: the mountpoint is a plain directory.
expect_refused never

# 2. Started, then stopped (SIGTERM unmounts).  While it serves, its mark on the lock file
# tells a create that it lives: the create asks the mount nothing (no STATFS request).
procfs_start_daemon
sv_wait_until 5 procfs_marked || sv_fail "no serving mark: $(cat "$SYSVISOR_FS_RUN_DIR"/*.lock)"
procfs_run_traced "$SV_ID-up1" "$b"
assert_eq "MemTotal: 262144" "$SV_OUT" "served while the daemon runs"
assert_eq 0 "$PROCFS_STATFS" "a create checks the marked daemon without a statfs of its mount"
pid=$(procfs_daemon_pid)
kill -TERM "$pid"
sv_wait_until 10 sh -c "! kill -0 $pid" || sv_fail "sysvisor-fs did not stop on SIGTERM"
sv_wait_until 5 sh -c "! grep -q ' $PROCFS_MNT ' /proc/self/mountinfo" || sv_fail "not unmounted"
assert_eq "" "$(procfs_keeper_pid)" "stopped: its listener keeper ended with it"
expect_refused stopped

# 3. Killed: its mount stays, dead (ENOTCONN).  A container ran first, so the kernel keeps the
# entries and attributes of the tree a create looks at (only a request would find it dead).
procfs_start_daemon
assert_ok sv_rt run --bundle "$b" "$SV_ID-up-before-kill"
pid=$(procfs_daemon_pid)
keeper=$(procfs_keeper_pid)
[ -n "$keeper" ] || sv_fail "no listener keeper beside sysvisor-fs"
kill -KILL "$pid"
sv_wait_until 10 sh -c "! kill -0 $pid" || sv_fail "sysvisor-fs did not die"
sv_wait_until 5 sh -c "! kill -0 $keeper" ||
  sv_fail "killed with no container: its keeper (holding no listener) should end too"
grep -q " $PROCFS_MNT .* - fuse.sysvisor-fs " /proc/self/mountinfo \
  || sv_fail "expected the dead daemon's mount to stay"
assert_fail stat "$PROCFS_MNT/proc/meminfo"
assert_match 'Transport endpoint is not connected' "$SV_OUT" "the mount is dead"
# Its lock file still names the filesystem it served: only the lock the kernel dropped with
# the daemon says it is gone, and the create then asks the mount, which is dead.
procfs_marked || sv_fail "the killed daemon's lock file lost its dev line"
expect_refused killed

# The daemon, started again, detaches the dead mount and serves the same bundle.
procfs_start_daemon
assert_eq 1 "$(grep -c " $PROCFS_MNT " /proc/self/mountinfo)" "one mount on the mountpoint"
assert_ok sv_rt run --bundle "$b" "$SV_ID-up2"
assert_eq "MemTotal: 262144" "$SV_OUT" "served again after a restart of the daemon"
sv_assert_nothing_left "$SV_ID-up2" "$b"
echo "procfs-daemon-down: ok"
