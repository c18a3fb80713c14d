#!/bin/bash
# bench-supervisor-smoke: bench/supervisor-bench.sh, bounded (2000 sysinfo and 200 remount
# calls, one round), times both trapped calls in a system container and on the host and prints
# a number for each: a benchmark row that fails is a bug of the benchmark (bench/README.md),
# and this is where CI sees it.
set -eu
. "$(dirname "$0")/../lib/common.sh"
sv_require_root
sv_require_runtime

assert_ok "$SV_SRC_ROOT/bench/supervisor-bench.sh" -n 2000 -m 200 -r 1
num='[0-9]+(\.[0-9]+)?'
for call in sysinfo remount; do
  line=$(grep -E "^$call " <<<"$SV_OUT" || true)
  # supervised ns, kernel ns, their ratio
  assert_match "^$call +[1-9][0-9]* +[1-9][0-9]* +$num$" "$line" "$call: both times and the ratio"
done
