#!/bin/bash
# install.sh: install Sysvisor on a Debian 12 host, from this source tree.
#
#   sudo ./data/install.sh [--no-deps] [--no-build] [--prefix DIR] [--default-runtime]
#   sudo ./data/install.sh --docker-only [--default-runtime] [--daemon-json FILE]
#                                           # only register with Docker: no apt-get, no build
#   sudo ./data/install.sh --deps-only      # only the packages needed to build and test
#   sudo ./data/install.sh --uninstall [--force] [--docker-only]   # undo all of it
#
# What it does: installs the build dependencies (apt-get), builds with meson (in build-install/)
# and installs sysvisor-runc, sysvisor-fs, the plugins, the plugin SDK and the systemd units
# (sysvisor.service, sysvisor-fs.service) under the prefix; creates the `sysvisor` user and its
# subordinate uid/gid range; writes /etc/sysvisor/plugins.conf if there is none; starts
# sysvisor-fs (through sysvisor.service when systemd runs the host, else directly; an upgrade
# restarts it in place); registers sysvisor-runc in Docker's daemon.json and reloads dockerd;
# makes an example bundle in /var/lib/sysvisor/example; runs `sysvisor-runc check`.
# --daemon-json FILE (or SYSVISOR_DOCKER_DAEMON_JSON=FILE) names another daemon.json than
# /etc/docker/daemon.json: that of a dockerd started with --config-file FILE.  Only the dockerds
# that read that very file are reloaded.
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PREFIX=/usr/local
DEPS=1
BUILD=1
DEFAULT_RUNTIME=0
DOCKER_ONLY=0
FORCE=0
ACTION=install
SUBID_COUNT=268435456
FS_MOUNTPOINT=/var/lib/sysvisorfs
FS_LOG=/var/log/sysvisor-fs.log
FS_RUN_DIR=/run/sysvisor-fs
LIB_DIR=/var/lib/sysvisor
STATE_ROOT=/run/sysvisor-runc
DAEMON_JSON=${SYSVISOR_DOCKER_DAEMON_JSON:-/etc/docker/daemon.json}
# What this installer made that uninstall must remove: "file PATH", "dir PATH" lines, and the
# list of files meson installed.
RECORD=$LIB_DIR/installer.record
INSTALLED_FILES=$LIB_DIR/installed-files

BUILD_PACKAGES=(meson ninja-build pkg-config gcc libglib2.0-dev libjson-glib-dev libseccomp-dev
                libmount-dev libfuse3-dev)
RUNTIME_PACKAGES=(fuse3 busybox-static jq)
# clang: libFuzzer and its sanitizers for the fuzz harnesses (tests/fuzz) that .ci/run runs;
# strace: its fault injection kills sysvisor-runc at each step (tests/soak/crash-steps.sh);
# time: GNU time, start-bench's peak RSS (tests/integration/bench-start-smoke.sh);
# qemu-system-x86: a default Debian 12 machine (tests/integration/debian12-host-vm.sh).
TEST_PACKAGES=(runc crun docker.io debootstrap zstd lxcfs python3 procps iproute2 util-linux
               containernetworking-plugins python3-grpcio python3-grpc-tools podman clang
               systemd libc6-dev strace time qemu-system-x86)

say() { printf 'sysvisor-install: %s\n' "$*"; }
die() { printf 'sysvisor-install: %s\n' "$*" >&2; exit 1; }

usage() {
  sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit "${1:-0}"
}

parse_args() {
  while [ $# -gt 0 ]; do
    case $1 in
      --no-deps) DEPS=0 ;;
      --no-build) BUILD=0 ;;
      --prefix) PREFIX=${2:?--prefix needs a directory}; shift ;;
      --default-runtime) DEFAULT_RUNTIME=1 ;;
      --docker-only) DOCKER_ONLY=1 ;;
      --daemon-json) DAEMON_JSON=${2:?--daemon-json needs a file (the daemon.json of dockerd --config-file)}; shift ;;
      --daemon-json=*) DAEMON_JSON=${1#*=} ;;
      --force) FORCE=1 ;;
      --deps-only) ACTION=deps ;;
      --uninstall) ACTION=uninstall ;;
      -h|--help) usage 0 ;;
      *) die "unknown option $1; see --help" ;;
    esac
    shift
  done
}

