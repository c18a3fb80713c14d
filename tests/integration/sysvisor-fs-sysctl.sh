#!/bin/bash
# /proc/sys writes are per container: two containers write different kernel/panic values and
# each reads its own, the host's value never changes, non-root and bad values are refused,
# and the values survive a restart in place.
. "$(dirname "$0")/sysvisor-fs-lib.sh"
require_v1
start_daemon || { fail "sysvisor-fs starts"; exit 1; }
P=$MNT/proc/sys/kernel/panic
host_before=$(cat /proc/sys/kernel/panic)

make_container sysctl 512M 0 || { fail "create cgroups"; exit 1; }
procs=$PROCS
# Both containers live at the same time: write, wait for the other to write, read back.
script='echo $0 > '"$P"' || echo write-failed; touch '"$TMP"'/wrote-$0
  for i in $(seq 300); do [ -e '"$TMP"'/wrote-11 ] && [ -e '"$TMP"'/wrote-22 ] && break; sleep 0.1; done
  echo "read=$(cat '"$P"')"
  for i in $(seq 300); do [ -e '"$TMP"'/restarted ] && break; sleep 0.1; done
  echo "after-restart=$(cat '"$P"')"'
sh -c 'for f in '"$procs"'; do echo $$ > $f; done; exec unshare -p -f --mount-proc sh -c "$0" 11' "$script" > "$TMP/a.out" 2>&1 &
BG_PIDS+=($!); a=$!
sh -c 'for f in '"$procs"'; do echo $$ > $f; done; exec unshare -p -f --mount-proc sh -c "$0" 22' "$script" > "$TMP/b.out" 2>&1 &
BG_PIDS+=($!); b=$!
for _ in $(seq 100); do [ -e "$TMP/wrote-11" ] && [ -e "$TMP/wrote-22" ] && break; sleep 0.1; done
check "host reads the host's kernel/panic through sysvisor-fs" "$host_before" "$(cat "$P")"
check "host /proc/sys/kernel/panic is unchanged" "$host_before" "$(cat /proc/sys/kernel/panic)"
if (echo 7 > "$P") 2>/dev/null; then fail "host write is refused"; else pass "host write is refused"; fi
sleep 0.5
"$SVFS_BIN" --restart --mountpoint "$MNT" && pass "restart in place" || fail "restart in place"
touch "$TMP/restarted"
wait "$a" "$b"
log "container A: $(cat "$TMP/a.out" | tr '\n' ' ')"
log "container B: $(cat "$TMP/b.out" | tr '\n' ' ')"
check "container A reads its own value" "11" "$(sed -n 's/^read=//p' "$TMP/a.out")"
check "container B reads its own value" "22" "$(sed -n 's/^read=//p' "$TMP/b.out")"
check "container A keeps its value across a restart" "11" "$(sed -n 's/^after-restart=//p' "$TMP/a.out")"
check "container B keeps its value across a restart" "22" "$(sed -n 's/^after-restart=//p' "$TMP/b.out")"
check "host /proc/sys/kernel/panic is still unchanged" "$host_before" "$(cat /proc/sys/kernel/panic)"

out=$(in_container "$procs" "
  (echo abc > $P) 2>/dev/null && echo bad-accepted
  (echo 5 > $MNT/proc/sys/vm/overcommit_memory) 2>/dev/null && echo range-accepted
  echo 2 > $MNT/proc/sys/vm/overcommit_memory && echo overcommit=\$(cat $MNT/proc/sys/vm/overcommit_memory)
  echo '3 4 1 7' > $MNT/proc/sys/kernel/printk && echo printk=\$(cat $MNT/proc/sys/kernel/printk)
  (setpriv --reuid 1000 --regid 1000 --clear-groups sh -c 'echo 3 > $P') 2>/dev/null && echo nonroot-accepted
  echo fresh=\$(cat $P)
")
log "third container: $(echo $out)"
case "$out" in *accepted*) fail "bad values and non-root writes are refused: $out" ;;
  *) pass "bad values and non-root writes are refused" ;; esac
check "vm/overcommit_memory is writable" "2" "$(echo "$out" | sed -n 's/^overcommit=//p')"
check "kernel/printk takes four integers" "3 4 1 7" "$(echo "$out" | sed -n 's/^printk=//p')"
check "a new container starts from the host's value" "$host_before" "$(echo "$out" | sed -n 's/^fresh=//p')"
