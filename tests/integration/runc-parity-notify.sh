#!/bin/bash
# runc-parity-notify: the two systemd conventions runc carries into a container (issue 14,
# item 3: "the sd-notify fds that are meant to pass"), each compared with runc 1.1.5.
#  (a) socket activation: a runtime started with LISTEN_FDS=1 and LISTEN_PID = its pid (as
#      systemd starts one) hands fd 3 to the container's process, with LISTEN_FDS=1 and
#      LISTEN_PID=1, before the --preserve-fds ones; with LISTEN_PID naming another process,
#      nothing passes; exec passes nothing either.
#  (b) sd_notify: with NOTIFY_SOCKET set, the process gets NOTIFY_SOCKET=/run/notify/notify.sock
#      (a read-only bind mount of the state dir's notify/); container root can send on it, and
#      the host's socket receives the READY=1 line, then MAINPID= the init (run -d,
#      create+start) or the runtime (foreground run); `start` waits for READY.  Nothing is left
#      after delete.
set -eu
# shellcheck source=tests/lib/runc-parity.sh
. "$(dirname "$0")/../lib/runc-parity.sh"
sv_require_probe
sv_require_cmd jq python3

HELPERS=$SV_SRC_ROOT/tests/helpers
b=$SV_TEST_TMP/bundle
sv_core_bundle "$b" /sv-probe fds
runtimes=$SV_RUNC
if [ -x "$SV_REF_RUNC" ]; then
  runtimes+=" $SV_REF_RUNC"
  ref=$SV_TEST_TMP/ref
  SV_BUNDLE_READONLY=false sv_busybox_bundle "$ref" /sv-probe fds >/dev/null
fi

# rt RUNTIME ARGS...: a runtime with its own --root.
rt() {
  local r=$1 root=$SV_ROOT
  shift
  [ "$r" = "$SV_REF_RUNC" ] && root=$REF_ROOT
  timeout 30 "$r" --root "$root" "$@"
}
# activated RUNTIME [--pid-offset N] ARGS...: the runtime as systemd socket-activates it.
activated() {
  local r=$1
  shift
  local off=()
  [ "${1:-}" = --pid-offset ] && { off=("$1" "$2"); shift 2; }
  [ "${1:-}" = --claim ] && { off+=("$1" "$2"); shift 2; }
  local root=$SV_ROOT
  [ "$r" = "$SV_REF_RUNC" ] && root=$REF_ROOT
  timeout 30 python3 "$HELPERS/socket-activate.py" "$(mktemp -u "$SV_TEST_TMP/act.XXXXXX")" "${off[@]}" \
    "$r" --root "$root" "$@"
}
# fd_list "N=T ...": "0 1 2 N:KIND ..." (N sorted; KIND socket, file, pipe, ... from 3 on:
# stdio is a pipe or the caller's own file, depending on the runtime).
fd_list() {
  tr ' ' '\n' <<<"$1" | sed -E 's/^([0-2])=.*/\1/; s/^([0-9]+)=(socket|pipe|anon_inode):.*/\1:\2/; s/^([0-9]+)=\/.*/\1:file/' \
    | sort -n | tr '\n' ' ' | sed 's/ $//'
}

