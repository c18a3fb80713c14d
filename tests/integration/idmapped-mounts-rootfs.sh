#!/bin/bash
# idmapped-mounts-rootfs: a plain-directory rootfs and bind mounts under shift = shiftfs.  The image
# (owned by host root, never chowned) appears owned by container root; root inside creates,
# chowns and deletes files in the rootfs and in an allowed bind mount, and they land on disk
# as host root (a chown to 5:5 as 5:5); a file of an unmapped host uid stays untouchable; an
# rbind shifts its submounts too, and one holding a filesystem that cannot be ID-mapped (proc;
# tmpfs before Linux 6.3) is shifted but for that submount, and leaves out a mount hidden under
# another; a bind of such a filesystem (proc) is mounted unshifted; the container's processes
# run as the range's uid on the host.
set -euo pipefail
. "$(dirname "$0")/idmapped-mounts-lib.sh"

shiftfs_setup
b=$SV_TEST_TMP/b
shiftfs_bundle "$b"
data=$(shiftfs_private_dir data)
echo old >"$data/lower-file"
mkdir "$data/sub"
mount -t tmpfs -o mode=0755 tmpfs "$data/sub"
sv_on_exit "umount -l '$data/sub' 2>/dev/null || true"
echo in-tmpfs >"$data/sub/t"
mkdir "$data/p"
mount -t proc proc "$data/p"
sv_on_exit "umount -l '$data/p' 2>/dev/null || true"
# A mount hidden under a later mount over its parent: not reachable on the host, nor inside.
mkdir "$data/over"
mount -t tmpfs -o mode=0755 tmpfs "$data/over"
sv_on_exit "umount -l '$data/over' 2>/dev/null || true; umount -l '$data/over' 2>/dev/null || true"
mkdir "$data/over/hidden" "$data/over/shadowed"
mount -t tmpfs tmpfs "$data/over/hidden"
mount -t tmpfs tmpfs "$data/over/shadowed"
echo hidden >"$data/over/shadowed/f"
mount -t tmpfs -o mode=0755 tmpfs "$data/over"
mkdir "$data/over/shadowed"
echo top >"$data/over/shadowed/f"
# tmpfs can be ID-mapped since Linux 6.3; before, the rbind's tmpfs stays unshifted.
IFS=.- read -r kmajor kminor _ <<<"$(uname -r)"
if [ "$kmajor" -gt 6 ] || { [ "$kmajor" -eq 6 ] && [ "$kminor" -ge 3 ]; }; then
  sub=0:0
else
  sub=65534:65534
fi
procdir=$(shiftfs_private_dir proc)
mount -t proc proc "$procdir"
sv_on_exit "umount -l '$procdir' 2>/dev/null || true"
shiftfs_add_bind "$b" "$data" /data rbind
shiftfs_add_bind "$b" "$procdir" /hostproc
# a file of a host uid outside the container's range
echo x >"$b/rootfs/unmapped"
chown 200000:200000 "$b/rootfs/unmapped"
mkdir -p "$b/rootfs/data" "$b/rootfs/hostproc"   # (or the runtime makes the mount points)
# (so are those of the storage mounts: /var/lib/docker, ...; see syscont-storage)
mkdir -p "$b/rootfs"/var/lib/{docker,containerd,buildkit,kubelet,rancher/k3s}
before=$(find "$b/rootfs" -xdev -printf '%u:%g %p\n' | sort | md5sum)

script='
set -u
st() { stat -c %u:%g "$1"; }
echo "root=$(st /) passwd=$(st /etc/passwd) data=$(st /data) sub=$(st /data/sub/t)"
hid=absent; [ -e /data/over/hidden ] && hid=shown
echo "over=$(cat /data/over/shadowed/f) hidden=$hid"
echo "proc-in-rbind=$(st /data/p/uptime) $(head -c 4 /data/p/uptime >/dev/null && echo readable)"
echo new >/newfile && chown 5:5 /newfile && echo "newfile=$(st /newfile)"
echo gone >/tobedeleted && rm /tobedeleted && echo "deleted=$([ -e /tobedeleted ] && echo no || echo yes)"
echo c >/data/created && echo "created=$(st /data/created)"
echo c >/data/chowned && chown 7:8 /data/chowned && echo "chowned=$(st /data/chowned)"
rm /data/lower-file && echo "rm-in-bind=ok"
touch /unmapped 2>/dev/null && echo "touch-unmapped=allowed" || echo "touch-unmapped=refused"
echo "unmapped=$(st /unmapped)"
head -c 4 /hostproc/uptime >/dev/null && echo "proc-bind=readable"
'
sv_spec_args "$b" sh -c "$script"
shiftfs_run_out "$SV_ID-a" "$b"
assert_eq 0 "$SV_RC" "run: $SV_OUT"
expected="root=0:0 passwd=0:0 data=0:0 sub=$sub
over=top hidden=absent
proc-in-rbind=65534:65534 readable
newfile=5:5
deleted=yes
created=0:0
chowned=7:8
rm-in-bind=ok
touch-unmapped=refused
unmapped=65534:65534
proc-bind=readable"
assert_eq "$expected" "$SV_OUT" "what container root sees and can do"

# On disk: the container's files are host root's (5:5 stays 5:5); nothing else changed owner.
assert_eq 0:0 "$(stat -c %u:%g "$data/created")" "a file created in the bind mount, on disk"
assert_eq 7:8 "$(stat -c %u:%g "$data/chowned")" "a file chowned to 7:8 in the bind mount, on disk"
assert_file_absent "$data/lower-file" "a file removed in the bind mount"
assert_eq 5:5 "$(stat -c %u:%g "$b/rootfs/newfile")" "a file chowned to 5:5 in the rootfs, on disk"
rm -f "$b/rootfs/newfile"
assert_eq "$before" "$(find "$b/rootfs" -xdev -printf '%u:%g %p\n' | sort | md5sum)" \
  "the image's ownership is untouched (no chown)"
assert_eq 200000:200000 "$(stat -c %u:%g "$b/rootfs/unmapped")" "the unmapped file"
sv_assert_nothing_left "$SV_ID-a" "$b"

# The container's processes run as the range's uid on the host, not as host root.
sv_spec_args "$b" sleep 600
sv_rt_bg run -d --bundle "$b" "$SV_ID-b"
pid=$(sv_state_field "$SV_ID-b" pid)
root_uid=$(shiftfs_root_uid "$pid")
assert_ne 0 "$root_uid" "container root is not host root"
assert_eq "$root_uid:$root_uid" "$(stat -c %u:%g "/proc/$pid")" "the init's owner on the host"
sv_rt kill "$SV_ID-b" KILL
sv_wait_until 10 sh -c "[ \"\$($SV_RUNC --root $SV_ROOT state $SV_ID-b 2>/dev/null | jq -r .status)\" = stopped ]" || true
assert_ok sv_rt delete -f "$SV_ID-b"
sv_assert_nothing_left "$SV_ID-b" "$b"
sv_log "ok: rootfs and bind mounts shifted without chown (idmap = $SHIFTFS_IDMAP)"
