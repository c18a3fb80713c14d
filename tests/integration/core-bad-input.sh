#!/bin/bash
# core-bad-input: every kind of bad input gets one clear line naming what is wrong, a
# non-zero exit, and leaves nothing behind (state, cgroup, mounts, processes).
set -eu
. "$(dirname "$0")/../lib/common.sh"
. "$SV_LIB_DIR/busybox-rootfs.sh"
. "$SV_LIB_DIR/runtime.sh"
sv_require_root
sv_require_runtime
sv_require_probe

sv_use_plugins none none none
b=$SV_TEST_TMP/bundle
sv_core_bundle "$b" /sv-probe exit 0
cp "$b/config.json" "$SV_TEST_TMP/good.json"

# expect_refused ID PATTERN CMD...: one error line matching PATTERN, status != 0, nothing left.
expect_refused() {
  local id=$1 pattern=$2
  shift 2
  assert_fail "$@" </dev/null
  assert_match "$pattern" "$SV_OUT" "error for: $*"
  assert_eq 1 "$(grep -c . <<<"$SV_OUT")" "exactly one line for: $*"
  assert_match "^sysvisor-runc: " "$SV_OUT" "the line names the program"
  sv_assert_nothing_left "$id" "$b"
  assert_eq "" "$(sv_procs_of_uid "$SV_FALLBACK_UID")" "no stray process of the container's uid"
}

bad_spec() {   # bad_spec JQ-FILTER PATTERN
  cp "$SV_TEST_TMP/good.json" "$b/config.json"
  sv_spec_set "$b" "$1"
  expect_refused "$SV_ID-bad" "$2" sv_rt run --bundle "$b" "$SV_ID-bad"
}

# Malformed JSON.
printf '{ "ociVersion": "1.0.2", ' >"$b/config.json"
expect_refused "$SV_ID-bad" "config.json: not valid JSON" sv_rt run --bundle "$b" "$SV_ID-bad"
# Fields of the wrong type or value: the error names the JSON path.
bad_spec '.process.user.uid = "root"' 'process.user.uid: expected an unsigned integer'
bad_spec '.linux.uidMappings = [{"containerID":0,"hostID":"x","size":1}] | .linux.gidMappings = .linux.uidMappings' \
  'linux.uidMappings\[0\].hostID: expected an unsigned integer'
bad_spec '.process.capabilities.bounding += ["CAP_NOPE"]' 'process.capabilities.bounding\[[0-9]+\]: unknown capability "CAP_NOPE"'
bad_spec '.mounts += [{"destination":"/x","type":"bind","source":"/nonexistent-sv","options":["bind"]}]' \
  'bind mount -v /nonexistent-sv:/x refused: /nonexistent-sv does not exist; create it or fix the path \(mounts\[[0-9]+\].source\)$'
