#!/bin/bash
# install: the README's first command on this machine, as a user runs it, then what the
# install promises, then its undoing.
#
#   ./data/install.sh   (from the source tree: deps, build in build-install/, install in
#                        /usr/local, sysvisor user and ids, sysvisor-fs, Docker registration)
#   -> sysvisor-runc check passes; the units pass systemd-analyze verify; their ExecStart /
#      ExecReload work as systemd would run them (Type=forking readiness, the README's sed
#      recipe for --log-level debug, reload = restart in place); the example bundle runs in a
#      terminal; /etc/docker/daemon.json gained runtimes.sysvisor-runc and kept the rest;
#   -> with a private dockerd: the installer registers the runtime in its daemon.json and
#      reloads it (SIGHUP); `docker run --runtime=sysvisor-runc --rm --hostname my_cont IMAGE`
#      works; --default-runtime makes plain `docker run` a system container, and unregistering
#      undoes it; a dockerd restarted with --userns-remap=default runs it in Docker's range;
#   -> a private containerd: `ctr run --runc-binary /usr/local/sbin/sysvisor-runc` works;
#   -> daemon.json edge cases through SYSVISOR_DOCKER_DAEMON_JSON (missing, other runtimes and
#      keys, invalid, not an object, a symlink, its mode, re-runs);
#   -> ./data/install.sh --uninstall leaves no file, user, subordinate ids, daemon.json entry,
#      daemon or mount behind (file lists compared).
#
# The host is never touched: the test runs in a throwaway copy of it (tests/lib/host-sandbox.sh:
# overlays on /etc, /usr/local, /var/lib, /var/log and the source tree, a fresh /run, its own pid
# namespace), so an install found here is neither stopped nor changed, and whatever the test
# leaves is dropped with the sandbox.  An install visible in the copy is uninstalled there first,
# so the install under test starts from a machine without Sysvisor.  The private daemons see
# their own files through plugins.conf settings (the system's Docker needs none: its files are
# the defaults).
set -euo pipefail
. "$(dirname "$0")/../lib/host-sandbox.sh"
sv_host_sandbox "$@"
. "$(dirname "$0")/../lib/common.sh"
. "$SV_LIB_DIR/docker.sh"
. "$(dirname "$0")/containerd-lib.sh"
sv_require_root
sv_require_cmd jq script systemd-analyze meson dpkg-query setsid
# as a user runs it: none of the settings meson gives tests (build-tree plugins and such)
unset SYSVISOR_PLUGIN_DIR SYSVISOR_LIB_DIR SYSVISOR_PLUGINS_CONF SYSVISOR_DOCKER_DAEMON_JSON

INSTALL=$SV_SRC_ROOT/data/install.sh
DJ=/etc/docker/daemon.json
CONF=/etc/sysvisor/plugins.conf
SBIN=/usr/local/sbin
UNITS=/usr/local/lib/systemd/system
MNT=/var/lib/sysvisorfs

installed() { [ -x "$SBIN/sysvisor-runc" ] || getent passwd sysvisor >/dev/null; }

# ---- what the machine looks like (for the before/after comparison)
snapshot() {
  {
    find /usr/local /etc -xdev 2>/dev/null
    find /var/lib /var/log /run -maxdepth 1 -name '*sysvisor*' ! -name sysvisor-tests 2>/dev/null
    find /var/lib/sysvisor /var/lib/sysvisorfs /run/sysvisor-fs /run/sysvisor-runc -xdev 2>/dev/null || true
  } | grep -v -e '^/etc/ld.so.cache' | sort -u
  echo "user: $(getent passwd sysvisor || true)"
  echo "group: $(getent group sysvisor || true)"
  echo "subuid: $(grep '^sysvisor:' /etc/subuid /etc/subgid 2>/dev/null || true)"
  echo "daemon.json: $(jq -cS . "$DJ" 2>/dev/null || echo absent)"
  echo "mount: $(awk -v m="$MNT" '$5 == m' /proc/self/mountinfo)"
  echo "daemon: $(grep -lx "mountpoint=$MNT" /run/sysvisor-fs/*.lock 2>/dev/null | xargs -r sed -n 's/^pid=//p' | xargs -r ps -o pid= -p || true)"
  echo "unit: $(systemctl is-enabled sysvisor.service 2>/dev/null || true)"
}

