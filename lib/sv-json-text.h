/* sv-json-text.h (libsv-util): JSON text checked before json-glib 1.6 parses it, for what that
 * parser gets wrong without a word: its recursion has no limit (deep nesting overflows the
 * stack), it accepts escapes JSON does not have ("\q") and halves of surrogate pairs (strings
 * that are not UTF-8), and it reads an integer beyond 64 bits modulo 2^64.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <glib.h>

/* Deeper nesting is refused (an OCI spec nests about 8 levels). */
#define SV_JSON_MAX_DEPTH 64

/* Check @len bytes of @text.  FALSE with @error (G_IO_ERROR_INVALID_DATA) holding only the
 * reason and where: "nested deeper than 64 levels (byte N)", "invalid escape in a string (byte
 * N)", "a \uD800-\uDFFF escape without its pair (byte N); ...", "the integer N does not fit
 * in 64 bits; ...": the caller names the file.  Text that is not JSON otherwise passes, for
 * the parser to refuse.  An integer from -2^63 to 2^64 - 1 passes: above G_MAXINT64 json-glib
 * reads it as the int64 of the same bits, which an unsigned read casts back. */
gboolean sv_json_text_check (const char *text, gsize len, GError **error);
