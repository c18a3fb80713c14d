/* sysvisor-fs: small helpers shared by every module. */
#include "svfs-util.h"
#include "sv-error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

static gchar *proc_root;
static gchar *sys_root;
static gchar *cgroup_root;

void
svfs_roots_configure (const char *proc, const char *sys, const char *cgroup)
{
  g_free (proc_root);
  g_free (sys_root);
  g_free (cgroup_root);
  proc_root = g_strdup (proc ? proc : "/proc");
  sys_root = g_strdup (sys ? sys : "/sys");
  cgroup_root = g_strdup (cgroup ? cgroup : "/sys/fs/cgroup");
}

void
svfs_roots_from_env (void)
{
  svfs_roots_configure (g_getenv ("SYSVISOR_FS_PROC_ROOT"), g_getenv ("SYSVISOR_FS_SYS_ROOT"),
                        g_getenv ("SYSVISOR_FS_CGROUP_ROOT"));
}

const char *
svfs_proc_root (void)
{
  return proc_root ? proc_root : "/proc";
}

const char *
svfs_sys_root (void)
{
  return sys_root ? sys_root : "/sys";
}

const char *
svfs_cgroup_root (void)
{
  return cgroup_root ? cgroup_root : "/sys/fs/cgroup";
}

/* Host and cgroup files are re-read on every render: keep them open and pread them from
 * offset 0, which makes procfs, sysfs and cgroupfs (seq_file) files show anew, saving the
 * open and close of each read.  /proc/PID files are never kept (pids come and go).  A cgroup
 * removed under an open file reads ENODEV: it is dropped and opened again by path. */
#define SVFS_FD_CACHE_MAX 256

typedef struct
{
  int fd;
  guint refs;  /* readers using fd now; the table holds one */
  gint64 used; /* monotonic us of the last read */
} CachedFd;

static GMutex fd_lock;
static GHashTable *fds; /* path -> CachedFd */

static void
cached_fd_unref_locked (CachedFd *c)
{
  if (--c->refs > 0)
    return;
  close (c->fd);
  g_free (c);
}

static void
cached_fd_drop (gpointer p)
{
  cached_fd_unref_locked (p);
}

static gboolean
keep_open (const char *path)
{
  const char *roots[] = { svfs_cgroup_root (), svfs_sys_root (), svfs_proc_root () };
  for (guint i = 0; i < G_N_ELEMENTS (roots); i++)
    {
      gsize n = strlen (roots[i]);
      if (strncmp (path, roots[i], n) != 0 || path[n] != '/')
        continue;
      const char *rest = path + n + 1;
      if (i < 2)
        return TRUE;
      return !g_ascii_isdigit (*rest) && !g_str_has_prefix (rest, "self")
             && !g_str_has_prefix (rest, "thread-self");
    }
  return FALSE;
}

static CachedFd *
cached_fd_get (const char *path)
{
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&fd_lock);
  if (!fds)
    fds = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, cached_fd_drop);
  CachedFd *c = g_hash_table_lookup (fds, path);
  if (!c)
    {
      int fd = open (path, O_RDONLY | O_CLOEXEC);
      struct statfs fs;
      /* Only kernel files show anew at offset 0; a test's fake root of plain files is
       * replaced by rename, which an open fd would not see. */
      if (fd >= 0
          && (fstatfs (fd, &fs) < 0
              || (fs.f_type != PROC_SUPER_MAGIC && fs.f_type != SYSFS_MAGIC
                  && fs.f_type != CGROUP_SUPER_MAGIC && fs.f_type != CGROUP2_SUPER_MAGIC)))
        sv_close_fdp (&fd);
      if (fd < 0)
        return NULL;
      if (g_hash_table_size (fds) >= SVFS_FD_CACHE_MAX)
        g_hash_table_remove_all (fds);
      c = g_new (CachedFd, 1);
      *c = (CachedFd){ fd, 1, 0 };
      g_hash_table_insert (fds, g_strdup (path), c);
    }
  c->refs++;
  c->used = g_get_monotonic_time ();
  return c;
}

