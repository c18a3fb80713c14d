#!/bin/bash
# oci-exec: `exec` joins every namespace and the cgroup of a running container, applies the
# process's user, capabilities, rlimits, no_new_privs, env and cwd; --process FILE as
# containerd sends it; --detach with --pid-file; --tty with --console-socket; exit codes;
# bad input (stopped container, unknown container, bad process.json) refused clearly.
set -eu
. "$(dirname "$0")/../lib/common.sh"
. "$SV_LIB_DIR/busybox-rootfs.sh"
. "$SV_LIB_DIR/runtime.sh"
sv_require_root
sv_require_runtime
sv_require_probe
sv_require_cmd python3 jq

sv_use_plugins none none none
b=$SV_TEST_TMP/bundle
sv_core_bundle "$b" /sv-probe signal-wait
sv_spec_set "$b" '.hostname = "exec-host"'
id=$SV_ID-x
sv_rt_bg run -d --bundle "$b" "$id"
init=$(sv_state_field "$id" pid)

# The same namespaces and cgroup as the init.
out=$(sv_rt exec "$id" /sv-probe hostname uidmap pid cgroup)
assert_eq exec-host "$(sed -n 1p <<<"$out")" "uts namespace"
assert_eq "0 $SV_FALLBACK_UID 65536" "$(sed -n 2p <<<"$out")" "user namespace"
[ "$(sed -n 3p <<<"$out")" -gt 1 ] || sv_fail "exec'd process is not in the container's pid namespace"
# (its cgroup lines, seen from inside its cgroup namespace: "/" is the container's cgroup)
exec_cg() {
  sed -n 4p <<<"$out" | tr ';' '\n' | sed 's/^ //' | grep "$1" | sed "s|:/\$|:/sysvisor/$id|"
}
if [ -d /sys/fs/cgroup/memory ]; then
  assert_eq "$(grep memory /proc/$init/cgroup)" "$(exec_cg memory)" \
    "exec'd process is in the container's cgroup (v1 memory)"
fi
if grep -q '^0::/.' /proc/$init/cgroup; then
  assert_eq "$(grep '^0::' /proc/$init/cgroup)" "$(exec_cg '^0::')" \
    "exec'd process is in the container's cgroup (cgroup2)"
fi

# Flags: user, env, cwd, caps, nnp; exit status.
out=$(sv_rt exec --user 1000:1000 --additional-gids 10 --env SV_E=1 --cwd /tmp --no-new-privs "$id" \
        /sv-probe ids env SV_E cwd nnp)
assert_eq $'uid=1000 gid=1000 groups=10\n1\n/tmp\n1' "$out" "exec flags (groups: the additional gids only, as runc)"
rc=0; sv_rt exec "$id" sh -c 'exit 9' || rc=$?
assert_eq 9 "$rc" "exit status of exec"

# --process FILE (what containerd sends), --detach and --pid-file.
cat >"$SV_TEST_TMP/process.json" <<EOF
{"terminal": false, "user": {"uid": 0, "gid": 0}, "args": ["/sv-probe", "write", "/tmp/from-exec", "hi"],
 "env": ["PATH=/bin"], "cwd": "/", "capabilities": {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"],
 "permitted": ["CAP_KILL"]}, "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 100, "hard": 200}]}
EOF
sv_rt exec --process "$SV_TEST_TMP/process.json" --detach --pid-file "$SV_TEST_TMP/exec.pid" "$id" \
  </dev/null >/dev/null 2>&1 || sv_fail "exec --detach failed"
assert_match '^[0-9]+$' "$(cat "$SV_TEST_TMP/exec.pid")" "pid file"
sv_wait_until 5 test -s "$b/rootfs/tmp/from-exec" || sv_fail "the detached process did not run"
jq '.args = ["/sv-probe", "caps", "rlimit", "NOFILE"]' "$SV_TEST_TMP/process.json" >"$SV_TEST_TMP/p2.json"
assert_eq $'0000000000000020\n100:200' "$(sv_rt exec --process "$SV_TEST_TMP/p2.json" "$id")" \
  "capabilities and rlimits of process.json"

# --tty with --console-socket.
sock=$SV_TEST_TMP/console.sock
python3 "$SV_SRC_ROOT/tests/helpers/console-receiver.py" "$sock" "$SV_TEST_TMP/tty.out" &
sv_wait_until 10 test -S "$sock"
sv_rt exec --tty --console-socket "$sock" --detach "$id" /sv-probe isatty 0 </dev/null >/dev/null 2>&1
wait
assert_eq yes "$(tr -d '\r' <"$SV_TEST_TMP/tty.out")" "exec --tty gets a pty"

# Bad input.
assert_fail sv_rt exec nothere true
assert_match 'container "nothere" does not exist' "$SV_OUT"
echo '{"args": "not-a-list"}' >"$SV_TEST_TMP/bad.json"
assert_fail sv_rt exec --process "$SV_TEST_TMP/bad.json" "$id"
assert_match 'bad.json: process.args: expected an array of strings' "$SV_OUT"
assert_fail sv_rt exec "$id" /no/such/thing
assert_match 'exec: "/no/such/thing"' "$SV_OUT"
assert_fail sv_rt exec "$id"
assert_match 'give the command to run' "$SV_OUT"
sv_rt kill "$id" KILL
stopped() { [ "$(sv_rt state "$1" | jq -r .status)" = stopped ]; }
sv_wait_until 10 stopped "$id" || sv_fail "container did not stop"
assert_fail sv_rt exec "$id" true
assert_match "cannot exec in container \"$id\": it is stopped" "$SV_OUT"
sv_rt delete "$id"
sv_assert_nothing_left "$id" "$b"
echo "oci-exec: ok"
