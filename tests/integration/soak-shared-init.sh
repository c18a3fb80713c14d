#!/bin/bash
# soak-shared-init: tests/soak/shared-init.sh bounded: rounds of run, create raced by start,
# hooks, run -d, create --pid-file and a failing create, with the init sharing sysvisor-runc's
# memory until its execve: every command as expected, nothing left.  The longer run is the
# script without arguments.
exec bash "$(dirname "$0")/../soak/shared-init.sh" "${SOAK_SHARED_INIT_ROUNDS:-15}"
