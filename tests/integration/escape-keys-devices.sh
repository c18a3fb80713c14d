#!/bin/bash
# escape-keys-devices: keyrings and devices, attacked from inside running system containers
# (bundles driven by sysvisor-runc, exclusive uid ranges), with root's default capabilities and
# again with CAP_SYS_ADMIN added to the spec (as `--cap-add SYS_ADMIN`):
#   keys     the test runs under a session keyring of its own holding a host canary key (as a
#            systemd unit or a login session does); container A adds keys to its session and
#            user keyrings.  Container B cannot read, describe, link or request_key A's keys
#            nor the host's; A cannot reach the host's canary (its session keyring is its own,
#            not the runtime caller's: it was inherited before, and A found and read the
#            canary); A's keys never land in the host's keyrings; /proc/keys inside lists only
#            the container's own keys.  The host's canary also from `docker run` (default
#            capabilities, --cap-add SYS_ADMIN) and `docker exec`, dockerd started under the
#            test's session keyring
#   devices  device nodes shipped in the rootfs (the host's disk under /, /dev/mem, /dev/kmsg)
#            cannot be opened (the device cgroup refuses: EPERM, while a control node of an
#            allowed device, c 1:3, opens), mknod is refused, and root inside cannot widen its
#            device cgroup (devices.allow, a fresh devices hierarchy); the host's devices.list
#            for the container is unchanged.  The same under cgroup v2 (the host's cgroup2
#            mount as SYSVISOR_CGROUP_ROOT: the BPF device program is then the only guard, the
#            container staying in the v1 devices root that allows everything)
set -eu
# The host side of the keys case: a session keyring of our own, as dockerd's unit has one
# (KeyringMode=private); the container must not inherit it.  Gone with this process.
if [ -z "${SV_ESC_KEYRING:-}" ] && [ -x "${SV_PROBE:-}" ]; then
  SV_ESC_KEYRING=1 exec "$SV_PROBE" keyring-exec bash "$0" "$@"
fi
. "$(dirname "$0")/../lib/common.sh"
. "$SV_LIB_DIR/busybox-rootfs.sh"
. "$SV_LIB_DIR/runtime.sh"
. "$SV_LIB_DIR/docker.sh"
sv_require_root
sv_require_runtime
sv_require_probe
sv_require_cmd jq findmnt mknod

refused=0   # attacks refused, counted for the log line at the end
sv_use_plugins auto auto none
sv_use_exclusive_ids
b=$SV_TEST_TMP/bundle
sv_core_bundle "$b" /sv-probe signal-wait
# runc's spec masks /proc/keys; unmasked here, so that what the kernel shows is checked.
sv_spec_set "$b" '.linux.maskedPaths -= ["/proc/keys"]'
cp "$b/config.json" "$SV_TEST_TMP/good.json"

# use_spec CAPS ARGS-JSON: a fresh config.json; CAPS "default" or "sysadmin" (CAP_SYS_ADMIN
# added to every set, what Docker's --cap-add SYS_ADMIN hands the runtime).
use_spec() {
  cp "$SV_TEST_TMP/good.json" "$b/config.json"
  sv_spec_set "$b" '.process.args = $a' --argjson a "$2"
  if [ "$1" = sysadmin ]; then
    sv_spec_set "$b" '.process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN"])'
  fi
}
# run_in NAME CAPS SCRIPT: run SCRIPT (sh -c) in a new container; output in SV_OUT.
run_in() {
  use_spec "$2" "$(jq -cn --arg s "$3" '["sh", "-c", $s]')"
  SV_OUT=$(sv_rt run --bundle "$b" "$SV_ID-$1" 2>&1 </dev/null) || true
  sv_rt delete --force "$SV_ID-$1" >/dev/null 2>&1 || true
}
# count_refused WHAT TEXT: every line of TEXT is an "error ..." line of sv-probe.
count_refused() {
  local line
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    [[ $line == error\ * ]] || sv_fail "$1: not refused: '$line' (all: $2)"
    refused=$((refused + 1))
  done <<<"$2"
}

# ---- keys ----
host_desc=sv-esc-host-$SV_ID
hk=$("$SV_PROBE" key-add session "$host_desc" hostsecret)
assert_match '^[0-9]+$' "$hk" "the host's canary key was added"
assert_match ';sv-host$' "$("$SV_PROBE" key-session)" "the test runs under its own session keyring"

use_spec default "$(jq -cn --arg h "$hk" --arg d "$host_desc" '["sh", "-c",
  "/sv-probe key-add session sv-esc-a-ses secret-ses key-add user sv-esc-a-usr secret-usr >/tmp/ids
   /sv-probe key-session key-search \($d) key-read \($h) key-describe \($h) key-link \($h) >/tmp/host 2>&1
   cat /proc/keys >/tmp/proc-keys
   exec /sv-probe signal-wait"]')"
