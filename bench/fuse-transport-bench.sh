#!/bin/bash
# bench/fuse-transport-bench.sh [BUILD_DIR] [-r ROUNDS] [-t SECONDS] - what the kernel's FUSE
# transport alone costs a read: bench/fuse-transport serving one 26-byte file over /dev/fuse
# (one listening thread, as sysvisor-fs listens) against over io_uring (one thread and ring per
# CPU, the kernel queueing each request on its caller's CPU).  Three loads, the transports
# alternating ROUNDS times (default 2) for SECONDS each (default 4): one reader in a tight
# loop; 50 readers in tight loops; 50 readers paced to 50 reads/s each.  Readers are pinned to
# cpu 0, as procfs-bench's containers are.  Prints reads/s and the server's CPU per read of
# each, and the ratios io_uring/dev.  Then, for each transport, a restart with a read in
# flight: the server that took the read is killed and the next one sends FUSE_NOTIFY_RESEND;
# "answered" or "lost" (what sysvisor-fs's no-lost-read promise needs).  See bench/README.md.
#
# io_uring needs kernel >= 6.14 with CONFIG_FUSE_IO_URING and the fuse module's host-wide
# parameter enable_uring: the bench sets it to Y for its io_uring runs only and puts back the
# value it found (checked at the end).  Needs root and /dev/fuse.
set -euo pipefail
BUILD=build ROUNDS=2 SECS=4
while [ $# -gt 0 ]; do
  case $1 in
    -r) ROUNDS=$2; shift 2 ;;
    -t) SECS=$2; shift 2 ;;
    -h|--help) sed -n '2,13s/^# \{0,1\}//p' "$0"; exit 0 ;;
    -*) echo "fuse-transport-bench: unknown option $1; see --help" >&2; exit 2 ;;
    *) BUILD=$1; shift ;;
  esac
done
BIN=$(readlink -f "$BUILD")/plugins/fuse-procfs/fuse-transport
LOOP=$(readlink -f "$BUILD")/plugins/fuse-procfs/procfs-read-loop   # the readers (-t, -R)
PARAM=/sys/module/fuse/parameters/enable_uring
[ "$(id -u)" = 0 ] || { echo "fuse-transport-bench: must run as root" >&2; exit 2; }
[ -x "$BIN" ] && [ -x "$LOOP" ] || { echo "fuse-transport-bench: $BIN missing; build first (meson compile -C $BUILD)" >&2; exit 2; }
[ -f "$PARAM" ] || { echo "fuse-transport-bench: this kernel has no FUSE over io_uring ($PARAM missing: needs 6.14+ with CONFIG_FUSE_IO_URING)" >&2; exit 2; }

TMP=$(mktemp -d /tmp/fuse-transport.XXXXXX)
MNT=$TMP/mnt
ORIG=$(cat "$PARAM")
mkdir "$MNT"
cleanup() {   # (one_run runs in a subshell: the server's pid is in a file)
  [ ! -s "$TMP/server.pid" ] || kill "$(cat "$TMP/server.pid")" 2>/dev/null || true
  umount -l "$MNT" 2>/dev/null || true
  echo "$ORIG" >"$PARAM"
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# one_run TRANSPORT READERS RATE (reads/s per reader, 0: a tight loop): prints "reads cpu_s ring_requests requests".
one_run() {
  local transport=$1 readers=$2 rate=$3 i server pids=()
  if [ "$transport" = uring ]; then echo Y >"$PARAM"; else echo "$ORIG" >"$PARAM"; fi
  "$BIN" serve "$MNT" "$transport" >"$TMP/server" &
  server=$!
  echo "$server" >"$TMP/server.pid"
  for i in $(seq 50); do mountpoint -q "$MNT" && break; sleep 0.1; done
  cat "$MNT/f" >/dev/null   # INIT and the lookup, not timed
  sleep 0.3                 # the rings registered
  for ((i = 0; i < readers; i++)); do
    taskset -c 0 "$LOOP" -t "$SECS" -R "$rate" "$MNT/f" >"$TMP/reader.$i" &
    pids+=($!)
  done
  wait "${pids[@]}"
  kill "$server"
  wait "$server" || true
  : >"$TMP/server.pid"
  umount "$MNT"
  echo "$ORIG" >"$PARAM"
  awk '{ r += $1 } END { printf "%d ", r }' "$TMP"/reader.*
  awk '{ print $6, $4, $2 }' "$TMP/server"
  rm -f "$TMP"/reader.*
}

printf '# FUSE transport: one 26-byte file, direct I/O; readers pinned to cpu 0; %d rounds of %s s, alternated; kernel %s, %d CPUs\n' \
  "$ROUNDS" "$SECS" "$(uname -r)" "$(nproc)"
printf '%-28s %-6s %9s %12s %11s\n' load transport reads/s cpu_us/read via_ring
bad=0
for load in "1 0 one reader, tight" "50 0 50 readers, tight" "50 50 50 readers, 50/s each"; do
  read -r readers rate label <<<"$load"
  declare -A reads=() cpu=()
  for ((r = 0; r < ROUNDS; r++)); do
    for t in dev uring; do
      read -r n c ring total <<<"$(one_run "$t" "$readers" "$rate")"
      reads[$t]=$(( ${reads[$t]:-0} + n ))
      cpu[$t]=$(awk -v a="${cpu[$t]:-0}" -v b="$c" 'BEGIN { print a + b }')
      if [ "$t" = uring ] && [ "$ring" -lt $((total / 2)) ]; then
        echo "fuse-transport-bench: the io_uring run answered only $ring of $total requests through its rings" >&2
        bad=1
      fi
      [ "$n" -gt 0 ] || { echo "fuse-transport-bench: no read completed ($t, $label)" >&2; bad=1; }
    done
  done
  for t in dev uring; do
    printf '%-28s %-6s %9.0f %12.1f %11s\n' "$label" "$t" \
      "$(awk -v n="${reads[$t]}" -v s="$((SECS * ROUNDS))" 'BEGIN { print n / s }')" \
      "$(awk -v c="${cpu[$t]}" -v n="${reads[$t]}" 'BEGIN { print n ? c * 1e6 / n : 0 }')" \
      "$([ "$t" = uring ] && echo yes || echo no)"
  done
  printf '%-28s ratio uring/dev: reads/s %.2f, cpu per read %.2f\n' "$label" \
    "$(awk -v a="${reads[uring]}" -v b="${reads[dev]}" 'BEGIN { print b ? a / b : 0 }')" \
    "$(awk -v a="${cpu[uring]}" -v b="${cpu[dev]}" -v ra="${reads[uring]}" -v rb="${reads[dev]}" \
       'BEGIN { print (rb && ra && b) ? (a / ra) / (b / rb) : 0 }')"
done
for t in dev uring; do
  if [ "$t" = uring ]; then echo Y >"$PARAM"; fi
  "$BIN" resend "$MNT" "$t" || { echo "fuse-transport-bench: the resend run ($t) did not hold a read" >&2; bad=1; }
  echo "$ORIG" >"$PARAM"
done
[ "$(cat "$PARAM")" = "$ORIG" ] || { echo "fuse-transport-bench: $PARAM is $(cat "$PARAM"), not $ORIG as found" >&2; bad=1; }
[ "$bad" = 0 ] || { echo "fuse-transport-bench: a row failed: a bench bug" >&2; exit 1; }
