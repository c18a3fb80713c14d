# shellcheck shell=bash
# tests/lib/common.sh - shared helpers for Sysvisor's integration tests.
#
# Source it from a bash test script:
#
#   #!/bin/bash
#   set -euo pipefail
#   . "$(dirname "$0")/../lib/common.sh"
#   sv_require_root
#   dir=$(sv_tmpdir)            # removed on exit (registered even from $(...))
#   sv_on_exit "echo bye"       # cleanup commands run in reverse order on EXIT
#   assert_eq 0 "$(id -u)" "runs as root"
#
# Exit codes follow meson: 0 pass, 77 skip, anything else fail.
# common.sh owns the EXIT, INT, TERM and HUP traps: register cleanups with
# sv_on_exit instead of setting a trap (a SIGTERM from meson's timeout
# becomes exit 143 and the cleanups still run).
#
# Variables set here (all may be preset in the environment):
#   SV_RUNC      path of the built sysvisor-runc (from SYSVISOR_RUNC, else
#                $MESON_BUILD_ROOT/core/sysvisor-runc, else <src>/build*/core/)
#   SV_RUNTIME   the runtime a runtime-agnostic helper drives (default SV_RUNC;
#                set SV_RUNTIME=runc to run a test against the reference)
#   SV_PROBE     path of the built static tests/probe/sv-probe ("" if not built)
#   SV_TEST_TMP  the test's private scratch dir under /tmp (removed on exit)
#   SV_ROOT      a per-test --root (state dir) for the runtime, under SV_TEST_TMP
#   SV_ID        a token unique to this run: name containers "$SV_ID-NAME"
#   SV_CACHE_DIR cache of rootfs tarballs (default /var/cache/sysvisor-tests)
#   SV_SRC_ROOT  the source tree

[ -n "${_SV_COMMON_SH:-}" ] && return 0
_SV_COMMON_SH=1

SV_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SV_SRC_ROOT=${SV_SRC_ROOT:-$(cd "$SV_LIB_DIR/../.." && pwd)}
SV_CACHE_DIR=${SV_CACHE_DIR:-/var/cache/sysvisor-tests}
SV_REF_RUNC=${SV_REF_RUNC:-$(command -v runc || echo /usr/sbin/runc)}
SV_TEST_NAME=${SV_TEST_NAME:-$(basename "${0:-test}")}

# ---------------------------------------------------------------- logging

sv_log() {
  printf '[%s %s] %s\n' "$(date +%H:%M:%S)" "$SV_TEST_NAME" "$*" >&2
}

# sv_fail MSG...: print and exit 1 (the test fails; cleanup still runs).
sv_fail() {
  printf 'FAIL: %s\n' "$*" >&2
  exit 1
}

# sv_skip MSG...: print why and exit 77 (meson's skip code).
sv_skip() {
  printf 'SKIP: %s\n' "$*" >&2
  exit 77
}

# ---------------------------------------------------------------- cleanup registry
#
# Commands are appended, NUL-separated, to a file owned by the top-level shell,
# so that a registration made inside a command substitution or a subshell
# (e.g. dir=$(sv_tmpdir)) is not lost.  The EXIT trap of the top-level shell
# runs them in reverse order with errexit off; a failing cleanup command is
# reported but does not stop the others nor change the test's exit status.
# SV_EXIT_STATUS holds that status while they run (e.g. to show a log only on failure).

_SV_TOP_PID=$$
_SV_EXIT_FILE=$(mktemp "/tmp/sv-exit.$$.XXXXXX")

