#!/bin/bash
# cgroup2-host-vm: the runtime on a real pure cgroup v2 host, the layout of a default Debian 12
# machine (systemd mounts cgroup2 alone and turns every controller on), which this host's
# hybrid layout cannot show (its memory, pids, cpu and io controllers are bound to v1, so a
# cgroup2 view of it has none of them). Boots Debian 12's own kernel in QEMU (TCG: no KVM
# needed) on an image holding a Debian rootfs and this build, with only cgroup2 mounted and
# every controller delegated from its root, and runs there the integration tests whose
# cgroup work differs by layout: resources and their read-back, delegation, freeze, exec into
# the container's cgroup, the memory, cpu and pids limits that sysvisor-fs shows inside.
set -eu
. "$(dirname "$0")/../lib/common.sh"
. "$SV_LIB_DIR/vm.sh"
sv_require_root
sv_require_runtime
sv_require_cmd qemu-system-x86_64 apt-get dpkg mkfs.ext4 zstd

tests=(oci-cgroups core-lifecycle core-run oci-exec runc-parity-frozen runc-parity-namespaces
       sysvisor-fs-cgroup-v2 procfs-sysinfo procfs-limits)

kdir=$(sv_vm_kernel) || sv_skip "no Debian kernel package to boot (apt-get download failed)"
sv_log "kernel $(ls "$kdir/lib/modules"); building the image"
img=$SV_TEST_TMP/vm.img
log=$SV_TEST_TMP/console.log
sv_vm_image "$img" "$kdir" "${tests[@]}" || sv_fail "cannot build the machine's image"
sv_log "image $(du -h --apparent-size "$img" | cut -f1); booting (${tests[*]})"
rc=0
sv_vm_boot "$img" "$kdir" "$log" || rc=$?
grep -E '^sv-vm: |^    ' "$log" >&2 || true
case $rc in
  0) ;;
  124) sv_fail "the machine ran out of time (${SV_VM_TIMEOUT:-1200} s); console: $(tail -n 5 "$log")" ;;
  125) sv_fail "the machine reported no result; console: $(tail -n 20 "$log")" ;;
  *) sv_fail "$rc of ${#tests[@]} tests failed on the pure cgroup v2 host" ;;
esac
grep -q '^sv-vm: kernel .*cgroup2 controllers: .*memory.*pids' "$log" ||
  sv_fail "the machine's cgroup2 root lacks memory or pids: $(grep '^sv-vm: kernel' "$log")"
ran=$(grep -cE '^sv-vm: [a-z0-9-]+ OK ' "$log" || true)
[ "$ran" -ge 1 ] || sv_fail "no test passed inside the machine (all skipped?)"
sv_log "$ran of ${#tests[@]} tests passed on the pure cgroup v2 host, none failed"
