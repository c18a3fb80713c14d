#!/bin/bash
# procfs-sysinfo: sysinfo(2) answers for the container (issue 13, item 4).  A busybox system
# container (memory limit 256 MiB, procfs = fuse-procfs) calls sysinfo() from C (sv-probe),
# busybox `free` and `uptime`: they agree with its /proc/meminfo, /proc/uptime and
# /proc/loadavg, not with the host's.  Then: an exec'd process gets the same; the answer
# survives sysvisor-fs's restart in place (listeners handed over); the client's own seccomp
# errno rule for sysinfo still wins; `supervise = no` gives the kernel's (host) values.  Item 5:
# with sysvisor-fs killed, its listener keeper answers (sysinfo: the kernel's values; a bind
# remount of a read-only mount: EPERM), nothing hangs; sysvisor-fs started again takes the
# listeners back (the same container's sysinfo is emulated again); a killed keeper is
# replaced; killed in the middle of trapped calls, none hangs; a stop on purpose ends the
# keeper.
set -eu
. "$(dirname "$0")/procfs-lib.sh"
sv_require_probe

host_total=$(( $(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) * 1024 ))
procfs_start_daemon
procfs_use_plugins
b=$SV_TEST_TMP/bb
procfs_bundle "$b" sh -c '
  echo "probe: $(/sv-probe sysinfo)"
  echo "meminfo_total: $(awk "/^MemTotal:/ { print \$2 * 1024 }" /proc/meminfo)"
  echo "meminfo_free: $(awk "/^MemFree:/ { print \$2 * 1024 }" /proc/meminfo)"
  echo "free_total: $(free | awk "/^Mem:/ { print \$2 * 1024 }")"
  echo "proc_uptime: $(cut -d. -f1 /proc/uptime)"
  echo "uptime: $(uptime)"
  echo "loadavg: $(cat /proc/loadavg)"'
out=$(sv_rt run --bundle "$b" "$SV_ID-si" </dev/null 2>"$SV_TEST_TMP/err") ||
  sv_fail "run failed: $(cat "$SV_TEST_TMP/err")"
sv_log "inside:"$'\n'"$out"
field() { sed -n "s/^$1: //p" <<<"$out" | head -n 1; }
si() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }' <<<"$2"; }
probe=$(field probe)
assert_eq 268435456 "$(si totalram "$probe")" "sysinfo() totalram is the 256 MiB limit"
assert_eq "$(field meminfo_total)" "$(si totalram "$probe")" "sysinfo() and /proc/meminfo agree on the total"
free_diff=$(( $(si freeram "$probe") - $(field meminfo_free) ))
[ "${free_diff#-}" -lt $((8 * 1024 * 1024)) ] ||
  sv_fail "sysinfo() freeram $(si freeram "$probe") vs /proc/meminfo MemFree $(field meminfo_free)"
assert_eq 268435456 "$(field free_total)" "busybox free: total is the limit"
up=$(si uptime "$probe")
[ "$up" -le $(( $(field proc_uptime) + 1 )) ] && [ "$up" -lt "$(cut -d. -f1 /proc/uptime)" ] ||
  sv_fail "sysinfo() uptime $up: not the container's ($(field proc_uptime) s; host $(cut -d. -f1 /proc/uptime) s)"
assert_match '^ *[0-9:]+ up (0 min|[0-9]+ sec)|up +0:0[0-9]' "$(field uptime)" "busybox uptime: the container's"
procs=$(si procs "$probe")
[ "$procs" -ge 1 ] && [ "$procs" -le 5 ] || sv_fail "sysinfo() procs $procs: not the container's few tasks"
[ "$host_total" != "$(si totalram "$probe")" ] || sv_fail "the host has exactly 256 MiB?"

# A long-running container: exec, and the restart in place of the supervisor.  Its init runs
# sv-probe sysinfo (a child of the init: it inherits the filter) whenever /go appears, and a
# bind remount without ro of its read-only /ro (CAP_SYS_ADMIN: the kernel would allow it)
# whenever /go-remount appears.
priv=$SV_TEST_TMP/private
mkdir -p "$priv/rosrc" && chmod 700 "$priv" && echo host >"$priv/rosrc/f"
procfs_bundle "$b" sh -c 'mount -t tmpfs t /mnt && mkdir /mnt/a /mnt/b && mount --bind /mnt/a /mnt/b
while :; do
  if [ -e /go-loop ]; then : >/loop-started; /syscall-loop remount 20000 /mnt/b >/lout 2>&1; rm /go-loop; fi
  if [ -e /go ]; then /sv-probe sysinfo >/out 2>&1; echo "rc=$?" >>/out; rm /go; fi
  if [ -e /go-remount ]; then
    mount -o remount,bind,rw /ro >/rout 2>&1; echo "rc=$?" >>/rout
    if echo x 2>/dev/null >/ro/f; then echo written; else echo "write refused"; fi >>/rout
    rm /go-remount
  fi
  sleep 0.1; done'
