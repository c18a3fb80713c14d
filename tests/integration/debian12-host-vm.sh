#!/bin/bash
# debian12-host-vm: the runtime on a default Debian 12 machine, which this host is not: Debian
# 12's own kernel (6.1, where this host runs 6.18) and its cgroup layout, pure cgroup v2
# (systemd mounts cgroup2 alone and turns every controller on; here memory, pids, cpu and io
# are bound to v1, so a cgroup2 view of this host has none of them). Boots that kernel in QEMU
# (TCG: no KVM needed) on an image holding a Debian rootfs and this build, with only cgroup2
# mounted and every controller delegated from its root (tests/lib/vm.sh), and runs there the
# integration tests whose work differs by kernel or layout: resources and their read-back,
# delegation, freeze, exec into the container's cgroup, the limits sysvisor-fs shows inside,
# masked paths, the device program, an overlay rootfs (Docker's) remade over ID-mapped layers,
# bind mounts holding tmpfs (not ID-mappable before 6.3), Docker itself (`docker run`, `update`
# on cgroup2), runc's `ps`, the storage of inner runtimes (ID-mapped directories of the lib dir),
# `check`'s probes, procfs-bench on cgroup2, and the harness's by-hand cleanup there.
set -eu
. "$(dirname "$0")/../lib/common.sh"
. "$SV_LIB_DIR/vm.sh"
sv_require_root
sv_require_runtime
sv_require_cmd qemu-system-x86_64 apt-get dpkg mkfs.ext4 zstd

tests=(oci-cgroups core-lifecycle core-run core-process oci-exec runc-parity-frozen
       runc-parity-namespaces runc-parity-cli sysvisor-fs-cgroup-v2 procfs-sysinfo procfs-limits
       escape-keys-devices idmapped-mounts-overlay idmapped-mounts-rootfs idmapped-mounts-docker
       docker-runtime syscont-storage install-check bench-procfs-smoke lib/selftest)

# (the harness's private-dockerd part is the same on any kernel, and a minute and a half here)
export SV_SELFTEST_NO_DOCKER=1
kdir=$(sv_vm_kernel) || sv_skip "no Debian kernel package to boot (apt-get download failed)"
img=$SV_TEST_TMP/vm.img
log=$SV_TEST_TMP/console.log
# boot_machine: a fresh image, booted; its status in rc
boot_machine() {
  rm -f "$img"
  sv_log "kernel $(ls "$kdir/lib/modules"); building the image"
  sv_vm_image "$img" "$kdir" "${tests[@]}" || sv_fail "cannot build the machine's image"
  sv_log "image $(du -h --apparent-size "$img" | cut -f1); booting (${tests[*]})"
  rc=0
  sv_vm_boot "$img" "$kdir" "$log" || rc=$?
  grep -E '^sv-vm: |^    ' "$log" >&2 || true
}
boot_machine
# The emulated machine's CPUs have locked up once in a dozen boots, both of them, in runc (the
# reference runtime) and its init: the guest kernel's watchdog says so and the machine is
# stopped.  Said, with the stack, and booted once more; a second lockup fails the test.
if [ "$rc" = 126 ]; then
  sv_log "the machine's CPUs locked up: $(grep -m 3 -E 'soft lockup|RIP:' "$log" | xargs)"
  grep -A 30 -m 1 'Call Trace' "$log" >&2 || true
  boot_machine
fi
case $rc in
  126) sv_fail "the machine's CPUs locked up twice: $(grep -m 1 'soft lockup' "$log")" ;;
  0) ;;
  124) sv_fail "the machine ran out of time (${SV_VM_TIMEOUT:-1200} s); console: $(tail -n 5 "$log")" ;;
  125) sv_fail "the machine reported no result; console: $(tail -n 20 "$log")" ;;
  *) sv_fail "$rc of ${#tests[@]} tests failed on the Debian 12 machine" ;;
esac
grep -q '^sv-vm: kernel .*cgroup2 controllers: .*memory.*pids' "$log" ||
  sv_fail "the machine's cgroup2 root lacks memory or pids: $(grep '^sv-vm: kernel' "$log")"
ran=$(grep -cE '^sv-vm: [a-z0-9/-]+ OK ' "$log" || true)
[ "$ran" -ge 1 ] || sv_fail "no test passed inside the machine (all skipped?)"
sv_log "$ran of ${#tests[@]} tests passed on the Debian 12 machine, none failed"
