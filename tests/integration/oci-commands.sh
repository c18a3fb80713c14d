#!/bin/bash
# oci-commands: the runc-compatible commands that act on a live container's cgroup (ps, pause,
# resume, update, events) and `features`, checked against the host's cgroup files; every bad
# input is one line, a non-zero exit and changes nothing.
set -eu
. "$(dirname "$0")/../lib/common.sh"
. "$SV_LIB_DIR/busybox-rootfs.sh"
. "$SV_LIB_DIR/runtime.sh"
sv_require_root
sv_require_runtime
sv_require_probe
sv_require_cmd jq ps

sv_use_plugins none none none
b=$SV_TEST_TMP/bundle
sv_core_bundle "$b" /sv-probe signal-wait
# The init (the probe) has a child: a loop that writes a counter the host can read, and that
# runs out of memory once the host creates /tmp/oom (`tail /dev/zero` buffers forever). The
# counter is renamed into place: a freeze between a truncate and its write would leave it empty.
sv_spec_args "$b" sh -c 'i=0; while :; do i=$((i+1)); echo $i >/tmp/c.new; mv /tmp/c.new /tmp/counter
  sleep 0.1
  if [ -e /tmp/oom ] && ! [ -e /tmp/oom.done ]; then : >/tmp/oom.done; tail /dev/zero; fi
done & exec /sv-probe signal-wait'
id=$SV_ID-oci

# cgdir CONTROLLER: the container's cgroup directory in that hierarchy (v1) or the unified one.
if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
  V2=1
  cgdir() { echo "/sys/fs/cgroup/sysvisor/$id"; }
else
  V2=
  cgdir() { echo "/sys/fs/cgroup/$1/sysvisor/$id"; }
fi

# expect_refused PATTERN CMD...: one error line matching PATTERN and a non-zero status.
expect_refused() {
  local pattern=$1
  shift
  assert_fail "$@"
  assert_match "$pattern" "$SV_OUT" "error for: $*"
  assert_eq 1 "$(grep -c . <<<"$SV_OUT")" "exactly one line for: $*"
  assert_match "^sysvisor-runc: " "$SV_OUT" "the line names the program"
}

counter() { cat "/proc/$pid/root/tmp/counter" 2>/dev/null || echo 0; }

# ---------------------------------------------------------------- features (no container)
f=$(sv_rt features)
assert_eq "1.0.2" "$(jq -r .ociVersionMax <<<"$f")" "/features/oci-version-max"
assert_eq "1.0.0" "$(jq -r .ociVersionMin <<<"$f")" "/features/oci-version-min"
assert_eq true "$(jq '.hooks | index("createRuntime") != null and index("poststop") != null' <<<"$f")" \
  "/features/hooks"
assert_eq true "$(jq '.mountOptions | index("rbind") != null and index("rro") != null and index("nosuid") != null' <<<"$f")" \
  "/features/mount-options"
assert_eq true "$(jq '.linux.namespaces | index("user") != null and index("cgroup") != null' <<<"$f")" \
  "/features/namespaces"
assert_eq true "$(jq '.linux.capabilities | index("CAP_SYS_ADMIN") != null' <<<"$f")" "/features/caps"
assert_eq "true true true false" "$(jq -r '.linux.cgroup | "\(.v1) \(.v2) \(.systemd) \(.systemdUser)"' <<<"$f")" \
  "/features/cgroup"
assert_eq true "$(jq '.linux.seccomp.enabled and (.linux.seccomp.actions | index("SCMP_ACT_ERRNO") != null)' <<<"$f")" \
  "/features/seccomp"
assert_eq "false false" "$(jq -r '"\(.linux.apparmor.enabled) \(.linux.selinux.enabled)"' <<<"$f")" \
  "/features/lsm-flags"
assert_match '^[0-9]+\.[0-9]+\.[0-9]+$' "$(jq -r '.annotations["io.github.seccomp.libseccomp.version"]' <<<"$f")" \
  "/features/libseccomp-version"
