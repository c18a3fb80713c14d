#!/bin/bash
# bench/start-bench.sh - container start latency, peak RSS and parallel create/delete:
# sysvisor-runc (every system-container feature on) vs runc vs crun.  See bench/README.md.
#
#   bench/start-bench.sh [-n N] [--rss N] [--parallel "50 200"] [--image busybox|debian]
#                        [--runtime PATH]... [--crun-cgroups both|cgroupfs|none]
#                        [--hybrid | --cgroup2]
#                        [--host-mounts N] [--running N] [--raw FILE]
#
# Latency: each sample is one `RUNTIME --root R run --bundle B id-K-I` of a container whose
# process is `true` (create + start + wait + delete), timed from the shell.  Runtimes are
# interleaved (s r c s r c ...), each has its own --root and its own copy of the bundle, and
# each gets one untimed warm-up run.  Then peak RSS of `run` (GNU time's maxrss), then, per
# parallel width P, P `run -d` of `sleep` at once and then P `delete -f` at once, timed (and
# the delete also until the last container's init had ended: bench/wait-gone.c).
set -euo pipefail

usage() {
  sed -n '2,12s/^# \{0,1\}//p' "$0"
  cat <<'EOF'
Options:
  -n N              latency samples per runtime (default 50)
  --rss N           runs per runtime measured for peak RSS (default 10; 0: none)
  --parallel LIST   parallel widths, e.g. "50 200" (default "50"; "" or 0: none)
  --image IMG       busybox (default) or debian (the cached Debian rootfs)
  --runtime PATH    a runtime to measure (repeatable); default: sysvisor-runc
                    (SYSVISOR_RUNC or the build dir), runc and crun
  --crun-cgroups M  how crun runs: both (default: two rows, "crun" with
                    --cgroup-manager=disabled and "crun-v1", or "crun-v2" on a
                    cgroup v2 layout, with its cgroupfs manager), none (only
                    "crun") or cgroupfs (only the second; "v1" says the same)
  --hybrid          keep the host's cgroup2 mount (crun 1.8 refuses hybrid
                    hosts: tried once, then left out with its error line); by
                    default the loops run in a private mount namespace with
                    /sys/fs/cgroup/unified unmounted
  --cgroup2         the loops in a private mount namespace whose /sys/fs/cgroup
                    is the host's cgroup2 hierarchy: a pure cgroup v2 host's
                    view (the default on a host that is pure cgroup v2)
  --host-mounts N   N extra tmpfs mounts in the loops' mount namespace (a busy host:
                    a Docker host has ~3 per container); default 0
  --running N       N containers (sleep) of each runtime running while every loop
                    runs (a dense host); default 0, at most 600
  --raw FILE        also write every sample to FILE
sysvisor-runc runs with every feature on: idmap = exclusive (its own subuid/subgid files),
shift = shiftfs, procfs = fuse-procfs (a private sysvisor-fs), storage-paths as default.
crun runs with --cgroup-manager=disabled ("crun": no cgroup) and with its cgroupfs manager
("crun-v1": the v1 cgroups of every hierarchy, as sysvisor-runc and runc make them;
"crun-v2" with --cgroup2); see "cgroups" in bench/README.md. A runtime other than
sysvisor-runc whose first (untimed) run fails is left out with its error line.
EOF
}

# cgroup_work LABEL: what the runtime's rows include of cgroup work (printed next to them),
# on the loops' layout CG_MODE (v1, hybrid or v2)
cgroup_work() {
  local base=${1%%#*}
  case $1 in crun*-v1) base=crun-v1 ;; crun*-v2) base=crun-v2 ;; esac
  case $CG_MODE/$base in
    v2/sysvisor-runc) echo "cgroup v2: creates sysvisor/<id>, delegates it to the container, attaches a device eBPF program, removes it" ;;
    */sysvisor-runc) echo "cgroup v1: creates <ctrl>/sysvisor/<id> in each hierarchy, delegates it to the container, removes it" ;;
    v2/runc) echo "cgroup v2 (cgroupfs driver): creates <id>, attaches a device eBPF program, removes it" ;;
    */runc) echo "cgroup v1 (cgroupfs driver): creates <ctrl>/<id> in each hierarchy, removes it" ;;
    */crun) echo "none (--cgroup-manager=disabled: no cgroup made)" ;;
    */crun-v1) echo "cgroup v1 (cgroupfs manager): creates <ctrl>/<id> in each hierarchy, removes it; plus a plain directory for cgroup2's entry (private tmpfs)" ;;
    */crun-v2) echo "cgroup v2 (cgroupfs manager): creates <id>, attaches a device eBPF program, removes it" ;;
    *) echo "its default" ;;
  esac
}

