#!/bin/bash
# runc-parity-process: the process's environment and groups are runc 1.1.5's on the same spec
# (issue 14, item 6): without HOME in process.env, HOME is the user's home in the container's
# /etc/passwd ("/" for a uid it does not list); the supplementary groups are exactly
# process.user.additionalGids (the primary gid is not added).  The same for `exec -u`.  Each
# case runs under runc (plain bundle) and under sysvisor-runc; the outputs must be equal.
set -eu
# shellcheck source=tests/lib/runc-parity.sh
. "$(dirname "$0")/../lib/runc-parity.sh"
sv_require_cmd jq
parity_require_runc

parity_bundles sleep 1000

show='echo $(grep Groups /proc/self/status) HOME=$HOME'

# under RUNTIME ROOT BUNDLE USER-JSON [ENV-JSON]: what the process shows.
under() {
  local rt=$1 root=$2 b=$3 user=$4 env=${5:-null}
  sv_spec_set "$b" '.process.user = $u | .process.args = ["sh", "-c", $s]
    | if $e != null then .process.env = $e else . end' \
    --argjson u "$user" --argjson e "$env" --arg s "$show"
  "$rt" --root "$root" run --bundle "$b" "$SV_ID-p" </dev/null 2>/dev/null
  "$rt" --root "$root" delete --force "$SV_ID-p" >/dev/null 2>&1 || true
}

# same USER-JSON [ENV-JSON] EXPECTED: runc shows EXPECTED, and so do we.
same() {
  local want=${*: -1} r s
  r=$(under "$SV_REF_RUNC" "$REF_ROOT" "$ref" "${@:1:$#-1}")
  s=$(under "$SV_RUNTIME" "$SV_ROOT" "$mine" "${@:1:$#-1}")
  assert_eq "$want" "$r" "runc, user $1 ${2:-}"
  assert_eq "$r" "$s" "/process/as-runc: user $1 ${2:-}"
}

same '{"uid": 1000, "gid": 1000}' "Groups: HOME=/home/user"
same '{"uid": 1000, "gid": 1000, "additionalGids": [1000, 5]}' "Groups: 5 1000 HOME=/home/user"
same '{"uid": 0, "gid": 0}' "Groups: HOME=/root"
same '{"uid": 4242, "gid": 0}' "Groups: HOME=/"
same '{"uid": 1000, "gid": 1000}' '["PATH=/bin", "HOME=/elsewhere"]' "Groups: HOME=/elsewhere"
same '{"uid": 1000, "gid": 1000}' '["PATH=/bin", "HOME="]' "Groups: HOME=/home/user"

# exec -u: the same rules for a process joining a running container.
sv_spec_set "$ref" '.process.user = {"uid": 0, "gid": 0} | .process.args = ["sleep", "1000"]
  | .process.env = ["PATH=/bin:/usr/bin"]'
sv_spec_set "$mine" '.process.user = {"uid": 0, "gid": 0} | .process.args = ["sleep", "1000"]
  | .process.env = ["PATH=/bin:/usr/bin"]'
"$SV_REF_RUNC" --root "$REF_ROOT" run -d --bundle "$ref" "$SV_ID-x" </dev/null >/dev/null 2>&1 \
  || sv_fail "runc run -d failed"
sv_rt_bg run -d --bundle "$mine" "$SV_ID-x"
for u in 1000:1000 0:0 4242:0; do
  r=$("$SV_REF_RUNC" --root "$REF_ROOT" exec -u "$u" "$SV_ID-x" sh -c "$show")
  s=$(sv_rt exec -u "$u" "$SV_ID-x" sh -c "$show")
  assert_eq "$r" "$s" "/exec/as-runc: -u $u"
done
assert_eq "Groups: HOME=/home/user" "$(sv_rt exec -u 1000:1000 "$SV_ID-x" sh -c "$show")" \
  "/exec/home-from-passwd"
assert_ok sv_rt delete --force "$SV_ID-x"
sv_assert_nothing_left "$SV_ID-x" "$mine"
