#!/bin/bash
# idmap = exclusive under load: 200 `sysvisor-runc create`s started at once, each its own
# process, bundle and id (one shared read-only rootfs).  While all 200 exist, no two hold
# overlapping host ranges (as the kernel sees them: /proc/PID/uid_map of every init) and the
# range files record exactly those ranges; after 200 parallel deletes every range is free, no
# holder link or temporary file is left, and what is left is valid.  No create reclaims
# anything: every container it sees is alive.
set -euo pipefail
. "$(dirname "$0")/idmap-lib.sh"

N=${IDMAP_STRESS_N:-200}
idmap_setup exclusive $((N + 56))          # 256 ranges for 200 containers
work=$SV_TEST_TMP/stress
mkdir -p "$work/bundles" "$work/out"
sv_busybox_rootfs "$work/rootfs"
idmap_bundle "$work/base"
for i in $(seq 1 "$N"); do
  mkdir "$work/bundles/$i"
  jq --arg r "$work/rootfs" '.root.path = $r' "$work/base/config.json" >"$work/bundles/$i/config.json"
done

sv_log "starting $N creates in parallel"
t0=$SECONDS
pids=()
for i in $(seq 1 "$N"); do
  "$SV_RUNTIME" --root "$SV_ROOT" --log "$work/creates.log" create -b "$work/bundles/$i" \
    "$SV_ID-s$i" </dev/null >"$work/out/$i.log" 2>&1 &
  pids[i]=$!
done
failed=0
for i in $(seq 1 "$N"); do
  if ! wait "${pids[i]}"; then
    failed=$((failed + 1))
    echo "create $SV_ID-s$i failed: $(cat "$work/out/$i.log")" >&2
  fi
done
sv_log "$N creates done in $((SECONDS - t0)) s ($failed failed)"
assert_eq 0 "$failed" "every parallel create succeeded"
# Every container was alive (created or being created) while the others reserved: a reclaim
# here took a live container's range (it did when a create's state was read just before the
# container was committed and its creator then looked at just after it exited).
if grep -s reclaiming "$work/creates.log" >&2; then
  sv_fail "a create reclaimed the range of a live container (above)"
fi

# the start time of process PID (field 22 of /proc/PID/stat; the name may hold spaces)
proc_starttime() {
  sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $20 }'
}

# the truth: the maps the kernel holds for every init
maps=$work/maps
: >"$maps"
for i in $(seq 1 "$N"); do
  id=$SV_ID-s$i
  pid=$(idmap_pid "$id")
  [ "$pid" -gt 0 ] || sv_fail "$id has no init"
  read -r cid start size <<<"$(idmap_host_uid_map "$pid")"
  gid_map=$(idmap_host_gid_map "$pid")
  # The maps are the init's only if $pid is still the init that state.json records (a pid
  # is reused once its process is gone): same start time, checked after reading them.
  assert_eq "$(jq -r .starttime "$SV_ROOT/$id/state.json")" "$(proc_starttime "$pid")" \
    "$id: pid $pid is still its init"
  assert_eq 0 "$cid" "$id maps container id 0"
  idmap_assert_pool_range "$start" "$size" "$id"
  assert_eq "0 $start $size" "$gid_map" "$id: gid range = uid range"
  echo "$start $size $id $pid" >>"$maps"
done
dup=$(awk '{ print $4 }' "$maps" | sort | uniq -d)
[ -z "$dup" ] || sv_fail "two containers name the same init pid: $dup"
idmap_assert_disjoint "uid maps of $N containers created in parallel" <"$maps"
idmap_table_valid || sv_fail "ranges not valid after $N creates"
assert_eq "$(awk '{ print $1, $2, $3 }' "$maps" | sort -n)" "$(idmap_table)" \
  "the table records exactly the kernel's maps"

sv_log "deleting $N containers in parallel"
t0=$SECONDS
pids=()
for i in $(seq 1 "$N"); do
  "$SV_RUNTIME" --root "$SV_ROOT" delete -f "$SV_ID-s$i" </dev/null >"$work/out/d$i.log" 2>&1 &
  pids[i]=$!
done
failed=0
for i in $(seq 1 "$N"); do
  wait "${pids[i]}" || { failed=$((failed + 1)); echo "delete $SV_ID-s$i: $(cat "$work/out/d$i.log")" >&2; }
done
sv_log "$N deletes done in $((SECONDS - t0)) s ($failed failed)"
assert_eq 0 "$failed" "every parallel delete succeeded"
assert_eq "" "$(sv_rt list -q)" "no container left"
idmap_table_valid || sv_fail "ranges not valid after $N deletes: $(idmap_ranges_json)"
assert_eq "" "$(idmap_table)" "every range is free"
assert_eq "" "$(idmap_holders)" "no holder link is left"
assert_eq "" "$(find "$IDMAP_STORE" -name '.*' 2>/dev/null)" \
  "no temporary file left in $IDMAP_STORE (ranges/ and holders/)"
sv_log "ok: $N parallel creates never shared a range; all free after delete"