sv_on_exit() {
  [ $# -ge 1 ] || { echo "sv_on_exit: need a command" >&2; return 2; }
  printf '%s\0' "$*" >>"$_SV_EXIT_FILE"
}

_sv_run_exit() {
  local rc=$? i cmd
  set +e +u
  trap - EXIT
  if [ "${BASHPID:-$$}" != "$_SV_TOP_PID" ]; then
    return "$rc"
  fi
  # shellcheck disable=SC2034 # read by the cleanup commands
  SV_EXIT_STATUS=$rc
  if [ -f "$_SV_EXIT_FILE" ]; then
    local -a cmds=()
    mapfile -d '' -t cmds <"$_SV_EXIT_FILE"
    for ((i = ${#cmds[@]} - 1; i >= 0; i--)); do
      cmd=${cmds[i]}
      [ -n "${SV_DEBUG:-}" ] && echo "cleanup: $cmd" >&2
      ( eval "$cmd" ) || echo "cleanup: '$cmd' failed (status $?)" >&2
    done
    rm -f "$_SV_EXIT_FILE"
  fi
  _sv_stop_strays
  exit "$rc"
}

# _sv_children PID: the pids whose parent is PID (from /proc, without a subshell).
_sv_children() {
  local f line
  _SV_KIDS=()
  for f in /proc/[0-9]*/stat; do
    read -r line 2>/dev/null <"$f" || continue
    line=${line##*) }                      # past "pid (comm) ": "state ppid ..."
    line=${line#* }
    [ "${line%% *}" = "$1" ] && { f=${f#/proc/}; _SV_KIDS+=("${f%/stat}"); }
  done
  return 0
}

# _sv_stop_strays: after the cleanups, end what the test started and left running (a
# background job whose container the cleanups could not stop): it would hold the test's
# output pipe open, and meson would wait for it until its timeout. Said, as a test's bug.
_sv_stop_strays() {
  local -a todo=("$$") strays=()
  local p i
  while [ ${#todo[@]} -gt 0 ]; do
    p=${todo[0]}; todo=("${todo[@]:1}")
    _sv_children "$p"
    for i in "${_SV_KIDS[@]}"; do
      strays+=("$i"); todo+=("$i")
    done
  done
  [ ${#strays[@]} -gt 0 ] || return 0
  for p in "${strays[@]}"; do
    echo "cleanup: stopping process $p ($(cat "/proc/$p/cmdline" 2>/dev/null | tr '\0' ' ')), left running by the test" >&2
  done
  kill -TERM "${strays[@]}" 2>/dev/null
  for ((i = 0; i < 20; i++)); do
    kill -0 "${strays[@]}" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "${strays[@]}" 2>/dev/null
  return 0
}
trap _sv_run_exit EXIT

# A command that fails under set -e ends the test: say which one and where, so no test dies
# silently (an assertion has already said why, and exits through sv_fail/exit instead).
_sv_on_err() {
  local rc=$1 cmd=$2 line=$3 file=$4
  case $- in *e*) ;; *) return 0 ;; esac
  [ "${BASHPID:-$$}" = "$_SV_TOP_PID" ] || return 0
  printf 'FAIL: %s:%s: `%s` exited with status %s\n' "${file##*/}" "$line" "$cmd" "$rc" >&2
}
set -o errtrace
trap '_sv_on_err $? "$BASH_COMMAND" "$LINENO" "${BASH_SOURCE[0]:-$0}"' ERR
# A signal becomes a normal exit, so the EXIT trap runs.
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---------------------------------------------------------------- mounts and dirs

# sv_umount_under DIR: unmount every mount point at or below DIR, deepest first.
sv_umount_under() {
  local dir mp
  dir=$(realpath -m "$1")
  [ -n "$dir" ] && [ "$dir" != / ] || return 1
  # mountinfo field 5 is the mount point (octal-escaped); sort longest first.
  while read -r mp; do
    mp=$(printf '%b' "$mp")
    umount "$mp" 2>/dev/null || umount -l "$mp" 2>/dev/null || true
  done < <(awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { print length($5) " " $5 }' \
             /proc/self/mountinfo | sort -rn | cut -d' ' -f2- )
}

# sv_rm_tree DIR: unmount what is below DIR, then remove it (never crossing
# into another file system).
sv_rm_tree() {
  local d
  for d in "$@"; do
    [ -e "$d" ] || continue
    case $(realpath -m "$d") in /|/tmp|/var|/run|/var/lib|/usr|/etc|/home) echo "sv_rm_tree: refusing $d" >&2; return 1 ;; esac
    sv_umount_under "$d"
    rm -rf --one-file-system "$d" 2>/dev/null || { chattr -R -i "$d" 2>/dev/null; rm -rf --one-file-system "$d"; }
  done
}

# sv_tmpdir [PREFIX]: create a directory under /tmp, print its path, remove it on exit.
sv_tmpdir() {
  local d
  d=$(mktemp -d "/tmp/${1:-sv-test}.XXXXXX")
  chmod 755 "$d"
  sv_on_exit "sv_rm_tree '$d'"
  echo "$d"
}

# sv_cgroup2_mount: where the host's cgroup2 hierarchy is mounted ("" when it is not).
sv_cgroup2_mount() {
  grep -m1 ' - cgroup2 ' /proc/self/mountinfo | cut -d' ' -f5
}

# sv_in_cgroup2_view SCRIPT: sh SCRIPT in a private mount namespace whose /sys/fs/cgroup is the
# host's cgroup2 hierarchy: the view of a pure cgroup v2 host (the host's mounts untouched).
# A test that runs a runtime there keeps the hierarchy's controllers with sv_cgroup2_keep.
sv_in_cgroup2_view() {
  unshare -m sh -c "umount -l /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup && $1"
}

# sv_cgroup2_keep: a runtime on cgroup v2 (sysvisor-runc, runc and crun alike) turns on in
# cgroup.subtree_control, from the hierarchy's root down to its container's parent, every
# controller there is, and leaves them on: on a host whose root had them off (a hybrid host's
# cgroup2 mount), a change that outlives the test. Wait for the host's cgroup2 lock (a flock of
# its mount point: one keeper at a time, so no other test turns one on meanwhile), record the
# root's subtree_control and put it back on exit (sv_cgroup2_restore; call it at the test's end
# to check it). Nested keepers would wait for each other: a test that runs a keeper (start-bench
# --cgroup2) does not keep too.
sv_cgroup2_keep() {
  local v2
  v2=$(sv_cgroup2_mount)
  [ -n "$v2" ] || return 0
  exec {_SV_CG2_LOCK}<"$v2"
  flock -w 900 "$_SV_CG2_LOCK" ||
    sv_fail "waited 900 s for the lock of $v2 (another test keeping its controllers)"
  _SV_CG2_ROOT=$v2
  _SV_CG2_SAVED=$(cat "$v2/cgroup.subtree_control")
  sv_on_exit "sv_cgroup2_restore >/dev/null"
}

# sv_cgroup2_test_parent NAME: a cgroup NAME of the test's own at the cgroup2 root (removed on
# exit with what is below it), with the root's controllers turned on at the root so that NAME
# has some (after sv_cgroup2_keep, which puts them back); SV_CG2_CTRLS: NAME's controllers.
sv_cgroup2_test_parent() {
  local v2 c
  v2=$(sv_cgroup2_mount)
  mkdir "$v2/$1"
  sv_on_exit "find '$v2/$1' -depth -type d -delete"
  for c in $(cat "$v2/cgroup.controllers"); do
    echo "+$c" >"$v2/cgroup.subtree_control" 2>/dev/null || true
  done
  SV_CG2_CTRLS=$(cat "$v2/$1/cgroup.controllers")
  [ -n "$SV_CG2_CTRLS" ] || sv_fail "no controller can be turned on in the cgroup2 root"
}

# sv_cgroup2_restore: every controller sv_cgroup2_keep found off at the root turned off again,
# below it first (deepest directory first: one that a child delegates further cannot go off,
# and with it off at the root no directory below can have had it on). Fails, saying so, when the
# root's subtree_control is not as recorded.
sv_cgroup2_restore() {
  local c d now
  [ -n "${_SV_CG2_ROOT:-}" ] || return 0
  for c in $(cat "$_SV_CG2_ROOT/cgroup.subtree_control"); do
    [[ " $_SV_CG2_SAVED " == *" $c "* ]] && continue
    while IFS= read -r -d '' d; do
      grep -qw -- "$c" "$d/cgroup.subtree_control" 2>/dev/null &&
        echo "-$c" >"$d/cgroup.subtree_control"
    done < <(find "$_SV_CG2_ROOT" -depth -type d -print0)
  done
  now=$(cat "$_SV_CG2_ROOT/cgroup.subtree_control")
  [ "$now" = "$_SV_CG2_SAVED" ] || {
    echo "sv_cgroup2_restore: $_SV_CG2_ROOT/cgroup.subtree_control is '$now', was" \
      "'$_SV_CG2_SAVED'" >&2
    return 1
  }
  echo "cgroup2 controllers as found: '$now' at $_SV_CG2_ROOT"
}

# ---------------------------------------------------------------- requirements

sv_require_root() {
  [ "$(id -u)" = 0 ] || sv_skip "$SV_TEST_NAME must run as root (uid is $(id -u))"
}

# sv_require_cmd CMD...: skip unless every command exists.
sv_require_cmd() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || sv_skip "'$c' not installed"
  done
}

# sv_require_runtime: skip unless $SV_RUNTIME is an executable.
sv_require_runtime() {
  [ -n "${SV_RUNTIME:-}" ] && [ -x "$SV_RUNTIME" ] \
    || sv_skip "runtime not built (SV_RUNTIME='${SV_RUNTIME:-}'; set SYSVISOR_RUNC)"
}

# sv_require_probe: skip unless the static probe is built.
sv_require_probe() {
  [ -n "${SV_PROBE:-}" ] && [ -x "$SV_PROBE" ] \
    || sv_skip "sv-probe not built (SV_PROBE='${SV_PROBE:-}')"
}

# ---------------------------------------------------------------- paths of built things

_sv_find_built() {   # _sv_find_built RELPATH: first existing build-dir copy
  local b
  for b in ${MESON_BUILD_ROOT:+"$MESON_BUILD_ROOT"} "$SV_SRC_ROOT"/build "$SV_SRC_ROOT"/builddir "$SV_SRC_ROOT"/_build; do
    [ -x "$b/$1" ] && { echo "$b/$1"; return 0; }
  done
  return 1
}

if [ -z "${SV_RUNC:-}" ]; then
  if [ -n "${SYSVISOR_RUNC:-}" ]; then
    SV_RUNC=$SYSVISOR_RUNC
  elif [ -n "${MESON_BUILD_ROOT:-}" ]; then
    SV_RUNC=$MESON_BUILD_ROOT/core/sysvisor-runc
  else
    SV_RUNC=$(_sv_find_built core/sysvisor-runc || echo "$SV_SRC_ROOT/build/core/sysvisor-runc")
  fi
fi
SV_RUNTIME=${SV_RUNTIME:-$SV_RUNC}
case $SV_RUNTIME in */*) ;; *) SV_RUNTIME=$(command -v "$SV_RUNTIME" || echo "$SV_RUNTIME") ;; esac
if [ -z "${SV_PROBE:-}" ]; then
  SV_PROBE=$(_sv_find_built tests/probe/sv-probe || true)
fi
export SV_RUNC SV_RUNTIME SV_PROBE SV_CACHE_DIR

# The per-test scratch dir and runtime state root.  Tests that are skipped
# before doing anything leave nothing behind: the dir is removed on exit.
SV_TEST_TMP=$(sv_tmpdir "sv-$SV_TEST_NAME")
SV_ROOT=$SV_TEST_TMP/state
# A token unique to this test run, for container ids: runc-style runtimes
# derive the cgroup path from the id when the spec has no cgroupsPath, so two
# tests running "c1" at the same time would share a cgroup.  Use "$SV_ID-c1".
# shellcheck disable=SC2034 # for the tests
SV_ID=sv${SV_TEST_TMP##*.}
mkdir -p "$SV_ROOT"
chmod 700 "$SV_ROOT"

# ---------------------------------------------------------------- runtime helpers

# sv_rt ARGS...: run $SV_RUNTIME with --root $SV_ROOT.
sv_rt() {
  "$SV_RUNTIME" --root "$SV_ROOT" "$@"
}

# sv_rt_cleanup [RUNTIME [ROOT]]: force-delete every container under ROOT (registered
# automatically for SV_ROOT; call it for others): those the runtime lists and those that
# have a state directory there, so that a runtime whose `list` is broken still gets its
# containers deleted. A container that `delete -f` leaves is removed by hand (its init
# killed when its pid still has the recorded start time, its cgroups and state dir
# removed) and said.
sv_rt_cleanup() {
  local rt=${1:-$SV_RUNTIME} root=${2:-$SV_ROOT} id
  [ -x "$rt" ] && [ -d "$root" ] || return 0
  for id in $( { "$rt" --root "$root" list -q 2>/dev/null
                 for f in "$root"/*/state.json; do [ -f "$f" ] && basename "$(dirname "$f")"; done
               } | sort -u); do
    "$rt" --root "$root" kill "$id" KILL >/dev/null 2>&1
    "$rt" --root "$root" delete -f "$id" >/dev/null 2>&1 && [ ! -e "$root/$id/state.json" ] && continue
    echo "sv_rt_cleanup: $rt could not delete $id under $root: removing it by hand" >&2
    _sv_rt_remove_by_hand "$root/$id"
  done
}

# _sv_rt_remove_by_hand STATEDIR: kill the init a state.json names (sysvisor-runc's pid and
# starttime, or runc's init_process_pid and init_process_start), remove its cgroups, then
# the state dir.
_sv_rt_remove_by_hand() {
  local dir=$1 pid start cg i
  pid=$(jq -r '.pid // .init_process_pid // empty' "$dir/state.json" 2>/dev/null)
  start=$(jq -r '.starttime // .init_process_start // empty' "$dir/state.json" 2>/dev/null)
  if [ -n "$pid" ] && [ "$pid" -gt 1 ] && [ -n "$start" ] &&
     [ "$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f20)" = "$start" ]; then
    kill -KILL "$pid" 2>/dev/null
    for ((i = 0; i < 50; i++)); do [ -e "/proc/$pid" ] || break; sleep 0.1; done
  fi
  while read -r cg; do
    # (one level down only on a cgroup2 root: there, runc puts a container with no cgroupsPath
    # at /sys/fs/cgroup/ID; on v1, /sys/fs/cgroup/X is a hierarchy's root)
    case $cg in
      /sys/fs/cgroup/?*/?*) ;;
      /sys/fs/cgroup/?*) [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] || continue ;;
      *) continue ;;
    esac
    [ -d "$cg" ] && find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null
    [ -d "$cg" ] && echo "_sv_rt_remove_by_hand: cgroup $cg is left" >&2
  done < <(jq -r '(.cgroup.hierarchies // [] | .[].path), (.cgroup_paths // {} | .[])' \
             "$dir/state.json" 2>/dev/null | sort -u)
  sv_rm_tree "$dir"
}
# Registered after the tmpdir's removal, so it runs before it.
sv_on_exit "sv_rt_cleanup \"\$SV_RUNTIME\" '$SV_ROOT'"

# sv_wait_until SECONDS CMD...: poll CMD every 0.1 s until it succeeds;
# returns 1 if it never did within SECONDS.
sv_wait_until() {
  local secs=$1 i; shift
  for ((i = 0; i < secs * 10; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  "$@" >/dev/null 2>&1
}

# ---------------------------------------------------------------- idmap-exclusive's ranges

# sv_idmap_ranges LIBDIR: the id ranges idmap-exclusive holds under the lib dir LIBDIR, one
# JSON array of the range objects sorted by start ("[]" when none).  Each range is a file
# LIBDIR/idmap-exclusive/ranges/<start>-<size>.json (names starting with "." are temporary
# files, not ranges); the table of older releases, LIBDIR/idmap-exclusive.json, is not read.
sv_idmap_ranges() {
  local dir=$1/idmap-exclusive/ranges
  [ -d "$dir" ] || { echo '[]'; return 0; }
  find "$dir" -mindepth 1 -maxdepth 1 -type f ! -name '.*' -name '*.json' -exec cat {} + |
    jq -cs 'sort_by(.start)'
}

# ---------------------------------------------------------------- assertions
#
# Each assertion prints what was expected and what came, and exits 1 on
# failure (cleanup still runs).  They work the same with or without set -e.

assert_eq() {
  local exp=$1 act=$2 msg=${3:-}
  if [ "$exp" != "$act" ]; then
    printf 'FAIL: %s\n  expected: %s\n  actual:   %s\n' "${msg:-assert_eq}" "$exp" "$act" >&2
    exit 1
  fi
  [ -n "${SV_VERBOSE:-}" ] && echo "ok: ${msg:-$exp}" >&2
  return 0
}

assert_ne() {
  local unexp=$1 act=$2 msg=${3:-}
  if [ "$unexp" = "$act" ]; then
    printf 'FAIL: %s\n  expected anything but: %s\n' "${msg:-assert_ne}" "$unexp" >&2
    exit 1
  fi
  return 0
}

# assert_match REGEX ACTUAL [MSG]: extended regex (bash =~), unanchored.
assert_match() {
  local re=$1 act=$2 msg=${3:-}
  if ! [[ $act =~ $re ]]; then
    printf 'FAIL: %s\n  expected to match: %s\n  actual: %s\n' "${msg:-assert_match}" "$re" "$act" >&2
    exit 1
  fi
  return 0
}

# assert_ok CMD...: CMD must exit 0; its output is shown on failure.
# The output of the last assert_ok/assert_fail is left in SV_OUT.
assert_ok() {
  local rc=0
  SV_OUT=$("$@" 2>&1) || rc=$?
  if [ "$rc" != 0 ]; then
    printf 'FAIL: expected success, got status %s: %s\n%s\n' "$rc" "$*" "$SV_OUT" >&2
    exit 1
  fi
  return 0
}

# assert_fail CMD...: CMD must exit non-zero.
assert_fail() {
  local rc=0
  SV_OUT=$("$@" 2>&1) || rc=$?
  if [ "$rc" = 0 ]; then
    printf 'FAIL: expected failure, but succeeded: %s\n%s\n' "$*" "$SV_OUT" >&2
    exit 1
  fi
  # shellcheck disable=SC2034 # for the tests
  SV_RC=$rc
  return 0
}

assert_file_absent() {
  if [ -e "$1" ] || [ -L "$1" ]; then
    printf 'FAIL: %s\n  expected absent: %s\n' "${2:-assert_file_absent}" "$1" >&2
    exit 1
  fi
  return 0
}

assert_file_exists() {
  if ! [ -e "$1" ]; then
    printf 'FAIL: %s\n  expected to exist: %s\n' "${2:-assert_file_exists}" "$1" >&2
    exit 1
  fi
  return 0
}

# assert_no_mounts_under DIR [MSG]
assert_no_mounts_under() {
  local dir left
  dir=$(realpath -m "$1")
  left=$(awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo)
  if [ -n "$left" ]; then
    printf 'FAIL: %s\n  mounts left under %s:\n%s\n' "${2:-assert_no_mounts_under}" "$dir" "$left" >&2
    exit 1
  fi
  return 0
}
