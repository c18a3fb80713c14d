#!/bin/bash
# syscont-docker-in-docker: Docker inside a system container.  A Debian image with docker.io
# runs under `docker run --runtime=sysvisor-runc`; its dockerd finds /var/lib/docker on a
# host-backed, ID-mapped directory where overlay works, so it picks the overlay2 storage
# driver; an inner busybox image runs (`docker run --rm --network none bb echo hi`) and a small
# Dockerfile builds; the inner images land in <lib dir>/storage/<id>, not in the container's
# own upper layer.  An inner container started with --memory 64m sees that limit in its
# /proc/meminfo, and its own uptime.
#
# The outer container runs with plain flags (root inside gets its user namespace's capabilities
# and a widened seccomp profile) and procfs = fuse-procfs, the default: sysvisor-fs's syscall
# supervisor lets inner runc remount its binds (refusing only what would make a read-only mount
# writable).  SV_DIND_FLAGS adds docker run flags for an experiment.
#
# The Debian + docker.io image is built once per machine (debootstrap, ~3 min) and cached.
set -eu
. "$(dirname "$0")/procfs-lib.sh"   # a private sysvisor-fs: /proc files and the syscall supervisor
. "$SV_LIB_DIR/runtime.sh"
. "$SV_LIB_DIR/docker.sh"
. "$SV_LIB_DIR/debian-rootfs.sh"
sv_require_root
sv_require_runtime
sv_require_cmd dockerd jq

read -r -a flags <<<"${SV_DIND_FLAGS:-}"
procfs_start_daemon
sv_use_plugins auto auto fuse-procfs "[fuse-procfs]" "mountpoint = $PROCFS_MNT"
sv_use_exclusive_ids
sv_docker_start_sysvisor || sv_skip "dockerd cannot start here"
store=$SYSVISOR_LIB_DIR/storage
img=${SV_ID,,}-dind
SV_DEBIAN_EXTRA=docker.io sv_docker_import_debian "$img" || sv_fail "cannot import the Debian image with docker.io"
bbtar=$(sv_busybox_tarball) || sv_fail "no busybox tarball"

# /run is a tmpfs, as on any booted system: the inner dockerd's and containerd's pid files
# and sockets do not outlive a restart (a stale pid file names some other process then).
cid=$(sv_docker run -d --runtime=sysvisor-runc --network none "${flags[@]}" --tmpfs /run \
        --name "$SV_ID-dind" "$img" sleep infinity)
inside() { sv_docker exec "$cid" "$@"; }
show_logs() {
  echo "--- inner dockerd log (tail):" >&2
  inside tail -n 30 /var/log/dockerd.log >&2 || true
}

# The inner dockerd, with no network of its own to set up.
inside sh -c 'dockerd --bridge=none --iptables=false --ip6tables=false >/var/log/dockerd.log 2>&1 &'
inner_up() { inside docker info >/dev/null 2>&1; }
wait_inner() {   # (each try is a docker exec: count seconds, not tries)
  local end=$((SECONDS + 60))
  until inner_up; do [ "$SECONDS" -lt "$end" ] || return 1; sleep 0.5; done
}
wait_inner || { show_logs; sv_fail "the inner dockerd did not answer within 60 s"; }

assert_ok inside docker info --format '{{.Driver}}'
assert_eq overlay2 "$SV_OUT" "the inner dockerd's storage driver"

# An inner busybox image (from the host's busybox) runs in an inner container.
sv_docker cp "$bbtar" "$cid:/bb.tar"
assert_ok inside docker import --change 'CMD ["sh"]' /bb.tar bb
t0=$(date +%s%N)
out=$(inside docker run --rm --network none bb echo hi 2>&1) || { show_logs; sv_fail "inner docker run failed: $out"; }
assert_eq hi "$out" "an inner container runs"
sv_log "inner docker run --rm: $(( ($(date +%s%N) - t0) / 1000000 )) ms"

# The inner container's /proc is the inner container's: its own memory limit (sysvisor-fs's
# files bound over the procfs inner runc mounts), its own uptime.
out=$(inside docker run --rm --network none --memory 64m bb sh -c 'grep MemTotal /proc/meminfo; cut -d. -f1 /proc/uptime' 2>&1) ||
  { show_logs; sv_fail "inner docker run --memory 64m failed: $out"; }
assert_match '^MemTotal: +65536 kB'$'\n''[0-9]$' "$out" "an inner container's MemTotal (its 64 MiB limit) and uptime (seconds)"

# docker build of a tiny Dockerfile (a RUN step, and a file removed: a whiteout).
inside sh -c 'mkdir -p /ctx && printf "FROM bb\nRUN echo built >/built && rm /etc/group\n" >/ctx/Dockerfile'
out=$(inside docker build --network none -t bb-built /ctx 2>&1) || { show_logs; sv_fail "inner docker build failed: $out"; }
assert_ok inside docker run --rm --network none bb-built sh -c 'cat /built; ls /etc/group 2>&1 || true'
assert_match $'^built\n.*No such file' "$SV_OUT" "the built image: the RUN step's file, the removed file"

# The inner images are in the host-backed directory, as overlay2 layers; not in the
# container's upper layer.
assert_match '^[0-9]+$' "$(ls "$store/$cid/var/lib/docker/overlay2" | wc -l)" "inner layers"
[ "$(ls "$store/$cid/var/lib/docker/overlay2" | wc -l)" -ge 3 ] \
  || sv_fail "too few inner layers in $store/$cid/var/lib/docker/overlay2"
upper=$(sv_docker inspect -f '{{.GraphDriver.Data.UpperDir}}' "$cid")
assert_eq "" "$(ls -A "$upper/var/lib/docker" 2>/dev/null)" "the container's upper layer has no inner data"

# Inner data survives a restart of the outer container; removal frees it.
sv_log "restarting the outer container"
assert_ok sv_docker restart -t 2 "$cid"
sv_log "restarted"
inside sh -c 'dockerd --bridge=none --iptables=false --ip6tables=false >/var/log/dockerd.log 2>&1 &'
wait_inner || { show_logs; sv_fail "the inner dockerd did not come back"; }
assert_ok inside docker image ls --format '{{.Repository}}'
assert_match 'bb-built' "$SV_OUT" "inner images after docker restart"
assert_ok sv_docker rm -f "$cid"
sv_log "removed"
assert_ok sv_rt gc
assert_file_absent "$store/$cid" "inner data after docker rm + gc"
