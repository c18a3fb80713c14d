#!/bin/bash
# Restart and upgrade in place keep containers working: a process in a child pid namespace
# keeps reading a bind mount of <mnt>/proc/uptime (made in its own mount namespace) while
# the daemon is restarted with --restart, with SIGUSR2, and after its binary is replaced on
# disk; no read may fail (no ENOTCONN), the pid stays, and the new binary runs.
set -euo pipefail
. "$(dirname "$0")/sysvisor-fs-lib.sh"
built=$SVFS_BIN
mkdir -p "$TMP/bin"
cp "$built" "$TMP/bin/sysvisor-fs"
SVFS_BIN=$TMP/bin/sysvisor-fs
svfs_start || sv_fail "sysvisor-fs does not mount $MNT"
pid=$(svfs_pid)
echo placeholder >"$TMP/target"

# shellcheck disable=SC2016 # expanded by the inner shells
unshare -m --propagation private bash -c '
  mount --bind "$1/proc/uptime" "$2" || exit 1
  exec unshare -p -f --mount-proc bash -c "
    ok=0; bad=0; end=\$((SECONDS + 8))
    while [ \$SECONDS -lt \$end ]; do
      if read -r line < $2; then ok=\$((ok + 1)); else bad=\$((bad + 1)); fi
    done
    echo \"ok=\$ok bad=\$bad\""' _ "$MNT" "$TMP/target" >"$TMP/reader.out" 2>"$TMP/reader.err" &
reader=$!
sv_on_exit "kill -9 $reader 2>/dev/null"

sleep 1.5
assert_ok "$SVFS_BIN" --restart --mountpoint "$MNT"
sleep 1
kill -USR2 "$pid"
sv_wait_until 10 grep -q '^generation=3' "$SYSVISOR_FS_RUN_DIR"/*.lock || true
assert_eq generation=3 "$(grep '^generation=' "$SYSVISOR_FS_RUN_DIR"/*.lock)" "SIGUSR2 restarts in place"
sleep 1
# Upgrade: a new binary replaces the old one by rename, as a package manager does.
cp "$built" "$TMP/bin/sysvisor-fs.new"
mv "$TMP/bin/sysvisor-fs.new" "$TMP/bin/sysvisor-fs"
assert_match 'deleted' "$(readlink "/proc/$pid/exe")" "the old binary is replaced on disk"
assert_ok "$SVFS_BIN" --restart --mountpoint "$MNT"
exe=$(readlink "/proc/$pid/exe")
[[ $exe != *deleted* ]] || sv_fail "the upgraded binary does not run: $exe"
assert_eq "$TMP/bin/sysvisor-fs" "$exe" "the upgraded binary runs (same pid $pid)"
assert_eq "$pid" "$(svfs_pid)" "daemon pid is unchanged"
wait "$reader" || sv_fail "the reader failed: $(cat "$TMP/reader.out" "$TMP/reader.err")"
sv_log "reader: $(cat "$TMP/reader.out") $(head -3 "$TMP/reader.err")"
ok=$(sed -n 's/.*ok=\([0-9]*\).*/\1/p' "$TMP/reader.out")
bad=$(sed -n 's/.*bad=\([0-9]*\).*/\1/p' "$TMP/reader.out")
assert_eq 0 "$bad" "no read failed across three restarts"
[ "${ok:-0}" -gt 1000 ] || sv_fail "too few reads: '$ok'"
if grep -q "Transport endpoint" "$TMP/reader.err"; then sv_fail "ENOTCONN seen: $(head -3 "$TMP/reader.err")"; fi
