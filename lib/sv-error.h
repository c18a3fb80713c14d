/* sv-error.h: errno values turned into GErrors (libsv-util).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <gio/gio.h>
#include <glib.h>
#include <stdarg.h>

/* The English text of @errsv, as the C locale has it ("No such file or directory").  Not
 * g_strerror: that converts the C library's text from the locale's charset, and the first
 * conversion of a process reads the gconv files under /usr/lib (~100 kB resident); in a
 * container's init, after pivot_root, those are the image's files. */
const char *sv_strerror (int errsv);

/* Fill @error (G_IO_ERROR, code from @errsv) with "<@fmt...>: <strerror (@errsv)>". */
void sv_set_error_errno (GError **error, int errsv, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

/* The same in the G_FILE_ERROR domain (code from g_file_error_from_errno); needs GLib alone
 * (sv-error-file.c), which is what sysvisor-fs uses. */
void sv_set_file_error_errno (GError **error, int errsv, const char *fmt, ...)
    G_GNUC_PRINTF (3, 4);
/* Both: "<@fmt...>: <strerror (@errsv)>" in @domain with @code. */
void sv_set_error_va (GError **error, GQuark domain, int code, int errsv, const char *fmt,
                      va_list ap) G_GNUC_PRINTF (5, 0);
