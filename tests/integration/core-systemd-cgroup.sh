#!/bin/bash
# core-systemd-cgroup: `sysvisor-runc --systemd-cgroup` against a real systemd.  This machine's
# PID 1 need not be systemd, so systemd boots as PID 1 of a container that plain runc runs
# from a Debian rootfs: its own cgroup namespace over a cgroup subtree made for the test
# (never the host's /sys/fs/cgroup itself, which only the subtree's bind mounts reach), in the
# host's user namespace with the host's capabilities (sysvisor-runc inside needs them for
# its user namespace and ID-mapped mounts).  Inside, the built sysvisor-runc (bind-mounted,
# with the host's glib libraries beside it) runs a busybox bundle with --systemd-cgroup:
# the scope exists with the limits as unit properties, the init is in it in every hierarchy,
# `delete` makes it go; with systemd's D-Bus out of reach the error is one line.
set -eu
. "$(dirname "$0")/../lib/common.sh"
. "$SV_LIB_DIR/busybox-rootfs.sh"
. "$SV_LIB_DIR/debian-rootfs.sh"
. "$SV_LIB_DIR/runtime.sh"
sv_require_root
sv_require_runtime
sv_require_cmd jq
[ -x "$SV_REF_RUNC" ] || sv_skip "runc (the reference) is not installed: $SV_REF_RUNC"

cgfs=/sys/fs/cgroup
cg=$SV_ID-systemd            # the subtree systemd gets, in every hierarchy
if [ "$(stat -f -c %T $cgfs)" = cgroup2fs ]; then v2dir=$cgfs; else v2dir=$cgfs/unified; fi

# ---- the systemd container's bundle
sysd=$SV_TEST_TMP/sysd
share=$SV_TEST_TMP/in        # bind-mounted at the same path inside
mkdir -p "$sysd" "$share/lib" "$share/hostlibs"
sv_debian_rootfs --systemd "$sysd/rootfs" || sv_skip "no Debian systemd rootfs (debootstrap cache)"
# The libraries sysvisor-runc needs that a minimal Debian lacks (glib, json-glib, ...).
ldd "$SV_RUNC" | awk '/=> \// { print $3 }' | while read -r lib; do
  [ -e "$sysd/rootfs/usr/lib/x86_64-linux-gnu/${lib##*/}" ] \
    || [ -e "$sysd/rootfs/lib/x86_64-linux-gnu/${lib##*/}" ] || cp -L "$lib" "$share/hostlibs/"
done
build=$(cd "$(dirname "$SV_RUNC")/.." && pwd)

# Every capability of the bounding set (CAP_SYS_RESOURCE may be missing here: never asked).
cap_names=(CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP
  LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE
  SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME
  SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG
  WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF CHECKPOINT_RESTORE)
bnd=$((16#$(awk '/^CapBnd/ { print $2 }' /proc/self/status)))
caps=$(for i in "${!cap_names[@]}"; do
  (( (bnd >> i) & 1 )) && echo "CAP_${cap_names[$i]}"; done | jq -R . | jq -sc .)

# Mounts: systemd's /sys/fs/cgroup is the test's subtree of each hierarchy (rw: systemd
# makes its slices there), seen from its own cgroup namespace.
mounts='[{"destination":"/proc","type":"proc","source":"proc"},
 {"destination":"/dev","type":"tmpfs","source":"tmpfs","options":["nosuid","strictatime","mode=755","size=65536k"]},
 {"destination":"/dev/pts","type":"devpts","source":"devpts","options":["nosuid","noexec","newinstance","ptmxmode=0666","mode=0620","gid=5"]},
 {"destination":"/dev/shm","type":"tmpfs","source":"shm","options":["nosuid","noexec","nodev","mode=1777"]},
 {"destination":"/dev/mqueue","type":"mqueue","source":"mqueue","options":["nosuid","noexec","nodev"]},
 {"destination":"/sys","type":"sysfs","source":"sysfs","options":["nosuid","noexec","nodev","ro"]},
 {"destination":"/run","type":"tmpfs","source":"tmpfs","options":["nosuid","nodev","mode=755"]},
 {"destination":"/tmp","type":"tmpfs","source":"tmpfs","options":["nosuid","nodev","mode=1777"]}]'
add_bind() {   # add_bind SRC DST OPTS-JSON
  mounts=$(jq --arg s "$1" --arg d "$2" --argjson o "$3" \
    '. + [{"destination":$d,"type":"bind","source":$s,"options":(["rbind"] + $o)}]' <<<"$mounts")
}
if [ "$v2dir" = "$cgfs" ]; then
  add_bind "$cgfs/$cg" "$cgfs" '["rw","nosuid","nodev","noexec"]'
else
  mounts=$(jq '. + [{"destination":"/sys/fs/cgroup","type":"tmpfs","source":"tmpfs","options":["nosuid","nodev","noexec","mode=755"]}]' <<<"$mounts")
  for h in "$cgfs"/*/; do
    h=${h%/}
    [ "$(stat -f -c %T "$h")" = tmpfs ] && continue
    add_bind "$h/$cg" "$cgfs/${h##*/}" '["rw","nosuid","nodev","noexec"]'
  done
