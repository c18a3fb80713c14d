#!/bin/bash
# bench/docker-bench.sh - `docker run --rm` latency, Docker's own cost included:
# --runtime=sysvisor-runc (every feature on) vs --runtime=runc, one private dockerd with both
# registered, interleaved (s r s r ...), one untimed warm-up each.  See bench/README.md.
#
#   bench/docker-bench.sh [-n N]
set -euo pipefail

N=30
while [ $# -gt 0 ]; do
  case $1 in
    -n) N=$2; shift 2 ;;
    -h|--help) sed -n '2,7s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "docker-bench: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
[[ $N =~ ^[1-9][0-9]*$ ]] || { echo "docker-bench: -n wants a positive number" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "docker-bench: must run as root" >&2; exit 1; }

HERE=$(cd "$(dirname "$0")" && pwd)
export SV_TEST_NAME=docker-bench
# shellcheck source=../tests/lib/common.sh
. "$HERE/../tests/lib/common.sh"
. "$SV_LIB_DIR/runtime.sh"
. "$SV_LIB_DIR/docker.sh"
[ -x "$SV_RUNC" ] || { echo "docker-bench: sysvisor-runc not built ($SV_RUNC; set SYSVISOR_RUNC)" >&2; exit 1; }
RUNC=$(command -v runc) || { echo "docker-bench: runc not found" >&2; exit 1; }

# sysvisor-runc with every feature on: exclusive ids, shiftfs, a private sysvisor-fs
build=$(cd "$(dirname "$SV_RUNC")/.." && pwd)
export SYSVISOR_PLUGIN_DIR=$build/plugins/idmap-exclusive:$build/plugins/idmap-dockerremap:$build/plugins/idmapped-mounts:$build/plugins/fuse-procfs
export SYSVISOR_FS_RUN_DIR=$SV_TEST_TMP/fs-run
mnt=$SV_TEST_TMP/sysvisorfs
mkdir -p "$mnt" "$SYSVISOR_FS_RUN_DIR"
sv_use_plugins auto auto fuse-procfs "[fuse-procfs]" "mountpoint = $mnt"
sv_use_exclusive_ids 256
stop_fs() {
  local pid
  pid=$(sed -n 's/^pid=//p' "$SYSVISOR_FS_RUN_DIR"/*.lock 2>/dev/null | head -n 1)
  [ -z "$pid" ] || kill -TERM "$pid" 2>/dev/null || true
  sv_wait_until 5 sh -c "! grep -q ' $mnt ' /proc/self/mountinfo" ||
    fusermount3 -u "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
}
sv_on_exit stop_fs
"$build/plugins/fuse-procfs/sysvisor-fs" --mountpoint "$mnt" --log "$SV_TEST_TMP/fs.log" --log-level warning
sv_wait_until 5 grep -q " $mnt .* - fuse.sysvisor-fs " /proc/self/mountinfo ||
  { echo "docker-bench: sysvisor-fs did not mount" >&2; exit 1; }

sv_docker_start_sysvisor --runtime-name "bench-runc=$RUNC" ||
  { echo "docker-bench: the private dockerd did not start" >&2; exit 1; }
sv_docker_import_busybox bb

echo "docker-bench: docker run --rm --network none bb true, $N runs each, interleaved; kernel $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  dockerd $(sv_docker version -f '{{.Server.Version}}'), runtimes: sysvisor-runc ($SV_RUNC: idmap-exclusive, shiftfs, fuse-procfs), runc ($RUNC, $("$RUNC" --version | head -1))"
echo "  cgroups: Docker's cgroupfs driver on the host's hybrid layout, for both"
raw=$SV_TEST_TMP/samples
: >"$raw"
names=(sysvisor-runc bench-runc)
for rt in "${names[@]}"; do
  sv_docker run --rm --network none --runtime="$rt" bb true >/dev/null 2>&1 ||
    echo "warm-up of $rt failed" >&2
done
for ((i = 1; i <= N; i++)); do
  for rt in "${names[@]}"; do
    t0=$EPOCHREALTIME
    if sv_docker run --rm --network none --runtime="$rt" bb true >/dev/null 2>>"$SV_TEST_TMP/$rt.err"; then
      t1=$EPOCHREALTIME
      us=$(( (${t1%.*} - ${t0%.*}) * 1000000 + (10#${t1#*.} - 10#${t0#*.}) ))
      printf '%s %d.%03d\n' "$rt" $((us / 1000)) $((us % 1000)) >>"$raw"
    else
      echo "$rt FAIL" >>"$raw"
    fi
  done
done

stats() {
  awk -v l="$1" '$1 == l && $2 != "FAIL" { print $2 }' "$raw" | sort -n |
    awk -v fails="$(awk -v l="$1" '$1 == l && $2 == "FAIL"' "$raw" | wc -l)" '
      { v[NR] = $1 }
      END {
        n = NR
        if (n == 0) { printf "0 %d - -\n", fails; exit }
        med = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
        r = int(0.9 * n); if (r < 0.9 * n) r++; if (r < 1) r = 1
        printf "%d %d %.2f %.2f\n", n, fails, med, v[r]
      }'
}
echo
printf '%-16s %5s %5s %10s %10s\n' runtime runs fail median_ms p90_ms
declare -A MED P90
bad=0
for rt in "${names[@]}"; do
  read -r runs fails med p90 <<<"$(stats "$rt")"
  printf '%-16s %5s %5s %10s %10s\n' "$rt" "$runs" "$fails" "$med" "$p90"
  MED[$rt]=$med P90[$rt]=$p90
  [ "$fails" = 0 ] || { bad=1; tail -n 1 "$SV_TEST_TMP/$rt.err" >&2; }
done
awk -v a="${MED[sysvisor-runc]}" -v b="${MED[bench-runc]}" -v c="${P90[sysvisor-runc]}" -v d="${P90[bench-runc]}" \
  'BEGIN { if (b > 0 && d > 0) printf "ratio sysvisor-runc/runc (docker run --rm): median %.2f  p90 %.2f\n", a / b, c / d }'
[ "$bad" = 0 ] || { echo "docker-bench: a row failed: a bench bug" >&2; exit 1; }
