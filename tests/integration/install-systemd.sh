#!/bin/bash
# install-systemd: the systemd units under a real systemd.  This machine's PID 1 is not
# systemd, so the units go into a Debian container whose PID 1 is systemd (a private dockerd,
# runc), with the built sysvisor-runc and sysvisor-fs at the units' paths.  There:
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
. "$(dirname "$0")/../lib/common.sh"
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

sv_docker_start || sv_skip "dockerd cannot start here"
sv_docker_import_debian deb --systemd || sv_skip "no Debian systemd image (debootstrap cache)"
c=$SV_ID-systemd
sv_docker run -d --name "$c" --network none --cap-add SYS_ADMIN --device /dev/fuse \
  --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
  --tmpfs /run --tmpfs /run/lock --tmpfs /var/lib/sysvisor:mode=0700 \
  -v /sys/fs/cgroup:/sys/fs/cgroup:rw --cgroupns host \
  deb /sbin/init >/dev/null || sv_skip "a systemd container cannot run here"
inside() { sv_docker exec "$c" "$@"; }
booted() { [[ $(inside systemctl is-system-running 2>/dev/null) =~ ^(running|degraded)$ ]]; }
sv_wait_until 60 booted || sv_skip "systemd does not boot in a container here: $(inside systemctl is-system-running 2>&1 || true)"

# The built binaries at the units' paths, with the libraries the image lacks.
inside mkdir -p "$sbindir" "$unitdir/sysvisor.service.wants"
sv_docker cp "$FS" "$c:$sbindir/sysvisor-fs"
sv_docker cp "$SV_RUNC" "$c:$sbindir/sysvisor-runc"
for lib in $(ldd "$FS" "$SV_RUNC" "$(command -v jq)" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u); do
  real=$(readlink -f "$lib")
  inside test -e "$lib" && continue
  sv_docker cp "$real" "$c:$(dirname "$lib")/" && { [ "$real" = "$lib" ] || inside ln -sf "$(basename "$real")" "$lib"; }
done
inside ldconfig
sv_docker cp "$BUILD/data/sysvisor.service" "$c:$unitdir/"
sv_docker cp "$BUILD/data/sysvisor-fs.service" "$c:$unitdir/"
inside ln -s ../sysvisor-fs.service "$unitdir/sysvisor.service.wants/sysvisor-fs.service"

mounted() { inside awk '$5 == "/var/lib/sysvisorfs" && / - fuse\.sysvisor-fs / { f = 1 } END { exit !f }' /proc/self/mountinfo; }
main_pid() { inside systemctl show -p MainPID --value sysvisor-fs.service; }
generation() { inside sh -c 'cat /run/sysvisor-fs/*.lock' | sed -n 's/^generation=//p'; }

# enable --now: both units, the mount in place when systemctl returns (Type=forking)
assert_ok inside systemctl daemon-reload
assert_ok inside systemctl enable --now sysvisor.service
mounted || sv_fail "sysvisor-fs's filesystem is not mounted when systemctl start returns"
assert_eq active "$(inside systemctl is-active sysvisor.service)" "sysvisor.service"
assert_eq active "$(inside systemctl is-active sysvisor-fs.service)" "sysvisor-fs.service (wanted by sysvisor.service)"
assert_eq enabled "$(inside systemctl is-enabled sysvisor.service)"
assert_match '^[0-9.]+ [0-9.]+$' "$(inside cat /var/lib/sysvisorfs/proc/uptime)" "sysvisor-fs serves"
pid1=$(main_pid)
assert_eq "$sbindir/sysvisor-fs --log /var/log/sysvisor-fs.log" "$(inside ps -o args= -p "$pid1")" "systemd tracks the daemon"

# the user guide's recipe, as written
assert_ok inside sed -i '/^ExecStart/ s/$/ --log-level debug/' "$unitdir/sysvisor-fs.service"
assert_ok inside systemctl daemon-reload
assert_ok inside systemctl restart sysvisor
pid2=$(main_pid)
assert_ne "$pid1" "$pid2" "restart of sysvisor.service restarts sysvisor-fs"
assert_eq "$sbindir/sysvisor-fs --log /var/log/sysvisor-fs.log --log-level debug" "$(inside ps -o args= -p "$pid2")" \
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
sv_docker cp "$BUILD/data/sysvisor-fs.service" "$c:$unitdir/"   # as installed, without the recipe
inside mkdir -p "$plugindir" /src/data
for so in "$BUILD"/plugins/*/*.so; do sv_docker cp "$so" "$c:$plugindir/"; done
inside chown -R 0:0 "$plugindir"
sv_docker cp "$SV_SRC_ROOT/data/install.sh" "$c:/src/data/install.sh"
sv_docker cp "$SV_SRC_ROOT/data/plugins.conf" "$c:/src/data/plugins.conf"
sv_docker cp "$(command -v jq)" "$c:/usr/bin/jq"
sv_docker cp /bin/busybox "$c:/bin/busybox"
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
