#!/bin/bash
# containerd-runtime: containerd (a private daemon, the containerd that docker.io installs)
# runs system containers through the runc v2 shim with sysvisor-runc as its runc binary:
#   ctr run --runtime io.containerd.runc.v2 --runc-binary sysvisor-runc IMAGE ID CMD
# The container gets an exclusive uid range (not the identity map), its root owns the image's
# files (containerd's overlay rootfs is shifted), exit codes come back, a detached task takes
# an exec and a kill, and deleting it frees its range.  And containerd reads the CRI runtime
# block of docs/kubernetes.md as a runtime named sysvisor that runs sysvisor-runc.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$SV_LIB_DIR/runtime.sh"
. "$(dirname "$0")/containerd-lib.sh"
sv_require_root
sv_require_runtime
sv_require_cmd containerd ctr containerd-shim-runc-v2 jq

# plugins.conf and subordinate ids of this test; the shim runs sysvisor-runc through a wrapper
# that carries them (containerd does not pass our environment on).
sv_use_plugins auto auto none
printf 'sysvisor:2147483648:%s\n' $((64 * 65536)) >"$SV_TEST_TMP/subuid"
cp "$SV_TEST_TMP/subuid" "$SV_TEST_TMP/subgid"
printf '\n[idmap-exclusive]\nsubuid-file = %s\nsubgid-file = %s\n' \
  "$SV_TEST_TMP/subuid" "$SV_TEST_TMP/subgid" >>"$SYSVISOR_PLUGINS_CONF"
wrapper=$SV_TEST_TMP/sysvisor-runc
cat >"$wrapper" <<EOF
#!/bin/sh
export SYSVISOR_PLUGINS_CONF='$SYSVISOR_PLUGINS_CONF'
export SYSVISOR_PLUGIN_DIR='${SYSVISOR_PLUGIN_DIR:-}'
export SYSVISOR_LIB_DIR='$SYSVISOR_LIB_DIR'
exec '$SV_RUNC' "\$@"
EOF
chmod 755 "$wrapper"

# docs/kubernetes.md's CRI block, as containerd parses it
doc=$SV_SRC_ROOT/docs/kubernetes.md
awk '/<!-- containerd-config -->/ { on = 1; next } on && /^```toml/ { inblock = 1; next }
     inblock && /^```/ { exit } inblock { print }' "$doc" >"$SV_TEST_TMP/cri.toml"
grep -q BinaryName "$SV_TEST_TMP/cri.toml" || sv_fail "no containerd CRI block found in $doc"
assert_ok containerd --config "$SV_TEST_TMP/cri.toml" config dump
dump=$SV_OUT
assert_match 'containerd\.runtimes\.sysvisor\]' "$dump" "containerd knows a runtime named sysvisor"
assert_match 'runtime_type = "io\.containerd\.runc\.v2"' "$dump" "it uses the runc v2 shim"
assert_match 'BinaryName = "/usr/local/sbin/sysvisor-runc"' "$dump" "the shim runs sysvisor-runc"

sv_containerd_start || sv_skip "containerd cannot start here"
sv_containerd_import_busybox || sv_fail "cannot import the busybox image into containerd"
ranges() { sv_idmap_ranges "$SYSVISOR_LIB_DIR"; }   # the ranges idmap-exclusive holds
R=(--runtime io.containerd.runc.v2 --runc-binary "$wrapper" --runc-root "$SV_CTR_RUNC_ROOT"
   --fifo-dir "$SV_CTR_STATE/fifo")

# ctr run --rm: a system container
assert_ok timeout 120 "$SV_CTR" --address "$SV_CTR_SOCK" -n "$SV_CTR_NS" run --rm "${R[@]}" \
  "$SV_CTR_IMAGE" "$SV_ID-a" sh -c 'cat /proc/self/uid_map; stat -c %u:%g / /bin/busybox; echo hi >/new; stat -c %u /new'
assert_match '^ +0 +2147[0-9]+ +65536' "$SV_OUT" "uid_map is an exclusive range, not the identity"
assert_match $'0:0\n0:0\n0$' "$SV_OUT" "container root owns the image's files and its own"
assert_eq 0 "$(ranges | jq length)" "the range is freed when ctr run --rm ends"

# exit codes come back through the shim
rc=0
timeout 120 "$SV_CTR" --address "$SV_CTR_SOCK" -n "$SV_CTR_NS" run --rm "${R[@]}" \
  "$SV_CTR_IMAGE" "$SV_ID-b" sh -c 'exit 3' || rc=$?
assert_eq 3 "$rc" "exit code of the container"

# detached: the task runs in its range, takes an exec and a kill; delete frees the range
assert_ok timeout 120 "$SV_CTR" --address "$SV_CTR_SOCK" -n "$SV_CTR_NS" run -d "${R[@]}" \
  "$SV_CTR_IMAGE" "$SV_ID-c" sleep 600
pid=$(sv_ctr tasks ls | awk -v id="$SV_ID-c" '$1 == id { print $2 }')
[ -n "$pid" ] && [ "$pid" -gt 0 ] || sv_fail "no task pid for $SV_ID-c: $(sv_ctr tasks ls)"
start=$(ranges | jq -r --arg id "$SV_ID-c" '.[] | select(.id == $id) | .start')
[ -n "$start" ] || sv_fail "no range for $SV_ID-c in $SYSVISOR_LIB_DIR/idmap-exclusive: $(ranges)"
assert_eq "0 $start 65536" "$(awk '{ print $1, $2, $3 }' "/proc/$pid/uid_map")" \
  "the task's uid_map is the range held"
assert_eq "$start" "$(stat -c %u "/proc/$pid")" "container root is the range's first id on the host"
assert_ok sv_ctr tasks exec --exec-id e1 --fifo-dir "$SV_CTR_STATE/fifo" "$SV_ID-c" sh -c 'id -u; tr "\\0" " " </proc/1/cmdline'
assert_eq $'0\nsleep 600 ' "$SV_OUT" "ctr tasks exec runs in the container as root"
assert_ok sv_ctr tasks kill -s KILL "$SV_ID-c"
gone() { ! sv_ctr tasks ls | awk '{ print $1, $3 }' | grep -qx "$SV_ID-c RUNNING"; }
sv_wait_until 20 gone || sv_fail "task $SV_ID-c did not stop: $(sv_ctr tasks ls)"
assert_ok sv_ctr tasks delete "$SV_ID-c"
assert_ok sv_ctr containers delete "$SV_ID-c"
assert_eq 0 "$(ranges | jq length)" "deleting the task frees its range"
assert_eq "" "$("$SV_RUNC" --root "$SV_CTR_RUNC_ROOT/$SV_CTR_NS" list -q 2>/dev/null)" \
  "no container left in the shim's runc root"
sv_log "ok: ctr run through the runc v2 shim gives system containers"
