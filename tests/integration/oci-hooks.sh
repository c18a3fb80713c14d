#!/bin/bash
# oci-hooks: prestart, createRuntime, createContainer, startContainer, poststart and poststop
# run at their step with the container's state on stdin; a failing or timed-out hook fails
# the step that ran it, leaving nothing behind.
set -eu
. "$(dirname "$0")/../lib/common.sh"
. "$SV_LIB_DIR/busybox-rootfs.sh"
. "$SV_LIB_DIR/runtime.sh"
sv_require_root
sv_require_runtime
sv_require_probe
sv_require_cmd jq

sv_use_plugins none none none
b=$SV_TEST_TMP/bundle
sv_core_bundle "$b" /sv-probe signal-wait
log=$SV_TEST_TMP/hooks.log
# A host-side hook: records its kind and the state it was given.
cat >"$SV_TEST_TMP/hook" <<EOF
#!/bin/sh
echo "\$1 \$(cat | jq -c '[.id, .status, (.pid > 0), .bundle]')" >>$log
EOF
chmod 755 "$SV_TEST_TMP/hook"
# startContainer runs inside the container: a busybox script writing into the rootfs.
printf '#!/bin/sh\ncat >/tmp/start-hook.state\n' >"$b/rootfs/start-hook"
chmod 755 "$b/rootfs/start-hook"
chown "$SV_FALLBACK_UID:$SV_FALLBACK_UID" "$b/rootfs/start-hook"
hk() { printf '{"path":"%s","args":["hook","%s"]}' "$SV_TEST_TMP/hook" "$1"; }
sv_spec_set "$b" ".hooks = {
  \"prestart\": [$(hk prestart)], \"createRuntime\": [$(hk createRuntime)],
  \"createContainer\": [$(hk createContainer)], \"poststart\": [$(hk poststart)],
  \"poststop\": [$(hk poststop)],
  \"startContainer\": [{\"path\":\"/start-hook\"}] }"
id=$SV_ID-h

sv_rt_bg create --bundle "$b" "$id"
assert_eq "prestart createRuntime createContainer" "$(cut -d' ' -f1 "$log" | xargs)" "create runs its hooks in order"
assert_eq "[\"$id\",\"creating\",true,\"$b\"]" "$(sed -n 1p "$log" | cut -d' ' -f2)" "state on a hook's stdin"
assert_file_absent "$b/rootfs/tmp/start-hook.state"
sv_rt start "$id"
assert_eq poststart "$(sed -n 4p "$log" | cut -d' ' -f1)" "start runs poststart"
sv_wait_until 5 test -s "$b/rootfs/tmp/start-hook.state" || sv_fail "startContainer hook did not run"
assert_eq "$id" "$(jq -r .id "$b/rootfs/tmp/start-hook.state")" "startContainer got the state"
sv_rt kill "$id" KILL
stopped() { [ "$(sv_rt state "$1" | jq -r .status)" = stopped ]; }
sv_wait_until 10 stopped "$id" || sv_fail "container did not stop"
sv_rt delete "$id"
assert_eq poststop "$(sed -n 5p "$log" | cut -d' ' -f1)" "delete runs poststop"
sv_assert_nothing_left "$id" "$b"

# A failing createRuntime hook fails create and leaves nothing; so does a timed-out one.
sv_spec_set "$b" '.hooks = {"createRuntime": [{"path": "/bin/sh", "args": ["sh", "-c", "exit 3"]}]}'
assert_fail sv_rt create --bundle "$b" "$id" </dev/null
assert_match 'hooks.createRuntime\[0\] \(/bin/sh\) failed' "$SV_OUT"
sv_assert_nothing_left "$id" "$b"
sv_spec_set "$b" '.hooks = {"prestart": [{"path": "/bin/sleep", "args": ["sleep", "30"], "timeout": 1}]}'
start=$(date +%s)
assert_fail sv_rt create --bundle "$b" "$id" </dev/null
assert_match 'hooks.prestart\[0\] \(/bin/sleep\) timed out after 1 s' "$SV_OUT"
[ $(( $(date +%s) - start )) -lt 10 ] || sv_fail "the timeout did not cut the hook short"
sv_assert_nothing_left "$id" "$b"
echo "oci-hooks: ok"
