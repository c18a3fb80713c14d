#!/bin/bash
# idmap = exclusive after an upgrade: older releases kept every range in one table,
# <lib dir>/idmap-exclusive.json; this one keeps a file per range in <lib dir>/idmap-exclusive/
# (ranges/<start>-<size>.json and holders/<key>/<id> links, idmap-lib.sh).  The first create
# or delete that finds a table converts it and leaves in its place a table of version 2 with
# no range, which every older release refuses (as it is put where there was no table at all:
# going back to an older release stops at its error line instead of handing out a range a
# container holds).  A container the table names keeps
# its range (a new container's range overlaps none of it, and deleting the old container
# frees it), and the ranges of containers that no longer exist (a container's, a pod's) are
# reclaimed by the converting create.
set -euo pipefail
. "$(dirname "$0")/idmap-lib.sh"

idmap_setup exclusive 4
idmap_bundle "$SV_TEST_TMP/b"
a=$SV_ID-a b=$SV_ID-b c=$SV_ID-c d=$SV_ID-d
root=$(realpath -ms "$SV_ROOT")   # the state root as the ranges record it (canonical)

# as_legacy_table: the state an older release would have left for the ranges held now: the
# table {"version": 1, "ranges": [...]} (the range objects without "version"), no directory
as_legacy_table() {
  sv_idmap_ranges "$SYSVISOR_LIB_DIR" | jq '{version: 1, ranges: map(del(.version))}' \
    >"$IDMAP_TABLE"
  chmod 600 "$IDMAP_TABLE"
  rm -rf "$IDMAP_STORE"
}
# range_of ID: the range object ID holds (keys sorted), "" when none
range_of() {
  sv_idmap_ranges "$SYSVISOR_LIB_DIR" | jq -cS --arg id "$1" '.[] | select(.id == $id)'
}
valid() {
  idmap_table_valid || sv_fail "$1: ranges not valid: $(idmap_ranges_json)"
}

# ---- A holds a range, in this release's form
idmap_must_create "$SV_TEST_TMP/b" "$a"
read -r start_a size_a name <<<"$(idmap_table)"
assert_eq "$a" "$name" "A holds a range"
idmap_assert_pool_range "$start_a" "$size_a" "A"
assert_eq "0 $start_a $size_a" "$(idmap_host_uid_map "$(idmap_pid "$a")")" "A runs in it"
file_a=$IDMAP_STORE/ranges/$start_a-$size_a.json
assert_file_exists "$file_a" "A's range file is named after its range"
assert_eq "$root" "$(jq -r .stateRoot "$file_a")" "the range records the canonical state root"
assert_eq 700 "$(stat -c %a "$IDMAP_STORE")" "the directory is root's only"
assert_eq 600 "$(stat -c %a "$file_a")" "a range file is root's only"
assert_eq "$a $start_a-$size_a $root" "$(idmap_holders)" "A's holder link names its range"
idmap_assert_moved_table "the first create puts the version 2 table"
valid "after A's create"
range_a=$(range_of "$a")

# ---- as an older release would have left it: only the table holds A's range
as_legacy_table
assert_eq "" "$(idmap_table)" "no range file: the table alone holds A's range"

# ---- B's create converts the table: A keeps its range, B gets one that overlaps none of it
idmap_must_create "$SV_TEST_TMP/b" "$b"
read -r cid_b start_b size_b <<<"$(idmap_host_uid_map "$(idmap_pid "$b")")"
assert_eq 0 "$cid_b" "B maps container id 0"
idmap_assert_pool_range "$start_b" "$size_b" "B"
printf '%s %s %s\n%s %s %s\n' "$start_a" "$size_a" "$a" "$start_b" "$size_b" "$b" |
  idmap_assert_disjoint "A's range (from the table) and B's"
idmap_assert_moved_table "B's create converted the table"
assert_eq "$(printf '%s\n' "$start_a $size_a $a" "$start_b $size_b $b" | sort -n)" \
  "$(idmap_table)" "the directory holds A's and B's ranges"
assert_eq "$range_a" "$(range_of "$a")" \
  "A's range file is the table's range as it was (with \"version\": 1)"
assert_eq "$(printf '%s\n' "$a $start_a-$size_a $root" "$b $start_b-$size_b $root" | sort)" \
  "$(idmap_holders)" "A (from the table) and B have their holder links"
valid "after the converting create"
assert_eq "0 $start_a $size_a" "$(idmap_host_uid_map "$(idmap_pid "$a")")" \
  "A still runs in its range"

# ---- deletes free both, the converted range too
assert_ok sv_rt delete --force "$a"
assert_eq "$start_b $size_b $b" "$(idmap_table)" "deleting A frees the range the table gave it"
assert_ok sv_rt delete --force "$b"
assert_eq "" "$(idmap_table)" "every range is free"
assert_eq "" "$(idmap_holders)" "no holder link is left"
idmap_assert_moved_table "after the deletes"
valid "after the deletes"

# ---- a delete converts too: D's range, left in a table, is freed by D's delete
idmap_must_create "$SV_TEST_TMP/b" "$d"
as_legacy_table
assert_ok sv_rt delete --force "$d"
idmap_assert_moved_table "D's delete converted the table"
assert_eq "" "$(idmap_table)" "D's delete freed the range the table gave it"
assert_eq "" "$(idmap_holders)" "no holder link is left"
valid "after the converting delete"

# ---- a table that holds ranges of containers that no longer exist (a crash, or a reboot that
# emptied the state root, before the upgrade): a container's, and a pod's whose sandbox let go
# and whose member is gone.  The converting create reclaims both.
gone=$SV_ID-gone pod=$SV_ID-gonepod member=$SV_ID-gonemember
for id in "$gone" "$pod" "$member"; do
  assert_file_absent "$SV_ROOT/$id" "$id does not exist"
done
rm -rf "$IDMAP_STORE"
jq -n --arg root "$root" --arg gone "$gone" --arg pod "$pod" --arg m "$member" \
  --argjson s "$IDMAP_POOL_START" --argjson n "$IDMAP_RANGE" '{version: 1, ranges: [
    {start: $s, size: $n, stateRoot: $root, id: $gone, created: "2026-11-25T04:41:52Z"},
    {start: ($s + $n), size: $n, stateRoot: $root, id: $pod, created: "2026-11-25T04:41:52Z",
     members: [$m], ownerReleased: true}]}' >"$IDMAP_TABLE"
chmod 600 "$IDMAP_TABLE"
idmap_must_create "$SV_TEST_TMP/b" "$c"
read -r _ start_c size_c <<<"$(idmap_host_uid_map "$(idmap_pid "$c")")"
idmap_assert_pool_range "$start_c" "$size_c" "C"
idmap_assert_moved_table "C's create converted the table"
assert_eq "$start_c $size_c $c" "$(idmap_table)" \
  "the ranges of the containers that no longer exist are reclaimed: C's is the only one held"
assert_eq "$c $start_c-$size_c $root" "$(idmap_holders)" \
  "no holder link of the containers that no longer exist is left"
valid "after the reclaiming create"
assert_ok sv_rt delete --force "$c"
assert_eq "" "$(idmap_table)" "every range is free"
assert_eq "" "$(idmap_holders)" "no holder link is left"
valid "at the end"
sv_log "ok: an older release's table is converted by a create or a delete: live ranges kept," \
  "dead ones reclaimed"
