#!/bin/bash
# soak-leak-check: tests/soak/leak-check.sh with 30 lifecycles (six of each kind: run,
# create/start/kill/delete, exec, pause/resume, a failed create): nothing left, sysvisor-fs's
# RSS bounded.  The 1000-lifecycle run is the script itself (tests/README.md has its result).
exec bash "$(dirname "$0")/../soak/leak-check.sh" "${SOAK_LEAK_N:-30}"
