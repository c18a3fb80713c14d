#!/bin/bash
# runc-parity-seccomp: a syscall newer than every one a seccomp profile names gets ENOSYS, not
# the profile's default action, as with runc 1.1.5 (issue 14, item 7): glibc falls back from
# clone3 and faccessat2 only on ENOSYS.  An older syscall the profile does not name still gets
# the default action (EPERM here), a named one its rule; a profile whose default is ALLOW is
# unchanged.  Each case runs under runc and sysvisor-runc; the outputs must be the same.
set -eu
# shellcheck source=tests/lib/runc-parity.sh
. "$(dirname "$0")/../lib/runc-parity.sh"
sv_require_probe
sv_require_cmd jq
parity_require_runc
[ "$(uname -m)" = x86_64 ] || sv_skip "the syscall numbers below are x86_64's"

parity_bundles /sv-probe hostname

# An allow-list with nothing newer than statx (332): what runc's Go init and the static probe
# need.  clone3 (435), faccessat2 (439), futex_waitv (449) are newer; fanotify_init (300) and
# acct (163) are older and not listed; sethostname (170) is refused by a rule with EACCES.
allowed='["read","write","close","fstat","newfstatat","lseek","mmap","mprotect","munmap","brk",
  "rt_sigaction","rt_sigprocmask","rt_sigreturn","ioctl","pread64","readv","writev","access",
  "pipe","pipe2","sched_yield","madvise","dup","dup2","dup3","nanosleep","getpid","clone","fork",
  "execve","exit","wait4","kill","uname","fcntl","getdents64","getcwd","chdir","fchdir","readlink",
  "readlinkat","umask","gettimeofday","getuid","getgid","geteuid","getegid","getppid","getpgrp",
  "setsid","sigaltstack","arch_prctl","prctl","gettid","tgkill","futex","sched_getaffinity",
  "set_tid_address","clock_gettime","clock_nanosleep","exit_group","epoll_wait","epoll_ctl",
  "epoll_create1","epoll_pwait","openat","mkdirat","fchownat","unlinkat","faccessat","set_robust_list",
  "get_robust_list","prlimit64","getrandom","statx","capget","capset","setgroups","setresuid",
  "setresgid","setuid","setgid","open","stat","lstat","poll","ppoll","select","pselect6",
  "getrlimit","setrlimit","sysinfo","times","getpgid","getsid","socket","connect","sendmsg",
  "recvmsg","sendto","recvfrom","socketpair","keyctl","fstatfs","statfs","signalfd4","eventfd2",
  "seccomp"]'
profile() { # DEFAULT-ACTION
  jq -n --argjson a "$allowed" --arg d "$1" '{defaultAction: $d, architectures: ["SCMP_ARCH_X86_64"],
    syscalls: [{names: $a, action: "SCMP_ACT_ALLOW"},
               {names: ["sethostname"], action: "SCMP_ACT_ERRNO", errnoRet: 13}]}'
}

# under RUNTIME ROOT BUNDLE DEFAULT-ACTION NNP: what the probe's syscalls get.
under() {
  local id=$SV_ID-s$RANDOM
  sv_spec_set "$3" '.linux.seccomp = $p | .process.noNewPrivileges = $nnp
    | .process.args = ["/sv-probe", "try", "nr:435", "try", "nr:439", "try", "nr:449",
                       "try", "nr:300", "try", "acct", "try", "nr:170"]' \
    --argjson p "$(profile "$4")" --argjson nnp "$5"
  "$1" --root "$2" run --bundle "$3" "$id" </dev/null 2>&1 | sed 's/: nr:[0-9]*:.*//; s/: acct:.*//' \
    | tr '\n' ' '
  "$1" --root "$2" delete --force "$id" >/dev/null 2>&1 || true
}

# same DEFAULT NNP EXPECTED
same() {
  local r s
  r=$(under "$SV_REF_RUNC" "$REF_ROOT" "$ref" "$1" "$2")
  s=$(under "$SV_RUNC" "$SV_ROOT" "$mine" "$1" "$2")
  assert_eq "$3" "$r" "runc, default $1, noNewPrivileges $2"
  assert_eq "$r" "$s" "/seccomp/as-runc: default $1, noNewPrivileges $2"
}

newer='error ENOSYS error ENOSYS error ENOSYS'
same SCMP_ACT_ERRNO true "$newer error EPERM error EPERM error EACCES "
same SCMP_ACT_ERRNO false "$newer error EPERM error EPERM error EACCES "
# Default ALLOW: nothing changes, the kernel answers the newer syscalls itself.
r=$(under "$SV_REF_RUNC" "$REF_ROOT" "$ref" SCMP_ACT_ALLOW true)
s=$(under "$SV_RUNC" "$SV_ROOT" "$mine" SCMP_ACT_ALLOW true)
assert_eq "$r" "$s" "/seccomp/as-runc: default SCMP_ACT_ALLOW"
case "$s" in "error ENOSYS"*) sv_fail "/seccomp/allow-default-unchanged: clone3 got ENOSYS ($s)" ;; esac

