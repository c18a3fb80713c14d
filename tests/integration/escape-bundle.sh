#!/bin/bash
# escape-bundle: escape attempts against sysvisor-runc driven by hand (a bundle), where the
# container's author also writes config.json:
#   fds     between create and start, a process exec'd into the container reaches nothing of
#           the host through the waiting init's fds (/proc/1/fd); after start the init holds
#           only 0, 1, 2 (CVE-2024-21626 class)
#   exec    the runtime's process joining the container for exec cannot be ptraced, nor its
#           fds listed, from inside (CVE-2016-9962 class)
#   cwd     process.cwd (and exec --cwd) = /proc/self/fd/N never lands outside the container
#           (it did: the init's fd of the rootfs and of the host's /proc; now refused)
#   mounts  mount destinations with "..", or through absolute and relative symlinks in the
#           rootfs, stay inside the rootfs (CVE-2021-30465 class): nothing is mounted or
#           created on the host
#   gconv   the runtime's init, once in the image's root, reads none of the image's files
#           (g_strerror's first use read the gconv configuration: here FIFOs, which hung it)
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
cp "$b/config.json" "$SV_TEST_TMP/good.json"
# A host file the attacks look for: where the runtime runs from and where the bundle is.
marker=sv-escape-marker-$SV_ID
echo host >"$b/$marker"
echo host >"$SV_TEST_TMP/$marker"

# ---- fds ----
(cd "$b" && sv_rt create --bundle "$b" "$SV_ID-fd" </dev/null >/dev/null 2>&1)
assert_ok sv_rt exec "$SV_ID-fd" /sv-probe fds
for f in $SV_OUT; do
  case ${f%%=*} in 0 | 1 | 2) ;; *) sv_fail "exec into a created container: fd $f is open: $SV_OUT" ;; esac
done
assert_ok sv_rt exec "$SV_ID-fd" sh -c "
  for fd in /proc/1/fd/*; do
    t=\$(readlink \$fd 2>/dev/null) || continue
    echo \"init fd \${fd##*/} -> \$t\"
    for p in \$fd/$marker \$fd/../$marker \$fd/rootfs/../$marker; do
      cat \$p 2>/dev/null && echo \"READ \$p\"
    done
  done
  true"
sv_log "the waiting init's fds as the container sees them: $(tr '\n' ';' <<<"$SV_OUT")"
[[ $SV_OUT != *READ* ]] || sv_fail "a host file was read through the waiting init's fds: $SV_OUT"
assert_ok sv_rt start "$SV_ID-fd"
sv_wait_until 5 sv_rt exec "$SV_ID-fd" true
assert_ok sv_rt exec "$SV_ID-fd" sh -c 'cd /proc/1/fd && echo *'
assert_eq "0 1 2" "$SV_OUT" "the started init holds only 0, 1, 2"
# exec --cwd through the exec process's own fds.
for n in 3 4 5 6 7 8 9 10; do
  rc=0
  out=$(cd "$b" && sv_rt exec --cwd "/proc/self/fd/$n" "$SV_ID-fd" sh -c "/sv-probe cwd; cat ../$marker ../../$marker 2>/dev/null; true" 2>&1 </dev/null) || rc=$?
  [[ $out != *host* && $out != *unreachable* ]] ||
    sv_fail "exec --cwd /proc/self/fd/$n: outside the container (exit $rc): $out"
done
assert_ok sv_rt kill "$SV_ID-fd" TERM
sv_wait_until 10 sh -c "! $SV_RUNC --root $SV_ROOT state $SV_ID-fd | grep -q '\"running\"'"
assert_ok sv_rt delete --force "$SV_ID-fd"

# ---- exec: the runtime's exec process, while it is in the container, is not reachable ----
# (CVE-2016-9962 class: ptrace of the joining process and its host fds.)  A watcher inside
# lists the fds of and ptraces every process that does not run a binary of the container
# while the host runs exec many times.
cp "$SV_TEST_TMP/good.json" "$b/config.json"
sv_spec_set "$b" '.process.args = ["sh", "-c", $w]' --arg w '
  : >/tmp/seen
  while [ ! -e /tmp/stop ]; do
    for p in /proc/[0-9]*; do
      e=$(readlink "$p/exe" 2>/dev/null) || continue
      case $e in /bin/busybox | /bin/sh | /sv-probe) continue ;; esac
      echo "seen ${p#/proc/} $e" >>/tmp/seen
      ls -l "$p/fd/" >/dev/null 2>&1 && echo "FDS ${p#/proc/} $e $(ls -l "$p/fd/" | tr "\n" " ")" >>/tmp/seen
      /sv-probe ptrace "${p#/proc/}" >/dev/null 2>&1 && echo "PTRACED ${p#/proc/} $e" >>/tmp/seen
    done
  done
  exec /sv-probe signal-wait'
