#!/bin/bash
# runc-parity-fds: no fd of the caller or of the runtime reaches a container (issue 14, item 3).
# The caller holds /etc/hostname as fd 7 (and fd 8, 9) while it drives the runtime; the user's
# process must have only 0, 1, 2 and the fds named by --preserve-fds, in every mode: run,
# run -d, create+start, --console-socket, exec, exec -d, exec -t.  Between create and start the
# init holds only its stdio and the exec fifo (as runc 1.1.5): no caller fd, no O_PATH fd of a
# host path (/, the bundle, the rootfs, /proc), no log file.  runc is run on the same cases.
set -eu
# shellcheck source=tests/lib/runc-parity.sh
. "$(dirname "$0")/../lib/runc-parity.sh"
sv_require_probe
sv_require_cmd jq python3

b=$SV_TEST_TMP/bundle
sv_core_bundle "$b" /sv-probe fds
have_runc=false
if [ -x "$SV_REF_RUNC" ]; then
  have_runc=true
  ref=$SV_TEST_TMP/ref
  sv_busybox_bundle "$ref" /sv-probe fds >/dev/null
fi
LOG=$SV_TEST_TMP/runtime.log

# The caller's own fds: a file of the host, and two more, inherited by everything below.
exec 7</etc/hostname 8</etc/hostname 9>"$SV_TEST_TMP/nine"

# nums "N=T N=T...": the fd numbers, sorted, space-separated.
nums() { tr ' ' '\n' <<<"$1" | sed -n 's/=.*//p' | sort -n | tr '\n' ' ' | sed 's/ $//'; }
# host_fds PID: the fds of a process as seen from the host, "N=TARGET ..."
host_fds() {
  local f out=""
  for f in /proc/"$1"/fd/*; do out+="${f##*/}=$(readlink "$f") "; done
  echo "${out% }"
}

# init_fds WHO PID: the init's fds but the exec fifo (and, for runc, the Go runtime's own epoll
# and pipe of its init, and its spare copy of the pty).
init_fds() {
  local drop='exec.fifo$'
  [ "$1" = runc ] && drop='exec.fifo$|=anon_inode:\[eventpoll\]$|=pipe:|^([3-9]|[1-9][0-9]+)=/dev/pts/'
  tr ' ' '\n' <<<"$(host_fds "$2")" | grep -Ev "$drop" | tr '\n' ' '
}

# rt RUNTIME ARGS...: a runtime with our --root and --log (the log fd must not leak either).
rt() {
  local r=$1 root=$SV_ROOT
  shift
  [ "$r" = "$SV_REF_RUNC" ] && root=$REF_ROOT
  "$r" --root "$root" --log "$LOG" "$@"
}

# check WHAT WANT FDS: the process's fd numbers are WANT and no target is a caller's file.
check() {
  assert_eq "$2" "$(nums "$3")" "/fds/$1 (fds: $3)"
  case "$3" in *hostname* | *nine* | *runtime.log* | *"$b"* | *"$SV_TEST_TMP"/ref*)
    sv_fail "/fds/$1: a caller's or runtime's file reached the container: $3" ;;
  esac
}

for r in "$SV_RUNC" $($have_runc && echo "$SV_REF_RUNC"); do
  who=$([ "$r" = "$SV_RUNC" ] && echo sysvisor || echo runc)
  bb=$([ "$r" = "$SV_RUNC" ] && echo "$b" || echo "$ref")
  sv_spec_set "$bb" '.process.args = ["/sv-probe", "fds"] | .process.terminal = false'

  # run, in the foreground
  check "$who/run" "0 1 2" "$(rt "$r" run --bundle "$bb" "$SV_ID-run" </dev/null 2>&1)"
  # run --preserve-fds 2: 3 and 4 pass (whatever they are), 7 does not
  check "$who/run-preserve-fds" "0 1 2 3 4" \
    "$(rt "$r" run --preserve-fds 2 --bundle "$bb" "$SV_ID-pre" </dev/null 3</etc/hostname 4</etc/hostname 2>&1 \
      | sed 's/3=[^ ]*/3=x/; s/4=[^ ]*/4=x/')"

  # create + start: the init between the two, then the process
  sv_spec_set "$bb" '.process.args = ["sleep", "1000"]'
  rt "$r" create --bundle "$bb" "$SV_ID-cs" </dev/null >/dev/null 2>&1 || sv_fail "$who create failed"
  pid=$(rt "$r" state "$SV_ID-cs" | jq .pid)
  fds=$(host_fds "$pid")
  assert_eq "0 1 2" "$(nums "$(init_fds "$who" "$pid")")" \
    "/fds/$who/init-between-create-and-start holds stdio and the exec fifo only ($fds)"
  rt "$r" start "$SV_ID-cs"
  sleep 0.3
  check "$who/create+start" "0 1 2" "$(host_fds "$pid")"

  # exec, exec -d, exec -t in that container
  check "$who/exec" "0 1 2" "$(rt "$r" exec "$SV_ID-cs" /sv-probe fds </dev/null 2>&1)"
  rt "$r" exec -d --pid-file "$SV_TEST_TMP/x.pid" "$SV_ID-cs" sleep 1000 </dev/null >/dev/null 2>&1
  check "$who/exec-d" "0 1 2" "$(host_fds "$(cat "$SV_TEST_TMP/x.pid")")"
  if [ "$r" = "$SV_RUNC" ]; then # (runc's exec -t needs a real terminal on stdin)
    check "$who/exec-t" "0 1 2" "$(rt "$r" exec -t "$SV_ID-cs" /sv-probe fds </dev/null 2>&1 | tr -d '\r')"
  fi
  rt "$r" delete --force "$SV_ID-cs"

  # run -d
  rt "$r" run -d --bundle "$bb" "$SV_ID-rd" </dev/null >/dev/null 2>&1 || sv_fail "$who run -d failed"
  check "$who/run-d" "0 1 2" "$(host_fds "$(rt "$r" state "$SV_ID-rd" | jq .pid)")"
  rt "$r" delete --force "$SV_ID-rd"

  # --console-socket (create + start, the way containerd runs a terminal)
  sv_spec_set "$bb" '.process.args = ["/sv-probe", "fds"] | .process.terminal = true'
  sock=$SV_TEST_TMP/console-$who.sock
  python3 "$SV_SRC_ROOT/tests/helpers/console-receiver.py" "$sock" "$SV_TEST_TMP/tty.out" &
  recv=$!
  sv_wait_until 10 test -S "$sock" || sv_fail "console receiver did not start"
  rt "$r" create --console-socket "$sock" --bundle "$bb" "$SV_ID-tty" </dev/null >/dev/null 2>&1 \
    || sv_fail "$who create --console-socket failed"
  pid=$(rt "$r" state "$SV_ID-tty" | jq .pid)
  fds=$(host_fds "$pid")
  assert_eq "0 1 2" "$(nums "$(init_fds "$who" "$pid")")" \
    "/fds/$who/console-init-between-create-and-start ($fds)"
  rt "$r" start "$SV_ID-tty"
  wait "$recv"
  check "$who/console-socket" "0 1 2" "$(tr -d '\r' <"$SV_TEST_TMP/tty.out")"
  rt "$r" delete --force "$SV_ID-tty"
  sv_spec_set "$bb" '.process.terminal = false'
done
sv_assert_nothing_left "$SV_ID-cs" "$b"
