#!/bin/bash
# Bad command lines: one line "sysvisor-fs: <what>; <fix>" on stderr and exit 2.
set -euo pipefail
. "$(dirname "$0")/sysvisor-fs-lib.sh"

for args in "--bogus" "--log-level loud" "--mountpoint" "extra-argument"; do
  rc=0
  # shellcheck disable=SC2086 # each case is several words
  err=$("$SVFS_BIN" $args 2>&1 >/dev/null) || rc=$?
  assert_eq 2 "$rc" "'$args' exits 2"
  assert_eq 1 "$(printf '%s\n' "$err" | wc -l)" "'$args' prints one line"
  assert_match '^sysvisor-fs: .+; .+' "$err" "'$args' says what and how to fix"
done
assert_match '--restart' "$("$SVFS_BIN" --help)" "--help documents --restart"
assert_eq sysvisor-fs "$("$SVFS_BIN" --version | cut -d' ' -f1)" "--version"
