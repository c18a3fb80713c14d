#!/bin/bash
# install-systemd: the systemd units under a real systemd.  This machine's PID 1 is not
# systemd, so the units go into a Debian container whose PID 1 is systemd: a system container
# (a private dockerd running the built sysvisor-runc), so systemd gets its own cgroup namespace,
# delegated subtree and /sys/fs/cgroup and never touches a host-global mount (systemd remounts
# the /sys/fs/cgroup tmpfs read-only once booted: handed the host's, it would turn the host's
# read-only).  The built sysvisor-runc and sysvisor-fs go to the units' paths.  There:
#   systemctl enable --now sysvisor     -> sysvisor.service and (wanted) sysvisor-fs.service
#                                          active, the filesystem mounted once it returns
#   the user guide's recipe: sed -i '/^ExecStart/ s/$/ --log-level debug/' sysvisor-fs.service,
#   systemctl daemon-reload, systemctl restart sysvisor
#                                       -> a new sysvisor-fs with --log-level debug
#   systemctl reload sysvisor           -> sysvisor-fs restarted in place (same pid, next
#                                          generation, mount kept)
#   systemctl stop sysvisor             -> sysvisor-fs stopped, unmounted; start brings both back
# Then the installer's systemd branch, in the same container over those files (as `meson
# install` leaves them): `data/install.sh --no-deps --no-build` enables and starts
# sysvisor.service and says so, a second run reloads it (sysvisor-fs keeps its pid), and
# --uninstall disables and stops it and removes the user, the ids and the units.
set -euo pipefail
. "$(dirname "$0")/../lib/host-sandbox.sh"
sv_host_sandbox "$@"   # its own pid and mount namespaces: nothing it starts outlives it
. "$(dirname "$0")/../lib/common.sh"
. "$SV_LIB_DIR/runtime.sh"
. "$SV_LIB_DIR/docker.sh"
sv_require_root
sv_require_runtime
sv_require_cmd dockerd jq ldd

BUILD=${SV_BUILD_ROOT:-$(cd "$(dirname "$SV_RUNC")/.." && pwd)}
FS=$BUILD/plugins/fuse-procfs/sysvisor-fs
for f in "$FS" "$BUILD/data/sysvisor.service" "$BUILD/data/sysvisor-fs.service"; do
  [ -e "$f" ] || sv_skip "not built: $f"
done
sbindir=$(sed -n 's|^ExecStart=\(.*\)/sysvisor-fs .*|\1|p' "$BUILD/data/sysvisor-fs.service")
unitdir=$(sed -n "s|^#   sed -i .* \(/.*\)/sysvisor-fs.service$|\1|p" "$BUILD/data/sysvisor-fs.service")
[ -n "$sbindir" ] && [ -n "$unitdir" ] || sv_fail "cannot read the paths of the built units"

# What the container needs from the host, staged in a root-only directory and bind-mounted
# read-only (container root owns it through the ID-mapped mount; it copies it in place):
# the binaries at the units' paths, the libraries the image lacks, the units, the plugins,
# the installer.
stage=$SV_TEST_TMP/private/stage
mkdir -p "$stage/root$sbindir" "$stage/root$unitdir" "$stage/plugins" "$stage/src/data"
chmod 700 "$SV_TEST_TMP/private"
cp "$FS" "$stage/root$sbindir/sysvisor-fs"
cp "$SV_RUNC" "$stage/root$sbindir/sysvisor-runc"
for lib in $(ldd "$FS" "$SV_RUNC" "$(command -v jq)" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u); do
  mkdir -p "$stage/root$(dirname "$lib")"
  cp -L "$lib" "$stage/root$lib"