if installed; then
  sv_log "an install is visible in the sandbox: uninstalling it there first (the host keeps it)"
  out=$("$INSTALL" --uninstall --force 2>&1) || sv_fail "uninstalling the install seen in the sandbox failed: $out"
fi
snapshot >"$SV_TEST_TMP/before.txt"
dj_before=$(jq -cS . "$DJ" 2>/dev/null || echo absent)

# ==== the README's first command (its install part), as a user runs it
sv_log "running ./data/install.sh"
(cd "$SV_SRC_ROOT" && ./data/install.sh) >"$SV_TEST_TMP/install.log" 2>&1 ||
  sv_fail "./data/install.sh failed: $(tail -n 40 "$SV_TEST_TMP/install.log")"
log=$(cat "$SV_TEST_TMP/install.log")
assert_match 'sysvisor-runc check:' "$log" "the installer runs sysvisor-runc check"
assert_match '    ok  kernel: ' "$log" "... and prints it"
for f in sysvisor-runc sysvisor-fs; do assert_file_exists "$SBIN/$f"; done
assert_file_exists "$UNITS/sysvisor.service"
assert_file_exists "$UNITS/sysvisor-fs.service"
assert_eq ../sysvisor-fs.service "$(readlink "$UNITS/sysvisor.service.wants/sysvisor-fs.service")" \
  "sysvisor-fs.service is in sysvisor.service.wants/"
assert_eq "/usr/local/include/sysvisor/plugin.h" "$(ls /usr/local/include/sysvisor/plugin.h)" "the plugin SDK header"
assert_eq 1 "$(ls /usr/local/lib/*/pkgconfig/sysvisor-plugin.pc 2>/dev/null | wc -l)" "the plugin SDK's pkg-config file"
assert_file_exists "$CONF"
assert_match "^sysvisor:[0-9]+:268435456$" "$(grep '^sysvisor:' /etc/subuid)" "subordinate uids of sysvisor"
assert_eq "$(grep '^sysvisor:' /etc/subuid)" "$(grep '^sysvisor:' /etc/subgid)" "the same subordinate gids"
if [ -d /run/systemd/system ]; then
  assert_eq active "$(systemctl is-active sysvisor.service)" "sysvisor.service runs"
else
  assert_match 'systemd is not running this host: started sysvisor-fs directly' "$log" \
    "without systemd, the installer says it started sysvisor-fs itself"
  assert_eq enabled "$(systemctl is-enabled sysvisor.service 2>/dev/null)" "sysvisor.service enabled for a boot with systemd"
fi
assert_ok "$SBIN/sysvisor-runc" check
sv_log "sysvisor-runc check:"$'\n'"$SV_OUT"
assert_match 'ok  sysvisor-fs: fuse-procfs: fuse.sysvisor-fs is mounted on /var/lib/sysvisorfs' "$SV_OUT"
if [ -e "$DJ" ]; then
  assert_eq "$SBIN/sysvisor-runc" "$(jq -r '.runtimes["sysvisor-runc"].path' "$DJ")" "registered in $DJ"
  if [ "$dj_before" != absent ]; then
    assert_eq "$dj_before" "$(jq -cS 'del(.runtimes["sysvisor-runc"]) | if .runtimes == {} then del(.runtimes) else . end' "$DJ")" \
      "the rest of $DJ is kept"
  fi
