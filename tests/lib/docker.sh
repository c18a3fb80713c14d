# shellcheck shell=bash
# tests/lib/docker.sh - a private dockerd per test.
#
#   . tests/lib/common.sh; . tests/lib/docker.sh
#   sv_docker_start [--runtime-name NAME=PATH]... [--default-runtime NAME]
#                   [--userns-remap X] [--data-root DIR] [--storage-driver D]
#                   [--dockerd-arg ARG]...        || sv_skip "no dockerd"
#   sv_docker_import_busybox bb          # image "bb" from the cached busybox rootfs
#   sv_docker_import_debian deb [--systemd]
#   sv_docker run --rm --network none bb echo hi   # or plain `docker`: DOCKER_HOST is exported
#
# The daemon gets its own --data-root (/var/lib/sysvisor-tests/docker-XXXXXX
# unless given), --exec-root (/run/sysvisor-tests/d-XXXXXX), unix socket,
# pidfile and --config-file (a daemon.json written here), and starts its own
# managed containerd, whose socket, state and root live under those two dirs:
# several such daemons and the system's docker (/var/run/docker.sock) do not
# meet.  Networking is off (--bridge=none --iptables=false --ip-masq=false, and
# --ip-forward=false: dockerd otherwise turns the host's net.ipv4.ip_forward on):
# run containers with --network none or --network host.
#
# sv_docker_start registers sv_docker_stop for exit: it removes the
# containers, stops dockerd and its containerd, kills any process still
# rooted in or naming its dirs, unmounts what is left under them and
# removes them.  It must be called in the test's own shell (not in $(...)):
# it exports DOCKER_HOST and sets SV_DOCKER_* variables:
#   SV_DOCKER_SOCK SV_DOCKER_DATA SV_DOCKER_EXEC SV_DOCKER_PIDFILE SV_DOCKER_LOG
#   SV_DOCKER_CONFIG (daemon.json) SV_DOCKER_CLI (client binary)
#
# The client: /usr/bin/docker (docker.io, 20.10, the daemon's own version) is
# preferred; /usr/local/bin/docker (28.x) also works, negotiating the API down
# to 1.41.  Override with SV_DOCKER_CLI.

# shellcheck source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# shellcheck source=busybox-rootfs.sh
. "$SV_LIB_DIR/busybox-rootfs.sh"

SV_DOCKERD=${SV_DOCKERD:-$(command -v dockerd || echo /usr/sbin/dockerd)}
if [ -z "${SV_DOCKER_CLI:-}" ]; then
  if [ -x /usr/bin/docker ]; then SV_DOCKER_CLI=/usr/bin/docker
  else SV_DOCKER_CLI=$(command -v docker || echo docker); fi
fi
SV_DOCKER_START_TIMEOUT=${SV_DOCKER_START_TIMEOUT:-60}

# sv_docker ARGS...: the docker client, talking to the private daemon.
sv_docker() {
  "$SV_DOCKER_CLI" -H "unix://$SV_DOCKER_SOCK" "$@"
}

