#!/bin/bash
# runc-parity-hostnet: a spec without a network namespace (Docker --network host, hostNetwork
# pods, ctr --net-host) runs, as with runc (issue 14, item 1).  sysfs can only be mounted by the
# network namespace's owner, so /sys is the host's, bound recursively and read-only (with or
# without "ro" in the spec); the container's own cgroup mount still sits on top of it.  Checked
# on a bundle and through Docker --network host.
set -eu
# shellcheck source=tests/lib/runc-parity.sh
. "$(dirname "$0")/../lib/runc-parity.sh"
. "$SV_LIB_DIR/docker.sh"
sv_require_cmd jq

b=$SV_TEST_TMP/bundle
sv_core_bundle "$b" sleep 1000
sv_spec_set "$b" '.linux.namespaces |= map(select(.type != "network"))'
host_net=$(readlink /proc/self/ns/net)
host_ifaces=$(ls /sys/class/net | sort | tr '\n' ' ')

# check_hostnet ID: the running container ID is on the host's network with a read-only /sys.
check_hostnet() {
  local id=$1
  assert_eq "$host_net" "$(sv_rt exec "$id" readlink /proc/self/ns/net)" "$id: /hostnet/the-host's-netns"
  assert_eq "$host_ifaces" "$(sv_rt exec "$id" ls /sys/class/net | sort | tr '\n' ' ')" \
    "$id: /hostnet/sys-shows-the-host's-interfaces"
  assert_fail sv_rt exec "$id" touch /sys/kernel/sv-parity
  assert_match 'Read-only file system' "$SV_OUT" "$id: /hostnet/sys-is-read-only"
  assert_eq "" "$(sv_rt exec "$id" sh -c 'grep " /sys" /proc/self/mountinfo | grep -v " /sys/fs/cgroup" | grep -v " ro," || true')" \
    "$id: /hostnet/every-mount-under-sys-is-read-only"
  assert_ok sv_rt exec "$id" sh -c 'mkdir /sys/fs/cgroup/memory/sv-parity 2>/dev/null || mkdir /sys/fs/cgroup/sv-parity; rmdir /sys/fs/cgroup/memory/sv-parity 2>/dev/null || rmdir /sys/fs/cgroup/sv-parity'
}

sv_rt_bg run -d --bundle "$b" "$SV_ID-ro"
check_hostnet "$SV_ID-ro"
assert_ok sv_rt delete --force "$SV_ID-ro"

# "ro" removed from the spec's /sys mount: still read-only (the host's /sys is never handed
# writable to a container).
sv_spec_set "$b" '.mounts |= map(if .destination == "/sys" then .options = ["nosuid", "noexec", "nodev"] else . end)'
sv_rt_bg run -d --bundle "$b" "$SV_ID-rw"
check_hostnet "$SV_ID-rw"
assert_ok sv_rt delete --force "$SV_ID-rw"
sv_assert_nothing_left "$SV_ID-rw" "$b"

# ---------------------------------------------------------------- Docker --network host
command -v dockerd >/dev/null || sv_skip "dockerd not installed (the bundle part passed)"
sv_use_plugins auto auto none
sv_use_exclusive_ids
sv_docker_start_sysvisor || sv_skip "dockerd cannot start here (the bundle part passed)"
sv_docker_import_busybox bb
assert_ok sv_docker run --rm --runtime=sysvisor-runc --network host bb \
  sh -c 'readlink /proc/self/ns/net; ls /sys/class/net | sort | tr "\n" " "; echo; touch /sys/kernel/x 2>&1 || true; cat /proc/self/uid_map'
assert_eq "$host_net" "$(sed -n 1p <<<"$SV_OUT")" "/docker/network-host-is-the-host's-netns"
assert_eq "$host_ifaces" "$(sed -n 2p <<<"$SV_OUT")" "/docker/network-host-sys-shows-the-host's-interfaces"
assert_match 'Read-only file system' "$(sed -n 3p <<<"$SV_OUT")" "/docker/network-host-sys-is-read-only"
assert_match '^ +0 +2147[0-9]+ +65536' "$(sed -n 4p <<<"$SV_OUT")" "/docker/still-a-system-container"
