#!/bin/bash
# procfs-sysctl: /proc/sys entries served by sysvisor-fs are per container.  Container A
# (sysvisor-runc, procfs = fuse-procfs) writes kernel/panic and vm/overcommit_memory; container
# B, running at the same time, still reads the host's values, writes its own, and A does not
# see them; the host's /proc/sys is untouched; a non-root user inside gets EACCES; a container
# started after A is gone reads the host's values again.
set -eu
. "$(dirname "$0")/procfs-lib.sh"

host_panic=$(cat /proc/sys/kernel/panic)
host_oc=$(cat /proc/sys/vm/overcommit_memory)
a_panic=$((host_panic + 7)) a_oc=$(((host_oc + 1) % 3))
b_panic=$((host_panic + 13)) b_oc=$(((host_oc + 2) % 3))
P=/proc/sys/kernel/panic O=/proc/sys/vm/overcommit_memory

procfs_start_daemon
procfs_use_plugins

# A: write, report, wait for the host's "go" (meanwhile B runs), report again, keep running.
a=$SV_TEST_TMP/a
procfs_bundle "$a" sh -c "
  exec 2>/err
  echo $a_panic > $P && echo $a_oc > $O && echo written > /written
  { cat $P; cat $O; } > /before
  while [ ! -e /go ]; do sleep 0.1; done
  { cat $P; cat $O; } > /after.tmp && mv /after.tmp /after
  exec sleep 1000"
sv_rt_bg run -d --bundle "$a" "$SV_ID-a"
procfs_wait_file "$a/rootfs/before" || sv_fail "container A did not report: $(cat "$a/rootfs/err" 2>&1)"
assert_eq written "$(cat "$a/rootfs/written" 2>/dev/null)" "A's writes succeed: $(cat "$a/rootfs/err")"
assert_eq "$a_panic $a_oc" "$(paste -sd' ' "$a/rootfs/before")" "A reads back what it wrote"

# B, while A runs: the host's values, then its own; a user other than root may not write.
b=$SV_TEST_TMP/b
procfs_bundle "$b" sh -c "
  echo \"b_initial: \$(cat $P) \$(cat $O)\"
  echo $b_panic > $P; echo $b_oc > $O
  echo \"b_written: \$(cat $P) \$(cat $O)\"
  su -s /bin/sh user -c 'echo 1 > $P' 2>&1 | sed 's/^/b_user: /'
  echo \"b_final: \$(cat $P)\""
sv_spec_set "$b" '.process.capabilities.bounding += ["CAP_SETUID", "CAP_SETGID"]
  | .process.capabilities.effective += ["CAP_SETUID", "CAP_SETGID"]
  | .process.capabilities.permitted += ["CAP_SETUID", "CAP_SETGID"]'
out=$(sv_rt run --bundle "$b" "$SV_ID-b" </dev/null 2>&1) || sv_fail "run B failed: $out"
sv_log "container B:"$'\n'"$out"
field() { sed -n "s/^$1: //p" <<<"$out" | head -n 1; }
assert_eq "$host_panic $host_oc" "$(field b_initial)" "B does not see A's values"
assert_eq "$b_panic $b_oc" "$(field b_written)" "B reads back its own values"
assert_match 'Permission denied' "$(field b_user)" "a non-root user in B may not write"
assert_eq "$b_panic" "$(field b_final)" "the refused write changed nothing"
sv_assert_nothing_left "$SV_ID-b" "$b"

# A again: B's writes did not reach it.
touch "$a/rootfs/go"
procfs_wait_file "$a/rootfs/after" || sv_fail "container A did not report again: $(cat "$a/rootfs/err")"
assert_eq "$a_panic $a_oc" "$(paste -sd' ' "$a/rootfs/after")" "A keeps its values after B wrote"
assert_eq "" "$(cat "$a/rootfs/err")" "no error in A"
assert_eq running "$(sv_state_field "$SV_ID-a" status)" "A still runs"

# The host: its /proc/sys is untouched, sysvisor-fs answers it with the host's values and
# refuses its writes (the host has the real /proc/sys).
assert_eq "$host_panic" "$(cat /proc/sys/kernel/panic)" "host kernel/panic unchanged"
assert_eq "$host_oc" "$(cat /proc/sys/vm/overcommit_memory)" "host vm/overcommit_memory unchanged"
assert_eq "$host_panic" "$(cat "$PROCFS_MNT$P")" "sysvisor-fs gives the host its own kernel/panic"
assert_eq "$host_oc" "$(cat "$PROCFS_MNT$O")" "sysvisor-fs gives the host its own overcommit"
assert_fail sh -c "echo 1 > '$PROCFS_MNT$P'"
assert_match 'Permission denied' "$SV_OUT" "the host may not write through sysvisor-fs"
assert_match "kernel/panic = $a_panic for container" "$(cat "$PROCFS_LOG")" "the daemon logged A's write"

# A's values die with it: a container started afterwards reads the host's.
sv_rt kill "$SV_ID-a" KILL
sv_wait_until 10 sh -c "[ \"\$($SV_RUNTIME --root $SV_ROOT state $SV_ID-a 2>/dev/null | jq -r .status)\" = stopped ]" \
  || sv_fail "A did not stop"
sv_rt delete "$SV_ID-a"
sv_assert_nothing_left "$SV_ID-a" "$a"
c=$SV_TEST_TMP/c
procfs_bundle "$c" sh -c "echo \$(cat $P) \$(cat $O)"
out=$(sv_rt run --bundle "$c" "$SV_ID-c" </dev/null 2>&1) || sv_fail "run C failed: $out"
assert_eq "$host_panic $host_oc" "$out" "a later container reads the host's values"
sv_assert_nothing_left "$SV_ID-c" "$c"
echo "procfs-sysctl: ok"
