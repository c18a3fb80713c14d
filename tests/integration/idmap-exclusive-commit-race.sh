#!/bin/bash
# idmap = exclusive: a create that reclaims must not take the range of a container whose
# create finishes while it looks.  Reclaim reads a container's state.json (no pid yet: being
# created) and then looks at its creator in /proc; if in between the container is committed
# (pid saved) and its creator exits as it does after every create, the creator is gone and
# the container looked crashed: its range went to a second container (two live inits with
# one uid_map; seen once in idmap-exclusive-stress under load).  Here that interleaving is
# forced: B's look at A's creator waits (an LD_PRELOAD shim) until that creator has exited,
# and A's createRuntime hook holds A in "creating" until B is about to look.
# Then the other side: a create killed while creating still has its range reclaimed.
set -euo pipefail
. "$(dirname "$0")/idmap-lib.sh"
sv_require_cmd cc

idmap_setup exclusive 4
idmap_bundle "$SV_TEST_TMP/a"
idmap_bundle "$SV_TEST_TMP/b"
sig=$SV_TEST_TMP/sig
mkdir "$sig"
sv_on_exit "sv_rt_cleanup '$SV_RUNTIME' '$SV_ROOT'"

# the shim: on the first open of /proc/PID/stat of another process, touch $SV_LOOKING, then
# wait (at most 10 s) until PID has exited (no such process, or a zombie)
cat >"$SV_TEST_TMP/late-look.c" <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int (*real_open64) (const char *, int, ...);

static int
exited (const char *path)
{
  char buf[512], *p;
  int fd = real_open64 (path, O_RDONLY | O_CLOEXEC), n;

  if (fd < 0)
    return 1;
  n = read (fd, buf, sizeof buf - 1);
  close (fd);
  buf[n > 0 ? n : 0] = '\0';
  p = strrchr (buf, ')');
  return p != NULL && p[1] == ' ' && p[2] == 'Z';
}

static void
late_look (const char *path)
{
  static int done;
  const char *flag = getenv ("SV_LOOKING");
  char rest[8];
  int pid;

  if (done || flag == NULL || path == NULL || sscanf (path, "/proc/%d/%7s", &pid, rest) != 2
      || strcmp (rest, "stat") != 0 || pid == getpid ())
    return;
  done = 1;
  close (real_open64 (flag, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
  for (int i = 0; i < 1000 && !exited (path); i++)
    usleep (10000);
}

int
open64 (const char *path, int flags, ...)
{
  mode_t mode = 0;
  va_list ap;

  va_start (ap, flags);
  if (flags & (O_CREAT | O_TMPFILE))
    mode = va_arg (ap, mode_t);
  va_end (ap);
  if (real_open64 == NULL)
    real_open64 = dlsym (RTLD_NEXT, "open64");
  late_look (path);
  return real_open64 (path, flags, mode);
}
EOF
cc -shared -fPIC -o "$SV_TEST_TMP/late-look.so" "$SV_TEST_TMP/late-look.c" -ldl \
  || sv_fail "cannot build the shim"

# A: holds its range, state without a pid, until B is about to look at A's creator
sv_spec_set "$SV_TEST_TMP/a" '.hooks.createRuntime = [{"path": "/bin/sh", "env": [$path], "args": ["sh", "-c",
  "touch \($s)/a-holds; for i in $(seq 1000); do [ -e \($s)/b-looks ] && exit 0; sleep 0.01; done; exit 1"]}]' \
  --arg s "$sig" --arg path "PATH=$PATH"
"$SV_RUNTIME" --root "$SV_ROOT" create -b "$SV_TEST_TMP/a" "$SV_ID-a" </dev/null \
  >"$SV_TEST_TMP/a.out" 2>&1 &
pa=$!
for _ in $(seq 1000); do [ -e "$sig/a-holds" ] && break; sleep 0.01; done
[ -e "$sig/a-holds" ] || sv_fail "create A never ran its hook: $(cat "$SV_TEST_TMP/a.out")"

# B: reclaims (A is the only other range) and looks at A's creator only after it exited
SV_LOOKING=$sig/b-looks LD_PRELOAD=$SV_TEST_TMP/late-look.so \
  "$SV_RUNTIME" --root "$SV_ROOT" --log "$SV_TEST_TMP/b.log" create -b "$SV_TEST_TMP/b" \
  "$SV_ID-b" </dev/null >"$SV_TEST_TMP/b.out" 2>&1 &
pb=$!
wait "$pa" || sv_fail "create A failed: $(cat "$SV_TEST_TMP/a.out")"
wait "$pb" || sv_fail "create B failed: $(cat "$SV_TEST_TMP/b.out")"
[ -e "$sig/b-looks" ] || sv_fail "B never looked at A's creator: the interleaving was not forced"

map_a=$(idmap_host_uid_map "$(idmap_pid "$SV_ID-a")")
map_b=$(idmap_host_uid_map "$(idmap_pid "$SV_ID-b")")
sv_log "A: $map_a  B: $map_b"
if grep -s reclaiming "$SV_TEST_TMP/b.log" >&2; then
  sv_fail "B reclaimed the range of A, which had just been created (above)"
fi
[ "$map_a" != "$map_b" ] || sv_fail "A and B run with the same host ids: $map_a"
assert_eq "$SV_ID-a $SV_ID-b" "$(idmap_table | awk '{ print $3 }' | sort | xargs)" \
  "the table holds both ranges"

# C: killed while creating (its hook never returns): the next create reclaims its range
sv_spec_set "$SV_TEST_TMP/a" '.hooks.createRuntime = [{"path": "/bin/sh", "env": [$path], "args": ["sh", "-c",
  "echo $$ >\($s)/c-hook.tmp && mv \($s)/c-hook.tmp \($s)/c-hook && exec sleep 60"]}]' \
  --arg s "$sig" --arg path "PATH=$PATH"
"$SV_RUNTIME" --root "$SV_ROOT" create -b "$SV_TEST_TMP/a" "$SV_ID-c" </dev/null \
  >"$SV_TEST_TMP/c.out" 2>&1 &
pc=$!
for _ in $(seq 1000); do [ -e "$sig/c-hook" ] && break; sleep 0.01; done
[ -e "$sig/c-hook" ] || sv_fail "create C never ran its hook: $(cat "$SV_TEST_TMP/c.out")"
kill -KILL "$pc"
{ wait "$pc"; } 2>/dev/null || true
kill -KILL "$(cat "$sig/c-hook")" 2>/dev/null || true   # the hook (its sleep), orphaned
idmap_table | grep -q " $SV_ID-c\$" || sv_fail "C held no range before the kill"
idmap_must_create "$SV_TEST_TMP/b" "$SV_ID-d"
if idmap_table | grep -q " $SV_ID-c\$"; then
  sv_fail "the range of C (killed while creating) was not reclaimed: $(idmap_table)"
fi
sv_log "ok: a range is not reclaimed from a create that finishes during the look, but is from one that was killed"
