#!/bin/bash
# syscont-seccomp: Docker's default seccomp profile (an allow-list) is widened for a system
# container: the filter stays on (Seccomp: 2), and mount, unshare, setns, clone with namespace
# flags, keyctl, sethostname work; what stays dangerous stays refused (open_by_handle_at,
# finit_module, kexec_load).  A profile the user chose (--security-opt seccomp=FILE) is
# honoured as given, and so is Docker's own profile with io.sysvisor.honour-seccomp=true or
# plugins.conf's honour-seccomp = true (through `sysvisor-runc run` on a bundle carrying the
# profile Docker wrote).
set -eu
. "$(dirname "$0")/../lib/common.sh"
. "$SV_LIB_DIR/runtime.sh"
. "$SV_LIB_DIR/docker.sh"
sv_require_root
sv_require_runtime
sv_require_probe
sv_require_cmd dockerd jq

sv_use_plugins auto auto none
sv_use_exclusive_ids
sv_docker_start_sysvisor || sv_skip "dockerd cannot start here"
sv_docker_import_busybox bb
D="sv_docker run --runtime=sysvisor-runc --network none --rm"

# Docker's default profile, widened: still a filter, the system syscalls pass.
assert_ok $D bb sh -c '/sv-probe seccomp try keyctl; unshare -m -u -i -p -f sh -c "hostname x && echo ns-ok"; unshare -U -r true && echo userns-ok'
assert_match $'^2\nok\nns-ok\nuserns-ok$' "$SV_OUT" "filter on; keyctl, unshare with namespace flags, nested userns pass"
# Refused even so (by the profile, and by the kernel for a user namespace).
assert_fail $D bb /sv-probe try open_by_handle_at try finit_module try kexec_load
assert_match $'^error EPERM: open_by_handle_at[^\n]*\nerror EPERM: finit_module[^\n]*\nerror EPERM: kexec_load' "$SV_OUT" "open_by_handle_at, finit_module, kexec_load stay refused"

# A profile the user chose is honoured: here one that denies mount.
cat >"$SV_TEST_TMP/deny-mount.json" <<'EOP'
{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ERRNO"}]}
EOP
rc=0; $D --security-opt "seccomp=$SV_TEST_TMP/deny-mount.json" bb sh -c 'mkdir -p /m && mount -t tmpfs t /m' >"$SV_TEST_TMP/out" 2>&1 || rc=$?
[ "$rc" != 0 ] || sv_fail "a chosen profile that denies mount was widened: $(cat "$SV_TEST_TMP/out")"
assert_match 'permission denied' "$(cat "$SV_TEST_TMP/out")" "mount refused by the chosen profile"
assert_ok $D --security-opt "seccomp=$SV_TEST_TMP/deny-mount.json" bb sh -c 'unshare -u sh -c "hostname h3 && hostname"'
assert_eq h3 "$SV_OUT" "the chosen profile's other syscalls still pass"
# seccomp=unconfined: no profile, only the runtime's own one-rule filter (no supervisor here:
# a bind remount that drops read-only is refused; README, Security).
assert_ok $D --security-opt seccomp=unconfined bb sh -c 'grep "^Seccomp_filters:" /proc/self/status'
assert_match '^Seccomp_filters:[[:space:]]+1$' "$SV_OUT" "seccomp=unconfined: only the runtime's own rule"

# The profile Docker wrote, in a bundle of our own.
cid=$(sv_docker run -d --runtime=sysvisor-runc --network none bb sleep 300)
sv_on_exit "sv_docker rm -f $cid >/dev/null 2>&1"
cfg=$(find "$SV_DOCKER_EXEC" -path "*$cid*" -name config.json | head -n1)
[ -n "$cfg" ] || sv_fail "config.json of $cid not found under $SV_DOCKER_EXEC"
jq .linux.seccomp "$cfg" >"$SV_TEST_TMP/docker-profile.json"
cp "$cfg" "$SV_TEST_TMP/docker-config.json"
cfg=$SV_TEST_TMP/docker-config.json
assert_eq SCMP_ACT_ERRNO "$(jq -r .defaultAction "$SV_TEST_TMP/docker-profile.json")" "Docker passes an allow-list"
sv_docker rm -f "$cid" >/dev/null
b=$SV_TEST_TMP/b
sv_core_bundle "$b" sh -c 'unshare -m true && echo unshare-ok; true'
sv_spec_set "$b" '.linux.seccomp = $p' --slurpfile p "$SV_TEST_TMP/docker-profile.json"
sv_spec_set "$b" '.linux.seccomp = .linux.seccomp[0] | .process.capabilities = $c' --argjson c "$(jq .process.capabilities "$cfg")"
assert_ok sv_rt run --bundle "$b" "$SV_ID-run"
assert_eq unshare-ok "$SV_OUT" "sysvisor-runc run: Docker's profile widened"
sv_spec_set "$b" '.annotations["io.sysvisor.honour-seccomp"] = "true"'
assert_ok sv_rt run --bundle "$b" "$SV_ID-run"
assert_match 'unshare: unshare\(0x20000\): Operation not permitted' "$SV_OUT" "io.sysvisor.honour-seccomp=true keeps Docker's profile as given"
sv_spec_set "$b" 'del(.annotations["io.sysvisor.honour-seccomp"])'
sed -i 's/^procfs = none$/procfs = none\nhonour-seccomp = true/' "$SYSVISOR_PLUGINS_CONF"
assert_ok sv_rt run --bundle "$b" "$SV_ID-run"
assert_match 'Operation not permitted' "$SV_OUT" "plugins.conf honour-seccomp = true keeps it too"
sed -i '/^honour-seccomp = /d' "$SYSVISOR_PLUGINS_CONF"
sv_assert_nothing_left "$SV_ID-run" "$b"
echo "syscont-seccomp: ok"