# sv_docker_start [options]: see above.  Returns 1 (with the log's tail on
# stderr) when the daemon does not answer within SV_DOCKER_START_TIMEOUT s.
sv_docker_start() {
  local data="" exec_root id cfg sock pidfile log driver="" remap="" defrt=""
  local -a runtimes=() extra=()
  while [ $# -gt 0 ]; do
    case $1 in
      --runtime-name) runtimes+=("$2"); shift 2 ;;
      --runtime-name=*) runtimes+=("${1#*=}"); shift ;;
      --default-runtime) defrt=$2; shift 2 ;;
      --default-runtime=*) defrt=${1#*=}; shift ;;
      --userns-remap) remap=$2; shift 2 ;;
      --userns-remap=*) remap=${1#*=}; shift ;;
      --data-root) data=$2; shift 2 ;;
      --data-root=*) data=${1#*=}; shift ;;
      --storage-driver) driver=$2; shift 2 ;;
      --storage-driver=*) driver=${1#*=}; shift ;;
      --dockerd-arg) extra+=("$2"); shift 2 ;;
      *) echo "sv_docker_start: unknown option $1" >&2; return 2 ;;
    esac
  done
  [ -x "$SV_DOCKERD" ] || { echo "sv_docker_start: dockerd not found ($SV_DOCKERD)" >&2; return 1; }
  command -v "$SV_DOCKER_CLI" >/dev/null || { echo "sv_docker_start: docker client not found ($SV_DOCKER_CLI)" >&2; return 1; }

  mkdir -p /run/sysvisor-tests /var/lib/sysvisor-tests
  chmod 711 /var/lib/sysvisor-tests   # remapped roots must traverse it
  exec_root=$(mktemp -d /run/sysvisor-tests/d-XXXXXX)
  id=${exec_root##*/d-}
  if [ -z "$data" ]; then
    data=/var/lib/sysvisor-tests/docker-$id
  fi
  mkdir -p "$data"
  sock=$exec_root/docker.sock
  pidfile=$exec_root/docker.pid
  cfg=$exec_root/daemon.json
  log=$SV_TEST_TMP/dockerd-$id.log

  # daemon.json: runtimes, default runtime, userns-remap (never also as flags)
  local rtjson='{}' r name path
  for r in "${runtimes[@]}"; do
    name=${r%%=*}; path=${r#*=}
    [ "$name" != "$r" ] && [ -n "$path" ] || { echo "sv_docker_start: --runtime-name wants NAME=PATH, got '$r'" >&2; return 2; }
    [ -x "$path" ] || echo "sv_docker_start: warning: runtime $name: $path is not executable" >&2
    rtjson=$(jq -c --arg n "$name" --arg p "$path" '. + {($n): {path: $p}}' <<<"$rtjson")
  done
  # deprecated-key-path: dockerd 20.10 otherwise creates /etc/docker/key.json (and /etc/docker)
  jq -n --argjson rt "$rtjson" --arg defrt "$defrt" --arg remap "$remap" --arg drv "$driver" \
        --arg key "$exec_root/key.json" '
      {"deprecated-key-path": $key}
      + (if $rt != {} then {runtimes: $rt} else {} end)
      + (if $defrt != "" then {"default-runtime": $defrt} else {} end)
      + (if $remap != "" then {"userns-remap": $remap} else {} end)
      + (if $drv != "" then {"storage-driver": $drv} else {} end)' >"$cfg" || return 1

  SV_DOCKER_SOCK=$sock SV_DOCKER_DATA=$data SV_DOCKER_EXEC=$exec_root
  # shellcheck disable=SC2034 # for the tests
  SV_DOCKER_PIDFILE=$pidfile SV_DOCKER_LOG=$log SV_DOCKER_CONFIG=$cfg
  export DOCKER_HOST=unix://$sock
  export SV_DOCKER_SOCK SV_DOCKER_DATA SV_DOCKER_EXEC SV_DOCKER_CLI
  # registered before the start, so a half-started daemon is cleaned too
  sv_on_exit "sv_docker_stop '$exec_root' '$data'"

  sv_log "starting dockerd: data-root $data, exec-root $exec_root, log $log"
  setsid "$SV_DOCKERD" \
    --data-root "$data" --exec-root "$exec_root" \
    -H "unix://$sock" --pidfile "$pidfile" --config-file "$cfg" \
    --bridge=none --iptables=false --ip6tables=false --ip-masq=false --ip-forward=false \
    "${extra[@]}" </dev/null >"$log" 2>&1 &
  local pid=$! waited=0
  echo "$pid" >"$exec_root/dockerd.spawned-pid"
  while :; do
    if "$SV_DOCKER_CLI" -H "unix://$sock" info >/dev/null 2>&1; then
      break
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "sv_docker_start: dockerd exited during start-up; last lines of $log:" >&2
      tail -n 25 "$log" | sed 's/^/    /' >&2
      return 1
    fi
    if [ "$waited" -ge $((SV_DOCKER_START_TIMEOUT * 4)) ]; then
      echo "sv_docker_start: dockerd did not answer on $sock within ${SV_DOCKER_START_TIMEOUT}s; last lines of $log:" >&2
      tail -n 25 "$log" | sed 's/^/    /' >&2
      return 1
    fi
    sleep 0.25
    waited=$((waited + 1))
  done
  sv_log "dockerd $pid ready ($(sv_docker version -f '{{.Server.Version}}' 2>/dev/null), after $((waited / 4)) s)"
}

# sv_docker_start_sysvisor [sv_docker_start options]: a private dockerd with this test's
# sysvisor-runc registered as runtime "sysvisor-runc" (a wrapper carrying the test's
# plugins.conf, plugin dir and lib dir: sv_runtime_wrapper of tests/lib/runtime.sh, which the
# caller sources), and the daemon's data root named in plugins.conf's [idmapped-mounts] (its hosts and
# resolv.conf files are exempt from the bind-mount rule, as /var/lib/docker is for the
# system's dockerd).  Sets SV_DOCKER_RUNTIME_WRAPPER.  Call it in the test's own shell.
sv_docker_start_sysvisor() {
  SV_DOCKER_RUNTIME_WRAPPER=$(sv_runtime_wrapper)
  sv_docker_start --runtime-name "sysvisor-runc=$SV_DOCKER_RUNTIME_WRAPPER" "$@" || return 1
  printf '\n[idmapped-mounts]\ndocker-data-root = %s\n' "$SV_DOCKER_DATA" >>"$SYSVISOR_PLUGINS_CONF"
}

# _sv_pids_using DIR...: pids (not ours) whose cmdline names DIR, or whose
# root or cwd lies below it.
_sv_pids_using() {
  local me=$$ self=${BASHPID:-$$} pats
  # the dirs go through a file and the environment, never through argv, so
  # the scanning processes do not match themselves
  pats=$(mktemp /tmp/sv-pats.XXXXXX)
  printf '%s\n' "$@" >"$pats"
  {
    grep -lsaF -f "$pats" /proc/[0-9]*/cmdline | cut -d/ -f3
    find /proc/[0-9]*/ -maxdepth 1 \( -name root -o -name cwd \) -printf '%h %l\n' 2>/dev/null |
      SV_DIRS=$(cat "$pats") awk '
        BEGIN { n = split(ENVIRON["SV_DIRS"], D, "\n") }
        { for (i = 1; i <= n; i++) if (D[i] != "" && ($2 == D[i] || index($2, D[i] "/") == 1)) { split($1, f, "/"); print f[3] } }'
  } | sort -un | grep -vxF -e "$me" -e "$self" || true
  rm -f "$pats"
}

_sv_wait_gone() {   # _sv_wait_gone PID SECONDS
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    kill -0 "$1" 2>/dev/null || return 0
    # a zombie counts as gone
    [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ] && return 0
    sleep 0.1
  done
  return 1
}

# sv_docker_stop EXEC_ROOT DATA_ROOT: tear a private daemon down completely.
sv_docker_stop() {
  local exec_root=$1 data=$2 sock=$1/docker.sock pid cpid ids
  [ -d "$exec_root" ] || [ -d "$data" ] || return 0
  if [ -S "$sock" ] && timeout 10 "$SV_DOCKER_CLI" -H "unix://$sock" version >/dev/null 2>&1; then
    ids=$(timeout 20 "$SV_DOCKER_CLI" -H "unix://$sock" ps -aq 2>/dev/null)
    # shellcheck disable=SC2086
    [ -n "$ids" ] && timeout 60 "$SV_DOCKER_CLI" -H "unix://$sock" rm -f $ids >/dev/null 2>&1
  fi
  pid=$(cat "$exec_root/docker.pid" 2>/dev/null || cat "$exec_root/dockerd.spawned-pid" 2>/dev/null)
  cpid=$(cat "$exec_root/containerd/containerd.pid" 2>/dev/null)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    _sv_wait_gone "$pid" 30 || { echo "sv_docker_stop: dockerd $pid ignored SIGTERM, killing" >&2; kill -KILL "$pid" 2>/dev/null; _sv_wait_gone "$pid" 5; }
  fi
  if [ -n "$cpid" ] && kill -0 "$cpid" 2>/dev/null; then
    kill -TERM "$cpid" 2>/dev/null
    _sv_wait_gone "$cpid" 10 || { kill -KILL "$cpid" 2>/dev/null; _sv_wait_gone "$cpid" 5; }
  fi
  # shims and container processes still tied to this daemon's dirs
  local left p
  left=$(_sv_pids_using "$exec_root" "$data" "$exec_root".[0-9]*.[0-9]*)
  if [ -n "$left" ]; then
    echo "sv_docker_stop: killing leftover processes: $left" >&2
    for p in $left; do kill -KILL "$p" 2>/dev/null; done
    for p in $left; do _sv_wait_gone "$p" 5; done
  fi
  # with userns-remap, dockerd also makes EXEC_ROOT.UID.GID beside the exec root
  local d
  for d in "$exec_root" "$exec_root".[0-9]*.[0-9]* "$data"; do
    [ -e "$d" ] || continue
    sv_umount_under "$d"
    rm -rf --one-file-system "$d" 2>/dev/null || { sv_umount_under "$d"; rm -rf --one-file-system "$d"; }
    if [ -e "$d" ]; then
      echo "sv_docker_stop: could not remove $d" >&2
      return 1
    fi
  done
  # the parents made for it, once no other test's daemon uses them
  rmdir /run/sysvisor-tests /var/lib/sysvisor-tests 2>/dev/null || true
}

# sv_docker_image_exists NAME
sv_docker_image_exists() {
  sv_docker image inspect "$1" >/dev/null 2>&1
}

# sv_docker_add_probe IMAGE: add /sv-probe (if built) to IMAGE, same name.
sv_docker_add_probe() {
  local img=$1 cid cmd
  [ -n "${SV_PROBE:-}" ] && [ -x "$SV_PROBE" ] || return 0
  # commit would take the container's command as the image's CMD: keep the image's
  cmd=$(sv_docker image inspect -f '{{json .Config.Cmd}}' "$img") || return 1
  cid=$(sv_docker create --network none "$img") || return 1
  sv_docker cp "$SV_PROBE" "$cid:/sv-probe" &&
    sv_docker commit --change "CMD $cmd" "$cid" "$img" >/dev/null
  local rc=$?
  sv_docker rm -f "$cid" >/dev/null 2>&1
  return $rc
}

# sv_docker_import_busybox NAME: image NAME (CMD ["sh"]) from the busybox rootfs.
sv_docker_import_busybox() {
  local name=${1:?usage: sv_docker_import_busybox NAME} tar
  sv_docker_image_exists "$name" && return 0
  tar=$(sv_busybox_tarball) || return 1
  sv_docker import --change 'CMD ["sh"]' "$tar" "$name" >/dev/null || return 1
  sv_docker_add_probe "$name"
}

# sv_docker_import_debian NAME [--systemd]: image NAME from the cached Debian
# rootfs (CMD ["bash"]; with --systemd: the systemd rootfs, CMD ["/sbin/init"]).
sv_docker_import_debian() {
  local name=${1:?usage: sv_docker_import_debian NAME [--systemd]} flag=${2:-} tar
  declare -F sv_debian_tarball >/dev/null || . "$SV_LIB_DIR/debian-rootfs.sh"
  sv_docker_image_exists "$name" && return 0
  tar=$(sv_debian_tarball $flag) || return 1
  local -a changes=(--change 'CMD ["bash"]')
  # (docker 20.10's import rejects STOPSIGNAL: use run --stop-signal SIGRTMIN+3;
  # no ENV container=...: whether the runtime provides it is for tests to see)
  [ "$flag" = --systemd ] && changes=(--change 'CMD ["/sbin/init"]')
  if [[ $tar == *.zst ]]; then
    zstd -q -dc "$tar" | sv_docker import "${changes[@]}" - "$name" >/dev/null || return 1
  else
    sv_docker import "${changes[@]}" "$tar" "$name" >/dev/null || return 1
  fi
  sv_docker_add_probe "$name"
}
