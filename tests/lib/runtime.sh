# runtime.sh: helpers for tests that drive sysvisor-runc itself.  Source after common.sh.
#
#   sv_use_plugins IDMAP SHIFT PROCFS   write a plugins.conf for this test and use it
#   sv_core_bundle DIR [CMD...]         a busybox bundle that runs with the chosen plugins
#   sv_assert_nothing_left ID [BUNDLE]  no state, cgroup, mount or process left for ID

# shellcheck shell=bash
: "${SV_RUNC:?SV_RUNC is not set (source common.sh first)}"

SV_SYSVISOR_LIB=$SV_TEST_TMP/lib
mkdir -p "$SV_SYSVISOR_LIB"
export SYSVISOR_LIB_DIR=$SV_SYSVISOR_LIB

# sv_use_plugins IDMAP SHIFT PROCFS [EXTRA-LINES...]: a plugins.conf of our own.
sv_use_plugins() {
  local conf=$SV_TEST_TMP/plugins.conf
  SV_SHIFT=$2
  {
    printf '[sysvisor]\nidmap = %s\nshift = %s\nprocfs = %s\n' "$1" "$2" "$3"
    shift 3
    local line
    for line in "$@"; do printf '%s\n' "$line"; done
  } >"$conf"
  export SYSVISOR_PLUGINS_CONF=$conf
}

# The range the core falls back on when no idmap plugin chooses one.
SV_FALLBACK_UID=165536

# sv_core_bundle DIR [CMD...]: busybox bundle with a writable rootfs.  Without a shift
# plugin, the rootfs is chowned to the fallback range (what `shift = none` expects).
sv_core_bundle() {
  local dir=$1
  shift
  SV_BUNDLE_READONLY=false sv_busybox_bundle "$dir" "$@" >/dev/null
  if [ "${SV_SHIFT:-none}" = none ]; then
    chown -R "$SV_FALLBACK_UID:$SV_FALLBACK_UID" "$dir/rootfs"
  fi
}

# sv_cgroup_dirs ID: the container's cgroup directories that exist on the host.
sv_cgroup_dirs() {
  local d
  for d in /sys/fs/cgroup/sysvisor/"$1" /sys/fs/cgroup/*/sysvisor/"$1"; do
    [ -d "$d" ] && echo "$d"
  done
  return 0
}

# sv_assert_nothing_left ID [BUNDLE]
sv_assert_nothing_left() {
  local id=$1 bundle=${2:-}
  assert_file_absent "$SV_ROOT/$id" "state directory of $id"
  assert_eq "" "$(sv_cgroup_dirs "$id")" "cgroups of $id"
  if [ -n "$bundle" ]; then
    assert_no_mounts_under "$bundle" "mounts under $bundle"
  fi
  assert_eq "" "$(sv_rt list -q | grep -x "$id" || true)" "$id in list"
}

# sv_state_field ID FIELD: one field of `state ID`.
sv_state_field() {
  sv_rt state "$1" | jq -r ".$2"
}

# sv_rt_bg ARGS...: a command that leaves a container behind (create, run -d).  Its stdio is
# inherited by the container, so it must not be a pipe that the test waits on: the output
# goes to $SV_TEST_TMP/bg.out, shown on failure.
sv_rt_bg() {
  sv_rt "$@" </dev/null >"$SV_TEST_TMP/bg.out" 2>&1 \
    || sv_fail "sysvisor-runc $* failed: $(cat "$SV_TEST_TMP/bg.out")"
}

# sv_procs_of_uid UID: pids of the live processes running as host uid UID (a container's
# range).  Zombies do not count: they wait for a reaper (PID 1 here), they run nothing.
sv_procs_of_uid() {
  ps -e -o pid=,uid=,stat= | awk -v u="$1" '$2 == u && $3 !~ /^Z/ { print $1 }'
}

# sv_use_exclusive_ids [N_RANGES]: give idmap-exclusive a sysvisor entry of its own (temp
# subuid/subgid files) for this test; appends the section to the current plugins.conf.
sv_use_exclusive_ids() {
  local n=${1:-64} start=2147483648
  printf 'sysvisor:%s:%s\n' "$start" $((n * 65536)) >"$SV_TEST_TMP/subuid"
  cp "$SV_TEST_TMP/subuid" "$SV_TEST_TMP/subgid"
  printf '\n[idmap-exclusive]\nsubuid-file = %s\nsubgid-file = %s\n' \
    "$SV_TEST_TMP/subuid" "$SV_TEST_TMP/subgid" >>"$SYSVISOR_PLUGINS_CONF"
}

# sv_runtime_wrapper: a script that runs $SV_RUNC with this test's plugins.conf, plugin path
# and lib dir (dockerd calls runtimes without our environment).  Prints its path.
sv_runtime_wrapper() {
  local w=$SV_TEST_TMP/sysvisor-runc
  cat >"$w" <<EOW
#!/bin/sh
export SYSVISOR_PLUGINS_CONF='$SYSVISOR_PLUGINS_CONF'
export SYSVISOR_PLUGIN_DIR='${SYSVISOR_PLUGIN_DIR:-}'
export SYSVISOR_LIB_DIR='$SYSVISOR_LIB_DIR'
exec '$SV_RUNC' "\$@"
EOW
  chmod 755 "$w"
  echo "$w"
}
