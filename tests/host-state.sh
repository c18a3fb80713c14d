#!/bin/bash
# tests/host-state.sh - the suite must leave the host as it found it.
#
#   host-state.sh save FILE      record what the tests could change (meson runs it first)
#   host-state.sh compare FILE   record again, print the difference, fail on any (runs last)
#
# What is recorded: the account and subordinate-id files and the shadow tools' backups, Docker's
# daemon.json, Sysvisor's installed files, config and id ranges, the mounts (with their
# options: a host /sys/fs/cgroup turned read-only shows), cgroup directories, processes a test
# may leave (runtimes, daemons, container processes in other pid namespaces or uid ranges),
# loop devices, network links, the controllers on in the cgroup2 root, a few sysctls tests
# touch, and leftover scratch files.
# Churn that is not the suite's (systemd's slices, the system Docker's own mounts) is left out.
# compare skips (77) when no save of this run exists (a single test run by name).  Files,
# mounts, links and sysctls must be exactly as before; cgroups and processes must gain nothing
# (the host's own daemons may end theirs meanwhile).
set -euo pipefail
trap 'echo "FAIL: host-state.sh:$LINENO: \`$BASH_COMMAND\` exited with status $?" >&2' ERR

section() { printf '== %s\n' "$1"; }

# ranges_state DIR: the id ranges idmap-exclusive holds (one file each in DIR, temporary files
# ".*" aside): one hash of their sorted names and contents, with their count (nothing when
# none).  Its holder links and directories (made once per state root) are not recorded.
ranges_state() {
  local -a files=()
  local f sum
  mapfile -d '' -t files < <(find "$1" -mindepth 1 -maxdepth 1 -type f ! -name '.*' -print0 \
                               2>/dev/null | sort -z)
  [ ${#files[@]} -gt 0 ] || return 0
  sum=$(for f in "${files[@]}"; do printf '%s\n' "${f##*/}"; cat "$f"; done | sha256sum)
  printf '%s %s (%d ranges)\n' "${sum:0:16}" "$1" "${#files[@]}"
}

files_state() {
  local f
  section files
  for f in /etc/passwd /etc/group /etc/shadow /etc/gshadow /etc/subuid /etc/subgid \
           /etc/docker/daemon.json; do
    if [ -e "$f" ]; then printf '%s %s\n' "$(sha256sum <"$f" | cut -c1-16)" "$f"
    else printf 'absent %s\n' "$f"; fi
  done
  for f in /etc/passwd- /etc/group- /etc/shadow- /etc/gshadow- /etc/subuid- /etc/subgid-; do
    [ -e "$f" ] && echo "exists $f" || echo "absent $f"
  done
  section "docker config"
  find /etc/docker -maxdepth 1 2>/dev/null | sort || true   # dockerd writes key.json there
  section "sysvisor files"
  find /etc/sysvisor /var/lib/sysvisor /usr/local/sbin /usr/local/lib /usr/local/include \
       /usr/local/share /var/log/sysvisor-fs.log -xdev \( -name '*sysvisor*' -o -path '*sysvisor*' \) \
       -type f -printf '%p %s\n' 2>/dev/null | sort || true
  for f in /var/lib/sysvisor/idmap-exclusive.json /etc/sysvisor/plugins.conf; do
    [ -f "$f" ] && printf '%s %s\n' "$(sha256sum <"$f" | cut -c1-16)" "$f"
  done
  ranges_state /var/lib/sysvisor/idmap-exclusive/ranges
  section scratch
  find /tmp -maxdepth 1 \( -name 'sv-*' -o -name 'sysvisor*' \) 2>/dev/null | sort || true
  find /var/lib/sysvisor-tests /run/sysvisor-tests /run/sysvisor-fs /run/sysvisor-runc \
       -mindepth 1 -maxdepth 1 2>/dev/null | sort || true
}

mounts_state() {
  section mounts
  # mount point, type, source, per-mount and superblock options (ids and peer groups vary)
  awk '{ for (i = 7; $i != "-"; i++) ; print $5, $(i+1), $(i+2), $6, $(i+3) }' /proc/self/mountinfo |
    { grep -v -e '^/var/lib/docker/' -e '^/run/docker/' -e '^/run/user/' -e '^/run/netns/' \
              -e '^/run/containerd/' || true; } | sort
}

cgroups_state() {
  section cgroups
  # runtimes' parent cgroups (made once, kept, as Docker keeps /docker) are not compared;
  # what is left inside them is
  find /sys/fs/cgroup -mindepth 1 -type d \
       ! -path '*/system.slice*' ! -path '*/user.slice*' ! -path '*/init.scope*' \
       ! -path '*/machine.slice*' 2>/dev/null |
    { grep -v -E '^/sys/fs/cgroup(/[^/]+)?/(sysvisor|docker|libpod_parent)$' || true; } | sort
}

# Processes a test may leave: runtimes and daemons by name, anything in another pid namespace
# (containers) or running as a subordinate id (>= 65536: a container's range).
processes_state() {
  local mypidns p pidns uid args
  section processes
  mypidns=$(readlink /proc/self/ns/pid)
  for p in /proc/[0-9]*; do
    args=$( { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null) || continue
    [ -n "$args" ] || continue   # kernel threads
    pidns=$(readlink "$p/ns/pid" 2>/dev/null) || continue
    uid=$(awk '/^Uid:/ { print $2 }' "$p/status" 2>/dev/null) || continue
    if [ "$pidns" != "$mypidns" ] || [ "${uid:-0}" -ge 65536 ] ||
       [[ $args =~ (sysvisor|dockerd|containerd|runc|crun|lxcfs|/tmp/sv-) ]]; then
      # pid and start time identify the process (a recycled pid differs by its start time)
      printf '%s:%s uid=%s %s\n' "${p#/proc/}" "$(awk '{ print $22 }' "$p/stat" 2>/dev/null)" "$uid" "${args:0:160}"
    fi
  done | { grep -v -e 'host-state.sh' -e 'meson test' || true; } | sort
}

misc_state() {
  local s
  section loop
  losetup -a -n -O NAME,BACK-FILE 2>/dev/null | sort || true
  section links
  ip -o link show 2>/dev/null | awk -F': ' '{ print $2 }' | sort || true
  # runtimes on cgroup v2 turn controllers on from the root down and leave them on
  section "cgroup2 root controllers"
  s=$(grep -m1 ' - cgroup2 ' /proc/self/mountinfo | cut -d' ' -f5)
  [ -z "$s" ] || printf '%s: %s\n' "$s" "$(cat "$s/cgroup.subtree_control")"
  section sysctls
  for s in net/ipv4/ip_forward net/ipv4/ping_group_range kernel/panic kernel/hostname \
           user/max_user_namespaces vm/overcommit_memory fs/inotify/max_user_instances; do
    [ -r "/proc/sys/$s" ] && printf '%s = %s\n' "$s" "$(tr '\t' ' ' <"/proc/sys/$s")"
  done
}

# What must be exactly as it was, and what must gain nothing (cgroups and processes come and
# go with the host's own daemons; one a test leaves behind is a new line).
strict_state() { files_state; mounts_state; misc_state; }
leak_state() { cgroups_state; processes_state; }

case ${1:-} in
  save)
    [ -n "${2:-}" ] || { echo "usage: $0 save FILE" >&2; exit 2; }
    strict_state >"$2"
    leak_state >"$2.leaks"
    echo "host state saved in $2 ($(cat "$2" "$2.leaks" | wc -l) lines)" >&2 ;;
  compare)
    [ -n "${2:-}" ] || { echo "usage: $0 compare FILE" >&2; exit 2; }
    [ -f "$2" ] && [ -f "$2.leaks" ] || { echo "SKIP: no saved host state ($2): run the whole suite" >&2; exit 77; }
    now=$(mktemp /tmp/host-state.XXXXXX)
    strict_state >"$now"
    rc=0
    diff -u --label "before the suite" --label "after the suite" "$2" "$now" >&2 || rc=$?
    leak_state | sort >"$now"
    new=$(sort "$2.leaks" | comm -13 - "$now" | grep -v '^== ' || true)
    if [ -n "$new" ]; then
      printf 'left behind (cgroups, processes):\n%s\n' "$new" >&2
      rc=1
    fi
    rm -f "$now" "$2" "$2.leaks"
    if [ "$rc" != 0 ]; then
      echo "FAIL: the tests changed the host (above: - what was there before, + what is there now)" >&2
      exit 1
    fi
    echo "the host is as the suite found it" >&2 ;;
  *) echo "usage: $0 save|compare FILE" >&2; exit 2 ;;
esac
