#!/bin/bash
# Docker with --userns-remap=default and sysvisor-runc as a runtime: plugins.conf says
# idmap = auto, which picks idmap-dockerremap for Docker's specs (they carry the mappings);
# the container runs in Docker's range (dockremap's subordinate ids), files it creates in its
# rootfs are owned on the host by the remap uid, Docker's own bind mounts (hosts, resolv.conf,
# hostname, named volumes) pass the bind-mount rule, and a bind mount whose source is owned by
# host root is refused with the chown fix.
#
# sysvisor-runc gets its settings through a wrapper script in the test's temp dir (dockerd
# runs the runtime with its own environment).  dockerd --userns-remap=default adds the dockremap
# user and its subordinate ids to /etc when they are missing: the test runs in a throwaway copy
# of the host (tests/lib/host-sandbox.sh), so the host's /etc is never changed.  Skipped (77)
# only when dockerd cannot start.
set -euo pipefail
. "$(dirname "$0")/../lib/host-sandbox.sh"
sv_host_sandbox "$@"
. "$(dirname "$0")/idmap-lib.sh"
. "$SV_LIB_DIR/docker.sh"

# dockerd adds the dockremap user and its entries itself when they are missing (a fresh
# machine): they are read once it runs
wrapper=$IDMAP_DIR/sysvisor-runc
cat >"$wrapper" <<EOF
#!/bin/sh
# sysvisor-runc as dockerd runs it for this test
export SYSVISOR_PLUGINS_CONF='$SYSVISOR_PLUGINS_CONF'
export SYSVISOR_PLUGIN_DIR='$SYSVISOR_PLUGIN_DIR'
export SYSVISOR_LIB_DIR='$SYSVISOR_LIB_DIR'
exec '$SV_RUNC' "\$@"
EOF
chmod 755 "$wrapper"

sv_docker_start --runtime-name "sysvisor-runc=$wrapper" --userns-remap default ||
  sv_skip "dockerd (--userns-remap=default) cannot start here; see the log above"
remap_uid=$(awk -F: '$1 == "dockremap" { print $2; exit }' /etc/subuid)
remap_count=$(awk -F: '$1 == "dockremap" { print $3; exit }' /etc/subuid)
remap_gid=$(awk -F: '$1 == "dockremap" { print $2; exit }' /etc/subgid)
[ -n "$remap_uid" ] && [ -n "$remap_gid" ] || sv_fail "dockerd runs with userns-remap but /etc/subuid has no dockremap entry"
sv_log "Docker's remap range: dockremap $remap_uid:$remap_count (gid $remap_gid)"

cat >"$SYSVISOR_PLUGINS_CONF" <<EOF
[sysvisor]
idmap = auto
shift = auto
procfs = none

[idmap-dockerremap]
docker-daemon-json = $SV_DOCKER_CONFIG
docker-data-root = $SV_DOCKER_DATA
EOF
sv_docker_import_busybox bb || sv_fail "cannot import the busybox image"

# a container writes a file into its rootfs and keeps running
cid=$(sv_docker run -d --runtime sysvisor-runc --network none --name "$SV_ID-r1" bb \
        sh -c 'echo hi >/created-by-container && cat /proc/self/uid_map && sleep 600') ||
  sv_fail "docker run --runtime sysvisor-runc failed"
has_logs() { [ -n "$(sv_docker logs "$1" 2>/dev/null)" ]; }
sv_wait_until 20 has_logs "$cid" || true
pid=$(sv_docker inspect -f '{{.State.Pid}}' "$cid")
[ "$pid" -gt 0 ] || sv_fail "container has no pid: $(sv_docker inspect -f '{{json .State}}' "$cid")"
assert_eq "0 $remap_uid $remap_count" "$(idmap_host_uid_map "$pid")" "uid_map is Docker's range"
assert_eq "0 $remap_gid $remap_count" "$(idmap_host_gid_map "$pid")" "gid_map is Docker's range"
assert_eq "0 $remap_uid $remap_count" "$(sv_docker logs "$cid" 2>&1 | awk '{ print $1, $2, $3; exit }')" \
  "the container sees Docker's range"
assert_eq "$remap_uid" "$(stat -c %u "/proc/$pid")" "container root is the remap uid on the host"
upper=$(sv_docker inspect -f '{{.GraphDriver.Data.UpperDir}}' "$cid")
sv_wait_until 10 test -e "$upper/created-by-container" || sv_fail "no /created-by-container in $upper"
assert_eq "$remap_uid:$remap_gid" "$(stat -c %u:%g "$upper/created-by-container")" \
  "a file the container created is owned by the remap uid:gid on the host"
assert_file_absent "$IDMAP_STORE" "no exclusive range was allocated"
sv_docker rm -f "$cid" >/dev/null

# bind mounts: Docker's named volume passes; a host-root-owned source is refused with the fix
vol=$SV_TEST_TMP/hostdir
mkdir -p "$vol"
chown 0:0 "$vol"
rc=0
err=$(sv_docker run --rm --runtime sysvisor-runc --network none -v "$vol:/data" bb true 2>&1) || rc=$?
assert_ne 0 "$rc" "a bind source owned by host root is refused"
sv_log "refused as expected: $err"
assert_match "must be owned by the remap uid:gid $remap_uid:$remap_gid" "$err" "the rule is named"
assert_match "chown $remap_uid:$remap_gid $vol" "$err" "the fix is named"

chown "$remap_uid:$remap_gid" "$vol"
echo from-host >"$vol/f"
out=$(sv_docker run --rm --runtime sysvisor-runc --network none -v "$vol:/data" -v "$SV_ID-named:/named" bb \
        sh -c 'cat /data/f && echo ok >/named/x && cat /named/x') ||
  sv_fail "remap-owned bind source and a named volume were refused: $out"
assert_eq "from-host
ok" "$out" "remap-owned bind source and a named volume work"
sv_log "ok: Docker's remap range used, files owned by the remap uid, bind rule applied"
