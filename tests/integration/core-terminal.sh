#!/bin/bash
# core-terminal: process.terminal with --console-socket (the pty master goes over the unix
# socket, as containerd expects), and `spec` + `run` in a terminal of our own.
set -eu
. "$(dirname "$0")/../lib/common.sh"
. "$SV_LIB_DIR/busybox-rootfs.sh"
. "$SV_LIB_DIR/runtime.sh"
sv_require_root
sv_require_runtime
sv_require_probe
sv_require_cmd python3 script

sv_use_plugins none none none
b=$SV_TEST_TMP/bundle
sv_core_bundle "$b" /sv-probe isatty 0 isatty 1 hostname
sv_spec_set "$b" '.process.terminal = true | .process.consoleSize = {"height": 30, "width": 100}'

sock=$SV_TEST_TMP/console.sock
python3 "$SV_SRC_ROOT/tests/helpers/console-receiver.py" "$sock" "$SV_TEST_TMP/tty.out" &
recv=$!
sv_wait_until 10 test -S "$sock" || sv_fail "console receiver did not start"
sv_rt_bg create --bundle "$b" --console-socket "$sock" "$SV_ID-t"
sv_rt start "$SV_ID-t"
wait "$recv"
out=$(tr -d '\r' <"$SV_TEST_TMP/tty.out")
assert_eq $'yes\nyes\nrunc' "$out" "stdin and stdout are the pty"
sv_rt delete --force "$SV_ID-t"
sv_assert_nothing_left "$SV_ID-t" "$b"

# --console-socket without a terminal, and a terminal without --console-socket: refused.
sv_spec_set "$b" '.process.terminal = false'
assert_fail sv_rt create --bundle "$b" --console-socket "$sock" "$SV_ID-u"
assert_match "process.terminal is false" "$SV_OUT"
sv_assert_nothing_left "$SV_ID-u" "$b"

# `spec` writes a config.json that `run` takes unchanged (it asks for a terminal: give one).
s=$SV_TEST_TMP/spec-bundle
mkdir -p "$s"
cp -a "$b/rootfs" "$s/rootfs"
(cd "$s" && sv_rt spec)
assert_fail sv_rt spec --bundle "$s"
assert_match "exists already" "$SV_OUT"
out=$( (sleep 1; printf 'tty; id -u; exit 6\n') | script -qec "cd $s && $SV_RUNC --root $SV_ROOT run $SV_ID-s" /dev/null) || true
assert_match '/dev/pts/0' "$out" "run of the default spec gets a terminal"
sv_assert_nothing_left "$SV_ID-s" "$s"
echo "core-terminal: ok"
