#!/bin/bash
# escape-race-procfs: mount-destination races and sysvisor-fs crafted paths, attacked from
# inside running system containers (sysvisor-runc bundles, procfs = fuse-procfs), with root's
# default capabilities and again with CAP_SYS_ADMIN added to the spec:
#   race    (CVE-2021-30465 class) container R shares a volume with container V and swaps, in a
#           tight loop (renameat2 RENAME_EXCHANGE), a directory of the volume with a symlink
#           ("/", an absolute host path, a relative "../.." path to it) while V is created 50
#           times with a tmpfs and a bind mount whose destinations go through that component.
#           No mount and no directory ever lands outside V's rootfs: the host's target dir and
#           / stay without the destination's name, the host's mountinfo shows none, the
#           host's canary file is intact, and V never sees the host's canary.  Then the
#           same race in V's own rootfs, run by the bundle's author on the host (10 creates)
#   procfs  container B (memory limit 128 MiB) asks sysvisor-fs for other views than its own:
#           ".." and "/." after the emulated files, their /proc/self/fd/N links and the parent
#           of an fd, /proc/1/root/..., a bind mount and an rbind of /proc, a fresh proc mount,
#           name_to_handle_at + open_by_handle_at on /proc/meminfo, the daemon's mountpoint
#           path (from the host), a write to the file.  Every read answers B's own 131072 kB
#           (container A, 256 MiB, runs meanwhile: never A's, never the host's), every other
#           attempt fails, and the daemon's tree is unchanged
set -eu
. "$(dirname "$0")/procfs-lib.sh"
sv_require_probe
sv_require_cmd findmnt

refused=0
procfs_start_daemon
procfs_use_plugins
b=$SV_TEST_TMP/bundle
procfs_bundle "$b" /sv-probe signal-wait
cp "$b/config.json" "$SV_TEST_TMP/good.json"
host_mem_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)

