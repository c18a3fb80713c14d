#!/bin/bash
# runc-parity-namespaces: what a system container must do differently from runc is said up
# front (issue 14, item 9).  Joining the host's pid namespace (with a /proc to mount) or the
# host's uts namespace (with a hostname to set) by path is refused before anything is made,
# with the reason and the fix, instead of failing late with a bare "Operation not permitted";
# the host's uts namespace without a hostname works.  A cgroup mount the spec asks read-only
# is made writable, and the runtime says so (a warning in the --log file; stderr stays
# quiet).
set -eu
# shellcheck source=tests/lib/runc-parity.sh
. "$(dirname "$0")/../lib/runc-parity.sh"
sv_require_cmd jq

b=$SV_TEST_TMP/bundle
sv_core_bundle "$b" sleep 1000
cp "$b/config.json" "$SV_TEST_TMP/config.orig"

# join TYPE PATH: the spec joins namespace TYPE at PATH.
join() {
  cp "$SV_TEST_TMP/config.orig" "$b/config.json"
  sv_spec_set "$b" '.linux.namespaces |= map(if .type == $t then .path = $p else . end)' \
    --arg t "$1" --arg p "$2"
}

# refused_up_front ID PATTERN: create fails with one line matching PATTERN, leaving nothing.
refused_up_front() {
  assert_fail sv_rt create --bundle "$b" "$1"
  assert_match "$2" "$SV_OUT" "error for $1"
  assert_eq 1 "$(grep -c . <<<"$SV_OUT")" "one line for $1: $SV_OUT"
  assert_eq "" "$(grep -i 'operation not permitted' <<<"$SV_OUT" || true)" "$1: not a bare EPERM"
  sv_assert_nothing_left "$1" "$b"
}

# The test's own shell lives in the host's namespaces.
join pid "/proc/$$/ns/pid"
refused_up_front "$SV_ID-pid" \
  "linux.namespaces: the pid namespace /proc/$$/ns/pid belongs to the host's user namespace.*cannot mount /proc.*remove \"path\""

join uts "/proc/$$/ns/uts"
sv_spec_set "$b" '.hostname = "parity"'
refused_up_front "$SV_ID-uts" \
  "linux.namespaces: the uts namespace /proc/$$/ns/uts belongs to the host's user namespace.*cannot set the hostname.*remove \"path\""
sv_spec_set "$b" '.hostname = "" | .domainname = "example.org"'
refused_up_front "$SV_ID-dom" "cannot set the domain name"

# Nothing to set: the host's uts namespace is usable as it is.
sv_spec_set "$b" 'del(.hostname) | del(.domainname)'
sv_rt_bg run -d --bundle "$b" "$SV_ID-utsok"
assert_eq "$(hostname)" "$(sv_rt exec "$SV_ID-utsok" hostname)" "/namespaces/host-uts-without-hostname-works"
assert_ok sv_rt delete --force "$SV_ID-utsok"

# A namespace of the container's own (no path) is as before.
cp "$SV_TEST_TMP/config.orig" "$b/config.json"
sv_spec_set "$b" '.hostname = "parity"'
sv_rt_bg run -d --bundle "$b" "$SV_ID-own"
assert_eq parity "$(sv_rt exec "$SV_ID-own" hostname)" "/namespaces/own-uts-gets-the-hostname"
assert_ok sv_rt delete --force "$SV_ID-own"

# ---------------------------------------------------------------- cgroup mounts forced writable
cp "$SV_TEST_TMP/config.orig" "$b/config.json"
sv_spec_set "$b" '.mounts |= map(if .type == "cgroup" then .options = ["nosuid", "noexec", "nodev", "ro"] else . end)'
log=$SV_TEST_TMP/runtime.log
"$SV_RUNTIME" --root "$SV_ROOT" --log "$log" --log-format json create --bundle "$b" "$SV_ID-cg" \
  </dev/null >"$SV_TEST_TMP/cg.out" 2>&1 || sv_fail "create with a ro cgroup mount: $(cat "$SV_TEST_TMP/cg.out")"
assert_eq 1 "$(jq -r 'select(.level == "warning") | .msg' "$log" | grep -c 'cgroup mount is made writable')" \
  "/cgroup/ro-forced-writable-is-logged"
assert_ok sv_rt delete --force "$SV_ID-cg"
# Not on stderr, where the container's own stderr goes too (most specs ask "ro": Docker's).
sv_rt_bg create --bundle "$b" "$SV_ID-cg1"
assert_eq "" "$(cat "$SV_TEST_TMP/bg.out")" "/cgroup/stderr-stays-quiet"
assert_ok sv_rt delete --force "$SV_ID-cg1"
# Without "ro" there is nothing to say.
sv_spec_set "$b" '.mounts |= map(if .type == "cgroup" then .options = ["nosuid", "noexec", "nodev"] else . end)'
: >"$log"
sv_rt_bg create --bundle "$b" "$SV_ID-cg2"
assert_eq "" "$(grep -i 'cgroup mount' "$SV_TEST_TMP/bg.out" || true)" "/cgroup/writable-asked-no-warning"
assert_ok sv_rt delete --force "$SV_ID-cg2"
sv_assert_nothing_left "$SV_ID-cg" "$b"
