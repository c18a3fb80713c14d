#!/bin/bash
# procfs-immutable-systemd: systemd boots in a system container whose initial mounts are
# immutable (procfs = fuse-procfs, immutable-mounts = yes by default) and no unit fails over
# it: its services' sandboxing (ProtectSystem=, PrivateTmp=, ... in their own mount
# namespaces) makes stricter remounts and binds, and its credentials are built on a mount over
# /dev/shm in a private namespace, which all stay allowed; `docker stop` shuts it
# down cleanly (its unmount-everything pass meets EPERM on the runtime's mounts, and goes on).
set -eu
. "$(dirname "$0")/procfs-lib.sh"
. "$SV_LIB_DIR/docker.sh"
sv_require_cmd dockerd jq

procfs_start_daemon
procfs_use_plugins
sv_docker_start_sysvisor || sv_skip "dockerd cannot start here"
sv_docker_import_debian deb --systemd || sv_skip "no Debian systemd image (debootstrap cache)"

c=$SV_ID-imm-systemd
assert_ok sv_docker run -d --name "$c" --runtime=sysvisor-runc --network none --memory 256m deb
sv_on_exit "sv_docker rm -f $c >/dev/null 2>&1"
booted() { [[ $(sv_docker exec "$c" systemctl is-system-running 2>/dev/null) =~ ^(running|degraded)$ ]]; }
sv_wait_until 60 booted || sv_fail "systemd did not boot: $(sv_docker exec "$c" systemctl is-system-running 2>&1 || true); $(sv_docker logs "$c" 2>&1 | tail -n 20)"
# (debugfs and tracefs cannot be mounted in a user namespace: those two fail in any case)
failed=$(sv_docker exec "$c" systemctl --failed --no-legend --plain 2>&1 |
  grep -vE '^sys-kernel-(debug|tracing)\.mount ' || true)
sv_log "state: $(sv_docker exec "$c" systemctl is-system-running 2>&1 || true); failed units: ${failed:-none}"
[ -z "$failed" ] || sv_fail "units failed with immutable mounts: $failed; refused: $(grep -i refused "$PROCFS_LOG" | tail -n 20) $(sv_docker exec "$c" journalctl -b --no-pager -p err 2>&1 | tail -n 20)"
assert_fail sv_docker exec "$c" umount /proc/meminfo
assert_match 'MemTotal: +262144 kB' "$(sv_docker exec "$c" cat /proc/meminfo)" "the view stays"
start=$(date +%s%N)
assert_ok sv_docker stop "$c"
ms=$((($(date +%s%N) - start) / 1000000))
assert_eq 0 "$(sv_docker inspect -f '{{.State.ExitCode}}' "$c")" "docker stop: systemd shut down cleanly"
sv_log "ok: systemd boots with no failed unit and stops in $ms ms"
