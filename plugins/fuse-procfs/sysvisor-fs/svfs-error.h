/* sysvisor-fs: its error domain. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* sysvisor-fs's errors.  GLib alone: the daemon links no GIO, nor what GIO pulls in (gobject,
 * gmodule, libmount, libblkid, libselinux, libz, libffi: ~0.5 MB resident).  Failures of a
 * call with an errno are G_FILE_ERROR (sv_set_file_error_errno, lib/sv-error.h). */
#define SVFS_ERROR (svfs_error_quark ())
GQuark svfs_error_quark (void);
typedef enum
{
  SVFS_ERROR_FAILED,
  SVFS_ERROR_INVALID_DATA, /* a text read (cgroup or /proc file, records) that does not parse */
  SVFS_ERROR_INVALID_ARGUMENT, /* a value or an option given to the daemon */
  SVFS_ERROR_NOT_FOUND,
  SVFS_ERROR_EXISTS,
  SVFS_ERROR_BUSY,
  SVFS_ERROR_TIMED_OUT,
  SVFS_ERROR_NOT_SUPPORTED,
  SVFS_ERROR_FILENAME_TOO_LONG,
} SvfsError;

G_END_DECLS
