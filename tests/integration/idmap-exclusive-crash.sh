#!/bin/bash
# idmap = exclusive when `create` crashes: 50 times, `sysvisor-runc create` is killed with
# SIGKILL after a random 0-200 ms (drawn as the product of two uniform draws, so that the
# first tens of milliseconds, where a create does its work, get most kills).  After the next create (which reclaims the ranges of
# containers that no longer exist) the range files are valid (idmap_table_valid --killed:
# a killed create may leave a holder link that counts for nothing), every range belongs to a
# live container, every host process running with ids of the pool is inside a held range,
# and the live containers' ranges are disjoint.  Then `delete --force` of every leftover id
# works and frees everything.
set -euo pipefail
. "$(dirname "$0")/idmap-lib.sh"

ROUNDS=${IDMAP_CRASH_ROUNDS:-50}
idmap_setup exclusive 128
idmap_bundle "$SV_TEST_TMP/b"
out=$SV_TEST_TMP/crash
mkdir -p "$out"
sv_on_exit "idmap_rm_leaked_cgroups '$SV_ID'"

killed=0 finished=0
for i in $(seq 1 "$ROUNDS"); do
  "$SV_RUNTIME" --root "$SV_ROOT" create -b "$SV_TEST_TMP/b" "$SV_ID-k$i" \
    </dev/null >"$out/$i.log" 2>&1 &
  pid=$!
  sleep "$(printf '0.%03d' $(((RANDOM % 200) * (RANDOM % 200) / 200)))"
  kill -KILL "$pid" 2>/dev/null || true
  rc=0
  { wait "$pid"; } 2>/dev/null || rc=$?   # (no "Killed" job notice)
  case $rc in
    0) finished=$((finished + 1)) ;;
    137) killed=$((killed + 1)); echo "$SV_ID-k$i" >>"$out/killed" ;;
    *) sv_fail "create $SV_ID-k$i failed by itself (status $rc): $(cat "$out/$i.log")" ;;
  esac
done
sv_log "$ROUNDS creates: $killed killed, $finished finished before the kill"
idmap_table_valid --killed || sv_fail "ranges not valid after the kills: $(idmap_ranges_json)"

# the next create reclaims the ranges of the dead
idmap_must_create "$SV_TEST_TMP/b" "$SV_ID-after"
idmap_table_valid --killed || sv_fail "ranges not valid after the reclaiming create"

# every held range belongs to a live container (state with an init that exists)
held=$out/held
idmap_table >"$held"
while read -r start size id; do
  st=$(sv_rt state "$id" 2>&1) || sv_fail "range $start+$size is held by $id, which does not exist: $st"
  pid=$(jq -r .pid <<<"$st")
  status=$(jq -r .status <<<"$st")
  # A create killed after it recorded the init's pid, but before the init stopped dying with
  # it, leaves a stopped container: it exists until deleted, and so does its range.
  case $status in
    created|running) ;;
    stopped) grep -qx "$id" "$out/killed" 2>/dev/null ||
               sv_fail "range $start+$size is held by $id, stopped though its create finished" ;;
    *) sv_fail "range $start+$size is held by $id, which is $status" ;;
  esac
  [ "$status" = stopped ] && continue
  assert_eq "0 $start $size" "$(idmap_host_uid_map "$pid")" "$id runs in the range the table gives it"
done <"$held"
idmap_assert_disjoint "held ranges" <"$held"
sv_log "$(grep -c . "$held" || true) ranges held by live containers after the reclaim"

# no process runs with ids of a range the table lets another container take
while read -r pid uid; do
  inside=$(awk -v u="$uid" '$1 <= u && u < $1 + $2 { print $3 }' "$held")
  [ -n "$inside" ] || sv_fail "process $pid runs as host uid $uid, in a range the table has freed: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
done < <(idmap_pool_processes)

# every leftover id (killed at any point) can be deleted, which frees everything
for id in $(sv_rt list -q); do
  assert_ok sv_rt delete --force "$id"
done
assert_eq "" "$(sv_rt list -q)" "no container left after delete --force"
assert_eq "" "$(idmap_table)" "every range is free"
idmap_table_valid --killed || sv_fail "ranges not valid at the end"
sv_wait_until 10 idmap_no_pool_processes ||
  sv_fail "processes left with ids of the pool: $(idmap_pool_processes | paste -sd' ')"
# Not this plugin's to check, but worth seeing: cgroups of creates killed between making the
# cgroup and saving it in state.json (create.c) outlive delete --force; removed on exit.
left=$(idmap_cgroup_dirs "$SV_ID-*" | sed 's#.*/##' | sort -u | paste -sd' ')
[ -z "$left" ] || sv_log "WARNING (core): cgroups left after delete --force of every leftover id: $left"
sv_log "ok: after crashed creates every range is free or held by a live container; delete --force works on every leftover id"