sv_rt_bg create --bundle "$b" "$SV_ID-ka"
assert_ok sv_rt start "$SV_ID-ka"
sv_wait_until 10 sv_rt exec "$SV_ID-ka" test -s /tmp/proc-keys || sv_fail "container A did not add its keys"
assert_ok sv_rt exec "$SV_ID-ka" cat /tmp/ids
read -r ka_ses ka_usr <<<"$(tr '\n' ' ' <<<"$SV_OUT")"
assert_match '^[0-9]+ [0-9]+$' "$ka_ses $ka_usr" "container A's keys were added"
assert_ok sv_rt exec "$SV_ID-ka" cat /tmp/host
sv_log "container A, the host's session keyring and canary: $(tr '\n' ';' <<<"$SV_OUT")"
[[ $SV_OUT != *sv-host* && $SV_OUT != *hostsecret* ]] ||
  sv_fail "container A reached the host's session keyring or its canary key: $SV_OUT"
count_refused "container A, the host's canary" "$(tail -n +2 <<<"$SV_OUT")"
assert_ok sv_rt exec "$SV_ID-ka" cat /tmp/proc-keys
[[ $SV_OUT != *"$host_desc"* ]] || sv_fail "container A's /proc/keys shows the host's key: $SV_OUT"
assert_match 'sv-esc-a-usr' "$SV_OUT" "container A's /proc/keys shows its own key"
# A key that is A's, asked for by B and by the host.
attack_keys="key-read $ka_ses key-read $ka_usr key-describe $ka_ses key-describe $ka_usr
  key-link $ka_ses key-link $ka_usr key-search sv-esc-a-ses key-search sv-esc-a-usr
  key-read $hk key-search $host_desc"
for caps in default sysadmin; do
  run_in kb "$caps" "/sv-probe $(tr '\n' ' ' <<<"$attack_keys"); echo; cat /proc/keys"
  sv_log "container B ($caps): $(tr '\n' ';' <<<"$SV_OUT")"
  [[ $SV_OUT != *secret* && $SV_OUT != *sv-esc-a-* && $SV_OUT != *"$host_desc"* ]] ||
    sv_fail "container B ($caps) reached container A's or the host's keys: $SV_OUT"
  count_refused "container B ($caps)" "$(sed -n '1,10p' <<<"$SV_OUT")"
done
# shellcheck disable=SC2086
out=$("$SV_PROBE" key-search sv-esc-a-ses key-search sv-esc-a-usr key-read $ka_ses key-read $ka_usr 2>&1) || true
sv_log "the host asks for A's keys: $(tr '\n' ';' <<<"$out")"
count_refused "the host's keyrings" "$out"
assert_eq hostsecret "$("$SV_PROBE" key-read "$hk")" "the host's canary key is intact"
assert_ok sv_rt delete --force "$SV_ID-ka"
# Through Docker: a private dockerd started under the test's session keyring (as dockerd's
# unit runs), docker run with the default capabilities and with --cap-add SYS_ADMIN, and
# docker exec.
if sv_docker_start_sysvisor && sv_docker_import_busybox bb; then
  host_attack="key-search $host_desc key-read $hk key-describe $hk key-link $hk"
  D="sv_docker run --runtime=sysvisor-runc --network none --rm"
  c=$(sv_docker run -d --runtime=sysvisor-runc --network none bb sleep 3600)
  sv_on_exit "sv_docker rm -f $c >/dev/null 2>&1"
  for how in "$D bb" "$D --cap-add SYS_ADMIN bb" "sv_docker exec $c"; do
    # shellcheck disable=SC2086
    out=$($how /sv-probe key-session $host_attack 2>&1) || true
    sv_log "$how: $(tr '\n' ';' <<<"$out")"
    [[ $out != *sv-host* && $out != *hostsecret* ]] || sv_fail "$how: the host's session keyring or key was reached: $out"
    count_refused "$how" "$(tail -n +2 <<<"$out")"
  done
else
  sv_log "dockerd cannot start here: the Docker keyring cases are not run"
fi

