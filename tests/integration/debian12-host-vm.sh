#!/bin/bash
# debian12-host-vm: the runtime on a default Debian 12 machine, which this host is not: Debian
# 12's own kernel (6.1, where this host runs 6.18) and its cgroup layout, pure cgroup v2
# (systemd mounts cgroup2 alone and turns every controller on; here memory, pids, cpu and io
# are bound to v1, so a cgroup2 view of this host has none of them). Boots that kernel in QEMU
# (TCG: no KVM needed) on an image holding a Debian rootfs and this build, with only cgroup2
# mounted and every controller delegated from its root (tests/lib/vm.sh), and runs there the
# integration tests whose work differs by kernel or layout: resources and their read-back,
# delegation, freeze, exec into the container's cgroup, the limits sysvisor-fs shows inside,
# masked paths, the device program, an overlay rootfs (Docker's) remade over ID-mapped layers.
set -eu
. "$(dirname "$0")/../lib/common.sh"
. "$SV_LIB_DIR/vm.sh"
sv_require_root
sv_require_runtime
sv_require_cmd qemu-system-x86_64 apt-get dpkg mkfs.ext4 zstd

tests=(oci-cgroups core-lifecycle core-run core-process oci-exec runc-parity-frozen
       runc-parity-namespaces sysvisor-fs-cgroup-v2 procfs-sysinfo procfs-limits
       escape-keys-devices idmapped-mounts-overlay)

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
  *) sv_fail "$rc of ${#tests[@]} tests failed on the Debian 12 machine" ;;
esac
grep -q '^sv-vm: kernel .*cgroup2 controllers: .*memory.*pids' "$log" ||
  sv_fail "the machine's cgroup2 root lacks memory or pids: $(grep '^sv-vm: kernel' "$log")"
ran=$(grep -cE '^sv-vm: [a-z0-9-]+ OK ' "$log" || true)
[ "$ran" -ge 1 ] || sv_fail "no test passed inside the machine (all skipped?)"
sv_log "$ran of ${#tests[@]} tests passed on the Debian 12 machine, none failed"
