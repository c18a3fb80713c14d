#!/bin/bash
# bench-dind-smoke: bench/dind-bench.sh, bounded (-n 1), runs `docker run --rm` on the host and
# inside a system container (Docker in it, on the Debian test image) and prints both times and
# their ratio: a benchmark row that fails is a bug of the benchmark (bench/README.md), and this
# is where CI sees it.
set -eu
. "$(dirname "$0")/../lib/common.sh"
sv_require_root
sv_require_runtime
sv_require_cmd dockerd

assert_ok "$SV_SRC_ROOT/bench/dind-bench.sh" -n 1
assert_match "inner storage driver: overlay2" "$SV_OUT" "Docker inside runs on overlay2"
assert_match "host [1-9][0-9]* ms, inside a system container [1-9][0-9]* ms, ratio [0-9]+\.[0-9]+" \
  "$SV_OUT" "both times and the ratio"
assert_eq "" "$(pgrep -a -f 'dockerd.*sysvisor-tests' || true)" "no dockerd of the bench left"
