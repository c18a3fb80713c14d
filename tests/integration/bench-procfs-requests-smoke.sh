#!/bin/bash
# bench-procfs-requests-smoke: bench/procfs-create-requests.sh, bounded (one run after its
# warm-up), counts the FUSE requests sysvisor-fs gets during a `run` and prints the count: a
# benchmark row that fails is a bug of the benchmark (bench/README.md), and this is where CI
# sees it.
set -eu
. "$(dirname "$0")/../lib/common.sh"
sv_require_root
sv_require_runtime
sv_require_cmd strace
build=${SV_BUILD_ROOT:-$(dirname "$(dirname "$SV_RUNC")")}

assert_ok "$SV_SRC_ROOT/bench/procfs-create-requests.sh" "$build" -n 1
assert_match "FUSE requests per run: median [0-9]+, min [0-9]+, max [0-9]+ \(1 runs;" "$SV_OUT" \
  "the count of one run"
