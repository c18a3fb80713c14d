#!/bin/bash
# procfs-supervisor-hang: a container whose trapped call hangs in the supervisor never delays
# another container's trapped calls (issue 13, item 5).  Container A mounts a FUSE filesystem
# it never serves and calls umount2() on a path in it: the supervisor's child that resolves
# that path in A's namespaces waits for ever.  Meanwhile container B's sysinfo() and a tmpfs
# mount() (both trapped) are answered at once, and so is A's own sysinfo; A's umount2 is
# answered ETIMEDOUT once the child's deadline (10 s) passes, and the daemon says why.  Then
# sysvisor-fs is killed while such a call hangs: its listener keeper answers it (EPERM).
set -eu
. "$(dirname "$0")/procfs-lib.sh"

helper=$(dirname "$PROCFS_DAEMON")/fuse-hang
[ -x "$helper" ] || sv_skip "fuse-hang not built ($helper)"
procfs_start_daemon
procfs_use_plugins

# A private 0666 /dev/fuse (the host's is 0600: container root is not host root).
priv=$SV_TEST_TMP/private
mkdir -p "$priv" && chmod 700 "$priv"
mknod -m 666 "$priv/fuse" c 10 229

# Each container's init runs its command whenever /go appears; result in /out, then /go goes.
loop='while :; do
  if [ -e /go ]; then sh /cmd >/out 2>&1; rm /go; fi
  sleep 0.05
done'
for c in a b; do
  procfs_bundle "$SV_TEST_TMP/$c" sh -c "$loop"
  sv_spec_set "$SV_TEST_TMP/$c" '
    .mounts += [{destination: "/dev/fuse", type: "bind", source: $fuse, options: ["bind"]}]
    | .linux.resources.devices += [{allow: true, type: "c", major: 10, minor: 229, access: "rwm"}]
    | del(.linux.seccomp)
    | .process.capabilities = ({bounding: $caps, effective: $caps, permitted: $caps})' \
    --arg fuse "$priv/fuse" --argjson caps '["CAP_SYS_ADMIN", "CAP_DAC_OVERRIDE"]'
  cp "$helper" "$SV_TEST_TMP/$c/rootfs/fuse-hang"
  mkdir -p "$SV_TEST_TMP/$c/rootfs/mnt/h"
  sv_rt run -d --bundle "$SV_TEST_TMP/$c" "$SV_ID-$c" </dev/null >/dev/null 2>"$SV_TEST_TMP/err" ||
    sv_fail "run -d $c failed: $(cat "$SV_TEST_TMP/err")"
done
ra=$SV_TEST_TMP/a/rootfs rb=$SV_TEST_TMP/b/rootfs

# A: the hanging umount2 (in the background of its init's loop: /go goes at once).
echo '/fuse-hang hang /mnt/h >/hang.out 2>&1 &' >"$ra/cmd"
touch "$ra/go"
sv_wait_until 10 grep -q mounted "$ra/hang.out" ||
  sv_fail "A could not mount its FUSE filesystem: $(cat "$ra/hang.out" 2>/dev/null)"
sleep 1
assert_eq mounted "$(cat "$ra/hang.out")" "A's umount2 is in flight (its path lookup hangs)"

# B meanwhile: sysinfo() and a tmpfs mount, both trapped, answered at once.
echo '/fuse-hang quick /mnt' >"$rb/cmd"
start=$(date +%s%N)
touch "$rb/go"
sv_wait_until 5 bash -c "[ -s '$rb/out' ] && [ ! -e '$rb/go' ]" ||
  sv_fail "B's trapped calls waited for A's: $(cat "$rb/out" 2>/dev/null)"
