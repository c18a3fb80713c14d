/* idmapped-mounts-util.h: small helpers private to the shiftfs plugin (a plugin includes no core
 * header, so it keeps its own fd cleanup and errno-to-GError helper).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <errno.h>
#include <glib.h>
#include <unistd.h>

static inline void
sv_shiftfs_close_fdp (int *fdp)
{
  if (*fdp >= 0)
    {
      int errsv = errno;
      close (*fdp);
      errno = errsv;
      *fdp = -1;
    }
}

/* GLib 2.74 has no g_autofd: an int closed when it leaves scope (-1 = nothing). */
#define sv_shiftfs_autofd __attribute__ ((cleanup (sv_shiftfs_close_fdp))) int

/* Fill @error from @errsv (an errno value): "<message>: <strerror>". */
void sv_shiftfs_set_error_errno (GError **error, int errsv, const char *fmt, ...)
    G_GNUC_PRINTF (3, 4);