static gboolean
unused_since (gpointer key, gpointer value, gpointer since)
{
  return ((const CachedFd *) value)->used < *(const gint64 *) since;
}

/* An open cgroup file pins its cgroup after the container is gone (a removed memory cgroup
 * stays in the kernel while a file of it is open): close what no render read lately. */
void
svfs_read_cache_expire (gint64 unused_us)
{
  gint64 since = g_get_monotonic_time () - unused_us;
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&fd_lock);
  if (fds)
    g_hash_table_foreach_remove (fds, unused_since, &since);
}

static void
cached_fd_put (const char *path, CachedFd *c, gboolean stale)
{
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&fd_lock);
  if (stale && g_hash_table_lookup (fds, path) == c)
    g_hash_table_remove (fds, path);
  cached_fd_unref_locked (c);
}

/* The whole file in one pread (a short read is the end of a seq_file), or NULL: then the
 * caller reads it by path, which also reports any error. */
static gchar *
read_kept_open (const char *path, gsize *len)
{
  CachedFd *c = cached_fd_get (path);
  if (!c)
    return NULL;
  gchar *buf = NULL;
  gssize n = -1;
  for (gsize cap = 16384; cap <= 1024 * 1024; cap *= 4)
    {
      buf = g_realloc (buf, cap);
      do
        n = pread (c->fd, buf, cap - 1, 0);
      while (n < 0 && errno == EINTR);
      if (n < 0 || (gsize) n < cap - 1)
        break;
      n = -1;
    }
  cached_fd_put (path, c, n < 0);
  if (n < 0)
    {
      g_free (buf);
      return NULL;
    }
  buf[n] = '\0';
  if (len)
    *len = n;
  return g_realloc (buf, n + 1);
}

gchar *
svfs_read_file (const char *path, gsize *len, GError **error)
{
  gchar *kept = keep_open (path) ? read_kept_open (path, len) : NULL;
  if (kept)
    return kept;
  sv_autofd fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      int saved = errno;
      sv_set_file_error_errno (error, saved, "open %s", path);
      return NULL;
    }
  g_autoptr (GString) out = g_string_sized_new (4096);
  char chunk[8192];
  for (;;)
    {
      gssize n = read (fd, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          sv_set_file_error_errno (error, saved, "read %s", path);
          return NULL;
        }
      if (n == 0)
        break;
      g_string_append_len (out, chunk, n);
    }
  if (len)
    *len = out->len;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

gboolean
svfs_read_u64 (const char *path, guint64 *value, gboolean *unlimited, GError **error)
{
  g_autofree gchar *text = svfs_read_file (path, NULL, error);
  if (!text)
    return FALSE;
  g_strstrip (text);
  *unlimited = FALSE;
  *value = G_MAXUINT64;
  if (g_str_equal (text, "max"))
    {
      *unlimited = TRUE;
      return TRUE;
    }
  char *end = NULL;
  errno = 0;
  guint64 v = g_ascii_strtoull (text, &end, 10);
  if (errno != 0 || end == text || (*end != '\0' && !g_ascii_isspace (*end)))
    {
      g_set_error (error, SVFS_ERROR, SVFS_ERROR_INVALID_DATA, "%s: not a number: '%s'", path,
                   text);
      return FALSE;
    }
  *value = v;
  /* cgroup v1 reports "no limit" as a page-aligned LONG_MAX. */
  if (v >= (guint64) G_MAXINT64 - 65536 * 4)
    *unlimited = TRUE;
  return TRUE;
}

gboolean
svfs_read_i64 (const char *path, gint64 *value, GError **error)
{
  g_autofree gchar *text = svfs_read_file (path, NULL, error);
  if (!text)
    return FALSE;
  g_strstrip (text);
  char *end = NULL;
  errno = 0;
  *value = g_ascii_strtoll (text, &end, 10);
  if (errno != 0 || end == text)
    {
      g_set_error (error, SVFS_ERROR, SVFS_ERROR_INVALID_DATA, "%s: not a number: '%s'", path,
                   text);
      return FALSE;
    }
  return TRUE;
}

