#!/bin/bash
# plugins-combinations: every valid plugins.conf combination runs a container, and the backend
# each role chose is the one that acted, by the debug log (which plugin was loaded, which hook
# ran) and by what the container sees:
#
#   idmap  auto | exclusive | dockerremap     uid_map: the exclusive range or the spec's
#   shift  auto | idmapped-mounts | none      / owned by container root (ID-mapped, or a
#          (or shiftfs, its old name)         rootfs chowned beforehand for none)
#   procfs none | fuse-procfs                 /proc/meminfo: sysvisor-fs's, with the memory
#                                             limit, or the kernel's
#
# Also: `sysvisor-runc plugins` (table and --format json); a plugin that is missing, not an
# ELF, of a wrong ABI or role, or untrusted is refused end to end with one line and leaves
# nothing behind; so does a plugin whose probe fails after another plugin's prepare ran; and
# sysvisor-runc links no plugin code.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$SV_LIB_DIR/busybox-rootfs.sh"
. "$SV_LIB_DIR/runtime.sh"
sv_require_root
sv_require_runtime
sv_require_probe
sv_require_cmd jq nm ldd readelf
[ -c /dev/fuse ] || sv_skip "no /dev/fuse for sysvisor-fs"

BUILD=${SV_BUILD_ROOT:-$(cd "$(dirname "$SV_RUNC")/.." && pwd)}
SVFS=$BUILD/plugins/fuse-procfs/sysvisor-fs
[ -x "$SVFS" ] || sv_skip "sysvisor-fs not built ($SVFS)"
if [ -z "${SYSVISOR_PLUGIN_DIR:-}" ]; then
  SYSVISOR_PLUGIN_DIR=
  for p in idmap-exclusive idmap-dockerremap idmapped-mounts fuse-procfs; do
    SYSVISOR_PLUGIN_DIR=$SYSVISOR_PLUGIN_DIR${SYSVISOR_PLUGIN_DIR:+:}$BUILD/plugins/$p
  done
fi
export SYSVISOR_PLUGIN_DIR
BUILD_PLUGINS=$SYSVISOR_PLUGIN_DIR

T=$SV_TEST_TMP
CONF=$T/plugins.conf
export SYSVISOR_PLUGINS_CONF=$CONF
POOL=1048576   # the sysvisor user's subordinate ids: the first exclusive range starts here
MINOR=$(sed -n "s/^#define SV_PLUGIN_ABI_MINOR //p" "$SV_SRC_ROOT/core/include/sysvisor/plugin.h")   # the core's plugin ABI minor
REMAP=100000   # Docker's userns-remap range (dockremap's entry), written in the spec
LIMIT_KB=65536 # the containers' memory limit
printf 'dockremap:%s:65536\nsysvisor:%s:1048576\n' "$REMAP" "$POOL" >"$T/subuid"
cp "$T/subuid" "$T/subgid"
jq -n --arg d "$T/docker" '{"userns-remap": "default", "data-root": $d}' >"$T/daemon.json"
mkdir -p "$T/docker"
ranges() { sv_idmap_ranges "$SYSVISOR_LIB_DIR"; }   # the ranges idmap-exclusive holds

# ---------------------------------------------------------------- sysvisor-fs

FS_MNT=$T/fs
export SYSVISOR_FS_RUN_DIR=$T/fs-run
mkdir -p "$FS_MNT" "$SYSVISOR_FS_RUN_DIR"

fs_mounted() {
  awk -v m="$FS_MNT" '$5 == m && / - fuse\.sysvisor-fs / { found = 1 } END { exit !found }' \
    /proc/self/mountinfo
}

