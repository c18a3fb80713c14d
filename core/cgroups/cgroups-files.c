/* cgroups-files.c: reading and writing cgroup interface files, making and removing
 * cgroup directories (the file layer every cgroup module stands on).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#define G_LOG_DOMAIN "sysvisor"

#include "cgroups-files.h"

#include "sv-error.h"
#include "sv-fd.h"
#include "sv-file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define SV_CGROUP_RMDIR_TIMEOUT_MS 1000

/* ------------------------------------------------------------------------------------------
 * File helpers
 * ---------------------------------------------------------------------------------------- */

/* Fill @error from @errsv (sv_set_error_errno) and return FALSE. */
#define set_errno_error(error, errsv, ...)                                                       \
  (sv_set_error_errno ((error), (errsv), __VA_ARGS__), FALSE)

static gboolean
write_value (int fd, const char *path, const char *value, GError **error)
{
  gsize len = strlen (value);
  gssize n;

  do
    n = write (fd, value, len);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return set_errno_error (error, errno, "writing \"%s\" to %s", value, path);
  if ((gsize) n != len)
    return set_errno_error (error, EIO, "writing \"%s\" to %s (short write)", value, path);
  return TRUE;
}

gboolean
sv_cgroup_write_kept (const char *dir, const char *file, int *fd, const char *value,
                      GError **error)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);

  if (*fd < 0 && (*fd = open (path, O_WRONLY | O_TRUNC | O_CLOEXEC)) < 0)
    return set_errno_error (error, errno, "writing \"%s\" to %s", value, path);
  return write_value (*fd, path, value, error);
}

gboolean
sv_cgroup_write (const char *dir, const char *file, const char *value, GError **error)
{
  sv_autofd fd = -1;

  return sv_cgroup_write_kept (dir, file, &fd, value, error);
}

char *
sv_cgroup_read (const char *dir, const char *file, GError **error)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autofree char *contents = NULL;
  gsize len = 0;

  if ((contents = sv_file_read_text (path, &len)) == NULL)
    {
      sv_set_error_errno (error, errno, "reading %s", path);
      return NULL;
    }
  while (len > 0 && (contents[len - 1] == '\n' || contents[len - 1] == ' '))
    contents[--len] = '\0';
  return g_steal_pointer (&contents);
}

gboolean
sv_cgroup_read_small (const char *dir, const char *file, char *buf, gsize size)
{
  char path[PATH_MAX];
  sv_autofd fd = -1;
  gssize n;

  if (snprintf (path, sizeof path, "%s/%s", dir, file) >= (int) sizeof path)
    return FALSE;
  if ((fd = open (path, O_RDONLY | O_CLOEXEC)) < 0 || (n = read (fd, buf, size - 1)) < 0)
    return FALSE;
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
    n--;
  buf[n] = '\0';
  return TRUE;
}

gboolean
sv_cgroup_read_u64 (const char *dir, const char *file, guint64 *out, GError **error)
{
  g_autofree char *text = sv_cgroup_read (dir, file, error);
  g_autoptr (GError) local = NULL;

  if (text == NULL)
    return FALSE;
  if (g_str_equal (text, "max"))
    {
      *out = G_MAXUINT64;
      return TRUE;
    }
  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, out, &local))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s/%s: \"%s\" is not a number",
                   dir, file, text);
      return FALSE;
    }
  return TRUE;
}

gboolean
sv_cgroup_has_file (const char *dir, const char *file)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);

  return access (path, F_OK) == 0;
}

int
sv_cgroup_lock_subtree (const char *dir, int how)
{
  g_autofree char *path = g_build_filename (dir, "cgroup.subtree_control", NULL);
  sv_autofd fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return -1;
  while (flock (fd, how) < 0)
    if (errno != EINTR)
      return -1;
  return g_steal_fd (&fd);
}

/* mkdir @path, 0 or its errno; with @guard, under a shared lock of its parent's subtree
 * (cgroup v2: no rollback of another create turns a controller off there meanwhile).  A lock
 * that cannot be had (the parent gone: the mkdir says so) does not stop the mkdir. */