install_packages() {
  local pkgs=("$@") missing=() p
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing packages: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
}

# ---- the record of what we made ----

record() {   # record file|dir PATH
  mkdir -p "$LIB_DIR"
  chmod 700 "$LIB_DIR"
  grep -qxF "$1 $2" "$RECORD" 2>/dev/null || echo "$1 $2" >>"$RECORD"
}

# Directories under $PREFIX, to learn which ones `meson install` makes.
prefix_dirs() {
  find "$PREFIX" -xdev -type d 2>/dev/null | sort
}

build_and_install() {
  local build=$SRC/build-install before
  say "building in $build"
  if [ -d "$build" ]; then
    meson setup --reconfigure "$build" "$SRC" --prefix "$PREFIX" -Dbuildtype=release \
      -Dintegration_tests=false >/dev/null
  else
    meson setup "$build" "$SRC" --prefix "$PREFIX" -Dbuildtype=release \
      -Dintegration_tests=false >/dev/null
  fi
  meson compile -C "$build" >/dev/null
  before=$(mktemp)
  prefix_dirs >"$before"
  meson install -C "$build" --quiet >/dev/null
  mkdir -p "$LIB_DIR"
  chmod 700 "$LIB_DIR"
  grep -v '^#' "$build/meson-logs/install-log.txt" >"$INSTALLED_FILES.tmp"
  sort -u "$INSTALLED_FILES.tmp" "$INSTALLED_FILES" 2>/dev/null >"$INSTALLED_FILES.new" || true
  mv "$INSTALLED_FILES.new" "$INSTALLED_FILES"
  rm -f "$INSTALLED_FILES.tmp"
  local d
  while read -r d; do record dir "$d"; done < <(prefix_dirs | comm -13 "$before" -)
  rm -f "$before"
  ldconfig
  say "installed under $PREFIX"
}

# ---- the sysvisor user and its ids ----

# The first id past every existing subordinate range, rounded up to 65536.
next_free_subid() {
  local max=100000 start count
  while IFS=: read -r _ start count; do
    [[ $start =~ ^[0-9]+$ && $count =~ ^[0-9]+$ ]] || continue
    (( start + count > max )) && max=$((start + count))
  done < <(cat /etc/subuid /etc/subgid 2>/dev/null)
  echo $(( (max + 65535) / 65536 * 65536 ))
}

# The shadow tools' backup files (/etc/passwd- ...) that useradd/userdel make when absent.
SHADOW_BACKUPS=(/etc/passwd- /etc/group- /etc/shadow- /etc/gshadow- /etc/subuid- /etc/subgid-)

absent_backups() {   # the backup files that do not exist now
  local f
  for f in "${SHADOW_BACKUPS[@]}"; do [ -e "$f" ] || echo "$f"; done
}

setup_user() {
  local start f
  if ! getent passwd sysvisor >/dev/null; then
    say "creating the system user sysvisor"
    for f in $(absent_backups); do record backup "$f"; done
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin sysvisor
  fi
  for f in /etc/subuid /etc/subgid; do
    [ -e "$f" ] && continue
    touch "$f"
    record file "$f"
  done
  if ! grep -q '^sysvisor:' /etc/subuid || ! grep -q '^sysvisor:' /etc/subgid; then
    start=$(next_free_subid)
    (( start + SUBID_COUNT <= 4294967295 )) || die "no room for $SUBID_COUNT subordinate ids past $start"
    sed -i '/^sysvisor:/d' /etc/subuid /etc/subgid
    echo "sysvisor:$start:$SUBID_COUNT" >>/etc/subuid
    echo "sysvisor:$start:$SUBID_COUNT" >>/etc/subgid
    say "subordinate ids for sysvisor: $start-$((start + SUBID_COUNT - 1))"
  fi
}

