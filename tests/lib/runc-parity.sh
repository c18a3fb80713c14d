# shellcheck shell=bash
# tests/lib/runc-parity.sh - the preamble of the runc-parity-*.sh tests, which run each case
# under runc (the reference, on a plain bundle) and under sysvisor-runc (same spec, no plugins).
#
#   . "$(dirname "$0")/../lib/runc-parity.sh"
#                            common.sh, busybox-rootfs.sh and runtime.sh sourced; root and the
#                            built runtime required; plugins.conf: idmap, shift, procfs = none;
#                            REF_ROOT: a --root for runc, its containers force-deleted on exit
#   parity_require_runc      skip unless the reference runc is installed ($SV_REF_RUNC)
#   parity_bundles CMD...    ref=$SV_TEST_TMP/ref, a busybox bundle for runc, and
#                            mine=$SV_TEST_TMP/bundle, the same for sysvisor-runc (writable
#                            rootfs owned by the fallback range), both running CMD

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$SV_LIB_DIR/busybox-rootfs.sh"
. "$SV_LIB_DIR/runtime.sh"
sv_require_root
sv_require_runtime

sv_use_plugins none none none
REF_ROOT=$SV_TEST_TMP/ref-state
mkdir -p "$REF_ROOT"
sv_on_exit "sv_rt_cleanup '$SV_REF_RUNC' '$REF_ROOT'"

parity_require_runc() {
  [ -x "$SV_REF_RUNC" ] || sv_skip "the reference runc is not installed ($SV_REF_RUNC)"
}

parity_bundles() {
  # shellcheck disable=SC2034 # for the tests
  ref=$SV_TEST_TMP/ref mine=$SV_TEST_TMP/bundle
  sv_busybox_bundle "$ref" "$@" >/dev/null
  sv_core_bundle "$mine" "$@"
}
