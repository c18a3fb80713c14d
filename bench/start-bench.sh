#!/bin/bash
# bench/start-bench.sh - container start latency: sysvisor-runc vs runc vs crun.
# See bench/README.md.
#
#   bench/start-bench.sh [-n N] [--image busybox|debian] [--runtime PATH]...
#                        [--hybrid] [--raw FILE]
#
# Each sample is one `RUNTIME --root R run --bundle B id-I` of a container
# whose process is `true` (create + start + wait + delete), timed from the
# shell.  Runtimes are interleaved (s r c s r c ...), each has its own --root
# and its own copy of the bundle, and each gets one untimed warm-up run.
set -euo pipefail

usage() {
  sed -n '2,11s/^# \{0,1\}//p' "$0"
  cat <<'EOF'
Options:
  -n N              samples per runtime (default 50)
  --image IMG       busybox (default) or debian (the cached Debian rootfs)
  --runtime PATH    a runtime to measure (repeatable); default: sysvisor-runc
                    (SYSVISOR_RUNC or the build dir), runc and crun
  --hybrid          keep the host's cgroup2 mount (crun 1.8 refuses hybrid
                    hosts); by default the loop runs in a private mount
                    namespace with /sys/fs/cgroup/unified unmounted
  --raw FILE        also write every sample as "runtime ms" lines to FILE
EOF
}

# ------------------------------------------------------------------ inner loop
# Runs inside `unshare -m`: bench/start-bench.sh --inner N RAWFILE ERRDIR NAME=RT=ROOT=BUNDLE...
if [ "${1:-}" = --inner ]; then
  shift
  n=$1 raw=$2 errdir=$3 umount_unified=$4; shift 4
  if [ "$umount_unified" = 1 ] && mountpoint -q /sys/fs/cgroup/unified 2>/dev/null; then
    umount /sys/fs/cgroup/unified
  fi
  names=() rts=() roots=() bundles=()
  for spec in "$@"; do
    IFS='|' read -r name rt root bundle <<<"$spec"
    names+=("$name") rts+=("$rt") roots+=("$root") bundles+=("$bundle")
  done
  : >"$raw"
  # one untimed warm-up each (page cache, first-exec costs)
  for k in "${!rts[@]}"; do
    "${rts[k]}" --root "${roots[k]}" run --bundle "${bundles[k]}" warmup >/dev/null 2>>"$errdir/${names[k]}.err" </dev/null ||
      "${rts[k]}" --root "${roots[k]}" delete -f warmup >/dev/null 2>&1 || true
  done
  for ((i = 1; i <= n; i++)); do
    for k in "${!rts[@]}"; do
      t0=$EPOCHREALTIME
      if "${rts[k]}" --root "${roots[k]}" run --bundle "${bundles[k]}" "id-$i" >/dev/null 2>>"$errdir/${names[k]}.err" </dev/null; then
        t1=$EPOCHREALTIME
        # microseconds, no fork: EPOCHREALTIME is "s.uuuuuu"
        us=$(( (${t1%.*} - ${t0%.*}) * 1000000 + (10#${t1#*.} - 10#${t0#*.}) ))
        printf '%s %d.%03d\n' "${names[k]}" $((us / 1000)) $((us % 1000)) >>"$raw"
      else
        echo "${names[k]} FAIL" >>"$raw"
        "${rts[k]}" --root "${roots[k]}" delete -f "id-$i" >/dev/null 2>&1 || true
      fi
    done
  done
  exit 0
fi

# ------------------------------------------------------------------ outer
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
N=50 IMAGE=busybox HYBRID=0 RAW_OUT=""
user_rts=()
while [ $# -gt 0 ]; do
  case $1 in
    -n) N=$2; shift 2 ;;
    -n*) N=${1#-n}; shift ;;
    --image) IMAGE=$2; shift 2 ;;
    --image=*) IMAGE=${1#*=}; shift ;;
    --runtime) user_rts+=("$2"); shift 2 ;;
    --runtime=*) user_rts+=("${1#*=}"); shift ;;
    --hybrid) HYBRID=1; shift ;;
    --raw) RAW_OUT=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "start-bench: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
[[ $N =~ ^[1-9][0-9]*$ ]] || { echo "start-bench: -n wants a positive number" >&2; exit 2; }
case $IMAGE in busybox|debian) ;; *) echo "start-bench: --image busybox|debian" >&2; exit 2 ;; esac
[ "$(id -u)" = 0 ] || { echo "start-bench: must run as root" >&2; exit 1; }

export SV_TEST_NAME=start-bench
# shellcheck source=../tests/lib/common.sh
. "$SRC/tests/lib/common.sh"
. "$SRC/tests/lib/busybox-rootfs.sh"
[ "$IMAGE" = debian ] && . "$SRC/tests/lib/debian-rootfs.sh"

