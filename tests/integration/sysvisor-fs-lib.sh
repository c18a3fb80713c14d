# shellcheck shell=bash
# tests/integration/sysvisor-fs-lib.sh - helpers of the sysvisor-fs-*.sh tests: the daemon
# alone (no sysvisor-runc), on a scratch mountpoint, read from throwaway "containers" (a pid
# namespace inside v1 memory and cpuset cgroups).  Not a test itself (*-lib.sh).
#
#   . "$(dirname "$0")/sysvisor-fs-lib.sh"
#   svfs_start [ARGS...]          sysvisor-fs --mountpoint $MNT (log: $LOG, debug level);
#                                 returns 1 unless the mount shows within 5 s
#   svfs_pid                      the daemon's pid, from its lock file in $SYSVISOR_FS_RUN_DIR
#   svfs_stop                     SIGTERM, then wait (5 s) until $MNT is unmounted
#   svfs_require_v1               skip without the cgroup v1 memory and cpuset hierarchies
#   svfs_make_container NAME MEM CPUS
#                                 v1 memory + cpuset cgroups; sets PROCS to their cgroup.procs
#                                 files (call it in the test's shell, not in $(...))
#   svfs_in_container PROCS SCRIPT [ARG]
#                                 sh -c SCRIPT [ARG] as the child of pid 1 of a new pid
#                                 namespace (its own /proc) inside those cgroups
#   svfs_field KEY TEXT           the value of the line "KEY=value" of TEXT
#
# The daemon is $1 if given, else $SYSVISOR_FS, else the build's
# plugins/fuse-procfs/sysvisor-fs.  Cleanup on exit (common.sh's sv_on_exit), in this order:
# the processes in the test's cgroups are killed and the cgroups removed, the daemon is
# stopped (SIGTERM, then SIGKILL) and its mount detached, its log shown if the test failed, the
# scratch dir ($SV_TEST_TMP, also $TMP) is removed.

. "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

sv_require_root
sv_require_cmd unshare
[ -c /dev/fuse ] || sv_skip "/dev/fuse is missing"

_svfs_build=${SV_BUILD_ROOT:-$(cd "$(dirname "$SV_RUNC")/.." && pwd)}
SVFS_BIN=${1:-${SYSVISOR_FS:-$_svfs_build/plugins/fuse-procfs/sysvisor-fs}}
[ -x "$SVFS_BIN" ] || sv_skip "sysvisor-fs not built ($SVFS_BIN; set SYSVISOR_FS)"
SVFS_BIN=$(readlink -f "$SVFS_BIN")

TMP=$SV_TEST_TMP
MNT=$TMP/mnt
LOG=$TMP/sysvisor-fs.log
# The daemon's lock lives here, not in /run/sysvisor-fs: a real daemon is never disturbed.
export SYSVISOR_FS_RUN_DIR=$TMP/run

svfs_pid() {
  sed -n 's/^pid=//p' "$SYSVISOR_FS_RUN_DIR"/*.lock 2>/dev/null | head -n 1
}

svfs_mounted() {
  grep -q " $MNT " /proc/self/mountinfo
}

svfs_start() {
  mkdir -p "$MNT"
  "$SVFS_BIN" --mountpoint "$MNT" --log "$LOG" --log-level debug "$@" || return 1
  sv_wait_until 5 grep -q " $MNT .* - fuse.sysvisor-fs " /proc/self/mountinfo
}

svfs_stop() {
  local pid
  pid=$(svfs_pid)
  [ -n "$pid" ] || return 1
  kill -TERM "$pid"
  sv_wait_until 5 eval '! svfs_mounted'
}

_svfs_cleanup() {
  local pid
  pid=$(svfs_pid)
  [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
  sv_wait_until 5 eval '! svfs_mounted'
  if svfs_mounted; then fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT"; fi
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
  if [ "${SV_EXIT_STATUS:-0}" != 0 ] && [ -s "$LOG" ]; then
    echo "sysvisor-fs log (last 40 lines):"
    tail -n 40 "$LOG" | sed 's/^/  /'
  fi >&2
  return 0
}
sv_on_exit _svfs_cleanup

# _svfs_remove_cgroup DIR: kill what runs in it, then rmdir (retried: exits take a moment).
_svfs_remove_cgroup() {
  local cg=$1
  [ -d "$cg" ] || return 0
  xargs -r kill -9 <"$cg/cgroup.procs" 2>/dev/null
  sv_wait_until 5 rmdir "$cg" || { echo "cannot remove cgroup $cg" >&2; return 1; }
}

svfs_require_v1() {
  [ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ] && [ -f /sys/fs/cgroup/cpuset/cpuset.cpus ] \
    || sv_skip "$SV_TEST_NAME needs cgroup v1 memory and cpuset hierarchies"
}

svfs_make_container() {
  local name=$SV_ID-svfs-$1 mem=$2 cpus=$3
  local m=/sys/fs/cgroup/memory/$name c=/sys/fs/cgroup/cpuset/$name
  mkdir "$m"
  sv_on_exit "_svfs_remove_cgroup '$m'"
  mkdir "$c"
  sv_on_exit "_svfs_remove_cgroup '$c'"
  echo "$mem" >"$m/memory.limit_in_bytes"
  echo "$cpus" >"$c/cpuset.cpus"
  cat /sys/fs/cgroup/cpuset/cpuset.mems >"$c/cpuset.mems"
  # shellcheck disable=SC2034 # for the tests
  PROCS="$m/cgroup.procs $c/cgroup.procs" MEMCG=$m
}

svfs_in_container() {
  local procs=$1 script=$2
  shift 2
  # shellcheck disable=SC2016 # $$ and $0 belong to the inner shell
  sh -c 'for f in '"$procs"'; do echo $$ > $f; done; exec unshare -p -f --mount-proc sh -c "$0" "$@"' \
    "$script" "$@"
}

svfs_field() {
  printf '%s\n' "$2" | sed -n "s/^$1=//p"
}
