# Helpers sourced by tests/integration/sysvisor-fs-*.sh: start a sysvisor-fs on a scratch
# mountpoint, run commands in throwaway "containers" (a pid namespace inside v1 memory and
# cpuset cgroups), and undo everything in an EXIT trap, even on failure.
set -u

SVFS_BIN=${1:?usage: $0 PATH-TO-sysvisor-fs}
SVFS_BIN=$(readlink -f "$SVFS_BIN")
TEST_NAME=$(basename "$0" .sh)

if [ "$(id -u)" != 0 ] || [ ! -c /dev/fuse ] || ! command -v unshare >/dev/null; then
  echo "1..0 # SKIP $TEST_NAME needs root, /dev/fuse and unshare"
  exit 77
fi

TMP=$(mktemp -d "/tmp/$TEST_NAME.XXXXXX")
MNT=$TMP/mnt
LOG=$TMP/sysvisor-fs.log
export SYSVISOR_FS_RUN_DIR=$TMP/run
CGROUPS=()
BG_PIDS=()
FAILED=0

log() { echo "# $*"; }
fail() { echo "not ok - $*"; FAILED=1; }
pass() { echo "ok - $*"; }
check() { # check DESCRIPTION EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: expected '$2', got '$3'"; fi
}

daemon_pid() { sed -n 's/^pid=//p' "$SVFS_BIN_LOCK" 2>/dev/null; }

cleanup() {
  local rc=$?
  for p in "${BG_PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  local pid
  pid=$(sed -n 's/^pid=//p' "$SYSVISOR_FS_RUN_DIR"/*.lock 2>/dev/null | head -1)
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null; fi
  for _ in $(seq 50); do grep -q " $MNT " /proc/self/mountinfo || break; sleep 0.1; done
  if grep -q " $MNT " /proc/self/mountinfo; then fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT"; fi
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
  for cg in "${CGROUPS[@]}"; do
    for _ in $(seq 50); do rmdir "$cg" 2>/dev/null && break; sleep 0.1; done
  done
  if [ "$FAILED" != 0 ] || [ "$rc" != 0 ]; then
    log "daemon log:"; sed 's/^/#   /' "$LOG" 2>/dev/null | tail -40
  fi
  rm -rf "$TMP"
  if [ "$FAILED" != 0 ]; then exit 1; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

start_daemon() {
  mkdir -p "$MNT"
  "$SVFS_BIN" --mountpoint "$MNT" --log "$LOG" --log-level debug "$@" || return 1
  for _ in $(seq 50); do
    grep -q " $MNT .* - fuse.sysvisor-fs " /proc/self/mountinfo && return 0
    sleep 0.1
  done
  return 1
}

# make_container NAME MEMORY CPUS: v1 memory + cpuset cgroups (removed by cleanup); sets PROCS
# to their cgroup.procs files.  Not in a $(...) subshell: CGROUPS must reach the trap.
make_container() {
  local name=svfs-test-$1-$$ mem=$2 cpus=$3
  local m=/sys/fs/cgroup/memory/$name c=/sys/fs/cgroup/cpuset/$name
  mkdir "$m" "$c" || return 1
  CGROUPS+=("$m" "$c")
  echo "$mem" > "$m/memory.limit_in_bytes"
  echo "$cpus" > "$c/cpuset.cpus"
  cat /sys/fs/cgroup/cpuset/cpuset.mems > "$c/cpuset.mems"
  PROCS="$m/cgroup.procs $c/cgroup.procs"
}

# in_container "PROCS-FILES" SCRIPT: run SCRIPT with sh as pid 1's child in a new pid
# namespace (its own /proc) inside the cgroups.
in_container() {
  local procs=$1 script=$2
  sh -c 'for f in '"$procs"'; do echo $$ > $f; done; exec unshare -p -f --mount-proc sh -c "$0"' "$script"
}

require_v1() {
  if [ ! -f /sys/fs/cgroup/memory/memory.limit_in_bytes ] || [ ! -f /sys/fs/cgroup/cpuset/cpuset.cpus ]; then
    echo "1..0 # SKIP $TEST_NAME needs cgroup v1 memory and cpuset hierarchies"
    exit 77
  fi
}
