#!/bin/bash
# tests/fuzz/run.sh: fuzz each harness for a while.
#
#   tests/fuzz/run.sh [-j JOBS] BUILD_DIR SECONDS [HARNESS...]
#
# BUILD_DIR: a clang build with the harnesses, made with
#   CC=clang meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
#     -Dintegration_tests=false
# SECONDS: how long each harness runs.  HARNESS: names (spec, state, ...), default all.
# New inputs go to $SV_FUZZ_WORK (default BUILD_DIR/fuzz-work/NAME), never into the repo's
# corpus; a crash leaves its input in $SV_FUZZ_WORK/NAME-crash-* and makes the script fail.
# Each harness's summary line (runs, coverage, corpus) is printed and kept in
# $SV_FUZZ_WORK/summary.
set -uo pipefail
jobs=1
if [ "${1:-}" = -j ]; then jobs=$2; shift 2; fi
if [ $# -lt 2 ]; then
  echo "usage: $0 [-j JOBS] BUILD_DIR SECONDS [HARNESS...]" >&2
  exit 2
fi
build=$(cd "$1" && pwd) || exit 2
secs=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
work=${SV_FUZZ_WORK:-$build/fuzz-work}
if [ $# -eq 0 ]; then
  mapfile -t names < <(cd "$here/corpus" && ls)
  set -- "${names[@]}"
fi
mkdir -p "$work"
: >"$work/summary"

fuzz_one() {
  local name=$1 exe="$build/tests/fuzz/fuzz-$1" dict=() log="$work/$1.log"
  if [ ! -x "$exe" ]; then
    echo "fuzz $name: $exe is missing: build $build with -Dfuzz=true" >&2
    return 1
  fi
  case $name in spec|state|idmap-table|daemon-json) dict=(-dict="$here/json.dict") ;; esac
  mkdir -p "$work/$name"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "$exe" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    "${dict[@]}" -artifact_prefix="$work/$name-" \
    "$work/$name" "$here/corpus/$name" >"$log" 2>&1
  local rc=$?
  local runs cov
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[bKM]?b?' "$log" | tail -n1)
  if [ $rc -eq 0 ]; then
    echo "fuzz $name: ok, ${runs:-?} runs in ${secs} s, ${cov:-no coverage line}" | tee -a "$work/summary"
  else
    echo "fuzz $name: FAILED (exit $rc) after ${runs:-?} runs: see $log and $work/$name-crash-*" \
      | tee -a "$work/summary"
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|fuzz: )' "$log" | head -n5 >&2
  fi
  return $rc
}

failed=0
running=0
for name in "$@"; do
  fuzz_one "$name" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || failed=1
    running=$((running - 1))
  fi
done
while [ "$running" -gt 0 ]; do
  wait -n || failed=1
  running=$((running - 1))
done
exit $failed
