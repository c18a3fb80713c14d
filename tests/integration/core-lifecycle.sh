#!/bin/bash
# core-lifecycle: create / start / state / kill / delete / list, state transitions, the exec
# fifo, pid files, and delete --force of a running container.
set -eu
. "$(dirname "$0")/../lib/common.sh"
. "$SV_LIB_DIR/busybox-rootfs.sh"
. "$SV_LIB_DIR/runtime.sh"
sv_require_root
sv_require_runtime
sv_require_probe

sv_use_plugins none none none
b=$SV_TEST_TMP/bundle
sv_core_bundle "$b" /sv-probe signal-wait
id=$SV_ID-life

sv_rt_bg create --bundle "$b" --pid-file "$SV_TEST_TMP/pid" "$id"
assert_eq created "$(sv_state_field "$id" status)" "status after create"
pid=$(cat "$SV_TEST_TMP/pid")
assert_eq "$pid" "$(sv_state_field "$id" pid)" "pid file matches state"
assert_eq "$b" "$(sv_state_field "$id" bundle)" "bundle in state"
assert_eq "1.0.2" "$(sv_state_field "$id" ociVersion)" "ociVersion in state"
# The init waits on the exec fifo: the probe has not run yet.
assert_file_exists "$SV_ROOT/$id/exec.fifo"
assert_eq "$(printf '0 %s 65536' $SV_FALLBACK_UID)" "$(awk '{print $1, $2, $3}' /proc/$pid/uid_map)" \
  "init's uid_map on the host"
assert_eq "$SV_FALLBACK_UID" "$(stat -c %u /proc/$pid)" "the init runs as the range's first uid"

# A second create with the same id fails clearly and leaves the first alone.
assert_fail sv_rt create --bundle "$b" "$id" </dev/null
assert_match "container \"$id\" already exists" "$SV_OUT"
assert_eq created "$(sv_state_field "$id" status)"

assert_ok sv_rt start "$id"
assert_eq running "$(sv_state_field "$id" status)" "status after start"
assert_file_absent "$SV_ROOT/$id/exec.fifo"
assert_fail sv_rt start "$id"
assert_match "it is running, not created" "$SV_OUT"

# list, both formats.
assert_match "^$id$" "$(sv_rt list -q)"
assert_eq running "$(sv_rt list --format json | jq -r ".[] | select(.id == \"$id\") | .status")"
assert_match "$id +$pid +running" "$(sv_rt list)"

# delete refuses a running container, kill stops it.
assert_fail sv_rt delete "$id"
assert_match "stop it first or use --force" "$SV_OUT"
assert_ok sv_rt kill "$id" TERM
sv_wait_until 10 sh -c "[ \"\$($SV_RUNC --root $SV_ROOT state $id | jq -r .status)\" = stopped ]" \
  || sv_fail "container did not stop after SIGTERM"
assert_fail sv_rt kill "$id" TERM
assert_match "it is stopped" "$SV_OUT"
assert_ok sv_rt delete "$id"
sv_assert_nothing_left "$id" "$b"
assert_fail sv_rt state "$id"
assert_match "does not exist" "$SV_OUT"

# delete --force of a running container, with processes besides the init.
sv_spec_args "$b" sh -c 'sleep 1000 & sleep 1000 & exec /sv-probe signal-wait'
sv_rt_bg run -d --bundle "$b" "$id-f"
assert_eq running "$(sv_state_field "$id-f" status)"
assert_ok sv_rt delete --force "$id-f"
sv_assert_nothing_left "$id-f" "$b"

# ... and with a process that joined its cgroup from outside its pid namespace (a host process
# written into the container's cgroup directories): it is killed too, the cgroup removed;
# the same by delete of a container whose init is dead but whose cgroup holds such a process.
for how in force stopped; do
  sv_rt_bg run -d --bundle "$b" "$id-o$how"
  sleep 1000 &
  outsider=$!
  # (should delete leave it alive, the cgroup it pins is removed once it is gone)
  sv_on_exit "kill -9 $outsider 2>/dev/null; wait $outsider 2>/dev/null; for d in \$(sv_cgroup_dirs '$id-o$how'); do rmdir \"\$d\"; done"
  for d in $(sv_cgroup_dirs "$id-o$how"); do echo "$outsider" >"$d/cgroup.procs"; done
  if [ "$how" = force ]; then
    assert_ok sv_rt delete --force "$id-o$how"
  else
    assert_ok sv_rt kill "$id-o$how" KILL
    sv_wait_until 10 sh -c "[ \"\$($SV_RUNC --root $SV_ROOT state $id-o$how | jq -r .status)\" = stopped ]" \
      || sv_fail "the container did not stop"
    assert_ok sv_rt delete "$id-o$how"
  fi
  # (a child of this shell: dead, it is a zombie here or already reaped)
  assert_match "^(Z|gone)$" "$(awk '{print $3}' "/proc/$outsider/stat" 2>/dev/null || echo gone)" \
    "the outside process killed ($how)"
  wait "$outsider" 2>/dev/null || true
  sv_assert_nothing_left "$id-o$how" "$b"
done

# kill --all and a named signal to a created container.
sv_rt_bg create --bundle "$b" "$id-k"
assert_ok sv_rt kill --all "$id-k" SIGKILL
sv_wait_until 10 sh -c "[ \"\$($SV_RUNC --root $SV_ROOT state $id-k | jq -r .status)\" = stopped ]" \
  || sv_fail "created container did not die on kill --all"
assert_ok sv_rt delete "$id-k"
sv_assert_nothing_left "$id-k" "$b"
echo "core-lifecycle: ok"
