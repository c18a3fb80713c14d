#!/bin/bash
# idmap = exclusive after a downgrade, with a real older release: the last one that kept every
# range in the one table (<lib dir>/idmap-exclusive.json, version 1), built from this
# repository's history.  Run on a lib dir this release used, where a container holds a range
# in this release's form, its create refuses with one line naming the table's version and
# what to do, and leaves nothing behind, instead of handing that range out again (which it
# did before the table of version 2 was put in place).  This release goes on as before; the
# older release's delete of one of its containers keeps the range (and says so), and this
# release's next create reclaims it.
# Needs the repository's history (a source tarball has none: skipped, saying so).
set -euo pipefail
. "$(dirname "$0")/idmap-lib.sh"
sv_require_cmd git meson
OLD=5e51520^ # the commit before ranges moved to a file each
git -C "$SV_SOURCE_ROOT" rev-parse -q --verify "$OLD^{commit}" >/dev/null 2>&1 ||
  sv_skip "no git history with $OLD in $SV_SOURCE_ROOT (the older release is built from it)"

# ---- the older release: its sysvisor-runc and idmap-exclusive plugin (~20 s)
old=$SV_TEST_TMP/old
mkdir -p "$old/src"
git -C "$SV_SOURCE_ROOT" archive "$OLD" | tar -x -C "$old/src"
{ meson setup "$old/build" "$old/src" -Dintegration_tests=false -Dstatic_daemon=disabled &&
  meson compile -C "$old/build" sysvisor-runc idmap-exclusive; } >"$old/build.log" 2>&1 ||
  sv_fail "building the older release ($OLD) failed: $(tail -5 "$old/build.log")"
old_runc=$old/build/core/sysvisor-runc
# old_rt ARGS...: the older release on the same lib dir, plugins.conf and --root
old_rt() {
  SYSVISOR_PLUGIN_DIR=$old/build/plugins/idmap-exclusive "$old_runc" --root "$SV_ROOT" "$@"
}
sv_on_exit "SYSVISOR_PLUGIN_DIR=$old/build/plugins/idmap-exclusive sv_rt_cleanup '$old_runc' '$SV_ROOT'"

idmap_setup exclusive 4
idmap_bundle "$SV_TEST_TMP/b"
a=$SV_ID-a c=$SV_ID-c d=$SV_ID-d

# ---- this release: A holds a range
idmap_must_create "$SV_TEST_TMP/b" "$a"
read -r start_a size_a name <<<"$(idmap_table)"
assert_eq "$a" "$name" "A holds a range"
idmap_assert_moved_table "this release's create puts the version 2 table"
ranges=$(idmap_ranges_json)

# ---- the older release refuses the lib dir
rc=0
old_rt create -b "$SV_TEST_TMP/b" "$c" </dev/null >"$old/create.log" 2>&1 || rc=$?
out=$(cat "$old/create.log") # (a file: a container created would keep a pipe open)
assert_ne 0 "$rc" "the older release's create fails"
assert_eq 1 "$(printf '%s\n' "$out" | grep -c .)" "one error line: $out"
assert_match 'version 2.*reads version 1.*another Sysvisor release.*run that release or upgrade' \
  "$out" "the line names the table's version and what to do"
idmap_assert_nothing_left "$c" "the refused create"
assert_eq "$ranges" "$(idmap_ranges_json)" "the ranges are as they were: none given to C"
idmap_assert_moved_table "the version 2 table stays"
assert_eq "0 $start_a $size_a" "$(idmap_host_uid_map "$(idmap_pid "$a")")" "A runs in its range"

# ---- this release goes on: D gets another range
idmap_must_create "$SV_TEST_TMP/b" "$d"
idmap_table | idmap_assert_disjoint "A and D"

# ---- the older release deletes A: the container goes; its range, which that release cannot
# read, stays held, and it says so.  This release's next create (E) reclaims it: A is gone.
rc=0
old_rt delete -f "$a" </dev/null >"$old/delete.log" 2>&1 || rc=$?
out=$(cat "$old/delete.log")
assert_eq 0 "$rc" "the older release's delete of A succeeds: $out"
assert_match "container $a: cannot free its host id range" "$out" "it says A's range is kept"
idmap_assert_nothing_left "$a" "A deleted by the older release"
table=$(idmap_table)
grep -qxF "$start_a $size_a $a" <<<"$table" || sv_fail "A's range is not held any more: $table"
e=$SV_ID-e
idmap_must_create "$SV_TEST_TMP/b" "$e"
table=$(idmap_table)
if grep -q " $a\$" <<<"$table"; then sv_fail "A's range is still held after E's create: $table"; fi
grep -qxF "$start_a $size_a $e" <<<"$table" ||
  sv_fail "E is not given A's range ($start_a), the lowest free: $table"
idmap_table | idmap_assert_disjoint "D and E"
sv_rt delete -f "$d"
sv_rt delete -f "$e"
assert_eq "" "$(idmap_table)" "no range is held after the deletes"
idmap_table_valid || sv_fail "ranges not valid: $(idmap_ranges_json)"
echo "idmap-exclusive-downgrade: ok"
