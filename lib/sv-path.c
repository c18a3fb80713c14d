/* sv-path.c: canonical paths, "is below" and the nearest existing ancestor (sv-path.h). */
#include "sv-path.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *
sv_path_canonical (const char *path)
{
  char *real = realpath (path, NULL);
  char *out;

  if (real == NULL)
    return g_canonicalize_filename (path, "/");
  out = g_strdup (real);
  free (real);
  return out;
}

gboolean
sv_path_is_under (const char *path, const char *dir)
{
  gsize n;

  if (dir == NULL || dir[0] == '\0')
    return FALSE;
  if (strcmp (dir, "/") == 0)
    return path[0] == '/';
  n = strlen (dir);
  while (n > 1 && dir[n - 1] == '/')
    n--;
  return strncmp (path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

char *
sv_path_nearest_existing (const char *path)
{
  char *p = g_canonicalize_filename (path, "/");

  while (access (p, F_OK) != 0 && strcmp (p, "/") != 0)
    {
      char *parent = g_path_get_dirname (p);
      g_free (p);
      p = parent;
    }
  return p;
}
