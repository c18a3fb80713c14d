/* probe-cache.c: a plugin's probe verdict kept between creates (see probe-cache.h). */
#include "probe-cache.h"

#include "utils.h"
#include "sv-error.h"
#include "sv-file.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x00004000U /* Linux 6.8: a mount id never reused until reboot */
#endif

#define GROUP "probe"

static char *
read_line (const char *path)
{
  g_autofree char *text = sv_file_read_text (path, NULL);

  if (text == NULL)
    return g_strdup ("-");
  return g_strdup (g_strstrip (text));
}

char *
sv_probe_cache_host_part (const char *conf_text, const char *lib_dir)
{
  g_autofree char *boot = read_line ("/proc/sys/kernel/random/boot_id");
  g_autofree char *userns = read_line ("/proc/sys/user/max_user_namespaces");
  g_autofree char *conf_sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, conf_text, -1);
  struct utsname u;

  if (uname (&u) < 0)
    return NULL;
  return g_strdup_printf ("boot=%s kernel=%s %s userns=%s conf=%s lib=%s", boot, u.release,
                          u.version, userns, conf_sum, lib_dir);
}

char *
sv_probe_cache_base (const char *host_part, const char *plugin_path)
{
  struct stat st;

  if (host_part == NULL || stat (plugin_path, &st) < 0)
    return NULL;
  return g_strdup_printf ("%s plugin=%s:%lu:%lu:%lld:%lld.%09ld", host_part, plugin_path,
                          (gulong) st.st_dev, (gulong) st.st_ino, (long long) st.st_size,
                          (long long) st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

/* What a probe of @path saw: its mount, device and inode (a regular file's size and times
 * too), or its absence.  NULL when the kernel has no unique mount ids: then nothing is kept. */
static char *
path_identity (const char *path)
{
  struct statx stx;
  guint mask =
      STATX_TYPE | STATX_INO | STATX_SIZE | STATX_MTIME | STATX_CTIME | STATX_MNT_ID_UNIQUE;

  if (statx (AT_FDCWD, path, 0, mask, &stx) < 0)
    return errno == ENOENT || errno == ENOTDIR ? g_strdup ("absent") : NULL;
  if (!(stx.stx_mask & STATX_MNT_ID_UNIQUE))
    return NULL;
  if (!S_ISREG (stx.stx_mode))
    return g_strdup_printf ("mnt=%" G_GUINT64_FORMAT " dev=%u:%u ino=%" G_GUINT64_FORMAT
                            " mode=%o",
                            (guint64) stx.stx_mnt_id, stx.stx_dev_major, stx.stx_dev_minor,
                            (guint64) stx.stx_ino, (guint) stx.stx_mode);
  return g_strdup_printf ("mnt=%" G_GUINT64_FORMAT " dev=%u:%u ino=%" G_GUINT64_FORMAT
                          " size=%" G_GUINT64_FORMAT " mtime=%lld.%u ctime=%lld.%u",
                          (guint64) stx.stx_mnt_id, stx.stx_dev_major, stx.stx_dev_minor,
                          (guint64) stx.stx_ino, (guint64) stx.stx_size,
                          (long long) stx.stx_mtime.tv_sec, stx.stx_mtime.tv_nsec,
                          (long long) stx.stx_ctime.tv_sec, stx.stx_ctime.tv_nsec);
}

static char *
cache_path (const char *state_root, const char *plugin)
{
  g_autofree char *name = g_strdup_printf ("probe@%s", plugin); /* '@' is in no container id */

  return g_build_filename (state_root, name, NULL);
}

/* The file's text if root wrote it for root alone; NULL otherwise. */
static char *
read_trusted (const char *path)
{
  sv_autofd fd = open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  char buf[16384];
  struct stat st;
  gssize n;

  if (fd < 0 || fstat (fd, &st) < 0 || !S_ISREG (st.st_mode) || st.st_uid != geteuid ()
      || (st.st_mode & 077) != 0 || st.st_size >= (off_t) sizeof buf)
    return NULL;
  n = sv_read_all (fd, buf, sizeof buf - 1);
  if (n <= 0)
    return NULL;
  return g_strndup (buf, (gsize) n);
}

gboolean
sv_probe_cache_hit (const char *state_root, const char *plugin, const char *base)
{
  g_autofree char *file = cache_path (state_root, plugin);
  g_autofree char *text = read_trusted (file);
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autofree char *stored = NULL;
  g_auto (GStrv) paths = NULL;
  g_auto (GStrv) ids = NULL;
  gsize n_paths = 0, n_ids = 0;

  if (text == NULL || base == NULL || !g_key_file_load_from_data (kf, text, -1, 0, NULL))
    return FALSE;
  stored = g_key_file_get_string (kf, GROUP, "base", NULL);
  paths = g_key_file_get_string_list (kf, GROUP, "paths", &n_paths, NULL);
  ids = g_key_file_get_string_list (kf, GROUP, "ids", &n_ids, NULL);
  if (g_strcmp0 (stored, base) != 0 || paths == NULL || ids == NULL || n_paths != n_ids
      || n_paths == 0)
    return FALSE;
  for (gsize i = 0; i < n_paths; i++)
    {
      g_autofree char *now = path_identity (paths[i]);
      if (g_strcmp0 (now, ids[i]) != 0)
        return FALSE;
    }
  return TRUE;
}

void
sv_probe_cache_store (const char *state_root, const char *plugin, const char *base,
                      GPtrArray *paths)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *file = cache_path (state_root, plugin);
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;

  if (base == NULL || paths->len == 0)
    return;
  for (guint i = 0; i < paths->len; i++)
    {
      char *id = path_identity (g_ptr_array_index (paths, i));
      if (id == NULL)
        return; /* no unique mount ids: probe every time */
      g_ptr_array_add (ids, id);
    }
  g_key_file_set_string (kf, GROUP, "base", base);
  g_key_file_set_string_list (kf, GROUP, "paths", (const char *const *) paths->pdata, paths->len);
  g_key_file_set_string_list (kf, GROUP, "ids", (const char *const *) ids->pdata, ids->len);
  text = g_key_file_to_data (kf, NULL, NULL);
  /* No fsync: a cache that a power loss empties is only a miss. */
  if (!sv_write_file_replace (file, text, -1, 0600, &error))
    g_debug ("probe cache of %s not kept: %s", plugin, error->message);
}

void
sv_probe_cache_forget (const char *state_root, const char *plugin)
{
  g_autofree char *file = cache_path (state_root, plugin);

  if (unlink (file) < 0 && errno != ENOENT)
    g_debug ("probe cache %s: %s", file, sv_strerror (errno));
}