# use_spec CAPS ARGS-JSON [JQ-FILTER [JQ-ARGS...]]: a fresh config.json (CAPS: default | sysadmin).
use_spec() {
  local caps=$1 args=$2
  shift 2
  cp "$SV_TEST_TMP/good.json" "$b/config.json"
  sv_spec_set "$b" '.process.args = $a' --argjson a "$args"
  if [ "$caps" = sysadmin ]; then
    sv_spec_set "$b" '.process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN"])'
  fi
  if [ $# -gt 0 ]; then sv_spec_set "$b" "$@"; fi
}

# ---- race ----
private=$SV_TEST_TMP/private
vol=$private/vol
src=$private/src
host_dir=$SV_TEST_TMP/hostdir
mkdir -p "$vol" "$src" "$host_dir" && chmod 700 "$private"
echo host >"$host_dir/canary"
echo bound >"$src/marker"
name=sv-esc-race-$SV_ID   # the last component of every racing destination
vol_mounts='.mounts += [
  {"destination": "/vol", "type": "bind", "source": $vol, "options": ["rbind", "rw"]},
  {"destination": ("/vol/d/t-" + $n), "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]},
  {"destination": ("/vol/d/b-" + $n), "type": "bind", "source": $src, "options": ["rbind", "ro"]}]'
landed() {   # anything of the race outside the rootfs, on the host
  ls -d "/t-$name" "/b-$name" "$host_dir/t-$name" "$host_dir/b-$name" 2>/dev/null || true
  findmnt -rn -o TARGET | grep -F -- "$name" || true
}
race_round() {   # race_round CAPS SYMLINK-TARGET CREATES
  local caps=$1 target=$2 n=$3 i out ok=0 seen=0 first=""
  rm -rf "${vol:?}"/* && mkdir "$vol/d" && ln -s "$target" "$vol/s"
  use_spec "$caps" '["/sv-probe", "swap-until", "/vol/d", "/vol/s", "/vol/stop"]' \
    "$vol_mounts | .mounts |= .[0:(length - 2)]" --arg vol "$vol" --arg src "$src" --arg n "$name"
  sv_rt_bg run -d --bundle "$b" "$SV_ID-racer"
  use_spec "$caps" "$(jq -cn --arg n "$name" '["sh", "-c",
    "cat /canary /vol/d/b-\($n)/marker /b-\($n)/marker 2>/dev/null; grep -c \($n) /proc/self/mountinfo; true"]')" \
    "$vol_mounts" --arg vol "$vol" --arg src "$src" --arg n "$name"
  for ((i = 0; i < n; i++)); do
    if out=$(sv_rt run --bundle "$b" "$SV_ID-victim" 2>&1 </dev/null); then
      ok=$((ok + 1))
    else
      refused=$((refused + 1)) race_refused=$((race_refused + 1))
      [ -n "$first" ] || first=$out
    fi
    sv_rt delete --force "$SV_ID-victim" >/dev/null 2>&1 || true
    [[ $out != *host* ]] || sv_fail "race ($caps, -> $target): the victim read the host's canary: $out"
    [[ $out != *bound* ]] || seen=$((seen + 1))
    [ -z "$(landed)" ] || sv_fail "race ($caps, -> $target): a mount landed outside the rootfs: $(landed) (victim: $out)"
  done
  touch "$vol/stop"
  sv_wait_until 10 sh -c "! $SV_RUNC --root $SV_ROOT state $SV_ID-racer | grep -q '\"running\"'" || true
  sv_rt delete --force "$SV_ID-racer" >/dev/null 2>&1 || true
  sv_log "race ($caps, -> $target): $n creates: $ok ran ($seen saw the bind), $((n - ok)) refused${first:+ (e.g. $first)}"
}
race_refused=0
race_round default / 17
race_round default "$host_dir" 17
race_round sysadmin "../../../../../../../../..$host_dir" 16
# The same race in the victim's own rootfs, by the bundle's author (a process on the host):
# rootfs/rd swapped with an absolute symlink to the host's dir.
rootfs_round() {   # rootfs_round CREATES
  local n=$1 i out ok=0 racer
  mkdir "$b/rootfs/rd" && ln -s "$host_dir" "$b/rootfs/rs"
  use_spec default "$(jq -cn --arg n "$name" '["sh", "-c", "cat /rd/b-\($n)/marker /canary 2>/dev/null; true"]')" \
    '.mounts += [{"destination": ("/rd/t-" + $n), "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]},
                 {"destination": ("/rd/b-" + $n), "type": "bind", "source": $src, "options": ["rbind", "ro"]}]' \
    --arg src "$src" --arg n "$name"
  "$SV_PROBE" swap-until "$b/rootfs/rd" "$b/rootfs/rs" "$SV_TEST_TMP/stop-rootfs" >/dev/null &
  racer=$!
  sv_on_exit "touch '$SV_TEST_TMP/stop-rootfs'; kill $racer 2>/dev/null"
  for ((i = 0; i < n; i++)); do
    if out=$(sv_rt run --bundle "$b" "$SV_ID-victim" 2>&1 </dev/null); then ok=$((ok + 1)); else
      refused=$((refused + 1)) race_refused=$((race_refused + 1)); fi
    sv_rt delete --force "$SV_ID-victim" >/dev/null 2>&1 || true
    [[ $out != *host* ]] || sv_fail "rootfs race: the victim read the host's canary: $out"
    [ -z "$(landed)" ] || sv_fail "rootfs race: a mount landed outside the rootfs: $(landed) (victim: $out)"
  done
  touch "$SV_TEST_TMP/stop-rootfs"
  wait "$racer" || true
  rm -rf "${b:?}/rootfs/rd" "$b/rootfs/rs"
  sv_log "rootfs race (-> $host_dir): $n creates: $ok ran, $((n - ok)) refused"
}
rootfs_round 10
# The race is live when some creates met the symlink (refused); a run where none did proves
# nothing, and says so.
[ "$race_refused" -gt 0 ] || sv_log "race: no create met the swapped symlink this time (a slow racer?)"
assert_eq "" "$(landed)" "race: nothing of the race outside the rootfs"
assert_eq "canary" "$(ls "$host_dir")" "race: the host's target dir holds only its canary"
assert_eq host "$(cat "$host_dir/canary")" "race: the host's canary is intact"

# ---- procfs: crafted paths to sysvisor-fs ----
tree() { (cd "$PROCFS_MNT" && find . | sort); }
tree_before=$(tree)
host_swappiness=$(cat /proc/sys/vm/swappiness)
use_spec default '["/sv-probe", "signal-wait"]'
sv_rt_bg create --bundle "$b" "$SV_ID-pa"
assert_ok sv_rt start "$SV_ID-pa"
view_of_a() { sv_rt exec "$SV_ID-pa" sh -c 'echo "$(awk "/^MemTotal:/ {print \$2}" /proc/meminfo) $(cat /proc/sys/vm/swappiness)"'; }
a_before=$(view_of_a)
assert_match '^262144 [0-9]+$' "$a_before" "container A (256 MiB) sees its own MemTotal"
b_swappiness=$(( (${a_before#* } + 7) % 100 ))
attack_procfs='
  mt() { awk "/^MemTotal:/ {print \$2}" "$1" 2>/dev/null; }
  for p in /proc/meminfo /proc/1/root/proc/meminfo /proc/self/root/proc/meminfo /proc/./meminfo \
           //proc//meminfo /proc/sys/../meminfo /proc/self/cwd/proc/meminfo; do
    echo "read $p $(cd / && mt $p)"
  done
  exec 3</proc/meminfo
  echo "read /proc/self/fd/3 $(mt /proc/self/fd/3)"
  echo "read /dev/fd/3 $(mt /dev/fd/3)"
  for p in /proc/meminfo/.. /proc/meminfo/. /proc/meminfo/../meminfo /proc/self/fd/3/.. \
           /proc/self/fd/3/../meminfo /proc/self/fd/3/. /sys/devices/system/cpu/online/.. \
           /proc/sys/vm/swappiness/../../../meminfo /proc/uptime/../../'"${PROCFS_MNT#/}"' \
           '"$PROCFS_MNT"' '"$PROCFS_MNT"'/proc/meminfo; do
    if ls "$p" >/dev/null 2>&1 || head -c 1 "$p" >/dev/null 2>&1; then echo "OPENED $p"; else echo "refused $p"; fi
  done
  /sv-probe handle /proc/meminfo handle /proc/sys/vm/swappiness handle /sys/devices/system/cpu/online 2>&1 |
    sed "s/^error/refused handle:/; s/^ok/OPENED handle/"
  mkdir -p /p /bp /rp /bf && touch /bf/f
  if mount -t proc proc /p 2>/dev/null; then echo "read freshproc $(mt /p/meminfo)"; else echo "refused freshproc"; fi
  if mount --bind /proc /bp 2>/dev/null; then echo "read bindproc $(mt /bp/meminfo)"; else echo "refused bindproc"; fi
  if mount --rbind /proc /rp 2>/dev/null; then echo "read rbindproc $(mt /rp/meminfo)"; else echo "refused rbindproc"; fi
  if mount --bind /proc/meminfo /bf/f 2>/dev/null; then echo "read bindfile $(mt /bf/f)"; else echo "refused bindfile"; fi
  (echo x >/proc/meminfo) 2>/dev/null && echo "WROTE /proc/meminfo" || echo "refused write-meminfo"
  echo SWAP >/proc/sys/vm/swappiness 2>/dev/null && echo "own sysctl $(cat /proc/sys/vm/swappiness)"
  true'
for caps in default sysadmin; do
  use_spec "$caps" "$(jq -cn --arg s "${attack_procfs//SWAP/$b_swappiness}" '["sh", "-c", $s]')" \
    '.linux.resources.memory.limit = 134217728'
  out=$(sv_rt run --bundle "$b" "$SV_ID-pb" 2>&1 </dev/null) || sv_fail "procfs ($caps): container B failed: $out"
  sv_rt delete --force "$SV_ID-pb" >/dev/null 2>&1 || true
  sv_log "procfs ($caps): $(tr '\n' ';' <<<"$out")"
  reads=$(grep '^read ' <<<"$out" || true)
  [ "$(wc -l <<<"$reads")" -ge 9 ] || sv_fail "procfs ($caps): the reads did not run: $out"
  bad=$(awk '$3 != 131072' <<<"$reads")
  [ -z "$bad" ] || sv_fail "procfs ($caps): a path showed another view than B's own 131072 kB (A: 262144, host: $host_mem_kb): $bad"
  [[ $out != *OPENED* && $out != *WROTE* ]] || sv_fail "procfs ($caps): a crafted path reached something: $(grep -E 'OPENED|WROTE' <<<"$out")"
  refused=$((refused + $(grep -c '^refused' <<<"$out")))
  assert_eq "$a_before" "$(view_of_a)" "procfs ($caps): container A's view is unchanged"
  assert_eq "$host_swappiness" "$(cat /proc/sys/vm/swappiness)" "procfs ($caps): the host's vm.swappiness is unchanged"
done
assert_eq "$tree_before" "$(tree)" "procfs: sysvisor-fs's tree is unchanged"
assert_ok sv_rt delete --force "$SV_ID-pa"
echo "escape-race-procfs: ok ($refused attacks refused)"
