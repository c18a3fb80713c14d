#!/bin/bash
# tests/integration/idmap-lib.sh - helpers of the idmap-*.sh tests (idmap-exclusive and
# idmap-dockerremap).  tests/meson.build does not register *-lib.sh; run by hand
# (bash tests/integration/idmap-lib.sh) it smoke-tests itself: one container under
# idmap = exclusive gets the table's range as its uid_map.
#
#   . "$(dirname "$0")/idmap-lib.sh"
#   idmap_setup exclusive 16          # plugins.conf + subuid/subgid with 16 ranges of 65536
#   idmap_bundle "$dir" sleep 600     # busybox bundle (rootfs root:root, read-only)
#   sv_rt create -b "$dir" "$SV_ID-c1"; pid=$(idmap_pid "$SV_ID-c1")
#   idmap_host_uid_map "$pid"         # "0 1048576 65536" as the host sees it
#   idmap_table                       # "start size id" per held range, sorted by start
#
# Every test gets its own plugins.conf (SYSVISOR_PLUGINS_CONF), its own subuid/subgid files,
# its own lib dir (SYSVISOR_LIB_DIR) and --root ($SV_ROOT).  idmap-exclusive keeps the ranges
# it hands out in the lib dir (IDMAP_STORE):
#   idmap-exclusive/ranges/<start>-<size>.json   one per held range: {"version": 1, "start",
#                                                "size", "stateRoot", "id", "created",
#                                                "members"?, "ownerReleased"?}
#   idmap-exclusive/holders/<key>.root           -> a state root
#   idmap-exclusive/holders/<key>/<id>           -> "<start>-<size>": container <id> of that
#                                                root holds that range (owner or pod member)
# (temporary files start with "."); IDMAP_TABLE is the single table of older releases, which
# the first create or delete converts into that form; in its place (and where there was none)
# stays a table of version 2 with no range, which older releases refuse (they read version 1).
# shift = none and procfs = none: the rootfs stays owned by host root, which container root
# sees as nobody but can read and execute.

. "$(dirname "${BASH_SOURCE[0]}")/../lib/busybox-rootfs.sh"

sv_require_root
sv_require_cmd jq
sv_require_runtime
sv_require_probe

# The plugins of the build tree (meson sets SYSVISOR_PLUGIN_DIR; this is for runs by hand).
if [ -z "${SYSVISOR_PLUGIN_DIR:-}" ]; then
  _idmap_build=$(cd "$(dirname "$SV_RUNC")/.." && pwd)
  SYSVISOR_PLUGIN_DIR=$_idmap_build/plugins/idmap-exclusive:$_idmap_build/plugins/idmap-dockerremap
fi
export SYSVISOR_PLUGIN_DIR

IDMAP_DIR=$SV_TEST_TMP/idmap
IDMAP_POOL_START=1048576          # 16 * 65536: far from the host's own entries
IDMAP_RANGE=65536
export SYSVISOR_LIB_DIR=$IDMAP_DIR/lib
export SYSVISOR_PLUGINS_CONF=$IDMAP_DIR/plugins.conf
IDMAP_TABLE=$SYSVISOR_LIB_DIR/idmap-exclusive.json     # legacy
IDMAP_STORE=$SYSVISOR_LIB_DIR/idmap-exclusive
mkdir -p "$IDMAP_DIR"

# idmap_setup BACKEND [N_RANGES [EXTRA-SECTION-LINES]]: write plugins.conf for BACKEND
# (exclusive | dockerremap | auto) and subuid/subgid files whose sysvisor entry holds
# N_RANGES ranges (default 16).  EXTRA lines go to the backend's own section.
idmap_setup() {
  local backend=$1 n=${2:-16} extra=${3:-}
  IDMAP_POOL_COUNT=$((n * IDMAP_RANGE))
  printf 'dockremap:100000:65536\nsysvisor:%s:%s\n' "$IDMAP_POOL_START" "$IDMAP_POOL_COUNT" \
    >"$IDMAP_DIR/subuid"
  cp "$IDMAP_DIR/subuid" "$IDMAP_DIR/subgid"
  cat >"$SYSVISOR_PLUGINS_CONF" <<EOF
[sysvisor]
idmap = $backend
shift = none
procfs = none

[idmap-exclusive]
subuid-file = $IDMAP_DIR/subuid
subgid-file = $IDMAP_DIR/subgid
range-size = $IDMAP_RANGE

[idmap-dockerremap]
subuid-file = $IDMAP_DIR/subuid
subgid-file = $IDMAP_DIR/subgid
docker-daemon-json = $IDMAP_DIR/daemon.json
$extra
EOF
}