# ---- devices ----
disk_mm=$(findmnt -no MAJ:MIN / | tr -d ' ')
[ -n "$disk_mm" ] || sv_fail "no device number for /"
for n in hostdisk:b:${disk_mm%:*}:${disk_mm#*:} mem:c:1:1 kmsg:c:1:11 ctl:c:1:3; do
  IFS=: read -r name type maj min <<<"$n"
  mknod -m 666 "$b/rootfs/$name" "$type" "$maj" "$min"
done
chown -h "$(stat -c %u:%g "$b/rootfs/bin")" "$b/rootfs"/{hostdisk,mem,kmsg,ctl}
kmsg_marker=sv-escape-kmsg-$SV_ID
# Reads only of the disk and of /dev/mem (a write would harm the host if the guard were gone).
dev_attack="
  head -c 1 /ctl >/dev/null && echo control-opened
  for n in hostdisk mem kmsg; do head -c 1 /\$n >/dev/null 2>&1 && echo OPENED-\$n || echo refused-\$n; done
  (echo $kmsg_marker >/kmsg) 2>/dev/null && echo WROTE-kmsg || echo refused-write-kmsg
  mknod /dev/sv-disk b ${disk_mm%:*} ${disk_mm#*:} 2>/dev/null && echo MKNOD-disk || echo refused-mknod-disk
  mknod /dev/sv-mem c 1 1 2>/dev/null && echo MKNOD-mem || echo refused-mknod-mem
  mkdir -p /dt && mount -t devtmpfs devtmpfs /dt 2>/dev/null && echo MOUNTED-devtmpfs || echo refused-devtmpfs
  for f in /sys/fs/cgroup/devices/devices.allow /sys/fs/cgroup/devices.allow; do
    [ -e \$f ] || continue
    (echo 'a *:* rwm' >\$f) 2>/dev/null && echo WIDENED-\$f || echo refused-widen
  done
  mount -o remount,rw /sys/fs/cgroup/devices 2>/dev/null && (echo a >/sys/fs/cgroup/devices/devices.allow) 2>/dev/null && echo WIDENED-remount
  mkdir -p /cgd && mount -t cgroup -o devices cgroup /cgd 2>/dev/null &&
    (echo a >/cgd/devices.allow) 2>/dev/null && echo WIDENED-fresh-hierarchy
  for n in hostdisk mem; do head -c 1 /\$n >/dev/null 2>&1 && echo OPENED-after-\$n || echo refused-after-\$n; done
  ls /dev"
# (v1 only: a pure cgroup v2 host has no devices.list, and both reads are then empty)
devices_list() { cat "/sys/fs/cgroup/devices/sysvisor/$1/devices.list" 2>/dev/null || true; }
check_devices() {   # check_devices MODE CAPS
  local out=$SV_OUT
  sv_log "devices ($1, $2): $(tr '\n' ';' <<<"$out")"
  assert_match 'control-opened' "$out" "devices ($1, $2): a node of an allowed device in the rootfs opens (the control)"
  [[ $out != *OPENED* && $out != *WROTE* && $out != *MKNOD* && $out != *MOUNTED* && $out != *WIDENED* ]] ||
    sv_fail "devices ($1, $2): a device was reached or the device cgroup widened: $out"
  [[ $out != *$'\nmem\n'* && $out != *$'\nkmsg\n'* ]] || sv_fail "devices ($1, $2): /dev/mem or /dev/kmsg in the container's /dev"
  refused=$((refused + $(grep -c '^refused' <<<"$out")))
}
# The host's own hierarchy: v1 devices (hybrid, as here) or, on a pure cgroup v2 host, BPF.
mode=v2
[ -d /sys/fs/cgroup/devices ] && mode=v1
for caps in default sysadmin; do
  use_spec "$caps" '["/sv-probe", "signal-wait"]'
  sv_rt_bg create --bundle "$b" "$SV_ID-dv"
  before=$(devices_list "$SV_ID-dv")
  [ "$mode" = v2 ] || assert_match 'c 1:3 rwm' "$before" "v1: the container's devices.list on the host"
  assert_ok sv_rt start "$SV_ID-dv"
  SV_OUT=$(sv_rt exec "$SV_ID-dv" sh -c "$dev_attack" 2>&1) || true
  check_devices "$mode" "$caps"
  assert_eq "$before" "$(devices_list "$SV_ID-dv")" "$mode ($caps): the container's devices.list is unchanged"
  assert_ok sv_rt delete --force "$SV_ID-dv"
done
v2=$(sv_cgroup2_mount)
if [ "$mode" = v1 ] && [ -n "$v2" ] && [ "$v2" != /sys/fs/cgroup ]; then
  sv_cgroup2_keep
  for caps in default sysadmin; do
    use_spec "$caps" '["/sv-probe", "signal-wait"]'
    SYSVISOR_CGROUP_ROOT=$v2 sv_rt_bg create --bundle "$b" "$SV_ID-d2"
    assert_ok sv_rt start "$SV_ID-d2"
    pid=$(sv_state_field "$SV_ID-d2" pid)
    # Only the BPF program guards: the init stays in the v1 devices cgroup the test runs in.
    assert_eq "$(awk -F: '$2 == "devices" {print $3}' /proc/self/cgroup)" \
      "$(awk -F: '$2 == "devices" {print $3}' "/proc/$pid/cgroup")" "v2: the container's v1 devices cgroup is the test's"
    SV_OUT=$(SYSVISOR_CGROUP_ROOT=$v2 sv_rt exec "$SV_ID-d2" sh -c "$dev_attack" 2>&1) || true
    check_devices v2 "$caps"
    SYSVISOR_CGROUP_ROOT=$v2 sv_rt delete --force "$SV_ID-d2" >/dev/null
  done
  assert_ok sv_cgroup2_restore
else
  sv_log "not a hybrid host: the device program of a v2 hierarchy beside v1 is not checked"
fi
if dmesg 2>/dev/null | grep -q "$kmsg_marker"; then sv_fail "the container wrote to the host's kernel log"; fi
echo "escape-keys-devices: ok ($refused attacks refused)"