fi
# Re-running it (an upgrade) changes nothing and restarts sysvisor-fs in place
fs_pid() { grep -lx "mountpoint=$MNT" /run/sysvisor-fs/*.lock | xargs sed -n 's/^pid=//p'; }
fs_gen() { grep -lx "mountpoint=$MNT" /run/sysvisor-fs/*.lock | xargs sed -n 's/^generation=//p'; }
pid0=$(fs_pid) gen0=$(fs_gen) dj_installed=$(jq -cS . "$DJ" 2>/dev/null || echo absent)
(cd "$SV_SRC_ROOT" && ./data/install.sh --no-deps) >"$SV_TEST_TMP/install2.log" 2>&1 ||
  sv_fail "a second ./data/install.sh failed: $(tail -n 30 "$SV_TEST_TMP/install2.log")"
if [ ! -d /run/systemd/system ]; then
  assert_eq "$pid0" "$(fs_pid)" "an upgrade keeps sysvisor-fs's pid"
  [ "$(fs_gen)" -gt "$gen0" ] || sv_fail "an upgrade did not restart sysvisor-fs in place (generation $gen0 -> $(fs_gen))"
fi
assert_eq "$dj_installed" "$(jq -cS . "$DJ" 2>/dev/null || echo absent)" "a re-run leaves daemon.json as it was"
assert_eq 1 "$(grep -c '^sysvisor:' /etc/subuid)" "a re-run adds no second range"

# ==== the units
assert_ok systemd-analyze verify "$UNITS/sysvisor.service" "$UNITS/sysvisor-fs.service"
assert_eq "" "$SV_OUT" "systemd-analyze verify says nothing about the units"
assert_eq "ExecStart=$SBIN/sysvisor-fs --log /var/log/sysvisor-fs.log --pid-file /run/sysvisor-fs/sysvisor-fs.pid" "$(grep '^ExecStart=' "$UNITS/sysvisor-fs.service")"
assert_eq "ExecReload=$SBIN/sysvisor-fs --restart" "$(grep '^ExecReload=' "$UNITS/sysvisor-fs.service")"
assert_eq "Type=forking" "$(grep '^Type=' "$UNITS/sysvisor-fs.service")"
assert_eq "PartOf=sysvisor.service" "$(grep '^PartOf=' "$UNITS/sysvisor-fs.service")" "restart/stop of sysvisor.service reach sysvisor-fs"
assert_eq "PropagatesReloadTo=sysvisor-fs.service" "$(grep '^PropagatesReloadTo=' "$UNITS/sysvisor.service")"
# The user guide's recipe, on a copy of the unit (systemd would read the edited file)
unit=$SV_TEST_TMP/units/sysvisor-fs.service
mkdir -p "${unit%/*}"
cp "$UNITS/sysvisor-fs.service" "$UNITS/sysvisor.service" "${unit%/*}/"
sed -i '/^ExecStart/ s/$/ --log-level debug/' "$unit"
assert_eq "ExecStart=$SBIN/sysvisor-fs --log /var/log/sysvisor-fs.log --pid-file /run/sysvisor-fs/sysvisor-fs.pid --log-level debug" "$(grep '^ExecStart=' "$unit")"
assert_ok systemd-analyze verify "$unit"
# ... and its command lines run as systemd runs them: (restart) stop the daemon, run ExecStart
# (Type=forking: it returns once the filesystem is mounted), then ExecReload (same pid).
read -ra start_cmd <<<"$(sed -n 's/^ExecStart=//p' "$unit")"
read -ra reload_cmd <<<"$(sed -n 's/^ExecReload=//p' "$unit")"
pid=$(fs_pid)
kill -TERM "$pid"
sv_wait_until 10 bash -c "! kill -0 $pid" || sv_fail "sysvisor-fs $pid did not stop"
assert_eq "" "$(awk -v m="$MNT" '$5 == m' /proc/self/mountinfo)" "a stop unmounts"
assert_ok "${start_cmd[@]}"
assert_match " - fuse.sysvisor-fs " "$(awk -v m="$MNT" '$5 == m' /proc/self/mountinfo)" "ExecStart returns with the filesystem mounted"
pid=$(fs_pid) gen=$(fs_gen)
{ echo 1 >"$MNT/proc/sys/kernel/panic"; } 2>/dev/null || true   # refused to the host: logged at debug
sv_wait_until 5 grep -q ': debug: ' /var/log/sysvisor-fs.log || sv_fail "--log-level debug from the unit: no debug line in the log"
assert_ok "${reload_cmd[@]}"
assert_eq "$pid" "$(fs_pid)" "ExecReload keeps the daemon's pid"
[ "$(fs_gen)" -gt "$gen" ] || sv_fail "ExecReload did not restart sysvisor-fs in place"
assert_match "^$SBIN/sysvisor-fs --log /var/log/sysvisor-fs.log --pid-file /run/sysvisor-fs/sysvisor-fs.pid --log-level debug( |$)" \
  "$(ps -o args= -p "$pid")" "the restarted daemon keeps the unit's flags"

# ==== the example bundle, in a terminal (its spec asks for one)
# stdin stays open until the shell has exited: a closed stdin makes script(1) end the session
# early and lose the end of the output on a busy host.
typescript=$SV_TEST_TMP/example.out
mkfifo "$SV_TEST_TMP/example.in"
script -qefc "$SBIN/sysvisor-runc run --bundle /var/lib/sysvisor/example $SV_ID-example" "$typescript" \
  <"$SV_TEST_TMP/example.in" >/dev/null 2>&1 &
example_pid=$!
# a shell that never exits must not leave its container (and its cgroup, which is the host's)
sv_on_exit "kill $example_pid 2>/dev/null; for rt in '$SBIN/sysvisor-runc' '$SV_RUNC'; do [ -x \"\$rt\" ] && \"\$rt\" delete --force '$SV_ID-example' >/dev/null 2>&1 && break; done; true"
exec 7>"$SV_TEST_TMP/example.in"
sv_wait_until 30 grep -q 'Script started' "$typescript" || sv_fail "script(1) did not start: $(cat "$typescript")"
sleep 1
printf 'id -u; cat /proc/self/uid_map; exit 7\r' >&7
sv_wait_until 60 bash -c "! kill -0 $example_pid" ||
  { kill "$example_pid"; sv_fail "the example's shell did not exit: $(cat "$typescript")"; }
wait "$example_pid" && rc=0 || rc=$?
exec 7>&-
out=$(cat "$typescript")
assert_eq 7 "$rc" "the example's shell exit status comes back: $out"
assert_match $'\n0\r?\n' "$out" "root in the example container"
assert_match ' +0 +[1-9][0-9]* +65536' "$out" "the example runs in an exclusive range, not the identity map"

# ==== Docker: a private dockerd, registered by the installer
sv_docker_start || sv_skip "dockerd cannot start here"
sv_docker_import_busybox bb || sv_fail "cannot import the busybox image"
# Docker's own files (hosts, resolv.conf) live under its data root, as /var/lib/docker for the
# system's Docker: name it (the system's Docker needs no such line)
sed -i "/^\[idmapped-mounts\]/a docker-data-root = $SV_DOCKER_DATA" "$CONF"
sed -i "/^\[idmap-dockerremap\]/a docker-daemon-json = $SV_DOCKER_CONFIG\ndocker-data-root = $SV_DOCKER_DATA" "$CONF"
runtimes() { sv_docker info --format '{{json .Runtimes}}' | jq -r 'keys | join(" ")'; }
default_runtime() { sv_docker info --format '{{.DefaultRuntime}}'; }
has_runtime() { [[ " $(runtimes) " == *" sysvisor-runc "* ]]; }
docker_only() {   # docker_only [ARGS...]: the installer, on the private daemon's daemon.json
  SYSVISOR_DOCKER_DAEMON_JSON=$SV_DOCKER_CONFIG "$INSTALL" --no-deps --docker-only "$@" >"$SV_TEST_TMP/docker-only.log" 2>&1 ||
    sv_fail "install.sh --docker-only $*: $(cat "$SV_TEST_TMP/docker-only.log")"
  cat "$SV_TEST_TMP/docker-only.log" >&2
}
docker_only
assert_match "dockerd \(pid $(cat "$SV_DOCKER_PIDFILE")\) reloaded" "$(cat "$SV_TEST_TMP/docker-only.log")" "the installer reloads the dockerd that reads this daemon.json"
sv_wait_until 10 has_runtime || sv_fail "dockerd did not pick sysvisor-runc up on SIGHUP: $(runtimes)"
assert_ok sv_docker run --runtime=sysvisor-runc --rm --network none --hostname my_cont bb hostname
assert_eq my_cont "$SV_OUT" "docker run --runtime=sysvisor-runc --rm --hostname my_cont IMAGE hostname"
assert_ok sv_docker run --runtime=sysvisor-runc --rm --network none bb sh -c 'cat /proc/self/uid_map; stat -c %u:%g /bin/busybox'
assert_match '^ +0 +[1-9][0-9]* +65536' "$SV_OUT" "a system container: an exclusive range"
assert_match $'\n0:0$' "$SV_OUT" "container root owns the image"
assert_eq runc "$(default_runtime)" "runc is still Docker's default"
# --default-runtime: plain docker run gives a system container
docker_only --default-runtime
assert_match "dockerd \(pid $(cat "$SV_DOCKER_PIDFILE")\) reloaded" "$(cat "$SV_TEST_TMP/docker-only.log")" "the reload shows the new default runtime"
is_default() { [ "$(default_runtime)" = sysvisor-runc ]; }
sv_wait_until 10 is_default || sv_fail "default-runtime not reloaded: $(default_runtime)"
assert_ok sv_docker run --rm --network none --hostname my_cont bb sh -c 'hostname; cat /proc/self/uid_map'
assert_match $'^my_cont\n +0 +[1-9][0-9]* +65536' "$SV_OUT" "docker run without --runtime is a system container"
SYSVISOR_DOCKER_DAEMON_JSON=$SV_DOCKER_CONFIG assert_ok "$SBIN/sysvisor-runc" check
assert_match "ok  docker runtime: $SV_DOCKER_CONFIG: runtimes.sysvisor-runc = $SBIN/sysvisor-runc; default runtime: sysvisor-runc" "$SV_OUT"
# and unregistering undoes it
SYSVISOR_DOCKER_DAEMON_JSON=$SV_DOCKER_CONFIG "$INSTALL" --uninstall --docker-only >/dev/null
not_default() { [ "$(default_runtime)" = runc ]; }
sv_wait_until 10 not_default || sv_fail "default-runtime still $(default_runtime) after unregistering"
! has_runtime || sv_fail "dockerd still knows sysvisor-runc after unregistering: $(runtimes)"
assert_ok sv_docker run --rm --network none bb cat /proc/self/uid_map
assert_match '^ +0 +0 +4294967295' "$SV_OUT" "runc again: the identity map"
assert_eq "" "$(jq -c '.runtimes // {} | keys[]' "$SV_DOCKER_CONFIG")" "no runtime left in the private daemon.json"
sv_docker_stop "$SV_DOCKER_EXEC" "$SV_DOCKER_DATA"

# ---- Docker with userns-remap: the installed runtime, no change but plugins.conf pointing at
# this daemon's files
sv_docker_start --userns-remap default --runtime-name "sysvisor-runc=$SBIN/sysvisor-runc" ||
  sv_skip "dockerd --userns-remap=default cannot start here"
sed -i -e "s|^docker-data-root = .*|docker-data-root = $SV_DOCKER_DATA|" \
       -e "s|^docker-daemon-json = .*|docker-daemon-json = $SV_DOCKER_CONFIG|" "$CONF"
sv_docker_import_busybox bb || sv_fail "cannot import the busybox image (remap)"
read -r remap_uid < <(awk -F: '$1 == "dockremap" { print $2; exit }' /etc/subuid)
[ -n "$remap_uid" ] || sv_fail "no dockremap entry in /etc/subuid"
assert_ok sv_docker run --runtime=sysvisor-runc --rm --network none --hostname my_cont bb sh -c 'hostname; cat /proc/self/uid_map'
assert_match $'^my_cont\n +0 +'"$remap_uid"' +[0-9]+' "$SV_OUT" "with userns-remap: Docker's range"
SYSVISOR_DOCKER_DAEMON_JSON=$SV_DOCKER_CONFIG assert_ok "$SBIN/sysvisor-runc" check
assert_match 'ok  docker userns-remap: enabled \("default"\).*idmap-dockerremap' "$SV_OUT"
sv_docker_stop "$SV_DOCKER_EXEC" "$SV_DOCKER_DATA"
sed -i -e '/^docker-data-root = /d' -e '/^docker-daemon-json = /d' "$CONF"

# ==== containerd: ctr run with the installed runtime (and the installed plugins.conf)
sv_containerd_start || sv_skip "containerd cannot start here"
sv_containerd_import_busybox || sv_fail "cannot import the busybox image into containerd"
assert_ok timeout 120 "$SV_CTR" --address "$SV_CTR_SOCK" -n "$SV_CTR_NS" run --rm \
  --runtime io.containerd.runc.v2 --runc-binary "$SBIN/sysvisor-runc" --runc-root "$SV_CTR_RUNC_ROOT" \
  --fifo-dir "$SV_CTR_STATE/fifo" "$SV_CTR_IMAGE" "$SV_ID-ctr" \
  sh -c 'cat /proc/self/uid_map; grep -c " /proc/uptime .* - fuse.sysvisor-fs " /proc/self/mountinfo'
assert_match $'^ +0 +[1-9][0-9]* +65536\n1$' "$SV_OUT" "ctr run: an exclusive range, /proc/uptime from sysvisor-fs"

# ==== daemon.json edge cases, on files of our own
e=$SV_TEST_TMP/dj
mkdir -p "$e"
reg() {   # reg FILE [ARGS...]: register into FILE; SV_RC its status
  local f=$1; shift
  SV_RC=0
  SYSVISOR_DOCKER_DAEMON_JSON=$f "$INSTALL" --no-deps --docker-only "$@" >"$e/out" 2>&1 || SV_RC=$?
}
reg "$e/missing.json"
assert_eq 0 "$SV_RC" "a missing daemon.json: $(cat "$e/out")"
assert_eq "{\"runtimes\":{\"sysvisor-runc\":{\"path\":\"$SBIN/sysvisor-runc\"}}}" "$(jq -c . "$e/missing.json")" "a missing daemon.json is created"
printf '{\n  "log-level": "warn",\n  "runtimes": {"crun": {"path": "/usr/bin/crun", "runtimeArgs": ["--debug"]}},\n  "default-runtime": "crun"\n}\n' >"$e/full.json"
chmod 600 "$e/full.json"
reg "$e/full.json"
reg "$e/full.json"
assert_eq '{"default-runtime":"crun","log-level":"warn","runtimes":{"crun":{"path":"/usr/bin/crun","runtimeArgs":["--debug"]},"sysvisor-runc":{"path":"'"$SBIN"'/sysvisor-runc"}}}' \
  "$(jq -cS . "$e/full.json")" "other runtimes and keys are kept, twice is once"
assert_eq 600 "$(stat -c %a "$e/full.json")" "its mode is kept"
SYSVISOR_DOCKER_DAEMON_JSON=$e/full.json "$INSTALL" --uninstall --docker-only >/dev/null
assert_eq '{"default-runtime":"crun","log-level":"warn","runtimes":{"crun":{"path":"/usr/bin/crun","runtimeArgs":["--debug"]}}}' \
  "$(jq -cS . "$e/full.json")" "unregistering removes ours only (another default runtime stays)"
echo '{"log-level": "warn",' >"$e/bad.json"
reg "$e/bad.json"
assert_ne 0 "$SV_RC" "an invalid daemon.json is refused"
assert_match "is not valid JSON" "$(cat "$e/out")"
assert_eq '{"log-level": "warn",' "$(cat "$e/bad.json")" "and left as it was"
echo '["runtimes"]' >"$e/array.json"
reg "$e/array.json"
assert_ne 0 "$SV_RC" "a daemon.json that is not an object is refused"
assert_eq '["runtimes"]' "$(cat "$e/array.json")"
echo '{}' >"$e/target.json"
ln -s target.json "$e/link.json"
reg "$e/link.json" --default-runtime
assert_eq target.json "$(readlink "$e/link.json")" "a symlinked daemon.json stays a symlink"
assert_eq sysvisor-runc "$(jq -r '.["default-runtime"]' "$e/target.json")" "its target is edited"
: >"$e/empty.json"
reg "$e/empty.json"
assert_eq 0 "$SV_RC" "an empty daemon.json is taken as {}"

# ==== uninstall: nothing left
(cd "$SV_SRC_ROOT" && ./data/install.sh --uninstall) >"$SV_TEST_TMP/uninstall.log" 2>&1 ||
  sv_fail "./data/install.sh --uninstall failed: $(cat "$SV_TEST_TMP/uninstall.log")"
snapshot >"$SV_TEST_TMP/after.txt"
diff -u "$SV_TEST_TMP/before.txt" "$SV_TEST_TMP/after.txt" >&2 ||
  sv_fail "the machine after --uninstall differs from before the install (see the diff above)"
assert_file_absent "$SBIN/sysvisor-runc"
assert_eq "" "$(getent passwd sysvisor || true)" "no sysvisor user"
assert_eq "" "$(grep '^sysvisor:' /etc/subuid /etc/subgid || true)" "no subordinate ids"
if [ -e "$DJ" ]; then
  assert_eq null "$(jq '.runtimes["sysvisor-runc"]' "$DJ")" "no daemon.json entry"
fi
assert_eq "" "$(awk -v m="$MNT" '$5 == m' /proc/self/mountinfo)" "no sysvisor-fs mount"
sv_log "ok: install, check, units, example, Docker (default runtime, userns-remap), containerd, uninstall"
