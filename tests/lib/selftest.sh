#!/bin/bash
# tests/lib/selftest.sh - integration test of the test helpers themselves,
# against runc (the reference runtime) and a private dockerd.
#   SV_SELFTEST_NO_DOCKER=1 skips the dockerd part.
set -euo pipefail
export SV_RUNTIME=${SV_RUNTIME:-$(command -v runc || echo /usr/sbin/runc)}
. "$(dirname "$0")/common.sh"
. "$SV_LIB_DIR/busybox-rootfs.sh"
. "$SV_LIB_DIR/docker.sh"

sv_require_root
sv_require_cmd jq tar runc
sv_require_runtime

# ------------------------------------------------------------ cleanup registry
sv_log "cleanup registry and assertions"
child=$SV_TEST_TMP/child.sh
cat >"$child" <<EOF
#!/bin/bash
set -euo pipefail
. '$SV_LIB_DIR/common.sh'
d=\$(sv_tmpdir)                  # registered from a command substitution
echo "\$d" >'$SV_TEST_TMP/child-tmpdir'
touch "\$d/file"
sv_on_exit "echo first-registered"
sv_on_exit "false"               # a failing cleanup does not stop the others
sv_on_exit "echo last-registered"
assert_eq a a "equal"
assert_match '^ab+c$' abbbc "regex"
assert_fail false
assert_ok true
assert_file_absent "\$d/nothing"
case \${1:-} in
  stray)  sleep 300 & echo \$! >'$SV_TEST_TMP/stray-pid' ;;   # left running, holding stdout
  fail)   false ;;                          # set -e exit
  assert) assert_eq x y "deliberate mismatch" ;;
  skip)   sv_skip "deliberate skip" ;;
esac
echo body-done
EOF
chmod +x "$child"
for mode in ok fail assert skip; do
  rc=0
  out=$(SV_TEST_NAME=child "$child" "$mode" 2>&1) || rc=$?
  case $mode in ok) want=0 ;; skip) want=77 ;; *) want=1 ;; esac
  assert_eq "$want" "$rc" "child ($mode) exit status"
  # reverse order: last registered first, the tmpdir (registered first) last
  order=$(grep -E '^(first|last)-registered$' <<<"$out" | paste -sd' ' -)
  assert_eq "last-registered first-registered" "$order" "cleanup order ($mode)"
  assert_match "cleanup: 'false' failed" "$out" "failing cleanup reported ($mode)"
  assert_file_absent "$(cat "$SV_TEST_TMP/child-tmpdir")" "child tmpdir removed ($mode)"
  [ "$mode" = assert ] && assert_match 'deliberate mismatch' "$out" "assertion message"
done
# a background process the test left running is stopped after the cleanups, so the
# test's output pipe closes (meson would otherwise wait for it until its timeout)
sv_on_exit "kill \$(cat '$SV_TEST_TMP/stray-pid' 2>/dev/null) 2>/dev/null"
rc=0; SV_TEST_NAME=child timeout 60 "$child" stray >"$SV_TEST_TMP/stray.out" 2>&1 || rc=$?
assert_eq 0 "$rc" "child (stray) exit status"
assert_match "left running by the test" "$(cat "$SV_TEST_TMP/stray.out")" "the stray process is said"
assert_fail kill -0 "$(cat "$SV_TEST_TMP/stray-pid")"
# a TERM signal still runs the cleanups
SV_TEST_NAME=child "$child" ok >/dev/null 2>&1
cat >"$SV_TEST_TMP/sig.sh" <<EOF
#!/bin/bash
set -e
. '$SV_LIB_DIR/common.sh'
sv_on_exit "touch '$SV_TEST_TMP/sig-cleanup-ran'"
echo ready
sleep 30 & wait
EOF
chmod +x "$SV_TEST_TMP/sig.sh"
"$SV_TEST_TMP/sig.sh" >"$SV_TEST_TMP/sig.out" 2>&1 &
sigpid=$!
for _ in $(seq 50); do grep -q ready "$SV_TEST_TMP/sig.out" && break; sleep 0.1; done
kill -TERM "$sigpid"
rc=0; wait "$sigpid" || rc=$?
assert_eq 143 "$rc" "TERM exit status"
assert_file_exists "$SV_TEST_TMP/sig-cleanup-ran" "cleanup ran on SIGTERM"

# ------------------------------------------------------------ idmap-exclusive's ranges
sv_log "sv_idmap_ranges"
lib=$SV_TEST_TMP/idmap-lib
assert_eq "[]" "$(sv_idmap_ranges "$lib")" "no directory: no range"
mkdir -p "$lib/idmap-exclusive/ranges"
assert_eq "[]" "$(sv_idmap_ranges "$lib")" "no range file: no range"
for s in 1179648 1114112; do
  printf '{"version": 1, "start": %s, "size": 65536, "stateRoot": "/r", "id": "c%s"}' "$s" "$s" \
    >"$lib/idmap-exclusive/ranges/$s-65536.json"          # (no newline at the end)
