#!/bin/bash
# escape-docker: real escape attempts from inside system containers that Docker runs (a private
# dockerd), with the capabilities root gets by default (every capability of its user
# namespace), the docker run attacks also with --cap-add SYS_ADMIN.  Each case attacks, then
# checks that the host is untouched:
#   fds       no host fd in the init or in an exec'd process at start, and a working directory
#             of /proc/self/fd/N does not land outside the container (CVE-2024-21626 class)
#   exe       overwriting the runtime through /proc/PID/exe of the runtime's exec process,
#             with a "#!/proc/self/exe" binary (CVE-2019-5736 class): sysvisor-runc unchanged
#   cgroup    release_agent of the container's hierarchies and of a cgroup v1 hierarchy
#             mounted inside (CVE-2022-0492 class): the host's release_agent unchanged;
#             the memory and pids limits Docker set cannot be raised from inside
#   kernel    /proc/sysrq-trigger, /proc/kcore, /sys/kernel, /sys/firmware, through the
#             container's own /proc and /sys and through a fresh proc or sysfs mount
#   handle    open_by_handle_at of a forged handle ("shocker")
#   ptrace    of a host process, also with --pid host
#   other     another container's root and /proc, and its uid range (exclusive)
set -eu
. "$(dirname "$0")/../lib/common.sh"
. "$SV_LIB_DIR/runtime.sh"
. "$SV_LIB_DIR/docker.sh"
sv_require_root
sv_require_runtime
sv_require_probe
sv_require_cmd dockerd jq sha256sum

sv_use_plugins auto auto none
sv_use_exclusive_ids
sv_docker_start_sysvisor || sv_skip "dockerd cannot start here"
sv_docker_import_busybox bb
D_BASE="sv_docker run --runtime=sysvisor-runc --network none --rm"
D=$D_BASE
runtime_sum=$(sha256sum "$SV_RUNC" "$SV_DOCKER_RUNTIME_WRAPPER")

# A long-running container to exec into.
c=$(sv_docker run -d --runtime=sysvisor-runc --network none bb sleep 3600)
sv_on_exit "sv_docker rm -f $c >/dev/null 2>&1"

# only_std_fds WHAT "N=TARGET ...": nothing but 0, 1 and 2.
only_std_fds() {
  local f
  for f in $2; do
    case ${f%%=*} in
      0 | 1 | 2) ;;
      *) sv_fail "$1: fd ${f%%=*} (${f#*=}) is open at start: all fds: $2" ;;
    esac
  done
}

