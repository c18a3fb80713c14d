#!/bin/bash
# syscont-storage: /var/lib/docker, /var/lib/containerd, ... inside a system container are
# ID-mapped host directories under <lib dir>/storage/<id> (plugins.conf storage-paths): root
# inside owns them while on disk nothing is chowned; a mount of the spec at one of those paths
# wins; `run`/`delete` of a bundle frees them; a directory whose container has an owner path
# (Docker's containers/<id>) is kept across delete + create of the same id, and once the owner
# is gone `check` reports it, `gc` (or the next create) frees it; a tree nested deeper than
# the fd limit is freed all the same.
set -eu
. "$(dirname "$0")/../lib/common.sh"
. "$SV_LIB_DIR/busybox-rootfs.sh"
. "$SV_LIB_DIR/runtime.sh"
sv_require_root
sv_require_runtime
sv_require_probe

sv_use_plugins none none none
lib=$SYSVISOR_LIB_DIR
store=$lib/storage
b=$SV_TEST_TMP/bundle
id=$SV_ID-st
sv_core_bundle "$b" sh -c 'echo made-inside >/var/lib/docker/f && mkdir /var/lib/docker/sub &&
                           exec /sv-probe signal-wait'
# The user's own mount at /var/lib/containerd wins.
sv_spec_set "$b" '.mounts += [{"destination": "/var/lib/containerd", "type": "tmpfs",
                               "source": "tmpfs", "options": ["nosuid", "nodev"]}]'

sv_rt_bg run -d --bundle "$b" "$id"
pid=$(sv_state_field "$id" pid)
sv_wait_until 10 test -e "$store/$id/var/lib/docker/sub" || sv_fail "the container did not write /var/lib/docker"

# The backed paths are ID-mapped mounts of the host directories; the user's tmpfs stays.
mi=$(cat "/proc/$pid/mountinfo")
for p in /var/lib/docker /var/lib/buildkit /var/lib/kubelet /var/lib/rancher/k3s; do
  assert_match " $store/$id$p $p [^ ]*idmapped" "$mi" "$p is an ID-mapped mount of $store/$id$p"
done
assert_match " /var/lib/containerd [^ ]+ .* - tmpfs " "$mi" "the spec's tmpfs on /var/lib/containerd"
assert_file_absent "$store/$id/var/lib/containerd" "no storage for a path the spec mounts"

# Inside: container root's.  On disk: plain ids (0:0), nothing chowned; host users cannot
# reach it (0700).  Seen through the container's mount from the host: the range's root.
assert_ok sv_rt exec "$id" stat -c '%u:%g' /var/lib/docker /var/lib/docker/f /var/lib/kubelet
assert_eq $'0:0\n0:0\n0:0' "$SV_OUT" "owners inside"
assert_eq "0:0 0:0 0:0" "$(stat -c %u:%g "$store/$id/var/lib/docker" "$store/$id/var/lib/docker/f" \
                            "$store/$id/var/lib/docker/sub" | xargs)" "owners on disk"
assert_eq 700 "$(stat -c %a "$store")" "mode of $store"
assert_eq "$SV_FALLBACK_UID:$SV_FALLBACK_UID" "$(stat -c %u:%g "/proc/$pid/root/var/lib/docker/f")" \
  "owner through the container's mount, seen from the host"
assert_eq made-inside "$(cat "$store/$id/var/lib/docker/f")"
# Not in the container's rootfs: only the empty mount point is.
assert_eq "" "$(ls -A "$b/rootfs/var/lib/docker")" "nothing written into the rootfs"

# delete of a bundle's container frees its directories.
assert_ok sv_rt kill "$id" KILL
sv_wait_until 10 sh -c "[ \"\$($SV_RUNC --root $SV_ROOT state $id | jq -r .status)\" = stopped ]"
assert_ok sv_rt delete "$id"
assert_file_absent "$store/$id" "storage after delete"
sv_assert_nothing_left "$id" "$b"

# A container with an owner path (as Docker's: the source of its /etc/hostname bind mount
# is <data-root>/containers/<id>/hostname) keeps its data across delete + create.
own=$SV_TEST_TMP/docker-root/containers/$id-o
mkdir -p "$own"
echo h >"$own/hostname"
b2=$SV_TEST_TMP/bundle2
sv_core_bundle "$b2" sh -c 'cat /var/lib/docker/kept 2>/dev/null || echo none; echo v1 >/var/lib/docker/kept'
sv_spec_set "$b2" '.mounts += [{"destination": "/etc/hostname", "type": "bind", "source": $s,
                                "options": ["rbind", "ro"]}]' --arg s "$own/hostname"