# The runtimes: "label|path" ("" path = not found)
entries=()
if [ ${#user_rts[@]} -eq 0 ]; then
  sv=""
  for c in "${SYSVISOR_RUNC:-}" "$SV_RUNC"; do
    [ -n "$c" ] && [ -x "$c" ] && { sv=$c; break; }
  done
  entries+=("sysvisor-runc|$sv")
  entries+=("runc|$(command -v runc || true)")
  entries+=("crun|$(command -v crun || true)")
else
  for p in "${user_rts[@]}"; do
    label=$(basename "$p")
    for e in "${entries[@]}"; do
      [ "${e%%|*}" = "$label" ] && label="$label#${#entries[@]}"
    done
    rp=$p
    case $p in */*) [ -x "$p" ] || rp="" ;; *) rp=$(command -v "$p" || true) ;; esac
    entries+=("$label|$rp")
  done
fi

work=$SV_TEST_TMP
specs=() missing=()
for e in "${entries[@]}"; do
  label=${e%%|*} path=${e#*|}
  if [ -z "$path" ]; then
    missing+=("$label")
    continue
  fi
  b=$work/bundle-${label//[^A-Za-z0-9_.-]/_}
  root=$work/root-${label//[^A-Za-z0-9_.-]/_}
  mkdir -p "$root"
  if [ "$IMAGE" = debian ]; then
    sv_debian_bundle "$b" true >/dev/null
  else
    sv_busybox_bundle "$b" true >/dev/null
  fi
  sv_on_exit "sv_rt_cleanup '$path' '$root'"
  specs+=("$label|$path|$root|$b")
done
[ ${#specs[@]} -gt 0 ] || { echo "start-bench: no runtime found" >&2; exit 1; }

echo "start-bench: image $IMAGE, $N runs each, interleaved; kernel $(uname -r)"
if [ "$HYBRID" = 1 ]; then
  echo "cgroups: host layout (hybrid: v1 + cgroup2 at /sys/fs/cgroup/unified)"
else
  echo "cgroups: v1 only (private mount namespace, /sys/fs/cgroup/unified unmounted)"
fi
for s in "${specs[@]}"; do
  IFS='|' read -r label path _ _ <<<"$s"
  printf '  %-16s %s (%s)\n' "$label" "$path" "$("$path" --version 2>/dev/null | head -1)"
done

raw=$work/samples.txt
errdir=$work/errors
mkdir -p "$errdir"
umount_unified=$((1 - HYBRID))
if [ "$HYBRID" = 1 ]; then
  bash "$0" --inner "$N" "$raw" "$errdir" 0 "${specs[@]}"
else
  unshare -m --propagation private bash "$0" --inner "$N" "$raw" "$errdir" "$umount_unified" "${specs[@]}"
fi
[ -n "$RAW_OUT" ] && cp "$raw" "$RAW_OUT"

# ------------------------------------------------------------------ report
# stats LABEL -> "runs fails median p90 min max" (ms), or nothing
stats() {
  awk -v l="$1" '$1 == l && $2 != "FAIL" { print $2 }' "$raw" | sort -n |
    awk -v fails="$(awk -v l="$1" '$1 == l && $2 == "FAIL"' "$raw" | wc -l)" '
      { v[NR] = $1 }
      END {
        n = NR
        if (n == 0) { printf "0 %d - - - -\n", fails; exit }
        med = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
        r = int(0.9 * n); if (r < 0.9 * n) r++; if (r < 1) r = 1
        printf "%d %d %.2f %.2f %.2f %.2f\n", n, fails, med, v[r], v[1], v[n]
      }'
}

echo
printf '%-16s %5s %5s %10s %10s %10s %10s\n' runtime runs fail median_ms p90_ms min_ms max_ms
declare -A MED P90
for s in "${specs[@]}"; do
  label=${s%%|*}
  read -r runs fails med p90 min max <<<"$(stats "$label")"
  printf '%-16s %5s %5s %10s %10s %10s %10s\n' "$label" "$runs" "$fails" "$med" "$p90" "$min" "$max"
  MED[$label]=$med P90[$label]=$p90
  if [ "$fails" != 0 ] && [ -s "$errdir/$label.err" ]; then
    echo "    $label failed $fails time(s); last error:" >&2
    tail -n 1 "$errdir/$label.err" | sed 's/^/      /' >&2
  fi
done
for m in "${missing[@]}"; do
  echo "$m: not found"
done

ratio() {   # ratio A B: A/B of median and p90, when both measured
  local a=$1 b=$2
  [ -n "${MED[$a]:-}" ] && [ -n "${MED[$b]:-}" ] && [ "${MED[$a]}" != - ] && [ "${MED[$b]}" != - ] || return 0
  awk -v a="$a" -v b="$b" -v ma="${MED[$a]}" -v mb="${MED[$b]}" -v pa="${P90[$a]}" -v pb="${P90[$b]}" \
    'BEGIN { printf "ratio %s/%s: median %.2f  p90 %.2f\n", a, b, ma / mb, pa / pb }'
}
echo
if [ ${#user_rts[@]} -eq 0 ]; then
  ratio sysvisor-runc crun
  ratio sysvisor-runc runc
  ratio runc crun
else
  first=${specs[0]%%|*}
  for s in "${specs[@]:1}"; do ratio "$first" "${s%%|*}"; done
fi