stop_fs() {
  local pid
  pid=$(sed -n 's/^pid=//p' "$SYSVISOR_FS_RUN_DIR"/*.lock 2>/dev/null | head -n1)
  [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
  sv_wait_until 5 sh -c "! grep -q ' $FS_MNT ' /proc/self/mountinfo" || umount -l "$FS_MNT"
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
  return 0
}
sv_on_exit stop_fs
"$SVFS" --mountpoint "$FS_MNT" --log "$T/sysvisor-fs.log" --log-level debug \
  || sv_fail "sysvisor-fs did not start: $(cat "$T/sysvisor-fs.log" 2>/dev/null)"
sv_wait_until 10 fs_mounted || sv_fail "sysvisor-fs is not mounted on $FS_MNT"

# ---------------------------------------------------------------- plugins.conf and bundles

# write_conf IDMAP SHIFT PROCFS [FS-MOUNTPOINT]
write_conf() {
  cat >"$CONF" <<EOF
[sysvisor]
idmap = $1
shift = $2
procfs = $3

[idmap-exclusive]
subuid-file = $T/subuid
subgid-file = $T/subgid
range-size = 65536

[idmap-dockerremap]
subuid-file = $T/subuid
subgid-file = $T/subgid
docker-daemon-json = $T/daemon.json

[idmapped-mounts]
docker-daemon-json = $T/daemon.json
docker-data-root = $T/docker

[fuse-procfs]
mountpoint = ${4:-$FS_MNT}
EOF
}

# make_bundle DIR OWNER MAPPINGS: a busybox bundle whose rootfs belongs to host uid OWNER
# (0 for idmapped-mounts; the container's root for shift = none); MAPPINGS yes = Docker's userns-remap
# mappings in config.json.  The process prints its uid_map, the owner of /, the mount on
# /proc/meminfo and the first line of /proc/meminfo.
make_bundle() {
  local dir=$1 owner=$2 maps=$3
  SV_BUNDLE_READONLY=false sv_busybox_bundle "$dir" sh -c \
    '/sv-probe uidmap owner / mounts /proc/meminfo; head -n1 /proc/meminfo' >/dev/null
  [ "$owner" = 0 ] || chown -R "$owner:$owner" "$dir/rootfs"
  sv_spec_set "$dir" '.linux.resources.memory.limit = $l' --argjson l $((LIMIT_KB * 1024))
  if [ "$maps" = yes ]; then
    sv_spec_set "$dir" '.linux.uidMappings = $m | .linux.gidMappings = $m' \
      --argjson m "[{\"containerID\": 0, \"hostID\": $REMAP, \"size\": 65536}]"
  fi
}
make_bundle "$T/b-root" 0 no
make_bundle "$T/b-pool" "$POOL" no
make_bundle "$T/b-root-maps" 0 yes
make_bundle "$T/b-remap" "$REMAP" yes

# the backends "auto" stands for: resolve IDMAP SHIFT SPEC-MAPPINGS -> "idmap shift"
resolve() {
  local idmap=$1 shift=$2
  [ "$idmap" = auto ] && { [ "$3" = yes ] && idmap=dockerremap || idmap=exclusive; }
  [ "$shift" = auto ] && { [ "$idmap" = dockerremap ] && shift=none || shift=idmapped-mounts; }
  [ "$shift" = shiftfs ] && shift=idmapped-mounts # its old name
  echo "$idmap $shift"
}

# bundle_for IDMAP SHIFT (resolved) SPEC-MAPPINGS
bundle_for() {
  local maps=$3
  [ "$1" = dockerremap ] && maps=yes
  case $2,$maps in
    idmapped-mounts,no) echo "$T/b-root" ;;
    idmapped-mounts,yes) echo "$T/b-root-maps" ;;
    none,no) echo "$T/b-pool" ;;
    none,yes) echo "$T/b-remap" ;;
  esac
}

# the kernel's MemTotal, unless this host's own /proc/meminfo is emulated (lxcfs)
HOST_MEMTOTAL=
awk '$5 == "/proc/meminfo" { found = 1 } END { exit found }' /proc/self/mountinfo \
  && HOST_MEMTOTAL=$(head -n1 /proc/meminfo)
N=0

# records LOG: the messages of a JSON log, one a line
records() {
  jq -r .msg "$1"
}

# assert_record LOG REGEX WHAT / assert_no_record LOG REGEX WHAT
assert_record() {
  grep -Eq -- "$2" <(records "$1") || sv_fail "$3: no log record matches /$2/ in:
$(records "$1")"
}
assert_no_record() {
  ! grep -Eq -- "$2" <(records "$1") || sv_fail "$3: a log record matches /$2/:
$(grep -E -- "$2" <(records "$1"))"
}

# check_combination IDMAP SHIFT PROCFS [SPEC-MAPPINGS]: run a container with that plugins.conf
check_combination() {
  local idmap=$1 shift=$2 procfs=$3 maps=${4:-no} r_idmap r_shift bundle id log out what
  read -r r_idmap r_shift <<<"$(resolve "$idmap" "$shift" "$maps")"
  bundle=$(bundle_for "$r_idmap" "$r_shift" "$maps")
  N=$((N + 1))
  id=$SV_ID-c$N
  log=$T/log-$N.json
  what="idmap = $idmap, shift = $shift, procfs = $procfs${4:+ (spec mappings: $maps)}"
  write_conf "$idmap" "$shift" "$procfs"
  out=$(sv_rt --debug --log "$log" --log-format json run --bundle "$bundle" "$id" </dev/null 2>&1) \
    || sv_fail "$what: run failed: $out"
  sv_log "$what -> $r_idmap, $r_shift, $procfs"

  # idmap: which plugin, and the container's uid_map
  if [ "$r_idmap" = exclusive ]; then
    assert_record "$log" "^idmap: using plugin idmap-exclusive \(.*/idmap-exclusive\.so\)$" "$what"
    assert_record "$log" "^idmap-exclusive: prepare done$" "$what"
    assert_record "$log" "^idmap-exclusive: release done$" "$what"
    assert_no_record "$log" "idmap-dockerremap" "$what"
    assert_eq "0 $POOL 65536" "$(sed -n 1p <<<"$out")" "$what: uid_map is the exclusive range"
    assert_eq "[]" "$(ranges)" "$what: the range is freed after run"
  else
    assert_record "$log" "^idmap: using plugin idmap-dockerremap \(.*/idmap-dockerremap\.so\)$" "$what"
    assert_record "$log" "^idmap-dockerremap: prepare done$" "$what"
    assert_no_record "$log" "idmap-exclusive" "$what"
    assert_eq "0 $REMAP 65536" "$(sed -n 1p <<<"$out")" "$what: uid_map is the spec's"
  fi

  # shift: which plugin, and / owned by container root either way
  if [ "$r_shift" = idmapped-mounts ]; then
    assert_record "$log" "^shift: using plugin idmapped-mounts \(.*/idmapped-mounts\.so\)$" "$what"
    assert_record "$log" "^idmapped-mounts: prepare done$" "$what"
    assert_record "$log" "^idmapped-mounts: attach done$" "$what"
    assert_eq "0:0" "$(stat -c %u:%g "$bundle/rootfs")" "$what: the rootfs stays owned by host root"
  else
    assert_record "$log" "^shift: no plugin \(none\)$" "$what"
    assert_no_record "$log" "idmapped-mounts" "$what"
  fi
  assert_eq "0:0" "$(sed -n 2p <<<"$out")" "$what: / is owned by container root"

  # procfs: which plugin, and whose /proc/meminfo
  if [ "$procfs" = fuse-procfs ]; then
    assert_record "$log" "^procfs: using plugin fuse-procfs \(.*/fuse-procfs\.so\)$" "$what"
    assert_record "$log" "^fuse-procfs: prepare done$" "$what"
    assert_match "^fuse\.sysvisor-fs " "$(sed -n 3p <<<"$out")" "$what: /proc/meminfo is sysvisor-fs's"
    assert_match "^MemTotal: +$LIMIT_KB kB$" "$(sed -n 4p <<<"$out")" "$what: MemTotal is the limit"
  else
    assert_record "$log" "^procfs: no plugin \(none\)$" "$what"
    assert_no_record "$log" "fuse-procfs" "$what"
    assert_match "^error ENOENT" "$(sed -n 3p <<<"$out")" "$what: nothing is mounted on /proc/meminfo"
    assert_ne "$(sed -n 4p <<<"$out")" "MemTotal:          $LIMIT_KB kB" "$what: MemTotal is not the limit"
    [ -n "$HOST_MEMTOTAL" ] && assert_eq "$HOST_MEMTOTAL" "$(sed -n 4p <<<"$out")" "$what: MemTotal is the kernel's"
  fi
  sv_assert_nothing_left "$id" "$bundle"
}