sv_log "B, $(( ($(date +%s%N) - start) / 1000000 )) ms end to end:"$'\n'"$(cat "$rb/out")"
ms() { sed -n "s/^$1 .* ms \([0-9]*\)$/\1/p" "$2"; }
assert_match '^sysinfo rc 0 ' "$(grep '^sysinfo' "$rb/out")" "B's sysinfo() succeeds"
assert_match '^mount rc 0 ' "$(grep '^mount' "$rb/out")" "B's tmpfs mount succeeds"
[ "$(ms sysinfo "$rb/out")" -lt 1000 ] || sv_fail "B's sysinfo() took $(ms sysinfo "$rb/out") ms"
[ "$(ms mount "$rb/out")" -lt 1000 ] || sv_fail "B's mount() took $(ms mount "$rb/out") ms"
assert_eq mounted "$(cat "$ra/hang.out")" "A's umount2 was still in flight meanwhile"

# A's own other calls are not held up either.
echo '/fuse-hang quick /mnt' >"$ra/cmd"
touch "$ra/go"
sv_wait_until 5 bash -c "[ -s '$ra/out' ] && [ ! -e '$ra/go' ]" ||
  sv_fail "A's other trapped calls waited for its hanging one: $(cat "$ra/out" 2>/dev/null)"
assert_match '^mount rc 0 ' "$(grep '^mount' "$ra/out")" "A's tmpfs mount succeeds meanwhile"

# A's umount2 is answered once the child's deadline passes: ETIMEDOUT (110), not for ever.
sv_wait_until 20 grep -q '^umount2' "$ra/hang.out" ||
  sv_fail "A's umount2 was never answered; the daemon's log: $(tail -n 20 "$PROCFS_LOG")
$(ps -eo pid,ppid,stat,wchan:30,comm | grep -E 'fuse-hang|sysvisor|svfs' )"
sv_log "A: $(cat "$ra/hang.out")"
assert_match '^umount2 rc -1 errno 110 ' "$(grep '^umount2' "$ra/hang.out")" \
  "A's hanging umount2 gets ETIMEDOUT"
assert_match 'took longer than 10 s.*ETIMEDOUT' "$(cat "$PROCFS_LOG")" \
  "the daemon's log says which call timed out"

# The supervisor still answers everyone afterwards.
rm -f "$rb/out"
touch "$rb/go"
sv_wait_until 5 bash -c "[ -s '$rb/out' ] && [ ! -e '$rb/go' ]" || sv_fail "B: no answer afterwards"
assert_match '^mount rc 0 ' "$(grep '^mount' "$rb/out")" "B's mount succeeds afterwards"

# sysvisor-fs killed while a call hangs in one of its workers: the listener keeper answers that
# call (EPERM, as every trapped mount while sysvisor-fs is down), it is never left waiting.
echo 'mkdir -p /h2; /fuse-hang hang /h2 >/hang2.out 2>&1 &' >"$ra/cmd"
touch "$ra/go"
sv_wait_until 10 grep -q mounted "$ra/hang2.out" ||
  sv_fail "A could not mount its FUSE filesystem again: $(cat "$ra/hang2.out" 2>/dev/null)"
sleep 1
assert_eq mounted "$(cat "$ra/hang2.out")" "A's second umount2 is in flight"
pid=$(procfs_daemon_pid)
kill -KILL "$pid"
sv_wait_until 5 grep -q '^umount2' "$ra/hang2.out" ||
  sv_fail "sysvisor-fs killed: A's umount2 in flight was left waiting; log: $(tail -n 8 "$PROCFS_LOG")"
sv_log "A, sysvisor-fs killed: $(cat "$ra/hang2.out")"
assert_match '^umount2 rc -1 errno 1 ' "$(grep '^umount2' "$ra/hang2.out")" \
  "sysvisor-fs killed mid-call: the keeper answers the call in flight with EPERM"
assert_match "answered the call sysvisor-fs died in" "$(cat "$PROCFS_LOG")" "the keeper says so"
sv_log "ok: a hanging trapped call delays no other call, gets ETIMEDOUT after 10 s, and is answered by the keeper if sysvisor-fs dies meanwhile"
