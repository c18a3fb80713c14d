#!/bin/bash
# bench-docker-smoke: bench/docker-bench.sh, bounded (2 runs each), runs `docker run --rm` with
# sysvisor-runc and with runc through a private dockerd without a failure and prints every
# figure: a benchmark row that fails is a bug of the benchmark (bench/README.md), and this is
# where CI sees it.
set -eu
. "$(dirname "$0")/../lib/common.sh"
sv_require_root
sv_require_runtime
sv_require_cmd dockerd

assert_ok "$SV_SRC_ROOT/bench/docker-bench.sh" -n 2
num='[0-9]+(\.[0-9]+)?'
for r in sysvisor-runc bench-runc; do
  line=$(grep -E "^$r " <<<"$SV_OUT" || true)
  assert_match "^$r +2 +0 +$num +$num$" "$line" "$r: 2 runs, no failure"
done
assert_match "ratio sysvisor-runc/runc \(docker run --rm\): median $num +p90 $num" "$SV_OUT" \
  "the ratio line"
assert_eq "" "$(pgrep -a -f 'dockerd.*sysvisor-tests' || true)" "no dockerd of the bench left"
