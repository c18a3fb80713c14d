/* sysvisor-fs: the per-mountpoint lock and pid file. */
#include "svfs-lock.h"
#include "sv-error.h"

#include "svfs-util.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

int
svfs_lock_acquire (const char *mountpoint, GError **error)
{
  g_autofree gchar *path = svfs_lock_path (mountpoint);
  g_autofree gchar *dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0755) < 0)
    {
      int saved = errno;
      sv_set_file_error_errno (error, saved, "create %s", dir);
      return -1;
    }
  sv_autofd fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0 || flock (fd, LOCK_EX | LOCK_NB) < 0)
    {
      int saved = errno;
      g_autofree gchar *text = svfs_read_file (path, NULL, NULL);
      pid_t pid;
      guint gen;
      if (saved == EWOULDBLOCK && svfs_lock_parse (text, &pid, &gen))
        g_set_error (error, SVFS_ERROR, SVFS_ERROR_BUSY,
                     "%s is already served by sysvisor-fs (pid %d); stop it first, or upgrade "
                     "it in place with 'sysvisor-fs --restart --mountpoint %s'",
                     mountpoint, (int) pid, mountpoint);
      else
        g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "lock %s: %s", path,
                     saved == EWOULDBLOCK ? "held by another sysvisor-fs" : sv_strerror (saved));
      return -1;
    }
  return g_steal_fd (&fd);
}

gboolean
svfs_lock_write (int fd, const char *mountpoint, pid_t pid, guint generation, GError **error)
{
  g_autofree gchar *text = g_strdup_printf ("pid=%d\ngeneration=%u\nmountpoint=%s\n", (int) pid,
                                            generation, mountpoint);
  if (ftruncate (fd, 0) < 0 || pwrite (fd, text, strlen (text), 0) != (gssize) strlen (text))
    {
      int saved = errno;
      sv_set_file_error_errno (error, saved, "write lock file");
      return FALSE;
    }
  return TRUE;
}

gboolean
svfs_lock_read (const char *mountpoint, pid_t *pid, guint *generation, GError **error)
{
  g_autofree gchar *path = svfs_lock_path (mountpoint);
  sv_autofd fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd >= 0 && flock (fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK)
    {
      g_autofree gchar *text = svfs_read_file (path, NULL, NULL);
      if (svfs_lock_parse (text, pid, generation))
        return TRUE;
    }
  g_set_error (error, SVFS_ERROR, SVFS_ERROR_NOT_FOUND,
               "no sysvisor-fs runs on %s; start it with 'sysvisor-fs --mountpoint %s'",
               mountpoint, mountpoint);
  return FALSE;
}
