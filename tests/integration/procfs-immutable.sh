#!/bin/bash
# procfs-immutable: the mounts the runtime made are immutable for root inside (issue 13,
# item 2).  Root with CAP_SYS_ADMIN in a system container (procfs = fuse-procfs) tries to
# unmount the emulated /proc files (then it would see the host's MemTotal), to move them, to
# mount over them, to unmount masked paths, to remount a read-only path read-write, to bind
# /proc without its submounts, to unmount /proc, to unmount from a chroot: each is refused with EPERM and
# /proc/meminfo still shows the 256 MiB limit; the same in a nested mount namespace
# (unshare -m).  No-op and stricter remounts succeed; a tmpfs the container mounted itself is
# its own (remount, move, unmount); pivot_root + detach of the old root in a nested mount
# namespace (what runc inside does) works.  Through Docker (--runtime=sysvisor-runc) and a
# bundle (sysvisor-runc run).  immutable-mounts = no gives the kernel's behaviour back.
set -eu
. "$(dirname "$0")/procfs-lib.sh"
. "$SV_LIB_DIR/docker.sh"

# The attempts, run as root inside (the functions travel in the environment as $F): each
# prints "NAME: refused|allowed"; then what the views show.
funcs='
t() {
  n=$1; shift
  if "$@" 2>/tmp/err; then echo "$p$n: allowed"; else echo "$p$n: refused"; sed "s/^/$p$n: /" /tmp/err >&2; fi
}
attempts() {
  mkdir -p /tmp/d /tmp/p; : >/tmp/f
  t umount-meminfo umount /proc/meminfo
  t umount-l-uptime umount -l /proc/uptime
  t bind-over-cpuinfo mount --bind /tmp/f /proc/cpuinfo
  t tmpfs-over-acpi mount -t tmpfs x /proc/acpi
  t move-meminfo mount --move /proc/meminfo /tmp/f
  t umount-acpi umount /proc/acpi
  t umount-keys umount /proc/keys
  t remount-rw-bus mount -o remount,rw /proc/bus
  t bind-remount-rw-bus mount -o remount,bind,rw /proc/bus
  t bind-proc-alone mount --bind /proc /tmp/p
  t umount-l-proc umount -l /proc
  t chroot-umount-meminfo chroot /proc /1/root/bin/busybox umount -l /meminfo
  mkdir -p /tmp/b && mount --bind /proc/bus /tmp/b
  t copy-remount-rw mount -o remount,rw /tmp/b
  t copy-umount umount /tmp/b
  t remount-ro-bus mount -o remount,ro /proc/bus
  t bind-remount-ro-meminfo mount -o remount,bind,ro,nosuid,nodev /proc/meminfo
  t rbind-proc mount --rbind /proc /tmp/p
  echo "${p}rbind-memtotal: $(awk "/^MemTotal:/ { print \$2 }" /tmp/p/meminfo)"
  umount -l /tmp/p 2>/dev/null
  echo "${p}memtotal: $(awk "/^MemTotal:/ { print \$2 }" /proc/meminfo)"
  echo "${p}uptime-mounted: $(grep -c " /proc/uptime " /proc/self/mountinfo)"
  echo "${p}bus-ro: $(grep " /proc/bus " /proc/self/mountinfo | grep -c " ro,")"
  echo "${p}acpi-mounts: $(grep -c " /proc/acpi " /proc/self/mountinfo)"
}
own() {
  mkdir -p /tmp/own /tmp/own2
  # (ramfs: busybox passes the options of a tmpfs back, uid=<host uid>, which the kernel refuses)
  t own-ramfs mount -t ramfs own /tmp/own
  t own-remount-ro mount -o remount,ro /tmp/own
  t own-remount-rw mount -o remount,rw /tmp/own
  t own-move mount --move /tmp/own /tmp/own2
  t own-umount umount /tmp/own2
}
pivot() {
  mkdir -p /tmp/nr && mount -t tmpfs nr /tmp/nr && mkdir /tmp/nr/old /tmp/nr/bin &&
    cp /bin/busybox /tmp/nr/bin/ && cd /tmp/nr && pivot_root . old &&
    /bin/busybox umount -l /old && echo "${p}pivot-detach: allowed"
}'
script='eval "$F"; p=; attempts; own; unshare -m sh -c "eval \"\$F\"; p=nested-; attempts; pivot"'

