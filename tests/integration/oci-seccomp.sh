#!/bin/bash
# oci-seccomp: linux.seccomp from config.json is compiled with libseccomp and enforced on the
# container's process (errnoRet, argument comparisons), with and without no_new_privs; a bad
# profile (unknown syscall, unknown action, notify) is refused clearly, leaving nothing behind.
set -eu
. "$(dirname "$0")/../lib/common.sh"
. "$SV_LIB_DIR/busybox-rootfs.sh"
. "$SV_LIB_DIR/runtime.sh"
sv_require_root
sv_require_runtime
sv_require_probe

sv_use_plugins none none none
b=$SV_TEST_TMP/bundle
sv_core_bundle "$b" /sv-probe seccomp write /tmp/x y
profile='{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],
  "syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":38},
              {"names":["openat"],"action":"SCMP_ACT_ERRNO","errnoRet":13,
               "args":[{"index":2,"value":64,"valueTwo":64,"op":"SCMP_CMP_MASKED_EQ"}]}]}'
for nnp in false true; do
  sv_spec_set "$b" ".linux.seccomp = $profile | .process.noNewPrivileges = $nnp"
  sv_spec_args "$b" sh -c '/sv-probe seccomp; mkdir /tmp/d 2>&1; /sv-probe write /tmp/x y; head -c1 /etc/hostname | wc -c && echo read-ok'
  out=$(sv_rt run --bundle "$b" "$SV_ID-$nnp" </dev/null || true)
  assert_match '^2' "$out" "filter mode (noNewPrivileges=$nnp)"
  assert_match 'mkdir: can.t create directory .*(Function not implemented|ENOSYS)' "$out" "errnoRet 38 (ENOSYS)"
  assert_match 'error EACCES' "$out" "O_CREAT opens refused by the argument rule"
  assert_match 'read-ok' "$out" "plain opens still work"
  sv_assert_nothing_left "$SV_ID-$nnp" "$b"
done

bad() {   # bad PROFILE PATTERN
  sv_spec_set "$b" ".linux.seccomp = $1"
  assert_fail sv_rt run --bundle "$b" "$SV_ID-bad" </dev/null
  assert_match "$2" "$SV_OUT"
  assert_eq 1 "$(grep -c . <<<"$SV_OUT")" "one line"
  sv_assert_nothing_left "$SV_ID-bad" "$b"
}
bad '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["getpid","fooo"],"action":"SCMP_ACT_ERRNO"}]}' \
  'linux.seccomp.syscalls\[0\].names\[1\]: unknown syscall "fooo"'
bad '{"defaultAction":"SCMP_ACT_EXPLODE"}' 'linux.seccomp.defaultAction: unknown action'
bad '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["getpid"],"action":"SCMP_ACT_NOTIFY"}]}' \
  'SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath'
echo "oci-seccomp: ok"
