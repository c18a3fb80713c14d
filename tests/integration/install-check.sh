#!/bin/bash
# install-check: `sysvisor-runc check` (the built binary, nothing installed) reads what it is
# pointed at through SYSVISOR_PLUGINS_CONF, SYSVISOR_LIB_DIR and SYSVISOR_DOCKER_DAEMON_JSON,
# and reports each case right: one `ok|warn|fail  NAME: DETAIL[; fix: FIX]` line per check,
# the same as a JSON array of {name,status,detail,fix}, exit 1 only when a check fails.
# The plugins' own lines (subordinate ids, Docker's data root, sysvisor-fs) come from their
# check hooks; a role set to none has one line of the core.
# Cases: a good setup, Docker registration missing / pointing nowhere / unreadable, userns-remap
# on (and idmap = exclusive against it), the subordinate id capacity (ranges held: as range
# files, in an older release's table, in both; full; no entry), sysvisor-fs not running, a bad
# plugins.conf, a lib dir that cannot be ID-mapped, not root, a bad --format.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
sv_require_root
sv_require_runtime
sv_require_cmd jq setpriv

T=$SV_TEST_TMP
export SYSVISOR_LIB_DIR=$T/lib SYSVISOR_PLUGINS_CONF=$T/plugins.conf
export SYSVISOR_DOCKER_DAEMON_JSON=$T/daemon.json
mkdir -m 700 "$SYSVISOR_LIB_DIR"
fake_runtime=$T/bin/sysvisor-runc
mkdir -p "$T/bin"
printf '#!/bin/sh\nexit 0\n' >"$fake_runtime"
chmod 755 "$fake_runtime"

# plugins.conf [EXTRA-LINES...]: idmap auto, shift auto, procfs none, ids from $T/subuid
conf() {
  {
    printf '[sysvisor]\nidmap = %s\nshift = auto\nprocfs = %s\n' "${IDMAP:-auto}" "${PROCFS:-none}"
    [ -z "${MAIN:-}" ] || printf '%s\n' "$MAIN"   # more [sysvisor] lines
    printf '[idmap-exclusive]\nsubuid-file = %s\nsubgid-file = %s\n' "$T/subuid" "$T/subgid"
    local l
    for l in "$@"; do printf '%s\n' "$l"; done
  } >"$SYSVISOR_PLUGINS_CONF"
}
subids() {   # subids LINE: the same line in both files
  printf '%s\n' "$1" >"$T/subuid"
  printf '%s\n' "$1" >"$T/subgid"
}
table() {    # table N: N held ranges in the single table of an older release (check reads it)
  local i
  {
    printf '{"version": 1, "ranges": ['
    for ((i = 0; i < $1; i++)); do
      printf '%s{"start": %d, "size": 65536, "stateRoot": "/run/x", "id": "c%d", "created": "2026-01-01T00:00:00Z"}' \
        "$([ "$i" -gt 0 ] && echo ,)" $((2147483648 + i * 65536)) "$i"
    done
    printf ']}\n'
  } >"$SYSVISOR_LIB_DIR/idmap-exclusive.json"
}
# ranges N [FIRST]: N held ranges as range files (idmap-exclusive/ranges/<start>-<size>.json,
# each with its holder link), in the slots from FIRST (default 0) on
ranges() {
  local i s store=$SYSVISOR_LIB_DIR/idmap-exclusive key=0123456789abcdef
  mkdir -p "$store/ranges" "$store/holders/$key"
  chmod 700 "$store" "$store/ranges" "$store/holders" "$store/holders/$key"
  ln -sfn /run/x "$store/holders/$key.root"
  for ((i = ${2:-0}; i < ${2:-0} + $1; i++)); do
    s=$((2147483648 + i * 65536))
    jq -n --argjson s "$s" --arg id "c$i" '{version: 1, start: $s, size: 65536,
      stateRoot: "/run/x", id: $id, created: "2026-01-01T00:00:00Z"}' >"$store/ranges/$s-65536.json"
    chmod 600 "$store/ranges/$s-65536.json"
    ln -sfn "$s-65536" "$store/holders/$key/c$i"
  done
}
# lib_dir_state: every entry under the lib dir, with its kind, link target and contents' hash
lib_dir_state() {
  find "$SYSVISOR_LIB_DIR" -mindepth 1 -printf '%P %y %m %l\n' | sort
  find "$SYSVISOR_LIB_DIR" -mindepth 1 -type f -print0 | sort -z | xargs -0r sha256sum
}
registered() { jq -n --arg p "$fake_runtime" '{runtimes: {"sysvisor-runc": {path: $p}}}' >"$SYSVISOR_DOCKER_DAEMON_JSON"; }

