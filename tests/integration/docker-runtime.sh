#!/bin/bash
# docker-runtime: Docker (its own dockerd) drives sysvisor-runc for everyday use: run with a
# hostname, exit codes, logs, run -d + exec + stop, run -it in a terminal, top, pause and
# unpause, update --memory.  Containers get exclusive ids and a shifted rootfs.
set -eu
. "$(dirname "$0")/../lib/common.sh"
. "$SV_LIB_DIR/runtime.sh"
. "$SV_LIB_DIR/docker.sh"
sv_require_root
sv_require_runtime
sv_require_cmd dockerd jq script

sv_use_plugins auto auto none
sv_use_exclusive_ids
sv_docker_start_sysvisor || sv_skip "dockerd cannot start here"
sv_docker_import_busybox bb
D="sv_docker run --runtime=sysvisor-runc --network none"

# docker run --rm --hostname my_cont IMAGE hostname
assert_ok $D --rm --hostname my_cont bb hostname
assert_eq my_cont "$SV_OUT" "hostname from docker run"
# A system container: not the identity map, root owns its rootfs.
assert_ok $D --rm bb sh -c 'cat /proc/self/uid_map; stat -c %u:%g / /etc/passwd'
assert_match '^ +0 +2147[0-9]+ +65536' "$SV_OUT" "uid_map is an exclusive range"
assert_match $'0:0\n0:0' "$SV_OUT" "rootfs owned by container root"
# Exit codes.
rc=0; $D --rm bb sh -c 'exit 42' || rc=$?
assert_eq 42 "$rc" "docker run exit code"

# run -d, logs, exec, top, pause/unpause, update, stop.
cid=$($D -d --name "$SV_ID-d" bb sh -c 'echo started; i=0; while :; do i=$((i+1)); echo $i >/tmp/c.new; mv /tmp/c.new /tmp/count; sleep 0.2; done')
is_running() { [ "$(sv_docker inspect -f '{{.State.Running}}' "$1")" = true ]; }
has_logged() { sv_docker logs "$1" 2>&1 | grep -q started; }
sv_wait_until 20 is_running "$cid" || sv_fail "container did not start: $(sv_docker logs "$cid" 2>&1)"
sv_wait_until 10 has_logged "$cid" || true
assert_match started "$(sv_docker logs "$cid" 2>&1)" "docker logs"
assert_ok sv_docker exec "$cid" sh -c 'echo in-exec; id -u'
assert_eq $'in-exec\n0' "$SV_OUT" "docker exec"
rc=0; sv_docker exec "$cid" sh -c 'exit 3' || rc=$?
assert_eq 3 "$rc" "docker exec exit code"
assert_ok sv_docker exec -u 1000 "$cid" id -u
assert_eq 1000 "$SV_OUT" "docker exec -u"
assert_ok sv_docker top "$cid"
assert_match 'while' "$SV_OUT" "docker top lists the container's processes"
assert_ok sv_docker pause "$cid"
assert_eq paused "$(sv_docker inspect -f '{{.State.Status}}' "$cid")"
c1=$(sv_docker exec "$cid" cat /tmp/count 2>/dev/null || true)
sleep 1
assert_ok sv_docker unpause "$cid"
assert_eq running "$(sv_docker inspect -f '{{.State.Status}}' "$cid")"
sleep 1
c2=$(sv_docker exec "$cid" cat /tmp/count)
[ "$c2" -gt "${c1:-0}" ] || sv_fail "counter did not advance after unpause ($c1 -> $c2)"
assert_ok sv_docker update --memory 64m --memory-swap 128m "$cid"
# (the container's memory cgroup: in the v1 memory hierarchy, or on a cgroup2 root)
if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
  mem=/sys/fs/cgroup limit=memory.max
else
  mem=/sys/fs/cgroup/memory limit=memory.limit_in_bytes
fi
cg=$(find "$mem" -type d -name "*$cid*" | head -n1)
assert_eq $((64 * 1024 * 1024)) "$(cat "$cg/$limit")" "docker update --memory reached the cgroup"
assert_ok sv_docker stop -t 2 "$cid"
assert_eq exited "$(sv_docker inspect -f '{{.State.Status}}' "$cid")"
assert_ok sv_docker rm "$cid"

# docker run -it in a terminal.
out=$( (sleep 2; printf 'tty; echo hello-$((6*7)); exit 5\r') | script -qec "$SV_DOCKER_CLI -H unix://$SV_DOCKER_SOCK run --runtime=sysvisor-runc --network none --rm -it bb sh" /dev/null) || true
assert_match '/dev/pts/0' "$out" "docker run -it has a tty"
assert_match 'hello-42' "$out" "docker run -it runs commands"

# Bad input through Docker: an unknown signal reaches us as a clear error.
cid=$($D -d bb sleep 100)
assert_fail sv_docker kill -s SIGFOO "$cid"
assert_ok sv_docker rm -f "$cid"
echo "docker-runtime: ok"
