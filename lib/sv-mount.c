/* sv-mount.c: what is mounted where a path lies (sv-mount.h). */
#include "sv-mount.h"

#include "sv-path.h"

#include <fcntl.h>
#include <libmount.h>
#include <sys/stat.h>

/* The type of mount @id in /proc/self/mountinfo, or NULL. */
static char *
fstype_of_mount (guint64 id)
{
  struct libmnt_table *table = mnt_new_table_from_file ("/proc/self/mountinfo");
  struct libmnt_iter *it = mnt_new_iter (MNT_ITER_FORWARD);
  struct libmnt_fs *fs;
  char *out = NULL;

  while (table != NULL && it != NULL && out == NULL && mnt_table_next_fs (table, it, &fs) == 0)
    if ((guint64) mnt_fs_get_id (fs) == id && mnt_fs_get_fstype (fs) != NULL)
      out = g_strdup (mnt_fs_get_fstype (fs));
  mnt_free_iter (it);
  mnt_unref_table (table);
  return out;
}

char *
sv_mount_fstype (const char *path)
{
  g_autofree char *existing = sv_path_nearest_existing (path);
  struct statx stx;
  char *out = NULL;

  if (statx (AT_FDCWD, existing, 0, STATX_MNT_ID, &stx) == 0 && (stx.stx_mask & STATX_MNT_ID))
    out = fstype_of_mount (stx.stx_mnt_id);
  return out != NULL ? out : g_strdup ("unknown");
}
