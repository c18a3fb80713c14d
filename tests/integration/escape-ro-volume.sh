#!/bin/bash
# escape-ro-volume: a read-only volume (`-v SRC:DST:ro`) stays read-only whatever seccomp
# profile the user picks: the attack is `mount -o remount,bind,rw` (root inside holds
# CAP_SYS_ADMIN of its user namespace), then a write that would land in the host's SRC.
# Docker's default profile (widened) refuses the remount (syscont-security checks it); here:
# --cap-add SYS_ADMIN (Docker allows mount in its profile then) and seccomp=unconfined, with
# procfs = fuse-procfs (the default): sysvisor-fs's syscall supervisor traps the remount
# whatever the profile and refuses it on a read-only mount.
#
# With procfs = none (no supervisor) and seccomp=unconfined, the runtime's own flat rule (a bind
# remount without read-only: EPERM), loaded in every container process
# that has no supervisor whatever the client's profile, refuses it.  (The kernel locks a
# mount's read-only flag only when the mount is copied into a mount namespace of a less
# privileged user namespace; the runtime makes the volume's bind mount inside the container's
# own mount namespace, so the flag is not locked by the kernel.)  Also through `exec`.
# KNOWN OPEN there: mount_setattr(2) clearing MOUNT_ATTR_RDONLY (its attributes are behind a
# pointer no filter can read, and a runtime nested inside needs mount_setattr to ID-map).
set -eu
. "$(dirname "$0")/procfs-lib.sh"
. "$SV_LIB_DIR/runtime.sh"
. "$SV_LIB_DIR/docker.sh"
sv_require_root
sv_require_runtime
sv_require_probe
sv_require_cmd dockerd jq

procfs_start_daemon
sv_use_plugins auto auto fuse-procfs "[fuse-procfs]" "mountpoint = $PROCFS_MNT"
sv_use_exclusive_ids
sv_docker_start_sysvisor || sv_skip "dockerd cannot start here"
sv_docker_import_busybox bb
D="sv_docker run --runtime=sysvisor-runc --network none --rm"

vol=$SV_TEST_TMP/private/vol
mkdir -p "$vol" && chmod 700 "$SV_TEST_TMP/private" && echo host >"$vol/file"
attack='mount -o remount,bind,rw /v 2>/dev/null && echo remounted; echo inside >/v/file 2>/dev/null && echo WROTE; true'

assert_ok $D --cap-add SYS_ADMIN -v "$vol:/v:ro" bb sh -c "$attack"
[[ $SV_OUT != *WROTE* ]] || sv_fail "--cap-add SYS_ADMIN: the :ro volume was written: $SV_OUT"
assert_eq host "$(cat "$vol/file")" "--cap-add SYS_ADMIN: the host's file is untouched"

assert_ok $D --security-opt seccomp=unconfined -v "$vol:/v:ro" bb sh -c "$attack"
[[ $SV_OUT != *WROTE* ]] || sv_fail "seccomp=unconfined (fuse-procfs): the :ro volume was written: $SV_OUT"
assert_eq host "$(cat "$vol/file")" "seccomp=unconfined: the host's file is untouched"

# procfs = none: no supervisor; the flat rule
sed -i 's/^procfs = fuse-procfs$/procfs = none/' "$SYSVISOR_PLUGINS_CONF"
assert_ok $D --security-opt seccomp=unconfined -v "$vol:/v:ro" bb sh -c "$attack"
[[ $SV_OUT != *WROTE* ]] || sv_fail "procfs = none, seccomp=unconfined: the :ro volume was written: $SV_OUT"
[[ $SV_OUT != *remounted* ]] || sv_fail "procfs = none, seccomp=unconfined: the remount succeeded: $SV_OUT"
assert_eq host "$(cat "$vol/file")" "procfs = none, seccomp=unconfined: the host's file is untouched"
name=sv-rovol-$$
assert_ok sv_docker run -d --name "$name" --runtime=sysvisor-runc --network none \
  --security-opt seccomp=unconfined -v "$vol:/v:ro" bb sleep 60
sv_on_exit sv_docker rm -f "$name"
assert_ok sv_docker exec "$name" sh -c "$attack"
[[ $SV_OUT != *WROTE* ]] || sv_fail "procfs = none, seccomp=unconfined, docker exec: the :ro volume was written: $SV_OUT"
assert_eq host "$(cat "$vol/file")" "procfs = none, docker exec: the host's file is untouched"
echo "escape-ro-volume: ok"
