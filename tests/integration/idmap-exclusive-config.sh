#!/bin/bash
# idmap = exclusive and a host that is not set up for it: no sysvisor entry in subuid, subuid
# and subgid entries that differ, an entry that overlaps another user's, a corrupt allocation
# table left by an older release.  Each is refused before anything is created, in one line
# that names the file and the fix, and `sysvisor-runc plugins` reports the same from the
# probe.  With idmap = exclusive set explicitly, a spec's own linux.uidMappings are replaced by
# an exclusive range.
set -euo pipefail
. "$(dirname "$0")/idmap-lib.sh"

idmap_setup exclusive 4
b=$SV_TEST_TMP/b
idmap_bundle "$b"

# refused ID REGEX WHAT: create fails with one line matching REGEX; nothing left; the probe
# of `sysvisor-runc plugins` says the same.
refused() {
  local id=$1 re=$2 what=$3
  idmap_create "$b" "$id" && sv_fail "$what: create succeeded"
  assert_match "^sysvisor-runc: plugin idmap-exclusive cannot run on this host: $re" "$IDMAP_OUT" \
    "$what: the error says why"
  assert_eq 1 "$(grep -c . <<<"$IDMAP_OUT")" "$what: one line of error"
  idmap_assert_nothing_left "$id" "$what"
  assert_ok sv_rt plugins
  assert_match "$re" "$SV_OUT" "$what: sysvisor-runc plugins shows the probe's reason"
}

# no entry for the user
echo 'dockremap:100000:65536' >"$IDMAP_DIR/subuid"
refused "$SV_ID-noentry" \
  "no range for user sysvisor in $IDMAP_DIR/subuid: add the line 'sysvisor:$IDMAP_POOL_START:$IDMAP_POOL_COUNT' \(as in $IDMAP_DIR/subgid:2\) to $IDMAP_DIR/subuid" \
  "no subuid entry"
rm -f "$IDMAP_DIR/subuid" "$IDMAP_DIR/subgid"
refused "$SV_ID-nofiles" \
  "no range for user sysvisor in $IDMAP_DIR/subuid \(the file does not exist\): add a line 'sysvisor:<start>:<count>' to $IDMAP_DIR/subuid and the same to $IDMAP_DIR/subgid \(the installer adds sysvisor:[0-9]+:268435456\) or run the installer" \
  "no subuid file"

# subuid and subgid differ
idmap_setup exclusive 4
echo "sysvisor:$IDMAP_POOL_START:$((IDMAP_POOL_COUNT / 2))" >"$IDMAP_DIR/subgid"
refused "$SV_ID-differ" \
  "the subordinate uid and gid ranges of user sysvisor differ: $IDMAP_DIR/subuid:2 has sysvisor:$IDMAP_POOL_START:$IDMAP_POOL_COUNT but $IDMAP_DIR/subgid:1 has sysvisor:$IDMAP_POOL_START:$((IDMAP_POOL_COUNT / 2))" \
  "subuid and subgid differ"

# overlap with another user's range
idmap_setup exclusive 4
echo "alice:$((IDMAP_POOL_START + 70000)):10" >>"$IDMAP_DIR/subuid"
refused "$SV_ID-overlap" \
  "$IDMAP_DIR/subuid:2: sysvisor:$IDMAP_POOL_START:$IDMAP_POOL_COUNT overlaps $IDMAP_DIR/subuid:3: alice:$((IDMAP_POOL_START + 70000)):10 \(another user's range\)" \
  "overlap with another user"

# a corrupt table (the single file of an older release) is an error, never silently rebuilt
# nor converted
idmap_setup exclusive 4
mkdir -p "$SYSVISOR_LIB_DIR"
echo '{"version": 1, "ranges": [' >"$IDMAP_TABLE"
refused "$SV_ID-corrupt" "$IDMAP_TABLE is corrupt \(.*\); .* remove it" "corrupt table"
assert_file_exists "$IDMAP_TABLE" "the corrupt table is still there"
assert_eq '{"version": 1, "ranges": [' "$(cat "$IDMAP_TABLE")" "the corrupt table is left as it was"
assert_eq "" "$(find "$IDMAP_STORE/ranges" -mindepth 1 2>/dev/null)" \
  "no range file was made from the corrupt table"
assert_eq "" "$(idmap_table)" "no range is held"
rm -f "$IDMAP_TABLE"

# a bad range-size
idmap_setup exclusive 4
sed -i 's/^range-size = 65536$/range-size = lots/' "$SYSVISOR_PLUGINS_CONF"
refused "$SV_ID-size" 'plugins.conf \[idmap-exclusive\] range-size = "lots": give a whole number from 1 to 2147483648 \(the default is 65536\)' \
  "bad range-size"

# idmap = exclusive set explicitly replaces the spec's own mappings
idmap_setup exclusive 4
sv_spec_set "$b" '.linux.uidMappings = $m | .linux.gidMappings = $m' \
  --argjson m '[{"containerID": 0, "hostID": 100000, "size": 65536}]'
idmap_must_create "$b" "$SV_ID-replace"
read -r start size name <<<"$(idmap_table)"
assert_eq "$SV_ID-replace" "$name" "the container holds a range"
assert_eq "0 $start $size" "$(idmap_host_uid_map "$(idmap_pid "$SV_ID-replace")")" \
  "the spec's mappings were replaced by the exclusive range"
assert_ok sv_rt delete -f "$SV_ID-replace"
assert_eq "" "$(idmap_table)" "freed"
sv_log "ok: misconfigured hosts refused with the fix; explicit exclusive replaces spec mappings"