sv_spec_set "$b" '.mounts += [{destination: "/ro", type: "bind", source: $src, options: ["rbind", "ro"]}]
  | del(.linux.seccomp)
  | .process.capabilities = ({bounding: $caps, effective: $caps, permitted: $caps})' \
  --arg src "$priv/rosrc" --argjson caps '["CAP_SYS_ADMIN", "CAP_DAC_OVERRIDE"]'
cp "$(dirname "$PROCFS_DAEMON")/syscall-loop" "$b/rootfs/syscall-loop"
from_init() {   # from_init [remount]: what the container's init's child printed
  local go=go out=out
  [ "${1:-}" = remount ] && go=go-remount out=rout
  rm -f "$b/rootfs/$out"
  touch "$b/rootfs/$go"
  sv_wait_until 10 bash -c "[ -s '$b/rootfs/$out' ] && [ ! -e '$b/rootfs/$go' ]" || return 1
  cat "$b/rootfs/$out"
}
sv_rt run -d --bundle "$b" "$SV_ID-long" </dev/null >/dev/null 2>"$SV_TEST_TMP/err" ||
  sv_fail "run -d failed: $(cat "$SV_TEST_TMP/err")"
assert_ok sv_rt exec "$SV_ID-long" /sv-probe sysinfo
assert_eq 268435456 "$(si totalram "$SV_OUT")" "an exec'd process gets the container's sysinfo"
assert_eq 268435456 "$(si totalram "$(from_init)")" "a child of the init gets the container's sysinfo"
pid=$(procfs_daemon_pid)
assert_ok "$PROCFS_DAEMON" --mountpoint "$PROCFS_MNT" --restart
assert_eq "$pid" "$(procfs_daemon_pid)" "restart in place keeps the daemon's pid"
assert_eq 268435456 "$(si totalram "$(from_init)")" "after a restart in place, the init's listener is still answered"
assert_ok sv_rt exec "$SV_ID-long" /sv-probe sysinfo
assert_eq 268435456 "$(si totalram "$SV_OUT")" "after a restart in place, a new exec is supervised too"

# The client's own errno rule for sysinfo wins over the supervisor's notification
procfs_bundle "$b" /sv-probe sysinfo
sv_spec_set "$b" '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
  syscalls: [{names: ["sysinfo"], action: "SCMP_ACT_ERRNO", errnoRet: 13}]}'
assert_fail sv_rt run --bundle "$b" "$SV_ID-errno"
assert_match 'sysinfo: Permission denied' "$SV_OUT" "the profile's errno for sysinfo wins"

# supervise = no: the kernel answers (the host's memory)
printf '\n[fuse-procfs]\nsupervise = no\n' >>"$SYSVISOR_PLUGINS_CONF"
procfs_bundle "$b" /sv-probe sysinfo
assert_ok sv_rt run --bundle "$b" "$SV_ID-nosup"
assert_eq "$host_total" "$(si totalram "$SV_OUT")" "supervise = no: sysinfo() is the kernel's"
sed -i 's/^supervise = no$/supervise = maybe/' "$SYSVISOR_PLUGINS_CONF"
assert_fail sv_rt run --bundle "$b" "$SV_ID-badsup"
assert_match 'supervise = maybe: use yes' "$SV_OUT" "a bad supervise value is one clear error"
sed -i '/^supervise = /d' "$SYSVISOR_PLUGINS_CONF"

# The supervisor killed (item 5): its listener keeper answers the trapped calls, nothing hangs
# and nothing fails with ENOSYS: sysinfo() runs in the kernel (the host's values), a bind
# remount of the read-only /ro is still refused; a new exec is refused with the reason.
assert_match 'rc=[1-9].*write refused' "$(from_init remount | tr '\n' ' ')" \
  "while sysvisor-fs runs, a bind remount of a read-only mount is refused"
keeper=$(procfs_keeper_pid)
[ -n "$keeper" ] || sv_fail "no listener keeper (svfs-keeper) runs beside sysvisor-fs"
assert_eq "" "$(grep 'sysvisor-fs is gone' "$PROCFS_LOG")" \
  "the restart in place kept the keeper attached (it never answered)"
