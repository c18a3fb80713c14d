#!/bin/bash
# runc-parity-cwd: process.cwd is set up in runc 1.1.5's order (issue 14, item 4): entered while
# still container root, before the user switch and the capability drop (so /root works for
# uid 42), after the client's seccomp filter when noNewPrivileges is false (a profile refusing
# chdir then stops the container, as with runc) and before it when true; a missing cwd is
# created before the rootfs becomes read-only.  Each case runs under runc and sysvisor-runc;
# the outputs (or the failure) must be the same.  exec --cwd too.
set -eu
# shellcheck source=tests/lib/runc-parity.sh
. "$(dirname "$0")/../lib/runc-parity.sh"
sv_require_cmd jq
parity_require_runc

parity_bundles sh
chmod 700 "$ref/rootfs/root" "$mine/rootfs/root"

# under RUNTIME ROOT BUNDLE FILTER: what `pwd; id -u` shows, or "failed".
under() {
  local rt=$1 root=$2 b=$3 id=$SV_ID-c$RANDOM out
  cp "$b/config.json" "$b/config.json.orig"
  sv_spec_set "$b" '.process.args = ["sh", "-c", "echo $(pwd) $(id -u)"]'
  sv_spec_set "$b" "$4"
  out=$("$rt" --root "$root" run --bundle "$b" "$id" </dev/null 2>/dev/null) || out=failed
  echo "$out"
  "$rt" --root "$root" delete --force "$id" >/dev/null 2>&1 || true
  mv "$b/config.json.orig" "$b/config.json"
}

# same NAME FILTER EXPECTED: runc shows EXPECTED, and so do we.
same() {
  local r s
  r=$(under "$SV_REF_RUNC" "$REF_ROOT" "$ref" "$2")
  s=$(under "$SV_RUNC" "$SV_ROOT" "$mine" "$2")
  assert_eq "$3" "$r" "runc, $1"
  assert_eq "$r" "$s" "/cwd/as-runc: $1"
}

same root-as-uid-42 '.process.cwd = "/root" | .process.user = {"uid": 42, "gid": 42}' "/root 42"
same root-as-uid-42-no-caps '.process.cwd = "/root" | .process.user = {"uid": 42, "gid": 42}
  | .process.capabilities = {}' "/root 42"
same missing-cwd '.process.cwd = "/new/dir"' "/new/dir 0"
same missing-cwd-read-only-rootfs '.process.cwd = "/made/here" | .root.readonly = true' "/made/here 0"
same missing-cwd-as-uid-1000 '.process.cwd = "/home/made" | .process.user = {"uid": 1000, "gid": 1000}' \
  "/home/made 1000"
same cwd-is-a-file '.process.cwd = "/etc/passwd"' "failed"
# The client's filter refuses chdir: loaded before the cwd without noNewPrivileges (the
# container fails), right before execve with it (the cwd is entered first).
nochdir='{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
  "syscalls": [{"names": ["chdir"], "action": "SCMP_ACT_ERRNO"}]}'
same seccomp-refuses-chdir-without-nnp ".process.cwd = \"/tmp\" | .process.noNewPrivileges = false
  | .linux.seccomp = $nochdir" failed
same seccomp-refuses-chdir-with-nnp ".process.cwd = \"/tmp\" | .process.noNewPrivileges = true
  | .linux.seccomp = $nochdir" "/tmp 0"

# exec --cwd: the same order for a process joining a running container.
for b in "$ref" "$mine"; do sv_spec_set "$b" '.process.args = ["sleep", "1000"]'; done
"$SV_REF_RUNC" --root "$REF_ROOT" run -d --bundle "$ref" "$SV_ID-x" </dev/null >/dev/null 2>&1 \
  || sv_fail "runc run -d failed"
sv_rt_bg run -d --bundle "$mine" "$SV_ID-x"
for args in "--cwd /root -u 42:42" "--cwd /root -u 1000:1000" "--cwd /tmp -u 42:42"; do
  # shellcheck disable=SC2086
  r=$("$SV_REF_RUNC" --root "$REF_ROOT" exec $args "$SV_ID-x" sh -c 'echo $(pwd) $(id -u)' 2>&1) || r="failed"
  # shellcheck disable=SC2086
  s=$(sv_rt exec $args "$SV_ID-x" sh -c 'echo $(pwd) $(id -u)' 2>&1) || s="failed"
  assert_eq "$r" "$s" "/cwd/exec-as-runc: $args"
done
assert_eq "/root 42" "$(sv_rt exec --cwd /root -u 42:42 "$SV_ID-x" sh -c 'echo $(pwd) $(id -u)')" \
  "/cwd/exec-root-as-uid-42"
assert_ok sv_rt delete --force "$SV_ID-x"
sv_assert_nothing_left "$SV_ID-x" "$mine"
