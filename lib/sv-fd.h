/* sv-fd.h: a file descriptor closed when it leaves scope (GLib 2.74 has no g_autofd).
 *
 * Part of libsv-util, the internal static library of the core, the plugins and sysvisor-fs
 * (not ABI: plugins built out of tree do not see it).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <errno.h>
#include <unistd.h>

/* Close *@fdp unless it is -1, keep errno as it was, and leave -1 behind. */
static inline void
sv_close_fdp (int *fdp)
{
  if (*fdp >= 0)
    {
      int errsv = errno;
      close (*fdp);
      errno = errsv;
      *fdp = -1;
    }
}

/* An int that is closed when it leaves scope (-1 = nothing); g_steal_fd() hands it on. */
#define sv_autofd __attribute__ ((cleanup (sv_close_fdp))) int