setup_config() {
  mkdir -p /etc/sysvisor "$LIB_DIR" "$FS_MOUNTPOINT"
  chmod 700 "$LIB_DIR"
  if [ ! -e /etc/sysvisor/plugins.conf ]; then
    install -m 0644 "$SRC/data/plugins.conf" /etc/sysvisor/plugins.conf
    say "wrote /etc/sysvisor/plugins.conf"
  fi
}

# ---- the daemons ----

systemd_running() { [ -d /run/systemd/system ]; }

unit_dir() { echo "$PREFIX/lib/systemd/system"; }

# The pid of the sysvisor-fs that serves $FS_MOUNTPOINT (from its lock file), or nothing.
fs_pid() {
  local f pid
  for f in "$FS_RUN_DIR"/sysvisor-fs-*.lock; do
    [ -f "$f" ] && grep -qxF "mountpoint=$FS_MOUNTPOINT" "$f" || continue
    pid=$(sed -n 's/^pid=//p' "$f")
    [ -n "$pid" ] && [ -d "/proc/$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sysvisor-fs ] && echo "$pid"
  done
  return 0
}

fs_mounted() {
  awk -v mp="$FS_MOUNTPOINT" '$5 == mp && / - fuse\.sysvisor-fs / { found = 1 } END { exit !found }' \
    /proc/self/mountinfo
}

# A prefix whose units systemd does not read (not /usr, /usr/local): link them into
# /etc/systemd/system (disable removes the links).
link_units() {
  local d
  for d in $(systemd-analyze unit-paths 2>/dev/null || echo /usr/local/lib/systemd/system /usr/lib/systemd/system /lib/systemd/system); do
    [ "$d" = "$(unit_dir)" ] && return 0
  done
  systemctl link "$(unit_dir)/sysvisor-fs.service" "$(unit_dir)/sysvisor.service" >/dev/null
}

start_daemons() {
  if systemd_running && [ -f "$(unit_dir)/sysvisor.service" ]; then
    systemctl daemon-reload
    link_units
    if systemctl is-active -q sysvisor-fs.service; then
      # never restart: a stop unmounts under the running containers
      systemctl reload sysvisor.service
      say "sysvisor.service reloaded (sysvisor-fs restarted in place)"
    else
      systemctl enable --now sysvisor.service
      say "sysvisor.service enabled and started"
    fi
    return
  fi
  if [ -f "$(unit_dir)/sysvisor.service" ] && command -v systemctl >/dev/null; then
    # for a later boot with systemd (works offline)
    { link_units && systemctl enable sysvisor.service; } >/dev/null 2>&1 || true
  fi
  if fs_mounted && [ -n "$(fs_pid)" ]; then
    if [ "$BUILD" = 1 ]; then
      "$PREFIX/sbin/sysvisor-fs" --restart --mountpoint "$FS_MOUNTPOINT"
      say "sysvisor-fs restarted in place on $FS_MOUNTPOINT (running containers keep their files)"
    else
      say "sysvisor-fs already serves $FS_MOUNTPOINT"
    fi
    return
  fi
  "$PREFIX/sbin/sysvisor-fs" --mountpoint "$FS_MOUNTPOINT" --log "$FS_LOG"
  say "systemd is not running this host: started sysvisor-fs directly on $FS_MOUNTPOINT (log: $FS_LOG); start it again after a reboot"
}

stop_daemons() {
  local pid f
  if command -v systemctl >/dev/null && [ -f "$(unit_dir)/sysvisor.service" ]; then
    if systemd_running; then
      systemctl disable --now sysvisor.service sysvisor-fs.service >/dev/null 2>&1 || true
    else
      systemctl disable sysvisor.service >/dev/null 2>&1 || true
    fi
  fi
  # only the daemon of our mountpoint: other sysvisor-fs instances (tests) are not ours
  pid=$(fs_pid)
  if [ -n "$pid" ]; then
    kill -TERM "$pid"
    for _ in $(seq 100); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
    [ -d "/proc/$pid" ] && die "sysvisor-fs (pid $pid) does not stop"
    say "stopped sysvisor-fs (pid $pid)"
  fi
  fs_mounted && umount -l "$FS_MOUNTPOINT"
  for f in "$FS_RUN_DIR"/sysvisor-fs-*.lock; do
    [ -f "$f" ] && grep -qxF "mountpoint=$FS_MOUNTPOINT" "$f" && rm -rf "$f" "${f%.lock}.keeper.immutable" "${f%.lock}.keeper.immutable.d"
  done
  rmdir "$FS_RUN_DIR" 2>/dev/null || true
}

# ---- Docker ----

# Pids of the dockerd processes whose configuration is $DAEMON_JSON (--config-file, else
# /etc/docker/daemon.json), compared as files (device and inode) seen from each daemon's own
# root and working directory: a dockerd in a container, or one whose --config-file is another
# file of the same name, is not ours.
dockerd_pids() {
  local want pid cfg arg prev
  [ -e "$DAEMON_JSON" ] || return 0
  want=$(stat -L -c %d:%i "$DAEMON_JSON")
  for pid in $(pgrep -x dockerd || true); do
    cfg=/etc/docker/daemon.json prev=
    while IFS= read -r -d '' arg; do
      [ "$prev" = --config-file ] && cfg=$arg
      case $arg in --config-file=*) cfg=${arg#*=} ;; esac
      prev=$arg
    done 2>/dev/null <"/proc/$pid/cmdline" || continue
    case $cfg in /*) cfg=/proc/$pid/root$cfg ;; *) cfg=/proc/$pid/cwd/$cfg ;; esac
    [ "$(stat -L -c %d:%i "$cfg" 2>/dev/null)" = "$want" ] && echo "$pid"
  done
  return 0
}

# The unix socket a dockerd listens on (its -H/--host flags, else the default).
dockerd_socket() {
  local arg prev='' sock=''
  while IFS= read -r -d '' arg; do
    case $prev in -H|--host) [[ $arg == unix://* ]] && sock=${arg#unix://} ;; esac
    case $arg in -H=unix://*|--host=unix://*) sock=${arg#*=unix://} ;; esac
    prev=$arg
  done <"/proc/$1/cmdline"
  echo "${sock:-/var/run/docker.sock}"
}

# dockerd_shows PID JQ-TEST: wait (10 s) until the daemon's {"default": DefaultRuntime,
# "runtimes": Runtimes} passes JQ-TEST.
dockerd_shows() {
  local sock
  command -v docker >/dev/null || return 1
  sock=$(dockerd_socket "$1")
  for _ in $(seq 40); do
    docker -H "unix://$sock" info --format '{"default": {{json .DefaultRuntime}}, "runtimes": {{json .Runtimes}}}' 2>/dev/null |
      jq -e "$2" >/dev/null 2>&1 && return 0
    sleep 0.25
  done
  return 1
}

# docker_reload JQ-TEST: SIGHUP every dockerd that reads $DAEMON_JSON (dockerd 20.10 reloads
# runtimes and default-runtime) and wait until it shows the change.
docker_reload() {
  local pid
  for pid in $(dockerd_pids); do
    kill -HUP "$pid"
    if dockerd_shows "$pid" "$1"; then
      say "dockerd (pid $pid) reloaded $DAEMON_JSON"
    else
      say "warning: dockerd (pid $pid) does not show the change after SIGHUP; restart it (systemctl restart docker)"
    fi
  done
}

# Write $DAEMON_JSON through jq FILTER (args after it), atomically, keeping its mode.
edit_daemon_json() {
  local target tmp
  target=$(realpath -m "$DAEMON_JSON")
  tmp=$(mktemp "$target.XXXXXX")
  if ! jq "$@" "$target" >"$tmp"; then
    rm -f "$tmp"
    die "could not edit $DAEMON_JSON"
  fi
  chmod --reference="$target" "$tmp"
  mv "$tmp" "$target"
}

check_daemon_json() {
  jq empty "$DAEMON_JSON" 2>/dev/null ||
    die "$DAEMON_JSON is not valid JSON; fix it (dockerd cannot read it either), then run this again"
  jq -e 'type == "object" and ((.runtimes // {}) | type == "object")' "$DAEMON_JSON" >/dev/null ||
    die "$DAEMON_JSON must be a JSON object whose \"runtimes\" is an object; fix it, then run this again"
}

register_docker() {
  local dir
  command -v dockerd >/dev/null || [ -e "$DAEMON_JSON" ] || return 0
  dir=$(dirname "$DAEMON_JSON")
  if [ ! -d "$dir" ]; then
    mkdir -p "$dir"
    record dir "$dir"
  fi
  if [ ! -e "$DAEMON_JSON" ]; then
    echo '{}' >"$DAEMON_JSON"
    record file "$DAEMON_JSON"
  fi
  [ -s "$DAEMON_JSON" ] || echo '{}' >"$DAEMON_JSON"
  check_daemon_json
  edit_daemon_json --arg path "$PREFIX/sbin/sysvisor-runc" --argjson dflt "$DEFAULT_RUNTIME" \
    '.runtimes["sysvisor-runc"] = {"path": $path}
     | if $dflt == 1 then .["default-runtime"] = "sysvisor-runc" else . end'
  say "registered sysvisor-runc in $DAEMON_JSON$([ "$DEFAULT_RUNTIME" = 1 ] && echo ' as the default runtime')"
  if [ "$DEFAULT_RUNTIME" = 1 ]; then
    docker_reload '(.runtimes | has("sysvisor-runc")) and .default == "sysvisor-runc"'
  else
    docker_reload '.runtimes | has("sysvisor-runc")'
  fi
}

unregister_docker() {
  [ -s "$DAEMON_JSON" ] || return 0
  if ! jq -e 'type == "object"' "$DAEMON_JSON" >/dev/null 2>&1; then
    say "warning: $DAEMON_JSON is not a JSON object: remove sysvisor-runc from it by hand"
    return 0
  fi
  jq -e '.runtimes["sysvisor-runc"] != null or .["default-runtime"] == "sysvisor-runc"' \
    "$DAEMON_JSON" >/dev/null || return 0
  local was_default
  was_default=$(jq '.["default-runtime"] == "sysvisor-runc"' "$DAEMON_JSON")
  # dockerd's reload leaves a setting that is no longer in the file as it was: first say
  # "runtimes": {} and "default-runtime": "runc" to the daemons that read the file...
  if [ -n "$(dockerd_pids)" ]; then
    edit_daemon_json 'del(.runtimes["sysvisor-runc"])
        | if .["default-runtime"] == "sysvisor-runc" then .["default-runtime"] = "runc" else . end'
    docker_reload '(.runtimes | has("sysvisor-runc") | not) and .default != "sysvisor-runc"'
  fi
  # ... then leave the file as it was before the install
  edit_daemon_json --argjson was_default "$was_default" 'del(.runtimes["sysvisor-runc"])
      | if (.runtimes | type) == "object" and .runtimes == {} then del(.runtimes) else . end
      | if .["default-runtime"] == "sysvisor-runc" or ($was_default and .["default-runtime"] == "runc")
        then del(.["default-runtime"]) else . end'
  say "removed sysvisor-runc from $DAEMON_JSON"
}

# ---- example bundle ----

make_example() {
  local ex=$LIB_DIR/example applet
  [ -d "$ex/rootfs" ] && return 0
  mkdir -p "$ex/rootfs"/{bin,etc,proc,sys,dev,tmp,root,run,var/tmp}
  chmod 1777 "$ex/rootfs/tmp" "$ex/rootfs/var/tmp"
  cp /bin/busybox "$ex/rootfs/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [ -e "$ex/rootfs/bin/$applet" ] || ln -s busybox "$ex/rootfs/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
    >"$ex/rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$ex/rootfs/etc/group"
  (cd "$ex" && "$PREFIX/sbin/sysvisor-runc" spec)
  say "example bundle: $ex (busybox)"
}

run_check() {
  local rc=0
  say "sysvisor-runc check:"
  "$PREFIX/sbin/sysvisor-runc" check | sed 's/^/    /' || rc=$?
  [ "$rc" = 0 ] && return 0
  die "installed, but this host fails a check above; see its fix"
}

# --docker-only: the registration and nothing else (no packages, no build).
docker_only() {
  command -v jq >/dev/null ||
    die "--docker-only edits $DAEMON_JSON with jq, which is missing: apt-get install jq (or run ./data/install.sh without --docker-only)"
  [ -x "$PREFIX/sbin/sysvisor-runc" ] ||
    die "$PREFIX/sbin/sysvisor-runc is not installed: run ./data/install.sh first (or give its --prefix)"
  command -v dockerd >/dev/null || [ -e "$DAEMON_JSON" ] ||
    die "no dockerd and no $DAEMON_JSON: install Docker first, or name its daemon.json with --daemon-json FILE"
  register_docker
}

do_install() {
  if [ "$DOCKER_ONLY" = 1 ]; then
    docker_only
    return
  fi
  [ "$DEPS" = 1 ] && install_packages "${BUILD_PACKAGES[@]}" "${RUNTIME_PACKAGES[@]}"
  [ "$BUILD" = 1 ] && build_and_install
  setup_user
  setup_config
  start_daemons
  register_docker
  make_example
  run_check
  say "done: try  sysvisor-runc run --bundle $LIB_DIR/example my_syscontainer"
  say "containerd and Kubernetes (CRI-O): see docs/kubernetes.md"
}

# Containers that still need what uninstall removes (their id ranges, sysvisor-fs).
# idmap-exclusive keeps a file per held range in $LIB_DIR/idmap-exclusive/ranges (names starting
# with "." are temporary files); a table an older release left, $LIB_DIR/idmap-exclusive.json,
# holds ranges too until the first create or delete converts it (and leaves there a table of
# version 2 with no range, which older releases refuse).
refuse_if_in_use() {
  local ids="" held=0 legacy=0 where
  [ "$FORCE" = 1 ] && return 0
  [ -x "$PREFIX/sbin/sysvisor-runc" ] && ids=$("$PREFIX/sbin/sysvisor-runc" --root "$STATE_ROOT" list -q 2>/dev/null || true)
  if [ -d "$LIB_DIR/idmap-exclusive/ranges" ]; then
    held=$(find "$LIB_DIR/idmap-exclusive/ranges" -mindepth 1 -maxdepth 1 -type f ! -name '.*' \
             -name '*.json' | wc -l)
  fi
  if [ -f "$LIB_DIR/idmap-exclusive.json" ]; then
    legacy=$(jq '.ranges | length' "$LIB_DIR/idmap-exclusive.json" 2>/dev/null || echo 0)
  fi
  held=$((held + legacy))
  where="$LIB_DIR/idmap-exclusive/ranges/"
  [ "$legacy" = 0 ] || where="$where and $LIB_DIR/idmap-exclusive.json"
  if [ -n "$ids" ] || [ "$held" != 0 ]; then
    die "containers still exist (${ids:+$(echo $ids) in $STATE_ROOT; }$held hold id ranges in $where): delete them first (sysvisor-runc delete -f ID, docker rm -f ...), or uninstall with --force"
  fi
}

remove_installed_files() {
  local build=$SRC/build-install f list
  list=$(mktemp)
  {
    cat "$INSTALLED_FILES" 2>/dev/null || true
    grep -v '^#' "$build/meson-logs/install-log.txt" 2>/dev/null || true
    # an install made before these lists were kept
    printf '%s\n' "$PREFIX/sbin/sysvisor-runc" "$PREFIX/sbin/sysvisor-fs" \
      "$(unit_dir)/sysvisor.service" "$(unit_dir)/sysvisor-fs.service" \
      "$(unit_dir)/sysvisor.service.wants/sysvisor-fs.service" \
      "$PREFIX"/lib/*/pkgconfig/sysvisor-plugin.pc
  } | sort -u >"$list"
  # files first; then the directories meson made (its log names them), deepest first, if empty
  while read -r f; do
    if [ -n "$f" ] && { [ -L "$f" ] || [ ! -d "$f" ]; }; then rm -f "$f"; fi
  done <"$list"
  awk '{ print length($0) " " $0 }' "$list" | sort -rn | cut -d' ' -f2- | while read -r f; do
    if [ -d "$f" ] && [ ! -L "$f" ]; then rmdir "$f" 2>/dev/null || true; fi
  done
  rm -f "$list"
  rm -rf "$PREFIX/lib/"*/sysvisor "$PREFIX/share/sysvisor" "$PREFIX/include/sysvisor"
  rmdir "$(unit_dir)/sysvisor.service.wants" 2>/dev/null || true
}