for idmap in auto exclusive dockerremap; do
  for shift in auto idmapped-mounts none; do
    for procfs in none fuse-procfs; do
      check_combination "$idmap" "$shift" "$procfs"
    done
  done
done
# idmap = auto with Docker's mappings in the spec picks dockerremap (and shift = auto: none)
check_combination auto auto fuse-procfs yes
check_combination auto shiftfs none yes # shiftfs: the old name of idmapped-mounts

# ---------------------------------------------------------------- sysvisor-runc plugins

write_conf auto auto fuse-procfs
SV_VERSION_RE='[0-9]+\.[0-9]+\.[0-9]+'
assert_ok "$SV_RUNC" plugins
table=$SV_OUT
assert_match "plugins.conf: $CONF" "$table" "plugins names the file"
assert_match "plugin directory: $BUILD_PLUGINS" "$table" "plugins names the plugin path"
assert_match "idmap +auto +spec without uid mappings +exclusive +[^ ]*/idmap-exclusive\.so +$SV_VERSION_RE +ok" \
  "$table" "plugins: idmap without mappings (and the plugin's version)"
assert_match "shift +auto +spec with uid mappings +none +- +- +ok" "$table" "plugins: shift with mappings"
assert_match "procfs +fuse-procfs +spec without uid mappings +fuse-procfs +[^ ]*/fuse-procfs\.so +$SV_VERSION_RE +ok" \
  "$table" "plugins: procfs"