# ---------------------------------------------------------------- (a) LISTEN_FDS
for r in $runtimes; do
  who=$([ "$r" = "$SV_RUNC" ] && echo sysvisor || echo runc)
  bb=$([ "$r" = "$SV_RUNC" ] && echo "$b" || echo "$ref")
  sv_spec_set "$bb" '.process.args = ["/sv-probe", "fds", "env", "LISTEN_FDS", "env", "LISTEN_PID"]
                     | .process.terminal = false'
  out=$(activated "$r" run --bundle "$bb" "$SV_ID-a1" </dev/null 2>&1) || sv_fail "a1: $who failed: $out"
  assert_eq "0 1 2 3:socket|1|1" "$(fd_list "$(sed -n 1p <<<"$out")")|$(sed -n 2,3p <<<"$out" | paste -sd'|')" \
    "/listen-fds/$who/run: fd 3 is the activation socket, LISTEN_FDS=1 LISTEN_PID=1 ($out)"
  out=$(activated "$r" run --preserve-fds 1 --bundle "$bb" "$SV_ID-a2" </dev/null 4</etc/hostname 2>&1) || sv_fail "a2: $who failed: $out"
  assert_eq "0 1 2 3:socket 4:file|1" "$(fd_list "$(sed -n 1p <<<"$out")")|$(sed -n 2p <<<"$out")" \
    "/listen-fds/$who/run-preserve-fds: --preserve-fds counts after the activation fds ($out)"
  out=$(activated "$r" --pid-offset 1 run --bundle "$bb" "$SV_ID-a3" </dev/null 2>&1) || sv_fail "a3: $who failed: $out"
  assert_eq "0 1 2|unset|unset" "$(fd_list "$(sed -n 1p <<<"$out")")|$(sed -n 2,3p <<<"$out" | paste -sd'|')" \
    "/listen-fds/$who/not-ours: LISTEN_PID of another process passes nothing ($out)"
  # create + start: the fds are the creator's
  sv_spec_set "$bb" '.process.args = ["sh", "-c", "/sv-probe fds env LISTEN_FDS >/tmp/fds.out; sleep 1000"]'
  activated "$r" create --bundle "$bb" "$SV_ID-a4" </dev/null >/dev/null 2>&1 || sv_fail "$who create (activated) failed"
  rt "$r" start "$SV_ID-a4"
  sv_wait_until 10 test -s "$bb/rootfs/tmp/fds.out" || sv_fail "$who: the process did not run"
  sleep 0.2
  out=$(cat "$bb/rootfs/tmp/fds.out")
  assert_eq "0 1 2 3:socket|1" "$(fd_list "$(sed -n 1p <<<"$out")")|$(sed -n 2p <<<"$out")" \
    "/listen-fds/$who/create+start ($out)"
  # exec takes no activation fds (runc: neither)
  out=$(activated "$r" exec "$SV_ID-a4" /sv-probe fds env LISTEN_FDS </dev/null 2>&1) || sv_fail "a4: $who exec failed: $out"
  assert_eq "0 1 2|unset" "$(fd_list "$(sed -n 1p <<<"$out")")|$(sed -n 2p <<<"$out")" \
    "/listen-fds/$who/exec: no activation fd ($out)"
  rt "$r" delete --force "$SV_ID-a4"
  rm -f "$bb/rootfs/tmp/fds.out"
done

# Beyond runc: LISTEN_FDS=3 with only fd 3 open passes fd 3 alone (never a fd of the runtime's
# own that took the free numbers; runc passes whatever is there).
sv_spec_set "$b" '.process.args = ["/sv-probe", "fds", "env", "LISTEN_FDS"]'
out=$(activated "$SV_RUNC" --claim 3 run --bundle "$b" "$SV_ID-a5" </dev/null 2>/dev/null) || sv_fail "a5: failed: $out"
assert_eq "0 1 2 3:socket|1" "$(fd_list "$(sed -n 1p <<<"$out")")|$(sed -n 2p <<<"$out")" \
  "/listen-fds/sysvisor/claimed-but-closed: only the open activation fd passes ($out)"

# ---------------------------------------------------------------- (b) NOTIFY_SOCKET
NS=$SV_TEST_TMP/host-notify.sock
NOUT=$SV_TEST_TMP/host-notify.out
python3 "$HELPERS/notify-listener.py" "$NS" "$NOUT" &
listener=$!
sv_on_exit "kill $listener 2>/dev/null"
sv_wait_until 10 test -S "$NS" || sv_fail "the notify listener did not start"

# heard WANT WHAT: the host's socket received exactly WANT (lines joined by |).
heard() {
  sv_wait_until 10 grep -q MAINPID "$NOUT" || true
  sleep 0.2
  assert_eq "$1" "$(paste -sd'|' "$NOUT")" "$2"
  : >"$NOUT"
}

