#!/bin/bash
# procfs-restart: `sysvisor-fs --restart` (the systemd unit's ExecReload) while a sysvisor-runc
# container runs with procfs = fuse-procfs.  A process in the container reads /proc/uptime
# and /proc/meminfo in a loop the whole time; its output (collected through the runtime's
# stdout) must show no failed read, no "Transport endpoint is not connected", reads resuming
# after every restart, and the /proc/sys value it wrote before the restarts.  The daemon keeps
# its pid; a container created afterwards is served too.
set -eu
. "$(dirname "$0")/procfs-lib.sh"
sv_require_cmd strace

host_panic=$(cat /proc/sys/kernel/panic)
panic=$((host_panic + 5))
procfs_start_daemon
procfs_use_plugins
pid=$(procfs_daemon_pid)

b=$SV_TEST_TMP/reader
# Progress line every 100 reads; stops when the host creates /stop.
procfs_bundle "$b" sh -c "
  echo $panic > /proc/sys/kernel/panic || echo 'panic write failed'
  # A file opened and half read before a restart, read on after it.
  ( exec 3< /proc/uptime
    dd bs=1 count=2 <&3 > /torn.head 2>/dev/null; cat /proc/uptime > /torn.ref; touch /torn.ready
    while [ ! -e /torn.go ]; do sleep 0.1; done
    dd bs=1 <&3 > /torn.tail 2>/dev/null; touch /torn.done ) &
  ok=0 bad=0 badmem=0 prev=0 back=0
  touch /started
  while [ ! -e /stop ]; do
    if read -r up idle < /proc/uptime; then ok=\$((ok + 1)); else bad=\$((bad + 1)); continue; fi
    if ! read -r key kb unit < /proc/meminfo || [ \"\$key \$kb\" != 'MemTotal: 262144' ]; then
      badmem=\$((badmem + 1))
    fi
    cur=\${up%%.*}\${up#*.}
    [ \"\$cur\" -lt \"\$prev\" ] && back=\$((back + 1))
    prev=\$cur
    [ \$((ok % 100)) = 0 ] && echo \"progress ok=\$ok up=\$up\"
  done
  echo \"result ok=\$ok bad=\$bad badmem=\$badmem back=\$back up=\$up panic=\$(cat /proc/sys/kernel/panic)\""
out=$SV_TEST_TMP/reader.out err=$SV_TEST_TMP/reader.err
( rc=0; sv_rt run --bundle "$b" "$SV_ID-reader" </dev/null >"$out" 2>"$err" || rc=$?
  echo "$rc" >"$SV_TEST_TMP/reader.rc" ) &
runner=$!
# On failure: stop the reader and let `run` finish its own delete before the cleanup's.
sv_on_exit "sv_rt kill '$SV_ID-reader' KILL 2>/dev/null
  for _ in \$(seq 100); do kill -0 $runner 2>/dev/null || break; sleep 0.1; done; true"
procfs_wait_file "$b/rootfs/started" || sv_fail "the reader did not start: $(cat "$err")"

# progress_after N: wait until the reader printed more than N progress lines.
progress() { grep -c '^progress' "$out" || true; }
progress_after() { sv_wait_until 20 sh -c "[ \$(grep -c '^progress' '$out') -gt $1 ]"; }
progress_after 2 || sv_fail "the reader makes no progress: $(cat "$out" "$err")"

procfs_wait_file "$b/rootfs/torn.ready" || sv_fail "the half-reader did not start: $(cat "$err")"
sleep 1.5  # the content a new process would make differs from the one already half read

for gen in 2 3 4; do
  assert_ok "$PROCFS_DAEMON" --restart --mountpoint "$PROCFS_MNT"
  assert_eq "generation=$gen" "$(grep '^generation=' "$SYSVISOR_FS_RUN_DIR"/*.lock)" \
    "--restart #$((gen - 1)) bumped the generation"
  assert_eq "$pid" "$(procfs_daemon_pid)" "the daemon keeps its pid across restart #$((gen - 1))"
  n=$(progress)
  progress_after "$((n + 2))" || sv_fail "reads did not resume after restart #$((gen - 1)): $(tail -n 3 "$out"; cat "$err")"
  if [ "$gen" = 2 ]; then
    touch "$b/rootfs/torn.go"
    procfs_wait_file "$b/rootfs/torn.done" || sv_fail "the half-reader did not finish"
    # One snapshot, not the start of the old daemon's text and the rest of the new one's.
    torn="$(cat "$b/rootfs/torn.head" "$b/rootfs/torn.tail")"
    ref=$(cat "$b/rootfs/torn.ref")
    sv_log "half read across the restart: '$torn' (a fresh read just before: '$ref')"
    awk -v a="${torn%% *}" -v b="${ref%% *}" 'BEGIN { d = a - b; exit !(d < 0.1 && d > -0.1) }' \
      || sv_fail "a read across the restart is torn: '$torn', expected about '$ref'"
  fi
done
assert_match 'restarted in place on .* \(generation 4\)' "$(cat "$PROCFS_LOG")" "the daemon log shows 3 restarts"

# A container created after the restarts is served by the restarted daemon.
c=$SV_TEST_TMP/after
procfs_bundle "$c" sh -c 'read -r k v u < /proc/meminfo; echo "$k $v"; cat /sys/devices/system/cpu/online'
sv_wait_until 5 procfs_marked ||
  sv_fail "no serving mark after the restarts: $(cat "$SYSVISOR_FS_RUN_DIR"/*.lock)"
procfs_run_traced "$SV_ID-after" "$c"
assert_eq "MemTotal: 262144
0" "$SV_OUT" "a container created after the restarts"
assert_eq 0 "$PROCFS_STATFS" "the restarted daemon's mark spares the create a statfs of its mount"
sv_assert_nothing_left "$SV_ID-after" "$c"

touch "$b/rootfs/stop"
wait "$runner"
sv_log "reader: $(tail -n 1 "$out"), $(progress) progress lines; stderr: $(head -c 300 "$err")"
assert_eq 0 "$(cat "$SV_TEST_TMP/reader.rc")" "the reader container exits 0"
assert_eq "" "$(cat "$err")" "the reader's stderr is empty (no failed open or read)"
if grep -q 'Transport endpoint' "$out" "$err"; then sv_fail "ENOTCONN inside the container"; fi
result=$(grep '^result' "$out") || sv_fail "no result line: $(tail -n 5 "$out")"
assert_match ' bad=0 badmem=0 back=0 ' "$result" "no failed or wrong read, uptime never went back"
assert_match " panic=$panic\$" "$result" "the /proc/sys value written before the restarts survives"
ok=$(sed 's/.* ok=\([0-9]*\) .*/\1/' <<<"$result")
[ "$ok" -ge 500 ] || sv_fail "too few reads: $ok"
up=$(sed 's/.* up=\([0-9]*\)\..*/\1/' <<<"$result")
[ "$up" -lt 120 ] || sv_fail "the container's uptime is its own, not the host's: $up s"
sv_assert_nothing_left "$SV_ID-reader" "$b"
assert_eq "$host_panic" "$(cat /proc/sys/kernel/panic)" "host kernel/panic unchanged"
echo "procfs-restart: ok ($ok reads across 3 restarts)"