assert_ok "$SV_RUNC" plugins --format json
json=$SV_OUT
assert_eq 6 "$(jq length <<<"$json")" "plugins --format json: each role, without and with mappings"
assert_eq "exclusive idmapped-mounts fuse-procfs dockerremap none fuse-procfs" \
  "$(jq -r '[.[].backend] | join(" ")' <<<"$json")" "json: backends"
assert_eq "false false false true true true" "$(jq -r '[.[].specMappings] | join(" ")' <<<"$json")" \
  "json: specMappings"
assert_eq "idmap shift procfs idmap shift procfs" "$(jq -r '[.[].role] | join(" ")' <<<"$json")" \
  "json: roles"
assert_eq "ok" "$(jq -r '[.[].probe] | unique | join(",")' <<<"$json")" "json: every probe passes"
assert_eq "$BUILD/plugins/idmap-exclusive/idmap-exclusive.so" "$(jq -r '.[0].path' <<<"$json")" \
  "json: the path of the plugin loaded"
assert_eq "-" "$(jq -r '.[4].path' <<<"$json")" "json: no path for none"
assert_eq "true" "$(jq '[.[0,1,2,3,5].version | test("^[0-9]+\\.[0-9]+")] | all' <<<"$json")" \
  "json: the version of each plugin loaded"
assert_eq "null" "$(jq '.[4].version' <<<"$json")" "json: no version for none"

