#!/bin/bash
# syscont-caps: with plain `docker run --runtime=sysvisor-runc` (Docker's 14 default
# capabilities, its default seccomp profile), root inside gets every capability of its user
# namespace and the syscalls a host's root uses: mount -t tmpfs, mount -t overlay, unshare -m,
# a nested user namespace (unshare -U -r), hostname, a netns sysctl in its own netns, keyctl
# (through the exec'd process too).  A deliberate narrowing is honoured: --cap-drop ALL, a
# dropped capability, the io.sysvisor.honour-capabilities annotation, plugins.conf's
# honour-capabilities.  A non-root user keeps what the spec gives.  The same through
# `sysvisor-runc run` on a runc-spec bundle with Docker's default capabilities.
set -eu
. "$(dirname "$0")/../lib/common.sh"
. "$SV_LIB_DIR/runtime.sh"
. "$SV_LIB_DIR/docker.sh"
sv_require_root
sv_require_runtime
sv_require_cmd dockerd jq

last=$(cat /proc/sys/kernel/cap_last_cap)
full=$(printf '%016x' $(((1 << (last + 1)) - 1)))
default14=00000000a80425fb   # Docker's / containerd's 14 default capabilities

sv_use_plugins auto auto none
sv_use_exclusive_ids
sv_docker_start_sysvisor || sv_skip "dockerd cannot start here"
sv_docker_import_busybox bb
D="sv_docker run --runtime=sysvisor-runc --network none --rm"

# Root: every capability, in every set a host root has them (inheritable: as Docker left it).
assert_ok $D bb sh -c 'grep -E "^Cap(Eff|Prm|Bnd|Amb)" /proc/self/status'
assert_match "CapPrm:	$full" "$SV_OUT" "root's permitted set is full"
assert_match "CapEff:	$full" "$SV_OUT" "root's effective set is full"
assert_match "CapBnd:	$full" "$SV_OUT" "root's bounding set is full"
assert_match "CapAmb:	0000000000000000" "$SV_OUT" "the ambient set is untouched"

# What that lets root do inside, with no extra flag.
script='
set -e
mkdir -p /mnt/t && mount -t tmpfs t /mnt/t && echo tmpfs-ok
mkdir -p /mnt/t/l /mnt/t/u /mnt/t/w /mnt/t/m && echo low >/mnt/t/l/f
mount -t overlay o -o lowerdir=/mnt/t/l,upperdir=/mnt/t/u,workdir=/mnt/t/w /mnt/t/m
echo up >>/mnt/t/m/f && [ -e /mnt/t/u/f ] && echo overlay-ok
unshare -m sh -c "mount -t tmpfs x /mnt && echo unshare-m-ok"
unshare -U -r sh -c "[ \"\$(id -u)\" = 0 ] && echo userns-ok"
hostname h2 && [ "$(hostname)" = h2 ] && echo hostname-ok
unshare -n sh -c "sysctl -w net.ipv4.ip_forward=1 >/dev/null && [ \$(cat /proc/sys/net/ipv4/ip_forward) = 1 ] && echo netns-sysctl-ok"
'
assert_ok $D bb sh -c "$script"
for what in tmpfs overlay unshare-m userns hostname netns-sysctl; do
  assert_match "$what-ok" "$SV_OUT" "$what works inside with plain docker run"
done

# docker exec follows the same rule.
cid=$(sv_docker run -d --runtime=sysvisor-runc --network none bb sleep 300)
sv_on_exit "sv_docker rm -f $cid >/dev/null 2>&1"
assert_ok sv_docker exec "$cid" sh -c 'grep ^CapEff /proc/self/status; unshare -m true && echo exec-unshare-ok'
assert_match "CapEff:	$full" "$SV_OUT" "docker exec as root: full set"
assert_match "exec-unshare-ok" "$SV_OUT" "docker exec: the widened seccomp profile"
assert_ok sv_docker exec -u 1000 "$cid" grep ^CapEff /proc/self/status
assert_match "CapEff:	0000000000000000" "$SV_OUT" "docker exec -u 1000: a non-root user gets no capability"
sv_docker rm -f "$cid" >/dev/null

# Deliberate choices are honoured.
assert_ok $D --cap-drop ALL bb grep ^CapEff /proc/self/status
assert_match "CapEff:	0000000000000000" "$SV_OUT" "--cap-drop ALL honoured"
assert_fail $D --cap-drop ALL bb sh -c 'mkdir /m && mount -t tmpfs t /m'
assert_ok $D --cap-drop NET_RAW bb grep ^CapEff /proc/self/status
assert_match "CapEff:	00000000a80405fb" "$SV_OUT" "--cap-drop NET_RAW: exactly Docker's set minus NET_RAW"
assert_ok $D --cap-add NET_ADMIN bb grep ^CapEff /proc/self/status
assert_match "CapEff:	$full" "$SV_OUT" "--cap-add (a superset) is widened too"
assert_ok $D -u 1000 bb grep ^CapEff /proc/self/status
assert_match "CapEff:	0000000000000000" "$SV_OUT" "a non-root user keeps what the spec gives"

# plugins.conf: honour-capabilities = true keeps Docker's 14 (the wrapper reads this file).
sed -i 's/^procfs = none$/procfs = none\nhonour-capabilities = true/' "$SYSVISOR_PLUGINS_CONF"
assert_ok $D bb grep ^CapEff /proc/self/status
assert_match "CapEff:	$default14" "$SV_OUT" "plugins.conf honour-capabilities = true"
sed -i 's/^honour-capabilities = true$/honour-capabilities = maybe/' "$SYSVISOR_PLUGINS_CONF"
assert_fail $D bb true
assert_match "honour-capabilities must be true or false" "$SV_OUT" "a bad setting is one clear error"
sed -i '/^honour-capabilities = /d' "$SYSVISOR_PLUGINS_CONF"

# The same through sysvisor-runc run on a runc-spec bundle with Docker's default capabilities;
# the annotation keeps them.
caps14='["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD","CAP_NET_RAW","CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP","CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT","CAP_KILL","CAP_AUDIT_WRITE"]'
b=$SV_TEST_TMP/b
sv_core_bundle "$b" sh -c 'grep ^CapEff /proc/self/status; unshare -m true && echo unshare-ok; true'
sv_spec_set "$b" '.process.capabilities = {bounding: $c, effective: $c, permitted: $c, inheritable: $c}' --argjson c "$caps14"
assert_ok sv_rt run --bundle "$b" "$SV_ID-run"
assert_match "CapEff:	$full" "$SV_OUT" "sysvisor-runc run: root widened from Docker's default set"
assert_match "unshare-ok" "$SV_OUT" "sysvisor-runc run: unshare works"
sv_spec_set "$b" '.annotations["io.sysvisor.honour-capabilities"] = "true"'
assert_ok sv_rt run --bundle "$b" "$SV_ID-run"
assert_match "CapEff:	$default14" "$SV_OUT" "annotation io.sysvisor.honour-capabilities=true"
sv_spec_set "$b" '.annotations["io.sysvisor.honour-capabilities"] = "yes"'
assert_fail sv_rt run --bundle "$b" "$SV_ID-run"
assert_match 'annotations\["io.sysvisor.honour-capabilities"\]: must be the string "true" or "false"' "$SV_OUT" "bad annotation: one clear error"
sv_assert_nothing_left "$SV_ID-run" "$b"
echo "syscont-caps: ok"
