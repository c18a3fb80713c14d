#!/bin/bash
# idmapped-mounts-overlay: an overlay rootfs mounted at bundle/rootfs before `create`, as containerd
# does, without Docker.  The container writes files, chowns one to 5:5, deletes a lower file
# and a lower directory, recreates a directory; on the host the upper directory shows the new
# file owned 0:0, the chowned one 5:5, whiteouts, and an opaque directory (made before, by a
# host overlay) that stays opaque.  Then the same with Docker's overlay2 layout mounted with
# relative layer paths (l/ABC symlinks, <id>/diff), as dockerd does when the options are long.
set -euo pipefail
. "$(dirname "$0")/idmapped-mounts-lib.sh"

shiftfs_setup
d=$SV_TEST_TMP/ovl
b=$d/bundle
mkdir -p "$d/upper" "$d/work" "$b/rootfs"
shiftfs_bundle "$d/tmp-bundle"
mv "$d/tmp-bundle/rootfs" "$d/lower"
mv "$d/tmp-bundle/config.json" "$b/config.json"
echo victim >"$d/lower/etc/victim"
mkdir -p "$d/lower/opq" "$d/lower/olddir/deep"
echo hidden >"$d/lower/opq/hidden"
echo old >"$d/lower/olddir/deep/f"
chown -R 0:0 "$d/lower"

# An opaque directory in the upper layer, made the way Docker's layers carry them: by a host
# overlay that replaces a lower directory (trusted.overlay.opaque=y on upper/opq).
mkdir -p "$d/m0"
mount -t overlay overlay -o "lowerdir=$d/lower,upperdir=$d/upper,workdir=$d/work" "$d/m0"
rm -rf "$d/m0/opq"
mkdir "$d/m0/opq"
echo new >"$d/m0/opq/visible"
umount "$d/m0"

mount -t overlay overlay -o "lowerdir=$d/lower,upperdir=$d/upper,workdir=$d/work" "$b/rootfs"
sv_on_exit "umount -l '$b/rootfs' 2>/dev/null || true"

script='
set -u
st() { stat -c %u:%g "$1"; }
echo "root=$(st /) passwd=$(st /etc/passwd) opq=$(ls /opq | tr "\n" " ")"
echo new >/newfile && echo "newfile=$(st /newfile)"
echo c >/c5 && chown 5:5 /c5 && echo "c5=$(st /c5)"
chown 6:6 /etc/hostname && echo "copied-up=$(st /etc/hostname)"
rm /etc/victim && echo "victim=$([ -e /etc/victim ] && echo present || echo gone)"
rm -r /olddir && mkdir /olddir && echo "olddir=$(ls -A /olddir | wc -l)"
'
sv_spec_args "$b" sh -c "$script"
shiftfs_run_out "$SV_ID-a" "$b"
assert_eq 0 "$SV_RC" "run on an overlay rootfs: $SV_OUT"
expected="root=0:0 passwd=0:0 opq=visible 
newfile=0:0
c5=5:5
copied-up=6:6
victim=gone
olddir=0"
assert_eq "$expected" "$SV_OUT" "inside: the overlay appears owned by root and works"
assert_eq "overlay" "$(findmnt -no FSTYPE --mountpoint "$b/rootfs")" "containerd's overlay is still mounted"

