#!/bin/bash
# soak-crash-steps: tests/soak/crash-steps.sh bounded: sysvisor-runc is SIGKILLed at 4 steps
# (syscalls) of each of create, start, exec and delete, spread from a random offset; after
# each, delete --force and the next create leave nothing.  The full run (every step) is the
# script without arguments.
exec bash "$(dirname "$0")/../soak/crash-steps.sh" "${SOAK_CRASH_POINTS:-4}"
