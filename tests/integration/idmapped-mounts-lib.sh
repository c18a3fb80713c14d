#!/bin/bash
# tests/integration/idmapped-mounts-lib.sh - helpers of the idmapped-mounts-*.sh tests and, run as a test
# itself, a smoke test of them: a busybox rootfs owned by host root appears owned by container
# root, with no chown.
#
#   . "$(dirname "$0")/idmapped-mounts-lib.sh"
#   shiftfs_setup [SHIFTFS-SECTION-LINES...]   # plugins.conf: shift = shiftfs, procfs = none,
#                                              # idmap = exclusive (own subuid files) if that
#                                              # plugin is built (and SHIFTFS_IDMAP is not
#                                              # none), else none (0 -> 165536)
#   shiftfs_bundle DIR [CMD...]                # busybox bundle, writable rootfs owned by
#                                              # host root (never chowned)
#   shiftfs_private_dir NAME                   # a root-owned dir below a 0700 root-owned dir:
#                                              # a bind source the rules allow
#   shiftfs_root_uid PID                       # host uid that container root maps to
#   shiftfs_run_out ID BUNDLE                  # `run` it, stdout+stderr in SV_OUT, its status
#                                              # in SV_RC
#
# Every test has its own plugins.conf, lib dir (SYSVISOR_LIB_DIR) and --root.

. "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
. "$SV_LIB_DIR/busybox-rootfs.sh"
. "$SV_LIB_DIR/runtime.sh"

sv_require_root
sv_require_cmd jq
sv_require_runtime
sv_require_probe

if [ -z "${SYSVISOR_PLUGIN_DIR:-}" ]; then
  _shiftfs_build=$(cd "$(dirname "$SV_RUNC")/.." && pwd)
  SYSVISOR_PLUGIN_DIR=$_shiftfs_build/plugins/idmapped-mounts:$_shiftfs_build/plugins/idmap-exclusive
fi
export SYSVISOR_PLUGIN_DIR

SHIFTFS_DIR=$SV_TEST_TMP/shiftfs
mkdir -p "$SHIFTFS_DIR"

# _shiftfs_have_plugin NAME: NAME.so is in the plugin path.
_shiftfs_have_plugin() {
  local d
  IFS=: read -r -a _dirs <<<"$SYSVISOR_PLUGIN_DIR"
  for d in "${_dirs[@]}"; do
    [ -n "$d" ] && [ -f "$d/$1.so" ] && return 0
  done
  return 1
}

# shiftfs_setup [LINES...]: lines go to the [shiftfs] section.
# shellcheck disable=SC2120 # the tests pass the lines
shiftfs_setup() {
  local idmap=none
  local -a extra=()
  if [ "${SHIFTFS_IDMAP:-}" != none ] && _shiftfs_have_plugin idmap-exclusive; then
    idmap=exclusive
    printf 'sysvisor:1048576:1048576\n' >"$SHIFTFS_DIR/subuid"
    cp "$SHIFTFS_DIR/subuid" "$SHIFTFS_DIR/subgid"
    extra+=("[idmap-exclusive]" "subuid-file = $SHIFTFS_DIR/subuid"
            "subgid-file = $SHIFTFS_DIR/subgid" "range-size = 65536")
  fi
  extra+=("[shiftfs]" "$@")
  sv_use_plugins "$idmap" shiftfs none "${extra[@]}"
  SHIFTFS_IDMAP=$idmap
}

# Docker's default capabilities (runc spec's three would not let root chown).
SHIFTFS_CAPS='["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD","CAP_NET_RAW",
  "CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP","CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT",
  "CAP_KILL","CAP_AUDIT_WRITE"]'

# shiftfs_bundle DIR [CMD...]
shiftfs_bundle() {
  local dir=$1
  shift
  SV_BUNDLE_READONLY=false sv_busybox_bundle "$dir" "$@" >/dev/null
  sv_spec_set "$dir" '.process.capabilities = {bounding: $c, effective: $c, permitted: $c}' \
    --argjson c "$SHIFTFS_CAPS"
}

# shiftfs_private_dir NAME: $SV_TEST_TMP/private (0700 root) / NAME (0755 root), created.
shiftfs_private_dir() {
  local p=$SV_TEST_TMP/private
  mkdir -p "$p/$1"
  chown 0:0 "$p" "$p/$1"
  chmod 0700 "$p"
  chmod 0755 "$p/$1"
  echo "$p/$1"
}

# shiftfs_root_uid PID
shiftfs_root_uid() {
  awk '$1 == 0 { print $2; exit }' "/proc/$1/uid_map"
}

# shiftfs_run_out ID BUNDLE: run the bundle; SV_OUT and SV_RC as assert_* leave them.
shiftfs_run_out() {
  SV_RC=0
  SV_OUT=$(sv_rt run --bundle "$2" "$1" </dev/null 2>&1) || SV_RC=$?
}

# shiftfs_add_bind BUNDLE SOURCE DEST [OPTION...]: append a bind mount to config.json.
shiftfs_add_bind() {
  local b=$1 src=$2 dst=$3; shift 3
  local opts
  opts=$(_sv_json_array bind "$@")
  sv_spec_set "$b" '.mounts += [{"destination": $d, "type": "bind", "source": $s, "options": $o}]' \
    --arg d "$dst" --arg s "$src" --argjson o "$opts"
}

# ---------------------------------------------------------------- smoke test (run directly)
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  shiftfs_setup
  b=$SV_TEST_TMP/b
  shiftfs_bundle "$b" /sv-probe owner / owner /etc/passwd ids
  assert_eq 0:0 "$(stat -c %u:%g "$b/rootfs")" "the rootfs is owned by host root"
  shiftfs_run_out "$SV_ID-smoke" "$b"
  assert_eq 0 "$SV_RC" "run: $SV_OUT"
  assert_eq $'0:0\n0:0\nuid=0 gid=0 groups=' "$SV_OUT" "the image appears owned by container root"
  assert_eq 0:0 "$(stat -c %u:%g "$b/rootfs" "$b/rootfs/etc/passwd" | sort -u)" "and stays owned by host root"
  sv_assert_nothing_left "$SV_ID-smoke" "$b"
  sv_log "ok: shiftfs helpers and one container (idmap = $SHIFTFS_IDMAP)"
fi