static int
mkdir_guarded (const char *path, gboolean guard)
{
  g_autofree char *parent = guard ? g_path_get_dirname (path) : NULL;
  int lock = guard ? sv_cgroup_lock_subtree (parent, LOCK_SH) : -1;
  int err = mkdir (path, 0755) == 0 ? 0 : errno;

  sv_close_fdp (&lock);
  return err;
}

/* mkdir of each level of @parts below @base in turn, each new directory appended to
 * @created; 0 or the errno of the level that failed (*@failed: its path). */
static int
mkdir_walk (const char *base, char **parts, gboolean guard, GPtrArray *created, char **failed)
{
  g_autofree char *cur = g_strdup (base);
  int err;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *next;

      if (*parts[i] == '\0')
        continue;
      next = g_build_filename (cur, parts[i], NULL);
      g_free (cur);
      cur = next;
      err = mkdir_guarded (cur, guard);
      if (err == 0)
        {
          g_ptr_array_add (created, g_strdup (cur));
          continue;
        }
      if (err == EEXIST && g_file_test (cur, G_FILE_TEST_IS_DIR))
        continue;
      if (err == EEXIST) /* a file, or a directory removed since the mkdir */
        err = g_file_test (cur, G_FILE_TEST_EXISTS) ? ENOTDIR : ENOENT;
      *failed = g_steal_pointer (&cur);
      return err;
    }
  return 0;
}

gboolean
sv_cgroup_mkdir_below (const char *base, const char *rel, gboolean guard, GPtrArray *created,
                       GError **error)
{
  g_auto (GStrv) parts = NULL;
  g_autofree char *cur = g_build_filename (base, rel, NULL);
  int err = mkdir_guarded (cur, guard);

  /* Usually only the last directory is new (the parents are shared by every container):
   * one mkdir then, not a failed mkdir and a stat for each parent. */
  if (err == 0)
    {
      g_ptr_array_add (created, g_steal_pointer (&cur));
      return TRUE;
    }
  if (err != ENOENT && err != EEXIST)
    return set_errno_error (error, err, "creating cgroup %s", cur);
  parts = g_strsplit (rel, "/", -1);
  g_clear_pointer (&cur, g_free);
  /* A parent can vanish between two mkdirs: the failed create of another container removes
   * the parents it made (sv_cgroup_undo_create); the walk then starts again from @base. */
  for (int attempt = 0;; attempt++)
    {
      err = mkdir_walk (base, parts, guard, created, &cur);
      if (err == 0)
        return TRUE;
      if (err != ENOENT || attempt == 4)
        return set_errno_error (error, err, "creating cgroup %s", cur);
      g_clear_pointer (&cur, g_free);
    }
}

gboolean
sv_cgroup_chown_delegated (const char *dir, const char *const *files, uid_t uid, gid_t gid,
                           GError **error)
{
  sv_autofd dfd = -1;

  if (uid == (uid_t) -1 && gid == (gid_t) -1)
    return TRUE;
  dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return set_errno_error (error, errno, "delegating cgroup %s", dir);
  if (fchown (dfd, uid, gid) < 0)
    return set_errno_error (error, errno, "delegating cgroup %s: chown to %d:%d", dir, (int) uid,
                            (int) gid);
  for (guint i = 0; files[i] != NULL; i++)
    {
      if (fchownat (dfd, files[i], uid, gid, AT_SYMLINK_NOFOLLOW) == 0 || errno == ENOENT)
        continue;
      return set_errno_error (error, errno, "delegating cgroup %s: chown %s to %d:%d", dir,
                              files[i], (int) uid, (int) gid);
    }
  return TRUE;
}

/* The names of the subdirectories (the sub-cgroups) of the directory open as @fd (kept open),
 * or NULL with errno set. */
