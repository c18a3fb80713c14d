#!/bin/bash
# podman-pods: a Podman pod of system containers (Debian's podman 4.3): `podman pod create`
# (its infra container from a pause image built here) and two `podman run --pod` containers,
# every one with sysvisor-runc as the runtime.  Podman marks a pod's containers with CRI-O's
# annotations (ContainerType, SandboxID = the infra container).  Asserts: the pod holds one
# range (the infra container's) and its containers share the infra container's user and
# network namespaces, keep their own mount namespaces; root in a container sets `lo` up and
# writes a net.* sysctl of the pod; a volume shared by both has one owner; each container
# sees its own memory limit (a private sysvisor-fs); a container stopped and started again
# rejoins the pod's range; `podman pod rm -f` leaves nothing (range, state, mounts, cgroups,
# processes).  Podman runs with private storage, run and tmp dirs, cgroupfs, no network.
set -euo pipefail
. "$(dirname "$0")/procfs-lib.sh"
. "$(dirname "$0")/containerd-lib.sh"
# shellcheck source=tests/lib/pods.sh
. "$SV_LIB_DIR/pods.sh"
sv_require_cmd podman conmon gcc nsenter
pods_require_static_libc

PD=$SV_TEST_TMP/podman
mkdir -p "$PD"
chmod 700 "$PD" # bind mount sources lie below a root-only directory (Sysvisor's rule)
mkdir -p "$PD/storage" "$PD/run" "$PD/tmp" "$PD/rtroot" "$PD/shared"

# what podman may create on the host despite the private dirs: removed again if it did
existed_containers=$([ -e /var/lib/containers ] && echo yes || echo no)
existed_parent=$([ -e /sys/fs/cgroup/memory/libpod_parent ] && echo yes || echo no)

# ---- Sysvisor: exclusive ranges, shifting, a private sysvisor-fs
wrapper=$PD/sysvisor-runc
pods_use_sysvisor "$wrapper" "$PD/rtroot"
ranges() { sv_idmap_ranges "$SYSVISOR_LIB_DIR"; }   # the ranges idmap-exclusive holds
rt() { "$SV_RUNC" --root "$PD/rtroot" "$@"; }
pm() {
  podman --root "$PD/storage" --runroot "$PD/run" --tmpdir "$PD/tmp" --cgroup-manager cgroupfs \
    --events-backend file --runtime "$wrapper" "$@"
}