# a probe that fails, and a plugin that cannot be loaded, show in the probe column
write_conf exclusive none fuse-procfs "$T/no-daemon-here"
assert_ok "$SV_RUNC" plugins --format json
assert_match "^plugin fuse-procfs cannot run on this host: sysvisor-fs is not running .*start it" \
  "$(jq -r '.[2].probe' <<<"$SV_OUT")" "json: a failed probe, with the fix"
write_conf nope none none
assert_ok "$SV_RUNC" plugins
assert_match "idmap +nope +spec without uid mappings +nope +[^ ]*/nope\.so +- +plugin \"nope\" is not installed" \
  "$SV_OUT" "table: a plugin that is not installed"
write_conf wrong-role none none
assert_ok env SYSVISOR_PLUGIN_DIR="$BUILD/tests/plugins" "$SV_RUNC" plugins --format json
assert_match '^plugin "wrong-role" \(.*/wrong-role\.so\) fills the procfs role, not idmap; use it as procfs = wrong-role' \
  "$(jq -r '.[0].probe' <<<"$SV_OUT")" \
  "json: a plugin of another role is reported (in the loader's words), not probed"
# the shipped default plugins.conf is understood
assert_ok "$SV_RUNC" --plugins-conf "$SV_SRC_ROOT/data/plugins.conf" plugins --format json
assert_eq "auto auto fuse-procfs" "$(jq -r '[.[:3][].configured] | join(" ")' <<<"$SV_OUT")" \
  "data/plugins.conf"

# ---------------------------------------------------------------- refusals, end to end

BAD=$T/bad-plugins
mkdir -p "$BAD" "$T/untrusted"
chmod 755 "$BAD" "$T/untrusted"
printf 'not a shared object\n' >"$BAD/not-elf.so"
for p in abi-major-next abi-minor-next wrong-role reserved-set missing-symbol; do
  install -m 0644 "$BUILD/tests/plugins/$p.so" "$BAD/$p.so"
done
install -m 0664 "$BUILD/tests/plugins/idmap-fixed.so" "$T/untrusted/idmap-fixed.so"

# refused WHAT REGEX IDMAP SHIFT PROCFS [PLUGIN-DIRS [FS-MOUNTPOINT]]: run fails with one line
# "sysvisor-runc: <REGEX>", and leaves nothing: no state, cgroup, mount, list entry, range.
refused() {
  local what=$1 re=$2 dirs=${6:-$BAD:$BUILD_PLUGINS} id
  N=$((N + 1))
  id=$SV_ID-bad$N
  write_conf "$3" "$4" "$5" "${7:-}"
  assert_fail env SYSVISOR_PLUGIN_DIR="$dirs" "$SV_RUNC" --root "$SV_ROOT" run --bundle "$T/b-pool" "$id"
  assert_eq 1 "$(grep -c . <<<"$SV_OUT")" "$what: one line (got: $SV_OUT)"
  assert_match "^sysvisor-runc: $re" "$SV_OUT" "$what"
  sv_assert_nothing_left "$id" "$T/b-pool"
  assert_eq "[]" "$(ranges)" "$what: no range held"
}

refused "plugin missing from the plugin path" \
  "$CONF:4: procfs = not-installed: plugin \"not-installed\" is not installed: no not-installed\.so in $BAD:" \
  exclusive none not-installed
refused "plugin file missing from the only plugin directory" \
  "$CONF:2: idmap = exclusive: plugin \"idmap-exclusive\" is not installed: $BAD/idmap-exclusive\.so is missing; install it there" \
  exclusive none none "$BAD"
refused "not an ELF" \
  "$CONF:2: idmap = not-elf: plugin \"not-elf\": $BAD/not-elf\.so is not an ELF shared object" \
  not-elf none none
refused "ABI major newer than the core's" \
  "$CONF:2: idmap = abi-major-next: plugin \"abi-major-next\" \($BAD/abi-major-next\.so\) was built for plugin ABI 2\.$MINOR but sysvisor-runc provides ABI 1\.$MINOR; rebuild the plugin" \
  abi-major-next none none