# Files and directories this installer made outside the prefix's files (the record).
remove_recorded() {
  local kind path
  [ -f "$RECORD" ] || return 0
  while read -r kind path; do
    # a file we made (daemon.json, /etc/subuid) goes only if nothing but ours was in it
    if [ "$kind" = file ] && { [ ! -s "$path" ] || [ "$(jq -c . "$path" 2>/dev/null)" = '{}' ]; }; then
      rm -f "$path"
    fi
    # a backup file the shadow tools made only because we added our user
    [ "$kind" = backup ] && rm -f "$path"
  done <"$RECORD"
  # directories deepest first, and only when empty
  awk '$1 == "dir" { sub(/^dir /, ""); print length($0) " " $0 }' "$RECORD" | sort -rn |
    cut -d' ' -f2- | while read -r path; do rmdir "$path" 2>/dev/null || true; done
}

# The sysvisor user, group and subordinate ids; backup files userdel makes are removed too.
remove_user() {
  local made f
  made=$(absent_backups)
  sed -i '/^sysvisor:/d' /etc/subuid /etc/subgid 2>/dev/null || true
  if getent passwd sysvisor >/dev/null; then userdel sysvisor; fi
  if getent group sysvisor >/dev/null; then groupdel sysvisor; fi
  for f in $made; do rm -f "$f"; done
}

