#!/bin/bash
# idmap = dockerremap: a spec that carries Docker's userns-remap mappings (0 -> 100000, 65536
# ids) runs with them unchanged; a spec mapping root to host root, mappings that are not
# contiguous from container id 0, and a spec without mappings are refused with the reason;
# the remap bind-mount rule (source owned by the remap uid:gid, Docker's data root exempt)
# refuses and allows the right mounts.  Nothing is left behind after a refusal: no state dir,
# no cgroup, nothing in `list`.
set -euo pipefail
. "$(dirname "$0")/idmap-lib.sh"

idmap_setup dockerremap
data_root=$IDMAP_DIR/docker
mkdir -p "$data_root/containers/c1"
jq -n --arg d "$data_root" '{"userns-remap": "default", "data-root": $d}' >"$IDMAP_DIR/daemon.json"
b=$SV_TEST_TMP/b
idmap_bundle "$b"
remap='[{"containerID": 0, "hostID": 100000, "size": 65536}]'
set_maps() {   # set_maps BUNDLE UID-JSON [GID-JSON]
  sv_spec_set "$1" '.linux.uidMappings = $u | .linux.gidMappings = $g' \
    --argjson u "$2" --argjson g "${3:-$2}"
}
# refused ID BUNDLE REGEX WHAT: create fails with one line matching REGEX, leaving nothing.
refused() {
  local id=$1 bundle=$2 re=$3 what=$4
  idmap_create "$bundle" "$id" && sv_fail "$what: create succeeded"
  assert_match "$re" "$IDMAP_OUT" "$what: the error says why"
  assert_eq 1 "$(grep -c . <<<"$IDMAP_OUT")" "$what: one line of error"
  idmap_assert_nothing_left "$id" "$what"
}

# ---- Docker's mappings are used unchanged
set_maps "$b" "$remap"
id=$SV_ID-remap
idmap_must_create "$b" "$id"
assert_eq "" "$IDMAP_OUT" "no warning: the mappings are dockremap's subordinate ids"
assert_ok sv_rt start "$id"
pid=$(idmap_pid "$id")
assert_eq "0 100000 65536" "$(idmap_host_uid_map "$pid")" "uid_map is the spec's"
assert_eq "0 100000 65536" "$(idmap_host_gid_map "$pid")" "gid_map is the spec's"
assert_eq "100000:100000" "$(stat -c %u:%g "/proc/$pid")" "container root is 100000 on the host"
assert_file_absent "$IDMAP_STORE" "dockerremap allocates nothing"
assert_ok sv_rt delete -f "$id"

# inside, the container sees the same map
sv_spec_args "$b" /sv-probe uidmap gidmap
sv_rt run -b "$b" "$SV_ID-probe" </dev/null >"$IDMAP_DIR/probe.out" 2>&1 ||
  sv_fail "run with Docker's mappings failed: $(cat "$IDMAP_DIR/probe.out")"
assert_eq "0 100000 65536
0 100000 65536" "$(cat "$IDMAP_DIR/probe.out")" "the container's own uid_map and gid_map"

# a range other than dockremap's runs too, with a warning naming both
set_maps "$b" '[{"containerID": 0, "hostID": 300000, "size": 65536}]'
sv_spec_args "$b" sleep 600
idmap_must_create "$b" "$SV_ID-other"
assert_match "linux.uidMappings do not match Docker's userns-remap \(dockremap in $IDMAP_DIR/subuid\)" \
  "$IDMAP_OUT" "mismatch warning"
assert_match 'dockremap:100000:65536 \(line 1\)' "$IDMAP_OUT" "the warning names the entry"
assert_eq "0 300000 65536" "$(idmap_host_uid_map "$(idmap_pid "$SV_ID-other")")" \
  "a mismatch is only a warning"
assert_ok sv_rt delete -f "$SV_ID-other"

# ---- refusals
set_maps "$b" '[{"containerID": 0, "hostID": 0, "size": 65536}]'
refused "$SV_ID-root" "$b" \
  'linux.uidMappings\[0\] \(0 0 65536\) maps container root to host root \(host id 0\)' \
  "root mapped to host root"

set_maps "$b" '[{"containerID": 0, "hostID": 100000, "size": 1000}, {"containerID": 2000, "hostID": 102000, "size": 1000}]'
refused "$SV_ID-gap" "$b" \
  'linux.uidMappings\[1\] maps container ids from 2000 but the ids below end at 999 \(a gap\): the mapped container ids must start at 0 and be contiguous' \
  "non-contiguous mappings"

set_maps "$b" "$remap" '[{"containerID": 1, "hostID": 100001, "size": 65535}]'
refused "$SV_ID-gid1" "$b" \
  'linux.gidMappings: the lowest mapped container id is 1' "gid mappings not from 0"

sv_spec_set "$b" 'del(.linux.uidMappings) | del(.linux.gidMappings)'
refused "$SV_ID-none" "$b" \
  'the dockerremap backend needs Docker userns-remap: .*use idmap = auto' "no mappings"

# ---- the bind-mount rule for remap enabled
set_maps "$b" "$remap"
vol=$SV_TEST_TMP/vol
mkdir -p "$vol"
chown 0:0 "$vol"
echo hi >"$data_root/containers/c1/hosts"
sv_spec_set "$b" '.mounts += [{"destination": "/mnt", "type": "bind", "source": $s, "options": ["rbind", "rw"]}]' \
  --arg s "$vol"
refused "$SV_ID-bind" "$b" \
  "bind mount -v $vol:/mnt refused: $vol is owned by 0:0, but with Docker userns-remap a bind source must be owned by the remap uid:gid 100000:100000 .*fix: chown 100000:100000 $vol \(mounts\[[0-9]+\]\) \[plugin idmap-dockerremap\]\$" \
  "bind source owned by host root"

chown 100000:100000 "$vol"
sv_spec_set "$b" '.mounts += [{"destination": "/etc/hosts", "type": "bind", "source": $s, "options": ["rbind", "ro"]}]' \
  --arg s "$data_root/containers/c1/hosts"
sv_spec_args "$b" /sv-probe owner /mnt cat /etc/hosts
sv_rt run -b "$b" "$SV_ID-bindok" </dev/null >"$IDMAP_DIR/bind.out" 2>&1 ||
  sv_fail "bind source owned by the remap ids was refused: $(cat "$IDMAP_DIR/bind.out")"
assert_eq "0:0
hi" "$(cat "$IDMAP_DIR/bind.out")" "remap-owned source and a file of Docker's data root are mounted"

assert_eq "" "$(sv_rt list -q)" "nothing left in list"
sv_log "ok: Docker's mappings honoured; bad mappings and bind sources refused cleanly"
