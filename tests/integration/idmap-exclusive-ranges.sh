#!/bin/bash
# idmap = exclusive: two containers running at the same time hold disjoint host ranges from
# the sysvisor user's subordinate ids; container root's processes are the range's first uid
# on the host; a full pool is refused with how many containers hold ranges and how to grow
# it; `delete` returns the range to the pool and a third container takes it.
set -euo pipefail
. "$(dirname "$0")/idmap-lib.sh"

idmap_setup exclusive 2
idmap_bundle "$SV_TEST_TMP/b"
a=$SV_ID-a b=$SV_ID-b c=$SV_ID-c

assert_ok sv_rt plugins
assert_match 'idmap +exclusive .*idmap-exclusive\.so +[0-9][^ ]* +ok' "$SV_OUT" "plugins: the probe passes (after the plugin's version)"

idmap_must_create "$SV_TEST_TMP/b" "$a"
idmap_must_create "$SV_TEST_TMP/b" "$b"
assert_ok sv_rt start "$a"
assert_ok sv_rt start "$b"
pid_a=$(idmap_pid "$a") pid_b=$(idmap_pid "$b")
assert_eq running "$(sv_rt state "$a" | jq -r .status)" "$a runs"
assert_eq running "$(sv_rt state "$b" | jq -r .status)" "$b runs"

# what the kernel was given, as the host sees it
read -r cid_a start_a size_a <<<"$(idmap_host_uid_map "$pid_a")"
read -r cid_b start_b size_b <<<"$(idmap_host_uid_map "$pid_b")"
assert_eq 0 "$cid_a" "$a maps container id 0"
assert_eq 0 "$cid_b" "$b maps container id 0"
idmap_assert_pool_range "$start_a" "$size_a" "$a"
idmap_assert_pool_range "$start_b" "$size_b" "$b"
printf '%s %s %s\n%s %s %s\n' "$start_a" "$size_a" "$a" "$start_b" "$size_b" "$b" |
  idmap_assert_disjoint "uid maps of two running containers"
assert_eq "0 $start_a $size_a" "$(idmap_host_gid_map "$pid_a")" "$a: gid range = uid range"
assert_eq "0 $start_b $size_b" "$(idmap_host_gid_map "$pid_b")" "$b: gid range = uid range"

# container root's processes are the range's first uid on the host
assert_eq "$start_a:$start_a" "$(stat -c %u:%g "/proc/$pid_a")" "$a's init on the host"
assert_eq "$start_b:$start_b" "$(stat -c %u:%g "/proc/$pid_b")" "$b's init on the host"

# the range files record exactly these two
assert_eq "$(printf '%s\n' "$start_a $size_a $a" "$start_b $size_b $b" | sort -n)" \
  "$(idmap_table)" "the range files hold both ranges"
idmap_table_valid || sv_fail "ranges not valid: $(idmap_ranges_json)"

# the pool holds two ranges: a third container is refused, and nothing of it is left
idmap_create "$SV_TEST_TMP/b" "$c" && sv_fail "a third container got a range from a full pool"
assert_match 'no free range of 65536 host uids/gids left: 2 containers hold ranges' "$IDMAP_OUT" \
  "exhaustion says how many containers hold ranges"
assert_match "grow the range of user sysvisor in $IDMAP_DIR/subuid and $IDMAP_DIR/subgid" \
  "$IDMAP_OUT" "exhaustion says how to grow the range"
assert_eq 1 "$(grep -c . <<<"$IDMAP_OUT")" "one line of error"
assert_file_absent "$SV_ROOT/$c" "no state of the refused container"
if idmap_holders | grep -q "^$c "; then
  sv_fail "the refused container left a holder link: $(idmap_holders)"
fi

# delete returns the range; the third container takes it
assert_ok sv_rt delete -f "$a"
assert_eq "$start_b $size_b $b" "$(idmap_table)" "delete freed $a's range"
idmap_must_create "$SV_TEST_TMP/b" "$c"
pid_c=$(idmap_pid "$c")
assert_eq "0 $start_a $size_a" "$(idmap_host_uid_map "$pid_c")" "$c took the freed range"
assert_ok sv_rt delete -f "$c"
assert_ok sv_rt delete -f "$b"
assert_eq "" "$(idmap_table)" "every range is free after delete"
assert_eq "" "$(idmap_holders)" "no holder link is left after delete"
idmap_table_valid || sv_fail "ranges not valid: $(idmap_ranges_json)"
sv_log "ok: disjoint ranges, first uid on the host, exhaustion, reuse after delete"
