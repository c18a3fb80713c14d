#!/bin/bash
# soak-load: tests/soak/load.sh bounded: 30 system containers at once, each reading its /proc
# and /sys files for 10 s: no failed read, no hang, nothing left.  The 200-container, 60 s run
# is the script without arguments (tests/README.md has its result).
exec bash "$(dirname "$0")/../soak/load.sh" "${SOAK_LOAD_CONTAINERS:-30}" "${SOAK_LOAD_SECONDS:-10}"
