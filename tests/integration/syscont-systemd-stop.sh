#!/bin/bash
# syscont-systemd-stop: a Debian image whose init is systemd (/sbin/init, a link to
# /lib/systemd/systemd) boots under plain `docker run --runtime=sysvisor-runc`, and `docker
# stop` (SIGTERM, which systemd ignores as PID 1) reaches it as SIGRTMIN+3, its shutdown
# request: the container stops cleanly well before the 10 s timeout, exit code 0.  An init
# that is not systemd still gets SIGTERM as it is (sysvisor-runc kill), and so does systemd with
# the annotation io.sysvisor.systemd-stop=false.
set -eu
. "$(dirname "$0")/../lib/common.sh"
. "$SV_LIB_DIR/runtime.sh"
. "$SV_LIB_DIR/docker.sh"
sv_require_root
sv_require_runtime
sv_require_probe
sv_require_cmd dockerd jq

# Not systemd: SIGTERM stays SIGTERM.
sv_use_plugins auto auto none
sv_use_exclusive_ids
b=$SV_TEST_TMP/b
sv_core_bundle "$b" /sv-probe signal-wait
sv_rt_bg run -d --bundle "$b" "$SV_ID-sig"
assert_ok sv_rt kill "$SV_ID-sig" TERM
stopped() { [ "$(sv_state_field "$SV_ID-sig" status)" = stopped ]; }
sv_wait_until 10 stopped || sv_fail "the probe did not stop on SIGTERM"
assert_match 'got SIGTERM' "$(cat "$SV_TEST_TMP/bg.out")" "a non-systemd init gets SIGTERM itself"
assert_ok sv_rt delete "$SV_ID-sig"

sv_docker_start_sysvisor || sv_skip "dockerd cannot start here"
sv_docker_import_debian deb --systemd || sv_skip "no Debian systemd image (debootstrap cache)"

c=$SV_ID-systemd
assert_ok sv_docker run -d --name "$c" --runtime=sysvisor-runc --network none deb
sv_on_exit "sv_docker rm -f $c >/dev/null 2>&1"
booted() { [[ $(sv_docker exec "$c" systemctl is-system-running 2>/dev/null) =~ ^(running|degraded)$ ]]; }
sv_wait_until 60 booted || sv_fail "systemd did not boot: $(sv_docker exec "$c" systemctl is-system-running 2>&1 || true); $(sv_docker logs "$c" 2>&1 | tail -n 20)"
cfg=$(find "$SV_DOCKER_EXEC" -path "*$(sv_docker inspect -f '{{.Id}}' "$c")*" -name config.json | head -n1)
sv_log "annotations Docker passes: $(jq -c '.annotations // {}' "$cfg" 2>/dev/null)"

start=$(date +%s%N)
assert_ok sv_docker stop "$c"
ms=$((($(date +%s%N) - start) / 1000000))
sv_log "docker stop of a systemd container took $ms ms"
code=$(sv_docker inspect -f '{{.State.ExitCode}}' "$c")
assert_eq 0 "$code" "docker stop: systemd shut down cleanly (exit code)"
[ "$ms" -lt 5000 ] || sv_fail "docker stop took $ms ms (SIGTERM did not reach systemd as its shutdown request)"
echo "syscont-systemd-stop: ok"
