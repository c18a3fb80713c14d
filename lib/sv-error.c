/* sv-error.c: errno values turned into GErrors (sv-error.h). */
#include "sv-error.h"

#include <stdarg.h>

static void
set_error_va (GError **error, GQuark domain, int code, int errsv, const char *fmt, va_list ap)
{
  g_autofree char *what = g_strdup_vprintf (fmt, ap);

  g_set_error (error, domain, code, "%s: %s", what, g_strerror (errsv));
}

void
sv_set_error_errno (GError **error, int errsv, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  set_error_va (error, G_IO_ERROR, g_io_error_from_errno (errsv), errsv, fmt, ap);
  va_end (ap);
}

void
sv_set_file_error_errno (GError **error, int errsv, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  set_error_va (error, G_FILE_ERROR, g_file_error_from_errno (errsv), errsv, fmt, ap);
  va_end (ap);
}
