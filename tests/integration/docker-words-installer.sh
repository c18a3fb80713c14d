#!/bin/bash
# docker-words-installer: `./data/install.sh --docker-only --daemon-json FILE` does only the
# registration (issue 19, item 3):
#  - it runs no apt-get, dpkg-query, meson or ninja (fakes first in PATH record any call);
#  - it registers sysvisor-runc in FILE, the --config-file of a private dockerd, and reloads
#    that dockerd (docker info shows the runtime);
#  - it signals no other dockerd: not one that reads /etc/docker/daemon.json, not one whose
#    --config-file is another file with the same contents, not one in another mount namespace
#    whose --config-file has the same path but is another file there;
#  - --uninstall --docker-only --daemon-json FILE removes it again.
# The installer changes host files: the test runs in a throwaway copy of the host
# (tests/lib/host-sandbox.sh).  It never runs the full install (tests/integration/install.sh).
set -euo pipefail
. "$(dirname "$0")/../lib/host-sandbox.sh"
sv_host_sandbox "$@"
. "$(dirname "$0")/../lib/common.sh"
. "$SV_LIB_DIR/docker.sh"
sv_require_root
sv_require_cmd jq pgrep
unset SYSVISOR_DOCKER_DAEMON_JSON

INSTALL=$SV_SRC_ROOT/data/install.sh
T=$SV_TEST_TMP
prefix=$T/prefix
mkdir -p "$prefix/sbin" "$T/fakebin" "$T/other"
printf '#!/bin/sh\nexec %q "$@"\n' "$SV_RUNC" >"$prefix/sbin/sysvisor-runc"
chmod 755 "$prefix/sbin/sysvisor-runc"
for tool in apt-get apt dpkg-query meson ninja; do
  printf '#!/bin/sh\necho "%s $*" >>%q\nexit 1\n' "$tool" "$T/calls" >"$T/fakebin/$tool"
  chmod 755 "$T/fakebin/$tool"
done

sv_docker_start || sv_skip "dockerd cannot start"
cp "$SV_DOCKER_CONFIG" "$T/other/daemon.json"
mkdir -p "$T/nsdir"
cp "$SV_DOCKER_CONFIG" "$T/nsdir/$(basename "$SV_DOCKER_CONFIG")"

# Three stand-ins named dockerd (pgrep -x dockerd finds them): one reads /etc/docker/daemon.json,
# one a copy of the private daemon's file, one (in its own mount namespace, as a dockerd in a
# container) the same path, which there is another file.  Each records the SIGHUPs it gets.
cat >"$T/fakebin/dockerd" <<EOF
#!/bin/bash
trap 'echo hup >>"$T/hup-\$SV_FAKE"' HUP
echo ready >"$T/ready-\$SV_FAKE"
while :; do sleep 1 & wait \$! || true; done
EOF
chmod 755 "$T/fakebin/dockerd"
SV_FAKE=default setsid "$T/fakebin/dockerd" </dev/null >/dev/null 2>&1 &
fake1=$!
SV_FAKE=copy setsid "$T/fakebin/dockerd" --config-file "$T/other/daemon.json" </dev/null >/dev/null 2>&1 &
fake2=$!
SV_FAKE=ns setsid unshare -m --propagation private sh -c 'mount --bind "$1" "$2" && shift 2 && exec "$@"' sh \
  "$T/nsdir" "$(dirname "$SV_DOCKER_CONFIG")" "$T/fakebin/dockerd" --config-file "$SV_DOCKER_CONFIG" \
  </dev/null >/dev/null 2>&1 &
fake3=$!
sv_on_exit "kill $fake1 $fake2 $fake3 2>/dev/null || true"
sv_wait_until 10 test -e "$T/ready-default" -a -e "$T/ready-copy" -a -e "$T/ready-ns" ||
  sv_fail "the stand-in dockerds did not start"
assert_match "^$fake1\$" "$(pgrep -x dockerd | grep -x "$fake1" || true)" "pgrep -x dockerd finds a stand-in"

rc=0
out=$(PATH=$T/fakebin:$PATH "$INSTALL" --docker-only --prefix "$prefix" --daemon-json "$SV_DOCKER_CONFIG" 2>&1) || rc=$?
sv_log "install.sh --docker-only printed: $out"
assert_eq 0 "$rc" "install.sh --docker-only --daemon-json FILE: $out"
assert_eq "" "$(cat "$T/calls" 2>/dev/null || true)" "--docker-only runs no apt-get, dpkg-query, meson or ninja"
assert_eq "$prefix/sbin/sysvisor-runc" "$(jq -r '.runtimes["sysvisor-runc"].path' "$SV_DOCKER_CONFIG")" \
  "the runtime is registered in the file named by --daemon-json"
assert_match "dockerd \(pid $(cat "$SV_DOCKER_PIDFILE")\) reloaded $SV_DOCKER_CONFIG" "$out" \
  "the dockerd that reads that file is reloaded"
assert_eq true "$(sv_docker info --format '{{json .Runtimes}}' | jq 'has("sysvisor-runc")')" \
  "docker info shows the runtime"
sleep 0.5
assert_file_absent "$T/hup-default" "a dockerd that reads /etc/docker/daemon.json is left alone"
assert_file_absent "$T/hup-copy" "a dockerd that reads another file with the same contents is left alone"
assert_file_absent "$T/hup-ns" "a dockerd whose --config-file path is another file in its mount namespace is left alone"
if grep -q sysvisor-runc /etc/docker/daemon.json 2>/dev/null; then
  sv_fail "/etc/docker/daemon.json was changed: $(cat /etc/docker/daemon.json)"
fi

# Bad input: one line with the fix.
rc=0
out=$("$INSTALL" --docker-only --prefix "$T/nowhere" --daemon-json "$SV_DOCKER_CONFIG" 2>&1) || rc=$?
assert_ne 0 "$rc" "--docker-only without an installed sysvisor-runc fails"
assert_match "^sysvisor-install: $T/nowhere/sbin/sysvisor-runc is not installed: run ./data/install.sh first" "$out" \
  "and says what to run"
rc=0
out=$("$INSTALL" --docker-only --daemon-json 2>&1) || rc=$?
assert_ne 0 "$rc" "--daemon-json without a file fails"

rc=0
out=$("$INSTALL" --uninstall --docker-only --daemon-json "$SV_DOCKER_CONFIG" 2>&1) || rc=$?
assert_eq 0 "$rc" "uninstall --docker-only --daemon-json FILE: $out"
assert_eq null "$(jq -r '.runtimes["sysvisor-runc"]' "$SV_DOCKER_CONFIG")" "the runtime is unregistered"
assert_eq false "$(sv_docker info --format '{{json .Runtimes}}' | jq 'has("sysvisor-runc")')" \
  "docker info no longer shows it"
assert_file_absent "$T/hup-default" "still no signal to the other dockerds"
assert_file_absent "$T/hup-ns" "still no signal to the dockerd of another mount namespace"
sv_log "ok: --docker-only registers, in the named daemon.json only, and reloads only its dockerd"