static GPtrArray *
subdirs_of_fd (int fd)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  int dup_fd = fcntl (fd, F_DUPFD_CLOEXEC, 0);
  DIR *d = dup_fd >= 0 ? fdopendir (dup_fd) : NULL;
  struct dirent *de;

  if (d == NULL)
    {
      int errsv = errno;
      if (dup_fd >= 0)
        close (dup_fd);
      errno = errsv;
      return NULL;
    }
  while ((de = readdir (d)) != NULL)
    {
      if (de->d_type != DT_DIR || g_str_equal (de->d_name, ".") || g_str_equal (de->d_name, ".."))
        continue;
      g_ptr_array_add (names, g_strdup (de->d_name));
    }
  closedir (d);
  return g_steal_pointer (&names);
}

GPtrArray *
sv_cgroup_list_subdirs (const char *dir, GError **error)
{
  sv_autofd fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  GPtrArray *names = fd >= 0 ? subdirs_of_fd (fd) : NULL;

  if (names == NULL)
    sv_set_error_errno (error, errno, "reading cgroup %s", dir);
  return names;
}

/* ------------------------------------------------------------------------------------------
 * Walking a tree of cgroups that root inside made: with one fd and by name, never by path.
 * The tree may be deeper than PATH_MAX allows a path to name, and than the fd limit allows
 * a fd per level (a container made 2000 levels: its paths were "File name too long", and
 * its cgroups were left on the host).  A container cannot move a cgroup to another parent,
 * so ".." leads back up.
 * ---------------------------------------------------------------------------------------- */

/* @pre sees each cgroup's fd (the top's too) before its sub-cgroups; @post sees the parent's
 * fd and the name of each sub-cgroup after that sub-cgroup's own.  A sub-cgroup gone meanwhile
 * is skipped.  Either returning FALSE (with @error set) ends the walk. */
typedef struct
{
  gboolean (*pre) (int fd, gpointer data, GError **error);
  gboolean (*post) (int parent_fd, const char *name, gpointer data, GError **error);
  gpointer data;
} CgroupWalk;

typedef struct
{
  GPtrArray *names;
  guint next;
} WalkLevel;

static void
walk_level_clear (gpointer p)
{
  g_clear_pointer (&((WalkLevel *) p)->names, g_ptr_array_unref);
}

