#!/bin/bash
# Bad command lines: one line "sysvisor-fs: <what>; <fix>" on stderr and exit 2.
. "$(dirname "$0")/sysvisor-fs-lib.sh"
for args in "--bogus" "--log-level loud" "--mountpoint" "extra-argument"; do
  err=$("$SVFS_BIN" $args 2>&1 >/dev/null); rc=$?
  check "'$args' exits 2" "2" "$rc"
  check "'$args' prints one line" "1" "$(printf '%s\n' "$err" | wc -l)"
  case "$err" in "sysvisor-fs: "*"; "*) pass "'$args' says what and how to fix: $err" ;;
    *) fail "'$args' message: $err" ;; esac
done
"$SVFS_BIN" --help | grep -q -- "--restart" && pass "--help documents --restart" || fail "--help"
check "--version" "sysvisor-fs" "$("$SVFS_BIN" --version | cut -d' ' -f1)"
