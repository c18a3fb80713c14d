#!/bin/bash
# A second sysvisor-fs on the same mountpoint is refused with a clear message; --restart
# without a daemon fails clearly; SIGTERM unmounts; a new daemon replaces the dead mount a
# SIGKILLed one leaves.
set -euo pipefail
. "$(dirname "$0")/sysvisor-fs-lib.sh"
svfs_start || sv_fail "sysvisor-fs does not mount $MNT"
rc=0
err=$("$SVFS_BIN" --mountpoint "$MNT" --foreground 2>&1) || rc=$?
sv_log "second instance: rc=$rc: $err"
assert_ne 0 "$rc" "a second instance exits non-zero"
assert_match "^sysvisor-fs: $MNT is already served by sysvisor-fs \(pid " "$err" \
  "the second instance names the running daemon"
assert_eq 1 "$(printf '%s\n' "$err" | wc -l)" "the second instance prints one line"
assert_eq 1 "$(grep -c " $MNT " /proc/self/mountinfo)" "only one mount"
pid=$(svfs_pid)
kill -TERM "$pid"
sv_wait_until 5 eval '! svfs_mounted' || sv_fail "SIGTERM does not unmount"
sv_wait_until 5 eval "! kill -0 $pid" || sv_fail "the daemon does not exit on SIGTERM"
rc=0
err=$("$SVFS_BIN" --restart --mountpoint "$MNT" 2>&1) || rc=$?
assert_eq 1 "$rc" "--restart without a daemon exits 1"
assert_match "^sysvisor-fs: no sysvisor-fs runs on $MNT; " "$err" "--restart without a daemon says so"

# A daemon killed with SIGKILL leaves a dead mount (ENOTCONN); the next start detaches it.
svfs_start || sv_fail "sysvisor-fs does not start again"
pid=$(svfs_pid)
kill -9 "$pid"
sv_wait_until 5 eval "! kill -0 $pid" || true
if stat "$MNT/proc/uptime" >/dev/null 2>&1; then sv_fail "SIGKILL leaves no dead mount"; fi
svfs_start || sv_fail "sysvisor-fs does not start over a dead mount"
grep -q "detaching the stale sysvisor-fs mount" "$LOG" || sv_fail "the new daemon does not say it detached the dead mount"
head -c1 "$MNT/proc/uptime" >/dev/null || sv_fail "the new daemon does not serve $MNT"