assert_ne null "$(jq -r '.annotations["io.github.sysvisor.version"]' <<<"$f")" "/features/version"
expect_refused 'features: unexpected argument "x"' sv_rt features x
# runc allows features without root, so do we.
assert_ok setpriv --reuid=65534 --regid=65534 --clear-groups "$SV_RUNC" features

# ---------------------------------------------------------------- unknown container
for c in ps pause resume "update --memory 1g" "events --stats"; do
  # shellcheck disable=SC2086
  expect_refused "container \"$SV_ID-none\" does not exist" sv_rt $c "$SV_ID-none"
done

# ---------------------------------------------------------------- a created container
sv_rt_bg create --bundle "$b" "$id"
expect_refused "cannot pause container \"$id\": it is created, not running" sv_rt pause "$id"
expect_refused "cannot resume container \"$id\": it is created, not paused" sv_rt resume "$id"
assert_eq created "$(sv_state_field "$id" status)" "/pause/created-is-refused-and-unchanged"
assert_ok sv_rt start "$id"
pid=$(sv_state_field "$id" pid)
sv_wait_until 10 sh -c "[ \$(cat /proc/$pid/root/tmp/counter 2>/dev/null || echo 0) -gt 1 ]" \
  || sv_fail "the counter loop did not start"

# ---------------------------------------------------------------- ps
pids=$(sv_rt ps --format json "$id")
assert_eq true "$(jq --argjson p "$pid" 'index($p) != null' <<<"$pids")" "/ps/json-lists-the-init"
assert_eq true "$(jq --argjson p "$pid" '[.[] | select(. != $p)] | length >= 1' <<<"$pids")" \
  "/ps/json-lists-a-child"
child=$(jq --argjson p "$pid" '[.[] | select(. != $p)][0]' <<<"$pids")
assert_eq "$pid" "$(awk '{print $4}' "/proc/$child/stat")" "/ps/the-child-is-the-init's"
# The loop forks a short-lived `sleep` every 0.1 s: besides the init and the loop, a listed
# process is a child of the loop.
mine() { awk -v i="$pid" -v c="$child" '$1 == i || $1 == c || $2 == c { n++ } END { print n + 0 }'; }
assert_eq "$(jq length <<<"$pids")" "$(jq '.[]' <<<"$pids" \
  | while read -r p; do echo "$p $(awk '{print $4}' "/proc/$p/stat" 2>/dev/null || echo "$child")"; done | mine)" \
  "/ps/json-lists-only-the-container"
table=$(sv_rt ps "$id")
assert_match '^UID +PID +PPID' "$(head -1 <<<"$table")" "/ps/table-header"
assert_eq 1 "$(awk -v p="$pid" '$2 == p' <<<"$table" | wc -l)" "/ps/table-has-the-init"
assert_eq 1 "$(awk -v p="$pid" -v c="$child" '$2 == c && $3 == p' <<<"$table" | wc -l)" \
  "/ps/table-has-the-child"
assert_eq "$(($(wc -l <<<"$table") - 1))" "$(sed 1d <<<"$table" | awk '{print $2, $3}' | mine)" \
  "/ps/table-has-only-the-container"
table=$(sv_rt ps "$id" -e -o pid,comm)
assert_match '^ *PID COMMAND' "$(head -1 <<<"$table")" "/ps/table-with-ps-options"
assert_match " *$pid sv-probe" "$table" "/ps/table-with-ps-options-init"
expect_refused 'ps: unknown --format "yaml"' sv_rt ps --format yaml "$id"
expect_refused 'ps: unknown option --bogus' sv_rt ps --bogus "$id"
expect_refused 'has no PID column' sv_rt ps "$id" -e -o comm
expect_refused 'ps: ps options \("-ef"\) only go with --format table' sv_rt ps -f json "$id" -ef