assert_ok sv_rt run --bundle "$b2" "$id-o"
assert_eq none "$SV_OUT" "first start: empty"
assert_file_exists "$store/$id-o/var/lib/docker/kept" "kept after delete while the owner exists"
assert_ok sv_rt run --bundle "$b2" "$id-o"
assert_eq v1 "$SV_OUT" "second start of the same id sees the data"
assert_ok sv_rt gc --dry-run
assert_eq "" "$SV_OUT" "nothing to collect while the owner exists"

# The owner goes (docker rm): an orphan, reported by check, freed by gc.
rm -rf "$SV_TEST_TMP/docker-root"
SV_OUT=$(sv_rt check 2>&1) || true   # (other checks may fail on a test machine)
assert_match "warn  storage: 1 orphaned directory under $lib/storage \\(first: $store/$id-o, container $id-o\\); fix: run sysvisor-runc gc" "$SV_OUT"
assert_ok sv_rt gc --dry-run
assert_eq "would free $store/$id-o (container $id-o)" "$SV_OUT"
assert_file_exists "$store/$id-o"
# (and a removal a killed process left half done: gc finishes it)
mkdir -p "$store/.freeing-$id-k.1/var/lib/docker/overlay2/l"
ln -s / "$store/.freeing-$id-k.1/var/lib/docker/overlay2/l/root-link"
assert_ok sv_rt gc
assert_eq "freed $store/$id-o (container $id-o)" "$SV_OUT"
assert_file_absent "$store/.freeing-$id-k.1" "a half-done removal, finished by gc"
assert_file_exists /etc/passwd "gc follows no symlink"
assert_file_absent "$store/$id-o" "storage after gc"
left() { find "$store" -mindepth 1 -maxdepth 1 ! -name .lock ! -name .orphan-cursor -printf '%f\n' | sort; }
# (delete removes the files in the background: wait for it)
nothing_left() { [ -z "$(left)" ]; }
sv_wait_until 10 nothing_left || true
assert_eq "" "$(left)" "nothing else left in $store"

# An orphan is also freed by the next create (no gc needed): a directory left by a create
# that died (its state root is gone) with a record.
mkdir -p "$store/$id-dead/var/lib/docker"
printf '[storage]\nstate-root=%s\n' "$SV_TEST_TMP/no-such-root" >"$store/$id-dead/.sysvisor-storage"
# And the pending record (.record-<id>.<pid>) of a create killed before it put it in place:
# its writer is gone, so it goes at once; one whose writer runs (this shell) stays.
sh -c 'exit 0' & gone=$!; wait "$gone"
printf '[storage]\n' >"$store/.record-$id-killed.$gone"
printf '[storage]\n' >"$store/.record-$id-busy.$$"
sv_spec_set "$b2" 'del(.mounts[] | select(.destination == "/etc/hostname"))'
assert_ok sv_rt run --bundle "$b2" "$id-n"
assert_file_absent "$store/$id-dead" "an orphan freed by the next create"
assert_file_absent "$store/.record-$id-killed.$gone" "a killed create's pending record"
assert_file_exists "$store/.record-$id-busy.$$" "the pending record of a create still running"
rm -f "$store/.record-$id-busy.$$"
assert_file_absent "$store/$id-n" "the new container's own storage, freed by its delete"

# A create looks at 64 directories (the next ones each time), whatever their number: of 70
# orphans the first create frees 64, the next the other 6.
dead() { find "$store" -mindepth 1 -maxdepth 1 -name "$id-dead-*" | wc -l; }
for i in $(seq 1 70); do
  mkdir -p "$store/$id-dead-$i/var/lib/docker"
  printf '[storage]\nstate-root=%s\n' "$SV_TEST_TMP/no-such-root" >"$store/$id-dead-$i/.sysvisor-storage"
done
assert_ok sv_rt run --bundle "$b2" "$id-n"
assert_eq 6 "$(dead)" "one create freed 64 of 70 orphans"
assert_ok sv_rt run --bundle "$b2" "$id-n"
assert_eq 0 "$(dead)" "the next create freed the other 6"

# Root inside may nest directories without limit (moved, not made by path, no PATH_MAX): a
# tree 3000 deep is removed all the same by a delete whose fd limit is 1024 (it held one fd
# per level and left the whole tree once out of fds).
sv_spec_args "$b2" sh -c 'cd /var/lib/docker && mkdir d && i=1
  while [ $i -lt 3000 ]; do mkdir x && mv d x/d && mv x d || exit 1; i=$((i+1)); done; echo $i'
