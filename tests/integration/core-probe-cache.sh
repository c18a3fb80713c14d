#!/bin/bash
# core-probe-cache: create runs the shiftfs probe (ID-map the lib dir and Docker's data root)
# once and keeps its verdict in a root-only file of the state root; it probes again, and
# refuses with the probe's error, as soon as what the verdict rests on changes: a filesystem
# mounted over Docker's data root, plugins.conf, the daemon.json that names the data root.
# A cache file that is not root's alone is ignored.
set -euo pipefail
. "$(dirname "$0")/idmapped-mounts-lib.sh"

b=$SV_TEST_TMP/b
shiftfs_bundle "$b" true
data=$SV_TEST_TMP/docker-root
mkdir -p "$data"
cache=$SV_ROOT/probe@idmapped-mounts
log=$SV_TEST_TMP/debug.log

# run_dbg ID: run the bundle with a debug log; SV_OUT and SV_RC as shiftfs_run_out leaves them.
run_dbg() {
  : >"$log"
  SV_RC=0
  SV_OUT=$(sv_rt --debug --log "$log" run --bundle "$b" "$1" </dev/null 2>&1) || SV_RC=$?
}
probe_skipped() { grep -q 'idmapped-mounts: probe passed before' "$log"; }

SHIFTFS_IDMAP=none shiftfs_setup "docker-data-root = $data"
run_dbg "$SV_ID-1"
assert_eq 0 "$SV_RC" "first run: $SV_OUT"
probe_skipped && sv_fail "the first create must probe"
assert_eq "root 600 regular file" "$(stat -c '%U %a %F' "$cache")" "the verdict is root's alone"
run_dbg "$SV_ID-2"
assert_eq 0 "$SV_RC" "second run: $SV_OUT"
probe_skipped || sv_fail "the second create must use the kept verdict: $(cat "$log")"

# A filesystem that cannot be ID-mapped mounted over Docker's data root: probed again.
mount -t ramfs ramfs "$data"
sv_on_exit "umount -l '$data' 2>/dev/null || true"
run_dbg "$SV_ID-3"
assert_ne 0 "$SV_RC" "a data root on ramfs must fail the probe"
assert_match "^sysvisor-runc: plugin idmapped-mounts cannot run on this host: Docker's data root $data is on a ramfs filesystem" \
  "$SV_OUT" "the probe ran again and names the new filesystem"
sv_assert_nothing_left "$SV_ID-3" "$b"
umount "$data"
run_dbg "$SV_ID-4"
assert_eq 0 "$SV_RC" "data root back on its own filesystem: $SV_OUT"
probe_skipped && sv_fail "a failed probe must not leave a verdict behind"

# plugins.conf changes: probed again.
SHIFTFS_IDMAP=none shiftfs_setup "docker-data-root = /proc/sys"
run_dbg "$SV_ID-5"
assert_ne 0 "$SV_RC" "data root on proc after a plugins.conf change"
assert_match "Docker's data root /proc/sys is on a proc filesystem" "$SV_OUT" \
  "the probe ran again after plugins.conf changed"

# The daemon.json that names the data root changes, plugins.conf does not: probed again.
json=$SV_TEST_TMP/daemon.json
jq -n --arg d "$data" '{"data-root": $d}' >"$json"
SHIFTFS_IDMAP=none shiftfs_setup "docker-daemon-json = $json"
run_dbg "$SV_ID-6"
assert_eq 0 "$SV_RC" "daemon.json names a good data root: $SV_OUT"
run_dbg "$SV_ID-7"
probe_skipped || sv_fail "unchanged daemon.json: the kept verdict holds"
jq -n '{"data-root": "/proc/sys"}' >"$json.new" && mv "$json.new" "$json"
run_dbg "$SV_ID-8"
assert_ne 0 "$SV_RC" "daemon.json now names a data root on proc"
assert_match "Docker's data root /proc/sys is on a proc filesystem" "$SV_OUT" \
  "the probe ran again after daemon.json changed"

# A verdict file others could have written is not trusted.
jq -n --arg d "$data" '{"data-root": $d}' >"$json.new" && mv "$json.new" "$json"
run_dbg "$SV_ID-9"
assert_eq 0 "$SV_RC" "good data root again: $SV_OUT"
chmod 0620 "$cache"
run_dbg "$SV_ID-10"
assert_eq 0 "$SV_RC" "run with a group-writable verdict file: $SV_OUT"
probe_skipped && sv_fail "a group-writable verdict file must be ignored"
assert_eq 600 "$(stat -c %a "$cache")" "the probe wrote a root-only verdict again"

# `sysvisor-runc list` does not show the file as a container.
assert_eq "" "$(sv_rt list -q)" "no container listed"
sv_log "ok: probe verdict kept, and probed again on each change"