# ---- fds: the init and an exec'd process hold no host fd; no cwd outside the container ----
assert_ok $D bb /sv-probe fds
only_std_fds "the init of docker run" "$SV_OUT"
assert_ok sv_docker exec "$c" /sv-probe fds
only_std_fds "docker exec" "$SV_OUT"
assert_ok sv_docker exec "$c" sh -c 'cd /proc/1/fd && echo *'
assert_eq "0 1 2" "$SV_OUT" "the init (sleep) of a running container holds only 0, 1, 2"
for n in 3 4 5 6 7 8 9 10; do
  rc=0
  out=$($D -w "/proc/self/fd/$n" bb /sv-probe cwd 2>&1) || rc=$?
  [[ $rc != 0 || ($out == /* && $out != *unreachable*) ]] ||
    sv_fail "docker run -w /proc/self/fd/$n: the working directory is outside the container: $out"
  rc=0
  out=$(sv_docker exec -w "/proc/self/fd/$n" "$c" /sv-probe cwd 2>&1) || rc=$?
  [[ $rc != 0 || ($out == /* && $out != *unreachable*) ]] ||
    sv_fail "docker exec -w /proc/self/fd/$n: the working directory is outside the container: $out"
done

# ---- exe: overwrite the runtime through the exec process's /proc/PID/exe ----
# Inside: a watcher opens for writing the exe of every process that is not the container's
# own binary, while the host runs `docker exec` of a "#!/proc/self/exe" script many times
# (the interpreter is whatever binary execs it).
sv_docker exec "$c" sh -c 'printf "#!/proc/self/exe\n" >/evil && chmod 755 /evil'
sv_docker exec -d "$c" sh -c '
  : >/tmp/seen
  while [ ! -e /tmp/stop ]; do
    for p in /proc/[0-9]*; do
      e=$(readlink "$p/exe" 2>/dev/null) || continue
      case $e in /bin/busybox | /bin/sh | /sv-probe | /bin/sleep) continue ;; esac
      echo "seen $e" >>/tmp/seen
      if (printf x >>"$p/exe") 2>/dev/null; then echo "WROTE $p $e" >>/tmp/seen; fi
    done
  done'
for _ in $(seq 25); do
  sv_docker exec "$c" /evil >/dev/null 2>&1 || true
  sv_docker exec "$c" true >/dev/null 2>&1 || true
done
sv_docker exec "$c" touch /tmp/stop
sleep 0.5
assert_ok sv_docker exec "$c" cat /tmp/seen
seen=$SV_OUT
sv_log "processes the watcher saw: $(sort -u <<<"$seen" | tr '\n' ';')"
[[ $seen != *WROTE* ]] || sv_fail "a binary outside the container was opened for writing: $seen"
assert_eq "$runtime_sum" "$(sha256sum "$SV_RUNC" "$SV_DOCKER_RUNTIME_WRAPPER")" "sysvisor-runc is unchanged"

# ---- cgroup: the container's own limits, set by Docker, cannot be raised from inside ----
m=$(sv_docker run -d --runtime=sysvisor-runc --network none --memory 64m --pids-limit 50 bb sleep 3600)
sv_on_exit "sv_docker rm -f $m >/dev/null 2>&1"
mpid=$(sv_docker inspect -f '{{.State.Pid}}' "$m")
mem_cg=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ {print $3}' "/proc/$mpid/cgroup")
pids_cg=$(awk -F: '$2 ~ /(^|,)pids(,|$)/ {print $3}' "/proc/$mpid/cgroup")
mem_file=/sys/fs/cgroup/memory$mem_cg/memory.limit_in_bytes
pids_file=/sys/fs/cgroup/pids$pids_cg/pids.max
assert_eq "67108864 50" "$(cat "$mem_file") $(cat "$pids_file")" "Docker's limits on the host"
assert_ok sv_docker exec "$m" sh -c '
  for f in /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes \
           /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/unified/pids.max /sys/fs/cgroup/unified/memory.max; do
    [ -e "$f" ] || continue
    (echo -1 >"$f") 2>/dev/null && echo "WROTE -1 $f"
    (echo max >"$f") 2>/dev/null && echo "WROTE max $f"
  done
  true'
[[ $SV_OUT != *WROTE* ]] || sv_fail "a limit file of the container's cgroup was written: $SV_OUT"
assert_eq "67108864 50" "$(cat "$mem_file") $(cat "$pids_file")" "the container's limits are unchanged on the host"

# Attacks from `docker run`, run with root's default capabilities and again with
# --cap-add SYS_ADMIN (which makes Docker allow mount, umount, unshare, ... in its profile).
sleep 3172 &
hostpid=$!
sv_on_exit "kill $hostpid 2>/dev/null"
attacks() {
  local D="$D_BASE $*"
  sv_log "attacks from docker run $*"
  # ---- cgroup: release_agent (CVE-2022-0492) ----
  agents() { local f; for f in /sys/fs/cgroup/*/release_agent; do echo "$f=$(cat "$f")"; done; }
  before=$(agents)
  assert_ok $D bb sh -c '
    for f in /sys/fs/cgroup/*/release_agent; do
      [ -e "$f" ] || continue
      (echo /evil >"$f") 2>/dev/null && echo "WROTE $f"
    done
    for ctl in rdma memory pids freezer; do
      mkdir -p /cg-$ctl
      mount -t cgroup -o $ctl cgroup /cg-$ctl 2>/dev/null || continue
      echo "mounted $ctl"
      (echo /evil >/cg-$ctl/release_agent) 2>/dev/null && echo "WROTE $ctl release_agent"
      mkdir -p /cg-$ctl/x 2>/dev/null && (echo 1 >/cg-$ctl/x/notify_on_release) 2>/dev/null
      rmdir /cg-$ctl/x 2>/dev/null
    done
    unshare -C -m sh -c "mkdir -p /cg2 && mount -t cgroup -o memory cgroup /cg2 2>/dev/null &&
      (echo /evil >/cg2/release_agent) 2>/dev/null && echo WROTE-unshare"
    true'
  sv_log "release_agent attempts: $SV_OUT"
  [[ $SV_OUT != *WROTE* ]] || sv_fail "release_agent was written from inside: $SV_OUT"
  assert_eq "$before" "$(agents)" "the host's release_agent files are unchanged"

  # ---- kernel: sysrq, kcore, /sys/kernel, /sys/firmware ----
  ksm=$(cat /sys/kernel/mm/ksm/pages_to_scan)
  assert_fail $D bb sh -c 'echo h >/proc/sysrq-trigger'
  assert_ok $D bb sh -c 'head -c 64 /proc/kcore 2>/dev/null | wc -c'
  assert_eq 0 "$SV_OUT" "/proc/kcore reads nothing"
  assert_fail $D bb sh -c "echo $((ksm + 7)) >/sys/kernel/mm/ksm/pages_to_scan"
  assert_eq "$ksm" "$(cat /sys/kernel/mm/ksm/pages_to_scan)" "/sys/kernel is unchanged"
  assert_ok $D bb sh -c 'ls -A /sys/firmware | wc -l'
  assert_eq 0 "$SV_OUT" "/sys/firmware shows nothing"
  # A fresh proc or sysfs mount does not bring back what the container's own ones hide.
  assert_ok $D bb sh -c '
    mkdir -p /p /s
    if mount -t proc proc /p 2>/dev/null; then
      echo "proc mounted"
      (echo h >/p/sysrq-trigger) 2>/dev/null && echo "WROTE sysrq"
      echo "kcore $(head -c 64 /p/kcore 2>/dev/null | wc -c)"
    fi
    if mount -t sysfs sysfs /s 2>/dev/null; then
      echo "sysfs mounted, firmware: $(ls -A /s/firmware 2>/dev/null | wc -l)"
      (echo 1 >/s/kernel/mm/ksm/pages_to_scan) 2>/dev/null && echo "WROTE ksm"
    fi
    true'
  sv_log "fresh mounts: $SV_OUT"
  [[ $SV_OUT != *WROTE* ]] || sv_fail "a host kernel file was written through a fresh mount: $SV_OUT"
  [[ $SV_OUT != *"kcore "[1-9]* ]] || sv_fail "/proc/kcore readable through a fresh proc mount: $SV_OUT"
  [[ $SV_OUT != *"firmware: "[1-9]* ]] || sv_fail "/sys/firmware visible through a fresh sysfs mount: $SV_OUT"
  assert_eq "$ksm" "$(cat /sys/kernel/mm/ksm/pages_to_scan)" "/sys/kernel is unchanged"

  # ---- handle: open_by_handle_at ("shocker") ----
  assert_fail $D bb /sv-probe try open_by_handle_at
  assert_match '^error EPERM' "$SV_OUT" "open_by_handle_at is refused"

  # ---- ptrace of a host process ----
  for pidmode in "" "--pid host"; do
    rc=0
    # shellcheck disable=SC2086
    out=$($D $pidmode bb /sv-probe ptrace "$hostpid" 2>&1) || rc=$?
    [ "$rc" != 0 ] || sv_fail "docker run $pidmode: ptrace of host pid $hostpid succeeded: $out"
    # shellcheck disable=SC2086
    assert_ok $D $pidmode bb sh -c 'ls /proc | grep -c "^[0-9]"'
    [ "$SV_OUT" -lt 5 ] || sv_fail "docker run $pidmode: sees $SV_OUT processes (the host's?)"
  done
  assert_eq "0" "$(awk '/^TracerPid/ {print $2}' /proc/$hostpid/status)" "the host process is not traced"
  kill -0 "$hostpid" || sv_fail "the host process died"
}
attacks
attacks --cap-add SYS_ADMIN

# ---- other: another container's /proc, root and ids ----
# (A volume both mount is shared by design: bind mounts are ID-mapped to each container's root.)
otherpid=$(sv_docker inspect -f '{{.State.Pid}}' "$c")
assert_ok $D bb sh -c "cat /proc/$otherpid/root/evil 2>&1; ls /proc/$otherpid/ 2>&1 | head -n1; true"
[[ $SV_OUT != *"/proc/self/exe"* ]] || sv_fail "another container's root is reachable: $SV_OUT"
assert_ok $D bb /sv-probe uidmap
mine=$SV_OUT
assert_ok sv_docker exec "$c" /sv-probe uidmap
read -r _ a_start a_size <<<"$mine"
read -r _ b_start b_size <<<"$SV_OUT"
[ $((a_start + a_size)) -le "$b_start" ] || [ $((b_start + b_size)) -le "$a_start" ] ||
  sv_fail "two running containers share host ids: $mine and $SV_OUT"
echo "escape-docker: ok"
