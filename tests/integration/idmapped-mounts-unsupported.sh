#!/bin/bash
# idmapped-mounts-unsupported: filesystems that cannot be ID-mapped.  The probe fails clearly, naming
# the filesystem, when the lib dir or Docker's data root is on one; a rootfs on one is an
# error naming its type (ramfs here), with nothing left behind; `shift = none` runs a rootfs
# chowned beforehand, as the core does without a shift plugin.
set -euo pipefail
. "$(dirname "$0")/idmapped-mounts-lib.sh"

b=$SV_TEST_TMP/b
shiftfs_bundle "$b" /sv-probe owner /

# The probe: the lib dir on sysfs (idmap = none: idmap-exclusive would want to write there).
SHIFTFS_IDMAP=none shiftfs_setup
SYSVISOR_LIB_DIR=/sys/kernel/sysvisor-test-lib shiftfs_run_out "$SV_ID-probe1" "$b"
assert_ne 0 "$SV_RC" "probe must fail for a lib dir on sysfs"
assert_match "^sysvisor-runc: plugin idmapped-mounts cannot run on this host: the lib dir /sys/kernel is on a sysfs filesystem, which this kernel cannot ID-map .*; put it on a filesystem that supports ID-mapped mounts" \
  "$SV_OUT" "the probe names the filesystem and the fix"
sv_assert_nothing_left "$SV_ID-probe1" "$b"

# The probe: Docker's data root on proc.
SHIFTFS_IDMAP=none shiftfs_setup "docker-data-root = /proc/sys"
shiftfs_run_out "$SV_ID-probe2" "$b"
assert_ne 0 "$SV_RC" "probe must fail for Docker's data root on proc"
assert_match "Docker's data root /proc/sys is on a proc filesystem, which this kernel cannot ID-map" \
  "$SV_OUT" "the probe names Docker's data root's filesystem"
sv_assert_nothing_left "$SV_ID-probe2" "$b"

# `sysvisor-runc plugins` shows the probe's verdict too (when the core lists it).
shiftfs_setup
out=$(sv_rt plugins 2>&1 || true)
sv_log "sysvisor-runc plugins: $(tr '\n' ' ' <<<"$out")"

# A rootfs on ramfs.
r=$SV_TEST_TMP/ramfs-bundle
mkdir -p "$r/rootfs"
mount -t ramfs ramfs "$r/rootfs"
sv_on_exit "umount -l '$r/rootfs' 2>/dev/null || true"
sv_busybox_rootfs "$r/rootfs"
cp "$b/config.json" "$r/config.json"
install -m 755 "$SV_PROBE" "$r/rootfs/sv-probe"
shiftfs_run_out "$SV_ID-ramfs" "$r"
assert_ne 0 "$SV_RC" "a rootfs on ramfs cannot be shifted"
assert_eq 1 "$(grep -c . <<<"$SV_OUT")" "one line of error: $SV_OUT"
assert_match "rootfs $r/rootfs: the ramfs filesystem at $r/rootfs cannot be ID-mapped .*; put it on a filesystem that supports ID-mapped mounts .* or set shift = none" \
  "$SV_OUT" "the error names the rootfs's filesystem type and the fix"
assert_file_absent "$SV_ROOT/$SV_ID-ramfs" "no state left"
assert_eq "ramfs" "$(findmnt -no FSTYPE --mountpoint "$r/rootfs")" "only the ramfs itself is mounted there"
assert_eq 1 "$(awk -v d="$r/rootfs" '$5 == d || index($5, d "/") == 1' /proc/self/mountinfo | wc -l)" \
  "nothing mounted on or below the rootfs but the ramfs"

# shift = none: the core's default, for a rootfs chowned to the range beforehand.
umount "$r/rootfs"
sv_use_plugins none none none
n=$SV_TEST_TMP/none
SV_BUNDLE_READONLY=false sv_busybox_bundle "$n" /sv-probe owner / owner /etc/passwd >/dev/null
chown -R "$SV_FALLBACK_UID:$SV_FALLBACK_UID" "$n/rootfs"
shiftfs_run_out "$SV_ID-none" "$n"
assert_eq 0 "$SV_RC" "shift = none: $SV_OUT"
assert_eq $'0:0\n0:0' "$SV_OUT" "shift = none with a chowned rootfs"
sv_log "ok: unsupported filesystems refused clearly; shift = none"