(cd "$b" && sv_rt create --bundle "$b" "$SV_ID-ex" </dev/null >/dev/null 2>&1)
assert_ok sv_rt start "$SV_ID-ex"
# The control: a process of the container that the watcher must see (and may trace).
assert_ok sv_rt exec "$SV_ID-ex" sh -c 'cp /sv-probe /tmp/ctl && /tmp/ctl sleep 1'
for _ in $(seq 30); do sv_rt exec "$SV_ID-ex" true </dev/null >/dev/null 2>&1 || true; done
assert_ok sv_rt exec "$SV_ID-ex" touch /tmp/stop
sleep 0.5
assert_ok sv_rt exec "$SV_ID-ex" cat /tmp/seen
sv_log "processes the watcher saw: $(sort -u <<<"$SV_OUT" | tr '\n' ';')"
assert_match 'seen [0-9]+ /tmp/ctl' "$SV_OUT" "the watcher sees a process of the container"
others=$(grep -v /tmp/ctl <<<"$SV_OUT" || true)
[[ $others != *FDS* && $others != *PTRACED* ]] ||
  sv_fail "the runtime's exec process was reachable from inside: $others"
assert_ok sv_rt delete --force "$SV_ID-ex"

# ---- cwd ----
for n in 3 4 5 6 7 8 9 10; do
  cp "$SV_TEST_TMP/good.json" "$b/config.json"
  sv_spec_set "$b" '.process.cwd = $d | .process.args = ["sh", "-c", "/sv-probe cwd; cat ../'"$marker"' ../../'"$marker"' 2>/dev/null; true"]' \
    --arg d "/proc/self/fd/$n"
  rc=0
  out=$(cd "$b" && sv_rt run --bundle "$b" "$SV_ID-cwd" 2>&1 </dev/null) || rc=$?
  sv_rt delete --force "$SV_ID-cwd" >/dev/null 2>&1 || true
  [[ $out != *host* && $out != *unreachable* ]] ||
    sv_fail "process.cwd /proc/self/fd/$n: outside the container (exit $rc): $out"
done

# ---- mounts: "..", absolute and relative symlinks in destinations ----
host_dir=$SV_TEST_TMP/hostdir
mkdir -p "$host_dir"
ln -s "$host_dir" "$b/rootfs/abs-link"
ln -s "../../../../../../../../..$host_dir" "$b/rootfs/rel-link"
for dest in "/abs-link/m" "/rel-link/m" "/../../../../../../..$host_dir/m" "/abs-link" "/tmp/../../..$host_dir"; do
  cp "$SV_TEST_TMP/good.json" "$b/config.json"
  sv_spec_set "$b" '.mounts += [{"destination": $d, "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}]
                     | .process.args = ["sh", "-c", "echo inside > \($d)/written 2>/dev/null; true"]' --arg d "$dest"
  rc=0
  out=$(sv_rt run --bundle "$b" "$SV_ID-mnt" 2>&1 </dev/null) || rc=$?
  sv_rt delete --force "$SV_ID-mnt" >/dev/null 2>&1 || true
  sv_log "destination $dest: exit $rc: $out"
  assert_eq "" "$(ls -A "$host_dir")" "destination $dest: nothing created in the host's $host_dir"
  assert_eq "" "$(findmnt -rn -o TARGET | grep -F "$host_dir" || true)" "destination $dest: no mount on the host's $host_dir"
done
assert_eq host "$(cat "$b/$marker")" "the bundle's file is untouched"
# ---- gconv: the image's C library configuration is not read by the runtime's init ----
# An ambient capability that is not inheritable is not raised (as runc); the init's note of
# it, and an error it reports (an unmapped uid), are made without the C library's iconv.
gconv=$b/rootfs/usr/lib/x86_64-linux-gnu/gconv
mkdir -p "$gconv"
mkfifo "$gconv/gconv-modules.cache" "$gconv/gconv-modules"
cp "$SV_TEST_TMP/good.json" "$b/config.json"
sv_spec_set "$b" '.process.capabilities.ambient = ["CAP_KILL"] | .process.capabilities.inheritable = []
                  | .process.args = ["true"]'
rc=0
out=$(timeout 30 "$SV_RUNC" --root "$SV_ROOT" --debug run --bundle "$b" "$SV_ID-gc" 2>&1 </dev/null) || rc=$?
sv_rt delete --force "$SV_ID-gc" >/dev/null 2>&1 || true
assert_eq 0 "$rc" "a run whose image has FIFOs for gconv files ends (124: the init hung on them): $out"
sv_spec_set "$b" '.process.user.uid = 4000000000'
rc=0
out=$(timeout 30 "$SV_RUNC" --root "$SV_ROOT" run --bundle "$b" "$SV_ID-gc" 2>&1 </dev/null) || rc=$?
sv_rt delete --force "$SV_ID-gc" >/dev/null 2>&1 || true
[ "$rc" != 0 ] && [ "$rc" != 124 ] || sv_fail "an unmapped uid: exit $rc (124: the init hung on the gconv FIFOs): $out"
rm -r "$b/rootfs/usr/lib/x86_64-linux-gnu"

echo "escape-bundle: ok"
