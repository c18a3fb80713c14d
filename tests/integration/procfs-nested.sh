#!/bin/bash
# procfs-nested: a procfs or sysfs mounted by root inside a system container (a nested
# container: `unshare -p -f --mount-proc`, inner runc) gets sysvisor-fs's emulated files too:
# the inner /proc/meminfo shows the container's memory limit (256 MiB), not the host's, the
# inner /proc/uptime counts from the inner pid namespace's init, /proc/cpuinfo and a new
# sysfs's cpu/online show the container's one cpu.  A nested child with its own memory
# cgroup limit sees that limit.  Mount options, relative targets and errors are the caller's;
# other filesystems (tmpfs) mount as before; fsopen() answers ENOSYS (any type:
# the new mount API is off in supervised containers); bad pointers get EFAULT from the kernel.  (Inner Docker: syscont-docker-in-docker.sh.)
set -eu
. "$(dirname "$0")/procfs-lib.sh"

procfs_start_daemon
procfs_use_plugins
[ "$(nproc)" -ge 2 ] || sv_skip "needs 2 cpus (the container gets cpu 0 only)"
b=$SV_TEST_TMP/bb
procfs_bundle "$b" sh -c '
  sleep 3
  echo "outer-uptime: $(cut -d. -f1 /proc/uptime)"
  unshare -p -f --mount-proc sh -c "
    echo \"inner-mem: \$(grep MemTotal /proc/meminfo)\"
    echo \"inner-uptime: \$(cut -d. -f1 /proc/uptime)\"
    echo \"inner-cpus: \$(grep -c ^processor /proc/cpuinfo)\"
    tr \"\\\\0\" \" \" </proc/1/cmdline | grep -q inner-mem && echo \"inner-pid1: own\""
  unshare -m -n sh -c "mount -t sysfs -o ro sys /sys && echo \"inner-sys-online: \$(cat /sys/devices/system/cpu/online)\""
  mkdir -p /tmp/p && cd /tmp && mount -t proc -o hidepid=2 p p &&
    grep -q " /tmp/p .*hidepid=" /proc/self/mountinfo && echo "relative-with-options: ok" &&
    echo "new-proc-meminfo: $(grep MemTotal /tmp/p/meminfo)"
  mount -t proc proc /nonexistent 2>/dev/null || echo "missing-target: refused"
  mount -t proc -o hidepid=nonsense proc /tmp/p 2>/dev/null || echo "bad-option: refused"
  mount -t tmpfs t /mnt && touch /mnt/f && echo "tmpfs: ok"
  echo "fsopen-proc: $(/sv-probe try fsopen-proc)"
  echo "fsopen-tmpfs: $(/sv-probe try fsopen-tmpfs)"
  echo "bad-target: $(/sv-probe try mount-proc-bad-target)"
  echo "bad-fstype: $(/sv-probe try mount-bad-fstype)"
  if mkdir /sys/fs/cgroup/memory/inner 2>/dev/null; then
    echo 67108864 >/sys/fs/cgroup/memory/inner/memory.limit_in_bytes
    sh -c "echo \$\$ >/sys/fs/cgroup/memory/inner/cgroup.procs &&
      unshare -p -f --mount-proc grep MemTotal /proc/meminfo" | sed "s/^/inner-cgroup-/"
    rmdir /sys/fs/cgroup/memory/inner
  fi
  exit 0'
sv_spec_set "$b" 'del(.linux.seccomp)
  | .process.capabilities = ({bounding: $caps, effective: $caps, permitted: $caps})' \
  --argjson caps '["CAP_SYS_ADMIN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_CHOWN", "CAP_KILL"]'
out=$(sv_rt run --bundle "$b" "$SV_ID-nest" </dev/null 2>"$SV_TEST_TMP/err") ||
  sv_fail "run failed: $out $(cat "$SV_TEST_TMP/err")"
sv_log "inside:"$'\n'"$out"$'\n'"stderr: $(cat "$SV_TEST_TMP/err")"

field() { sed -n "s/^$1: //p" <<<"$out"; }
assert_match '^MemTotal: +262144 kB$' "$(field inner-mem)" "MemTotal in a nested pid namespace's /proc"
assert_match '^MemTotal: +262144 kB$' "$(field new-proc-meminfo)" "MemTotal in a second procfs"
outer=$(field outer-uptime) inner=$(field inner-uptime)
[ -n "$outer" ] && [ -n "$inner" ] && [ "$outer" -ge 3 ] && [ "$inner" -le 1 ] ||
  sv_fail "uptime: outer $outer s (want >= 3), nested $inner s (want <= 1: since its init)"
assert_eq 1 "$(field inner-cpus)" "processors in the nested /proc/cpuinfo"
assert_eq own "$(field inner-pid1)" "pid 1 of the nested /proc (its own pid namespace)"
assert_eq 0 "$(field inner-sys-online)" "cpu/online of a sysfs mounted inside"
for line in "relative-with-options: ok" "missing-target: refused" "bad-option: refused" "tmpfs: ok"; do
  grep -qxF "$line" <<<"$out" || sv_fail "expected the line '$line' inside"
done
assert_match '^error ENOSYS' "$(field fsopen-proc)" "fsopen(\"proc\") (tools fall back to mount(2))"
assert_match '^error ENOSYS' "$(field fsopen-tmpfs)" "fsopen(\"tmpfs\") (the whole new mount API: procfs-immutable)"
assert_match '^error EFAULT' "$(field bad-target)" "mount of proc on a bad pointer"
assert_match '^error EFAULT' "$(field bad-fstype)" "mount with a bad fstype pointer"
if grep -q '^inner-cgroup-' <<<"$out"; then
  assert_match '^inner-cgroup-MemTotal: +65536 kB$' "$(grep '^inner-cgroup-' <<<"$out")" \
    "MemTotal of a nested container in its own 64 MiB memory cgroup"
else
  sv_log "note: no writable memory cgroup inside; the inner limit is checked by syscont-docker-in-docker"
fi
sv_log "ok: procfs and sysfs mounted inside get the emulated files"
