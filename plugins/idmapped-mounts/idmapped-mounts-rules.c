/* idmapped-mounts-rules.c: bind-mount rules (remap disabled) and Docker's data root.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "idmapped-mounts-rules.h"

#include "idmapped-mounts-util.h"

#include <stdarg.h>
#include <string.h>

void
sv_shiftfs_set_error_errno (GError **error, int errsv, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *what = NULL;

  va_start (ap, fmt);
  what = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv), "%s: %s", what,
               g_strerror (errsv));
}

/* ---- a minimal JSON reader: one top-level string member of daemon.json ---- */

#define JSON_MAX_DEPTH 64

typedef struct
{
  const char *p;
} JsonScan;

static void
json_ws (JsonScan *s)
{
  while (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r')
    s->p++;
}

/* Consume @c if it comes next (never steps over the terminating NUL). */
static gboolean
json_expect (JsonScan *s, char c)
{
  if (*s->p != c)
    return FALSE;
  s->p++;
  return TRUE;
}

static gboolean
json_hex4 (const char *p, gunichar *out)
{
  gunichar v = 0;

  for (int i = 0; i < 4; i++)
    {
      int d = g_ascii_xdigit_value (p[i]);
      if (d < 0)
        return FALSE;
      v = v * 16 + (gunichar) d;
    }
  *out = v;
  return TRUE;
}

/* \uXXXX, possibly a surrogate pair; s->p is just past the 'u'. */
static gboolean
json_unicode_escape (JsonScan *s, GString *out)
{
  gunichar c, lo;

  if (!json_hex4 (s->p, &c))
    return FALSE;
  s->p += 4;
  if (c >= 0xD800 && c <= 0xDBFF)
    {
      if (s->p[0] != '\\' || s->p[1] != 'u' || !json_hex4 (s->p + 2, &lo) || lo < 0xDC00
          || lo > 0xDFFF)
        return FALSE;
      s->p += 6;
      c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
    }
  else if (c >= 0xDC00 && c <= 0xDFFF)
    return FALSE;
  if (c == 0)
    return FALSE; /* a NUL cannot be part of a path */
  g_string_append_unichar (out, c);
  return TRUE;
}

/* A string; s->p at the opening quote.  @out may be NULL (skip). */
static gboolean
json_string (JsonScan *s, GString *out)
{
  static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
  g_autoptr (GString) scratch = out == NULL ? g_string_new (NULL) : NULL;
  GString *sink = out != NULL ? out : scratch;

  if (*s->p != '"')
    return FALSE;
  s->p++;
  while (*s->p != '"')
    {
      const char *e;
      if ((guchar) *s->p < 0x20)
        return FALSE;
      if (*s->p != '\\')
        {
          g_string_append_c (sink, *s->p++);
          continue;
        }
      if (s->p[1] == '\0')
        return FALSE;
      e = strchr (from, s->p[1]);
      s->p += 2;
      if (e != NULL)
        g_string_append_c (sink, to[e - from]);
      else if (s->p[-1] != 'u' || !json_unicode_escape (s, sink))
        return FALSE;
    }
  s->p++;
  return TRUE;
}

static gboolean json_value (JsonScan *s, int depth);

static gboolean
json_container (JsonScan *s, int depth, char close, gboolean members)
{
  s->p++;
  json_ws (s);
  if (*s->p == close)
    {
      s->p++;
      return TRUE;
    }
  for (;;)
    {
      json_ws (s);
      if (members)
        {
          if (!json_string (s, NULL))
            return FALSE;
          json_ws (s);
          if (!json_expect (s, ':'))
            return FALSE;
        }
      if (!json_value (s, depth + 1))
        return FALSE;
      json_ws (s);
      if (*s->p == close)
        {
          s->p++;
          return TRUE;
        }
      if (!json_expect (s, ','))
        return FALSE;
    }
}

static gboolean
json_literal (JsonScan *s)
{
  const char *start = s->p;

  if (g_str_has_prefix (s->p, "true") || g_str_has_prefix (s->p, "null"))
    s->p += 4;
  else if (g_str_has_prefix (s->p, "false"))
    s->p += 5;
  else
    {
      while (*s->p != '\0' && strchr ("+-.eE0123456789", *s->p) != NULL)
        s->p++;
    }
  return s->p != start;
}

static gboolean
json_value (JsonScan *s, int depth)
{
  if (depth > JSON_MAX_DEPTH)
    return FALSE;
  json_ws (s);
  switch (*s->p)
    {
    case '{':
      return json_container (s, depth, '}', TRUE);
    case '[':
      return json_container (s, depth, ']', FALSE);
    case '"':
      return json_string (s, NULL);
    default:
      return json_literal (s);
    }
}

static gboolean
json_find_member (JsonScan *s, const char *key, char **value_out)
{
  s->p++;
  json_ws (s);
  if (json_expect (s, '}'))
    return TRUE;
  for (;;)
    {
      g_autoptr (GString) name = g_string_new (NULL);
      json_ws (s);
      if (!json_string (s, name))
        return FALSE;
      json_ws (s);
      if (!json_expect (s, ':'))
        return FALSE;
      json_ws (s);
      if (strcmp (name->str, key) == 0 && *s->p == '"')
        {
          g_autoptr (GString) v = g_string_new (NULL);
          if (!json_string (s, v))
            return FALSE;
          g_free (*value_out);
          *value_out = g_string_free (g_steal_pointer (&v), FALSE);
        }
      else if (!json_value (s, 1))
        return FALSE;
      json_ws (s);
      if (json_expect (s, '}'))
        return TRUE;
      if (!json_expect (s, ','))
        return FALSE;
    }
}

char *
sv_shiftfs_daemon_json_data_root (const char *json, GError **error)
{
  JsonScan s = { json };
  g_autofree char *value = NULL;

  json_ws (&s);
  if (*s.p != '{' || !json_find_member (&s, "data-root", &value))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "not a JSON object (near byte %" G_GSIZE_FORMAT ")", (gsize) (s.p - json));
      return NULL;
    }
  json_ws (&s);
  if (*s.p != '\0')
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "trailing data after the JSON object (byte %" G_GSIZE_FORMAT ")",
                   (gsize) (s.p - json));
      return NULL;
    }
  return g_steal_pointer (&value);
}