gboolean
svfs_pid_start_time (pid_t pid, guint64 *start, GError **error)
{
  g_autofree gchar *path = g_strdup_printf ("%s/%d/stat", svfs_proc_root (), (int) pid);
  g_autofree gchar *text = svfs_read_file (path, NULL, error);
  if (!text)
    return FALSE;
  /* The command name may hold spaces and ')': fields start after the last ')'. */
  const char *p = strrchr (text, ')');
  g_auto (GStrv) fields = p ? g_strsplit (p + 2, " ", 0) : NULL;
  /* fields[0] is field 3 (state), so field 22 is fields[19]. */
  if (!fields || g_strv_length (fields) < 20)
    {
      g_set_error (error, SVFS_ERROR, SVFS_ERROR_INVALID_DATA, "%s: unexpected format", path);
      return FALSE;
    }
  *start = g_ascii_strtoull (fields[19], NULL, 10);
  return TRUE;
}

gboolean
svfs_pid_ns_inode (pid_t pid, guint64 *inode, GError **error)
{
  g_autofree gchar *path = pid > 0
                               ? g_strdup_printf ("%s/%d/ns/pid", svfs_proc_root (), (int) pid)
                               : g_strdup_printf ("%s/self/ns/pid", svfs_proc_root ());
  struct stat st;
  if (stat (path, &st) < 0)
    {
      int saved = errno;
      sv_set_file_error_errno (error, saved, "stat %s", path);
      return FALSE;
    }
  *inode = st.st_ino;
  return TRUE;
}

const char *
svfs_find_key (const char *text, const char *key)
{
  gsize klen = strlen (key);
  for (const char *line = text; line && *line;
       line = strchr (line, '\n'), line = line ? line + 1 : NULL)
    {
      if (strncmp (line, key, klen) == 0 && line[klen] == ':')
        {
          const char *v = line + klen + 1;
          while (*v == ' ' || *v == '\t')
            v++;
          return v;
        }
    }
  return NULL;
}

guint64
svfs_mount_attr_of (guint64 ms_flags, guint64 default_atime)
{
  static const struct
  {
    guint64 ms, attr;
  } flags[] = {
    { MS_RDONLY, MOUNT_ATTR_RDONLY },         { MS_NOSUID, MOUNT_ATTR_NOSUID },
    { MS_NODEV, MOUNT_ATTR_NODEV },           { MS_NOEXEC, MOUNT_ATTR_NOEXEC },
    { MS_NODIRATIME, MOUNT_ATTR_NODIRATIME }, { MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW },
  };
  guint64 a = 0;

  for (guint i = 0; i < G_N_ELEMENTS (flags); i++)
    if (ms_flags & flags[i].ms)
      a |= flags[i].attr;
  if (ms_flags & MS_NOATIME)
    a |= MOUNT_ATTR_NOATIME;
  else if (ms_flags & MS_STRICTATIME)
    a |= MOUNT_ATTR_STRICTATIME;
  else
    a |= default_atime;
  return a;
}

gboolean
svfs_write_replace (const char *path, const char *data, gsize len, GError **error)
{
  g_autofree gchar *tmp = g_strdup_printf ("%s.tmp-%d", path, (int) getpid ());
  sv_autofd fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);

  if (fd < 0)
    {
      sv_set_file_error_errno (error, errno, "create %s", tmp);
      return FALSE;
    }
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          sv_set_file_error_errno (error, n < 0 ? errno : EIO, "write %s", tmp);
          unlink (tmp);
          return FALSE;
        }
      data += n;
      len -= (gsize) n;
    }
  if (rename (tmp, path) < 0)
    {
      sv_set_file_error_errno (error, errno, "rename %s to %s", tmp, path);
      unlink (tmp);
      return FALSE;
    }
  return TRUE;
}