# On disk, in the upper directory.
u=$d/upper
assert_eq 0:0 "$(stat -c %u:%g "$u/newfile")" "new file, on disk"
assert_eq 5:5 "$(stat -c %u:%g "$u/c5")" "file chowned to 5:5, on disk"
assert_eq 6:6 "$(stat -c %u:%g "$u/etc/hostname")" "copied-up file chowned to 6:6, on disk"
assert_eq 0:0 "$(stat -c %u:%g "$u/etc")" "copied-up directory, on disk"
assert_eq "character special file 0:0" "$(stat -c '%F %t:%T' "$u/etc/victim")" "whiteout of a deleted lower file"
assert_eq 0 "$(find "$u/olddir" -mindepth 1 | wc -l)" "recreated directory is empty in upper"
assert_eq 0:0 "$(stat -c %u:%g "$d/lower/etc/passwd")" "the lower layer is untouched"
assert_eq victim "$(cat "$d/lower/etc/victim")" "the lower layer keeps its files"
# The host's overlay reads the upper dir the container wrote as Docker's would: opaque dirs
# stay opaque, the recreated directory hides the lower one, the whiteout hides the file.
umount "$b/rootfs"
mkdir -p "$d/m1"
mount -t overlay overlay -o "lowerdir=$d/lower,upperdir=$d/upper,workdir=$d/work" "$d/m1"
assert_eq "visible" "$(ls "$d/m1/opq")" "the opaque directory stays opaque"
assert_eq "" "$(ls -A "$d/m1/olddir")" "the recreated directory is opaque"
assert_file_absent "$d/m1/etc/victim" "the deleted file stays deleted"
assert_eq 5:5 "$(stat -c %u:%g "$d/m1/c5")" "the chowned file, through the host overlay"
umount "$d/m1"
sv_assert_nothing_left "$SV_ID-a" "$b"

# Docker's overlay2 layout with relative paths: <home>/l/<short> -> ../<layer>/diff, mounted
# from <home> as lowerdir=l/A:l/B,upperdir=<id>/diff,workdir=<id>/work at <id>/merged.
h=$d/overlay2
mkdir -p "$h/l" "$h/layer0" "$h/layer1/diff/etc" "$h/cid/diff" "$h/cid/work" "$h/cid/merged"
mv "$d/lower" "$h/layer0/diff"
echo from-layer1 >"$h/layer1/diff/etc/motd"
ln -s ../layer0/diff "$h/l/AAAA"
ln -s ../layer1/diff "$h/l/BBBB"
(cd "$h" && mount -t overlay overlay -o lowerdir=l/BBBB:l/AAAA,upperdir=cid/diff,workdir=cid/work cid/merged)
sv_on_exit "umount -l '$h/cid/merged' 2>/dev/null || true"
assert_match "lowerdir=l/BBBB:l/AAAA,upperdir=cid/diff" "$(grep -F "$h/cid/merged" /proc/self/mountinfo)" \
  "the kernel shows the relative paths"
b2=$d/bundle2
mkdir -p "$b2"
jq '.root.path = $p' --arg p "$h/cid/merged" "$b/config.json" >"$b2/config.json"
sv_spec_args "$b2" sh -c 'cat /etc/motd; stat -c %u:%g / /etc/passwd; echo x >/made; chown 9:9 /made'
shiftfs_run_out "$SV_ID-b" "$b2"
assert_eq 0 "$SV_RC" "run on a relative-path overlay: $SV_OUT"
assert_eq $'from-layer1\n0:0\n0:0' "$SV_OUT" "the layers, resolved against Docker's overlay2 dir"
assert_eq 9:9 "$(stat -c %u:%g "$h/cid/diff/made")" "written to <id>/diff, on disk"
sv_assert_nothing_left "$SV_ID-b" "$b2"

# A rootfs inside an overlay, not at its mount point, cannot be shifted: one clear error.
jq '.root.path = $p' --arg p "$h/cid/merged/etc" "$b/config.json" >"$b2/config.json"
shiftfs_run_out "$SV_ID-c" "$b2"
assert_ne 0 "$SV_RC" "a rootfs inside an overlay"
assert_match "rootfs $h/cid/merged/etc lies inside the overlay mounted at $h/cid/merged, which cannot be ID-mapped; point root.path at the overlay's mount point" \
  "$SV_OUT" "the error names the overlay and the fix"
assert_file_absent "$SV_ROOT/$SV_ID-c" "no state left"
sv_log "ok: overlay rootfs shifted over ID-mapped layers (idmap = $SHIFTFS_IDMAP)"