char *
sv_shiftfs_docker_data_root (const char *data_root_setting,
                             const char *daemon_json_setting,
                             GError **error)
{
  const char *path = daemon_json_setting != NULL && daemon_json_setting[0] != '\0'
                         ? daemon_json_setting
                         : SV_SHIFTFS_DOCKER_DAEMON_JSON;
  g_autofree char *text = NULL;
  g_autofree char *root = NULL;
  g_autoptr (GError) local = NULL;

  if (data_root_setting != NULL && data_root_setting[0] != '\0')
    return g_strdup (data_root_setting);
  if (!g_file_get_contents (path, &text, NULL, &local))
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return g_strdup (SV_SHIFTFS_DOCKER_DATA_ROOT);
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   "cannot read Docker's data root from %s: %s; fix the file, or set "
                   "docker-data-root in the [idmapped-mounts] section of plugins.conf",
                   path, local->message);
      return NULL;
    }
  root = sv_shiftfs_daemon_json_data_root (text, &local);
  if (local != NULL)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "cannot read Docker's data root from %s: %s; fix the file, or set "
                   "docker-data-root in the [idmapped-mounts] section of plugins.conf",
                   path, local->message);
      return NULL;
    }
  if (root == NULL || root[0] == '\0')
    return g_strdup (SV_SHIFTFS_DOCKER_DATA_ROOT);
  return g_steal_pointer (&root);
}

/* ---- the rules ---- */

gboolean
sv_shiftfs_path_is_under (const char *path, const char *dir)
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

/* Is some directory on @source's path (itself included) root-owned with mode 0700? */
static gboolean
has_private_component (const char *source, SvShiftfsStatFunc stat_func, gpointer user_data)
{
  g_autoptr (GString) prefix = g_string_new ("/");
  g_auto (GStrv) parts = g_strsplit (source, "/", -1);
  struct stat st;

  for (guint i = 0;; i++)
    {
      if (stat_func (prefix->str, &st, user_data) == 0 && S_ISDIR (st.st_mode) && st.st_uid == 0
          && (st.st_mode & 07777) == 0700)
        return TRUE;
      while (parts[i] != NULL && parts[i][0] == '\0')
        i++;
      if (parts[i] == NULL)
        return FALSE;
      if (prefix->len > 1)
        g_string_append_c (prefix, '/');
      g_string_append (prefix, parts[i]);
    }
}

gboolean
sv_shiftfs_check_bind_source (guint index,
                              const char *source,
                              const char *destination,
                              const char *docker_root,
                              SvShiftfsStatFunc stat_func,
                              gpointer user_data,
                              GError **error)
{
  struct stat st;

  if (sv_shiftfs_path_is_under (source, docker_root))
    return TRUE;
  if (stat_func (source, &st, user_data) < 0)
    {
      int errsv = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
                   "bind mount -v %s:%s refused: %s: %s; create it or fix the path (mounts[%u])",
                   source, destination, source, g_strerror (errsv), index);
      return FALSE;
    }
  if (st.st_uid != 0 || st.st_gid != 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_PERM,
                   "bind mount -v %s:%s refused: %s is owned by %u:%u, but with Docker "
                   "userns-remap disabled a bind source must be owned by root:root; fix: "
                   "chown root:root %s (or use a Docker volume) (mounts[%u])",
                   source, destination, source, (guint) st.st_uid, (guint) st.st_gid, source,
                   index);
      return FALSE;
    }
  if (!has_private_component (source, stat_func, user_data))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_PERM,
                   "bind mount -v %s:%s refused: no directory on the path to %s is owned by "
                   "root with mode 0700, but with Docker userns-remap disabled only host root "
                   "may reach a bind source; fix: move it below such a directory (e.g. /root) "
                   "or chmod 0700 a root-owned directory on its path (or use a Docker volume) "
                   "(mounts[%u])",
                   source, destination, source, index);
      return FALSE;
    }
  return TRUE;
}