POD=sv-$SV_ID PODID=
podman_cleanup() {
  local d
  pm pod rm -f "$POD" >/dev/null 2>&1 || true
  pm rm -af >/dev/null 2>&1 || true
  sv_rt_cleanup "$SV_RUNC" "$PD/rtroot"
  sv_umount_under "$PD"
  # podman's cgroupfs driver on a hybrid host removes the pod's cgroup from the v1
  # hierarchies only (runc's containers leave the unified one behind as well)
  for d in /sys/fs/cgroup/*/libpod_parent/"$PODID" /sys/fs/cgroup/libpod_parent/"$PODID"; do
    [ -n "$PODID" ] && [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  if [ "$existed_parent" = no ]; then
    for d in /sys/fs/cgroup/*/libpod_parent /sys/fs/cgroup/libpod_parent; do
      [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
    done
  fi
  [ "$existed_containers" = yes ] || rm -rf /var/lib/containers
  return 0
}
sv_on_exit podman_cleanup

# ---- images: the pause binary (static C) and busybox
pods_pause_image "$SV_TEST_TMP/pause.tar" localhost/sv-pause:latest
SV_CTR_IMAGE=localhost/sv-busybox:latest sv_oci_archive_busybox "$SV_TEST_TMP/busybox.tar"
assert_ok pm load -i "$SV_TEST_TMP/pause.tar"
assert_ok pm load -i "$SV_TEST_TMP/busybox.tar"

# ---- the pod
assert_ok pm pod create --name "$POD" --network none --infra-image localhost/sv-pause:latest
assert_ok pm run -d --pod "$POD" --name "$POD-a" -m 192m -v "$PD/shared:/data" localhost/sv-busybox:latest \
  sh -c 'echo from-a > /data/a; exec sleep 600'
a=$(tail -n 1 <<<"$SV_OUT")
assert_ok pm run -d --pod "$POD" --name "$POD-b" -m 300m -v "$PD/shared:/data" localhost/sv-busybox:latest sleep 600
b=$(tail -n 1 <<<"$SV_OUT")
infra=$(pm pod inspect --format '{{.InfraContainerID}}' "$POD")
PODID=$(pm pod inspect --format '{{.ID}}' "$POD")
pid_of() { rt state "$1" | jq -r .pid; }
pi=$(pid_of "$infra") pa=$(pid_of "$a") pb=$(pid_of "$b")
[ "$pi" -gt 0 ] && [ "$pa" -gt 0 ] && [ "$pb" -gt 0 ] || sv_fail "no pids: infra $pi, a $pa, b $pb"

assert_eq 1 "$(ranges | jq length)" "the pod holds one range"
assert_eq "$infra" "$(ranges | jq -r '.[0].id')" "the infra container holds it"
assert_eq "$(jq -cn --arg a "$a" --arg b "$b" '[$a, $b] | sort')" "$(ranges | jq -c '.[0].members | sort')" \
  "the two containers are its members"
pods_assert_members_share "$pi" "$pa" "$pb"

# root in a container owns the pod's network namespace
assert_ok pm exec "$POD-a" sh -c 'ip link set lo down && ip link set lo up && ip -o link show lo'
assert_match 'LOOPBACK,UP' "$SV_OUT" "root in a sets lo down and up"
assert_ok pm exec "$POD-b" sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'
assert_eq 1 "$(nsenter -t "$pi" -n cat /proc/sys/net/ipv4/ip_forward)" "root in b wrote the pod's net.ipv4.ip_forward"

# a shared volume, one owner; each container's own memory limit
assert_ok pm exec "$POD-b" sh -c 'echo from-b > /data/b; stat -c %u:%g /data/a /data/b; cat /data/a'
assert_eq $'0:0\n0:0\nfrom-a' "$(grep -v rlimits <<<"$SV_OUT")" "b reads a's file; both belong to root of the pod"
assert_eq "$(stat -c %u:%g "$PD/shared/a")" "$(stat -c %u:%g "$PD/shared/b")" "one owner on disk"
assert_ok pm exec "$POD-a" awk '/^MemTotal:/ { print $2 }' /proc/meminfo
assert_eq 196608 "$(grep -v rlimits <<<"$SV_OUT")" "a's /proc/meminfo: its 192 MiB"
assert_ok pm exec "$POD-b" awk '/^MemTotal:/ { print $2 }' /proc/meminfo
assert_eq 307200 "$(grep -v rlimits <<<"$SV_OUT")" "b's /proc/meminfo: its 300 MiB"

# stopped (its runtime container deleted) and started again: it rejoins the pod's range
range=$(cat "/proc/$pi/uid_map")
assert_ok pm stop -t 1 "$POD-a"
assert_eq "[\"$b\"]" "$(ranges | jq -c '.[0].members')" "a stopped: it let go of the range"
assert_ok pm start "$POD-a"
pa=$(pid_of "$a")
assert_eq "$range" "$(cat "/proc/$pa/uid_map")" "a started again in the pod's range"
assert_eq "$(readlink "/proc/$pi/ns/user")" "$(readlink "/proc/$pa/ns/user")" "and its user namespace"

# ---- podman pod rm: nothing is left
assert_ok pm pod rm -f "$POD"
assert_eq 0 "$(ranges | jq length)" "the pod's range is freed"
assert_eq "" "$(rt list -q 2>/dev/null)" "no container state left"
assert_eq "" "$(grep -E "$infra|$a|$b" /proc/self/mountinfo || true)" "no mount of the pod left"
assert_eq "" "$(find /sys/fs/cgroup -maxdepth 4 -type d \( -name "*$infra*" -o -name "*$a*" -o -name "*$b*" \) 2>/dev/null)" \
  "no cgroup of the pod's containers left"
assert_eq "" "$(ps -eo uid= | awk '$1 >= 2147483648' | head -n 3)" "no process of the pod's range left"
sv_log "ok: a Podman pod of system containers"
