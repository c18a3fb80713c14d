/* sv-error.h: errno values turned into GErrors (libsv-util).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <gio/gio.h>
#include <glib.h>
#include <stdarg.h>

/* Fill @error (G_IO_ERROR, code from @errsv) with "<@fmt...>: <strerror (@errsv)>". */
void sv_set_error_errno (GError **error, int errsv, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

/* The same in the G_FILE_ERROR domain (code from g_file_error_from_errno); needs GLib alone
 * (sv-error-file.c), which is what sysvisor-fs uses. */
void sv_set_file_error_errno (GError **error, int errsv, const char *fmt, ...)
    G_GNUC_PRINTF (3, 4);
/* Both: "<@fmt...>: <strerror (@errsv)>" in @domain with @code. */
void sv_set_error_va (GError **error, GQuark domain, int code, int errsv, const char *fmt,
                      va_list ap) G_GNUC_PRINTF (5, 0);
