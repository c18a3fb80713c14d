#!/bin/bash
# core-run: `sysvisor-runc run` of a busybox bundle: identity, hostname, user namespace,
# mounts and the exit status, as seen from inside the container.
set -eu
. "$(dirname "$0")/../lib/common.sh"
. "$SV_LIB_DIR/busybox-rootfs.sh"
. "$SV_LIB_DIR/runtime.sh"
sv_require_root
sv_require_runtime
sv_require_probe

sv_use_plugins none none none
b=$SV_TEST_TMP/bundle
sv_core_bundle "$b" /sv-probe ids hostname uidmap gidmap
sv_spec_set "$b" '.hostname = "my_cont"'

out=$(cd "$b" && sv_rt run "$SV_ID-a")
# No supplementary group: additionalGids is empty (as runc; runc-parity-process).
assert_eq "uid=0 gid=0 groups=" "$(sed -n 1p <<<"$out")" "id inside"
assert_eq "my_cont" "$(sed -n 2p <<<"$out")" "hostname inside"
assert_eq "0 165536 65536" "$(sed -n 3p <<<"$out")" "uid_map is not the identity"
assert_eq "0 165536 65536" "$(sed -n 4p <<<"$out")" "gid_map"
sv_assert_nothing_left "$SV_ID-a" "$b"

# Mounts the spec asks for, and the system-container cgroup view.
sv_spec_args "$b" /sv-probe mounts /proc mounts /dev mounts /dev/pts mounts /sys mounts /dev/shm
out=$(sv_rt run --bundle "$b" "$SV_ID-b")
assert_match '^proc ' "$(sed -n 1p <<<"$out")" "/proc is a proc mount"
assert_match '^tmpfs ' "$(sed -n 2p <<<"$out")" "/dev is a tmpfs"
assert_match '^devpts .*ptmxmode=666' "$(sed -n 3p <<<"$out")" "/dev/pts is a devpts"
assert_match '^sysfs .*ro' "$(sed -n 4p <<<"$out")" "/sys is a read-only sysfs"
assert_match '^tmpfs ' "$(sed -n 5p <<<"$out")" "/dev/shm"

# Exit status propagates, including death by a signal.
sv_spec_args "$b" sh -c 'exit 7'
rc=0; sv_rt run --bundle "$b" "$SV_ID-c" || rc=$?
assert_eq 7 "$rc" "exit status of the container's process"
# (the init of a pid namespace ignores signals sent from inside it: kill it from the host)
sv_spec_args "$b" sleep 1000
( rc=0; sv_rt run --bundle "$b" "$SV_ID-d" </dev/null >/dev/null 2>&1 || rc=$?; echo $rc >"$SV_TEST_TMP/rc" ) &
sv_wait_until 10 sh -c "[ \"\$($SV_RUNC --root $SV_ROOT state $SV_ID-d 2>/dev/null | jq -r .status)\" = running ]" \
  || sv_fail "container $SV_ID-d did not start"
sv_rt kill "$SV_ID-d" KILL
wait
assert_eq 137 "$(cat "$SV_TEST_TMP/rc")" "status of a process killed by SIGKILL"
sv_assert_nothing_left "$SV_ID-d" "$b"

# stdio passes through without a terminal.
sv_spec_args "$b" sh -c 'read line; echo "got $line"; echo err >&2'
out=$(echo hello | sv_rt run --bundle "$b" "$SV_ID-e" 2>"$SV_TEST_TMP/err")
assert_eq "got hello" "$out" "stdin and stdout pass through"
assert_eq "err" "$(cat "$SV_TEST_TMP/err")" "stderr passes through"

# Devices and /dev links of a system container.
sv_spec_args "$b" sh -c 'echo x > /dev/null && head -c 4 /dev/zero | wc -c && readlink /dev/fd && ls /dev/ptmx'
out=$(sv_rt run --bundle "$b" "$SV_ID-f")
assert_eq "4
/proc/self/fd
/dev/ptmx" "$out" "default devices and links"
echo "core-run: ok"
