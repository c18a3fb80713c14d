/* sv-json-text.c: JSON text checked before json-glib parses it (sv-json-text.h). */
#include "sv-json-text.h"

#include <gio/gio.h>
#include <string.h>

static gint
hex4 (const char *p, gsize left)
{
  gint v = 0;

  if (left < 4)
    return -1;
  for (int i = 0; i < 4; i++)
    {
      int d = g_ascii_xdigit_value (p[i]);
      if (d < 0)
        return -1;
      v = v * 16 + d;
    }
  return v;
}

/* The escape at text[*i] (a backslash inside a string): *i moves to its last byte. */
static gboolean
check_escape (const char *text, gsize len, gsize *i, GError **error)
{
  const char *p = text + *i + 1;
  gsize left = len - *i - 1;
  gint c, lo;

  if (left >= 1 && p[0] != '\0' && strchr ("\"\\/bfnrt", p[0]) != NULL)
    {
      *i += 1;
      return TRUE;
    }
  if (left < 1 || p[0] != 'u' || (c = hex4 (p + 1, left - 1)) < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "invalid escape in a string (byte %" G_GSIZE_FORMAT ")", *i);
      return FALSE;
    }
  if (c < 0xD800 || c > 0xDFFF)
    {
      *i += 5;
      return TRUE;
    }
  if (c <= 0xDBFF && left >= 11 && p[5] == '\\' && p[6] == 'u'
      && (lo = hex4 (p + 7, left - 7)) >= 0xDC00 && lo <= 0xDFFF)
    {
      *i += 11;
      return TRUE;
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
               "a \\uD800-\\uDFFF escape without its pair (byte %" G_GSIZE_FORMAT "); write the "
               "character itself or a full surrogate pair",
               *i);
  return FALSE;
}

/* Whether the digits of an integer literal (@negative: after a '-') are beyond 64 bits. */
static gboolean
integer_too_large (const char *digits, gsize n, gboolean negative)
{
  const char *limit = negative ? "9223372036854775808" : "18446744073709551615";
  gsize limit_len = strlen (limit);

  while (n > 1 && digits[0] == '0')
    digits++, n--;
  if (n != limit_len)
    return n > limit_len;
  return memcmp (digits, limit, n) > 0;
}

/* The number at text[*i]: *i moves to its last byte. */
static gboolean
check_number (const char *text, gsize len, gsize *i, GError **error)
{
  gsize start = *i + (text[*i] == '-'), end = start;

  while (end < len && g_ascii_isdigit (text[end]))
    end++;
  if ((end == len || (text[end] != '.' && text[end] != 'e' && text[end] != 'E'))
      && integer_too_large (text + start, end - start, text[*i] == '-'))
    {
      gsize n = end - *i;
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "the integer %.*s%s does not fit in 64 bits; write one between "
                   "-9223372036854775808 and 18446744073709551615",
                   (int) MIN (n, 40), text + *i, n > 40 ? "..." : "");
      return FALSE;
    }
  while (end < len && text[end] != '\0' && strchr ("0123456789.eE+-", text[end]) != NULL)
    end++;
  *i = end - 1;
  return TRUE;
}

gboolean
sv_json_text_check (const char *text, gsize len, GError **error)
{
  gboolean in_string = FALSE;
  guint depth = 0;

  for (gsize i = 0; i < len; i++)
    {
      char c = text[i];

      if (in_string)
        {
          if (c == '"')
            in_string = FALSE;
          else if (c == '\\' && !check_escape (text, len, &i, error))
            return FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if ((c == '[' || c == '{') && ++depth > SV_JSON_MAX_DEPTH)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "nested deeper than %d levels (byte %" G_GSIZE_FORMAT ")",
                       SV_JSON_MAX_DEPTH, i);
          return FALSE;
        }
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
      else if ((c == '-' || g_ascii_isdigit (c)) && !check_number (text, len, &i, error))
        return FALSE;
    }
  return TRUE;
}
