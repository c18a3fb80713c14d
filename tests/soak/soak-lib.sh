# shellcheck shell=bash
# tests/soak/soak-lib.sh - helpers of the soak scripts (leak-check.sh, crash-steps.sh,
# svfs-crash.sh, load.sh): sysvisor-runc with the plugins a system container gets by default
# (idmap-exclusive, shiftfs, fuse-procfs), a private sysvisor-fs, a private uid pool, and a
# snapshot of everything a container could leave behind.
#
#   . "$(dirname "$0")/soak-lib.sh"
#   soak_setup [N_RANGES]          # plugins.conf, private subuid/subgid, sysvisor-fs started
#   soak_bundle DIR CMD...         # busybox bundle for it (writable rootfs, 256 MiB, cpus 0)
#   soak_snapshot                  # "key value" lines (see below)
#   soak_assert_clean BASE WHAT    # every leak counter of the current snapshot equals BASE's
#
# Snapshot keys (each counts what this script's containers left; other tests on the machine
# do not change them): mounts (host mounts under the scratch dir or named after $SV_ID, the
# daemon's own excepted), cgroups (directories named $SV_ID-* in every hierarchy), ranges
# (held by idmap-exclusive: its range files), states (entries in --root), libdirs (entries in
# the lib dir besides idmap-exclusive's directory, table and lock), procs (processes running as
# a uid of the pool, or sysvisor-runc processes of this --root), svfs_fds (open fds of
# sysvisor-fs), svfs_known (pid namespaces sysvisor-fs keeps data for, from its debug log),
# and, not compared, svfs_rss_kb and svfs_threads.

# The plugins of the build tree (meson sets SYSVISOR_PLUGIN_DIR; this is for runs by hand).
if [ -z "${SYSVISOR_PLUGIN_DIR:-}" ]; then
  _soak_runc=${SYSVISOR_RUNC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/core/sysvisor-runc}
  _soak_build=$(cd "$(dirname "$_soak_runc")/.." && pwd)
  SYSVISOR_PLUGIN_DIR=$_soak_build/plugins/idmap-exclusive:$_soak_build/plugins/idmapped-mounts:$_soak_build/plugins/fuse-procfs
  export SYSVISOR_PLUGIN_DIR
fi
. "$(dirname "${BASH_SOURCE[0]}")/../integration/procfs-lib.sh"

SOAK_POOL_START=2147483648
SOAK_RANGE=65536

# soak_setup [N_RANGES [DAEMON-FLAGS...]]
soak_setup() {
  local n=${1:-64}
  shift || true
  SOAK_POOL_SIZE=$((n * SOAK_RANGE))
  # SOAK_SUPERVISE=no: without the syscall supervisor (e.g. sysvisor-fs under valgrind,
  # which does not know seccomp's notification calls).
  sv_use_plugins exclusive shiftfs fuse-procfs "[fuse-procfs]" "mountpoint = $PROCFS_MNT" \
    ${SOAK_SUPERVISE:+"supervise = $SOAK_SUPERVISE"}
  sv_use_exclusive_ids "$n"
  SOAK_STORE=$SYSVISOR_LIB_DIR/idmap-exclusive   # idmap-exclusive's range files, holder links
  # meson sets a random MALLOC_PERTURB_, with which malloc writes every block it hands out:
  # the 1 MiB request buffer each FUSE worker takes at its first request is then resident in
  # full, and the RSS measured here would count the workers that have served so far (seen:
  # +2 MB between the 4th and the 30th lifecycle), not a leak.  The daemon runs with it empty (0).
  MALLOC_PERTURB_='' procfs_start_daemon --log-level debug "$@"   # empty: 0, no perturbation
  SOAK_SVFS_PID=$(procfs_daemon_pid)
  sv_wait_until 12 grep -q 'known containers:' "$PROCFS_LOG" \
    || sv_fail "sysvisor-fs logs no 'known containers:' line (built from an older source?)"
}

# soak_bundle DIR CMD...: a busybox bundle served by sysvisor-fs.
soak_bundle() {
  procfs_bundle "$@"
}

_soak_count() { grep -c . || true; }

soak_mounts() {
  awk -v d="$SV_TEST_TMP" -v id="$SV_ID" -v m="$PROCFS_MNT" \
    '($5 != m) && (index($5, d) == 1 || index($0, id) > 0) { print $5 }' /proc/self/mountinfo
}

soak_cgroups() {
  find /sys/fs/cgroup -mindepth 2 -maxdepth 6 -type d -name "$SV_ID-*" 2>/dev/null
}

# "start id" of every range held (one file each in idmap-exclusive/ranges/); a line saying so
# when they cannot be read (not nothing: a count of 0 would hide them)
soak_ranges() {
  local json
  json=$(sv_idmap_ranges "$SYSVISOR_LIB_DIR") ||
    { echo "? unreadable: $SOAK_STORE/ranges"; return 0; }
  jq -r '.[] | "\(.start) \(.id)"' <<<"$json"
}

# (storage/.spare-N: a bare storage tree kept for the next create, at most 16; `gc` removes them;
# storage/.orphan-cursor: where the next create looks for orphans)
soak_libdirs() {
  find "$SYSVISOR_LIB_DIR" -mindepth 1 -maxdepth 2 ! -name 'idmap-exclusive.json*' \
    ! -path "$SOAK_STORE" ! -path "$SOAK_STORE/*" ! -name '*.lock' \
    ! -path "$SYSVISOR_LIB_DIR/storage" ! -name '.spare-*' ! -name .orphan-cursor 2>/dev/null
}