# ---------------------------------------------------------------- pause / resume
expect_refused "cannot resume container \"$id\": it is running, not paused" sv_rt resume "$id"
assert_ok sv_rt pause "$id"
assert_eq paused "$(sv_state_field "$id" status)" "/pause/status-paused"
assert_eq paused "$(sv_rt list --format json | jq -r ".[] | select(.id == \"$id\") | .status")" \
  "/pause/list-says-paused"
if [ -n "$V2" ]; then
  assert_eq 1 "$(cat "$(cgdir)/cgroup.freeze")" "/pause/cgroup.freeze"
else
  assert_eq FROZEN "$(cat "$(cgdir freezer)/freezer.state")" "/pause/freezer.state-frozen"
fi
c1=$(counter)
sleep 1
assert_eq "$c1" "$(counter)" "/pause/processes-are-frozen (the counter stands still)"
expect_refused "cannot pause container \"$id\": it is paused, not running" sv_rt pause "$id"
assert_eq true "$(sv_rt events --stats "$id" | jq '.data.pids.current >= 1')" "/events/stats-while-paused"
assert_ok sv_rt resume "$id"
assert_eq running "$(sv_state_field "$id" status)" "/resume/status-running"
[ -n "$V2" ] || assert_eq THAWED "$(cat "$(cgdir freezer)/freezer.state")" "/resume/freezer.state-thawed"
sv_wait_until 5 sh -c "[ \$(cat /proc/$pid/root/tmp/counter) -gt $c1 ]" \
  || sv_fail "/resume/work-continues: the counter stayed at $c1"

# ---------------------------------------------------------------- update
mem_limit() { if [ -n "$V2" ]; then cat "$(cgdir)/memory.max"; else cat "$(cgdir memory)/memory.limit_in_bytes"; fi; }
cpu_vals() {
  if [ -n "$V2" ]; then echo "$(cat "$(cgdir)/cpu.weight") $(cat "$(cgdir)/cpu.max")"
  else echo "$(cat "$(cgdir cpu)/cpu.shares") $(cat "$(cgdir cpu)/cpu.cfs_quota_us") $(cat "$(cgdir cpu)/cpu.cfs_period_us")"; fi
}
pids_max() { if [ -n "$V2" ]; then cat "$(cgdir)/pids.max"; else cat "$(cgdir pids)/pids.max"; fi; }

assert_ok sv_rt update --resources - "$id" <<<'{"memory":{"limit":268435456},"cpu":{"shares":512,"quota":50000,"period":100000},"pids":{"limit":99}}'
assert_eq 268435456 "$(mem_limit)" "/update/resources-stdin-memory"
if [ -n "$V2" ]; then
  assert_match '^[0-9]+ 50000 100000$' "$(cpu_vals)" "/update/resources-stdin-cpu"
else
  assert_eq "512 50000 100000" "$(cpu_vals)" "/update/resources-stdin-cpu"
fi
assert_eq 99 "$(pids_max)" "/update/resources-stdin-pids"

printf '{"memory":{"limit":201326592}}' >"$SV_TEST_TMP/res.json"
assert_ok sv_rt update -r "$SV_TEST_TMP/res.json" "$id"
assert_eq 201326592 "$(mem_limit)" "/update/resources-file"

assert_ok sv_rt update --memory 320m --cpu-shares 256 --cpu-quota 20000 --cpu-period 50000 --pids-limit 50 "$id"
assert_eq $((320 * 1024 * 1024)) "$(mem_limit)" "/update/flag-memory"
if [ -n "$V2" ]; then
  assert_match '^[0-9]+ 20000 50000$' "$(cpu_vals)" "/update/flags-cpu"
else
  assert_eq "256 20000 50000" "$(cpu_vals)" "/update/flags-cpu"
fi
assert_eq 50 "$(pids_max)" "/update/flag-pids"
assert_ok sv_rt update --pids-limit -1 "$id"
assert_eq max "$(pids_max)" "/update/flag-pids-unlimited"
assert_ok sv_rt update --cpu-share 300 "$id"
[ -n "$V2" ] || assert_eq 300 "$(cat "$(cgdir cpu)/cpu.shares")" "/update/runc-spelling-cpu-share"

