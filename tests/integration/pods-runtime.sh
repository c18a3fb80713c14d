#!/bin/bash
# Pods at the runtime level, with the annotations containerd's CRI plugin writes (the real
# CRI run is cri-pods.sh): a sandbox (io.kubernetes.cri.container-type = sandbox) makes the
# user namespace and holds the range; its network namespace, made by "CRI" as host root with
# only lo in it, is replaced by one its user namespace owns (lo up); two containers
# (container-type = container, sandbox-id) join its user, network, IPC and UTS namespaces by
# path, keep their own mount, PID and cgroup namespaces, and root in them configures the
# pod's network; the range is freed with the last of them, whichever goes last; a member
# lost in a crash gives up its place at the pod's next create.
# Refused with one line: a sandbox that is not a Sysvisor container, a container that is
# not a sandbox, a namespace of another pod, a namespace of the host (not Sysvisor's).
set -euo pipefail
. "$(dirname "$0")/idmap-lib.sh"
sv_require_cmd ip

idmap_setup exclusive 4
# network namespaces made as host root and pinned on files, as the CRI plugin does (in a
# private mount of our own, not ip netns's /run/netns)
nsdir=$SV_TEST_TMP/netns
mkdir -p "$nsdir"
mount --bind "$nsdir" "$nsdir"
sv_on_exit "umount -R '$nsdir' 2>/dev/null || umount -l '$nsdir'"
mount --make-private "$nsdir"
netns=$nsdir/cri-1 netns2=$nsdir/cri-2
touch "$netns" "$netns2"
unshare --net="$netns" true
unshare --net="$netns2" true
# in the second, CNI made an interface (a veth pair inside it, no traffic)
nsenter --net="$netns2" ip link add sv-veth0 type veth peer name sv-veth1

sb=$SV_ID-sb app1=$SV_ID-app1 app2=$SV_ID-app2 other=$SV_ID-other

# pod_bundle DIR TYPE [SANDBOX [SANDBOX_PID]]: a busybox bundle annotated as CRI does; a
# member joins the sandbox's net, ipc and uts namespaces by path.
pod_bundle() {
  local dir=$1 type=$2 sandbox=${3:-} pid=${4:-}
  idmap_bundle "$dir" sleep 600
  # the capabilities containerd gives (Docker's default set), which root's policy widens
  sv_spec_set "$dir" '.process.capabilities |= with_entries(.value = $c)' --argjson c "$CRI_CAPS"
  sv_spec_set "$dir" '.annotations["io.kubernetes.cri.container-type"] = $t' --arg t "$type"
  if [ "$type" = sandbox ]; then
    sv_spec_set "$dir" '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)' \
      --arg p "$netns"
  else
    sv_spec_set "$dir" '.annotations["io.kubernetes.cri.sandbox-id"] = $s
      | .linux.namespaces |= map(if .type == "network" then .path = "/proc/\($p)/ns/net"
                                 elif .type == "ipc" then .path = "/proc/\($p)/ns/ipc"
                                 elif .type == "uts" then .path = "/proc/\($p)/ns/uts"
                                 else . end)' --arg s "$sandbox" --arg p "$pid"
  fi
}

CRI_CAPS='["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD","CAP_NET_RAW",
  "CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP","CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT",
  "CAP_KILL","CAP_AUDIT_WRITE"]'

ns_of() { readlink "/proc/$1/ns/$2"; }

pod_bundle "$SV_TEST_TMP/sb" sandbox
idmap_must_create "$SV_TEST_TMP/sb" "$sb"
assert_ok sv_rt start "$sb"
sbpid=$(idmap_pid "$sb")
assert_ne "net:[$(stat -L -c %i "$netns")]" "$(ns_of "$sbpid" net)" \
  "the sandbox replaced the host-owned netns (only lo) with its own"
assert_match 'UP' "$(nsenter -t "$sbpid" -n ip link show lo)" "the sandbox's lo is up"

pod_bundle "$SV_TEST_TMP/app1" container "$sb" "$sbpid"
pod_bundle "$SV_TEST_TMP/app2" container "$sb" "$sbpid"
idmap_must_create "$SV_TEST_TMP/app1" "$app1"
idmap_must_create "$SV_TEST_TMP/app2" "$app2"
assert_ok sv_rt start "$app1"
assert_ok sv_rt start "$app2"
p1=$(idmap_pid "$app1") p2=$(idmap_pid "$app2")

for p in "$p1" "$p2"; do
  for ns in user net ipc uts; do
    assert_eq "$(ns_of "$sbpid" $ns)" "$(ns_of "$p" $ns)" "pod member $p shares the sandbox's $ns namespace"
  done
  for ns in mnt pid cgroup; do
    assert_ne "$(ns_of "$sbpid" $ns)" "$(ns_of "$p" $ns)" "pod member $p has its own $ns namespace"
  done
done
assert_ne "$(ns_of "$p1" mnt)" "$(ns_of "$p2" mnt)" "the two members have different mount namespaces"
assert_eq "$(idmap_host_uid_map "$sbpid")" "$(idmap_host_uid_map "$p1")" "one range for the pod"
assert_eq 1 "$(idmap_table | wc -l)" "the table holds one range for the pod"
assert_eq "[\"$app1\",\"$app2\"]" "$(idmap_ranges_json | jq -c '.ranges[0].members')" \
  "the members are recorded"

