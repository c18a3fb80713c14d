#!/bin/bash
# tests/soak/leak-check.sh [N]: N container lifecycles (default 1000), five kinds in turn:
#   run      `run` of a command that reads the emulated /proc files, in the foreground
#   cycle    create, start, kill, delete
#   exec     run -d, exec a /proc reader, delete --force
#   pause    create, start, pause, resume, delete --force
#   bad      a create that must fail (bad JSON, a missing rootfs, an invalid id, a missing
#            binary, in turn)
# with idmap-exclusive, shiftfs and fuse-procfs (a private sysvisor-fs) as a system container
# gets them by default.  After every lifecycle the id has no state, cgroup or range left; every
# 50 lifecycles and at the end nothing at all is left (soak-lib.sh: mounts, cgroups, ranges,
# state dirs, lib dirs, processes, sysvisor-fs fds and the containers it knows), and
# sysvisor-fs's RSS grows by at most SOAK_RSS_SLACK_KB (default 2048) from the baseline taken
# after the first 10% of lifecycles.  Prints one result line; exit 0 when nothing leaked.
# Needs root; takes about 1 s per lifecycle.
set -euo pipefail
. "$(dirname "$0")/soak-lib.sh"

N=${1:-1000}
SLACK=${SOAK_RSS_SLACK_KB:-2048}
[[ $N =~ ^[0-9]+$ ]] && [ "$N" -ge 5 ] || sv_fail "usage: $0 [N]: N is a number of lifecycles, at least 5"

soak_setup 16
readers='cat /proc/uptime /proc/meminfo /proc/cpuinfo /proc/stat /proc/loadavg /proc/swaps /proc/diskstats /sys/devices/system/cpu/online >/dev/null'
b_run=$SV_TEST_TMP/b-run b_sleep=$SV_TEST_TMP/b-sleep b_bad=$SV_TEST_TMP/b-bad
soak_bundle "$b_run" sh -c "$readers && grep -q 'MemTotal: *262144 kB' /proc/meminfo"
soak_bundle "$b_sleep" sleep 100000
mkdir -p "$b_bad"
base=$SV_TEST_TMP/base
soak_snapshot >"$base"
log=$SV_TEST_TMP/lifecycle.log

# id_gone ID: nothing of ID is left (cheap check after each lifecycle).
id_gone() {
  local id=$1
  [ ! -e "$SV_ROOT/$id" ] || sv_fail "$id: state dir left"
  [ -z "$(find /sys/fs/cgroup -mindepth 2 -maxdepth 6 -type d -name "$id" 2>/dev/null)" ] \
    || sv_fail "$id: cgroup left: $(find /sys/fs/cgroup -mindepth 2 -maxdepth 6 -type d -name "$id")"
  ! soak_ranges | grep -q " $id\$" || sv_fail "$id: range left in the table"
}

rt() {   # rt ARGS...: the runtime, output to the log; fails the test with it
  sv_rt "$@" </dev/null >>"$log" 2>&1 || sv_fail "sysvisor-runc $* failed: $(tail -n 5 "$log")"
}

lc_run() {
  rt run --bundle "$b_run" "$1"
}

# The counters see a container that exists (else "0 leaks" would prove nothing).
counters_see() {
  local seen k
  seen=$(SOAK_QUICK=1 soak_leaks "$base")
  for k in cgroups ranges states procs; do
    grep -q "^$k " <<<"$seen" || sv_fail "the leak counters do not see $k of a live container: $seen"
  done
}

lc_cycle() {
  rt create --bundle "$b_sleep" "$1"
  [ "$i" != 1 ] || counters_see
  rt start "$1"
  rt kill "$1" KILL
  soak_wait_status "$1" stopped || sv_fail "$1 did not stop after kill"
  rt delete "$1"
}

lc_exec() {
  rt run -d --bundle "$b_sleep" "$1"
  rt exec "$1" sh -c "$readers"
  rt delete --force "$1"
}

