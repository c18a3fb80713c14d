/* sv-mountinfo.c: the text of /proc/PID/mountinfo (sv-mountinfo.h). */
#include "sv-mountinfo.h"

#include <string.h>

/* Whether @s starts with an octal escape of one byte: "\" then [0-3][0-7][0-7]. */
static gboolean
is_byte_escape (const char *s)
{
  return s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0'
         && s[3] <= '7';
}

char *
sv_mountinfo_unescape (const char *field)
{
  GString *out = g_string_sized_new (strlen (field));

  for (const char *s = field; *s != '\0'; s++)
    if (is_byte_escape (s))
      {
        g_string_append_c (out,
                           (char) (((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0')));
        s += 3;
      }
    else
      g_string_append_c (out, *s);
  return g_string_free (out, FALSE);
}
