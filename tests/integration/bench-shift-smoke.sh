#!/bin/bash
# bench-shift-smoke: bench/shift-bench.sh, bounded (2 runs each, the busybox image), runs both
# rows (shift = none over a chowned copy, shift = shiftfs) without a failure and prints a number
# for every figure: a benchmark row that fails is a bug of the benchmark (bench/README.md),
# and this is where CI sees it.
set -eu
. "$(dirname "$0")/../lib/common.sh"
sv_require_root
sv_require_runtime

assert_ok "$SV_SRC_ROOT/bench/shift-bench.sh" -n 2 --image busybox
num='[0-9]+(\.[0-9]+)?'
line=$(grep -E '^busybox ' <<<"$SV_OUT" || true)
# image, size, files, chown -R (s), none median/mean, shiftfs median/mean, ratio, fails 0
assert_match "^busybox +${num}[KMG] +[1-9][0-9]* +$num +$num/$num +$num/$num +$num +0$" "$line" \
  "the busybox row: every figure, no failure"