# Bad input: one line, nothing changed.
before="$(mem_limit) $(cpu_vals) $(pids_max)"
expect_refused 'resources.memory.limit: expected an integer' \
  sv_rt update --resources - "$id" <<<'{"memory":{"limit":"lots"}}'
expect_refused 'resources.cpu: expected an object' sv_rt update -r - "$id" <<<'{"cpu":5}'
expect_refused 'resources on stdin: not valid JSON' sv_rt update -r - "$id" <<<'{"memory":'
expect_refused 'expected a JSON object' sv_rt update -r - "$id" <<<'[1,2]'
expect_refused "res-missing.json" sv_rt update -r "$SV_TEST_TMP/res-missing.json" "$id"
expect_refused 'update: --memory "12x": expected a number of bytes' sv_rt update --memory 12x "$id"
expect_refused 'update: --pids-limit "many": expected an integer' sv_rt update --pids-limit many "$id"
expect_refused 'update: --resources and --memory do not go together' \
  sv_rt update --memory 1g -r - "$id" <<<'{}'
expect_refused 'update: nothing to update' sv_rt update "$id"
expect_refused 'update: unknown option --kernel-memory-bogus' sv_rt update --kernel-memory-bogus 1 "$id"
assert_eq "$before" "$(mem_limit) $(cpu_vals) $(pids_max)" "/update/bad-input-changes-nothing"

# ---------------------------------------------------------------- events
ev=$(sv_rt events --stats "$id")
assert_eq 1 "$(wc -l <<<"$ev")" "/events/stats-is-one-record"
assert_eq "stats $id" "$(jq -r '"\(.type) \(.id)"' <<<"$ev")" "/events/stats-type-and-id"
assert_eq true "$(jq '.data.memory.usage.usage > 0' <<<"$ev")" "/events/stats-memory-usage"
assert_eq true "$(jq '.data.pids.current >= 2' <<<"$ev")" "/events/stats-pids-current"
assert_eq true "$(jq '.data.cpu.usage.total > 0' <<<"$ev")" "/events/stats-cpu-usage"
expect_refused 'events: --interval "0"' sv_rt events --interval 0 "$id"
expect_refused 'events: --interval "5 s"' sv_rt events --interval "5 s" "$id"
expect_refused 'events: --interval "-1s"' sv_rt events --interval=-1s "$id"
expect_refused 'events: unknown option --bogus' sv_rt events --bogus "$id"

# The stream: a record every interval; an OOM kill inside gives an "oom" record; it ends by
# itself when the container stops.
assert_ok sv_rt update --memory 32m --memory-swap 32m "$id"
"$SV_RUNC" --root "$SV_ROOT" events --interval 300ms "$id" >"$SV_TEST_TMP/events.out" \
  2>"$SV_TEST_TMP/events.err" </dev/null &
events_pid=$!
sv_on_exit "kill $events_pid 2>/dev/null || true"
sleep 1.2
: >"/proc/$pid/root/tmp/oom"
sv_wait_until 10 grep -q '"type":"oom"' "$SV_TEST_TMP/events.out" \
  || sv_fail "/events/oom-record: none in $(cat "$SV_TEST_TMP/events.out" "$SV_TEST_TMP/events.err")"
assert_eq "{\"type\":\"oom\",\"id\":\"$id\"}" "$(grep '"type":"oom"' "$SV_TEST_TMP/events.out" | head -1)" \
  "/events/oom-record-shape"
assert_ok sv_rt kill "$id" KILL
sv_wait_until 10 sh -c "! kill -0 $events_pid" || sv_fail "/events/ends-when-the-container-stops"
wait "$events_pid" || sv_fail "/events/exit-status: $(cat "$SV_TEST_TMP/events.err")"
n=$(grep -c '"type":"stats"' "$SV_TEST_TMP/events.out")
[ "$n" -ge 3 ] || sv_fail "/events/a-record-every-interval: only $n stats records"
assert_eq "" "$(jq -c 'select(.id != "'"$id"'")' "$SV_TEST_TMP/events.out")" "/events/records-are-json-of-the-container"