done
echo '{"version": 1, "sta' >"$lib/idmap-exclusive/ranges/.1245184-65536.json"
echo '{"version": 1, "ranges": [{"start": 1}]}' >"$lib/idmap-exclusive.json"
assert_eq "1114112 c1114112,1179648 c1179648" \
  "$(sv_idmap_ranges "$lib" | jq -r 'map("\(.start) \(.id)") | join(",")')" \
  "the range files sorted by start; temporary files and the legacy table are not ranges"

# ------------------------------------------------------------ runc + busybox bundle
sv_log "busybox bundle under $SV_RUNTIME"
b=$SV_TEST_TMP/bundle
t0=$(date +%s%N)
sv_busybox_bundle "$b" sh -c 'hostname; id -u; id -g'
sv_log "bundle ready in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
assert_file_exists "$b/config.json"
assert_eq false "$(jq -r .process.terminal "$b/config.json")" "terminal false"
assert_eq '["sh","-c","hostname; id -u; id -g"]' "$(jq -c .process.args "$b/config.json")" "args kept word by word"
assert_eq "0:0" "$(stat -c %u:%g "$b/rootfs/bin/busybox")" "rootfs owned by root"
assert_eq 1777 "$(stat -c %a "$b/rootfs/tmp")" "tmp is 1777"
assert_match '^user:x:1000:1000:' "$(grep ^user: "$b/rootfs/etc/passwd")" "passwd has user"
sv_spec_set "$b" '.hostname = $h' --arg h selftest-host
out=$(sv_rt run --bundle "$b" "$SV_ID-st-1" 2>&1)
assert_eq "selftest-host 0 0" "$(echo $out)" "hostname and ids inside the container"

if [ -n "${SV_PROBE:-}" ] && [ -x "$SV_PROBE" ]; then
  sv_log "sv-probe under $SV_RUNTIME"
  assert_file_exists "$b/rootfs/sv-probe" "probe copied into the rootfs"
  sv_spec_args "$b" /sv-probe hostname ids nnp rlimit NOFILE isatty 1 mounts /proc
  out=$(sv_rt run --bundle "$b" "$SV_ID-st-2" </dev/null 2>&1)
  assert_eq "selftest-host
uid=0 gid=0 groups=
1
1024:1024
no
proc rw,relatime rw" "$out" "probe lines"
  sv_spec_args "$b" /sv-probe exit 7
  rc=0; sv_rt run --bundle "$b" "$SV_ID-st-3" >/dev/null 2>&1 || rc=$?
  assert_eq 7 "$rc" "probe exit status passes through"
  sv_spec_args "$b" /sv-probe signal-wait
  sv_rt run --bundle "$b" "$SV_ID-st-4" >"$SV_TEST_TMP/sw.out" 2>&1 &
  swpid=$!
  for _ in $(seq 50); do grep -q ready "$SV_TEST_TMP/sw.out" && break; sleep 0.1; done
  assert_ok grep -qx ready "$SV_TEST_TMP/sw.out"
  sv_rt kill "$SV_ID-st-4" TERM
  rc=0; wait "$swpid" || rc=$?
  assert_eq 143 "$rc" "signal-wait exits 143 on SIGTERM (as PID 1)"
else
  sv_log "sv-probe not built (SV_PROBE unset): probe checks skipped"
fi
# a container left running is removed by the registry (checked by the caller's eye: list is empty)
sv_spec_args "$b" sleep 1000
sv_rt run -d --bundle "$b" "$SV_ID-st-left" >/dev/null 2>&1
assert_eq running "$(sv_rt state "$SV_ID-st-left" | jq -r .status)" "detached container runs"
sv_rt_cleanup
assert_eq "" "$(sv_rt list -q)" "sv_rt_cleanup removed it"
# ... and so is one of a runtime whose `list` prints nothing, or whose `delete` fails too
broken=$SV_TEST_TMP/broken-rt
cat >"$broken" <<EOF
#!/bin/bash
for a; do case \$a in list) exit 0 ;; delete) [ -n "\${BROKEN_DELETE:-}" ] && exit 1 ;; esac; done
exec '$SV_RUNTIME' "\$@"
EOF
chmod +x "$broken"
for how in list delete; do
  id=$SV_ID-st-no$how
  sv_rt run -d --bundle "$b" "$id" >/dev/null 2>&1
  pid=$(sv_rt state "$id" | jq -r .pid)
  cgs=$(jq -r '.cgroup_paths // {} | .[]' "$SV_ROOT/$id/state.json" | sort -u)
  assert_ok kill -0 "$pid"
  err=$( (BROKEN_DELETE=$([ $how = delete ] && echo 1) sv_rt_cleanup "$broken" "$SV_ROOT") 2>&1)
  assert_eq "" "$(sv_rt list -q)" "sv_rt_cleanup, $how broken: container gone"
  assert_file_absent "$SV_ROOT/$id" "sv_rt_cleanup, $how broken: state dir gone"
  sv_wait_until 5 sh -c "! kill -0 $pid" || sv_fail "init $pid of $id still alive"
  for cg in $cgs; do assert_file_absent "$cg" "cgroup $cg removed"; done
  if [ $how = delete ]; then
    assert_match "removing it by hand" "$err" "by-hand removal said"
  else
    assert_eq "" "$err" "nothing to say when delete works"
  fi
