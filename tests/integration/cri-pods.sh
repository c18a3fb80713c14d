#!/bin/bash
# cri-pods: a Kubernetes pod of system containers, driven as a kubelet drives it: over the CRI
# v1 gRPC API of a private containerd (the 1.6 that docker.io installs, its built-in CRI
# plugin) configured with docs/kubernetes.md's runtime block, a pause image built here (no
# registry), the loopback CNI plugin only.  The client is Python (grpcio) with the project's
# runtime-v1.proto, compiled at test time.
#
# RunPodSandbox (handler sysvisor), two containers sharing an emptyDir, ExecSync,
# ContainerStatus, a container that exits and is started again (attempt 1), StopPodSandbox,
# RemovePodSandbox.  Asserts: the pod's containers hold one range and share the sandbox's
# user and network namespaces (their own mount namespaces); root in a container sets `lo` up
# and writes a net.* sysctl of the pod; files in the emptyDir have one owner; each container
# sees its own memory limit in /proc/meminfo (a private sysvisor-fs); after RemovePodSandbox
# nothing is left: range, state, mounts, cgroups, netns, processes.
set -euo pipefail
. "$(dirname "$0")/procfs-lib.sh"
. "$(dirname "$0")/containerd-lib.sh"
# shellcheck source=tests/lib/pods.sh
. "$SV_LIB_DIR/pods.sh"
sv_require_cmd containerd ctr containerd-shim-runc-v2 gcc ip nsenter
PY=/usr/bin/python3
CNI_BIN=/usr/lib/cni
CRI_DIR=$SV_SRC_ROOT/tests/integration/cri
[ -x "$CNI_BIN/loopback" ] || sv_skip "no loopback CNI plugin in $CNI_BIN (apt install containernetworking-plugins)"
"$PY" -c 'import grpc, grpc_tools' 2>/dev/null || sv_skip "python3-grpcio or python3-grpc-tools is missing"
pods_require_static_libc

# ---- the CRI client: runtime-v1.proto compiled here
GEN=$SV_TEST_TMP/cri-gen
mkdir -p "$GEN"
cp "$CRI_DIR/runtime-v1.proto" "$GEN/api.proto"
"$PY" -m grpc_tools.protoc -I "$GEN" --python_out="$GEN" --grpc_python_out="$GEN" "$GEN/api.proto" ||
  sv_fail "grpc_tools.protoc cannot compile $CRI_DIR/runtime-v1.proto"

# cri METHOD JSON: the response as JSON on stdout (fails with the gRPC error).
cri() { "$PY" "$CRI_DIR/cri-call.py" "$GEN" "$SV_CTR_SOCK" "$@"; }

# ---- Sysvisor: exclusive ranges, shifting, a private sysvisor-fs
# the shim runs sysvisor-runc through a wrapper that carries the test's settings
wrapper=$SV_TEST_TMP/sysvisor-runc
pods_use_sysvisor "$wrapper"
ranges() { sv_idmap_ranges "$SYSVISOR_LIB_DIR"; }   # the ranges idmap-exclusive holds

# ---- containerd: docs/kubernetes.md's runtime block (BinaryName -> the wrapper, and a runc
# root under the private state dir), CRI with our pause image, loopback CNI, netns files
# under the state dir
# containerd 1.6 runs the loopback plugin on lo itself, then the conf dir's network for eth0,
# and wants an address for eth0 in its result.  The network here is the loopback plugin
# again, handed a previous result that names eth0 with 127.0.0.1 (it passes a previous result
# through unchanged): no interface is made, pod traffic stays on loopback, and containerd
# reports 127.0.0.1 as the pod's IP.
mkdir -p "$SV_TEST_TMP/cni"
cat >"$SV_TEST_TMP/cni/10-loopback.conflist" <<'EOF'
{ "cniVersion": "0.4.0", "name": "sv-loopback",
  "plugins": [ { "type": "loopback",
                 "prevResult": { "cniVersion": "0.4.0",
                                 "interfaces": [ { "name": "eth0" } ],
                                 "ips": [ { "version": "4", "interface": 0, "address": "127.0.0.1/8" } ] } } ] }