# ------------------------------------------------------------------ inner loops
# Run inside `unshare -m`:
#   bench/start-bench.sh --inner N RSS_N "P..." RAWFILE ERRDIR UMOUNT HOST_MOUNTS RUNNING \
#     NAME|RT|ROOT|BUNDLE|PARBUNDLE|ARGS|PLUGIN_DIR|LIB_DIR|PLUGINS_CONF...
ms_since() {   # ms_since T0: milliseconds since EPOCHREALTIME value T0, "12.345"
  local t1=$EPOCHREALTIME t0=$1 us
  us=$(( (${t1%.*} - ${t0%.*}) * 1000000 + (10#${t1#*.} - 10#${t0#*.}) ))
  printf '%d.%03d' $((us / 1000)) $((us % 1000))
}

# rt K ARGS...: runtime K with its --root, global flags and (sysvisor-runc) plugin settings
rt() {
  local k=$1; shift
  export SYSVISOR_PLUGIN_DIR=${pdirs[k]} SYSVISOR_LIB_DIR=${libs[k]} SYSVISOR_PLUGINS_CONF=${confs[k]}
  # shellcheck disable=SC2086
  "${rts[k]}" --root "${roots[k]}" ${gargs[k]} "$@"
}

inner_latency() {
  local n=$1 i k t0
  for ((i = 1; i <= n; i++)); do
    for k in "${!rts[@]}"; do
      t0=$EPOCHREALTIME
      if rt "$k" run --bundle "${bundles[k]}" "id-$k-$i" >/dev/null 2>>"$errdir/${names[k]}.err" </dev/null; then
        echo "lat ${names[k]} $(ms_since "$t0")" >>"$raw"
      else
        echo "lat ${names[k]} FAIL" >>"$raw"
        rt "$k" delete -f "id-$k-$i" >/dev/null 2>&1 || true
      fi
    done
  done
}

inner_rss() {
  local n=$1 i k kb
  for ((i = 1; i <= n; i++)); do
    for k in "${!rts[@]}"; do
      export SYSVISOR_PLUGIN_DIR=${pdirs[k]} SYSVISOR_LIB_DIR=${libs[k]} SYSVISOR_PLUGINS_CONF=${confs[k]}
      # shellcheck disable=SC2086
      if /usr/bin/time -f '%M' -o "$errdir/rss.kb" "${rts[k]}" --root "${roots[k]}" ${gargs[k]} \
           run --bundle "${bundles[k]}" "rss-$k-$i" >/dev/null 2>>"$errdir/${names[k]}.err" </dev/null; then
        kb=$(tail -n 1 "$errdir/rss.kb")
        echo "rss ${names[k]} $kb" >>"$raw"
      else
        echo "rss ${names[k]} FAIL" >>"$raw"
        rt "$k" delete -f "rss-$k-$i" >/dev/null 2>&1 || true
      fi
    done
  done
}

# par_phase K P VERB: P runs of VERB (create | delete) at once; prints "ms fails gone_ms":
# gone_ms (delete) is the time until the last container's init had ended or the commands had
# returned, whichever came later: a runtime whose delete returned before its containers ended
# would show it there ("-" for a create, or when no init's pid was known)
par_phase() {
  local k=$1 p=$2 verb=$3 i t0 fails=0 ms gone=- pid line gfd gpid
  local -a pids=() inits=()
  if [ "$verb" = delete ]; then
    for ((i = 1; i <= p; i++)); do
      pid=$(rt "$k" state "par-$k-$p-$i" 2>/dev/null | jq -r '.pid // empty' 2>/dev/null) || pid=""
      [[ $pid =~ ^[1-9][0-9]*$ ]] && inits+=("$pid")
    done
  fi
  if [ ${#inits[@]} -gt 0 ]; then
    # (its pidfds are open before the clock starts; it sleeps until the last one ends)
    coproc GONE { "$wait_gone" "${inits[@]}"; }
    # (bash unsets GONE when the helper ends: its pipe and pid are kept here)
    exec {gfd}<&"${GONE[0]}"
    gpid=$GONE_PID
    if ! read -r line <&"$gfd" || [ "$line" != ready ]; then
      echo "start-bench: $wait_gone did not start" >&2
      inits=() fails=1
    fi
  fi
  t0=$EPOCHREALTIME
  for ((i = 1; i <= p; i++)); do
    if [ "$verb" = create ]; then
      rt "$k" run -d --bundle "${pbundles[k]}" "par-$k-$p-$i" >/dev/null 2>>"$errdir/${names[k]}.err" </dev/null &
    else
      rt "$k" delete -f "par-$k-$p-$i" >/dev/null 2>>"$errdir/${names[k]}.err" </dev/null &
    fi
    pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i" || fails=$((fails + 1)); done
  ms=$(ms_since "$t0")
  if [ ${#inits[@]} -gt 0 ]; then
    read -r line <&"$gfd" || line=""
    exec {gfd}<&-
    wait "$gpid" 2>/dev/null || true
    [ -n "$line" ] || { echo "start-bench: $wait_gone gave no time" >&2; fails=$((fails + 1)); }
    [ -z "$line" ] || gone=$(awk -v e="$line" -v s="$t0" -v r="$ms" \
      'BEGIN { g = (e - s) * 1000; printf "%.3f", (g > r ? g : r) }')
  fi
  echo "$ms $fails $gone"
}

inner_parallel() {
  local p k c d g
  for p in "$@"; do
    for k in "${!rts[@]}"; do
      read -r c cf _ <<<"$(par_phase "$k" "$p" create)"
      read -r d df g <<<"$(par_phase "$k" "$p" delete)"
      echo "par ${names[k]} $p $c $cf $d $df $g" >>"$raw"
      # whatever a failed delete left: not timed
      for ((i = 1; i <= p; i++)); do rt "$k" delete -f "par-$k-$p-$i" >/dev/null 2>&1 || true; done
    done
  done
}

# inner_running start|stop N: N containers of each runtime (the parallel bundle: sleep),
# started and deleted 4 at a time; a failed start is a "bg NAME FAIL" sample
inner_running() {
  local verb=$1 n=$2 i k
  for k in "${!rts[@]}"; do
    for ((i = 1; i <= n; i++)); do
      if [ "$verb" = start ]; then
        { rt "$k" run -d --bundle "${pbundles[k]}" "bg-$k-$i" >/dev/null 2>>"$errdir/${names[k]}.err" </dev/null ||
            echo "bg ${names[k]} FAIL" >>"$raw"; } &
      else
        rt "$k" delete -f "bg-$k-$i" >/dev/null 2>&1 </dev/null &
      fi
      [ $((i % 4)) != 0 ] || wait
    done
    wait
  done
}

# leftover cgroup directories named after the bench's containers (in this mount namespace:
# the host's v1 hierarchies, and the tmpfs under the unmounted cgroup2); container names carry
# their runtime's index (id-K-I, par-K-P-I, ...)
inner_leftovers() {
  local k e
  if [ "$private_unified" = 1 ]; then
    # the private tmpfs over cgroup2's mount point (see below): crun-v1's own directories are
    # expected there, anyone else's are a runtime writing into an unmounted cgroup2
    for e in /sys/fs/cgroup/unified/*; do
      [ -e "$e" ] || continue
      k=$(basename "$e" | sed -n 's/^[a-z]*-\([0-9]*\)\(-.*\)\{0,1\}$/\1/p')
      [ -n "$k" ] && [ "${names[k]:-}" != "${names[k]%-v1}" ] ||
        echo "leftover $e (in the private tmpfs over /sys/fs/cgroup/unified)" >>"$raw"
    done
    umount /sys/fs/cgroup/unified
  fi
  find /sys/fs/cgroup -maxdepth 4 -type d \( -name 'id-*' -o -name 'rss-*' -o -name 'par-*' \
    -o -name 'bg-*' -o -name 'warmup-*' \) 2>/dev/null | sed 's/^/leftover /' >>"$raw" || true
}

# inner_cgroup_layout MODE: this (private) mount namespace's cgroups as MODE asks: v1 (the
# host's cgroup2 mount at /sys/fs/cgroup/unified unmounted), v2 (/sys/fs/cgroup is the cgroup2
# hierarchy) or hybrid (as the host has them)
inner_cgroup_layout() {
  case $1 in
    v1)
      if mountpoint -q /sys/fs/cgroup/unified 2>/dev/null; then
        umount /sys/fs/cgroup/unified
      fi
      # crun 1.8.1 with its cgroupfs manager on v1 takes the cgroup2 line of /proc/self/cgroup
      # for a directory /sys/fs/cgroup/unified/<id> (made with a cgroup.procs file, never
      # removed): a private tmpfs takes those and goes with this namespace
      if [ -d /sys/fs/cgroup/unified ] && [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]; then
        mount -t tmpfs -o size=64m,mode=0755 start-bench-unified /sys/fs/cgroup/unified
        private_unified=1
      fi
      ;;
    v2)
      if [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]; then
        umount -l /sys/fs/cgroup
        mount -t cgroup2 start-bench-cgroup2 /sys/fs/cgroup
      fi
      ;;
  esac
}

# One untimed warm-up run each (page cache, first-exec costs, the probe's first verdict). A
# runtime other than sysvisor-runc (no plugin dir) whose warm-up fails cannot run on this host
# as asked (crun 1.8 on a hybrid layout; on cgroup v2 without CAP_SYS_RESOURCE, which its
# device eBPF program's RLIMIT_MEMLOCK needs): it leaves the loops with its error line
# ("refused LABEL LINE" in the samples) instead of a row of failures.
inner_warmup() {
  local k left
  for k in "${!rts[@]}"; do
    rt "$k" run --bundle "${bundles[k]}" "warmup-$k" >/dev/null 2>"$errdir/warmup.err" </dev/null &&
      { cat "$errdir/warmup.err" >>"$errdir/${names[k]}.err"; continue; }
    rt "$k" delete -f "warmup-$k" >/dev/null 2>&1 || true
    if [ -n "${pdirs[k]}" ]; then
      cat "$errdir/warmup.err" >>"$errdir/${names[k]}.err"
    else
      # (what its failed run left, e.g. crun's cgroup, is removed: the row is not run)
      left=$(find /sys/fs/cgroup -maxdepth 4 -type d -name "warmup-$k" 2>/dev/null || true)
      [ -z "$left" ] || rmdir $left 2>/dev/null || true
      echo "refused ${names[k]} $(grep . "$errdir/warmup.err" | tail -n 1)" >>"$raw"
      [ -z "$left" ] || echo "refused-left ${names[k]}" $left >>"$raw"
      unset "rts[k]"
    fi
  done
}

if [ "${1:-}" = --inner ]; then
  shift
  n=$1 rss_n=$2 widths=$3 raw=$4 errdir=$5 cg_mode=$6 host_mounts=$7 running=$8; shift 8
  wait_gone=${START_BENCH_WAIT_GONE:-} private_unified=0
  inner_cgroup_layout "$cg_mode"
  # (this namespace's own: they go with it)
  for ((i = 1; i <= host_mounts; i++)); do
    mkdir -p "$errdir/../host-mounts/$i"
    mount -t tmpfs -o size=4k bench "$errdir/../host-mounts/$i"
  done
  names=() rts=() roots=() bundles=() pbundles=() gargs=() pdirs=() libs=() confs=()
  for spec in "$@"; do
    IFS='|' read -r name r root bundle pbundle args pdir lib conf <<<"$spec"
    names+=("$name") rts+=("$r") roots+=("$root") bundles+=("$bundle") pbundles+=("$pbundle")
    gargs+=("$args") pdirs+=("$pdir") libs+=("$lib") confs+=("$conf")
  done
  : >"$raw"
  inner_warmup
  inner_running start "$running"
  inner_latency "$n"
  inner_rss "$rss_n"
  # shellcheck disable=SC2086
  inner_parallel $widths
  inner_running stop "$running"
  inner_leftovers
  exit 0
fi

# ------------------------------------------------------------------ outer
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
N=50 RSS_N=10 WIDTHS=50 IMAGE=busybox CG_MODE="" HOST_MOUNTS=0 RUNNING=0 RAW_OUT="" CRUN_CGROUPS=both
user_rts=()
while [ $# -gt 0 ]; do
  case $1 in
    -n) N=$2; shift 2 ;;
    -n*) N=${1#-n}; shift ;;
    --rss) RSS_N=$2; shift 2 ;;
    --parallel) WIDTHS=$2; shift 2 ;;
    --parallel=*) WIDTHS=${1#*=}; shift ;;
    --image) IMAGE=$2; shift 2 ;;
    --image=*) IMAGE=${1#*=}; shift ;;
    --runtime) user_rts+=("$2"); shift 2 ;;
    --runtime=*) user_rts+=("${1#*=}"); shift ;;
    --crun-cgroups) CRUN_CGROUPS=$2; shift 2 ;;
    --crun-cgroups=*) CRUN_CGROUPS=${1#*=}; shift ;;
    --hybrid|--cgroup2)
      m=hybrid; [ "$1" = --hybrid ] || m=v2
      [ -z "$CG_MODE" ] || [ "$CG_MODE" = "$m" ] ||
        { echo "start-bench: --hybrid and --cgroup2 exclude each other" >&2; exit 2; }
      CG_MODE=$m; shift ;;
    --host-mounts) HOST_MOUNTS=$2; shift 2 ;;
    --running) RUNNING=$2; shift 2 ;;
    --raw) RAW_OUT=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "start-bench: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
[[ $N =~ ^[1-9][0-9]*$ ]] || { echo "start-bench: -n wants a positive number" >&2; exit 2; }
[[ $RSS_N =~ ^[0-9]+$ ]] || { echo "start-bench: --rss wants a number" >&2; exit 2; }
[[ $HOST_MOUNTS =~ ^[0-9]+$ ]] && [ "$HOST_MOUNTS" -le 5000 ] ||
  { echo "start-bench: --host-mounts wants a number from 0 to 5000" >&2; exit 2; }
# (sysvisor-runc's pool here is 1024 ranges: the running ones, a parallel burst of up to 400)
[[ $RUNNING =~ ^[0-9]+$ ]] && [ "$RUNNING" -le 600 ] ||
  { echo "start-bench: --running wants a number from 0 to 600" >&2; exit 2; }
[ "$WIDTHS" = 0 ] && WIDTHS=""
for w in $WIDTHS; do
  [[ $w =~ ^[1-9][0-9]*$ ]] && [ "$w" -le 1000 ] ||
    { echo "start-bench: --parallel wants widths from 1 to 1000, e.g. \"50 200\"" >&2; exit 2; }
done
case $IMAGE in busybox|debian) ;; *) echo "start-bench: --image busybox|debian" >&2; exit 2 ;; esac
case $CRUN_CGROUPS in
  both|cgroupfs|none) ;;
  v1) CRUN_CGROUPS=cgroupfs ;;
  *) echo "start-bench: --crun-cgroups both|cgroupfs|none" >&2; exit 2 ;;
esac
if [ -z "$CG_MODE" ]; then
  # a pure cgroup v2 host is measured as it is; a v1 or hybrid one with cgroup2 unmounted
  CG_MODE=v1
  [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" != cgroup2fs ] || CG_MODE=v2
elif [ "$CG_MODE" = v2 ] && ! grep -q ' - cgroup2 ' /proc/self/mountinfo; then
  # (the arguments are judged before tests/lib/common.sh, and its sv_cgroup2_mount, is loaded)
  echo "start-bench: --cgroup2 needs the host's cgroup2 hierarchy mounted" \
    "(none in /proc/self/mountinfo)" >&2
  exit 2
fi
CGV=v1   # the suffix of crun's row with its cgroupfs manager
[ "$CG_MODE" != v2 ] || CGV=v2
[ "$(id -u)" = 0 ] || { echo "start-bench: must run as root" >&2; exit 1; }
[ "$RSS_N" = 0 ] || [ -x /usr/bin/time ] ||
  { echo "start-bench: --rss needs GNU time (/usr/bin/time; apt-get install time), or --rss 0" >&2; exit 1; }

export SV_TEST_NAME=start-bench
# shellcheck source=../tests/lib/common.sh
. "$SRC/tests/lib/common.sh"
. "$SRC/tests/lib/busybox-rootfs.sh"
[ "$IMAGE" = debian ] && . "$SRC/tests/lib/debian-rootfs.sh"
work=$SV_TEST_TMP
# bench/wait-gone.c: when the containers of a parallel delete had really ended
START_BENCH_WAIT_GONE=$(_sv_find_built bench/wait-gone || true)
export START_BENCH_WAIT_GONE
[ -z "$WIDTHS" ] || [ -n "$START_BENCH_WAIT_GONE" ] ||
  { echo "start-bench: bench/wait-gone not built (meson compile -C build); or --parallel \"\"" >&2
    exit 1; }

# ---- sysvisor-runc with every feature on
SV_FS_MNT=$work/sysvisorfs
export SYSVISOR_FS_RUN_DIR=$work/sv-fs-run
fs_started=0

# sv_start_fs RUNC: a private sysvisor-fs (the one built next to RUNC), stopped on exit
sv_start_fs() {
  local build fs
  build=$(cd "$(dirname "$1")/.." && pwd)
  fs=${SYSVISOR_FS:-$build/plugins/fuse-procfs/sysvisor-fs}
  [ -x "$fs" ] || { echo "start-bench: sysvisor-fs not built ($fs; set SYSVISOR_FS)" >&2; exit 1; }
  mkdir -p "$SYSVISOR_FS_RUN_DIR" "$SV_FS_MNT"
  sv_on_exit "bench_stop_fs '$SV_FS_MNT'"
  "$fs" --mountpoint "$SV_FS_MNT" --log "$work/sysvisor-fs.log" --log-level warning ||
    { echo "start-bench: sysvisor-fs did not start: $(tail -n 3 "$work/sysvisor-fs.log")" >&2; exit 1; }
  sv_wait_until 5 grep -q " $SV_FS_MNT .* - fuse.sysvisor-fs " /proc/self/mountinfo ||
    { echo "start-bench: sysvisor-fs is not mounted on $SV_FS_MNT" >&2; exit 1; }
  fs_started=1
}

# sv_features_on RUNC N: prints "PLUGIN_DIR|LIB_DIR|PLUGINS_CONF" for the Nth sysvisor-runc:
# its build's plugins, its own lib dir and 1024 ranges of 65536 ids of its own
sv_features_on() {
  local build d=$work/sv-$2
  build=$(cd "$(dirname "$1")/.." && pwd)
  mkdir -p "$d/lib"
  printf 'sysvisor:%d:%d\n' $((2147483648 + $2 * 1024 * 65536)) $((1024 * 65536)) >"$d/subuid"
  cp "$d/subuid" "$d/subgid"
  cat >"$d/plugins.conf" <<EOF
[sysvisor]
idmap = exclusive
shift = shiftfs
procfs = fuse-procfs

[idmap-exclusive]
subuid-file = $d/subuid
subgid-file = $d/subgid

[fuse-procfs]
mountpoint = $SV_FS_MNT
EOF
  echo "$build/plugins/idmap-exclusive:$build/plugins/idmapped-mounts:$build/plugins/fuse-procfs|$d/lib|$d/plugins.conf"
}

bench_stop_fs() {
  local mnt=$1 pid i
  pid=$(sed -n 's/^pid=//p' "$SYSVISOR_FS_RUN_DIR"/*.lock 2>/dev/null | head -n 1)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  if grep -q " $mnt " /proc/self/mountinfo; then
    fusermount3 -u "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
  fi
}

# The runtimes: "label|path|global args" ("" path = not found)
entries=()
# crun_entries PATH LABEL: crun's rows as --crun-cgroups asks (LABEL, LABEL-v1 or LABEL-v2)
crun_entries() {
  [ "$CRUN_CGROUPS" = cgroupfs ] || entries+=("$2|$1|--cgroup-manager=disabled")
  [ "$CRUN_CGROUPS" = none ] || entries+=("$2-$CGV|$1|--cgroup-manager=cgroupfs")
}
if [ ${#user_rts[@]} -eq 0 ]; then
  sv=""
  for c in "${SYSVISOR_RUNC:-}" "$SV_RUNC"; do
    [ -n "$c" ] && [ -x "$c" ] && { sv=$c; break; }
  done
  entries+=("sysvisor-runc|$sv|")
  entries+=("runc|$(command -v runc || true)|")
  crun_entries "$(command -v crun || true)" crun
else
  for p in "${user_rts[@]}"; do
    label=$(basename "$p")
    for e in "${entries[@]}"; do
      [ "${e%%|*}" = "$label" ] && label="$label#${#entries[@]}"
    done
    rp=$p
    case $p in */*) [ -x "$p" ] || rp="" ;; *) rp=$(command -v "$p" || true) ;; esac
    if [ "$(basename "$p")" = crun ]; then
      crun_entries "$rp" "$label"
    else
      entries+=("$label|$rp|")
    fi
  done
fi

specs=() missing=() features=0
for e in "${entries[@]}"; do
  IFS='|' read -r label path args <<<"$e"
  if [ -z "$path" ]; then
    missing+=("$label")
    continue
  fi
  safe=${label//[^A-Za-z0-9_.-]/_}
  b=$work/bundle-$safe pb=$work/pbundle-$safe root=$work/root-$safe
  mkdir -p "$root"
  sleepers=0   # the bundle of the parallel and running containers
  [ -z "$WIDTHS" ] && [ "$RUNNING" -eq 0 ] || sleepers=1
  if [ "$IMAGE" = debian ]; then
    sv_debian_bundle "$b" true >/dev/null
    [ "$sleepers" = 0 ] || sv_debian_bundle "$pb" sleep 3600 >/dev/null
  else
    sv_busybox_bundle "$b" true >/dev/null
    [ "$sleepers" = 0 ] || sv_busybox_bundle "$pb" sleep 3600 >/dev/null
  fi
  env="||"
  if [ "$("$path" --version 2>/dev/null | head -1 | awk '{print $1}')" = sysvisor-runc ]; then
    [ "$fs_started" = 1 ] || sv_start_fs "$path"
    env=$(sv_features_on "$path" "$features")
    features=$((features + 1))
    IFS='|' read -r pdir lib conf <<<"$env"
    sv_on_exit "SYSVISOR_PLUGIN_DIR='$pdir' SYSVISOR_LIB_DIR='$lib' SYSVISOR_PLUGINS_CONF='$conf' sv_rt_cleanup '$path' '$root'"
  else
    sv_on_exit "sv_rt_cleanup '$path' '$root'"
  fi
  specs+=("$label|$path|$root|$b|$pb|$args|$env")
done
[ ${#specs[@]} -gt 0 ] || { echo "start-bench: no runtime found" >&2; exit 1; }

echo "start-bench: image $IMAGE, $N runs each, interleaved; kernel $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
case $CG_MODE in
  hybrid) echo "cgroups: host layout (hybrid: v1 + cgroup2 at /sys/fs/cgroup/unified)" ;;
  v1) echo "cgroups: v1 only (private mount namespace, /sys/fs/cgroup/unified unmounted; a private tmpfs there takes crun-v1's cgroup2 directories)" ;;
  v2)
    echo "cgroups: v2 only (private mount namespace whose /sys/fs/cgroup is the host's cgroup2" \
      "hierarchy; its controllers: $(cat "$(sv_cgroup2_mount)/cgroup.controllers" 2>/dev/null ||
        echo '?'))" ;;
esac
[ "$HOST_MOUNTS" = 0 ] ||
  echo "host mounts: $HOST_MOUNTS extra tmpfs mounts in the loops' (private) mount namespace," \
    "$(($(wc -l </proc/self/mountinfo) + HOST_MOUNTS)) in all"
[ "$RUNNING" = 0 ] ||
  echo "running: $RUNNING containers (sleep) of each runtime while every loop runs (bg-1..bg-$RUNNING)"
for s in "${specs[@]}"; do
  IFS="|" read -r label path _ _ _ args _ <<<"$s"
  printf '  %-16s %s %s(%s)\n' "$label" "$path" "${args:+$args }" "$("$path" --version 2>/dev/null | head -1)"
  printf '  %-16s cgroup work: %s\n' "" "$(cgroup_work "$label")"
done
[ "$features" = 0 ] || echo "  sysvisor-runc features: idmap-exclusive, shiftfs, fuse-procfs (sysvisor-fs), storage-paths"

raw=$work/samples.txt
errdir=$work/errors
mkdir -p "$errdir"
# every runtime turns on the cgroup2 root's controllers on v2: put them back as found
[ "$CG_MODE" != v2 ] || sv_cgroup2_keep
if [ "$CG_MODE" = hybrid ] && [ "$HOST_MOUNTS" = 0 ]; then
  bash "$0" --inner "$N" "$RSS_N" "$WIDTHS" "$raw" "$errdir" hybrid 0 "$RUNNING" "${specs[@]}"
else
  unshare -m --propagation private bash "$0" --inner "$N" "$RSS_N" "$WIDTHS" "$raw" "$errdir" \
    "$CG_MODE" "$HOST_MOUNTS" "$RUNNING" "${specs[@]}"
fi
# the host's own cgroup2 (hidden from the inner loops when unmounted there)
find /sys/fs/cgroup/unified -maxdepth 3 -type d \( -name 'id-*' -o -name 'rss-*' -o -name 'par-*' \
  -o -name 'bg-*' -o -name 'warmup-*' \) 2>/dev/null | sed 's/^/leftover /' >>"$raw" || true
[ -n "$RAW_OUT" ] && cp "$raw" "$RAW_OUT"

# ------------------------------------------------------------------ report
# stats KIND LABEL [COL] -> "runs fails median p90 min max", or nothing
stats() {
  awk -v k="$1" -v l="$2" '$1 == k && $2 == l && $3 != "FAIL" { print $3 }' "$raw" | sort -n |
    awk -v fails="$(awk -v k="$1" -v l="$2" '$1 == k && $2 == l && $3 == "FAIL"' "$raw" | wc -l)" '
      { v[NR] = $1 }
      END {
        n = NR
        if (n == 0) { printf "0 %d - - - -\n", fails; exit }
        med = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
        r = int(0.9 * n); if (r < 0.9 * n) r++; if (r < 1) r = 1
        printf "%d %d %.2f %.2f %.2f %.2f\n", n, fails, med, v[r], v[1], v[n]
      }'
}
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }'; }

# paired A B -> "pairs median": the median of A's run minus B's run of the same round (the
# runtimes take turns in each round, so the machine's drift over the run cancels out of each
# difference), ms; rounds where either failed are left out
paired() {
  awk -v a="$1" -v b="$2" '
    $1 == "lat" && $2 == a { av[++na] = $3 }
    $1 == "lat" && $2 == b { bv[++nb] = $3 }
    END {
      for (i = 1; i <= na && i <= nb; i++)
        if (av[i] != "FAIL" && bv[i] != "FAIL") print av[i] - bv[i]
    }' "$raw" | sort -g |
    awk '
      { d[NR] = $1 }
      END {
        n = NR
        if (n == 0) { print "0 -"; exit }
        printf "%d %+.2f\n", n, (n % 2) ? d[(n + 1) / 2] : (d[n / 2] + d[n / 2 + 1]) / 2
      }'
}

bench_fail=0
echo
echo "run of true (ms)"
printf '%-16s %5s %5s %10s %10s %10s %10s\n' runtime runs fail median_ms p90_ms min_ms max_ms
declare -A MED P90 RSS PC PD PG
labels=()
for s in "${specs[@]}"; do
  label=${s%%|*}
  # (a runtime that could not run here at all: its line follows the table)
  ! awk -v l="$label" '$1 == "refused" && $2 == l { f = 1 } END { exit !f }' "$raw" || continue
  labels+=("$label")
  read -r runs fails med p90 min max <<<"$(stats lat "$label")"
  printf '%-16s %5s %5s %10s %10s %10s %10s\n' "$label" "$runs" "$fails" "$med" "$p90" "$min" "$max"
  MED[$label]=$med P90[$label]=$p90
  [ "$fails" = 0 ] || bench_fail=1
done
for m in "${missing[@]}"; do
  echo "$m: not found"
done
while read -r _ label line; do
  echo "$label: not run: its first run failed on this host's layout: $line"
  left=$(awk -v l="$label" '$1 == "refused-left" && $2 == l { $1 = $2 = ""; print substr($0, 3) }' \
    "$raw")
  [ -z "$left" ] || echo "  (that run left $left behind: removed)"
done < <(awk '$1 == "refused"' "$raw")

if [ "$RSS_N" != 0 ]; then
  echo
  echo "peak RSS of run (KB, GNU time maxrss: the runtime and the processes it waited for)"
  printf '%-16s %5s %5s %10s %10s\n' runtime runs fail median_kb max_kb
  for label in "${labels[@]}"; do
    read -r runs fails med _ _ max <<<"$(stats rss "$label")"
    printf '%-16s %5s %5s %10s %10s\n' "$label" "$runs" "$fails" "${med%.00}" "${max%.00}"
    RSS[$label]=$med
    [ "$fails" = 0 ] || bench_fail=1
  done
fi

if [ -n "$WIDTHS" ]; then
  echo
  echo "parallel: P \`run -d\` (sleep) at once, then P \`delete -f\` at once (ms, failures);"
  echo "gone_ms: until the last of the P containers' inits had ended"
  printf '%-16s %5s %10s %6s %10s %6s %10s\n' runtime P create_ms fail delete_ms fail gone_ms
  while read -r _ label p c cf d df g; do
    printf '%-16s %5s %10s %6s %10s %6s %10s\n' "$label" "$p" "$c" "$cf" "$d" "$df" "$g"
    PC[$label/$p]=$c PD[$label/$p]=$d PG[$label/$p]=$g
    # (a phase that printed nothing died: a bench bug, not a runtime's figure)
    [ -n "$g" ] && [ $((cf + df)) = 0 ] || bench_fail=1
  done < <(awk '$1 == "par"' "$raw")
fi

# ratios A B: every figure of A over B's, all measured in this run
ratios() {
  local a=$1 b=$2 p
  [ -n "${MED[$a]:-}" ] && [ -n "${MED[$b]:-}" ] || return 0
  printf 'ratio %s/%s: run median %s  p90 %s' "$a" "$b" "$(div "${MED[$a]}" "${MED[$b]}")" \
    "$(div "${P90[$a]}" "${P90[$b]}")"
  [ "$RSS_N" = 0 ] || printf '  peak RSS %s' "$(div "${RSS[$a]:--}" "${RSS[$b]:--}")"
  for p in $WIDTHS; do
    printf '  %s-parallel create %s delete %s (gone %s)' "$p" \
      "$(div "${PC[$a/$p]:--}" "${PC[$b/$p]:--}")" "$(div "${PD[$a/$p]:--}" "${PD[$b/$p]:--}")" \
      "$(div "${PG[$a/$p]:--}" "${PG[$b/$p]:--}")"
  done
  echo
  read -r pairs diff <<<"$(paired "$a" "$b")"
  printf 'paired %s - %s: run %s ms (median of the per-round differences, %s rounds)\n' "$a" "$b" \
    "$diff" "$pairs"
}
echo
if [ ${#user_rts[@]} -eq 0 ]; then
  ratios sysvisor-runc crun
  ratios sysvisor-runc "crun-$CGV"
  ratios sysvisor-runc runc
  ratios runc crun
  ratios runc "crun-$CGV"
else
  for ((a = 0; a < ${#labels[@]}; a++)); do
    for ((b = a + 1; b < ${#labels[@]}; b++)); do ratios "${labels[a]}" "${labels[b]}"; done
  done
fi

if grep -q '^bg ' "$raw"; then
  echo "running containers that did not start (--running):" \
    "$(awk '$1 == "bg" { print $2 }' "$raw" | sort | uniq -c | awk '{ printf "%s %s; ", $2, $1 }')" >&2
  bench_fail=1
fi
for label in "${labels[@]}"; do
  if [ -s "$errdir/$label.err" ]; then
    echo "$label wrote errors; last:" >&2
    tail -n 1 "$errdir/$label.err" | sed 's/^/  /' >&2
  fi
done
if grep -q '^leftover ' "$raw"; then
  echo "LEFT BEHIND (cgroup directories of the bench's containers):" >&2
  grep '^leftover ' "$raw" | sed 's/^leftover /  /' >&2
  bench_fail=1
else
  echo "left behind: nothing (no cgroup directory of the bench's containers in any hierarchy)"
fi
if [ "$CG_MODE" = v2 ] && ! sv_cgroup2_restore; then
  echo "LEFT BEHIND: controllers turned on in the cgroup2 root could not be turned off" >&2
  bench_fail=1
fi
[ "$bench_fail" = 0 ] || { echo "start-bench: a row failed or left something behind: a bench bug" >&2; exit 1; }
