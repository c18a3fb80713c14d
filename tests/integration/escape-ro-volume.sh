#!/bin/bash
# escape-ro-volume: a read-only volume (`-v SRC:DST:ro`) stays read-only whatever seccomp
# profile the user picks: the attack is `mount -o remount,bind,rw` (root inside holds
# CAP_SYS_ADMIN of its user namespace), then a write that would land in the host's SRC.
# Docker's default profile (widened) refuses the remount (syscont-security checks it); here:
# --cap-add SYS_ADMIN (Docker allows mount in its profile then) and seccomp=unconfined.
#
# KNOWN OPEN (exits 77 with the reason): with seccomp=unconfined nothing refuses the remount.
# The kernel locks a mount's read-only flag only when the mount is copied into a mount
# namespace of a less privileged user namespace; the runtime makes the volume's bind mount
# inside the container's own mount namespace, so the flag is not locked.  Closing it means
# preparing the mounts in a namespace owned by host root and handing the container a copy
# (the lock then comes from the kernel), or a seccomp rule that stays even with unconfined.
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
wrapper=$(sv_runtime_wrapper)
sv_docker_start --runtime-name "sysvisor-runc=$wrapper" || sv_skip "dockerd cannot start here"
sv_docker_import_busybox bb
printf '\n[shiftfs]\ndocker-data-root = %s\n' "$SV_DOCKER_DATA" >>"$SYSVISOR_PLUGINS_CONF"
D="sv_docker run --runtime=sysvisor-runc --network none --rm"

vol=$SV_TEST_TMP/private/vol
mkdir -p "$vol" && chmod 700 "$SV_TEST_TMP/private" && echo host >"$vol/file"
attack='mount -o remount,bind,rw /v 2>/dev/null && echo remounted; echo inside >/v/file 2>/dev/null && echo WROTE; true'

assert_ok $D --cap-add SYS_ADMIN -v "$vol:/v:ro" bb sh -c "$attack"
[[ $SV_OUT != *WROTE* ]] || sv_fail "--cap-add SYS_ADMIN: the :ro volume was written: $SV_OUT"
assert_eq host "$(cat "$vol/file")" "--cap-add SYS_ADMIN: the host's file is untouched"

assert_ok $D --security-opt seccomp=unconfined -v "$vol:/v:ro" bb sh -c "$attack"
out=$SV_OUT
if [[ $out == *WROTE* ]] || [ "$(cat "$vol/file")" != host ]; then
  echo host >"$vol/file"
  sv_skip "KNOWN OPEN: with --security-opt seccomp=unconfined a :ro volume is remounted rw and the host's file written ($out); see the header of $0"
fi
assert_eq host "$(cat "$vol/file")" "seccomp=unconfined: the host's file is untouched"
echo "escape-ro-volume: ok"