bad_spec '.root.path = "missing-rootfs"' 'root.path: .*missing-rootfs is not a directory'
bad_spec '.process.args = ["/no/such/binary"]' 'exec: "/no/such/binary" \(process.args\[0\]\): No such file'
# The same in a cgroup whose parents are new: they go too, in every hierarchy (a failed create
# leaves no cgroup directory behind, not only its own).
sv_on_exit "for d in /sys/fs/cgroup/*/$SV_ID-nest; do
  [ ! -d \"\$d\" ] || find \"\$d\" -depth -type d -delete; done"
bad_spec ".process.args = [\"/no/such/binary\"] | .linux.cgroupsPath = \"/$SV_ID-nest/a/b\"" \
  'exec: "/no/such/binary" \(process.args\[0\]\): No such file'
assert_eq "" "$(ls -d /sys/fs/cgroup/*/"$SV_ID-nest" 2>/dev/null || true)" \
  "a failed create's new parent cgroups are removed"
bad_spec '.process.args = ["nosuchcmd"]' 'executable file not found in \$PATH'
bad_spec '.linux.namespaces += [{"type":"bogus"}]' 'linux.namespaces\[[0-9]+\].type: unknown namespace "bogus"'
cp "$SV_TEST_TMP/good.json" "$b/config.json"
sv_spec_set "$b" '.process.terminal = true'
expect_refused "$SV_ID-bad" 'process.terminal is true but no --console-socket' \
  sv_rt create --bundle "$b" "$SV_ID-bad"
expect_refused "$SV_ID-bad" 'process.terminal is true but no --console-socket' \
  sv_rt run -d --bundle "$b" "$SV_ID-bad"
bad_spec '.linux.sysctl = {"kernel.no_such_sysctl":"1"}' 'linux.sysctl "kernel.no_such_sysctl"'
if [ ! -d /sys/kernel/security/apparmor ]; then
  bad_spec '.process.apparmorProfile = "docker-default"' \
    'process.apparmorProfile "docker-default": AppArmor is not enabled on this host'
fi
bad_spec '.mounts += [{"destination":"/bad","type":"nosuchfs","source":"x"}]' 'mount x \(nosuchfs\) on /bad: .* \(mounts\[[0-9]+\]\)$'
bad_spec '.hooks = {"prestart":[{"path":"/bin/false"}]}' 'hooks.prestart\[0\] \(/bin/false\) failed'
bad_spec '.hooks = {"createRuntime":[{"path":"relative"}]}' 'hooks.createRuntime\[0\].path: "relative" is not an absolute path'
cp "$SV_TEST_TMP/good.json" "$b/config.json"

# Text that is not UTF-8 would be written into state.json, which then no command could read
# (the init and cgroups of such a container were left behind): refused up front.
cp "$SV_TEST_TMP/good.json" "$b/config.json"
sv_spec_set "$b" '.annotations = {"note": "LONE"}'
sed -i 's/LONE/x\\ud800y/' "$b/config.json"
expect_refused "$SV_ID-bad" 'config.json: a \\uD800-\\uDFFF escape without its pair \(byte [0-9]+\); write the character itself' \
  sv_rt run --bundle "$b" "$SV_ID-bad"
# json-glib's parser recurses: nesting deep enough to overflow its stack is refused first.
cp "$SV_TEST_TMP/good.json" "$b/config.json"
{ printf '{"a": '; head -c 200000 /dev/zero | tr '\0' '['; } >"$b/config.json"
expect_refused "$SV_ID-bad" 'config.json: nested deeper than 64 levels \(byte [0-9]+\)' sv_rt run --bundle "$b" "$SV_ID-bad"
# json-glib reads a number past a double's range as infinity and writes it as "inf":
# refused where it is read, like the bad text.
cp "$SV_TEST_TMP/good.json" "$b/config.json"
sv_spec_set "$b" '.hooks = {"poststop": [{"path": "/bin/true", "timeout": 12345}]}'
sed -i 's/12345/1e400/' "$b/config.json"
expect_refused "$SV_ID-bad" "a number is beyond what a double holds" sv_rt run --bundle "$b" "$SV_ID-bad"
# ... and reads an integer beyond 64 bits modulo 2^64 (this limit would have read as 1 byte).
cp "$SV_TEST_TMP/good.json" "$b/config.json"
sv_spec_set "$b" '.linux.resources.memory = {"limit": 12345}'
sed -i 's/12345/18446744073709551617/' "$b/config.json"
expect_refused "$SV_ID-bad" "the integer 18446744073709551617 does not fit in 64 bits" \
  sv_rt run --bundle "$b" "$SV_ID-bad"
cp "$SV_TEST_TMP/good.json" "$b/config.json"
ln -s "$b" "$SV_TEST_TMP/bund"$'\xff'"le"
expect_refused "$SV_ID-bad" "the bundle's path is not valid UTF-8" \
  sv_rt run --bundle "$SV_TEST_TMP/bund"$'\xff'"le" "$SV_ID-bad"

# Command-line mistakes.
expect_refused "$SV_ID-x" "unknown option --frobnicate" sv_rt run --frobnicate --bundle "$b" "$SV_ID-x"
expect_refused "$SV_ID-x" "unknown global option --nope" "$SV_RUNC" --nope list
expect_refused "$SV_ID-x" 'unknown command "launch"' sv_rt launch "$SV_ID-x"
expect_refused "$SV_ID-x" 'the container id is missing' sv_rt create --bundle "$b"
expect_refused "$SV_ID-x" 'invalid container id "a/b"' sv_rt create --bundle "$b" "a/b"
# A UTF-8 name comes back as the same bytes whatever the locale (the runtime sets none).
for loc in C.UTF-8 C POSIX; do
  expect_refused "$SV_ID-x" 'invalid container id "nöpe/ü"' env LC_ALL=$loc "$SV_RUNC" \
    --root "$SV_ROOT" create --bundle "$b" "nöpe/ü"
done
expect_refused "$SV_ID-x" 'unknown --log-format "xml"' "$SV_RUNC" --log-format xml --root "$SV_ROOT" list
expect_refused "$SV_ID-x" "no such file; create it with \`sysvisor-runc spec" sv_rt create --bundle "$SV_TEST_TMP" "$SV_ID-x"
expect_refused "$SV_ID-x" 'container "nothere" does not exist' sv_rt start nothere
expect_refused "$SV_ID-x" 'container "nothere" does not exist' sv_rt delete nothere
expect_refused "$SV_ID-x" 'unknown signal "SIGFOO"' sv_rt kill nothere SIGFOO

# A bad plugins.conf line names the file and line.
printf '[sysvisor]\nidmap = none\nwhatever = 1\n' >"$SV_TEST_TMP/bad.conf"
expect_refused "$SV_ID-x" "bad.conf:3: unknown role \"whatever\"" \
  env SYSVISOR_PLUGINS_CONF="$SV_TEST_TMP/bad.conf" "$SV_RUNC" --root "$SV_ROOT" run --bundle "$b" "$SV_ID-x"

# Not root: one clear line.
assert_fail setpriv --reuid=65534 --regid=65534 --clear-groups "$SV_RUNC" --root "$SV_ROOT" list
assert_eq "sysvisor-runc: list: sysvisor-runc must run as root (try sudo)" "$SV_OUT"

# The JSON log records the error as containerd reads it.
assert_fail "$SV_RUNC" --root "$SV_ROOT" --log "$SV_TEST_TMP/log.json" --log-format json start nothere
assert_eq error "$(tail -n1 "$SV_TEST_TMP/log.json" | jq -r .level)" "json log level"
assert_match 'does not exist' "$(tail -n1 "$SV_TEST_TMP/log.json" | jq -r .msg)" "json log msg"

# After all that, the good spec still runs.
assert_ok sv_rt run --bundle "$b" "$SV_ID-ok"
sv_assert_nothing_left "$SV_ID-ok" "$b"
echo "core-bad-input: ok"