# idmap_bundle DIR [CMD...]: a busybox bundle with the probe (default command: sleep 600).
idmap_bundle() {
  local dir=$1; shift
  [ $# -gt 0 ] || set -- sleep 600
  sv_busybox_bundle "$dir" "$@"
}

# idmap_create BUNDLE ID [--root ROOT]: sysvisor-runc create with stdio on files, not on a
# pipe (the container's init keeps the stdio of `create`, so $(...) would wait for it).  The
# output of create is left in IDMAP_OUT; returns create's status.
idmap_create() {
  local bundle=$1 id=$2 root=${4:-$SV_ROOT} log rc=0
  log=$IDMAP_DIR/create-$id.log
  "$SV_RUNTIME" --root "$root" create -b "$bundle" "$id" </dev/null >"$log" 2>&1 || rc=$?
  IDMAP_OUT=$(cat "$log")
  return "$rc"
}

# idmap_must_create BUNDLE ID: create, or fail the test with create's output.
idmap_must_create() {
  idmap_create "$1" "$2" || sv_fail "create $2 failed: $IDMAP_OUT"
}

# idmap_pid ID: the host pid of the container's init (0 when it has none).
idmap_pid() {
  sv_rt state "$1" | jq -r .pid
}

# idmap_host_uid_map PID / idmap_host_gid_map PID: the first line, single-spaced.
idmap_host_uid_map() {
  awk '{ print $1, $2, $3; exit }' "/proc/$1/uid_map"
}
idmap_host_gid_map() {
  awk '{ print $1, $2, $3; exit }' "/proc/$1/gid_map"
}

# idmap_table: "start size id" of every held range, sorted by start ("" when none).
idmap_table() {
  sv_idmap_ranges "$SYSVISOR_LIB_DIR" | jq -r '.[] | "\(.start) \(.size) \(.id)"'
}

# idmap_ranges_json: the held ranges as one object, {"version":1,"ranges":[...]} sorted by
# start (for failure messages, and for jq: .ranges[0].members).
idmap_ranges_json() {
  sv_idmap_ranges "$SYSVISOR_LIB_DIR" | jq -c '{version: 1, ranges: .}'
}

# idmap_holders: "id start-size root" of every holders/<key>/<id> link (root: where
# holders/<key>.root points), sorted ("" when none).
idmap_holders() {
  [ -d "$IDMAP_STORE/holders" ] || return 0
  _idmap_links_json | jq -r '.[] | "\(.id) \(.target) \(.root)"' | sort
}

# _idmap_links_json: the holder links as one JSON array of {key, id, target, root, link} (link:
# it is a symlink; root: the target of holders/<key>.root, null when there is none).
_idmap_links_json() {
  local h=$IDMAP_STORE/holders
  [ -d "$h" ] || { echo '[]'; return 0; }
  { find "$h" -mindepth 1 -maxdepth 1 -name '*.root' -printf 'root\t%f\t%l\n'
    find "$h" -mindepth 2 -maxdepth 2 ! -name '.*' -printf 'link\t%h\t%f\t%l\t%y\n'
  } | jq -Rsc 'split("\n") | map(select(length > 0) | split("\t")) as $rows
      | ($rows | map(select(.[0] == "root") | {key: (.[1] | rtrimstr(".root")), value: .[2]})
        | from_entries) as $roots
      | $rows | map(select(.[0] == "link") | (.[1] | split("/") | last) as $key
        | {key: $key, id: .[2], target: .[3], root: $roots[$key], link: (.[4] == "l")})'
}

# _idmap_bad_range_files: the range files that are not one JSON object of the documented shape
# named after its range, one line each ("" when none).  One jq reads them all; when one is not
# JSON (jq stops), the files are read one by one to name it.
_idmap_bad_range_files() {
  local -a files=()
  local f out ok='def ok($name): length == 1 and (.[0] | type == "object" and .version == 1
    and (.start | type == "number") and (.size | type == "number")
    and (.id | type == "string") and (.stateRoot | type == "string")
    and $name == "\(.start)-\(.size).json");'
  mapfile -d '' -t files < <(find "$IDMAP_STORE/ranges" -mindepth 1 -maxdepth 1 ! -name '.*' \
                               -print0 2>/dev/null)
  [ ${#files[@]} -gt 0 ] || return 0
  out=$(jq -rn --arg names "$(printf '%s\n' "${files[@]##*/}")" "$ok"'
    ([inputs | {f: (input_filename | sub(".*/"; "")), v: .}] | group_by(.f)
     | map({key: .[0].f, value: map(.v)}) | from_entries) as $by
    | $names | split("\n")[] | . as $name | ($by[$name] // []) | select(ok($name) | not)
    | "\($name) is not a range file named after its range: \(tojson)"' "${files[@]}" 2>/dev/null) &&
    { [ -z "$out" ] || printf '%s\n' "$out"; return 0; }
  for f in "${files[@]}"; do
    jq -se --arg name "${f##*/}" "$ok"' ok($name)' "$f" >/dev/null 2>&1 ||
      echo "${f##*/} is not a range file named after its range: $(head -c 400 "$f" 2>&1)"
  done
}

# idmap_table_valid [--killed]: the ranges are kept as documented (above): no legacy table;
# every range file is one JSON object with version 1, numeric start and size, string id and
# stateRoot, named "<start>-<size>.json" after them; every container a range lists (its id
# unless ownerReleased, its members) has its link holders/<key>/<id> -> "<start>-<size>" under
# the key of the range's stateRoot; and every link names an existing range file that lists its
# container.  --killed: after processes were killed, a link that counts for nothing may be
# left (a link is made before its range file is written and removed after it): only that last
# rule is not checked.  Says on stderr what is wrong.  No directory at all: nothing is held.
# shellcheck disable=SC2120 # --killed is passed by idmap-exclusive-crash.sh
idmap_table_valid() {
  local killed=false out
  [ "${1:-}" != --killed ] || killed=true
  if [ -e "$IDMAP_TABLE" ] && ! _idmap_is_moved_table; then
    echo "idmap_table_valid: the legacy table $IDMAP_TABLE is still there: $(head -c 300 "$IDMAP_TABLE")" >&2
    return 1
  fi
  [ -d "$IDMAP_STORE" ] || return 0
  out=$(_idmap_bad_range_files) || return 1
  [ -z "$out" ] || { printf 'idmap_table_valid: %s\n' "$out" >&2; return 1; }
  out=$(jq -rn --argjson killed "$killed" \
      --slurpfile ranges <(sv_idmap_ranges "$SYSVISOR_LIB_DIR") \
      --slurpfile links <(_idmap_links_json) '
    def holders: (if .ownerReleased == true then [] else [.id] end) + (.members // []);
    def name: "\(.start)-\(.size)";
    def held: "\(.root)\t\(.id)\t\(.target)";
    $ranges[0] as $ranges | $links[0] as $links
    | ([$ranges[] | . as $r | holders[] | {root: $r.stateRoot, id: ., target: ($r | name)}]
       | map({key: held, value: true}) | from_entries) as $listed
    | ($links | map(select(.link) | {key: held, value: true}) | from_entries) as $linked
    | ($ranges[] | . as $r | holders[] | {root: $r.stateRoot, id: ., target: ($r | name)}
       | select($linked[held] | not)
       | "range \(.target) lists \(.id) of \(.root), which has no holder link to it"),
      ($links[] | select((.link and (.target | test("^[0-9]+-[0-9]+$"))) | not)
       | "holders/\(.key)/\(.id) is no link to \"<start>-<size>\" (-> \(.target))"),
      (if $killed then empty else
        $links[] | select($listed[held] | not)
        | "holders/\(.key)/\(.id) -> \(.target) (root \(.root)): no range file lists it"
       end)') || { echo "idmap_table_valid: cannot read $IDMAP_STORE" >&2; return 1; }
  [ -z "$out" ] || { printf 'idmap_table_valid: %s\n' "$out" >&2; return 1; }
}

# _idmap_is_moved_table: IDMAP_TABLE is the table of version 2 with no range (root's only)
# that makes every older release refuse the lib dir: each one reads its table only when
# "version" is 1 (and would take no table at all for no range held).
_idmap_is_moved_table() {
  [ "$(stat -c %a "$IDMAP_TABLE" 2>/dev/null)" = 600 ] &&
    jq -e '.version == 2 and .ranges == []' "$IDMAP_TABLE" >/dev/null 2>&1
}

# idmap_assert_moved_table WHAT: IDMAP_TABLE is that table.
idmap_assert_moved_table() {
  _idmap_is_moved_table ||
    sv_fail "$1: $IDMAP_TABLE is not the version 2 table with no range that older releases" \
      "refuse: $(head -c 300 "$IDMAP_TABLE" 2>&1)"
}

# idmap_assert_disjoint WHAT < "start size name" lines: no two ranges share an id.
idmap_assert_disjoint() {
  local what=$1 out
  out=$(sort -n -k1,1 | awk '
    NR > 1 && $1 < end { printf "%s [%d,%d) overlaps %s (ends %d)\n", $3, $1, $1 + $2, name, end }
    { if ($1 + $2 > end) { end = $1 + $2; name = $3 } }')
  [ -z "$out" ] || sv_fail "$what: ranges overlap: $out"
}

# idmap_assert_pool_range START SIZE WHAT: a range of the test's pool, slot-aligned.
idmap_assert_pool_range() {
  local start=$1 size=$2 what=$3
  assert_eq "$IDMAP_RANGE" "$size" "$what: range size"
  if [ "$start" -lt "$IDMAP_POOL_START" ] || [ $((start + size)) -gt $((IDMAP_POOL_START + IDMAP_POOL_COUNT)) ] \
     || [ $(((start - IDMAP_POOL_START) % IDMAP_RANGE)) != 0 ]; then
    sv_fail "$what: range $start+$size is not a slot of sysvisor:$IDMAP_POOL_START:$IDMAP_POOL_COUNT"
  fi
}

# idmap_pool_processes: "pid uid" of every host process (zombies aside) whose real uid is in
# the pool.
idmap_pool_processes() {
  local lo=$IDMAP_POOL_START hi=$((IDMAP_POOL_START + IDMAP_POOL_COUNT))
  awk -v lo="$lo" -v hi="$hi" '
    FNR == 1 { zombie = 0 }
    /^State:/ { zombie = ($2 == "Z" || $2 == "X") }
    /^Uid:/ { if (!zombie && $2 >= lo && $2 < hi) { split(FILENAME, p, "/"); print p[3], $2 }; nextfile }
  ' /proc/[0-9]*/status 2>/dev/null || true
}
# idmap_cgroup_dirs ID: the container's cgroup directories on the host ("" when none).
idmap_cgroup_dirs() {
  find /sys/fs/cgroup -maxdepth 4 -type d -name "$1" 2>/dev/null || true
}

# idmap_assert_nothing_left ID WHAT: no state, no cgroup, not listed.
idmap_assert_nothing_left() {
  local id=$1 what=$2
  assert_file_absent "$SV_ROOT/$id" "$what: no state dir under --root"
  assert_eq "" "$(idmap_cgroup_dirs "$id")" "$what: no cgroup dir"
  if sv_rt list -q | grep -qxF "$id"; then sv_fail "$what: sysvisor-runc list shows $id"; fi
}

# idmap_rm_leaked_cgroups PREFIX: delete every container, then remove the (empty) cgroup
# directories named PREFIX-* that are left: a create killed between making its cgroup and
# recording it in state.json leaves one that delete cannot know about (a core issue).
idmap_rm_leaked_cgroups() {
  local d
  sv_rt_cleanup "$SV_RUNTIME" "$SV_ROOT"
  while IFS= read -r d; do
    rmdir "$d" 2>/dev/null || echo "idmap_rm_leaked_cgroups: cannot remove $d" >&2
  done < <(find /sys/fs/cgroup -maxdepth 4 -depth -type d -name "$1-*" 2>/dev/null)
}

idmap_no_pool_processes() {
  [ -z "$(idmap_pool_processes)" ]
}

# ---------------------------------------------------------------- smoke test (run directly)
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  idmap_setup exclusive 4
  idmap_bundle "$SV_TEST_TMP/b"
  id=$SV_ID-smoke
  idmap_must_create "$SV_TEST_TMP/b" "$id"
  pid=$(idmap_pid "$id")
  read -r start size name <<<"$(idmap_table)"
  assert_eq "$id" "$name" "the table names the container"
  idmap_assert_pool_range "$start" "$size" "smoke"
  assert_eq "0 $start $size" "$(idmap_host_uid_map "$pid")" "uid_map is the table's range"
  assert_eq "0 $start $size" "$(idmap_host_gid_map "$pid")" "gid_map is the table's range"
  idmap_table_valid || sv_fail "ranges not valid: $(idmap_ranges_json)"
  assert_ok sv_rt delete -f "$id"
  assert_eq "" "$(idmap_table)" "delete frees the range"
  assert_eq "" "$(idmap_holders)" "delete removes the holder link"
  idmap_table_valid || sv_fail "ranges not valid after delete: $(idmap_ranges_json)"
  sv_log "ok: idmap helpers and one exclusive container"
fi
