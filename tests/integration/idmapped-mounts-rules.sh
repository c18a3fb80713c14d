#!/bin/bash
# idmapped-mounts-rules: the user guide's bind-mount rules with Docker's userns-remap disabled.  Each
# violation is refused before anything is mounted, with one line naming the path, the rule and
# the fix, and leaves no state, mount or container; sources under Docker's data root (from
# the docker-data-root setting, or data-root of the daemon.json that docker-daemon-json
# names) and tmpfs mounts are not restricted.
set -euo pipefail
. "$(dirname "$0")/idmapped-mounts-lib.sh"

b=$SV_TEST_TMP/b
shiftfs_bundle "$b" /sv-probe owner /v
mkdir -p "$b/rootfs/v"

# refused ID BUNDLE SOURCE REGEX WHAT: run fails with one line matching REGEX, nothing left.
refused() {
  local id=$1 bundle=$2 src=$3 re=$4 what=$5 lines
  shiftfs_run_out "$id" "$bundle"
  assert_ne 0 "$SV_RC" "$what: run must fail"
  lines=$(grep -c . <<<"$SV_OUT")
  assert_eq 1 "$lines" "$what: one line of error: $SV_OUT"
  assert_match "$re" "$SV_OUT" "$what: the error names the path, the rule and the fix"
  assert_match "$src" "$SV_OUT" "$what: the error names $src"
  sv_assert_nothing_left "$id" "$bundle"
  if grep -qF " $src " /proc/self/mountinfo; then
    sv_fail "$what: $src is mounted somewhere: $(grep -F " $src " /proc/self/mountinfo)"
  fi
  assert_eq "" "$(sv_rt list -q)" "$what: list is empty"
  sv_log "refused as expected: $SV_OUT"
}

shiftfs_setup

# 1. Not owned by root:root.
mine=$(shiftfs_private_dir mine)
chown 1000:1000 "$mine"
jq '.mounts += [{"destination": "/v", "type": "bind", "source": $s, "options": ["bind"]}]' \
  --arg s "$mine" "$b/config.json" >"$SV_TEST_TMP/c1.json"
b1=$SV_TEST_TMP/b1
mkdir -p "$b1"
ln -s "$b/rootfs" "$b1/rootfs"
cp "$SV_TEST_TMP/c1.json" "$b1/config.json"
refused "$SV_ID-owner" "$b1" "$mine" \
  "^sysvisor-runc: bind mount -v $mine:/v refused: $mine is owned by 1000:1000, .*must be owned by root:root; fix: chown root:root $mine \(or use a Docker volume\) \(mounts\[[0-9]+\]\) \[plugin idmapped-mounts\]\$" \
  "source not owned by root"

# 2. Root-owned, but no 0700 root-owned directory on its path (all of /tmp/... is 0755/1777).
open=$SV_TEST_TMP/open/data
mkdir -p "$open"
chmod 0755 "$SV_TEST_TMP/open" "$open"
b2=$SV_TEST_TMP/b2
mkdir -p "$b2"
ln -s "$b/rootfs" "$b2/rootfs"
jq '.mounts += [{"destination": "/v", "type": "bind", "source": $s, "options": ["rbind"]}]' \
  --arg s "$open" "$b/config.json" >"$b2/config.json"
refused "$SV_ID-open" "$b2" "$open" \
  "^sysvisor-runc: bind mount -v $open:/v refused: no directory on the path to $open is owned by root with mode 0700.*; fix: move it below such a directory \(e\.g\. /root\) or chmod 0700 .* \(mounts\[[0-9]+\]\) \[plugin idmapped-mounts\]\$" \
  "no 0700 root-owned component"

# 3. Allowed: the same kind of directory below a 0700 root-owned one.
ok=$(shiftfs_private_dir ok)
b3=$SV_TEST_TMP/b3
mkdir -p "$b3"
ln -s "$b/rootfs" "$b3/rootfs"
jq '.mounts += [{"destination": "/v", "type": "bind", "source": $s, "options": ["bind"]}]' \
  --arg s "$ok" "$b/config.json" >"$b3/config.json"
shiftfs_run_out "$SV_ID-ok" "$b3"
assert_eq 0 "$SV_RC" "allowed bind: $SV_OUT"
assert_eq 0:0 "$SV_OUT" "allowed bind appears owned by container root"

# 4. Docker's data root is exempt: a volume owned by 1000 in an open directory.
droot=$SV_TEST_TMP/open/docker
vol=$droot/volumes/v1/_data
mkdir -p "$vol"
chown 1000:1000 "$vol"
b4=$SV_TEST_TMP/b4
mkdir -p "$b4"
ln -s "$b/rootfs" "$b4/rootfs"
jq '.mounts += [{"destination": "/v", "type": "bind", "source": $s, "options": ["rbind"]}]' \
  --arg s "$vol" "$b/config.json" >"$b4/config.json"
# ... not exempt while Docker's data root is elsewhere
shiftfs_setup "docker-data-root = $SV_TEST_TMP/elsewhere"
refused "$SV_ID-vol0" "$b4" "$vol" "is owned by 1000:1000" "volume outside Docker's data root"
# ... exempt through docker-data-root
shiftfs_setup "docker-data-root = $droot"
shiftfs_run_out "$SV_ID-vol1" "$b4"
assert_eq 0 "$SV_RC" "volume under docker-data-root: $SV_OUT"
assert_eq 1000:1000 "$SV_OUT" "the volume keeps its owner, shifted"
# ... exempt through data-root of the daemon.json named by docker-daemon-json
printf '{"debug": false, "data-root": "%s", "runtimes": {"x": {"path": "/bin/true"}}}\n' \
  "$droot" >"$SV_TEST_TMP/daemon.json"
shiftfs_setup "docker-daemon-json = $SV_TEST_TMP/daemon.json"
shiftfs_run_out "$SV_ID-vol2" "$b4"
assert_eq 0 "$SV_RC" "volume under daemon.json's data-root: $SV_OUT"
# ... and a broken daemon.json is one clear error
echo '{"data-root": ' >"$SV_TEST_TMP/daemon.json"
refused "$SV_ID-vol3" "$b4" "$SV_TEST_TMP/daemon.json" \
  "cannot read Docker's data root from .*; fix the file, or set docker-data-root" "broken daemon.json"

# 5. tmpfs mounts are not restricted.
shiftfs_setup
b5=$SV_TEST_TMP/b5
mkdir -p "$b5"
ln -s "$b/rootfs" "$b5/rootfs"
jq '.mounts += [{"destination": "/v", "type": "tmpfs", "source": "tmpfs", "options": ["mode=0755"]}]' \
  "$b/config.json" >"$b5/config.json"
shiftfs_run_out "$SV_ID-tmpfs" "$b5"
assert_eq 0 "$SV_RC" "tmpfs mount: $SV_OUT"
assert_eq 0:0 "$SV_OUT" "tmpfs mount"
sv_log "ok: bind-mount rules"