done

# ------------------------------------------------------------ private dockerd
if [ -n "${SV_SELFTEST_NO_DOCKER:-}" ]; then
  sv_log "dockerd part skipped (SV_SELFTEST_NO_DOCKER)"
  exit 0
fi
if ! command -v dockerd >/dev/null; then
  sv_log "dockerd not installed: dockerd part skipped"
  exit 0
fi
sv_log "private dockerd (default runtime runc) via $SV_DOCKER_CLI"
sv_docker_start --runtime-name "ref-runc=$SV_RUNTIME" || sv_fail "private dockerd did not start"
d1_exec=$SV_DOCKER_EXEC d1_data=$SV_DOCKER_DATA d1_sock=$SV_DOCKER_SOCK
d1_pid=$(cat "$SV_DOCKER_PIDFILE")
d1_cpid=$(cat "$SV_DOCKER_EXEC/containerd/containerd.pid")
sv_docker_import_busybox sv-busybox
sv_docker_import_busybox sv-busybox   # second call: already there, no-op
assert_eq hi "$(sv_docker run --rm --network none sv-busybox echo hi)" "docker run echo hi"
assert_eq hi "$(docker run --rm --network none --runtime ref-runc sv-busybox echo hi)" \
  "named runtime, and plain docker via DOCKER_HOST"
for cli in /usr/bin/docker /usr/local/bin/docker; do
  [ -x "$cli" ] || continue
  assert_eq hi "$("$cli" -H "unix://$d1_sock" run --rm --network none sv-busybox echo hi)" "client $cli"
done
if [ -n "${SV_PROBE:-}" ] && [ -x "$SV_PROBE" ]; then
  assert_eq "uid=0 gid=0 groups=0" \
    "$(sv_docker run --rm --network none sv-busybox /sv-probe ids)" "probe in the docker image"
fi

sv_log "a second private dockerd at the same time"
sv_docker_start || sv_fail "second private dockerd did not start"
d2_exec=$SV_DOCKER_EXEC d2_data=$SV_DOCKER_DATA
assert_ne "$d1_exec" "$d2_exec" "separate exec roots"
sv_docker_import_busybox sv-busybox
sv_docker run -d --network none --name long sv-busybox sleep 1000 >/dev/null
docker -H "unix://$d1_sock" run -d --network none --name long sv-busybox sleep 1000 >/dev/null
assert_eq "hi hi" "$(sv_docker run --rm --network none sv-busybox echo hi) $(docker -H "unix://$d1_sock" run --rm --network none sv-busybox echo hi)" \
  "both daemons run containers concurrently"
assert_eq true "$(docker -H "unix://$d1_sock" inspect -f '{{.State.Running}}' long)" "d1 container runs"
[ -S /var/run/docker.sock ] && sv_log "note: a system dockerd is present; it was not used"

sv_log "stop both (containers still running), check nothing is left"
d2_pid=$(cat "$SV_DOCKER_PIDFILE")
sv_docker_stop "$d2_exec" "$d2_data"
sv_docker_stop "$d1_exec" "$d1_data"
for p in "$d1_pid" "$d1_cpid" "$d2_pid"; do
  if kill -0 "$p" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$p/stat")" != Z ]; then
    sv_fail "process $p ($(cat "/proc/$p/comm")) still alive after sv_docker_stop"
  fi
done
for d in "$d1_exec" "$d1_data" "$d2_exec" "$d2_data"; do
  assert_no_mounts_under "$d" "no mounts under $d"
  assert_file_absent "$d" "$d removed"
done
left=$(_sv_pids_using "$d1_exec" "$d1_data" "$d2_exec" "$d2_data")
assert_eq "" "$left" "no process tied to the daemons' dirs"
sv_log "all helper checks passed"
