#!/bin/bash
# A container's first read of /proc/loadavg counts its tasks from its cgroup tree (svfs-loadavg.c,
# first_count), not from a pass over the whole host: the "running/total" it shows must still be
# the container's exact count.  1. Container processes spread over sub-cgroups of the container's
# cgroup (as systemd inside makes them), the reader itself in another sub-cgroup: all counted.
# 2. A container in no cgroup of its own (the host's root cgroups) gets the pass over /proc:
# exact too, and none of the host's processes.  With one of the container's processes moved
# out of its cgroup tree: 3. the tree has more than 256 cgroups: the first read gets the pass,
# exact; 4. a small tree: a read within a few seconds counts it (the sampler's next pass,
# promised within a second of a read that finds the count older than 1 s).
set -euo pipefail
. "$(dirname "$0")/sysvisor-fs-lib.sh"
svfs_require_v1
svfs_start || sv_fail "sysvisor-fs does not mount $MNT"

# The script run as pid 1 of a new pid namespace, with $0 a memory cgroup (or "": as
# svfs_in_container passes its first argument) and $1 the loadavg file: start 5 sleepers (2 moved to sub-cgroups of $0 when it is set), count the
# namespace's processes with the shell's own glob (no fork), then read loadavg once from a
# process of its own (in $0/reader when set).
# shellcheck disable=SC2016 # expanded by that shell
script='
  cg=$0 la=$1
  for i in 1 2 3 4 5; do sleep 60 & done
  if [ -n "$cg" ]; then
    mkdir "$cg/svc-a" "$cg/svc-b" "$cg/reader"
    echo $! > "$cg/svc-a/cgroup.procs"
    echo $(( $! - 1 )) > "$cg/svc-b/cgroup.procs"
  fi
  set -- /proc/[0-9]*
  echo "before=$#"
  printf "loadavg="
  sh -c '\''[ -z "$1" ] || echo $$ > "$1/reader/cgroup.procs"; exec cat "$2"'\'' sh "$cg" "$la"
'

# total_of OUT: the "total" of the loadavg line's running/total field.
total_of() { svfs_field loadavg "$1" | awk '{ split($4, f, "/"); print f[2] }'; }

# 1. In the container's cgroup tree.
svfs_make_container first 256M 0
memcg=$MEMCG
sv_on_exit "for d in reader svc-a svc-b; do _svfs_remove_cgroup '$memcg/'\$d; done"
out=$(svfs_in_container "$PROCS" "$script" "$memcg" "$MNT/proc/loadavg")
sv_log "container with sub-cgroups: $(echo "$out" | tr '\n' ' ')"
before=$(svfs_field before "$out")
[ "$before" = 6 ] || sv_fail "expected pid 1 and 5 sleepers in the namespace, counted $before"
assert_eq 7 "$(total_of "$out")" \
  "first loadavg read counts pid 1, 5 sleepers (2 in sub-cgroups) and the reader in its own sub-cgroup"
for d in reader svc-a svc-b; do _svfs_remove_cgroup "$memcg/$d"; done

# 2. No cgroup of its own: the pass over /proc, the same count.  The namespace's first process
# moves itself to the roots of the hierarchies first_count looks at (it ends with the test).
roots="/sys/fs/cgroup/memory /sys/fs/cgroup/cpu /sys/fs/cgroup/cpuset"
# shellcheck disable=SC2016 # $$, $0 and $@ belong to that shell
out=$(sh -c 'for r in '"$roots"'; do echo $$ > "$r/cgroup.procs"; done
  exec unshare -p -f --mount-proc sh -c "$0" "$@"' "$script" "" "$MNT/proc/loadavg")
sv_log "container in the root cgroups: $(echo "$out" | tr '\n' ' ')"
before=$(svfs_field before "$out")
[ "$before" = 6 ] || sv_fail "expected pid 1 and 5 sleepers in the namespace, counted $before"
assert_eq 7 "$(total_of "$out")" "first loadavg read of a container in the root cgroups counts its own 7"

# 3. and 4.: $0 the container's memory cgroup, $1 the loadavg file, $2 how many sub-cgroups
# to make; one of 5 sleepers moves to the memory root.  Read with the shell's own `read` (no
# process of its own): the namespace is pid 1 and the 5 sleepers, 6.
# shellcheck disable=SC2016 # expanded by that shell
moved_out='
  cg=$0 la=$1 subs=$2
  for i in 1 2 3 4 5; do sleep 60 & done
  echo $! > /sys/fs/cgroup/memory/cgroup.procs
  i=0; while [ $i -lt "$subs" ]; do mkdir "$cg/s$i"; i=$((i + 1)); done
  read -r _ _ _ f _ < "$la"; echo "first=${f#*/}"
  t=0
  while [ $t -lt 50 ]; do
    read -r _ _ _ f _ < "$la"
    [ "${f#*/}" = 6 ] && break
    sleep 0.1; t=$((t + 1))
  done
  echo "settled=${f#*/} tenths=$t"
'
# remove_subs MEMCG: its s* sub-cgroups (empty: their processes never moved in).
remove_subs() { find "$1" -mindepth 1 -maxdepth 1 -type d -name 's*' -exec rmdir {} +; }

svfs_make_container big 256M 0
sv_on_exit "remove_subs '$MEMCG'"
out=$(svfs_in_container "$PROCS" "$moved_out" "$MEMCG" "$MNT/proc/loadavg" 300)
sv_log "300 sub-cgroups, a process outside: $(echo "$out" | tr '\n' ' ')"
assert_eq 6 "$(svfs_field first "$out")" \
  "first read with 300 sub-cgroups (over the walk's 256) counts the process outside them too"
remove_subs "$MEMCG"

svfs_make_container small 256M 0
sv_on_exit "remove_subs '$MEMCG'"
out=$(svfs_in_container "$PROCS" "$moved_out" "$MEMCG" "$MNT/proc/loadavg" 2)
sv_log "2 sub-cgroups, a process outside: $(echo "$out" | tr '\n' ' ')"
settled=$(svfs_field settled "$out")
assert_eq 6 "${settled%% *}" "a process outside the container's cgroup tree is counted"
tenths=${settled##*tenths=}
[ "$tenths" -le 30 ] ||
  sv_fail "the process outside the tree was counted only after ${tenths}00 ms (promised: the pass after 1 s)"
[ "$(svfs_field first "$out")" -le 6 ] || sv_fail "first read counted more than the namespace has"
remove_subs "$MEMCG"
