#!/bin/bash
# bench-start-smoke: bench/start-bench.sh, bounded (2 runs, 1 RSS run, 3 at once), runs every
# row it prints (sysvisor-runc, runc, crun without and with its cgroups) without a failure, on
# the default (v1) layout and on a pure cgroup v2 view (--cgroup2),
# prints a number for every figure and ratio, and leaves no cgroup behind: a benchmark row
# that fails is a bug of the benchmark (bench/README.md), and this is where CI sees it.
set -eu
. "$(dirname "$0")/../lib/common.sh"
sv_require_root
sv_require_runtime
sv_require_cmd runc crun /usr/bin/time

# bench_leftovers: cgroup directories named after the bench's containers, in every v1
# hierarchy and in the host's tmpfs under its cgroup2 mount (where a runtime that took an
# unmounted cgroup2 for a directory would leave them)
bench_leftovers() {
  find /sys/fs/cgroup -maxdepth 3 -type d \( -name 'id-*' -o -name 'rss-*' -o -name 'par-*' \
    -o -name 'warmup-*' \) 2>/dev/null || true
  if mountpoint -q /sys/fs/cgroup/unified 2>/dev/null; then
    unshare -m sh -c 'umount /sys/fs/cgroup/unified && ls -A /sys/fs/cgroup/unified' |
      grep -E '^(id|rss|par|warmup)-' || true
  fi
}
assert_eq "" "$(bench_leftovers)" "no bench container's cgroup before the run"
# (a bench that failed may have left some: none were there before, so any are removed, and
# the assertions below have already failed the test)
remove_leftovers() {
  bench_leftovers | grep '^/' | xargs -r rmdir 2>/dev/null || true
  if mountpoint -q /sys/fs/cgroup/unified 2>/dev/null; then
    unshare -m sh -c 'umount /sys/fs/cgroup/unified && cd /sys/fs/cgroup/unified &&
      ls -A | grep -E "^(id|rss|par|warmup)-" | while read -r d; do rm -rf "./$d"; done' || true
  fi
}
sv_on_exit remove_leftovers

# (its wait-gone helper is found in the build that meson test runs from)
build=()
[ -z "${SV_BUILD_ROOT:-}" ] || build=(MESON_BUILD_ROOT="$SV_BUILD_ROOT")

# section TITLE-START: the lines of the table under the header that starts so
section() {
  awk -v t="$1" 'index($0, t) == 1 { on = 1; next } on && /^$/ { exit } on' <<<"$out"
}
num='[0-9]+(\.[0-9]+)?'

# The default layout, cgroup v1 (this host's hybrid one, cgroup2 unmounted in the loops'
# namespace); a pure cgroup v2 host has only the v2 view, checked below.
if [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]; then
  assert_ok env "${build[@]}" "$SV_SRC_ROOT/bench/start-bench.sh" -n 2 --rss 1 --parallel 3
  out=$SV_OUT
  lat=$(section "run of true") rss=$(section "peak RSS of run") par=$(section "parallel:")
  for r in sysvisor-runc runc crun crun-v1; do
    line=$(grep -E "^$r " <<<"$lat" || true)
    assert_match "^$r +2 +0 +$num +$num +$num +$num$" "$line" "$r: 2 runs, no failure"
    line=$(grep -E "^$r " <<<"$rss" || true)
    assert_match "^$r +1 +0 +[0-9]+ +[0-9]+$" "$line" "$r: a peak RSS"
    line=$(grep -E "^$r " <<<"$par" || true)
    assert_match "^$r +3 +$num +0 +$num +0 +$num$" "$line" "$r: 3 at once, no failure"
    read -r _ _ _ _ d _ g <<<"$line"
    assert_eq 1 "$(awk -v d="$d" -v g="$g" 'BEGIN { print (g >= d) ? 1 : 0 }')" \
      "$r: gone_ms ($g) is not before delete_ms ($d)"
  done
  assert_match "cgroup work: none \(--cgroup-manager=disabled" "$out" \
    "crun's row makes no cgroup"
  assert_match "cgroup work: cgroup v1 \(cgroupfs manager\)" "$out" \
    "crun-v1's row says what it makes"
  for pair in sysvisor-runc/crun sysvisor-runc/crun-v1 sysvisor-runc/runc runc/crun \
    runc/crun-v1; do
    line=$(grep -F "ratio $pair:" <<<"$out" || true)
    figures="run median $num +p90 $num +peak RSS $num +3-parallel create $num delete $num"
    assert_match "$figures \(gone $num\)$" "$line" "ratio $pair: a number for every figure"
  done
  assert_match "left behind: nothing" "$out" "the bench found nothing left"
  assert_eq "" "$(bench_leftovers)" "no bench container's cgroup after the run"
fi

# A pure cgroup v2 view (--cgroup2): /sys/fs/cgroup is the host's cgroup2 hierarchy in the
# loops' namespace. crun with its cgroupfs manager ("crun-v2") either runs or is left out with
# its own error line (1.8.1 raises RLIMIT_MEMLOCK for its device eBPF program, which a host
# whose bounding set lacks CAP_SYS_RESOURCE refuses); every other row must run.
[ -n "$(sv_cgroup2_mount)" ] ||
  { echo "bench-start-smoke: no cgroup2 mount; --cgroup2 part skipped"; exit 0; }
assert_ok env "${build[@]}" "$SV_SRC_ROOT/bench/start-bench.sh" -n 2 --rss 0 --parallel 2 --cgroup2
out=$SV_OUT
lat=$(section "run of true") par=$(section "parallel:")
assert_match "cgroups: v2 only" "$out" "--cgroup2: the layout is named"
for r in sysvisor-runc runc crun; do
  line=$(grep -E "^$r " <<<"$lat" || true)
  assert_match "^$r +2 +0 +$num +$num +$num +$num$" "$line" "--cgroup2: $r: 2 runs, no failure"
  line=$(grep -E "^$r " <<<"$par" || true)
  assert_match "^$r +2 +$num +0 +$num +0 +$num$" "$line" "--cgroup2: $r: 2 at once, no failure"
done
assert_match "cgroup work: cgroup v2: creates sysvisor/<id>, delegates it" "$out" \
  "--cgroup2: sysvisor-runc's row says what it makes"
assert_match "cgroup work: cgroup v2 \(cgroupfs manager\)" "$out" \
  "--cgroup2: crun-v2's row is named"
if grep -q "^crun-v2: not run: " <<<"$out"; then
  assert_match "^crun-v2: not run: its first run failed on this host's layout: .+" \
    "$(grep "^crun-v2: not run" <<<"$out")" "--cgroup2: crun-v2 left out with its error line"
  assert_eq "" "$(grep -E '^crun-v2 ' <<<"$lat")" "--cgroup2: a crun-v2 left out has no row"
else
  assert_match "^crun-v2 +2 +0 " "$(grep -E '^crun-v2 ' <<<"$lat" || true)" \
    "--cgroup2: crun-v2 runs"
fi
line=$(grep -F "ratio sysvisor-runc/crun:" <<<"$out" || true)
assert_match "run median $num +p90 $num +2-parallel create $num delete $num \(gone $num\)$" \
  "$line" "--cgroup2: ratio sysvisor-runc/crun: a number for every figure"
assert_match "left behind: nothing" "$out" "--cgroup2: the bench found nothing left"
assert_match "cgroup2 controllers as found: '[^']*' at $(sv_cgroup2_mount)\$" "$out" \
  "--cgroup2: the cgroup2 root's controllers put back as the bench found them"
assert_eq "" "$(bench_leftovers)" "--cgroup2: no bench container's cgroup after the run"