expect_immutable() {   # expect_immutable WHERE OUTPUT
  local where=$1 out=$2 pre line
  for pre in "" nested-; do
    for line in umount-meminfo umount-l-uptime bind-over-cpuinfo tmpfs-over-acpi move-meminfo \
                umount-acpi umount-keys remount-rw-bus bind-remount-rw-bus bind-proc-alone \
                umount-l-proc chroot-umount-meminfo copy-remount-rw; do
      grep -qxF "$pre$line: refused" <<<"$out" || sv_fail "$where: $pre$line was not refused"
    done
    for line in remount-ro-bus bind-remount-ro-meminfo rbind-proc copy-umount; do
      grep -qxF "$pre$line: allowed" <<<"$out" || sv_fail "$where: $pre$line (no lifting) failed"
    done
    for line in "memtotal: 262144" "rbind-memtotal: 262144" "uptime-mounted: 1" "bus-ro: 1" \
                "acpi-mounts: 1"; do
      grep -qxF "$pre$line" <<<"$out" || sv_fail "$where: expected '$pre$line'"
    done
  done
  for line in own-ramfs own-remount-ro own-remount-rw own-move own-umount nested-pivot-detach; do
    grep -qxF "$line: allowed" <<<"$out" || sv_fail "$where: $line failed (the container's own mounts)"
  done
  sv_log "ok ($where): the runtime's mounts are immutable, the container's own are its own"
}

procfs_start_daemon
procfs_use_plugins

# 1. A bundle: root with CAP_SYS_ADMIN, no seccomp profile at all.
caps='["CAP_SYS_ADMIN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_CHOWN", "CAP_SYS_CHROOT"]'
b=$SV_TEST_TMP/bb
procfs_bundle "$b" sh -c "$script"
sv_spec_set "$b" 'del(.linux.seccomp) | .process.env += ["F=" + $f]
  | .process.capabilities = ({bounding: $caps, effective: $caps, permitted: $caps})' \
  --arg f "$funcs" --argjson caps "$caps"
out=$(sv_rt run --bundle "$b" "$SV_ID-imm" </dev/null 2>"$SV_TEST_TMP/err") ||
  sv_fail "run failed: $out $(cat "$SV_TEST_TMP/err")"
sv_log "bundle, inside:"$'\n'"$out"$'\n'"stderr: $(cat "$SV_TEST_TMP/err")"
expect_immutable bundle "$out"

# A restart in place of sysvisor-fs keeps what it recorded: after it, an exec'd process still
# cannot unmount the runtime's /proc/meminfo, and can unmount the tmpfs the container mounted
# before the restart (it is not taken for one of the runtime's).
# A bind mount whose path has a space (mountinfo escapes it as \040) is recorded as the
# runtime's too.
procfs_bundle "$b" sh -c 'mkdir -p /tmp/own && mount -t ramfs own /tmp/own && touch /tmp/ready && exec sleep 1000'
mkdir -p "$SV_TEST_TMP/priv/spaced src" && chmod 0700 "$SV_TEST_TMP/priv"
sv_spec_set "$b" 'del(.linux.seccomp)
  | .process.capabilities = ({bounding: $caps, effective: $caps, permitted: $caps})
  | .mounts += [{destination: "/mnt/a dir", type: "bind", source: $src, options: ["rbind", "ro"]}]' \
  --argjson caps "$caps" --arg src "$SV_TEST_TMP/priv/spaced src"
rm -f "$b/rootfs/tmp/ready"
sv_rt run -d --bundle "$b" "$SV_ID-long" </dev/null >/dev/null 2>"$SV_TEST_TMP/err" ||
  sv_fail "run -d failed: $(cat "$SV_TEST_TMP/err")"
