#!/bin/bash
# runc-parity-terminal: terminals as runc 1.1.5 gives them (issue 14, item 5).  The pty of
# `run` belongs to process.user.uid (group tty kept); `exec -t` gives a pty owned by the
# process's user (not nobody); /dev/ptmx listed in linux.devices still gives a terminal (the
# container's own devpts); a read-only /dev tmpfs gets its /dev/pts and ends read-only.  Each
# case runs under runc and under sysvisor-runc, inside script(1) for a real terminal.
set -eu
# shellcheck source=tests/lib/runc-parity.sh
. "$(dirname "$0")/../lib/runc-parity.sh"
sv_require_cmd jq script
parity_require_runc

parity_bundles sh

# What the process shows (/show in both rootfs): its terminal's owner uid and gid, the
# terminal's directory, whether /dev is mounted read-only.
for b in "$ref" "$mine"; do
  cat >"$b/rootfs/show" <<'EOS'
t=$(readlink /proc/self/fd/0)
echo $(ls -ln "$t" | awk '{print $3, $4}') ${t%[0-9]*} $(awk '$5 == "/dev" {split($6, o, ","); print "dev-" o[1]}' /proc/self/mountinfo)
EOS
done
chown "$SV_FALLBACK_UID:$SV_FALLBACK_UID" "$mine/rootfs/show"

# in_tty CMD...: CMD in a terminal of its own (script), its output without CRs (and the "^@"
# the terminal echoes for script's end of input).
in_tty() {
  script -qec "$*" /dev/null </dev/null 2>&1 | tr -d '\r' | sed 's/\^@//g'
}

# under RUNTIME ROOT BUNDLE FILTER: run the bundle with a terminal after FILTER.
under() {
  local rt=$1 root=$2 b=$3 filter=$4 id=$SV_ID-t$RANDOM
  sv_spec_set "$b" '.process.terminal = true | .process.user = {"uid": 0, "gid": 0}
    | .process.args = ["sh", "/show"]'
  sv_spec_set "$b" "$filter"
  in_tty "$rt --root $root run --bundle $b $id"
  "$rt" --root "$root" delete --force "$id" >/dev/null 2>&1 || true
}

# same NAME FILTER EXPECTED: runc shows EXPECTED, and so do we.
same() {
  local r s
  cp "$ref/config.json" "$SV_TEST_TMP/ref.json"
  cp "$mine/config.json" "$SV_TEST_TMP/mine.json"
  r=$(under "$SV_REF_RUNC" "$REF_ROOT" "$ref" "$2")
  s=$(under "$SV_RUNC" "$SV_ROOT" "$mine" "$2")
  cp "$SV_TEST_TMP/ref.json" "$ref/config.json"
  cp "$SV_TEST_TMP/mine.json" "$mine/config.json"
  assert_eq "$3" "$r" "runc, $1"
  assert_eq "$r" "$s" "/terminal/as-runc: $1"
}

same uid-0 '.' "0 5 /dev/pts/ dev-rw"
same uid-1000 '.process.user = {"uid": 1000, "gid": 1000}' "1000 5 /dev/pts/ dev-rw"
same ptmx-in-linux.devices '.linux.devices += [{"path": "/dev/ptmx", "type": "c", "major": 5,
  "minor": 2, "fileMode": 438, "uid": 0, "gid": 0}]' "0 5 /dev/pts/ dev-rw"
same read-only-dev '.mounts |= map(if .destination == "/dev" then .options += ["ro"] else . end)' \
  "0 5 /dev/pts/ dev-ro"
same read-only-dev-uid-1000 '.process.user = {"uid": 1000, "gid": 1000}
  | .mounts |= map(if .destination == "/dev" then .options += ["ro"] else . end)' \
  "1000 5 /dev/pts/ dev-ro"

# exec -t into a running container: the pty belongs to the exec'd process's user.
for b in "$ref" "$mine"; do
  sv_spec_set "$b" '.process.terminal = false | .process.args = ["sleep", "1000"]
    | .process.user = {"uid": 0, "gid": 0}'
done
"$SV_REF_RUNC" --root "$REF_ROOT" run -d --bundle "$ref" "$SV_ID-x" </dev/null >/dev/null 2>&1 \
  || sv_fail "runc run -d failed"
sv_rt_bg run -d --bundle "$mine" "$SV_ID-x"
for u in 0:0 1000:1000 4242:0; do
  r=$(in_tty "$SV_REF_RUNC --root $REF_ROOT exec -t -u $u $SV_ID-x sh /show")
  s=$(in_tty "$SV_RUNC --root $SV_ROOT exec -t -u $u $SV_ID-x sh /show")
  assert_eq "${u%:*} 5 /dev/pts/ dev-rw" "$r" "runc, exec -t -u $u"
  assert_eq "$r" "$s" "/terminal/exec-t-as-runc: -u $u"
done
assert_ok sv_rt delete --force "$SV_ID-x"
sv_assert_nothing_left "$SV_ID-x" "$mine"
