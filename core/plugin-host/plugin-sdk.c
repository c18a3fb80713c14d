/* plugin-sdk.c: the helpers sysvisor/plugin.h gives plugin authors (ABI 1.3), exported by
 * sysvisor-runc like the accessors (plugin-api.list): typed settings with one wording for
 * every plugin, and a state file read-modified-written under a lock and replaced atomically,
 * as docs/PLUGINS.md requires of a plugin's own state.
 *
 * The fd, errno, atomic-write and lock code comes from the internal utility library (lib/). */
#include "container.h"
#include "docker-root.h"
#include "sv-error.h"
#include "sv-fd.h"
#include "sv-file.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static gboolean
sdk_errno (GError **error, int errsv, const char *what, const char *path)
{
  sv_set_error_errno (error, errsv, "%s %s", what, path);
  return FALSE;
}

/* ---- typed settings ---- */

/* "plugins.conf [SECTION] KEY = "VALUE": @expected" (and the default, when there is one). */
static gboolean
setting_error (SvHost *host, const char *key, const char *value, const char *fallback,
               GError **error, const char *expected)
{
  g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
               "plugins.conf [%s] %s = \"%s\": %s%s%s%s",
               host->section != NULL ? host->section : "?", key, value, expected,
               fallback != NULL ? " (the default is " : "", fallback != NULL ? fallback : "",
               fallback != NULL ? ")" : "");
  return FALSE;
}

/* The value, or NULL when the key is absent or empty. */
static const char *
setting_text (SvHost *host, const char *key)
{
  const char *v = sv_host_setting (host, key);

  return v != NULL && v[0] != '\0' ? v : NULL;
}

gboolean
sv_host_setting_uint (SvHost *host, const char *key, guint64 min, guint64 max, guint64 fallback,
                      guint64 *out, GError **error)
{
  const char *v = setting_text (host, key);
  g_autofree char *def = g_strdup_printf ("%" G_GUINT64_FORMAT, fallback);
  g_autofree char *expected = NULL;

  if (v == NULL)
    {
      *out = fallback;
      return TRUE;
    }
  if (g_ascii_isdigit (v[0]) && g_ascii_string_to_unsigned (v, 10, min, max, out, NULL))
    return TRUE;
  expected =
      g_strdup_printf ("give a whole number from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT,
                       min, max);
  return setting_error (host, key, v, def, error, expected);
}

/* "64M" -> 64 << 20; suffixes K, M, G, T (powers of 1024), an optional trailing "B". */
static gboolean
parse_size (const char *v, guint64 *out)
{
  static const char units[] = "KMGT";
  char *end = NULL;
  guint64 n;
  guint shift = 0;
  const char *u;

  if (!g_ascii_isdigit (v[0]))
    return FALSE;
  errno = 0;
  n = g_ascii_strtoull (v, &end, 10);
  if (errno != 0)
    return FALSE;
  if (*end != '\0' && (u = strchr (units, g_ascii_toupper (*end))) != NULL)
    {
      shift = 10 * (guint) (u - units + 1);
      end++;
    }
  if (g_ascii_toupper (*end) == 'B')
    end++;
  if (*end != '\0' || (shift > 0 && n > (G_MAXUINT64 >> shift)))
    return FALSE;
  *out = n << shift;
  return TRUE;
}

gboolean
sv_host_setting_size (SvHost *host, const char *key, guint64 min, guint64 max, guint64 fallback,
                      guint64 *out, GError **error)
{
  const char *v = setting_text (host, key);
  g_autofree char *def = g_format_size_full (fallback, G_FORMAT_SIZE_IEC_UNITS);
  g_autofree char *expected = NULL;
  guint64 n;

  if (v == NULL)
    {
      *out = fallback;
      return TRUE;
    }
  if (parse_size (v, &n) && n >= min && n <= max)
    {
      *out = n;
      return TRUE;
    }
  expected = g_strdup_printf ("give a size from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT
                              " bytes, as a number with an optional K, M, G or T (1024s)",
                              min, max);
  return setting_error (host, key, v, def, error, expected);
}

gboolean
sv_host_setting_boolean (SvHost *host, const char *key, gboolean fallback, gboolean *out,
                         GError **error)
{
  static const char *const yes[] = { "yes", "true", "on", "1" };
  static const char *const no[] = { "no", "false", "off", "0" };
  const char *v = setting_text (host, key);

  *out = fallback;
  if (v == NULL)
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (yes); i++)
    if (g_ascii_strcasecmp (v, yes[i]) == 0 || g_ascii_strcasecmp (v, no[i]) == 0)
      {
        *out = g_ascii_strcasecmp (v, yes[i]) == 0;
        return TRUE;
      }
  return setting_error (host, key, v, fallback ? "yes" : "no", error, "give yes or no");
}

gboolean
sv_host_setting_path (SvHost *host, const char *key, const char *fallback, const char **out,
                      GError **error)
{
  const char *v = setting_text (host, key);

  *out = v != NULL ? v : fallback;
  if (v == NULL || g_path_is_absolute (v))
    return TRUE;
  *out = NULL;
  return setting_error (host, key, v, fallback, error, "give an absolute path");
}

/* ---- state files ---- */

/* Replace @path with @data through a temporary file beside it, fsynced and renamed
 * (sv_file_replace), then fsync the directory: a reader sees the old file or the new one,
 * never a part. */
static gboolean
replace_file (const char *path, const char *data, gsize len, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *suffix = g_strdup_printf (".tmp.%d", (int) getpid ());
  sv_autofd dfd = -1;

  if (!sv_file_replace (path, data, (gssize) len, 0600, suffix, SV_WRITE_SYNC | SV_WRITE_NOFOLLOW,
                        error))
    return FALSE;
  dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0 || fsync (dfd) < 0)
    return sdk_errno (error, errno, "sync the directory of", path);
  return TRUE;
}

gboolean
sv_state_file_update (const char *path, SvStateUpdateFunc update, gpointer user_data,
                      GError **error)
{
  g_autofree char *lock = g_strconcat (path, ".lock", NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *old = NULL;
  g_autofree char *data = NULL;
  g_autoptr (GError) local = NULL;
  gsize old_len = 0, len = 0;
  sv_autofd lfd = -1;

  if (g_mkdir_with_parents (dir, 0700) < 0)
    return sdk_errno (error, errno, "create", dir);
  lfd = sv_lock_file (lock, FALSE, error);
  if (lfd < 0)
    return FALSE;
  if (!sv_file_read_optional (path, 0, &old, &old_len, NULL, error))
    return FALSE; /* no file yet: update gets NULL */
  data = update (old, old_len, &len, user_data, &local);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (data == NULL)
    return unlink (path) == 0 || errno == ENOENT || sdk_errno (error, errno, "remove", path);
  return replace_file (path, data, len, error);
}

/* ---- Docker ---- */

char *
sv_container_docker_data_root (SvContainer *c)
{
  g_autoptr (GPtrArray) sources = g_ptr_array_new ();
  g_autofree char *root = NULL;

  for (guint i = 0; i < sv_container_n_mounts (c); i++)
    if (sv_container_mount_is_bind (c, i))
      g_ptr_array_add (sources, (gpointer) sv_container_mount_source (c, i));
  g_ptr_array_add (sources, NULL);
  root = sv_docker_root_from_paths (sv_container_id (c), sv_container_rootfs (c),
                                    (const char *const *) sources->pdata);
  if (root == NULL || !sv_docker_root_trusted (root))
    return NULL;
  g_debug ("container %s: made by the dockerd whose data root is %s", sv_container_id (c), root);
  return g_steal_pointer (&root);
}