procfs_wait_file "$b/rootfs/tmp/ready" 10 || sv_fail "the long-running container did not start"
assert_fail sv_rt exec "$SV_ID-long" umount "/mnt/a dir"
assert_match 'Operation not permitted' "$SV_OUT" "umount of the runtime's '/mnt/a dir' refused"
assert_ok "$PROCFS_DAEMON" --mountpoint "$PROCFS_MNT" --restart
assert_fail sv_rt exec "$SV_ID-long" umount /proc/meminfo
assert_match 'Operation not permitted' "$SV_OUT" "after a restart in place: umount /proc/meminfo refused"
assert_fail sv_rt exec "$SV_ID-long" umount "/mnt/a dir"
assert_match 'Operation not permitted' "$SV_OUT" "after a restart in place: umount '/mnt/a dir' refused"
assert_ok sv_rt exec "$SV_ID-long" umount /tmp/own
sv_log "ok: a restart in place keeps the records"

# Killed, then started again: the listener keeper refuses mounts meanwhile, and the new
# sysvisor-fs takes the listeners back with the records it kept beside the keeper's socket.
assert_ok sv_rt exec "$SV_ID-long" sh -c 'mkdir -p /tmp/own2 && mount -t ramfs own2 /tmp/own2'
pid=$(procfs_daemon_pid)
kill -KILL "$pid"
sv_wait_until 10 sh -c "! kill -0 $pid" || sv_fail "sysvisor-fs did not die"
procfs_start_daemon
assert_fail sv_rt exec "$SV_ID-long" umount /proc/meminfo
assert_match 'Operation not permitted' "$SV_OUT" "after a kill and a new start: umount /proc/meminfo refused"
assert_ok sv_rt exec "$SV_ID-long" umount /tmp/own2
assert_ok sv_rt delete -f "$SV_ID-long"
sv_log "ok: a daemon started after a kill takes the records back with the listeners"

# 2. Docker (--runtime=sysvisor-runc, its widened profile).
sv_docker_start_sysvisor || sv_skip "no dockerd"
sv_docker_import_busybox bb
out=$(sv_docker run --rm --runtime=sysvisor-runc --network none --memory 256m -e F="$funcs" bb \
  sh -c "$script" \
  2>"$SV_TEST_TMP/err") || sv_fail "docker run failed: $out $(cat "$SV_TEST_TMP/err")"
sv_log "docker, inside:"$'\n'"$out"$'\n'"stderr: $(cat "$SV_TEST_TMP/err")"
expect_immutable docker "$out"

# 3. immutable-mounts = no: the kernel's behaviour (the host's MemTotal after the unmount).
printf '\n[fuse-procfs]\nimmutable-mounts = no\n' >>"$SYSVISOR_PLUGINS_CONF"
procfs_bundle "$b" sh -c 'umount /proc/meminfo && echo "umount: allowed"
  echo "memtotal: $(awk "/^MemTotal:/ { print \$2 }" /proc/meminfo)"'
sv_spec_set "$b" 'del(.linux.seccomp)
  | .process.capabilities = ({bounding: $caps, effective: $caps, permitted: $caps})' --argjson caps "$caps"
out=$(sv_rt run --bundle "$b" "$SV_ID-off" </dev/null 2>&1) || sv_fail "run failed: $out"
grep -qxF "umount: allowed" <<<"$out" || sv_fail "immutable-mounts = no: umount refused: $out"
assert_eq "memtotal: $(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)" "$(grep memtotal <<<"$out")" \
  "immutable-mounts = no: the unmount shows the host's meminfo"
sed -i 's/^immutable-mounts = no$/immutable-mounts = maybe/' "$SYSVISOR_PLUGINS_CONF"
assert_fail sv_rt run --bundle "$b" "$SV_ID-bad"
assert_match 'immutable-mounts = maybe: use yes' "$SV_OUT" "a bad immutable-mounts value is one clear error"
sv_log "ok: immutable-mounts = no turns the checks off"