# check [ARGS...]: run it; SV_RC its status, SV_OUT its output
check() {
  SV_RC=0
  SV_OUT=$("$SV_RUNC" check "$@" 2>&1) || SV_RC=$?
}
line() { grep -E "^(ok|warn|fail)  $1: " <<<"$SV_OUT" || true; }
expect() {   # expect STATUS NAME [REGEX]
  local l
  l=$(line "$2")
  [ -n "$l" ] || sv_fail "no '$2' line in: $SV_OUT"
  assert_match "^$1  " "$l" "status of '$2'"
  [ -z "${3:-}" ] || assert_match "$3" "$l" "detail of '$2'"
}

# ---- a good setup: every line ok, exit 0, JSON the same
conf; subids sysvisor:2147483648:196608; table 1; registered
check
assert_eq 0 "$SV_RC" "check passes: $SV_OUT"
n=$(grep -cE '^(ok|warn|fail)  [^ :][^:]*: .+' <<<"$SV_OUT")
assert_eq "$(wc -l <<<"$SV_OUT")" "$n" "every line is 'STATUS  NAME: DETAIL'"
assert_eq 0 "$(grep -cvE '^ok  ' <<<"$SV_OUT" || true)" "all ok: $SV_OUT"
for name in root plugins.conf kernel "user namespaces" "id-mapped mounts: sysvisor" \
            "id-mapped mounts: docker" "overlay on id-mapped layers" fuse procfs cgroups \
            plugins "subordinate ids" idmap-dockerremap "docker runtime" "docker userns-remap"; do
  [ -n "$(line "$name")" ] || sv_fail "no '$name' line: $SV_OUT"
done
expect ok "subordinate ids" "room for 3 containers of 65536 ids; 1 held .*, 2 free"
expect ok "docker runtime" "runtimes.sysvisor-runc = $fake_runtime"
expect ok "docker userns-remap" "disabled .*idmap-exclusive .*idmapped-mounts"
expect ok "overlay on id-mapped layers" "mounts and shows their files with shifted owners"
libfs=$(findmnt -n -o FSTYPE --target "$SYSVISOR_LIB_DIR")
expect ok "id-mapped mounts: sysvisor" "the lib dir $SYSVISOR_LIB_DIR \($libfs\) can be ID-mapped"
expect ok storage "under $SYSVISOR_LIB_DIR/storage \($libfs\); no orphans"
assert_eq "" "$(find "$SYSVISOR_LIB_DIR" -mindepth 1 -maxdepth 1 ! -name idmap-exclusive.json -printf '%f\n' | sort)" \
  "the overlay probe leaves nothing in the lib dir, and check converts no table"
text=$SV_OUT
check --format json
assert_eq 0 "$SV_RC" "check --format json passes"
assert_eq "$n" "$(jq length <<<"$SV_OUT")" "one JSON element per line"
assert_eq true "$(jq 'all(.[]; (keys == ["detail","fix","name","status"]) and .fix == null and .status == "ok")' <<<"$SV_OUT")" \
  "elements are {name,status,detail,fix}"
assert_eq "$text" "$(jq -r '.[] | "\(.status)  \(.name): \(.detail)"' <<<"$SV_OUT")" "JSON and text agree"