done
cp "$(command -v jq)" "$stage/jq"
cp /bin/busybox "$stage/busybox"
cp "$BUILD/data/sysvisor.service" "$BUILD/data/sysvisor-fs.service" "$stage/"
cp "$BUILD"/plugins/*/*.so "$stage/plugins/"
cp "$SV_SRC_ROOT/data/install.sh" "$SV_SRC_ROOT/data/plugins.conf" "$stage/src/data/"
chown -R 0:0 "$stage"

# sysvisor-fs inside opens /dev/fuse, which a system container gets as a bind mount of the
# host's node: udev makes it 0666 on a usual host, but a host without udev (this VM) leaves it
# 0600, which container root (not host root) cannot open.  The sandbox's /dev/fuse is a 0666
# node of its own, as udev would make it; the host's node is left alone.
mknod -m 0666 "$SV_TEST_TMP/private/fuse" c 10 229
mount --bind "$SV_TEST_TMP/private/fuse" /dev/fuse

sv_use_plugins auto auto none
sv_use_exclusive_ids
sv_docker_start_sysvisor || sv_skip "dockerd cannot start here"
sv_docker_import_debian deb --systemd || sv_skip "no Debian systemd image (debootstrap cache)"
c=$SV_ID-systemd
# seccomp=unconfined: the sysvisor-runc installed inside ID-maps mounts (its check probes
# mount_setattr), which a system container's widened profile answers with ENOSYS.
cg_before=$(awk '$5 == "/sys/fs/cgroup" { print $6 }' /proc/self/mountinfo)
sv_docker run -d --runtime sysvisor-runc --name "$c" --network none \
  --device /dev/fuse --security-opt seccomp=unconfined \
  --tmpfs /run --tmpfs /run/lock --tmpfs /var/lib/sysvisor:mode=0700 \
  -v "$stage:/stage:ro" deb /sbin/init >/dev/null || sv_fail "a systemd system container does not start"
inside() { sv_docker exec "$c" "$@"; }
booted() { [[ $(inside systemctl is-system-running 2>/dev/null) =~ ^(running|degraded)$ ]]; }
sv_wait_until 60 booted || sv_fail "systemd does not boot in a system container: $(inside systemctl is-system-running 2>&1 || true)
$(inside systemctl --failed --no-legend 2>&1 || true)"
assert_eq "$cg_before" "$(awk '$5 == "/sys/fs/cgroup" { print $6 }' /proc/self/mountinfo)" \
  "the host's /sys/fs/cgroup keeps its options while systemd runs in a container"

# The staged files in place, as container root's
inside sh -c 'cd /stage/root && find . ! -type d | while read -r f; do t=${f#.}; [ -e "$t" ] && continue; mkdir -p "${t%/*}" && cp -a "$f" "$t"; done'
inside ldconfig
inside mkdir -p "$unitdir/sysvisor.service.wants"
inside cp /stage/sysvisor.service /stage/sysvisor-fs.service "$unitdir/"
inside ln -s ../sysvisor-fs.service "$unitdir/sysvisor.service.wants/sysvisor-fs.service"

mounted() { inside awk '$5 == "/var/lib/sysvisorfs" && / - fuse\.sysvisor-fs / { f = 1 } END { exit !f }' /proc/self/mountinfo; }
main_pid() { inside systemctl show -p MainPID --value sysvisor-fs.service; }
generation() { inside sh -c 'cat /run/sysvisor-fs/*.lock' | sed -n 's/^generation=//p'; }

# enable --now: both units, the mount in place when systemctl returns (Type=forking)
assert_ok inside systemctl daemon-reload
assert_ok inside systemctl enable --now sysvisor.service
fs_status() {
  inside systemctl status --no-pager -l sysvisor-fs.service 2>&1 | tail -n 15
  inside sh -c 'mkdir -p /tmp/fsx; timeout 5 sysvisor-fs --foreground -m /tmp/fsx' 2>&1 | tail -n 5
}
mounted || sv_fail "sysvisor-fs's filesystem is not mounted when systemctl start returns: $(fs_status)"
assert_eq active "$(inside systemctl is-active sysvisor.service)" "sysvisor.service"
assert_eq active "$(inside systemctl is-active sysvisor-fs.service)" "sysvisor-fs.service (wanted by sysvisor.service)"
assert_eq enabled "$(inside systemctl is-enabled sysvisor.service)"
assert_match '^[0-9.]+ [0-9.]+$' "$(inside cat /var/lib/sysvisorfs/proc/uptime)" "sysvisor-fs serves"
pid1=$(main_pid)
assert_eq "$sbindir/sysvisor-fs --log /var/log/sysvisor-fs.log --pid-file /run/sysvisor-fs/sysvisor-fs.pid" "$(inside ps -o args= -p "$pid1")" "systemd tracks the daemon"

# the user guide's recipe, as written
assert_ok inside sed -i '/^ExecStart/ s/$/ --log-level debug/' "$unitdir/sysvisor-fs.service"
assert_ok inside systemctl daemon-reload
assert_ok inside systemctl restart sysvisor
pid2=$(main_pid)
assert_ne "$pid1" "$pid2" "restart of sysvisor.service restarts sysvisor-fs"
assert_eq "$sbindir/sysvisor-fs --log /var/log/sysvisor-fs.log --pid-file /run/sysvisor-fs/sysvisor-fs.pid --log-level debug" "$(inside ps -o args= -p "$pid2")" \
  "the restarted daemon runs with --log-level debug"
mounted || sv_fail "not mounted after the restart"
inside sh -c 'echo 1 >/var/lib/sysvisorfs/proc/sys/kernel/panic' 2>/dev/null || true
has_debug() { inside grep -q ': debug: ' /var/log/sysvisor-fs.log; }
sv_wait_until 5 has_debug || sv_fail "no debug line in the log after the recipe"

# reload: in place
gen=$(generation)
assert_ok inside systemctl reload sysvisor
assert_eq "$pid2" "$(main_pid)" "reload keeps sysvisor-fs's pid"
[ "$(generation)" -gt "$gen" ] || sv_fail "reload did not restart sysvisor-fs in place (generation $gen -> $(generation))"
assert_eq active "$(inside systemctl is-active sysvisor-fs.service)" "sysvisor-fs after reload"
mounted || sv_fail "not mounted after the reload"

# stop and start
assert_ok inside systemctl stop sysvisor
assert_eq inactive "$(inside systemctl is-active sysvisor-fs.service || true)" "stop of sysvisor.service stops sysvisor-fs"
! mounted || sv_fail "still mounted after stop"
assert_ok inside systemctl start sysvisor
assert_eq active "$(inside systemctl is-active sysvisor-fs.service)" "start of sysvisor.service starts sysvisor-fs"
mounted || sv_fail "not mounted after start"
sv_log "ok: the units start, restart (with the recipe), reload in place and stop under systemd"

# ---- the installer's systemd branch
prefix=${sbindir%/sbin}
plugindir=$(env -u SYSVISOR_PLUGIN_DIR "$SV_RUNC" plugins | sed -n 's/^plugin directory: //p')
assert_ok inside systemctl disable --now sysvisor.service
inside cp /stage/sysvisor-fs.service "$unitdir/"   # as installed, without the recipe
inside mkdir -p "$plugindir"
inside sh -c "cp /stage/plugins/*.so '$plugindir/'"
inside cp -a /stage/src /src
inside cp /stage/jq /usr/bin/jq
inside cp /stage/busybox /bin/busybox
inside rm -f /var/log/sysvisor-fs.log
installer() { inside env PATH=/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin /src/data/install.sh --no-deps --no-build --prefix "$prefix" "$@"; }
assert_ok installer
sv_log "the installer in the container:"$'\n'"$SV_OUT"
assert_match "sysvisor.service enabled and started" "$SV_OUT" "with systemd, the installer starts sysvisor.service"
assert_eq active "$(inside systemctl is-active sysvisor.service)" "sysvisor.service after the install"
assert_eq active "$(inside systemctl is-active sysvisor-fs.service)" "sysvisor-fs.service after the install"
assert_eq enabled "$(inside systemctl is-enabled sysvisor.service)"
mounted || sv_fail "not mounted after the install"
assert_match "ok  sysvisor-fs: fuse-procfs: fuse.sysvisor-fs is mounted on /var/lib/sysvisorfs" "$SV_OUT" "the installer's check sees the daemon"
pid=$(main_pid) gen=$(generation)
assert_match "is mounted on /var/lib/sysvisorfs \(daemon pid $pid\)" "$SV_OUT" \
  "the check names the daemon's pid from its lock file"
assert_ok installer
assert_match "sysvisor.service reloaded \(sysvisor-fs restarted in place\)" "$SV_OUT" "a second install reloads"
assert_eq "$pid" "$(main_pid)" "the reload keeps sysvisor-fs's pid"
[ "$(generation)" -gt "$gen" ] || sv_fail "the second install did not restart sysvisor-fs in place"
assert_ok installer --uninstall
assert_eq inactive "$(inside systemctl is-active sysvisor-fs.service || true)" "uninstall stops sysvisor-fs.service"
! mounted || sv_fail "still mounted after uninstall"
assert_fail inside systemctl is-enabled sysvisor.service
assert_fail inside test -e "$unitdir/sysvisor.service"
assert_eq "" "$(inside sh -c 'getent passwd sysvisor; grep ^sysvisor: /etc/subuid /etc/subgid' || true)" "no user or ids left"
sv_log "ok: the installer's systemd branch starts, reloads and removes the units"
