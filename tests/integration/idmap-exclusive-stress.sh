#!/bin/bash
# idmap = exclusive under load: 200 `sysvisor-runc create`s started at once, each its own
# process, bundle and id (one shared read-only rootfs).  While all 200 exist, no two hold
# overlapping host ranges (as the kernel sees them: /proc/PID/uid_map of every init) and the
# table records exactly those ranges; after 200 parallel deletes every range is free and the
# table is valid JSON.
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
  "$SV_RUNTIME" --root "$SV_ROOT" create -b "$work/bundles/$i" "$SV_ID-s$i" \
    </dev/null >"$work/out/$i.log" 2>&1 &
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

# the truth: the maps the kernel holds for every init
maps=$work/maps
: >"$maps"
for i in $(seq 1 "$N"); do
  pid=$(idmap_pid "$SV_ID-s$i")
  [ "$pid" -gt 0 ] || sv_fail "$SV_ID-s$i has no init"
  read -r cid start size <<<"$(idmap_host_uid_map "$pid")"
  assert_eq 0 "$cid" "$SV_ID-s$i maps container id 0"
  idmap_assert_pool_range "$start" "$size" "$SV_ID-s$i"
  assert_eq "0 $start $size" "$(idmap_host_gid_map "$pid")" "$SV_ID-s$i: gid range = uid range"
  echo "$start $size $SV_ID-s$i" >>"$maps"
done
idmap_assert_disjoint "uid maps of $N containers created in parallel" <"$maps"
idmap_table_valid || sv_fail "table not valid after $N creates"
assert_eq "$(sort -n "$maps")" "$(idmap_table)" "the table records exactly the kernel's maps"

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
idmap_table_valid || sv_fail "table not valid after $N deletes: $(cat "$IDMAP_TABLE")"
assert_eq "" "$(idmap_table)" "every range is free"
assert_file_absent "$IDMAP_TABLE.tmp" "no temporary table left"
sv_log "ok: $N parallel creates never shared a range; all free after delete"
