#!/bin/bash
# Restart and upgrade in place keep containers working: a process in a child pid namespace
# keeps reading a bind mount of <mnt>/proc/uptime (made in its own mount namespace) while
# the daemon is restarted with --restart, with SIGUSR2, and after its binary is replaced on
# disk; no read may fail (no ENOTCONN), the pid stays, and the new binary runs.
. "$(dirname "$0")/sysvisor-fs-lib.sh"
mkdir -p "$TMP/bin"
cp "$SVFS_BIN" "$TMP/bin/sysvisor-fs"
SVFS_BIN=$TMP/bin/sysvisor-fs
start_daemon || { fail "sysvisor-fs starts"; exit 1; }
pid=$(sed -n 's/^pid=//p' "$SYSVISOR_FS_RUN_DIR"/*.lock)
echo placeholder > "$TMP/target"

unshare -m --propagation private bash -c '
  mount --bind "$1/proc/uptime" "$2" || exit 1
  exec unshare -p -f --mount-proc bash -c "
    ok=0; bad=0; end=\$((SECONDS + 8))
    while [ \$SECONDS -lt \$end ]; do
      if read -r line < $2; then ok=\$((ok + 1)); else bad=\$((bad + 1)); fi
    done
    echo \"ok=\$ok bad=\$bad\""' _ "$MNT" "$TMP/target" > "$TMP/reader.out" 2> "$TMP/reader.err" &
reader=$!
BG_PIDS+=($reader)

sleep 1.5
"$SVFS_BIN" --restart --mountpoint "$MNT" && pass "sysvisor-fs --restart" || fail "sysvisor-fs --restart"
sleep 1
kill -USR2 "$pid"
for _ in $(seq 100); do grep -q '^generation=3' "$SYSVISOR_FS_RUN_DIR"/*.lock && break; sleep 0.1; done
check "SIGUSR2 restarts in place" "generation=3" "$(grep '^generation=' "$SYSVISOR_FS_RUN_DIR"/*.lock)"
sleep 1
# Upgrade: a new binary replaces the old one by rename, as a package manager does.
cp "$1" "$TMP/bin/sysvisor-fs.new" && mv "$TMP/bin/sysvisor-fs.new" "$TMP/bin/sysvisor-fs"
case "$(readlink /proc/$pid/exe)" in *deleted*) pass "old binary replaced on disk" ;; *) fail "binary not replaced" ;; esac
"$SVFS_BIN" --restart --mountpoint "$MNT" && pass "restart after upgrade" || fail "restart after upgrade"
case "$(readlink /proc/$pid/exe)" in
  *deleted*) fail "the upgraded binary runs: $(readlink /proc/$pid/exe)" ;;
  *) pass "the upgraded binary runs (same pid $pid)" ;;
esac
check "daemon pid is unchanged" "$pid" "$(sed -n 's/^pid=//p' "$SYSVISOR_FS_RUN_DIR"/*.lock)"
wait "$reader"
log "reader: $(cat "$TMP/reader.out") $(head -3 "$TMP/reader.err")"
ok=$(sed -n 's/.*ok=\([0-9]*\).*/\1/p' "$TMP/reader.out")
bad=$(sed -n 's/.*bad=\([0-9]*\).*/\1/p' "$TMP/reader.out")
check "no read failed across three restarts" "0" "$bad"
if [ "${ok:-0}" -gt 1000 ]; then pass "reads kept flowing ($ok reads)"; else fail "too few reads: '$ok'"; fi
if grep -q "Transport endpoint" "$TMP/reader.err"; then fail "ENOTCONN seen"; else pass "no ENOTCONN"; fi
