# shellcheck shell=bash
# tests/integration/procfs-lib.sh - helpers of the procfs-*.sh tests: sysvisor-fs and the
# fuse-procfs plugin driven end to end through sysvisor-runc.  Not a test itself (*-lib.sh).
#
#   . "$(dirname "$0")/procfs-lib.sh"
#   procfs_start_daemon          # sysvisor-fs on $PROCFS_MNT (a scratch dir), stopped and
#                                # unmounted on exit; its lock dir is $SYSVISOR_FS_RUN_DIR
#   procfs_daemon_pid            # the daemon's pid, from its lock file
#   procfs_keeper_pid            # its listener keeper's pid (empty: none runs)
#   procfs_use_plugins           # plugins.conf: idmap = none (0 -> 165536), shift = shiftfs,
#                                # procfs = fuse-procfs, [fuse-procfs] mountpoint = $PROCFS_MNT
#   procfs_bundle [--debian] DIR [CMD...]
#                                # writable busybox (or Debian) bundle, memory limit 256 MiB,
#                                # cpus "0", no read-only /proc/sys (as a system container)
#   procfs_wait_file FILE [SECS] # wait until FILE exists (default 30 s)
#   procfs_marked                # the daemon marked its lock file as serving
#   procfs_run_traced ID BUNDLE  # run under strace: SV_OUT, PROCFS_STATFS (statfs of the mount)
#
# The daemon is found in $SYSVISOR_FS, else next to the build's sysvisor-runc
# (<build>/plugins/fuse-procfs/sysvisor-fs).  Cleanup on exit, in this order: every container
# of the test is force-deleted, leftover cgroups named after $SV_ID are removed, the daemon is
# stopped (SIGTERM, then SIGKILL) and its mount detached, the scratch dir is removed.

. "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
. "$SV_LIB_DIR/busybox-rootfs.sh"
. "$SV_LIB_DIR/debian-rootfs.sh"
. "$SV_LIB_DIR/runtime.sh"

sv_require_root
sv_require_cmd jq unshare
sv_require_runtime
[ -c /dev/fuse ] || sv_skip "/dev/fuse is missing"

_procfs_build=${SV_BUILD_ROOT:-$(cd "$(dirname "$SV_RUNC")/.." && pwd)}
PROCFS_DAEMON=${SYSVISOR_FS:-$_procfs_build/plugins/fuse-procfs/sysvisor-fs}
[ -x "$PROCFS_DAEMON" ] || sv_skip "sysvisor-fs not built ($PROCFS_DAEMON; set SYSVISOR_FS)"
if [ -z "${SYSVISOR_PLUGIN_DIR:-}" ]; then
  SYSVISOR_PLUGIN_DIR=$_procfs_build/plugins/idmapped-mounts:$_procfs_build/plugins/fuse-procfs
fi
export SYSVISOR_PLUGIN_DIR

PROCFS_MNT=$SV_TEST_TMP/sysvisorfs
PROCFS_LOG=$SV_TEST_TMP/sysvisor-fs.log
# The daemon's lock lives here, not in /run/sysvisor-fs: a real daemon is never disturbed.
export SYSVISOR_FS_RUN_DIR=$SV_TEST_TMP/run
mkdir -p "$PROCFS_MNT"

procfs_daemon_pid() {
  sed -n 's/^pid=//p' "$SYSVISOR_FS_RUN_DIR"/*.lock 2>/dev/null | head -n 1
}

# procfs_keeper_pid: the daemon's listener keeper (svfs-keeper), if one runs.
procfs_keeper_pid() {
  local pid
  pid=$(cat "$SYSVISOR_FS_RUN_DIR"/*.keeper.pid 2>/dev/null | head -n 1)
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = svfs-keeper ] && echo "$pid"
  return 0
}

procfs_mounted() {
  grep -q " $PROCFS_MNT .* - fuse.sysvisor-fs " /proc/self/mountinfo
}

# _procfs_stop: stop the daemon and make sure nothing stays mounted (cleanup; never fails).
_procfs_stop() {
  local pid i
  pid=$(procfs_daemon_pid)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  fi
  pid=$(procfs_keeper_pid)
  if [ -n "$pid" ]; then   # a keeper of a killed daemon outlives it: end it too
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 20; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  fi
  if grep -q " $PROCFS_MNT " /proc/self/mountinfo; then
    fusermount3 -u "$PROCFS_MNT" 2>/dev/null || umount -l "$PROCFS_MNT" 2>/dev/null
  fi
  if grep -q " $PROCFS_MNT " /proc/self/mountinfo; then
    echo "procfs-lib: $PROCFS_MNT is still mounted" >&2
  fi
  if [ -n "${SV_DEBUG:-}" ] && [ -f "$PROCFS_LOG" ]; then
    echo "sysvisor-fs log:" >&2; tail -n 40 "$PROCFS_LOG" >&2
  fi
  return 0
}

# _procfs_rm_cgroups: cgroups of this test's containers that a delete left behind.
_procfs_rm_cgroups() {
  local d i
  while read -r d; do
    [ -n "$d" ] || continue
    echo "procfs-lib: removing leftover cgroup $d" >&2
    for ((i = 0; i < 30; i++)); do rmdir "$d" 2>/dev/null && break; sleep 0.1; done
  done < <(find /sys/fs/cgroup -maxdepth 4 -type d -path "*/sysvisor/$SV_ID-*" 2>/dev/null)
  return 0
}

