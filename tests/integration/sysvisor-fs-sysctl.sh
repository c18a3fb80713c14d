#!/bin/bash
# /proc/sys writes are per container: two containers write different kernel/panic values and
# each reads its own, the host's value never changes, non-root and bad values are refused,
# and the values survive a restart in place.
set -euo pipefail
. "$(dirname "$0")/sysvisor-fs-lib.sh"
svfs_require_v1
svfs_start || sv_fail "sysvisor-fs does not mount $MNT"
P=$MNT/proc/sys/kernel/panic
host_before=$(cat /proc/sys/kernel/panic)

svfs_make_container sysctl 512M 0
procs=$PROCS
# Both containers live at the same time: write, wait for the other to write, read back.
# shellcheck disable=SC2016 # $0 and $(...) belong to the container's shell
script='echo $0 > '"$P"' || echo write-failed; touch '"$TMP"'/wrote-$0
  for i in $(seq 300); do [ -e '"$TMP"'/wrote-11 ] && [ -e '"$TMP"'/wrote-22 ] && break; sleep 0.1; done
  echo "read=$(cat '"$P"')"
  for i in $(seq 300); do [ -e '"$TMP"'/restarted ] && break; sleep 0.1; done
  echo "after-restart=$(cat '"$P"')"'
svfs_in_container "$procs" "$script" 11 >"$TMP/a.out" 2>&1 &
a=$!
sv_on_exit "kill -9 $a 2>/dev/null"
svfs_in_container "$procs" "$script" 22 >"$TMP/b.out" 2>&1 &
b=$!
sv_on_exit "kill -9 $b 2>/dev/null"
sv_wait_until 10 eval '[ -e "$TMP/wrote-11" ] && [ -e "$TMP/wrote-22" ]' \
  || sv_fail "the containers did not write: $(cat "$TMP/a.out" "$TMP/b.out")"
assert_eq "$host_before" "$(cat "$P")" "the host reads the host's kernel/panic through sysvisor-fs"
assert_eq "$host_before" "$(cat /proc/sys/kernel/panic)" "the host's /proc/sys/kernel/panic is unchanged"
if (echo 7 >"$P") 2>/dev/null; then sv_fail "a write from the host is accepted"; fi
sleep 0.5
assert_ok "$SVFS_BIN" --restart --mountpoint "$MNT"
touch "$TMP/restarted"
wait "$a"
wait "$b"
sv_log "container A: $(tr '\n' ' ' <"$TMP/a.out")"
sv_log "container B: $(tr '\n' ' ' <"$TMP/b.out")"
assert_eq 11 "$(sed -n 's/^read=//p' "$TMP/a.out")" "container A reads its own value"
assert_eq 22 "$(sed -n 's/^read=//p' "$TMP/b.out")" "container B reads its own value"
assert_eq 11 "$(sed -n 's/^after-restart=//p' "$TMP/a.out")" "container A keeps its value across a restart"
assert_eq 22 "$(sed -n 's/^after-restart=//p' "$TMP/b.out")" "container B keeps its value across a restart"
assert_eq "$host_before" "$(cat /proc/sys/kernel/panic)" "the host's /proc/sys/kernel/panic is still unchanged"

out=$(svfs_in_container "$procs" "
  (echo abc > $P) 2>/dev/null && echo bad-accepted
  (echo 5 > $MNT/proc/sys/vm/overcommit_memory) 2>/dev/null && echo range-accepted
  echo 2 > $MNT/proc/sys/vm/overcommit_memory && echo overcommit=\$(cat $MNT/proc/sys/vm/overcommit_memory)
  echo '3 4 1 7' > $MNT/proc/sys/kernel/printk && echo printk=\$(cat $MNT/proc/sys/kernel/printk)
  (setpriv --reuid 1000 --regid 1000 --clear-groups sh -c 'echo 3 > $P') 2>/dev/null && echo nonroot-accepted
  echo fresh=\$(cat $P)
")
sv_log "third container: $(echo "$out" | tr '\n' ' ')"
[[ $out != *accepted* ]] || sv_fail "bad values and non-root writes are accepted: $out"
assert_eq 2 "$(svfs_field overcommit "$out")" "vm/overcommit_memory is writable"
assert_eq "3 4 1 7" "$(svfs_field printk "$out")" "kernel/printk takes four integers"
assert_eq "$host_before" "$(svfs_field fresh "$out")" "a new container starts from the host's value"
