#!/bin/bash
# procfs-create-requests.sh [BUILD_DIR] [-n RUNS]: how many FUSE requests sysvisor-fs receives
# for one `sysvisor-runc run` of a busybox bundle (`true`) with procfs = fuse-procfs: strace
# counts the daemon threads' reads of /dev/fuse (one per request) over RUNS runs (default 5),
# after one untimed warm-up run; prints requests per run (median, min, max).  Compare two
# plugin builds with SYSVISOR_PLUGIN_DIR=... (the fuse-procfs.so of each; the daemon stays).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=build RUNS=5
while [ $# -gt 0 ]; do
  case $1 in
    -n) RUNS=$2; shift 2 ;;
    -*) echo "procfs-create-requests: unknown option $1; see the head of $0" >&2; exit 2 ;;
    *) BUILD=$1; shift ;;
  esac
done
BUILD=$(readlink -f "$BUILD")
command -v strace >/dev/null || { echo "procfs-create-requests: strace missing; apt-get install strace" >&2; exit 2; }
export SV_RUNC=$BUILD/core/sysvisor-runc SV_RUNTIME=$BUILD/core/sysvisor-runc SV_BUILD_ROOT=$BUILD
export SV_TEST_NAME=procfs-create-requests
. "$HERE/../tests/integration/procfs-lib.sh"

procfs_start_daemon
procfs_use_plugins
b=$SV_TEST_TMP/bundle
procfs_bundle "$b" true >/dev/null
sv_rt run --bundle "$b" "$SV_ID-warm" </dev/null >/dev/null 2>&1 || { echo "procfs-create-requests: warm-up run failed" >&2; exit 1; }
pid=$(procfs_daemon_pid)
fusefd=$(for f in /proc/"$pid"/fd/*; do [ "$(readlink "$f")" = /dev/fuse ] && basename "$f"; done | head -1)
counts=()
for i in $(seq "$RUNS"); do
  strace -f -qq -x -s 8 -p "$pid" -e trace=read -e signal=none -o "$SV_TEST_TMP/strace" &
  st=$!
  sleep 1
  sv_rt run --bundle "$b" "$SV_ID-$i" </dev/null >/dev/null 2>&1 || { kill $st; echo "procfs-create-requests: run $i failed" >&2; exit 1; }
  sleep 0.5
  kill -INT $st; wait $st 2>/dev/null
  counts+=("$(grep -c "read($fusefd," "$SV_TEST_TMP/strace")")
  [ -n "${PROCFS_REQUESTS_KEEP:-}" ] && cp "$SV_TEST_TMP/strace" "$PROCFS_REQUESTS_KEEP.$i"
done
printf '%s\n' "${counts[@]}" | sort -n | awk -v p="${SYSVISOR_PLUGIN_DIR}" '{ v[NR] = $1 }
  END { printf "FUSE requests per run: median %d, min %d, max %d (%d runs; plugins %s)\n", v[int((NR + 1) / 2)], v[1], v[NR], NR, p }'