do_uninstall() {
  if [ "$DOCKER_ONLY" = 1 ]; then
    unregister_docker
    return
  fi
  refuse_if_in_use
  stop_daemons
  unregister_docker
  remove_installed_files
  remove_recorded
  rm -rf /etc/sysvisor
  if mountpoint -q "$LIB_DIR"; then
    find "$LIB_DIR" -xdev -mindepth 1 -delete
    say "emptied $LIB_DIR (a mount point: left in place)"
  else
    rm -rf "$LIB_DIR"
  fi
  rm -f "$FS_LOG"
  rm -f "$STATE_ROOT"/probe@* # the kept host-probe verdicts (no container is left here)
  rmdir "$FS_MOUNTPOINT" "$STATE_ROOT" 2>/dev/null || true
  remove_user
  if systemd_running; then systemctl daemon-reload; fi
  ldconfig
  say "uninstalled"
}

main() {
  parse_args "$@"
  [ "$(id -u)" = 0 ] || die "must run as root (try sudo)"
  case $ACTION in
    deps) install_packages "${BUILD_PACKAGES[@]}" "${RUNTIME_PACKAGES[@]}" "${TEST_PACKAGES[@]}" ;;
    install) do_install ;;
    uninstall) do_uninstall ;;
  esac
}

main "$@"
