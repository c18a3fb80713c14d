#!/bin/bash
# procfs-sysinfo: sysinfo(2) answers for the container (issue 13, item 4).  A busybox system
# container (memory limit 256 MiB, procfs = fuse-procfs) calls sysinfo() from C (sv-probe),
# busybox `free` and `uptime`: they agree with its /proc/meminfo, /proc/uptime and
# /proc/loadavg, not with the host's.  Then: an exec'd process gets the same; the answer
# survives sysvisor-fs's restart in place (listeners handed over); the client's own seccomp
# errno rule for sysinfo still wins; `supervise = no` gives the kernel's (host) values; with
# the supervisor killed, a trapped sysinfo() fails (ENOSYS) at once instead of hanging.
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
# sv-probe sysinfo (a child of the init: it inherits the filter) whenever /go appears.
procfs_bundle "$b" sh -c 'while :; do if [ -e /go ]; then /sv-probe sysinfo >/out 2>&1; rm /go; fi; sleep 0.1; done'
from_init() {   # from_init: sysinfo as a child of the container's init prints it
  rm -f "$b/rootfs/out"
  touch "$b/rootfs/go"
  sv_wait_until 10 bash -c "[ -s '$b/rootfs/out' ] && [ ! -e '$b/rootfs/go' ]" || return 1
  cat "$b/rootfs/out"
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

# The supervisor killed: a trapped call fails at once (ENOSYS), nothing hangs; a new exec is
# refused with the reason
kill -KILL "$(procfs_daemon_pid)"
dead=$(from_init) || sv_fail "sysinfo() hung in the container with the supervisor dead"
assert_match 'sysinfo: Function not implemented' "$dead" \
  "with the supervisor dead, sysinfo() fails (ENOSYS) instead of hanging"
assert_fail timeout 20 "$SV_RUNTIME" --root "$SV_ROOT" exec "$SV_ID-long" true
assert_match 'the syscall supervisor @sysvisor-fs/[0-9a-f]+ \(sysvisor-fs\) does not answer: Connection refused; start sysvisor-fs' \
  "$SV_OUT" "exec says the supervisor is gone, and the fix"
sv_log "ok: sysinfo() is the container's (C, free, uptime, exec, restart in place), the client's errno wins, off by setting, no hang without a supervisor"
