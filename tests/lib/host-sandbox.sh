# shellcheck shell=bash
# tests/lib/host-sandbox.sh - run a test that must change host files (the installer's test) in
# a throwaway copy of the host.
#
#   #!/bin/bash
#   set -euo pipefail
#   . "$(dirname "$0")/../lib/host-sandbox.sh"
#   sv_host_sandbox "$@"          # before common.sh: re-runs this script in the sandbox
#   . "$(dirname "$0")/../lib/common.sh"
#
# The script runs again as PID 1 of new mount and pid namespaces where
#   /etc, /usr/local, /var/lib, /var/log and the source tree are overlays whose upper layers
#     live in a tmpfs of the sandbox (writes never reach the host's files);
#   /var/lib/sysvisor-tests (private dockerds' data roots: overlay2 needs a real filesystem)
#     and /var/cache stay the host's;
#   /var/lib/sysvisor and /var/lib/docker are empty directories of the host's filesystem (an
#     overlay cannot be ID-mapped; the shiftfs plugin needs that of the lib dir and Docker's
#     data root), in the scratch dir that is removed at the end;
#   /run is a fresh tmpfs (no host daemon's pid file, lock or socket is seen: an installer in
#     there cannot stop, reload or talk to a daemon of the host, systemd included);
#   /proc is the new pid namespace's: only the sandbox's processes can be signalled.
# When the script ends, the kernel kills every process left in the pid namespace and drops
# every mount of the mount namespace: nothing the test started or mounted survives it.
# The outer script waits for it, forwards SIGTERM/SIGINT/SIGHUP and removes the scratch dir.

_sv_sandbox_overlay() {   # _sv_sandbox_overlay SCRATCH DIR
  local up=$1/upper$2 wk=$1/work$2
  mkdir -p "$up" "$wk"
  mount -t overlay overlay -o "lowerdir=$2,upperdir=$up,workdir=$wk" "$2"
}

# _sv_sandbox_setup SCRATCH: build the sandbox's view (runs inside the namespaces).
_sv_sandbox_setup() {
  local scratch=$1 src d
  src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  mount --make-rprivate /
  mkdir -p /var/lib/sysvisor-tests "$scratch/keep" "$scratch/disk/sysvisor" "$scratch/disk/docker" "$scratch/mem"
  chmod 700 "$scratch/disk/sysvisor"
  mount --bind /var/lib/sysvisor-tests "$scratch/keep"
  mount -t tmpfs -o mode=0700 sv-sandbox "$scratch/mem"
  for d in /etc /usr/local /var/lib /var/log "$src"; do
    _sv_sandbox_overlay "$scratch/mem" "$d"
  done
  mount --move "$scratch/keep" /var/lib/sysvisor-tests
  for d in sysvisor docker; do
    mkdir -p "/var/lib/$d"
    mount --bind "$scratch/disk/$d" "/var/lib/$d"
  done
  mount -t tmpfs -o mode=0755,nosuid,nodev sv-sandbox-run /run
  # shellcheck disable=SC2174 # /run is the tmpfs just mounted: lock is the only new directory
  mkdir -p -m 1777 /run/lock
}

sv_host_sandbox() {
  if [ "${SV_IN_HOST_SANDBOX:-}" = 1 ]; then
    _sv_sandbox_setup "$SV_HOST_SANDBOX_SCRATCH" ||
      { echo "FAIL: cannot set up the host sandbox (overlays on /etc, /usr/local, /var/lib, /var/log)" >&2; exit 1; }
    return 0
  fi
  command -v unshare >/dev/null || { echo "SKIP: unshare (util-linux) not installed" >&2; exit 77; }
  local scratch child rc=0
  scratch=$(mktemp -d /tmp/sv-sandbox.XXXXXX)
  SV_IN_HOST_SANDBOX=1 SV_HOST_SANDBOX_SCRATCH=$scratch \
    unshare --mount --pid --fork --kill-child=TERM --mount-proc bash "$0" "$@" &
  child=$!
  trap 'kill -TERM $child 2>/dev/null' TERM INT HUP
  while :; do
    wait "$child" && rc=0 || rc=$?
    kill -0 "$child" 2>/dev/null || break   # a trapped signal interrupted the wait
  done
  rm -rf --one-file-system "$scratch" || echo "sv_host_sandbox: could not remove $scratch" >&2
  exit "$rc"
}