# Registered now, so they run after the containers are deleted (cleanups run in reverse).
sv_on_exit "_procfs_stop"
sv_on_exit "_procfs_rm_cgroups"
sv_on_exit "sv_rt_cleanup \"\$SV_RUNTIME\" '$SV_ROOT'"

# procfs_start_daemon [FLAGS...]
procfs_start_daemon() {
  "$PROCFS_DAEMON" --mountpoint "$PROCFS_MNT" --log "$PROCFS_LOG" --log-level info "$@" \
    || sv_fail "sysvisor-fs did not start: $(tail -n 5 "$PROCFS_LOG" 2>/dev/null)"
  sv_wait_until 5 procfs_mounted || sv_fail "sysvisor-fs is not mounted on $PROCFS_MNT"
}

# procfs_marked: the daemon has marked its lock file as serving (svfs-serving.h: a dev line;
# it also holds a lock there while it lives, which /proc/locks shows as OFDLCK).
procfs_marked() {
  grep -q '^dev=[0-9]*:[0-9]*$' "$SYSVISOR_FS_RUN_DIR"/*.lock 2>/dev/null
}

# procfs_run_traced ID BUNDLE: `run` as sv_rt runs it, under strace (statfs calls only).
# SV_OUT holds its output, PROCFS_STATFS how many statfs calls asked $PROCFS_MNT.
procfs_run_traced() {
  local trace=$SV_TEST_TMP/statfs.trace
  assert_ok strace -f -qq -e trace=statfs -o "$trace" \
    "$SV_RUNTIME" --root "$SV_ROOT" run --bundle "$2" "$1"
  # shellcheck disable=SC2034 # for the tests
  PROCFS_STATFS=$(grep -c "statfs(\"$PROCFS_MNT\"" "$trace" || true)
}

procfs_use_plugins() {
  sv_use_plugins none shiftfs fuse-procfs "[fuse-procfs]" "mountpoint = $PROCFS_MNT"
}

# procfs_bundle [--debian] DIR [CMD...]
procfs_bundle() {
  local debian=0
  if [ "${1:-}" = --debian ]; then debian=1; shift; fi
  local dir=$1
  shift
  if [ "$debian" = 1 ]; then
    SV_BUNDLE_READONLY=false sv_debian_bundle "$dir" "$@" >/dev/null \
      || sv_fail "no Debian rootfs (tests/lib/debian-rootfs.sh)"
  else
    SV_BUNDLE_READONLY=false sv_busybox_bundle "$dir" "$@" >/dev/null \
      || sv_fail "no busybox rootfs"
  fi
  # runc's default spec makes /proc/sys read-only; a system container's spec does not.
  sv_spec_set "$dir" '.linux.readonlyPaths -= ["/proc/sys"]
    | .linux.resources.memory.limit = 268435456 | .linux.resources.cpu.cpus = "0"'
}

# procfs_wait_file FILE [SECS]
procfs_wait_file() {
  sv_wait_until "${2:-30}" test -e "$1"
}

# meson test rebuilds only what a test depends on (sysvisor-runc and the probe): say so when
# the daemon or the plugin is older than its sources.
for _procfs_src in "$SV_SRC_ROOT"/plugins/fuse-procfs/*.[ch] "$SV_SRC_ROOT"/plugins/fuse-procfs/sysvisor-fs/*.[ch]; do
  if [ "$_procfs_src" -nt "$PROCFS_DAEMON" ]; then
    sv_log "warning: $PROCFS_DAEMON is older than $_procfs_src; run meson compile first"
    break
  fi
done