pid=$(procfs_daemon_pid)
kill -KILL "$pid"
sv_wait_until 10 sh -c "! kill -0 $pid" || sv_fail "sysvisor-fs did not die"
dead=$(from_init) || sv_fail "sysinfo() hung in the container with the supervisor dead"
sv_log "sysinfo with sysvisor-fs dead: $dead"
assert_match 'rc=0' "$dead" "with sysvisor-fs dead, sysinfo() succeeds"
assert_eq "$host_total" "$(si totalram "$dead")" "with sysvisor-fs dead, sysinfo() is the kernel's"
remount=$(from_init remount) || sv_fail "a trapped mount hung with the supervisor dead"
sv_log "bind remount with sysvisor-fs dead: $remount"
assert_match 'rc=[1-9]' "$remount" "with sysvisor-fs dead, a bind remount of a read-only mount fails"
assert_match 'ermission denied' "$remount" "... with EPERM (not ENOSYS)"
assert_match 'write refused' "$remount" "... and the mount stays read-only"
assert_eq host "$(cat "$priv/rosrc/f")" "the host's file behind /ro is untouched"
assert_fail timeout 20 "$SV_RUNTIME" --root "$SV_ROOT" exec "$SV_ID-long" true
assert_match 'the syscall supervisor @sysvisor-fs/[0-9a-f]+ \(sysvisor-fs\) does not answer: Connection refused; start sysvisor-fs' \
  "$SV_OUT" "exec says the supervisor is gone, and the fix"

# Started again: it takes the listeners back from the keeper; the same container's sysinfo is
# emulated again, exec works again.
procfs_start_daemon
assert_eq "$keeper" "$(procfs_keeper_pid)" "the keeper stays and hands its listeners over"
assert_eq 268435456 "$(si totalram "$(from_init)")" \
  "sysvisor-fs started again: the running container's sysinfo is emulated again"
assert_ok timeout 20 "$SV_RUNTIME" --root "$SV_ROOT" exec "$SV_ID-long" /sv-probe sysinfo
assert_eq 268435456 "$(si totalram "$SV_OUT")" "sysvisor-fs started again: a new exec is supervised"

# The keeper killed while sysvisor-fs runs: nothing breaks, sysvisor-fs starts another.
kill -KILL "$keeper"
export -f procfs_keeper_pid
sv_wait_until 10 bash -c 'p=$(procfs_keeper_pid); [ -n "$p" ] && [ "$p" != "$0" ]' "$keeper" ||
  sv_fail "no new keeper after the old one was killed: $(tail -n 5 "$PROCFS_LOG")"
assert_eq 268435456 "$(si totalram "$(from_init)")" "a killed keeper does not disturb sysvisor-fs"
keeper=$(procfs_keeper_pid)
pid=$(procfs_daemon_pid)
kill -KILL "$pid"
sv_wait_until 10 sh -c "! kill -0 $pid" || sv_fail "sysvisor-fs did not die"
assert_eq "$host_total" "$(si totalram "$(from_init)")" "the new keeper answers once sysvisor-fs is killed"
procfs_start_daemon
assert_eq 268435456 "$(si totalram "$(from_init)")" "... and hands the listeners back again"

# Killed in the middle of trapped calls (bind remounts in a row, each made by the daemon): the
# call it was answering is answered by the keeper (the daemon's page says which), the rest are
# refused; the loop ends instead of hanging.  20000 calls take 20 s or more (about 1 ms each on
# an idle machine, 30 ms loaded), so the kill 0.3 s after the loop started is in their middle.
touch "$b/rootfs/go-loop"
sv_wait_until 10 test -e "$b/rootfs/loop-started" || sv_fail "the remount loop did not start"
sleep 0.3
pid=$(procfs_daemon_pid)
kill -KILL "$pid"
sv_wait_until 30 bash -c "[ ! -e '$b/rootfs/go-loop' ]" ||
  sv_fail "a trapped mount hung: sysvisor-fs was killed in the middle of it ($(cat "$b/rootfs/lout" 2>/dev/null))"
sv_log "bind remounts, sysvisor-fs killed meanwhile: $(tr '\n' ' ' <"$b/rootfs/lout")"
sv_log "keeper: $(grep -c 'answered the call sysvisor-fs died in' "$PROCFS_LOG") call(s) answered for the killed daemon"
assert_match 'remount ns_per_call [0-9]+ failures [1-9]' "$(cat "$b/rootfs/lout")" \
  "the loop ended; the calls after the kill were refused"
procfs_start_daemon
assert_eq 268435456 "$(si totalram "$(from_init)")" "started again once more: emulated again"

# Stopped on purpose (SIGTERM): the keeper ends with it.
pid=$(procfs_daemon_pid)
kill -TERM "$pid"
sv_wait_until 10 sh -c "! kill -0 $pid && ! kill -0 $keeper" || sv_fail "a stop left the keeper running"
sv_log "ok: sysinfo() is the container's (C, free, uptime, exec, restart in place), the client's errno wins, off by setting; sysvisor-fs killed: the keeper answers (kernel sysinfo, EPERM remount), a new sysvisor-fs takes the listeners back"