# root in a member owns the pod's network namespace
assert_ok sv_rt exec "$app1" ip link set lo down
assert_ok sv_rt exec "$app1" ip link set lo up
assert_ok sv_rt exec "$app1" sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'
assert_eq 1 "$(nsenter -t "$sbpid" -n cat /proc/sys/net/ipv4/ip_forward)" "a member's net.* sysctl is the pod's"
assert_ok sv_rt exec "$app2" cat /proc/sys/net/ipv4/ip_forward
assert_eq 1 "$SV_OUT" "the other member sees it"
assert_ok sv_rt exec "$app1" hostname pod-name
assert_ok sv_rt exec "$app2" hostname
assert_eq pod-name "$SV_OUT" "the members share the pod's UTS namespace"

# refused: each with one line naming what is wrong
pod_bundle "$SV_TEST_TMP/bad1" container "$SV_ID-nosuch" "$sbpid"
idmap_create "$SV_TEST_TMP/bad1" "$other" && sv_fail "a sandbox that is no Sysvisor container was accepted"
assert_match "pod sandbox \"$SV_ID-nosuch\" is not a Sysvisor container" "$IDMAP_OUT" "unknown sandbox refused"
assert_eq 1 "$(grep -c . <<<"$IDMAP_OUT")" "one line of error"
assert_file_absent "$SV_ROOT/$other" "nothing left of the refused container"

pod_bundle "$SV_TEST_TMP/bad2" container "$app1" "$p1"
idmap_create "$SV_TEST_TMP/bad2" "$other" && sv_fail "a sandbox-id naming a member was accepted"
assert_match "container \"$app1\" is not a pod sandbox" "$IDMAP_OUT" "a member is not a sandbox"

pod_bundle "$SV_TEST_TMP/bad3" container "$sb" "$sbpid"
sv_spec_set "$SV_TEST_TMP/bad3" '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)' \
  --arg p "$netns"
idmap_create "$SV_TEST_TMP/bad3" "$other" && sv_fail "joining a host netns was accepted"
assert_match "the network namespace $netns is not one of pod \"$sb\"" "$IDMAP_OUT" \
  "a namespace that is not the pod's is refused"
assert_eq 1 "$(grep -c . <<<"$IDMAP_OUT")" "one line of error"

# another pod: its sandbox and a member that names our sandbox but its network namespace
pod_bundle "$SV_TEST_TMP/sb2" sandbox
sv_spec_set "$SV_TEST_TMP/sb2" '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)' \
  --arg p "$netns2"
idmap_must_create "$SV_TEST_TMP/sb2" "$SV_ID-sb2"
sb2pid=$(idmap_pid "$SV_ID-sb2")
assert_eq "net:[$(stat -L -c %i "$netns2")]" "$(ns_of "$sb2pid" net)" \
  "a CRI netns with a CNI interface in it is joined as given"
assert_ne "$(idmap_host_uid_map "$sbpid")" "$(idmap_host_uid_map "$sb2pid")" "two pods, two ranges"
pod_bundle "$SV_TEST_TMP/bad4" container "$sb" "$sbpid"
sv_spec_set "$SV_TEST_TMP/bad4" '.linux.namespaces |= map(if .type == "ipc" then .path = $p else . end)' \
  --arg p "/proc/$sb2pid/ns/ipc"
idmap_create "$SV_TEST_TMP/bad4" "$other" && sv_fail "joining another pod's ipc namespace was accepted"
assert_match "the ipc namespace /proc/$sb2pid/ns/ipc is not one of pod \"$sb\"" "$IDMAP_OUT" \
  "another pod's namespace is refused"
assert_ok sv_rt delete -f "$SV_ID-sb2"
assert_eq 1 "$(idmap_table | wc -l)" "the refused creates and the second pod left no range"

# crash safety: a member whose state is gone (a crash, a reboot of the state root) no longer
# holds the range: the next create of the pod reclaims its place
kill -KILL "$p1"
sv_wait_until 10 sh -c "! kill -0 $p1 2>/dev/null" || sv_fail "$app1 did not die"
rm -rf "${SV_ROOT:?}/$app1"
for d in /sys/fs/cgroup/sysvisor/"$app1" /sys/fs/cgroup/*/sysvisor/"$app1"; do
  [ -d "$d" ] && rmdir "$d"
done
pod_bundle "$SV_TEST_TMP/app3" container "$sb" "$sbpid"
idmap_must_create "$SV_TEST_TMP/app3" "$SV_ID-app3"
assert_eq "[\"$app2\",\"$SV_ID-app3\"]" "$(idmap_ranges_json | jq -c '.ranges[0].members')" \
  "the lost member's place is reclaimed, the new one holds the range"
assert_eq "$(idmap_host_uid_map "$sbpid")" "$(idmap_host_uid_map "$(idmap_pid "$SV_ID-app3")")" \
  "the new member has the pod's range"
assert_ok sv_rt delete -f "$SV_ID-app3"
app1=$SV_ID-app3 # deleted already: the sandbox and app2 remain

# the sandbox goes first (as after a crash of the kubelet's order): the range stays
start=$(idmap_host_uid_map "$sbpid")
assert_ok sv_rt delete -f "$sb"
assert_eq 1 "$(idmap_table | wc -l)" "the pod's range outlives its sandbox while members run"
assert_eq true "$(idmap_ranges_json | jq '.ranges[0].ownerReleased')" "the sandbox let go"
assert_eq "$start" "$(idmap_host_uid_map "$p2")" "a member still runs in it"
assert_ok sv_rt delete -f "$app2"
assert_eq "" "$(idmap_table)" "the last member freed the pod's range"
assert_eq "" "$(sv_rt list -q 2>/dev/null)" "no state left"
