#!/bin/bash
# docker-words-view: what a system container's tools see (issue 19, items 4-6; README "What
# the container sees").  A Debian container with procfs = fuse-procfs:
#  - under a CPU quota of 1 CPU and no cpuset, coreutils nproc, getconf, /proc/cpuinfo,
#    /sys/devices/system/cpu/online and the cpuN lines of /proc/stat agree: all the CPUs the
#    container may run on (the quota is CPU time, not CPUs); under cpuset "0" all say 1;
#  - the daemon serves the sysctls the host's kernel has, each one inside the container too;
#    the ones the host lacks (kernel/sysrq without CONFIG_MAGIC_SYSRQ) are not served, so no
#    mount is made for them, and the daemon's log names them;
#  - /proc and /sys are owned by the overflow id 65534 (their owner, host root, is not mapped
#    into the container), everything of the image, /proc/1 and /sys/fs/cgroup by container
#    root 0.
set -eu
. "$(dirname "$0")/procfs-lib.sh"

procfs_start_daemon
procfs_use_plugins
host_nproc=$(nproc)
b=$SV_TEST_TMP/debian
script='
  echo "nproc: $(nproc)"
  echo "getconf: $(getconf _NPROCESSORS_ONLN)"
  echo "cpuinfo: $(grep -c ^processor /proc/cpuinfo)"
  online=$(cat /sys/devices/system/cpu/online)
  case $online in *-*) echo "online: $(( ${online#*-} - ${online%-*} + 1 ))" ;; *) echo "online: 1" ;; esac
  echo "stat_cpus: $(grep -c "^cpu[0-9]" /proc/stat)"
  for f in SYSCTLS; do [ -e /proc/sys/$f ] && echo "sysctl: $f yes" || echo "sysctl: $f no"; done
  for p in / /etc /usr /proc /sys /proc/1 /sys/fs/cgroup; do echo "owner $p: $(stat -c %u:%g $p)"; done'
sysctls=$(cd "$PROCFS_MNT/proc/sys" && find . -type f | sed 's|^\./||' | sort | tr '\n' ' ')
[ -n "$sysctls" ] || sv_fail "the daemon serves no proc/sys entries"
script=${script/SYSCTLS/$sysctls}
procfs_bundle --debian "$b" sh -c "$script"
field() { awk -v k="$1: " 'index($0, k) == 1 { print substr($0, length(k) + 1); exit }' <<<"$out"; }

# 1. A quota of one CPU, no cpuset: every tool counts the CPUs it may run on.
sv_spec_set "$b" 'del(.linux.resources.cpu.cpus) | .linux.resources.cpu.quota = 100000 | .linux.resources.cpu.period = 100000'
out=$(sv_rt run --bundle "$b" "$SV_ID-quota" </dev/null 2>"$SV_TEST_TMP/err") ||
  sv_fail "run failed: $(cat "$SV_TEST_TMP/err")"
sv_log "quota of 1 CPU:"$'\n'"$out"
for what in nproc getconf cpuinfo online stat_cpus; do
  assert_eq "$host_nproc" "$(field "$what")" "--cpus 1 (a quota): $what counts the CPUs the container may run on"
done

# 2. cpuset "0": every tool says 1.
sv_spec_set "$b" '.linux.resources.cpu.cpus = "0"'
out=$(sv_rt run --bundle "$b" "$SV_ID-cpuset" </dev/null 2>"$SV_TEST_TMP/err") ||
  sv_fail "run failed: $(cat "$SV_TEST_TMP/err")"
for what in nproc getconf cpuinfo online stat_cpus; do
  assert_eq 1 "$(field "$what")" "cpuset 0: $what"
done

# 3. Served sysctls are the host's, and each is inside; the ones the host lacks are named in the
#    log and not served (no mount tree is made for a file the container's procfs lacks).
for f in $sysctls; do
  assert_ok test -e "/proc/sys/$f"
  assert_eq "$f yes" "$(grep "^sysctl: $f " <<<"$out" | sed 's/^sysctl: //')" "/proc/sys/$f inside as on the host"
done
absent=$(sed -n "s/.*not serving \/proc\/sys entries this host's kernel lacks: \([^;]*\);.*/\1/p" "$PROCFS_LOG" | tr -d ,)
for f in $absent; do
  assert_fail test -e "/proc/sys/$f"
  assert_fail test -e "$PROCFS_MNT/proc/sys/$f"
  sv_log "not served, as the host lacks it: $f"
done
if [ ! -e /proc/sys/kernel/sysrq ]; then
  assert_match "(^| )kernel/sysrq( |$)" "$absent" "the daemon's log names kernel/sysrq, which this host lacks"
fi
[ -n "$absent" ] || sv_log "this host has every sysctl of the table (none to report absent)"

# 4. Owners at the top of the tree.
for p in / /etc /usr /proc/1 /sys/fs/cgroup; do assert_eq 0:0 "$(field "owner $p")" "$p is container root's"; done
for p in /proc /sys; do assert_eq 65534:65534 "$(field "owner $p")" "$p shows the overflow id (host root, unmapped)"; done
sv_log "ok: nproc, cpuinfo, online and stat agree; absent sysctls are named; owners as documented"