# ---------------------------------------------------------------- listenerPath (seccomp agent)
# SCMP_ACT_NOTIFY rules go to the agent at listenerPath, which gets runc's container process
# state with the listener; here it answers every notified call with ELOOP.
agent=$SV_TEST_TMP/agent.sock
python3 "$SV_SRC_ROOT/tests/helpers/seccomp-agent.py" "$agent" "$SV_TEST_TMP/agent.out" 40 &
agent_pid=$!
sv_on_exit "kill $agent_pid 2>/dev/null"
sv_wait_until 10 test -S "$agent" || sv_fail "the seccomp agent did not start"
notify() { # NNP
  jq -n --arg l "$agent" --argjson nnp "$1" '{defaultAction: "SCMP_ACT_ALLOW",
    listenerPath: $l, listenerMetadata: "sv-meta",
    syscalls: [{names: ["acct"], action: "SCMP_ACT_NOTIFY"}]}'
}
# agent_run RUNTIME ROOT BUNDLE NNP ID: the probe's view of acct and uname under the agent.
agent_run() {
  sv_spec_set "$3" '.linux.seccomp = $p | .process.noNewPrivileges = $nnp
    | .process.args = ["/sv-probe", "try", "acct", "hostname"]' \
    --argjson p "$(notify "$4")" --argjson nnp "$4"
  "$1" --root "$2" run --bundle "$3" "$5" </dev/null 2>&1 | sed 's/: acct:.*//' | tr '\n' ' '
  "$1" --root "$2" delete --force "$5" >/dev/null 2>&1 || true
}
for nnp in true false; do
  r=$(agent_run "$SV_REF_RUNC" "$REF_ROOT" "$ref" $nnp "$SV_ID-ar$nnp")
  s=$(agent_run "$SV_RUNC" "$SV_ROOT" "$mine" $nnp "$SV_ID-as$nnp")
  assert_eq "error ELOOP runc " "$r" "runc, agent, noNewPrivileges $nnp"
  assert_eq "$r" "$s" "/seccomp/agent-answers-as-runc: noNewPrivileges $nnp"
done
# What the agent got from each runtime: the same shape.
shape='[.ociVersion != null, .fds, (.pid > 0), .metadata, .state.id, .state.status, (.state.bundle | length > 0)] | tostring'
assert_eq 4 "$(wc -l <"$SV_TEST_TMP/agent.out")" "/seccomp/agent-got-one-message-per-container"
r=$(grep "\"$SV_ID-artrue\"" "$SV_TEST_TMP/agent.out" | jq -r "$shape")
s=$(grep "\"$SV_ID-astrue\"" "$SV_TEST_TMP/agent.out" | jq -r "$shape" | sed "s/$SV_ID-astrue/$SV_ID-artrue/")
assert_eq "[true,[\"seccompFd\"],true,\"sv-meta\",\"$SV_ID-artrue\",\"creating\",true]" "$r" "runc's agent message"
assert_eq "$r" "$s" "/seccomp/agent-message-as-runc"

# exec: the exec'd process's own listener goes to the agent too.
for b in "$ref" "$mine"; do
  sv_spec_set "$b" '.linux.seccomp = $p | .process.args = ["sleep", "1000"]' --argjson p "$(notify true)"
done
"$SV_REF_RUNC" --root "$REF_ROOT" run -d --bundle "$ref" "$SV_ID-ax" </dev/null >/dev/null 2>&1 \
  || sv_fail "runc run -d failed"
sv_rt_bg run -d --bundle "$mine" "$SV_ID-ax"
r=$("$SV_REF_RUNC" --root "$REF_ROOT" exec "$SV_ID-ax" /sv-probe try acct 2>&1 | sed 's/: acct:.*//')
s=$(sv_rt exec "$SV_ID-ax" /sv-probe try acct 2>&1 | sed 's/: acct:.*//')
assert_eq "error ELOOP" "$r" "runc, agent, exec"
assert_eq "$r" "$s" "/seccomp/agent-answers-exec-as-runc"
assert_eq 8 "$(wc -l <"$SV_TEST_TMP/agent.out")" "/seccomp/agent-got-the-exec-listeners"
assert_ok sv_rt delete --force "$SV_ID-ax"

# SCMP_ACT_NOTIFY without listenerPath: refused, by runc too.
sv_spec_set "$mine" '.linux.seccomp |= del(.listenerPath)'
assert_fail sv_rt run --bundle "$mine" "$SV_ID-nl"
assert_match "SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath" "$SV_OUT" "/seccomp/notify-needs-listenerPath"
sv_assert_nothing_left "$SV_ID-nl" "$mine"
