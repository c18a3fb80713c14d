#!/bin/bash
# sysvisor-fs keeps a rendered file briefly per (container, file) (svfs-cache.h: 10 ms for
# uptime and stat, 100 ms for the others).  A reader in a tight loop, which keeps that cache
# warm, must still see: a memory limit changed under it, within the promised 100 ms (checked
# against 1 s, for a loaded machine); uptime advancing and never going backwards; and only
# its own container's text while another container reads the same file at the same time.
set -euo pipefail
. "$(dirname "$0")/sysvisor-fs-lib.sh"
svfs_require_v1
svfs_start || sv_fail "sysvisor-fs does not mount $MNT"

svfs_make_container cache-a 256M 0
procs_a=$PROCS
memcg_a=$MEMCG
svfs_make_container cache-b 64M 0
procs_b=$PROCS

# 1. A limit lowered while the reader loops shows within the time to live.
out=$(svfs_in_container "$procs_a" "
  total() { while read -r k v _; do [ \"\$k\" = MemTotal: ] && echo \$v && return; done < $MNT/proc/meminfo; }
  before=\$(for i in \$(seq 50); do total; done | sort -u | tr '\n' ' ')
  echo before=\$before
  echo 128M > $memcg_a/memory.limit_in_bytes
  t0=\$(date +%s%N)
  while [ \"\$(total)\" != 131072 ] && [ \$(( \$(date +%s%N) - t0 )) -lt 3000000000 ]; do :; done
  echo after=\$(total) ms=\$(( (\$(date +%s%N) - t0) / 1000000 ))
")
sv_log "limit change: $(echo "$out" | tr '\n' ' ')"
assert_eq 262144 "$(svfs_field before "$out")" "a warm reader saw the old limit only"
assert_eq 131072 "$(svfs_field after "$out" | cut -d' ' -f1)" "the lowered limit shows"
ms=$(echo "$out" | sed -n 's/.* ms=//p')
assert_match '^[0-9]+$' "$ms" "the time the lowered limit took to show"
[ "$ms" -lt 1000 ] || sv_fail "the lowered limit showed within 1 s: took $ms ms (100 ms promised)"

# 2. uptime, read in a tight loop for 0.5 s, advances and never goes backwards.
cat >"$TMP/uptime.sh" <<EOS
end=\$(( \${EPOCHREALTIME/./} + 500000 ))
while [ \${EPOCHREALTIME/./} -lt \$end ]; do read -r up idle < $MNT/proc/uptime; echo \$up; done
EOS
out=$(svfs_in_container "$procs_a" "bash $TMP/uptime.sh")
n=$(echo "$out" | wc -l)
verdict=$(echo "$out" | awk 'NR == 1 { first = $1 } { if ($1 < prev) back++; prev = $1 }
  END { printf "%s", (back ? "backwards " back : (prev - first >= 0.3 ? "advanced" : "stuck " first " " prev)) }')
assert_eq advanced "$verdict" "uptime read $n times in 0.5 s advances and never goes backwards"
[ "$n" -ge 20 ] || sv_fail "the uptime loop was not tight: $n reads in 0.5 s"

# 3. Two containers reading meminfo at once each see only their own limit.
script='for i in $(seq 200); do while read -r k v _; do [ "$k" = MemTotal: ] && echo $v && break; done < '"$MNT"'/proc/meminfo; done | sort | uniq -c | awk "{print \$2 \"x\" \$1}"'
svfs_in_container "$procs_a" "$script" >"$TMP/a.out" &
a=$!
svfs_in_container "$procs_b" "$script" >"$TMP/b.out" &
b=$!
wait "$a"
wait "$b"
assert_eq 131072x200 "$(cat "$TMP/a.out")" "container a (128M now) saw only its own MemTotal"
assert_eq 65536x200 "$(cat "$TMP/b.out")" "container b (64M) saw only its own MemTotal"