# ---- the ranges held, as range files (this release's form), and in both forms (a table of
# an older release that no create or delete has converted yet): check counts them all and
# changes nothing (no conversion, no directory made, no file removed)
store=$SYSVISOR_LIB_DIR/idmap-exclusive
rm -f "$SYSVISOR_LIB_DIR/idmap-exclusive.json"
ranges 1
echo '{"version": 1, "start": 21' >"$store/ranges/.2147549184-65536.json"   # a temporary file
before=$(lib_dir_state)
check
assert_eq 0 "$SV_RC" "check passes with range files: $SV_OUT"
expect ok "subordinate ids" "room for 3 containers of 65536 ids; 1 held .*, 2 free"
assert_eq "$before" "$(lib_dir_state)" "check leaves the range files as they were"
left=$(find "$SYSVISOR_LIB_DIR" -mindepth 1 -maxdepth 1 ! -name idmap-exclusive -printf '%f\n')
assert_eq "" "$left" "the overlay probe leaves nothing in the lib dir, and check writes no table"
ranges 2
check
expect ok "subordinate ids" "room for 3 containers of 65536 ids; 2 held .*, 1 free"
rm -rf "$store"
table 1
ranges 2 1
before=$(lib_dir_state)
check
expect fail "subordinate ids" "room for 3 containers .* 3 held .*, 0 free; fix: delete containers"
assert_eq 1 "$SV_RC" "no free range, counted in both forms, fails"
assert_eq "$before" "$(lib_dir_state)" \
  "check converts nothing: the table and the range files are as they were"
rm -rf "$store"
check
expect ok "subordinate ids" "room for 3 containers of 65536 ids; 1 held .*, 2 free"
assert_file_absent "$store" "check makes no directory for the ranges (a table alone)"

# ---- Docker
rm -f "$SYSVISOR_DOCKER_DAEMON_JSON"
check
if command -v dockerd >/dev/null || [ -x /usr/sbin/dockerd ] || [ -x /usr/bin/dockerd ]; then
  expect warn "docker runtime" "does not exist.*; fix: run ./data/install.sh --docker-only"
else
  expect ok "docker runtime" "Docker is not installed"
fi
assert_eq 0 "$SV_RC" "a warning is not a failure"
echo '{"log-level": "warn"}' >"$SYSVISOR_DOCKER_DAEMON_JSON"
check
expect warn "docker runtime" "has no runtimes.sysvisor-runc"
assert_eq 0 "$SV_RC" "unregistered: a warning"
echo '{"runtimes": {"sysvisor-runc": {"path": "/nonexistent/sysvisor-runc"}}}' >"$SYSVISOR_DOCKER_DAEMON_JSON"
check
expect fail "docker runtime" '"/nonexistent/sysvisor-runc", not an executable file; fix: set it to'
assert_eq 1 "$SV_RC" "a registration pointing nowhere fails"
echo '{"runtimes": ' >"$SYSVISOR_DOCKER_DAEMON_JSON"
check
expect fail "docker runtime" "not valid JSON"
assert_eq 1 "$SV_RC" "an unreadable daemon.json fails"
jq -n --arg p "$fake_runtime" '{runtimes: {"sysvisor-runc": {path: $p}}, "default-runtime": "sysvisor-runc", "userns-remap": "default", "data-root": "/nonexistent-docker-root"}' \
  >"$SYSVISOR_DOCKER_DAEMON_JSON"
check
assert_eq 0 "$SV_RC" "remap on, default runtime: $SV_OUT"
expect ok "docker runtime" "default runtime: sysvisor-runc"
expect ok "docker userns-remap" 'enabled \("default"\).*idmap-dockerremap .*no shifting'
expect ok "id-mapped mounts: docker" \
  "/nonexistent-docker-root does not exist yet; / \\($(findmnt -n -o FSTYPE --target /)\\)"
echo '{"data-root": 5, "runtimes": {"sysvisor-runc": "oops"}, "userns-remap": true}' >"$SYSVISOR_DOCKER_DAEMON_JSON"
check
expect fail "docker runtime" "runtimes.sysvisor-runc in .* is not an object with a \"path\""
expect ok "id-mapped mounts: docker" "Docker's data root /var/lib/docker"
expect ok "docker userns-remap" "disabled"
jq -n --arg p "$fake_runtime" '{runtimes: {"sysvisor-runc": {path: $p}}, "userns-remap": "default"}' >"$SYSVISOR_DOCKER_DAEMON_JSON"
IDMAP=exclusive conf
check
expect warn "docker userns-remap" "idmap = exclusive in plugins.conf replaces Docker's mappings"
conf; registered

