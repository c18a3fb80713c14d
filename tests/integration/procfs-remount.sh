#!/bin/bash
# procfs-remount: with the syscall supervisor (procfs = fuse-procfs), a bind remount that does
# not ask for read-only is refused on a read-only mount (a `:ro` volume stays read-only, even
# for root with CAP_SYS_ADMIN and no seccomp profile at all), and made for the caller on any
# other mount (inner runtimes remount their binds with nodev/nosuid: runc, systemd).  Paths are
# the caller's (relative to its cwd, through its root).
set -eu
. "$(dirname "$0")/procfs-lib.sh"

procfs_start_daemon
procfs_use_plugins
priv=$SV_TEST_TMP/private
mkdir -p "$priv/rosrc"
chmod 700 "$priv"
echo host >"$priv/rosrc/f"
b=$SV_TEST_TMP/bb
procfs_bundle "$b" sh -c '
  mount -t tmpfs t /mnt && mkdir /mnt/a /mnt/b && mount --bind /mnt/a /mnt/b
  mount -o remount,bind,nodev /mnt/b && echo "remount-nodev: ok"
  grep " /mnt/b " /proc/self/mountinfo | grep -q nodev && echo "nodev-applied: yes"
  cd /mnt && mount -o remount,bind,nosuid b && echo "relative: ok"
  mount -o remount,bind,ro /mnt/b && echo "to-ro: ok"
  mount -o remount,bind,rw /mnt/b 2>/dev/null || echo "back-to-rw: refused"
  mount -o remount,bind,rw /ro 2>/dev/null || echo "ro-volume-rw: refused"
  echo x 2>/dev/null >/ro/f || echo "ro-volume-write: refused"
  mount -o remount,bind,ro,nosuid /ro && echo "ro-volume-more-flags: ok"
  exit 0'
sv_spec_set "$b" '.mounts += [{destination: "/ro", type: "bind", source: $src, options: ["rbind", "ro"]}]
  | del(.linux.seccomp)
  | .process.capabilities = ({bounding: $caps, effective: $caps, permitted: $caps})' \
  --arg src "$priv/rosrc" --argjson caps '["CAP_SYS_ADMIN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_CHOWN"]'
out=$(sv_rt run --bundle "$b" "$SV_ID-rm" </dev/null 2>"$SV_TEST_TMP/err") ||
  sv_fail "run failed: $out $(cat "$SV_TEST_TMP/err")"
sv_log "inside:"$'\n'"$out"$'\n'"stderr: $(cat "$SV_TEST_TMP/err")"
for line in "remount-nodev: ok" "nodev-applied: yes" "relative: ok" "to-ro: ok" "back-to-rw: refused" "ro-volume-rw: refused" \
            "ro-volume-write: refused" "ro-volume-more-flags: ok"; do
  grep -qxF "$line" <<<"$out" || sv_fail "expected the line '$line' inside"
done
assert_eq host "$(cat "$priv/rosrc/f")" "the host's file behind the :ro volume is untouched"
sv_log "ok: bind remounts made for the caller, refused on read-only mounts"
