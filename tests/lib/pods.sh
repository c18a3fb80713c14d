# shellcheck shell=bash
# tests/lib/pods.sh - what the pod tests (integration/cri-pods.sh, integration/podman-pods.sh)
# share.  Source after integration/procfs-lib.sh and integration/containerd-lib.sh.
#
#   pods_require_static_libc     skip without a static libc (the pause binary is static)
#   pods_use_sysvisor WRAPPER [RUNC-ROOT]
#                                a private sysvisor-fs; plugins.conf: exclusive ranges (from a
#                                private subuid/subgid of 16 ranges), shifting, fuse-procfs; and
#                                WRAPPER, a sysvisor-runc carrying these settings (and --root
#                                RUNC-ROOT if given) for the client that runs it
#   pods_pause_image OUT.tar NAME
#                                an OCI archive of the pause binary (integration/cri/pause.c)
#                                as image NAME
#   pods_assert_members_share POD-PID PID...
#                                each PID has the pod's range and user, net, ipc and uts
#                                namespaces, and a mount namespace of its own

pods_require_static_libc() {
  [ -e /usr/lib/x86_64-linux-gnu/libc.a ] || [ -n "$(gcc -print-file-name=libc.a | grep /)" ] ||
    sv_skip "no static libc for the pause binary (libc6-dev)"
}

pods_use_sysvisor() {
  local wrapper=$1 root_args=''
  [ -z "${2:-}" ] || root_args="--root '$2' "
  procfs_start_daemon
  sv_use_plugins auto auto fuse-procfs "[fuse-procfs]" "mountpoint = $PROCFS_MNT" "" \
    "[idmap-exclusive]" "subuid-file = $SV_TEST_TMP/subuid" "subgid-file = $SV_TEST_TMP/subgid"
  printf 'sysvisor:2147483648:%s\n' $((16 * 65536)) >"$SV_TEST_TMP/subuid"
  cp "$SV_TEST_TMP/subuid" "$SV_TEST_TMP/subgid"
  cat >"$wrapper" <<EOW
#!/bin/sh
export SYSVISOR_PLUGINS_CONF='$SYSVISOR_PLUGINS_CONF'
export SYSVISOR_PLUGIN_DIR='${SYSVISOR_PLUGIN_DIR:-}'
export SYSVISOR_LIB_DIR='$SYSVISOR_LIB_DIR'
export SYSVISOR_FS_RUN_DIR='$SYSVISOR_FS_RUN_DIR'
exec '$SV_RUNC' $root_args"\$@"
EOW
  chmod 755 "$wrapper"
}

pods_pause_image() {
  local out=$1 name=$2 layer=$SV_TEST_TMP/pause-layer
  mkdir -p "$layer"
  gcc -static -O2 -o "$layer/pause" "$SV_SRC_ROOT/tests/integration/cri/pause.c" ||
    sv_fail "cannot build the pause binary"
  tar -C "$layer" --owner=0 --group=0 -cf "$layer.tar" pause
  sv_oci_archive "$out" "$name" "$layer.tar" '{Entrypoint: ["/pause"]}'
}

pods_assert_members_share() {
  local pod=$1 p ns
  shift
  for p in "$@"; do
    assert_eq "$(cat "/proc/$pod/uid_map")" "$(cat "/proc/$p/uid_map")" "container $p has the pod's range"
    for ns in user net ipc uts; do
      assert_eq "$(readlink "/proc/$pod/ns/$ns")" "$(readlink "/proc/$p/ns/$ns")" \
        "container $p shares the pod's $ns namespace"
    done
    assert_ne "$(readlink "/proc/$pod/ns/mnt")" "$(readlink "/proc/$p/ns/mnt")" \
      "container $p has its own mount namespace"
  done
}