# ---- subordinate ids: full, no entry, inconsistent
table 3
check
expect fail "subordinate ids" "room for 3 containers .* 3 held .*, 0 free; fix: delete containers"
assert_eq 1 "$SV_RC" "no free range fails"
table 0
subids someoneelse:300000:65536
check
expect fail "subordinate ids" "user sysvisor has no entry in $T/subuid.*fix: .*add the line sysvisor:393216:268435456 to both"
printf 'sysvisor:2147483648:196608\n' >"$T/subuid"
printf 'sysvisor:2147483648:131072\n' >"$T/subgid"
check
expect fail "subordinate ids"
assert_eq 1 "$SV_RC" "unequal subuid and subgid entries fail"
subids sysvisor:2147483648:196608
IDMAP=dockerremap conf
check
# the lines of a plugin come from the plugin (its check hook): idmap-exclusive is not in use
assert_eq "" "$(line "subordinate ids")" "no idmap-exclusive line without idmap-exclusive: $SV_OUT"
expect ok idmap-dockerremap "it has no host requirement to check"

# ---- a third-party plugin chosen by auto (plugins.conf's auto-idmap): its line is its own
BUILD=${SV_BUILD_ROOT:-$(cd "$(dirname "$SV_RUNC")/.." && pwd)}
MAIN="auto-idmap = idmap-fixed" conf "[idmap-fixed]" "host-id = 300000"
SYSVISOR_PLUGIN_DIR=$SYSVISOR_PLUGIN_DIR:$BUILD/tests/plugins check
assert_eq 0 "$SV_RC" "a third-party plugin in auto: $SV_OUT"
expect ok plugins "idmap-fixed, .*idmap-dockerremap [0-9.]+"
expect ok idmap-fixed "its probe passes \(one fixed uid/gid range"
expect ok "docker userns-remap" "disabled .*idmap-fixed \(idmap\) and idmapped-mounts"
assert_eq "" "$(line "subordinate ids")" "idmap-exclusive is not chosen: no line of it"
MAIN="auto-idmap = idmap-fixed" conf "[idmap-fixed]" "host-id = 0"
SYSVISOR_PLUGIN_DIR=$SYSVISOR_PLUGIN_DIR:$BUILD/tests/plugins check
expect fail idmap-fixed 'host-id = "0": give a number from 1 to .*; fix: as said, or name another idmap plugin'
assert_eq 1 "$SV_RC" "its failing probe fails check"
conf

# ---- sysvisor-fs not running at the configured mountpoint
PROCFS=fuse-procfs conf '[fuse-procfs]' "mountpoint = $T/no-fs"
check
expect fail "sysvisor-fs" "no sysvisor-fs mount on $T/no-fs"
assert_eq 1 "$SV_RC" "sysvisor-fs down fails"

# ---- a bad plugins.conf: named, and the rest still checked with the defaults
printf '[sysvisor]\nidmpa = auto\n' >"$SYSVISOR_PLUGINS_CONF"
check
expect fail "plugins.conf" "$SYSVISOR_PLUGINS_CONF:2: unknown role \"idmpa\""
[ -n "$(line kernel)" ] || sv_fail "a bad plugins.conf stops the other checks: $SV_OUT"
printf '[sysvisor]\nidmap = bogus\nprocfs = none\n' >"$SYSVISOR_PLUGINS_CONF"
check
expect fail plugins 'plugin "bogus" is not installed.*; fix: reinstall Sysvisor'
conf

# ---- a lib dir that cannot be ID-mapped (sysfs)
SYSVISOR_LIB_DIR=/sys/kernel check
expect fail "id-mapped mounts: sysvisor" "/sys/kernel \(sysfs\) cannot be ID-mapped.*; fix: "
expect fail "overlay on id-mapped layers"

# ---- not root; a bad --format
SV_RC=0
SV_OUT=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$SV_RUNC" check 2>&1) || SV_RC=$?
expect fail root "running as uid 65534"
assert_eq 1 "$SV_RC" "not root fails"
check --format yaml
assert_eq 1 "$SV_RC" "a bad --format is refused"
assert_match 'unknown --format "yaml"' "$SV_OUT"
sv_log "ok: sysvisor-runc check reports every case"
