#!/bin/bash
# bench/shift-bench.sh - what shifting the image costs at container start: shift = shiftfs
# (ID-mapped mounts over an image owned by host root) against shift = none (the same image
# chowned to the container's range beforehand), for a ~5 MB busybox image (padded) and a ~300 MB
# Debian image (the cached debootstrap rootfs, padded when smaller).  The ratio should stay
# near 1.0 whatever the image's size: ID-mapping costs the same for 5 MB as for 300 MB.
#
#   sudo bench/shift-bench.sh [-n N] [--image busybox|debian|both] [--raw FILE]
#
# One sample is `sysvisor-runc run` of a container whose process is `true` (create, start,
# wait, delete), timed from the shell; the two setups are interleaved, each with its own
# --root, bundle and plugins.conf (idmap = none: the fixed range 0 -> 165536), after one
# untimed warm-up each.  Also printed: how long the one-off `chown -R` of the image took,
# i.e. what shift = none pays before its first start (and again for every new range).
set -euo pipefail

N=30 IMAGES="busybox debian" RAW=""
while [ $# -gt 0 ]; do
  case $1 in
    -n) N=$2; shift 2 ;;
    --image) IMAGES=$2; [ "$IMAGES" = both ] && IMAGES="busybox debian"; shift 2 ;;
    --raw) RAW=$2; shift 2 ;;
    -h|--help) sed -n '2,15s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "shift-bench: unknown option $1" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "shift-bench: must run as root" >&2; exit 1; }

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
export SV_TEST_NAME=shift-bench
# shellcheck source=../tests/lib/common.sh
. "$SRC/tests/lib/common.sh"
. "$SV_LIB_DIR/busybox-rootfs.sh"
. "$SV_LIB_DIR/debian-rootfs.sh"

RUNC=${SYSVISOR_RUNC:-$SV_RUNC}
[ -x "$RUNC" ] || { echo "shift-bench: sysvisor-runc not built ($RUNC); set SYSVISOR_RUNC" >&2; exit 1; }
BUILD=$(cd "$(dirname "$RUNC")/.." && pwd)
export SYSVISOR_PLUGIN_DIR=${SYSVISOR_PLUGIN_DIR:-$BUILD/plugins/idmapped-mounts}
export SYSVISOR_LIB_DIR=$SV_TEST_TMP/lib
RANGE=165536
PAD_TO_MB=300
W=$SV_TEST_TMP
: >"$W/raw"

conf() {   # conf FILE SHIFT
  printf '[sysvisor]\nidmap = none\nshift = %s\nprocfs = none\n' "$2" >"$1"
}
conf "$W/shiftfs.conf" shiftfs
conf "$W/none.conf" none

# make_image NAME DIR: the image's rootfs in DIR/rootfs, owned by host root, padded with
# files of 1 MB up to the image's nominal size.
make_image() {
  local name=$1 dir=$2 mb want
  case $name in
    busybox) sv_busybox_rootfs "$dir/rootfs"; want=5 ;;
    debian) sv_debian_rootfs "$dir/rootfs"; want=$PAD_TO_MB ;;
    *) echo "shift-bench: unknown image $name" >&2; exit 2 ;;
  esac
  mb=$(du -sm "$dir/rootfs" | cut -f1)
  if [ "$mb" -lt "$want" ]; then
    mkdir -p "$dir/rootfs/opt/pad"
    for ((i = 0; i < want - mb; i++)); do
      head -c 1048576 /dev/urandom >"$dir/rootfs/opt/pad/f$i"
    done
  fi
  "$SV_REF_RUNC" spec --bundle "$dir"
  sv_spec_set "$dir" '.process.terminal = false | .process.args = ["true"]'
}

# sample NAME CONF ROOT BUNDLE ID (ID warmup: not recorded)
sample() {
  local t0 t1 us
  t0=$EPOCHREALTIME
  if SYSVISOR_PLUGINS_CONF=$2 "$RUNC" --root "$3" run --bundle "$4" "$5" >/dev/null 2>>"$W/$1.err" </dev/null; then
    t1=$EPOCHREALTIME
    [ "$5" = warmup ] && return 0
    us=$(( (${t1%.*} - ${t0%.*}) * 1000000 + (10#${t1#*.} - 10#${t0#*.}) ))
    printf '%s %d.%03d\n' "$1" $((us / 1000)) $((us % 1000)) >>"$W/raw"
  else
    echo "$1 FAIL" >>"$W/raw"
    SYSVISOR_PLUGINS_CONF=$2 "$RUNC" --root "$3" delete -f "$5" >/dev/null 2>&1 || true
  fi
}

# stats NAME: "median mean" of NAME's samples (ms)
stats() {
  awk -v n="$1" '$1 == n && $2 != "FAIL" { print $2 }' "$W/raw" | sort -n |
    awk '{ a[NR] = $1; s += $1 } END { if (NR == 0) { print "- -"; exit }
          m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
          printf "%.2f %.2f\n", m, s / NR }'
}

printf '%-8s %8s %9s %13s %11s %12s %11s %7s\n' image size files "chown -R (s)" \
  "none (ms)" "shiftfs (ms)" "ratio" fails
for img in $IMAGES; do
  s=$W/$img-shiftfs n=$W/$img-none
  make_image "$img" "$s" >/dev/null
  mkdir -p "$n" "$W/root-$img-s" "$W/root-$img-n"
  cp -a "$s/rootfs" "$n/rootfs"
  cp "$s/config.json" "$n/config.json"
  t0=$EPOCHREALTIME
  chown -R "$RANGE:$RANGE" "$n/rootfs"
  t1=$EPOCHREALTIME
  chown_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  size=$(du -sh "$s/rootfs" | cut -f1)
  files=$(find "$s/rootfs" -xdev | wc -l)
  sample "$img-shiftfs" "$W/shiftfs.conf" "$W/root-$img-s" "$s" warmup
  sample "$img-none" "$W/none.conf" "$W/root-$img-n" "$n" warmup
  for ((i = 1; i <= N; i++)); do
    sample "$img-none" "$W/none.conf" "$W/root-$img-n" "$n" "n$i"
    sample "$img-shiftfs" "$W/shiftfs.conf" "$W/root-$img-s" "$s" "s$i"
  done
  read -r none_med none_mean <<<"$(stats "$img-none")"
  read -r sh_med sh_mean <<<"$(stats "$img-shiftfs")"
  ratio=$(awk -v a="$sh_med" -v b="$none_med" 'BEGIN { if (b + 0 > 0) printf "%.3f", a / b; else print "-" }')
  fails=$(grep -c "^$img-.* FAIL$" "$W/raw" || true)
  printf '%-8s %8s %9s %13s %5s/%-5s %6s/%-5s %11s %7s\n' "$img" "$size" "$files" "$chown_s" \
    "$none_med" "$none_mean" "$sh_med" "$sh_mean" "$ratio" "$fails"
  for f in "$W/$img-none.err" "$W/$img-shiftfs.err"; do
    [ -s "$f" ] && { echo "  errors of ${f##*/}:"; sort -u "$f" | head -5 | sed 's/^/    /'; }
  done
  rm -rf "$s" "$n"
done
echo "(median/mean of $N runs each; ratio = shiftfs median / none median; $(uname -r))"
[ -n "$RAW" ] && cp "$W/raw" "$RAW"
exit 0
