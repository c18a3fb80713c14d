#!/bin/bash
# docker-words-refusals: what a Docker user reads when sysvisor-runc refuses a bind mount.
# A private dockerd (its own --data-root and --config-file) runs sysvisor-runc with shift =
# shiftfs; plugins.conf names NO docker-data-root and no docker-daemon-json, so the runtime must
# find the data root of the dockerd that made the container itself (issue 19, items 1 and 2):
#  - `docker run -v SRC:/b` with SRC owned by 1000:1000 prints one line that starts with the
#    mount as typed (bind mount -v SRC:/b refused), keeps the rule and the fix, and puts the
#    OCI index and the plugin last, never a plugin name first;
#  - Docker's own bind mounts (hosts, hostname, resolv.conf under that data root) and a named
#    volume owned by 1000 pass, as files under the data root of the dockerd that made them.
set -euo pipefail
. "$(dirname "$0")/idmapped-mounts-lib.sh"
. "$SV_LIB_DIR/docker.sh"

shiftfs_setup    # no docker-data-root, no docker-daemon-json
wrapper=$SV_TEST_TMP/sysvisor-runc-wrapper
cat >"$wrapper" <<EOF
#!/bin/sh
export SYSVISOR_PLUGINS_CONF='$SYSVISOR_PLUGINS_CONF'
export SYSVISOR_PLUGIN_DIR='$SYSVISOR_PLUGIN_DIR'
export SYSVISOR_LIB_DIR='$SYSVISOR_LIB_DIR'
exec '$SV_RUNC' "\$@"
EOF
chmod 755 "$wrapper"
sv_docker_start --runtime-name "sysvisor-runc=$wrapper" || sv_skip "dockerd cannot start"
case $SV_DOCKER_DATA in /var/lib/docker|/var/lib/docker/*) sv_fail "the private daemon uses /var/lib/docker" ;; esac
sv_docker_import_busybox bb || sv_fail "cannot import the busybox image"
# (Docker 20.10 sets ping_group_range to gids a user namespace cannot map: name one it maps)
run=(run --rm --runtime sysvisor-runc --network none --sysctl "net.ipv4.ping_group_range=0 0"
     --security-opt no-new-privileges)

# 1. A bind source owned by 1000:1000, in the words of docker run.
src=$(shiftfs_private_dir mine)
chown 1000:1000 "$src"
rc=0
out=$(sv_docker "${run[@]}" -v "$src:/b" bb true 2>&1) || rc=$?
sv_log "docker run printed: $out"
assert_ne 0 "$rc" "docker run with a bind source owned by 1000:1000 fails"
# (the client may add its own 'level=error msg="error waiting for container..."' after it)
assert_eq 1 "$(grep -vc '^time=.* msg="error waiting for container' <<<"$out")" "docker prints one line"
out=$(grep '^docker:' <<<"$out")
esc=$(sed 's/[][\.*^$/]/\\&/g' <<<"$src")
assert_match "^docker: Error response from daemon: .*OCI runtime create failed: bind mount -v $esc:/b refused: $esc is owned by 1000:1000, but with Docker userns-remap disabled a bind source must be owned by root:root; fix: chown root:root $esc \(or use a Docker volume\) \(mounts\[[0-9]+\]\) \[plugin idmapped-mounts\]: unknown\.\$" \
  "$out" "the refusal names -v SRC:DST first, then the rule and the fix, the OCI index last"
if grep -qE "failed: (shiftfs|idmapped-mounts|idmap-[a-z]+|fuse-procfs|mounts\[)" <<<"$out"; then
  sv_fail "a plugin name comes first: $out"
fi
assert_eq "" "$(sv_docker ps -aq)" "no container is left"

# 2. Docker's own files and a named volume owned by 1000: under the data root of the dockerd
#    that made the container (found without docker-data-root in plugins.conf).
sv_docker volume create "$SV_ID-v" >/dev/null
voldir=$(sv_docker volume inspect -f '{{.Mountpoint}}' "$SV_ID-v")
chown 1000:1000 "$voldir"
rc=0
out=$(sv_docker "${run[@]}" --hostname words -v "$SV_ID-v:/v" bb \
        sh -c 'cat /etc/hostname; grep -c . /etc/hosts >/dev/null && echo hosts; stat -c %u:%g /v' 2>&1) || rc=$?
assert_eq 0 "$rc" "Docker's own bind mounts and a named volume pass: $out"
assert_eq $'words\nhosts\n1000:1000' "$out" "hostname, hosts and the volume are mounted"
sv_docker volume rm "$SV_ID-v" >/dev/null
sv_log "ok: the refusal reads in Docker's words; the private dockerd's data root was found"
