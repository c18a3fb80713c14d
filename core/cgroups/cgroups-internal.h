/* cgroups-internal.h: every header of the cgroup modules at once, for the unit tests.  The
 * modules themselves include only the layers they use:
 *
 *   cgroups.c (dispatcher) -> cgroups-driver.h (v1, v2) and cgroups-systemd.h
 *   cgroups-v1.c, -v2.c, -systemd.c, -bpf.c -> the shared layer, never the dispatcher:
 *   cgroups-files.h, -hierarchy.h, -paths.h, -resources.h, -stats.h
 *
 * Not for other modules. */
#pragma once

#include "cgroups.h"
#include "cgroups-bpf.h"
#include "cgroups-driver.h"
#include "cgroups-files.h"
#include "cgroups-hierarchy.h"
#include "cgroups-paths.h"
#include "cgroups-resources.h"
#include "cgroups-stats.h"
#include "cgroups-systemd.h"
#include "cgroups-v2.h"