EOF
PAUSE_IMAGE=docker.io/library/sv-pause:latest
extra=$SV_TEST_TMP/cri.toml
{
  awk '/<!-- containerd-config -->/ { on = 1; next } on && /^```toml/ { inblock = 1; next }
       inblock && /^```/ { exit } inblock && !/^version/ { print }' "$SV_SRC_ROOT/docs/kubernetes.md" |
    sed -e "s|^\( *\)BinaryName = .*|\1BinaryName = \"$wrapper\"\n\1Root = \"@STATE@/sysvisor-runc\"|"
  cat <<EOF

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  netns_mounts_under_state_dir = true
  stream_server_address = "127.0.0.1"

  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN"
    conf_dir = "$SV_TEST_TMP/cni"

  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
EOF
} >"$extra"
grep -q "BinaryName = \"$wrapper\"" "$extra" || sv_fail "no runtime block found in docs/kubernetes.md"
sv_containerd_start "$extra" || sv_skip "containerd cannot start here"
RROOT=$SV_CTR_STATE/sysvisor-runc/k8s.io
rt() { "$SV_RUNC" --root "$RROOT" "$@"; }
kctr() { "$SV_CTR" --address "$SV_CTR_SOCK" --namespace k8s.io "$@"; }

# libcni caches each network's result in /var/lib/cni (containerd 1.6 has no setting for it):
# what this test adds there is removed again, and the directory if the test made it.
CNI_CACHE=/var/lib/cni
cni_cache_existed=$([ -e "$CNI_CACHE" ] && echo yes || echo no)
cni_cache_cleanup() {
  local f
  for f in "$CNI_CACHE"/results/sv-loopback-* "$CNI_CACHE"/results/cni-loopback-*; do
    [ -e "$f" ] || continue
    jq -e --arg id "$1" '.containerId == $id' "$f" >/dev/null 2>&1 && rm -f "$f"
  done
  if [ "$cni_cache_existed" = no ] && [ -d "$CNI_CACHE" ]; then
    rmdir "$CNI_CACHE/results" "$CNI_CACHE" 2>/dev/null || true
  fi
  return 0
}

POD_ID=
cri_cleanup() {
  local t
  if [ -n "${SV_DEBUG:-}" ]; then
    echo "containerd log:" >&2; grep -E 'level=(error|warning)|cri' "$SV_CTR_LOG" | tail -n 30 >&2
  fi
  if [ -n "$POD_ID" ]; then
    cri StopPodSandbox "{\"pod_sandbox_id\": \"$POD_ID\"}" >/dev/null 2>&1 || true
    cri RemovePodSandbox "{\"pod_sandbox_id\": \"$POD_ID\"}" >/dev/null 2>&1 || true
  fi
  for t in $(kctr tasks ls -q 2>/dev/null); do
    kctr tasks kill -s KILL "$t" >/dev/null 2>&1; sleep 0.3
    kctr tasks delete -f "$t" >/dev/null 2>&1
  done
  for t in $(kctr containers ls -q 2>/dev/null); do kctr containers delete "$t" >/dev/null 2>&1; done
  sv_rt_cleanup "$SV_RUNC" "$RROOT"
  [ -z "${pod:-}" ] || cni_cache_cleanup "$pod"
  [ -z "$POD_ID" ] || cni_cache_cleanup "$POD_ID"
  for t in /sys/fs/cgroup/*/"sv-cri-$SV_ID" /sys/fs/cgroup/"sv-cri-$SV_ID"; do
    [ -d "$t" ] && find "$t" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  return 0
}
sv_on_exit cri_cleanup

# ---- images: the pause binary (static C) and busybox, imported into CRI's namespace
pods_pause_image "$SV_TEST_TMP/pause.tar" "$PAUSE_IMAGE"
sv_oci_archive_busybox "$SV_TEST_TMP/busybox.tar"
kctr images import "$SV_TEST_TMP/pause.tar" >/dev/null
kctr images import "$SV_TEST_TMP/busybox.tar" >/dev/null

assert_ok cri Version '{"version": "v1"}'
assert_eq v1 "$(jq -r .runtime_api_version <<<"$SV_OUT")" "containerd serves CRI v1"

# ---- RunPodSandbox with the sysvisor handler
pods=$SV_TEST_TMP/pods
emptydir=$pods/$SV_ID-uid/volumes/kubernetes.io~empty-dir/shared
mkdir -p "$emptydir" "$SV_TEST_TMP/logs"
chmod 700 "$pods"
chmod 777 "$emptydir"
sandbox_config=$(jq -cn --arg uid "$SV_ID-uid" --arg logs "$SV_TEST_TMP/logs" --arg cg "/sv-cri-$SV_ID" \
  '{metadata: {name: "syspod", uid: $uid, namespace: "default", attempt: 0}, hostname: "syspod",
    log_directory: $logs,
    linux: {cgroup_parent: $cg, security_context: {namespace_options: {network: "POD", pid: "CONTAINER", ipc: "POD"}}}}')
assert_ok cri RunPodSandbox "$(jq -cn --argjson c "$sandbox_config" '{config: $c, runtime_handler: "sysvisor"}')"
POD_ID=$(jq -r .pod_sandbox_id <<<"$SV_OUT")
assert_ok cri PodSandboxStatus "{\"pod_sandbox_id\": \"$POD_ID\"}"
assert_eq SANDBOX_READY "$(jq -r .status.state <<<"$SV_OUT")" "the sandbox is ready"
assert_eq sysvisor "$(jq -r .status.runtime_handler <<<"$SV_OUT")" "it runs with the sysvisor handler"
assert_eq 127.0.0.1 "$(jq -r .status.network.ip <<<"$SV_OUT")" "the pod's network is loopback only"
sbpid=$(rt state "$POD_ID" | jq -r .pid)
[ "$sbpid" -gt 0 ] || sv_fail "sysvisor-runc does not know the sandbox $POD_ID"
assert_match '^ +0 +2147[0-9]+ +65536' "$(cat "/proc/$sbpid/uid_map")" "the sandbox has an exclusive range"

# create_container NAME ATTEMPT MEMORY CMD [PID-MODE]: the container's id (PID-MODE POD is
# shareProcessNamespace: the container joins the sandbox's PID namespace)
create_container() {
  local req
  req=$(jq -cn --arg pod "$POD_ID" --argjson sc "$sandbox_config" --arg name "$1" --argjson attempt "$2" \
    --argjson mem "$3" --arg cmd "$4" --arg data "$emptydir" --arg image "$SV_CTR_IMAGE" --arg pid "${5:-CONTAINER}" \
    '{pod_sandbox_id: $pod, sandbox_config: $sc,
      config: {metadata: {name: $name, attempt: $attempt}, image: {image: $image},
               command: ["sh", "-c", $cmd], log_path: "\($name)/\($attempt).log",
               mounts: [{container_path: "/data", host_path: $data}],
               linux: {resources: {memory_limit_in_bytes: $mem},
                       security_context: {namespace_options: {network: "POD", pid: $pid, ipc: "POD"}}}}}')
  cri CreateContainer "$req" | jq -r .container_id
}
state_of() { cri ContainerStatus "{\"container_id\": \"$1\"}" | jq -r '"\(.status.state) \(.status.exit_code)"'; }
# exec_sync ID CMD: stdout (base64-decoded) in EXEC_OUT, exit code in EXEC_RC
exec_sync() {
  local r
  r=$(cri ExecSync "$(jq -cn --arg id "$1" --arg cmd "$2" '{container_id: $id, cmd: ["sh", "-c", $cmd], timeout: 60}')")
  EXEC_OUT=$(jq -r '.stdout | @base64d' <<<"$r")
  EXEC_RC=$(jq -r .exit_code <<<"$r")
  [ "$EXEC_RC" = 0 ] || echo "exec in $1 of '$2': exit $EXEC_RC: $EXEC_OUT $(jq -r '.stderr | @base64d' <<<"$r")" >&2
}

c1=$(create_container c1 0 201326592 'echo from-c1 > /data/c1; exec sleep 3600') || sv_fail "CreateContainer c1"
assert_ok cri StartContainer "{\"container_id\": \"$c1\"}"
c2=$(create_container c2 0 314572800 'cat /data/c1 > /data/c2-saw; echo run >> /data/c2-runs; exit 7') ||
  sv_fail "CreateContainer c2"
assert_ok cri StartContainer "{\"container_id\": \"$c2\"}"
assert_eq "CONTAINER_RUNNING 0" "$(state_of "$c1")" "ContainerStatus: c1 runs"
sv_wait_until 30 test "$(state_of "$c2")" = "CONTAINER_EXITED 7" ||
  sv_fail "c2 did not exit with 7: $(state_of "$c2")"
assert_eq "from-c1" "$(cat "$emptydir/c2-saw")" "c2 read what c1 wrote in the emptyDir"

# the restart, as the kubelet does it: attempt 1 of c2 replaces the exited attempt 0
c2b=$(create_container c2 1 314572800 'echo run >> /data/c2-runs; exec sleep 3600') || sv_fail "CreateContainer c2 attempt 1"
assert_ok cri StartContainer "{\"container_id\": \"$c2b\"}"
assert_ok cri RemoveContainer "{\"container_id\": \"$c2\"}"
assert_eq "CONTAINER_RUNNING 0" "$(state_of "$c2b")" "c2 runs again (attempt 1)"
assert_eq $'run\nrun' "$(cat "$emptydir/c2-runs")" "c2 ran twice"

# one range, one user namespace, one network namespace; own mount namespaces
p1=$(rt state "$c1" | jq -r .pid) p2=$(rt state "$c2b" | jq -r .pid)
assert_eq 1 "$(ranges | jq length)" "the pod holds one range"
assert_eq "$POD_ID" "$(ranges | jq -r '.[0].id')" "the sandbox holds it"
assert_eq "$(jq -cn --arg a "$c1" --arg b "$c2b" '[$a, $b] | sort')" "$(ranges | jq -c '.[0].members | sort')" \
  "c1 and the running c2 are its members (the removed attempt let go)"
pods_assert_members_share "$sbpid" "$p1" "$p2"
netns_file=$(find "$SV_CTR_STATE" -path '*netns*' -type f -name 'cni-*' | head -n 1)
[ -n "$netns_file" ] || sv_fail "no CRI netns file under $SV_CTR_STATE"
assert_eq "$(stat -c %u:%g "$emptydir/c1")" "$(stat -c %u:%g "$emptydir/c2-saw")" \
  "files the two containers wrote in the emptyDir have one owner"
# (the emptyDir is ID-mapped to the pod's user namespace: root inside is root:root on disk)
assert_eq 0:0 "$(stat -c %u:%g "$emptydir/c1")" "the volume keeps host root's ownership on disk"
exec_sync "$c2b" 'stat -c %u:%g /data/c1 /data/c2-saw'
assert_eq $'0 0:0\n0:0' "$EXEC_RC $EXEC_OUT" "c2 sees c1's file and its own as root's"

# root in a container owns the pod's network namespace
exec_sync "$c1" 'ip link set lo down && ip link set lo up && ip -o link show lo'
assert_eq 0 "$EXEC_RC" "ExecSync: root in c1 sets lo down and up"
assert_match 'state UNKNOWN|UP' "$EXEC_OUT" "lo is up"
exec_sync "$c2b" 'echo 1 > /proc/sys/net/ipv4/ip_forward && cat /proc/sys/net/ipv4/ip_forward'
assert_eq "0 1" "$EXEC_RC $EXEC_OUT" "ExecSync: root in c2 writes net.ipv4.ip_forward"
assert_eq 1 "$(nsenter -t "$sbpid" -n cat /proc/sys/net/ipv4/ip_forward)" "the pod's network namespace has it"

# each container sees its own memory limit
exec_sync "$c1" "awk '/^MemTotal:/ { print \$2 }' /proc/meminfo"
assert_eq "0 196608" "$EXEC_RC $EXEC_OUT" "c1's /proc/meminfo: its 192 MiB"
exec_sync "$c2b" "awk '/^MemTotal:/ { print \$2 }' /proc/meminfo"
assert_eq "0 307200" "$EXEC_RC $EXEC_OUT" "c2's /proc/meminfo: its 300 MiB"

# shareProcessNamespace: a third container joins the sandbox's PID namespace too
c3=$(create_container c3 0 134217728 'exec sleep 3600' POD) || sv_fail "CreateContainer c3"
assert_ok cri StartContainer "{\"container_id\": \"$c3\"}"
p3=$(rt state "$c3" | jq -r .pid)
assert_eq "$(readlink "/proc/$sbpid/ns/pid")" "$(readlink "/proc/$p3/ns/pid")" "c3 shares the sandbox's PID namespace"
assert_eq "$(readlink "/proc/$sbpid/ns/user")" "$(readlink "/proc/$p3/ns/user")" "and its user namespace"
exec_sync "$c3" 'tr "\0" " " </proc/1/cmdline; echo; awk "/^MemTotal:/ { print \$2 }" /proc/meminfo'
assert_eq $'0 /pause \n131072' "$EXEC_RC $EXEC_OUT" "c3 sees the pause process as PID 1, and its own 128 MiB"
exec_sync "$c1" 'tr "\0" " " </proc/1/cmdline'
assert_eq "0 sleep 3600 " "$EXEC_RC $EXEC_OUT" "c1 (PID mode CONTAINER) has its own PID 1"
assert_eq 3 "$(ranges | jq '.[0].members | length')" "c3 holds the pod's range too"

# ---- StopPodSandbox, RemovePodSandbox: nothing is left
assert_ok cri StopPodSandbox "{\"pod_sandbox_id\": \"$POD_ID\"}"
assert_eq "CONTAINER_EXITED" "$(state_of "$c1" | cut -d' ' -f1)" "StopPodSandbox stopped c1"
assert_ok cri PodSandboxStatus "{\"pod_sandbox_id\": \"$POD_ID\"}"
assert_eq SANDBOX_NOTREADY "$(jq -r .status.state <<<"$SV_OUT")" "the sandbox is stopped"
assert_ok cri RemovePodSandbox "{\"pod_sandbox_id\": \"$POD_ID\"}"
pod=$POD_ID
POD_ID=
assert_eq 0 "$(ranges | jq length)" "the pod's range is freed"
assert_eq "" "$(rt list -q 2>/dev/null)" "no container state left"
assert_eq "" "$(grep -E "$pod|$c1|$c2b|$c3" /proc/self/mountinfo || true)" "no mount of the pod left"
assert_eq "" "$(find /sys/fs/cgroup -mindepth 2 -maxdepth 3 -path "*/sv-cri-$SV_ID/*" -type d 2>/dev/null)" \
  "no cgroup of the pod left"
assert_file_absent "$netns_file"
assert_eq "" "$(ps -eo uid= | awk '$1 >= 2147483648' | head -n 3)" "no process of the pod's range left"
assert_eq "" "$(grep -ls "$pod" "$CNI_CACHE"/results/* 2>/dev/null || true)" "no CNI result of the pod left"
sv_log "ok: a pod of system containers through containerd's CRI"