# ---------------------------------------------------------------- a stopped container
sv_wait_until 10 sh -c "[ \"\$($SV_RUNC --root $SV_ROOT state $id | jq -r .status)\" = stopped ]" \
  || sv_fail "container did not stop"
expect_refused "cannot pause container \"$id\": it is stopped, not running" sv_rt pause "$id"
expect_refused "cannot resume container \"$id\": it is stopped, not paused" sv_rt resume "$id"
expect_refused "cannot update container \"$id\": it is stopped" sv_rt update --memory 1g "$id"
# As runc: ps of a stopped container is an empty table (runc-parity-cli checks it against runc).
assert_ok sv_rt ps "$id"
assert_eq 1 "$(grep -c . <<<"$SV_OUT")" "/ps/stopped-is-an-empty-table"
expect_refused "cannot read the events of container \"$id\": it is stopped" sv_rt events --stats "$id"

# --log-format json: the failure is also a JSON record in the log, as containerd reads it.
assert_fail "$SV_RUNC" --root "$SV_ROOT" --log "$SV_TEST_TMP/log.json" --log-format json pause "$id"
assert_eq error "$(tail -1 "$SV_TEST_TMP/log.json" | jq -r .level)" "/log-json/level"
assert_match "cannot pause container" "$(tail -1 "$SV_TEST_TMP/log.json" | jq -r .msg)" "/log-json/msg"

assert_ok sv_rt delete "$id"
sv_assert_nothing_left "$id" "$b"

# ---------------------------------------------------------------- signals to a paused container
stopped() { [ "$("$SV_RUNC" --root "$SV_ROOT" state "$1" | jq -r .status)" = stopped ]; }
sv_spec_args "$b" sh -c 'sleep 1000 & exec /sv-probe signal-wait'
# init_waits ID: the init is sv-probe in sigwait (rt_sigtimedwait, 128 on x86_64), with TERM
# blocked.  Until then it is sh, a pid namespace's init without a handler: a TERM sent then is
# dropped, never acted on.
init_waits() {
  local pid
  pid=$(sv_state_field "$1" pid)
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sv-probe ] \
    && [ "$(cut -d' ' -f1 "/proc/$pid/syscall" 2>/dev/null)" = 128 ]
}
# kill --all TERM: the processes stay frozen (it stays paused) and get the signal once thawed.
sv_rt_bg run -d --bundle "$b" "$id-t"
sv_wait_until 10 init_waits "$id-t" || sv_fail "the init did not reach signal-wait"
assert_ok sv_rt pause "$id-t"
assert_ok sv_rt kill --all "$id-t" TERM
sleep 0.3
assert_eq paused "$(sv_state_field "$id-t" status)" "/kill/all-term-leaves-it-paused"
assert_ok sv_rt resume "$id-t"
sv_wait_until 10 stopped "$id-t" || sv_fail "/kill/all-term-acts-once-resumed"
assert_ok sv_rt delete "$id-t"
sv_assert_nothing_left "$id-t" "$b"
# kill --all KILL and delete --force end a paused container (v1: a frozen task only dies thawed).
sv_rt_bg run -d --bundle "$b" "$id-k"
assert_ok sv_rt pause "$id-k"
assert_ok sv_rt kill --all "$id-k" KILL
sv_wait_until 10 stopped "$id-k" || sv_fail "/kill/all-kill-ends-a-paused-container"
assert_ok sv_rt delete "$id-k"
sv_assert_nothing_left "$id-k" "$b"
sv_rt_bg run -d --bundle "$b" "$id-f"
assert_ok sv_rt pause "$id-f"
assert_ok sv_rt delete --force "$id-f"
sv_assert_nothing_left "$id-f" "$b"
echo "oci-commands: ok"
