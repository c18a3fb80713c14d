#!/bin/bash
# install.sh: install Sysvisor on a Debian 12 host, from this source tree.
#
#   sudo ./data/install.sh [--no-deps] [--no-build] [--prefix DIR] [--default-runtime]
#   sudo ./data/install.sh --deps-only      # only the packages needed to build and test
#   sudo ./data/install.sh --uninstall      # undo all of it
#
# What it does: installs the build dependencies (apt-get), builds with meson and installs
# sysvisor-runc, sysvisor-fs and the plugins; creates the `sysvisor` user and its subordinate
# uid/gid range; writes /etc/sysvisor/plugins.conf if there is none; starts sysvisor-fs;
# registers sysvisor-runc as a Docker runtime when Docker is installed; makes an example
# bundle in /var/lib/sysvisor/example.
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PREFIX=/usr/local
DEPS=1
BUILD=1
DEFAULT_RUNTIME=0
ACTION=install
SUBID_COUNT=268435456
FS_MOUNTPOINT=/var/lib/sysvisorfs
LIB_DIR=/var/lib/sysvisor
DAEMON_JSON=${SYSVISOR_DOCKER_DAEMON_JSON:-/etc/docker/daemon.json}

BUILD_PACKAGES=(meson ninja-build pkg-config gcc libglib2.0-dev libjson-glib-dev libseccomp-dev
                libmount-dev libfuse3-dev)
RUNTIME_PACKAGES=(fuse3 busybox-static jq)
TEST_PACKAGES=(runc crun docker.io debootstrap zstd lxcfs python3 procps iproute2 util-linux
               systemd libc6-dev)

say() { printf 'sysvisor-install: %s\n' "$*"; }
die() { printf 'sysvisor-install: %s\n' "$*" >&2; exit 1; }

usage() {
  sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit "${1:-0}"
}

parse_args() {
  while [ $# -gt 0 ]; do
    case $1 in
      --no-deps) DEPS=0 ;;
      --no-build) BUILD=0 ;;
      --prefix) PREFIX=${2:?--prefix needs a directory}; shift ;;
      --default-runtime) DEFAULT_RUNTIME=1 ;;
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

build_and_install() {
  local build=$SRC/build-install
  say "building in $build"
  if [ -d "$build" ]; then
    meson setup --reconfigure "$build" "$SRC" --prefix "$PREFIX" -Dbuildtype=release \
      -Dintegration_tests=false >/dev/null
  else
    meson setup "$build" "$SRC" --prefix "$PREFIX" -Dbuildtype=release \
      -Dintegration_tests=false >/dev/null
  fi
  meson compile -C "$build" >/dev/null
  meson install -C "$build" --quiet >/dev/null
  ldconfig
}

# The first id past every existing subordinate range, rounded up to 65536.
next_free_subid() {
  local max=100000 start count
  while IFS=: read -r _ start count; do
    [[ $start =~ ^[0-9]+$ && $count =~ ^[0-9]+$ ]] || continue
    (( start + count > max )) && max=$((start + count))
  done < <(cat /etc/subuid /etc/subgid 2>/dev/null)
  echo $(( (max + 65535) / 65536 * 65536 ))
}

setup_user() {
  local start
  if ! getent passwd sysvisor >/dev/null; then
    say "creating the system user sysvisor"
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin sysvisor
  fi
  touch /etc/subuid /etc/subgid
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

systemd_running() { [ -d /run/systemd/system ]; }

start_daemons() {
  if systemd_running && { [ -f /etc/systemd/system/sysvisor.service ] || [ -f "$PREFIX/lib/systemd/system/sysvisor.service" ]; }; then
    systemctl daemon-reload
    systemctl enable --now sysvisor.service
    say "sysvisor.service started"
    return
  fi
  if grep -q " $FS_MOUNTPOINT fuse.sysvisor-fs " /proc/self/mountinfo; then
    say "sysvisor-fs already serves $FS_MOUNTPOINT"
    return
  fi
  "$PREFIX/sbin/sysvisor-fs" --mountpoint "$FS_MOUNTPOINT" --log /var/log/sysvisor-fs.log
  say "systemd is not running: started sysvisor-fs directly (log: /var/log/sysvisor-fs.log)"
}

stop_daemons() {
  if systemd_running && systemctl list-unit-files sysvisor.service >/dev/null 2>&1; then
    systemctl disable --now sysvisor.service 2>/dev/null || true
  fi
  pkill -TERM -x sysvisor-fs 2>/dev/null || true
  for _ in $(seq 50); do pgrep -x sysvisor-fs >/dev/null || break; sleep 0.1; done
  umount -l "$FS_MOUNTPOINT" 2>/dev/null || true
}

docker_reload() {
  local pid
  pid=$(pgrep -xo dockerd || true)
  if [ -n "$pid" ]; then
    kill -HUP "$pid"
    say "dockerd reloaded"
  fi
}

register_docker() {
  command -v dockerd >/dev/null || [ -e "$DAEMON_JSON" ] || return 0
  mkdir -p "$(dirname "$DAEMON_JSON")"
  [ -s "$DAEMON_JSON" ] || echo '{}' >"$DAEMON_JSON"
  jq empty "$DAEMON_JSON" 2>/dev/null || die "$DAEMON_JSON is not valid JSON; fix it, then run this again"
  local filter='.runtimes["sysvisor-runc"] = {"path": $path}'
  [ "$DEFAULT_RUNTIME" = 1 ] && filter="$filter | .[\"default-runtime\"] = \"sysvisor-runc\""
  jq --arg path "$PREFIX/sbin/sysvisor-runc" "$filter" "$DAEMON_JSON" >"$DAEMON_JSON.tmp"
  mv "$DAEMON_JSON.tmp" "$DAEMON_JSON"
  say "registered sysvisor-runc in $DAEMON_JSON"
  docker_reload
}

unregister_docker() {
  [ -e "$DAEMON_JSON" ] || return 0
  jq 'del(.runtimes["sysvisor-runc"])
      | if (.runtimes // {}) == {} then del(.runtimes) else . end
      | if .["default-runtime"] == "sysvisor-runc" then del(.["default-runtime"]) else . end' \
    "$DAEMON_JSON" >"$DAEMON_JSON.tmp"
  mv "$DAEMON_JSON.tmp" "$DAEMON_JSON"
  say "removed sysvisor-runc from $DAEMON_JSON"
  docker_reload
}

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

do_install() {
  [ "$DEPS" = 1 ] && install_packages "${BUILD_PACKAGES[@]}" "${RUNTIME_PACKAGES[@]}"
  [ "$BUILD" = 1 ] && build_and_install
  setup_user
  setup_config
  start_daemons
  register_docker
  make_example
  say "done: try  sysvisor-runc run --bundle $LIB_DIR/example my_syscontainer"
}

do_uninstall() {
  local build=$SRC/build-install f
  stop_daemons
  unregister_docker
  if [ -f "$build/meson-logs/install-log.txt" ]; then
    while read -r f; do
      case $f in "#"*) continue ;; esac
      rm -f "$f"
    done <"$build/meson-logs/install-log.txt"
  fi
  rm -rf "$PREFIX/lib/"*/sysvisor "$PREFIX/share/sysvisor" "$PREFIX/include/sysvisor" \
    /etc/sysvisor "$LIB_DIR"
  rmdir "$FS_MOUNTPOINT" 2>/dev/null || true
  sed -i '/^sysvisor:/d' /etc/subuid /etc/subgid
  getent passwd sysvisor >/dev/null && userdel sysvisor
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