refused "ABI minor newer than the core's" \
  ".*: idmap = abi-minor-next: plugin \"abi-minor-next\" .* was built for plugin ABI 1\.$((MINOR + 1)) but sysvisor-runc provides ABI 1\.$MINOR" \
  abi-minor-next none none
refused "a procfs plugin named for idmap" \
  "$CONF:2: idmap = wrong-role: plugin \"wrong-role\" \($BAD/wrong-role\.so\) fills the procfs role, not idmap" \
  wrong-role none none
refused "a reserved descriptor slot that is not zero" \
  "$CONF:2: idmap = reserved-set: plugin \"reserved-set\" \($BAD/reserved-set\.so\): reserved descriptor slot 2 of plugin ABI 1\.$MINOR is not zero; build the plugin with SV_PLUGIN_DEFINE" \
  reserved-set none none
refused "a plugin that calls an accessor sysvisor-runc does not export (bound at load)" \
  "$CONF:2: idmap = missing-symbol: plugin \"missing-symbol\": cannot load $BAD/missing-symbol\.so: .*sv_container_from_the_future.*; rebuild the plugin" \
  missing-symbol none none
refused "group-writable plugin" \
  "$CONF:2: idmap = idmap-fixed: plugin \"idmap-fixed\": refusing to load $T/untrusted/idmap-fixed\.so: it must be a regular file owned by root and not writable by group or others" \
  idmap-fixed none none "$T/untrusted:$BUILD/tests/plugins"
chmod 0644 "$T/untrusted/idmap-fixed.so"
chown 65534:65534 "$T/untrusted/idmap-fixed.so"
refused "plugin not owned by root" \
  ".*: idmap = idmap-fixed: plugin \"idmap-fixed\": refusing to load $T/untrusted/idmap-fixed\.so: it must be a regular file owned by root" \
  idmap-fixed none none "$T/untrusted:$BUILD/tests/plugins"
# a later plugin fails after idmap-exclusive's prepare reserved a range: all is rolled back
refused "procfs probe fails after idmap prepare" \
  "plugin fuse-procfs cannot run on this host: sysvisor-fs is not running \(no sysvisor-fs mount on $T/no-daemon-here\): start it" \
  exclusive shiftfs fuse-procfs "$BUILD_PLUGINS" "$T/no-daemon-here"

# the JSON log carries the same error for containerd
write_conf abi-major-next none none
assert_fail env SYSVISOR_PLUGIN_DIR="$BAD:$BUILD_PLUGINS" "$SV_RUNC" --root "$SV_ROOT" \
  --log "$T/err.json" --log-format json run --bundle "$T/b-pool" "$SV_ID-json"
assert_eq error "$(tail -n1 "$T/err.json" | jq -r .level)" "json log: level"
assert_match "was built for plugin ABI 2\.$MINOR but sysvisor-runc provides ABI 1\.$MINOR" \
  "$(tail -n1 "$T/err.json" | jq -r .msg)" "json log: message"
sv_assert_nothing_left "$SV_ID-json" "$T/b-pool"

# after all that, a good combination still runs
check_combination exclusive shiftfs fuse-procfs

# ---------------------------------------------------------------- delete loads what releases

