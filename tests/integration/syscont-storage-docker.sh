#!/bin/bash
# syscont-storage-docker: with Docker (its own dockerd), a system container's /var/lib/docker
# is a host directory under <lib dir>/storage/<container id>, owned by container root through
# an ID-mapped mount (on disk: plain ids, nothing chowned); its data survives `docker restart`
# and `docker stop` + `docker start` (a new range each time); after `docker rm`,
# `sysvisor-runc check` reports it and `sysvisor-runc gc` or the next container's create
# frees it: nothing is left.
set -eu
. "$(dirname "$0")/../lib/common.sh"
. "$SV_LIB_DIR/runtime.sh"
. "$SV_LIB_DIR/docker.sh"
sv_require_root
sv_require_runtime
sv_require_cmd dockerd jq

sv_use_plugins auto auto none
sv_use_exclusive_ids
sv_docker_start_sysvisor || sv_skip "dockerd cannot start here"
sv_docker_import_busybox bb
store=$SYSVISOR_LIB_DIR/storage
D="sv_docker run --runtime=sysvisor-runc --network none"

is_running() { [ "$(sv_docker inspect -f '{{.State.Running}}' "$1")" = true ]; }
init_pid() { sv_docker inspect -f '{{.State.Pid}}' "$1"; }
range_root() { awk '$1 == 0 { print $2 }' "/proc/$1/uid_map"; }

cid=$($D -d --name "$SV_ID-s" bb sleep 100000)
sv_wait_until 20 is_running "$cid" || sv_fail "container did not start: $(sv_docker logs "$cid" 2>&1)"
dir=$store/$cid/var/lib/docker
assert_ok sv_docker exec "$cid" sh -c 'echo one >/var/lib/docker/data; mkdir /var/lib/docker/d;
                                      stat -c %u:%g /var/lib/docker /var/lib/docker/data'
assert_eq $'0:0\n0:0' "$SV_OUT" "inside: /var/lib/docker and its files are container root's"
assert_match "$dir /var/lib/docker [^ ]*idmapped" "$(cat "/proc/$(init_pid "$cid")/mountinfo")" \
  "/var/lib/docker is an ID-mapped mount of $dir"
assert_eq "0:0 0:0 0:0" "$(stat -c %u:%g "$dir" "$dir/data" "$dir/d" | xargs)" \
  "on disk: plain ids, nothing chowned"
pid=$(init_pid "$cid")
r1=$(range_root "$pid")
assert_ne 0 "$r1" "the container has a range of its own"
assert_eq "$r1:$r1" "$(stat -c %u:%g "/proc/$pid/root/var/lib/docker/data")" \
  "from the host, through the container's mount: the range's root owns it"
assert_eq "" "$(find "$SV_DOCKER_DATA" -path '*/diff/var/lib/docker/*' 2>/dev/null)" \
  "nothing under /var/lib/docker lands in the container's upper layer"

# A volume of the user's at /var/lib/docker wins: not backed (the other paths still are).
assert_ok $D --rm -v "$SV_ID-vol:/var/lib/docker" bb sh -c \
  'grep -E " /var/lib/(docker|kubelet) " /proc/self/mountinfo | cut -d" " -f4,5'
assert_match "^$SV_DOCKER_DATA/volumes/$SV_ID-vol/_data /var/lib/docker"$'\n'"$store/[0-9a-f]{64}/var/lib/kubelet /var/lib/kubelet$" \
  "$SV_OUT" "the volume on /var/lib/docker, storage on /var/lib/kubelet"

# docker restart: the same id, the data is there.
assert_ok sv_docker restart -t 1 "$cid"
sv_wait_until 20 is_running "$cid" || sv_fail "container did not restart"
assert_ok sv_docker exec "$cid" sh -c 'echo two >>/var/lib/docker/data; cat /var/lib/docker/data'
assert_eq $'one\ntwo' "$SV_OUT" "data after docker restart"

# docker stop: kept while stopped (Docker still knows the container); docker start: there.
assert_ok sv_docker stop -t 1 "$cid"
assert_file_exists "$dir/data" "storage of a stopped container"
assert_ok sv_rt gc --dry-run
assert_eq "" "$SV_OUT" "a stopped container's storage is no orphan"
assert_ok sv_docker start "$cid"
sv_wait_until 20 is_running "$cid" || sv_fail "container did not start again"
assert_ok sv_docker exec "$cid" cat /var/lib/docker/data
assert_eq $'one\ntwo' "$SV_OUT" "data after docker stop + start"
r2=$(range_root "$(init_pid "$cid")")
sv_log "range root before: $r1, after stop + start: $r2"
assert_eq 0:0 "$(stat -c %u:%g "$dir/data")" "on disk after restarts: still plain ids"

# docker rm: Docker does not tell the runtime; check reports the orphan, gc frees it.
assert_ok sv_docker rm -f "$cid"
SV_OUT=$(sv_rt check 2>&1) || true   # (other checks may fail on a test machine)
assert_match "warn  storage: 1 orphaned directory under [^ ]+ \\(first: $store/$cid, container $cid\\)" \
  "$SV_OUT" "check reports the orphan"
assert_ok sv_rt gc
assert_eq "freed $store/$cid (container $cid)" "$SV_OUT"
assert_file_absent "$store/$cid" "storage after docker rm + gc"

# ... or the next container's create frees it, without gc.
c2=$($D -d --name "$SV_ID-s2" bb sh -c 'echo x >/var/lib/docker/x; exec sleep 100000')
sv_wait_until 20 is_running "$c2" || sv_fail "second container did not start"
sv_wait_until 10 test -e "$store/$c2/var/lib/docker/x" || sv_fail "second container wrote nothing"
assert_ok sv_docker rm -f "$c2"
assert_file_exists "$store/$c2" "right after docker rm (nobody told the runtime)"
assert_ok $D --rm bb true
assert_file_absent "$store/$c2" "storage of a removed container, freed by the next create"
# (that --rm container's own storage is an orphan now, like any removed container's)
assert_ok sv_rt gc
assert_match "^freed $store/[0-9a-f]{64} \(container [0-9a-f]{64}\)$" "$SV_OUT" "gc after docker run --rm"
left() { find "$store" -mindepth 1 -maxdepth 1 ! -name .lock ! -name .orphan-cursor -printf '%f\n' | sort; }
nothing_left() { [ -z "$(left)" ]; }
sv_wait_until 10 nothing_left || true   # (create frees in the background)
assert_eq "" "$(left)" "nothing left in $store"
