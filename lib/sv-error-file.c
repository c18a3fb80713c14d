/* sv-error-file.c: errno values turned into GErrors in the G_FILE_ERROR domain, and the
 * formatting both domains share (sv-error.h).  GLib alone: no GIO symbol here. */
#include "sv-error.h"

#include <stdarg.h>
#include <string.h>

const char *
sv_strerror (int errsv)
{
  const char *text = strerrordesc_np (errsv);

  return text != NULL ? text : "Unknown error";
}

void
sv_set_error_va (GError **error, GQuark domain, int code, int errsv, const char *fmt, va_list ap)
{
  /* Nothing to make for a caller that ignores the error. */
  if (error == NULL)
    return;
  g_autofree char *what = g_strdup_vprintf (fmt, ap);

  g_set_error (error, domain, code, "%s: %s", what, sv_strerror (errsv));
}

void
sv_set_file_error_errno (GError **error, int errsv, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  sv_set_error_va (error, G_FILE_ERROR, g_file_error_from_errno (errsv), errsv, fmt, ap);
  va_end (ap);
}
