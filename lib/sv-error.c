/* sv-error.c: errno values turned into GErrors in the G_IO_ERROR domain (sv-error.h).  The
 * G_FILE_ERROR variant is in sv-error-file.c, so that a program that uses only that one (the
 * daemon sysvisor-fs) does not link GIO. */
#include "sv-error.h"

#include <stdarg.h>

void
sv_set_error_errno (GError **error, int errsv, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  sv_set_error_va (error, G_IO_ERROR, g_io_error_from_errno (errsv), errsv, fmt, ap);
  va_end (ap);
}