sv_rt_bg run -d --bundle "$b2" "$id-deep"
deep_made() { [ "$(sv_state_field "$id-deep" status 2>/dev/null)" = stopped ]; }
sv_wait_until 120 deep_made || sv_fail "the deep tree was not made in time"
assert_eq 3000 "$(cat "$SV_TEST_TMP/bg.out")" "the depth made inside"
assert_ok bash -c 'ulimit -n 1024 && "$@"' _ "$SV_RUNC" --root "$SV_ROOT" delete "$id-deep"
gone_deep() { [ ! -e "$store/$id-deep" ] && [ -z "$(find "$store" -maxdepth 1 -name '.freeing-*')" ]; }
sv_wait_until 60 gone_deep || sv_fail "a 3000-deep tree left in $store: $(ls -a "$store")"

# A read-only rootfs that root inside does not own: no mount point can be made, so nothing is
# backed (and the container runs); a mount point the image has is backed, and writable.
b3=$SV_TEST_TMP/bundle3
sv_busybox_bundle "$b3" sh -c 'grep -c idmapped /proc/self/mountinfo; touch /var/lib/docker/w && echo written || true' >/dev/null
assert_ok sv_rt run --bundle "$b3" "$id-r"
assert_eq $'0\ntouch: /var/lib/docker/w: No such file or directory' "$SV_OUT" "read-only rootfs: nothing backed"
assert_file_absent "$b3/rootfs/var/lib/docker" "nothing made in a read-only rootfs"
mkdir -p "$b3/rootfs/var/lib/docker"
assert_ok sv_rt run --bundle "$b3" "$id-r"
assert_eq $'1\nwritten' "$SV_OUT" "read-only rootfs with the mount point: backed and writable"

# storage-paths: the setting; none turns it off; a bad value is one clear error.
sv_use_plugins none none none "storage-paths = /srv/inner"
sv_spec_args "$b2" sh -c 'grep -c " /srv/inner .*idmapped" /proc/self/mountinfo; grep -c /var/lib/docker /proc/self/mountinfo || true'
assert_ok sv_rt run --bundle "$b2" "$id-p"
assert_eq $'1\n0' "$SV_OUT" "only /srv/inner is backed"
sv_use_plugins none none none "storage-paths = none"
sv_spec_args "$b2" sh -c 'grep -c idmapped /proc/self/mountinfo || true'
assert_ok sv_rt run --bundle "$b2" "$id-p"
assert_eq 0 "$SV_OUT" "storage-paths = none: nothing backed"
sv_use_plugins none none none "storage-paths = /var/lib/docker var/lib/x"
assert_fail sv_rt run --bundle "$b2" "$id-p"
assert_eq "sysvisor-runc: $SYSVISOR_PLUGINS_CONF:5: storage-paths: \"var/lib/x\" is not a plain absolute path below /; write it like /var/lib/docker (no '.', '..', '//' or trailing '/'), or none" "$SV_OUT"
sv_use_plugins none none none "storage-paths = /var/lib /var/lib/docker"
assert_fail sv_rt run --bundle "$b2" "$id-p"
assert_match "storage-paths: /var/lib and /var/lib/docker overlap; keep the outer one" "$SV_OUT"
sv_assert_nothing_left "$id-p" "$b2"