for r in $runtimes; do
  who=$([ "$r" = "$SV_RUNC" ] && echo sysvisor || echo runc)
  bb=$([ "$r" = "$SV_RUNC" ] && echo "$b" || echo "$ref")
  root=$([ "$r" = "$SV_RUNC" ] && echo "$SV_ROOT" || echo "$REF_ROOT")
  # The process: its NOTIFY_SOCKET and the socket's mode, a datagram without READY (not
  # passed on), then "READY=1\nSTATUS=up" in one datagram, as sd_notify(3) sends it.
  sv_spec_set "$bb" '.process.args = ["sh", "-c",
    "{ /sv-probe env NOTIFY_SOCKET mode /run/notify/notify.sock; } >/tmp/n.out; sleep 0.3; /sv-probe notify STATUS=starting >>/tmp/n.out; /sv-probe notify \"READY=1\nSTATUS=up\" >>/tmp/n.out; sleep 1000"]'

  # run -d: MAINPID is the container's init
  NOTIFY_SOCKET=$NS rt "$r" run -d --bundle "$bb" "$SV_ID-n1" </dev/null >/dev/null 2>&1 \
    || sv_fail "$who run -d with NOTIFY_SOCKET failed"
  pid=$(rt "$r" state "$SV_ID-n1" | jq .pid)
  heard "READY=1|MAINPID=$pid" "/notify/$who/run-d: READY=1 and MAINPID of the init reach the host"
  assert_eq "/run/notify/notify.sock|777|ok|ok" "$(paste -sd'|' "$bb/rootfs/tmp/n.out")" \
    "/notify/$who/run-d: the process's NOTIFY_SOCKET, usable by container root"
  assert_eq "ro" "$(rt "$r" exec "$SV_ID-n1" /sv-probe mounts /run/notify | awk '{ print $2 }' | tr , '\n' | grep -x ro || true)" \
    "/notify/$who/run-d: /run/notify is mounted read-only"
  rt "$r" delete --force "$SV_ID-n1"
  assert_file_absent "$root/$SV_ID-n1" "/notify/$who/run-d: state dir (and its notify socket) after delete"

  # create + start: start listens, waits for READY, MAINPID is the init
  rm -f "$bb/rootfs/tmp/n.out"
  NOTIFY_SOCKET=$NS rt "$r" create --bundle "$bb" "$SV_ID-n2" </dev/null >/dev/null 2>&1 \
    || sv_fail "$who create with NOTIFY_SOCKET failed"
  pid=$(rt "$r" state "$SV_ID-n2" | jq .pid)
  assert_eq "" "$(cat "$NOUT")" "/notify/$who/create: nothing is heard before start"
  NOTIFY_SOCKET=$NS rt "$r" start "$SV_ID-n2"
  # (the process wrote its first "ok" before it sent READY, after a 0.3 s sleep)
  assert_match 'ok' "$(sed -n 3p "$bb/rootfs/tmp/n.out")" \
    "/notify/$who/start: returns once the process sent READY, not before"
  heard "READY=1|MAINPID=$pid" "/notify/$who/create+start"
  rt "$r" delete --force "$SV_ID-n2"
  assert_file_absent "$root/$SV_ID-n2" "/notify/$who/create+start: state dir after delete"

  # foreground run: MAINPID is the runtime, which stays with the container
  sv_spec_set "$bb" '.process.args = ["sh", "-c", "/sv-probe notify READY=1; sleep 1"]'
  NOTIFY_SOCKET=$NS "$r" --root "$root" run --bundle "$bb" "$SV_ID-n3" </dev/null >/dev/null 2>&1 &
  rpid=$!
  wait "$rpid" || sv_fail "$who run with NOTIFY_SOCKET failed"
  heard "READY=1|MAINPID=$rpid" "/notify/$who/run: MAINPID is the runtime's"
  assert_file_absent "$root/$SV_ID-n3" "/notify/$who/run: state dir after run"
done
sv_assert_nothing_left "$SV_ID-n1" "$b"

# Beyond runc 1.1.5 (which passes READY on only when a datagram starts with it, and otherwise
# waits forever): READY=1 on any line of a datagram counts.
sv_spec_set "$b" '.process.args = ["sh", "-c", "/sv-probe notify \"STATUS=up\nREADY=1\"; sleep 1000"]'
NOTIFY_SOCKET=$NS sv_rt_bg run -d --bundle "$b" "$SV_ID-n4"
heard "READY=1|MAINPID=$(sv_state_field "$SV_ID-n4" pid)" "/notify/sysvisor/ready-not-first"
sv_rt delete --force "$SV_ID-n4"
# A container created without NOTIFY_SOCKET has no /run/notify, and start with one set just
# starts it.
sv_spec_set "$b" '.process.args = ["/sv-probe", "env", "NOTIFY_SOCKET"]'
sv_rt_bg create --bundle "$b" "$SV_ID-n5"
assert_file_absent "$SV_ROOT/$SV_ID-n5/notify" "/notify/created-without: no notify dir"
NOTIFY_SOCKET=$NS timeout 30 "$SV_RUNC" --root "$SV_ROOT" start "$SV_ID-n5"
sv_wait_until 10 grep -q unset "$SV_TEST_TMP/bg.out" || sv_fail "/notify/created-without: $(cat "$SV_TEST_TMP/bg.out")"
sv_rt delete --force "$SV_ID-n5"
sv_assert_nothing_left "$SV_ID-n4" "$b"
