#!/bin/bash
# docker-words-remap: a dockerd with --userns-remap=default, its own --data-root and its own
# --config-file (as sv_docker_start makes it), and a plugins.conf that names neither
# docker-data-root nor docker-daemon-json: sysvisor-runc finds the data root of the dockerd
# that made the container from the container's own paths (issue 19, item 2):
#  - Docker's own bind mounts (hosts, hostname, resolv.conf, owned by host root under
#    DATA_ROOT/UID.GID/containers/ID) and a named volume pass;
#  - a bind source owned by host root is refused in Docker's words, and the refusal names that
#    daemon's data root (not /var/lib/docker) as the exempt one.
# dockerd --userns-remap=default adds dockremap to /etc: the test runs in a throwaway copy of
# the host (tests/lib/host-sandbox.sh).
set -euo pipefail
. "$(dirname "$0")/../lib/host-sandbox.sh"
sv_host_sandbox "$@"
. "$(dirname "$0")/idmap-lib.sh"
. "$SV_LIB_DIR/docker.sh"

wrapper=$IDMAP_DIR/sysvisor-runc
cat >"$wrapper" <<EOF
#!/bin/sh
export SYSVISOR_PLUGINS_CONF='$SYSVISOR_PLUGINS_CONF'
export SYSVISOR_PLUGIN_DIR='$SYSVISOR_PLUGIN_DIR'
export SYSVISOR_LIB_DIR='$SYSVISOR_LIB_DIR'
exec '$SV_RUNC' "\$@"
EOF
chmod 755 "$wrapper"
cat >"$SYSVISOR_PLUGINS_CONF" <<EOF
[sysvisor]
idmap = auto
shift = auto
procfs = none
EOF

sv_docker_start --runtime-name "sysvisor-runc=$wrapper" --userns-remap default ||
  sv_skip "dockerd (--userns-remap=default) cannot start here; see the log above"
case $SV_DOCKER_DATA in /var/lib/docker|/var/lib/docker/*) sv_fail "the private daemon uses /var/lib/docker" ;; esac
remap_uid=$(awk -F: '$1 == "dockremap" { print $2; exit }' /etc/subuid)
remap_gid=$(awk -F: '$1 == "dockremap" { print $2; exit }' /etc/subgid)
[ -n "$remap_uid" ] && [ -n "$remap_gid" ] || sv_fail "no dockremap entry in /etc/subuid"
sv_docker_import_busybox bb || sv_fail "cannot import the busybox image"
run=(run --rm --runtime sysvisor-runc --network none)

# Docker's own files and a named volume pass: found under the data root of their dockerd.
rc=0
out=$(sv_docker "${run[@]}" --hostname remapwords -v "$SV_ID-named:/named" bb \
        sh -c 'cat /etc/hostname && echo ok >/named/x && cat /named/x' 2>&1) || rc=$?
assert_eq 0 "$rc" "docker run with Docker's own bind mounts and a named volume: $out"
assert_eq $'remapwords\nok' "$out" "hostname and the named volume are mounted"

# A source owned by host root: refused, naming the data root of this dockerd.
vol=$SV_TEST_TMP/hostdir
mkdir -p "$vol"
rc=0
out=$(sv_docker "${run[@]}" -v "$vol:/data" bb true 2>&1) || rc=$?
sv_log "docker run printed: $out"
assert_ne 0 "$rc" "a bind source owned by host root is refused"
out=$(grep '^docker:' <<<"$out")
esc() { sed 's/[][\.*^$/]/\\&/g' <<<"$1"; }
assert_match "OCI runtime create failed: bind mount -v $(esc "$vol"):/data refused: $(esc "$vol") is owned by 0:0, but with Docker userns-remap a bind source must be owned by the remap uid:gid $remap_uid:$remap_gid \(the host ids of container root; files under Docker's data root $(esc "$SV_DOCKER_DATA") are exempt\); fix: chown $remap_uid:$remap_gid $(esc "$vol") \(mounts\[[0-9]+\]\) \[plugin idmap-dockerremap\]" \
  "$out" "the refusal names the mount as typed and the data root of the dockerd that made it"
sv_docker volume rm "$SV_ID-named" >/dev/null
sv_log "ok: the data root of a dockerd started with --data-root is found from its container"