/* Enter sub-cgroup @name of *@fd: *@fd becomes its fd, its level is pushed. */
static gboolean
walk_down (const CgroupWalk *w, GArray *levels, int *fd, const char *name, GError **error)
{
  int sub = openat (*fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  WalkLevel level = { NULL, 0 };

  if (sub < 0)
    return errno == ENOENT || set_errno_error (error, errno, "reading sub-cgroup %s", name);
  close (*fd);
  *fd = sub;
  if (w->pre != NULL && !w->pre (sub, w->data, error))
    return FALSE;
  level.names = subdirs_of_fd (sub);
  if (level.names == NULL)
    return set_errno_error (error, errno, "reading sub-cgroup %s", name);
  g_array_append_val (levels, level);
  return TRUE;
}

static gboolean
walk_cgroups (const char *dir, const CgroupWalk *w, GError **error)
{
  g_autoptr (GArray) levels = g_array_new (FALSE, TRUE, sizeof (WalkLevel));
  sv_autofd fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  WalkLevel top = { NULL, 0 };

  g_array_set_clear_func (levels, walk_level_clear);
  if (fd < 0)
    return errno == ENOENT || set_errno_error (error, errno, "reading cgroup %s", dir);
  if (w->pre != NULL && !w->pre (fd, w->data, error))
    return FALSE;
  if ((top.names = subdirs_of_fd (fd)) == NULL)
    return set_errno_error (error, errno, "reading cgroup %s", dir);
  g_array_append_val (levels, top);
  while (levels->len > 0)
    {
      WalkLevel *l = &g_array_index (levels, WalkLevel, levels->len - 1);
      g_autofree char *name = NULL;
      int up;
      if (l->next < l->names->len)
        {
          if (!walk_down (w, levels, &fd, l->names->pdata[l->next++], error))
            return FALSE;
          continue;
        }
      g_array_set_size (levels, levels->len - 1);
      if (levels->len == 0)
        break;
      l = &g_array_index (levels, WalkLevel, levels->len - 1);
      name = g_strdup (l->names->pdata[l->next - 1]);
      if ((up = openat (fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return set_errno_error (error, errno, "reading cgroup %s (going back up)", dir);
      close (fd);
      fd = up;
      if (w->post != NULL && !w->post (fd, name, w->data, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
collect_procs (int fd, gpointer data, GError **error)
{
  GHashTable *seen = data;
  sv_autofd procs = openat (fd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;

  /* Gone meanwhile, or a threaded v2 sub-cgroup (its cgroup.procs is not readable). */
  if (procs < 0 || (text = sv_read_fd_to_end (procs, NULL)) == NULL)
    return TRUE;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      guint64 pid;

      if (g_ascii_string_to_unsigned (lines[i], 10, 1, G_MAXINT, &pid, NULL))
        g_hash_table_add (seen, GINT_TO_POINTER ((int) pid));
    }
  return TRUE;
}

gboolean
sv_cgroup_collect_pids (const char *dir, GHashTable *seen, GError **error)
{
  CgroupWalk w = { collect_procs, NULL, seen };

  return walk_cgroups (dir, &w, error);
}

static gboolean
remove_sub_cgroup (int parent_fd, const char *name, gpointer data, GError **error)
{
  gboolean *busy = data;

  if (unlinkat (parent_fd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
    return TRUE;
  *busy = errno == EBUSY;
  return set_errno_error (error, errno, "removing sub-cgroup %s%s", name,
                          errno == EBUSY ? " (processes still in it?)" : "");
}

/* One depth-first pass; *busy tells whether some rmdir met EBUSY (worth retrying).  A cgroup
 * without sub-cgroups (the common case: the container made none) goes with its rmdir alone;
 * its directory is read only when that rmdir says busy. */
static gboolean
remove_tree_once (const char *dir, gboolean *busy, GError **error)
{
  CgroupWalk w = { NULL, remove_sub_cgroup, busy };
  g_autoptr (GError) local = NULL;

  if (rmdir (dir) == 0 || errno == ENOENT)
    return TRUE;
  if (!walk_cgroups (dir, &w, &local))
    {
      g_prefix_error (&local, "removing cgroup %s: ", dir);
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (rmdir (dir) == 0 || errno == ENOENT)
    return TRUE;
  if (errno == EBUSY)
    {
      *busy = TRUE;
      return set_errno_error (error, EBUSY, "removing cgroup %s (processes still in it?)", dir);
    }
  return set_errno_error (error, errno, "removing cgroup %s", dir);
}

gboolean
sv_cgroup_remove_tree_now (const char *dir)
{
  gboolean busy = FALSE;

  return remove_tree_once (dir, &busy, NULL);
}

gboolean
sv_cgroup_remove_tree (const char *dir, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + SV_CGROUP_RMDIR_TIMEOUT_MS * 1000;
  gulong delay_us = 5000;

  for (;;)
    {
      g_autoptr (GError) local = NULL;
      gboolean busy = FALSE;

      if (remove_tree_once (dir, &busy, &local))
        return TRUE;
      if (!busy || g_get_monotonic_time () >= deadline)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      g_usleep (delay_us);
      delay_us = MIN (delay_us * 2, 100000);
    }
}

gboolean
sv_cgroup_wait_until (gboolean (*check) (const char *dir, gpointer data), const char *dir,
                      gpointer data, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gulong delay_us = 1000;

  for (;;)
    {
      if (check (dir, data))
        return TRUE;
      if (g_get_monotonic_time () >= deadline)
        return FALSE;
      g_usleep (delay_us);
      delay_us = MIN (delay_us * 2, 50000);
    }
}

const char *
sv_cgroup_existing_dir (const char *mountpoint, const char *dir)
{
  static char buf[PATH_MAX];
  const size_t root = strlen (mountpoint);
  char *slash;

  if (access (dir, F_OK) == 0 || !g_str_has_prefix (dir, mountpoint)
      || g_strlcpy (buf, dir, sizeof buf) >= sizeof buf)
    return dir;
  while (strlen (buf) > root && (slash = strrchr (buf, '/')) != NULL
         && (size_t) (slash - buf) >= root)
    {
      *slash = '\0';
      if (access (buf, F_OK) == 0)
        return buf;
    }
  return mountpoint;
}
