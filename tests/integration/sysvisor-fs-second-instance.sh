#!/bin/bash
# A second sysvisor-fs on the same mountpoint is refused with a clear message; --restart
# without a daemon fails clearly; SIGTERM unmounts.
. "$(dirname "$0")/sysvisor-fs-lib.sh"
start_daemon || { fail "sysvisor-fs starts"; exit 1; }
err=$("$SVFS_BIN" --mountpoint "$MNT" --foreground 2>&1); rc=$?
log "second instance: rc=$rc: $err"
if [ "$rc" != 0 ]; then pass "second instance exits non-zero"; else fail "second instance exited 0"; fi
case "$err" in
  "sysvisor-fs: $MNT is already served by sysvisor-fs (pid "*) pass "second instance names the running daemon" ;;
  *) fail "second instance message: $err" ;;
esac
check "second instance prints one line" "1" "$(printf '%s\n' "$err" | wc -l)"
check "only one mount" "1" "$(grep -c " $MNT " /proc/self/mountinfo)"
pid=$(sed -n 's/^pid=//p' "$SYSVISOR_FS_RUN_DIR"/*.lock)
kill -TERM "$pid"
for _ in $(seq 50); do grep -q " $MNT " /proc/self/mountinfo || break; sleep 0.1; done
if grep -q " $MNT " /proc/self/mountinfo; then fail "SIGTERM unmounts"; else pass "SIGTERM unmounts"; fi
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then fail "daemon exits on SIGTERM"; else pass "daemon exits on SIGTERM"; fi
err=$("$SVFS_BIN" --restart --mountpoint "$MNT" 2>&1); rc=$?
check "--restart without a daemon exits 1" "1" "$rc"
case "$err" in "sysvisor-fs: no sysvisor-fs runs on $MNT; "*) pass "--restart without a daemon says so" ;;
  *) fail "--restart message: $err" ;; esac

# A daemon killed with SIGKILL leaves a dead mount (ENOTCONN); the next start detaches it.
start_daemon || fail "sysvisor-fs starts again"
pid=$(sed -n 's/^pid=//p' "$SYSVISOR_FS_RUN_DIR"/*.lock)
kill -9 "$pid"
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if stat "$MNT/proc/uptime" >/dev/null 2>&1; then fail "SIGKILL leaves a dead mount"; else pass "SIGKILL leaves a dead mount"; fi
start_daemon || fail "sysvisor-fs starts over a dead mount"
if grep -q "detaching the stale sysvisor-fs mount" "$LOG" && head -c1 "$MNT/proc/uptime" >/dev/null; then
  pass "a new daemon replaces a dead mount"
else
  fail "a new daemon replaces a dead mount"
fi
