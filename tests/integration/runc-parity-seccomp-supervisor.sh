#!/bin/bash
# runc-parity-seccomp-supervisor: a container that names a seccomp agent (linux.seccomp.
# listenerPath) while the runtime's own syscall supervisor is on (procfs = fuse-procfs): a
# filter chain holds one listener (a second: EBUSY), so the user's agent wins: it answers the
# calls its SCMP_ACT_NOTIFY rules name, the runtime's interception is off for that container
# (sysinfo(2) is the kernel's again), and the runtime says so in one line (issue 14, item 7).
set -eu
. "$(dirname "$0")/procfs-lib.sh"
sv_require_probe
sv_require_cmd python3 jq

host_total=$(( $(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) * 1024 ))
procfs_start_daemon
procfs_use_plugins
agent=$SV_TEST_TMP/agent.sock
python3 "$SV_SRC_ROOT/tests/helpers/seccomp-agent.py" "$agent" "$SV_TEST_TMP/agent.out" 40 &
agent_pid=$!
sv_on_exit "kill $agent_pid 2>/dev/null"
sv_wait_until 10 test -S "$agent" || sv_fail "the seccomp agent did not start"

b=$SV_TEST_TMP/bb
procfs_bundle "$b" /sv-probe sysinfo try acct
# Supervised first: sysinfo() is the container's (256 MiB).
# (acct fails either way: the probe exits 1, its output is what counts)
out=$(sv_rt run --bundle "$b" "$SV_ID-sup" </dev/null 2>&1) || true
assert_match 'totalram 268435456 ' "$out" "/agent-supervisor/supervised-without-agent"
# With an agent: the agent answers acct, sysinfo is the kernel's, one line says why.
sv_spec_set "$b" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": $l,
  "syscalls": [{"names": ["acct"], "action": "SCMP_ACT_NOTIFY"}]}' --arg l "$agent"
out=$(sv_rt run --bundle "$b" "$SV_ID-agent" </dev/null 2>"$SV_TEST_TMP/err") || true
assert_match "error ELOOP" "$out" "/agent-supervisor/the-agent-answers"
assert_match "totalram $host_total " "$out" "/agent-supervisor/supervisor-off (sysinfo is the kernel's)"
assert_match "listenerPath $agent: the seccomp agent given there gets the container's listener; sysvisor's syscall supervisor .* is off" \
  "$(cat "$SV_TEST_TMP/err")" "/agent-supervisor/says-so"
assert_eq "$SV_ID-agent" "$(jq -r .state.id "$SV_TEST_TMP/agent.out")" "/agent-supervisor/agent-got-the-state"
