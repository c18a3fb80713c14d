#!/bin/bash
# soak-svfs-crash: tests/soak/svfs-crash.sh bounded: sysvisor-fs SIGKILLed 3 times at random
# points under 4 reading containers: no reader in D state, no exec hangs, a restarted
# sysvisor-fs serves, nothing left.  The longer run is the script without arguments.
exec bash "$(dirname "$0")/../soak/svfs-crash.sh" "${SOAK_SVFS_CONTAINERS:-4}" "${SOAK_SVFS_ROUNDS:-3}"
