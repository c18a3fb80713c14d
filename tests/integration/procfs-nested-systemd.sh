#!/bin/bash
# procfs-nested-systemd: with sysvisor-fs's syscall supervisor trapping every mount(2) that
# creates a filesystem (procfs-nested.sh), a Debian container whose init is systemd still
# boots under `docker run --runtime=sysvisor-runc --memory 256m` (systemd's own tmpfs, mqueue,
# ... mounts run as the kernel makes them; no mount unit fails but the two the kernel refuses
# in a user namespace), and util-linux's `unshare -p -f --mount-proc`
# inside shows the container's 256 MiB, not the host's memory.
set -eu
. "$(dirname "$0")/procfs-lib.sh"
. "$SV_LIB_DIR/docker.sh"
sv_require_cmd dockerd

procfs_start_daemon
sv_use_plugins auto auto fuse-procfs "[fuse-procfs]" "mountpoint = $PROCFS_MNT"
sv_use_exclusive_ids
sv_docker_start_sysvisor || sv_skip "dockerd cannot start here"
sv_docker_import_debian deb --systemd || sv_skip "no Debian systemd image (debootstrap cache)"

c=$SV_ID-systemd
assert_ok sv_docker run -d --name "$c" --runtime=sysvisor-runc --network none --memory 256m deb
sv_on_exit "sv_docker rm -f $c >/dev/null 2>&1"
booted() { [[ $(sv_docker exec "$c" systemctl is-system-running 2>/dev/null) =~ ^(running|degraded)$ ]]; }
sv_wait_until 60 booted || sv_fail "systemd did not boot: $(sv_docker exec "$c" systemctl is-system-running 2>&1 || true); $(sv_docker exec "$c" systemctl --failed --no-legend 2>&1 || true)"
# debugfs and tracefs are refused by the kernel in a user namespace (with or without the
# supervisor); every other mount unit must come up.
assert_ok sv_docker exec "$c" systemctl --failed --no-legend --plain
sv_log "failed units: ${SV_OUT:-none}"
assert_eq "" "$(awk '$1 ~ /\.mount$/ && $1 != "sys-kernel-debug.mount" && $1 != "sys-kernel-tracing.mount"' <<<"$SV_OUT")" \
  "failed mount units"
assert_ok sv_docker exec "$c" findmnt -n -o FSTYPE /run
assert_eq tmpfs "$SV_OUT" "/run is systemd's tmpfs"

assert_ok sv_docker exec "$c" unshare -p -f --mount-proc sh -c 'grep MemTotal /proc/meminfo; cut -d. -f1 /proc/uptime'
assert_match '^MemTotal: +262144 kB'$'\n''[0-9]$' "$SV_OUT" "util-linux unshare --mount-proc: the container's MemTotal, a new uptime"
sv_log "ok: systemd boots with new mounts trapped; a nested /proc has the emulated files"