lc_pause() {
  rt create --bundle "$b_sleep" "$1"
  rt start "$1"
  rt pause "$1"
  [ "$(soak_state "$1")" = paused ] || sv_fail "$1 is $(soak_state "$1") after pause"
  rt resume "$1"
  [ "$(soak_state "$1")" = running ] || sv_fail "$1 is $(soak_state "$1") after resume"
  rt delete --force "$1"
}

lc_bad() {
  local id=$1 rc=0 out
  rm -rf "${b_bad:?}"/*
  case $(( (i / 5) % 4 )) in
    0) echo '{"ociVersion": "1.0.2", "process": ' >"$b_bad/config.json" ;;
    1) cp "$b_sleep/config.json" "$b_bad/config.json" ;;             # no rootfs next to it
    2) id="$id/../x" ;;
    3) cp "$b_sleep/config.json" "$b_bad/config.json"
       ln -s "$b_sleep/rootfs" "$b_bad/rootfs"             # fails late: in the init
       sv_spec_set "$b_bad" '.process.args = ["/no/such/binary"]' ;;
  esac
  out=$(sv_rt create --bundle "$b_bad" "$id" </dev/null 2>&1) || rc=$?
  [ "$rc" != 0 ] || sv_fail "create of a bad bundle ($(( (i / 5) % 4 ))) succeeded"
  [ "$(printf '%s\n' "$out" | grep -c .)" = 1 ] || sv_fail "bad input: not one error line: $out"
  [ -z "$(sv_rt list -q)" ] || sv_fail "a failed create left $(sv_rt list -q)"
}

kinds=(run cycle exec pause bad)
declare -A done_kind=()
rss_base=""
rss_series=""
t0=$(date +%s)
for ((i = 0; i < N; i++)); do
  kind=${kinds[i % 5]}
  id=$SV_ID-$kind-$i
  ts=$(date +%s%N); "lc_$kind" "$id"; [ -z "${SOAK_TRACE:-}" ] || sv_log "$kind $(( ($(date +%s%N) - ts) / 1000000 )) ms"
  id_gone "$id"
  done_kind[$kind]=$(( ${done_kind[$kind]:-0} + 1 ))
  if [ -z "$rss_base" ] && [ "$i" -ge $(( N / 10 )) ]; then
    rss_base=$(soak_svfs_field VmRSS) anon_base=$(soak_svfs_field RssAnon)
  fi
  if [ $(( (i + 1) % 50 )) = 0 ] || [ $((i + 1)) = "$N" ]; then
    soak_assert_clean "$base" "after $((i + 1)) lifecycles"
    rss_series="$rss_series $(soak_svfs_field VmRSS)"
    sv_log "$((i + 1))/$N lifecycles, nothing left; sysvisor-fs RSS ${rss_series##* } kB, fds $(soak_svfs_fds)"
  fi
done
t1=$(date +%s)
rss_end=$(soak_svfs_field VmRSS) anon_end=$(soak_svfs_field RssAnon)
summary=$(for k in "${kinds[@]}"; do printf '%s=%s ' "$k" "${done_kind[$k]:-0}"; done)
result="leak-check: $N lifecycles (${summary% }) in $((t1 - t0)) s: 0 leaks (mounts, cgroups, ranges, state dirs, lib dirs, processes, sysvisor-fs fds $(soak_svfs_fds), sysvisor-fs containers $(soak_svfs_known)); sysvisor-fs RSS ${rss_base} kB after $((N / 10 + 1)) -> ${rss_end} kB after $N (every 50:${rss_series}), of it anonymous ${anon_base} -> ${anon_end} kB"
[ "$rss_end" -le $((rss_base + SLACK)) ] \
  || sv_fail "sysvisor-fs RSS grew from $rss_base kB to $rss_end kB (> $SLACK kB): ${result}"
echo "$result"