fi
add_bind "$build" "$build" '["ro"]'
add_bind "$share" "$share" '["rw"]'

"$SV_REF_RUNC" spec --bundle "$sysd"
sv_spec_set "$sysd" '
  .process.args = ["/sbin/init"] | .process.terminal = false
  | .process.env += ["container=runc"]
  | .process.capabilities = {bounding:$caps, effective:$caps, permitted:$caps}
  | .process.noNewPrivileges = false | .root.readonly = false | .hostname = "sdcg"
  | .mounts = $m
  | .linux.namespaces = [{"type":"pid"},{"type":"network"},{"type":"ipc"},{"type":"uts"},
                         {"type":"mount"},{"type":"cgroup"}]
  | .linux.cgroupsPath = $cg
  | .linux.maskedPaths = [] | .linux.readonlyPaths = []
  | .linux.resources = {devices:[{allow:true, access:"rwm"}]}
  | del(.linux.seccomp)' --argjson caps "$caps" --argjson m "$mounts" --arg cg "/$cg"

# ---- boot it (cleanup first: the container, then the subtree in every hierarchy)
rroot=$SV_TEST_TMP/runc-root
sysd_id=$SV_ID-sysd
remove_subtree() {
  local d
  for d in "$cgfs/$cg" "$cgfs"/*/"$cg"; do
    [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
  done
  return 0
}
stop_systemd() {
  "$SV_REF_RUNC" --root "$rroot" kill "$sysd_id" KILL >/dev/null 2>&1
  sv_wait_until 10 sh -c "! '$SV_REF_RUNC' --root '$rroot' state '$sysd_id' 2>/dev/null | grep -q running"
  "$SV_REF_RUNC" --root "$rroot" delete -f "$sysd_id" >/dev/null 2>&1
  remove_subtree
}
sv_on_exit stop_systemd
mkdir -p "$v2dir/$cg"
# runc places the init in the v1 hierarchies; the cgroup2 one (hybrid) it inherits from here.
( echo "$BASHPID" >"$v2dir/$cg/cgroup.procs"
  exec "$SV_REF_RUNC" --root "$rroot" run -d --bundle "$sysd" "$sysd_id" \
    </dev/null >"$SV_TEST_TMP/sysd.out" 2>&1 ) \
  || sv_fail "runc cannot start the systemd container: $(cat "$SV_TEST_TMP/sysd.out")"

inside() {   # inside CMD...: run in the systemd container, with sysvisor-runc's environment
  "$SV_REF_RUNC" --root "$rroot" exec --env LD_LIBRARY_PATH="$share/hostlibs" \
    --env SYSVISOR_PLUGINS_CONF="$share/plugins.conf" --env SYSVISOR_LIB_DIR="$share/lib" \
    "$sysd_id" "$@"
}
booted() {
  case $(inside systemctl is-system-running 2>/dev/null) in running|degraded) return 0 ;; esac
  return 1
}
sv_wait_until 60 booted \
  || sv_fail "systemd does not boot under runc: $(inside systemctl is-system-running 2>&1 || true)"
assert_eq 1 "$(inside cat /proc/1/comm | grep -c systemd)" "systemd is PID 1 of the container"

# ---- a busybox bundle with limits, run with --systemd-cgroup inside
sv_use_plugins none none none
cp "$SYSVISOR_PLUGINS_CONF" "$share/plugins.conf"
b=$share/bundle
sv_core_bundle "$b" sleep 1000
# A nested slice, as the kubelet's pod slices (kubepods-burstable-pod<uid>.slice): systemd
# makes the slices on the way.
scg=/sysvisor.slice/sysvisor-test.slice
sv_spec_set "$b" '.linux.cgroupsPath = "sysvisor-test.slice:sysvisor:'"$SV_ID"'"
  | .linux.resources.memory = {limit: 67108864} | .linux.resources.pids = {limit: 50}
  | .linux.resources.cpu = {quota: 50000, period: 100000}'
unit=sysvisor-$SV_ID.scope
svr="$SV_RUNC --root /run/sv-state --systemd-cgroup"
out=$(inside sh -c "cd $b && $svr run -d $SV_ID </dev/null >$share/run.out 2>&1; echo \$?")
assert_eq 0 "$out" "run -d --systemd-cgroup inside systemd: $(cat "$share/run.out")"

assert_eq active "$(inside systemctl is-active "$unit" || true)" "the scope is an active unit"
show=$(inside systemctl show -p MemoryMax -p TasksMax -p CPUQuotaPerSecUSec -p Delegate \
  -p ControlGroup -p Transient "$unit")
prop() { sed -n "s/^$1=//p" <<<"$show"; }
assert_eq 67108864 "$(prop MemoryMax)" "MemoryMax from linux.resources.memory.limit"
assert_eq 50 "$(prop TasksMax)" "TasksMax from linux.resources.pids.limit"
assert_eq 500ms "$(prop CPUQuotaPerSecUSec)" "CPUQuota from cpu.quota/cpu.period"
assert_eq yes "$(prop Delegate)" "the scope is delegated"
assert_eq yes "$(prop Transient)" "a transient unit"
assert_eq "$scg/$unit" "$(prop ControlGroup)" "slice:prefix:name -> the scope's cgroup"
status=$(inside systemctl status --no-pager "$unit" || true)
assert_match "sysvisor container $SV_ID" "$status" "systemctl status names the container"

pid=$(inside $svr state "$SV_ID" | jq -r .pid)
assert_match '^[0-9]+$' "$pid" "the init's pid (inside systemd's pid namespace)"
assert_match "[[:space:]]${pid}[[:space:]]" " $(inside cat "$cgfs/systemd/${scg#/}/$unit/cgroup.procs" 2>/dev/null \
  || inside cat "$cgfs/${scg#/}/$unit/cgroup.procs") " "the init is in the scope"
assert_eq "" "$(inside cat /proc/"$pid"/cgroup | grep -v ":/${scg#/}/$unit\$" || true)" \
  "the init is in the scope in every hierarchy (those systemd does not manage too)"

memfile() {
  inside cat "$cgfs/memory/${scg#/}/$unit/memory.limit_in_bytes" 2>/dev/null \
    || inside cat "$cgfs/${scg#/}/$unit/memory.max"
}

# `update` changes the unit's property too: a daemon-reload (systemd re-applies every unit's
# properties to its cgroup) keeps the new limit.
assert_eq 67108864 "$(memfile)" "the memory limit is in the cgroup file"

assert_ok inside $svr update --memory 134217728 "$SV_ID"
assert_eq 134217728 "$(inside systemctl show -P MemoryMax "$unit")" "update sets MemoryMax"
assert_ok inside systemctl daemon-reload
assert_eq 134217728 "$(memfile)" "the updated limit survives a daemon-reload"

assert_ok inside $svr delete -f "$SV_ID"
assert_fail inside systemctl status --no-pager "$unit"
assert_match "could not be found" "$SV_OUT" "after delete the scope is gone"
assert_eq "" "$(inside sh -c "ls -d $cgfs/${scg#/}/$unit $cgfs/*/${scg#/}/$unit 2>/dev/null" || true)" \
  "no cgroup of the scope is left in any hierarchy"
assert_fail inside test -e "/run/sv-state/$SV_ID"   # its state is gone too

# ---- systemd is the init but does not answer on D-Bus: one line naming the flag and the fix
out=$(inside unshare -m sh -c "mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/system &&
  cd $b && $svr run -d $SV_ID-nodbus </dev/null 2>&1; echo rc=\$?") || true
assert_match 'rc=1$' "$out" "run fails when systemd cannot be reached"
assert_eq 2 "$(wc -l <<<"$out")" "one error line (and the rc): $out"
assert_match '^sysvisor-runc: --systemd-cgroup: [^
]*systemd does not answer on D-Bus.*systemctl start dbus.*or run without --systemd-cgroup' \
  "$out" "the error names the flag and the fix"
assert_eq "" "$(inside sh -c "ls -d $cgfs/*/${scg#/}/sysvisor-$SV_ID-nodbus.scope 2>/dev/null" || true)" \
  "nothing left of the failed create"

sv_log "ok: --systemd-cgroup makes a transient scope with the limits under a real systemd, delete stops it"
