#!/bin/bash
# A container's first read of /proc/loadavg counts its tasks from its cgroup tree (svfs-loadavg.c,
# first_count), not from a pass over the whole host: the "running/total" it shows must still be
# the container's exact count.  1. Container processes spread over sub-cgroups of the container's
# cgroup (as systemd inside makes them), the reader itself in another sub-cgroup: all counted.
# 2. A container in no cgroup of its own (the host's root cgroups) gets the pass over /proc:
# exact too, and none of the host's processes.
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