# `delete` of a container made with every plugin loads only the plugins with a release hook
# (idmap-exclusive): with idmapped-mounts and fuse-procfs gone from the plugin path by then, it
# frees the range and says nothing.  A state of a version that did not record which plugins
# release (no "pluginReleases") still loads every plugin it names: the missing ones are said.
# created ID: create ID with every plugin (the conf of the moment); it holds a range
created() {
  sv_rt create --bundle "$T/b-root" "$1" </dev/null >/dev/null 2>"$T/create.err" \
    || sv_fail "create $1 failed: $(cat "$T/create.err")"
  assert_eq 1 "$(ranges | jq length)" "create $1: one range held"
}
# deleted_with_idmap_only ID: delete ID with only idmap-exclusive on the plugin path; prints
# what delete wrote on stderr; the range is freed and nothing is left
deleted_with_idmap_only() {
  local err
  err=$(SYSVISOR_PLUGIN_DIR="$BUILD/plugins/idmap-exclusive" "$SV_RUNC" --root "$SV_ROOT" \
    delete "$1" 2>&1 >/dev/null) || sv_fail "delete $1 failed: $err"
  sv_assert_nothing_left "$1" "$T/b-root"
  assert_eq "[]" "$(ranges)" "delete $1: the range is freed"
  printf '%s' "$err"
}
write_conf exclusive idmapped-mounts fuse-procfs
created "$SV_ID-rel1"
assert_eq '{"idmap":true,"shift":false,"procfs":false}' \
  "$(jq -c .pluginReleases "$SV_ROOT/$SV_ID-rel1/state.json")" "state.json: which plugins release"
new_state_err=$(deleted_with_idmap_only "$SV_ID-rel1") # (a failure in it ends the test)
assert_eq "" "$new_state_err" "delete with idmapped-mounts and fuse-procfs uninstalled: nothing said"
created "$SV_ID-rel2"
jq 'del(.pluginReleases)' "$SV_ROOT/$SV_ID-rel2/state.json" >"$T/old-state.json"
cat "$T/old-state.json" >"$SV_ROOT/$SV_ID-rel2/state.json"
old_state_err=$(deleted_with_idmap_only "$SV_ID-rel2")
assert_match "cannot run release of plugin idmapped-mounts" "$old_state_err" "a state without pluginReleases"
assert_match "cannot run release of plugin fuse-procfs" "$old_state_err" "a state without pluginReleases"

# ---------------------------------------------------------------- the core links no plugin code

runc_bin=$(readlink -f "$SV_RUNC")
assert_eq "" "$(nm "$runc_bin" 2>/dev/null | grep -w sv_plugin_entry || true)" "no sv_plugin_entry in sysvisor-runc"
assert_eq "" "$(nm -D "$runc_bin" | grep -w sv_plugin_entry || true)" "no dynamic sv_plugin_entry"
# every global symbol of the plugins' objects (their .so and the static libraries they link)
plugin_syms=$(for o in "$BUILD"/plugins/*/*.so.p/*.o "$BUILD"/plugins/*/lib*.a.p/*.o; do
                nm -g --defined-only "$o"; done | awk '{ print $3 }' | sort -u)
[ "$(wc -l <<<"$plugin_syms")" -gt 20 ] || sv_fail "too few plugin symbols found under $BUILD/plugins"
core_syms=$(nm --defined-only "$runc_bin" | awk '{ print $3 }' | sort -u)
assert_eq "" "$(comm -12 <(echo "$plugin_syms") <(echo "$core_syms") | tr '\n' ' ')" \
  "symbols of plugins/* defined in sysvisor-runc"
assert_eq "" "$(ldd "$runc_bin" | grep -E 'idmap-|idmapped-mounts|fuse-procfs|/plugins/' || true)" \
  "sysvisor-runc loads no plugin .so at startup (ldd)"
assert_eq "" "$(readelf -d "$runc_bin" | grep NEEDED | grep -E 'idmap|shiftfs|procfs|sysvisor' || true)" \
  "no plugin in sysvisor-runc's NEEDED"
# What sysvisor-runc exports to plugins is exactly the accessors of sysvisor/plugin.h.
assert_eq "$(grep -oE '\bsv_(host|container|check_report|state_file)_[a-z_]+ \(' "$SV_SRC_ROOT/core/include/sysvisor/plugin.h" \
               | sed 's/ ($//' | sort -u)" \
  "$(nm -D --defined-only "$runc_bin" | awk '$2 == "T" { print $3 }' | sort -u)" \
  "sysvisor-runc exports the plugin API and nothing else"

echo "plugins-combinations: ok ($N containers)"