# Spare trees.  A container that left its paths untouched leaves the bare skeleton create made;
# delete keeps it as <store>/.spare-N (its record kept, times set to now) and the next create
# of a new id renames it into place instead of making its directories again; a record that
# reads the same (the same state root) is kept as it is, another is written over it.
spares() { find "$store" -mindepth 1 -maxdepth 1 -name '.spare-*' -printf '%f\n' | sort; }
freeing_gone() { [ -z "$(find "$store" -maxdepth 1 -name '.freeing-*')" ]; }
record_root() { sed -n 's/^state-root=//p' "$1/.sysvisor-storage"; }
sv_use_plugins none none none
assert_ok sv_rt gc
assert_eq "" "$(spares)" "gc removes the spares"
b4=$SV_TEST_TMP/bundle4
sv_core_bundle "$b4" true
before=$(date +%s)
assert_ok sv_rt run --bundle "$b4" "$id-s1"
assert_eq ".spare-0" "$(spares)" "an untouched tree kept as a spare"
assert_eq $'.sysvisor-storage\nvar' "$(ls -A "$store/.spare-0")" "a spare: its record and the skeleton"
ino=$(stat -c %i "$store/.spare-0/var/lib/docker")
record_ino=$(stat -c %i "$store/.spare-0/.sysvisor-storage")
assert_eq 1 "$(($(stat -c %Y "$store/.spare-0/var/lib/docker") >= before))" "a spare's times are reset"
SV_OUT=$(sv_rt check 2>&1) || true
assert_eq "" "$(grep orphaned <<<"$SV_OUT" || true)" "a spare is no orphan"
# The next container (a new id) gets it: the same directories, empty, its own, writable.
sv_spec_args "$b4" sh -c 'touch /var/lib/docker/mine && exec /sv-probe signal-wait'
sv_rt_bg run -d --bundle "$b4" "$id-s2"
sv_wait_until 10 test -e "$store/$id-s2/var/lib/docker/mine" || sv_fail "the container did not write: $(cat "$SV_TEST_TMP/bg.out")"
assert_eq "mine" "$(ls -A "$store/$id-s2/var/lib/docker")" "the reused directory: empty but for what the container wrote"
assert_eq "" "$(spares)" "the spare was taken"
assert_eq "$ino" "$(stat -c %i "$store/$id-s2/var/lib/docker")" "the spare's directory, reused"
assert_eq "$record_ino" "$(stat -c %i "$store/$id-s2/.sysvisor-storage")" "the spare's record, the same state root: kept as it is"
assert_eq "$SV_ROOT" "$(record_root "$store/$id-s2")" "the new container's record"
assert_ok sv_rt delete -f "$id-s2"
assert_eq "" "$(spares)" "a tree the container wrote to is no spare"
sv_wait_until 10 freeing_gone || true
assert_file_absent "$store/$id-s2" "a written tree, freed"
# A spare taken under another state root gets that root's record.
sv_spec_args "$b4" true
assert_ok sv_rt run --bundle "$b4" "$id-s3"
assert_eq ".spare-0" "$(spares)" "a spare again"
other=$SV_TEST_TMP/other-root
sv_on_exit "sv_rt_cleanup \"\$SV_RUNTIME\" '$other'"
sv_spec_args "$b4" sh -c 'exec /sv-probe signal-wait'
"$SV_RUNTIME" --root "$other" run -d --bundle "$b4" "$id-s4" >"$SV_TEST_TMP/other.out" 2>&1 </dev/null ||
  sv_fail "run under another state root: $(cat "$SV_TEST_TMP/other.out")"
assert_eq "" "$(spares)" "the spare was taken under the other root"
assert_eq "$other" "$(record_root "$store/$id-s4")" "the record rewritten for the other root"
assert_ok "$SV_RUNTIME" --root "$other" delete -f "$id-s4"
assert_eq ".spare-0" "$(spares)" "a spare again, with the other root's record"
assert_eq "$other" "$(record_root "$store/.spare-0")" "the spare's record"

# Whatever root inside did to the skeleton keeps it from being a spare: a directory of its
# own (even empty), a changed mode, inode flags (chattr, done here from the host); times it
# set are not passed on.
sv_spec_args "$b4" sh -c 'exec /sv-probe signal-wait'
for change in 'mkdir /var/lib/docker/x' 'chmod 700 /var/lib/kubelet' 'chattr' \
              'touch -d 2001-01-01 /var/lib/buildkit'; do
  sv_rt_bg run -d --bundle "$b4" "$id-c"
  if [ "$change" = chattr ]; then
    chattr +S "$store/$id-c/var/lib/docker" 2>/dev/null || { sv_rt delete -f "$id-c" >/dev/null; assert_ok sv_rt gc; continue; }
  else
    assert_ok sv_rt exec "$id-c" sh -c "$change"
  fi
  assert_ok sv_rt delete -f "$id-c"
  sv_wait_until 10 freeing_gone || true
  case $change in
    touch*)
      assert_eq ".spare-0" "$(spares)" "times alone do not count"
      assert_eq 1 "$(($(stat -c %Y "$store/.spare-0/var/lib/buildkit") >= before))" "the times root inside set are reset" ;;
    *) assert_eq "" "$(spares)" "no spare after: $change"
       assert_file_absent "$store/$id-c" "freed after: $change" ;;
  esac
  assert_ok sv_rt gc
done

# At most 16 spares; gc removes them; a create when there are none makes its own tree.
sv_spec_args "$b4" sh -c 'exec /sv-probe signal-wait'
for i in $(seq 1 17); do sv_rt_bg run -d --bundle "$b4" "$id-m$i"; done
for i in $(seq 1 17); do assert_ok sv_rt delete -f "$id-m$i"; done
sv_wait_until 10 freeing_gone || true
assert_eq 16 "$(spares | wc -l)" "spares kept"
assert_eq "" "$(find "$store" -mindepth 1 -maxdepth 1 -name "$id-m*")" "the 17th tree freed"
assert_ok sv_rt gc
assert_eq "" "$(spares)" "gc removes the spares"
sv_wait_until 10 freeing_gone || true
assert_eq "" "$(left)" "nothing else left in $store"
