#!/bin/bash
# syscont-security: root inside a system container holds every capability of its user
# namespace (checked first), yet still cannot reach the host: it cannot load kernel modules
# (init_module, finit_module), write a host-global sysctl (kernel.panic, vm.overcommit_memory
# keep the host's values), mount the host's disk even when its device node is handed in, make
# a block device node, turn a read-only volume writable (remount) or write through it, set the
# host's clock, or see or signal another container's processes.
set -eu
. "$(dirname "$0")/../lib/common.sh"
. "$SV_LIB_DIR/runtime.sh"
. "$SV_LIB_DIR/docker.sh"
sv_require_root
sv_require_runtime
sv_require_probe
sv_require_cmd dockerd jq findmnt

last=$(cat /proc/sys/kernel/cap_last_cap)
full=$(printf '%016x' $(((1 << (last + 1)) - 1)))

sv_use_plugins auto auto none
sv_use_exclusive_ids
sv_docker_start_sysvisor || sv_skip "dockerd cannot start here"
sv_docker_import_busybox bb
D="sv_docker run --runtime=sysvisor-runc --network none --rm"

assert_ok $D bb /sv-probe caps
assert_eq "$full" "$SV_OUT" "root inside holds every capability (of its user namespace)"

# Kernel modules.
assert_fail $D bb /sv-probe try finit_module try init_module
assert_match $'^error EPERM: finit_module[^\n]*\nerror EPERM: init_module' "$SV_OUT" "modules cannot be loaded"

# Host-global sysctls: refused, the host's values kept.
panic=$(cat /proc/sys/kernel/panic) oc=$(cat /proc/sys/vm/overcommit_memory)
assert_fail $D bb sh -c "echo $((panic + 3)) > /proc/sys/kernel/panic"
assert_fail $D bb sh -c "echo $(((oc + 1) % 3)) > /proc/sys/vm/overcommit_memory"
assert_eq "$panic $oc" "$(cat /proc/sys/kernel/panic) $(cat /proc/sys/vm/overcommit_memory)" "host sysctls unchanged"
assert_fail $D bb sysctl -w kernel.core_pattern=/tmp/x

# The host's disk: no block device node can be made, and the real one, handed in, cannot be
# mounted (a block filesystem is not mountable in a user namespace).
disk=$(findmnt -no SOURCE / || true)
assert_fail $D bb sh -c 'mknod /dev/sdz b 8 0'
if [ -b "$disk" ]; then
  assert_fail $D --device "$disk" bb sh -c "mkdir -p /m && mount -o ro $disk /m"
  assert_match 'denied|not permitted' "$SV_OUT" "the host's disk ($disk) cannot be mounted"
fi

# A read-only volume stays read-only: no write, no remount.
vol=$SV_TEST_TMP/private/vol
mkdir -p "$vol" && chmod 700 "$SV_TEST_TMP/private" && echo host >"$vol/file"
assert_fail $D -v "$vol:/v:ro" bb sh -c 'echo inside > /v/file'
assert_fail $D -v "$vol:/v:ro" bb sh -c 'mount -o remount,bind,rw /v && echo inside > /v/file'
assert_fail $D -v "$vol:/v:ro" bb sh -c 'mount --bind /v /mnt && mount -o remount,bind,rw /mnt && echo inside > /mnt/file'
assert_eq host "$(cat "$vol/file")" "the read-only volume's file is untouched"

# The host's clock.
assert_fail $D bb /sv-probe try settimeofday
assert_match 'error EPERM' "$SV_OUT" "the host's clock cannot be set"

# Another container's processes: not visible, not signalled.
a=$(sv_docker run -d --runtime=sysvisor-runc --network none bb sleep 3171)
sv_on_exit "sv_docker rm -f $a >/dev/null 2>&1"
hostpid=$(sv_docker inspect -f '{{.State.Pid}}' "$a")
assert_ok $D bb sh -c "ps -o args; ls /proc | grep -c '^[0-9]'; kill -0 $hostpid 2>&1 || echo no-such-process"
[[ $SV_OUT != *"sleep 3171"* ]] || sv_fail "another container's process is visible: $SV_OUT"
assert_match 'no-such-process' "$SV_OUT" "another container's init (host pid $hostpid) cannot be signalled"
assert_eq true "$(sv_docker inspect -f '{{.State.Running}}' "$a")" "the other container still runs"
echo "syscont-security: ok"