# Processes of the pool's uids (zombies waiting for a reaper do not run anything) and
# runtimes of this --root.
soak_procs() {
  ps -e -o pid=,uid=,stat= | awk -v s="$SOAK_POOL_START" -v n="$SOAK_POOL_SIZE" \
    '$2 >= s && $2 < s + n && $3 !~ /^Z/ { print $1 }'
  pgrep -f -- "--root $SV_ROOT" || true
}

soak_svfs_fds() {
  find "/proc/$SOAK_SVFS_PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | _soak_count
}

soak_svfs_field() {   # soak_svfs_field VmRSS|Threads
  awk -v k="$1:" '$1 == k { print $2 }' "/proc/$SOAK_SVFS_PID/status" 2>/dev/null
}

# The last "known containers:" line of the daemon's debug log (written by each prune tick).
soak_svfs_known() {
  local line
  line=$(grep 'known containers:' "$PROCFS_LOG" 2>/dev/null | tail -n 1)
  [ -n "$line" ] || { echo "?"; return 0; }
  sed 's/.*known containers: //; s/ /,/g' <<<"$line"
}

soak_snapshot() {
  echo "mounts $(soak_mounts | _soak_count)"
  echo "cgroups $(soak_cgroups | _soak_count)"
  echo "ranges $(soak_ranges | _soak_count)"
  echo "states $(find "$SV_ROOT" -mindepth 1 -maxdepth 1 ! -name 'probe@*' | _soak_count)"
  echo "libdirs $(soak_libdirs | _soak_count)"
  echo "procs $(soak_procs | _soak_count)"
  echo "svfs_fds $(soak_svfs_fds)"
  echo "svfs_known $(soak_svfs_known)"
  echo "svfs_rss_kb $(soak_svfs_field VmRSS)"
  echo "svfs_threads $(soak_svfs_field Threads)"
}

# soak_leaks BASE-FILE: the counters that differ from BASE's, "key base->now" (empty: none);
# sysvisor-fs's fds only when they grew (it may hold a short-lived fd when the base is taken:
# a keeper connection being replaced, a cgroup file kept open for 10 s after its last read).
# The state root's probe@* files are the kept host-probe verdicts, not containers.
# SOAK_QUICK=1: svfs_known is not compared (the daemon forgets dead containers at its next
# 5 s tick; checks after every step compare the rest, and all of it at the end).
soak_leaks() {
  local skip='^svfs_(rss_kb|threads)$'
  [ -z "${SOAK_QUICK:-}" ] || skip='^svfs_(rss_kb|threads|known)$'
  # SOAK_LIBDIRS_LATER=1: a storage removal that a kill cut short is set aside under the lib dir
  # and finished by the next create (or `sysvisor-runc gc`): not counted until then.
  [ -z "${SOAK_LIBDIRS_LATER:-}" ] || skip="${skip%\$}|^libdirs\$"
  soak_snapshot | awk -v skip="$skip" 'NR == FNR { b[$1] = $2; next }
    $1 == "svfs_fds" { if ($2 + 0 > b[$1] + 0) printf "%s %s->%s\n", $1, b[$1], $2; next }
    $1 !~ skip && b[$1] != $2 { printf "%s %s->%s\n", $1, b[$1], $2 }' "$1" -
}

# soak_details: what the counters count, for a failure message.
soak_details() {
  echo "mounts:"; soak_mounts
  echo "cgroups:"; soak_cgroups
  echo "ranges:"; soak_ranges
  echo "states:"; ls "$SV_ROOT"
  echo "libdirs:"; soak_libdirs
  echo "procs:"; soak_procs | while read -r p; do
    echo "$p $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"; done
  echo "svfs fds:"; ls -l "/proc/$SOAK_SVFS_PID/fd" 2>/dev/null | tail -n +2
}

# soak_wait_clean BASE-FILE [SECS]: wait until nothing differs from BASE (the daemon forgets
# dead containers at its next prune tick, listeners when their last process is gone).
soak_wait_clean() {
  local base=$1 secs=${2:-20} i
  for ((i = 0; i < secs * 2; i++)); do
    [ -z "$(soak_leaks "$base")" ] && return 0
    sleep 0.5
  done
  [ -z "$(soak_leaks "$base")" ]
}

# soak_assert_clean BASE-FILE WHAT [SECS]
soak_assert_clean() {
  soak_wait_clean "$1" "${3:-20}" \
    || sv_fail "$2: left behind: $(soak_leaks "$1" | paste -sd' ')
$(soak_details)"
}

# soak_state ID: the container's status ("" when it does not exist).
soak_state() {
  sv_rt state "$1" 2>/dev/null | jq -r .status 2>/dev/null || true
}

# soak_wait_status ID STATUS [SECS]
soak_wait_status() {
  local id=$1 want=$2 secs=${3:-10} i
  for ((i = 0; i < secs * 10; i++)); do
    [ "$(soak_state "$id")" = "$want" ] && return 0
    sleep 0.1
  done
  return 1
}
