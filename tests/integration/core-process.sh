#!/bin/bash
# core-process: what config.json asks of the process and its filesystem, seen from inside:
# user and groups, capabilities (all five sets), rlimits, no_new_privs, oomScoreAdj, umask,
# cwd and env, a read-only rootfs, masked and read-only paths, sysctl, devices, bind mounts.
set -eu
. "$(dirname "$0")/../lib/common.sh"
. "$SV_LIB_DIR/busybox-rootfs.sh"
. "$SV_LIB_DIR/runtime.sh"
sv_require_root
sv_require_runtime
sv_require_probe

sv_use_plugins none none none
b=$SV_TEST_TMP/bundle
sv_core_bundle "$b" /sv-probe exit 0
cp "$b/config.json" "$SV_TEST_TMP/good.json"
n=0
probe() {   # probe JQ-FILTER PROBE-ARGS...: the probe's output under a modified spec
  local filter=$1
  shift
  cp "$SV_TEST_TMP/good.json" "$b/config.json"
  sv_spec_set "$b" "$filter"
  sv_spec_args "$b" /sv-probe "$@"
  n=$((n + 1))
  sv_rt run --bundle "$b" "$SV_ID-$n" </dev/null
}

# User, groups, umask, cwd, env.
out=$(probe '.process.user = {"uid": 1000, "gid": 1000, "additionalGids": [5, 10], "umask": 18}
             | .process.cwd = "/tmp" | .process.env += ["SV_TEST=hello world"]' \
        ids umask cwd env SV_TEST)
assert_eq $'uid=1000 gid=1000 groups=5,10\n0022\n/tmp\nhello world' "$out" "user, umask, cwd, env"

# Capabilities: each set as given (CAP_KILL=5, CAP_NET_BIND_SERVICE=10, CAP_AUDIT_WRITE=29).
out=$(probe '.process.capabilities = {"bounding": ["CAP_KILL","CAP_NET_BIND_SERVICE","CAP_AUDIT_WRITE"],
               "effective": ["CAP_KILL"], "permitted": ["CAP_KILL","CAP_NET_BIND_SERVICE"],
               "inheritable": ["CAP_NET_BIND_SERVICE"], "ambient": ["CAP_NET_BIND_SERVICE"]}' \
        caps Bnd caps Eff caps Prm caps Inh caps Amb)
assert_eq $'0000000020000420\n0000000000000420\n0000000000000420\n0000000000000400\n0000000000000400' \
  "$out" "capability sets after exec (ambient is added to permitted and effective)"

# rlimits, no_new_privs, oomScoreAdj.
out=$(probe '.process.rlimits = [{"type":"RLIMIT_NOFILE","soft":512,"hard":1024},
                                  {"type":"RLIMIT_CORE","soft":0,"hard":0}]
             | .process.noNewPrivileges = true | .process.oomScoreAdj = 300' \
        rlimit NOFILE rlimit CORE nnp oomscore)
assert_eq $'512:1024\n0:0\n1\n300' "$out" "rlimits, nnp, oomScoreAdj"

# A read-only rootfs, masked and read-only paths.
out=$(probe '.root.readonly = true | .linux.maskedPaths = ["/proc/kcore", "/sys/firmware", "/etc/secret-dir"]
             | .linux.readonlyPaths = ["/proc/sys", "/etc"]' \
        write /newfile x mounts /sys/firmware write /etc/x y cat /proc/kcore || true)
assert_match '^error EROFS' "$(sed -n 1p <<<"$out")" "rootfs is read-only"
assert_match '^tmpfs ro' "$(sed -n 2p <<<"$out")" "a masked directory is an empty read-only tmpfs"
assert_match '^error EROFS' "$(sed -n 3p <<<"$out")" "read-only path"
# A masked file reads empty (/dev/null over it); a kernel built without /proc/kcore has none.
kcore=$(sed -n '4,$p' <<<"$out")
[ -z "$kcore" ] || assert_match '^error ENOENT' "$kcore" "a masked file reads empty"

# A system container keeps /proc/sys writable (for its own namespaces' sysctls), even when the
# spec lists it as read-only, as Docker's does.
out=$(probe '.linux.readonlyPaths = ["/proc/sys"] | .process.capabilities.bounding += ["CAP_NET_ADMIN"]
             | .process.capabilities.effective += ["CAP_NET_ADMIN"]
             | .process.capabilities.permitted += ["CAP_NET_ADMIN"]' write /proc/sys/net/ipv4/ip_forward 1 sysctl-get net.ipv4.ip_forward)
assert_eq $'ok\n1' "$out" "/proc/sys stays writable"

# sysctl of the container's own namespaces.
out=$(probe '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.shmmax": "123456"}' \
        sysctl-get net.ipv4.ip_forward sysctl-get kernel.shmmax)
assert_eq $'1\n123456' "$out" "sysctl in the container's namespaces"
assert_ne 123456 "$(cat /proc/sys/kernel/shmmax)" "the host's sysctl is untouched"

# A device from linux.devices (bound from the host's node), and a bind mount with options.
mkdir -p "$SV_TEST_TMP/data"
echo host-data >"$SV_TEST_TMP/data/file"
chown -R "$SV_FALLBACK_UID:$SV_FALLBACK_UID" "$SV_TEST_TMP/data"
out=$(probe ".linux.devices = [{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,\"minor\":229}]
             | .mounts += [{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"$SV_TEST_TMP/data\",
                            \"options\":[\"rbind\",\"ro\",\"nosuid\"]}]" \
        mode /dev/fuse cat /data/file mounts /data write /data/new x || true)
assert_match $'^[0-7]+\nhost-data\n[a-z0-9]+ ro,nosuid' "$out" "device and read-only bind mount"
assert_match 'error EROFS' "$(tail -n1 <<<"$out")" "the bind mount is read-only"

# Hostname and domainname, a new network namespace (only loopback).
out=$(probe '.hostname = "h1" | .domainname = "example.test"' hostname cat /proc/net/dev)
assert_match $'^h1\n' "$out" "hostname"
assert_eq 3 "$(grep -c . <<<"$(sed -n '2,$p' <<<"$out")")" "only lo in a new network namespace"
echo "core-process: ok"
