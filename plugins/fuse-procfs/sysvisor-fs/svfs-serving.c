/* sysvisor-fs: the lock file's path and the daemon's serving mark (see svfs-serving.h). */
#include "svfs-serving.h"

#include "sv-error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define DEV_KEY "\ndev="

gchar *
svfs_lock_path (const char *mountpoint)
{
  const char *dir = g_getenv ("SYSVISOR_FS_RUN_DIR");
  g_autofree gchar *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, mountpoint, -1);
  hash[16] = '\0';
  return g_strdup_printf ("%s/sysvisor-fs-%s.lock",
                          dir != NULL && dir[0] != '\0' ? dir : "/run/sysvisor-fs", hash);
}

gboolean
svfs_lock_parse (const char *text, pid_t *pid, guint *generation)
{
  int p = 0;
  unsigned g = 0;

  if (text == NULL || sscanf (text, "pid=%d\ngeneration=%u", &p, &g) != 2 || p <= 0)
    return FALSE;
  *pid = p;
  *generation = g;
  return TRUE;
}

/* The device of the filesystem on @path, from the attributes the kernel keeps: a FUSE root is
 * not asked (its daemon may be the caller, or not answer). */
static gboolean
device_of (const char *path, unsigned *major_out, unsigned *minor_out)
{
  struct statx stx;

  if (statx (AT_FDCWD, path, AT_STATX_DONT_SYNC, STATX_TYPE, &stx) < 0)
    return FALSE;
  *major_out = stx.stx_dev_major;
  *minor_out = stx.stx_dev_minor;
  return TRUE;
}

static gboolean
set_lock (int fd, short type)
{
  struct flock lk = { .l_type = type, .l_whence = SEEK_SET };

  return fcntl (fd, F_OFD_SETLK, &lk) == 0;
}

gboolean
svfs_serving_mark (int lock_fd, const char *mountpoint, GError **error)
{
  unsigned maj, min;
  struct stat st;
  char line[64];
  int len;

  if (!device_of (mountpoint, &maj, &min))
    {
      sv_set_file_error_errno (error, errno, "stat %s", mountpoint);
      return FALSE;
    }
  /* The dev line goes after what svfs_lock_write wrote, in one write, so a reader sees the
   * whole line or none of it (the file's size grows only once the bytes are in). */
  len = snprintf (line, sizeof line, "dev=%u:%u\n", maj, min);
  if (fstat (lock_fd, &st) < 0 || pwrite (lock_fd, line, len, st.st_size) != len
      || !set_lock (lock_fd, F_RDLCK))
    {
      sv_set_file_error_errno (error, errno, "mark the lock file as serving");
      return FALSE;
    }
  return TRUE;
}

void
svfs_serving_unmark (int lock_fd)
{
  set_lock (lock_fd, F_UNLCK);
}

/* Whether anyone holds a lock on @fd's file that a write lock would conflict with: only the
 * serving mark is an OFD lock on that file (the one-daemon lock is a flock). */
static gboolean
marked (int fd)
{
  struct flock lk = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

  return fcntl (fd, F_OFD_GETLK, &lk) == 0 && lk.l_type == F_RDLCK;
}

/* The dev line of the lock file's text: a whole line ("\n" ends it), or FALSE. */
static gboolean
marked_device (int fd, unsigned *major_out, unsigned *minor_out)
{
  char text[1024];
  ssize_t n = pread (fd, text, sizeof text - 1, 0);
  const char *at;
  char end = '\0';

  if (n <= 0)
    return FALSE;
  text[n] = '\0';
  at = strstr (text, DEV_KEY);
  return at != NULL && sscanf (at + strlen (DEV_KEY), "%u:%u%c", major_out, minor_out, &end) == 3
         && end == '\n';
}

gboolean
svfs_serving (const char *mountpoint)
{
  g_autofree gchar *path = svfs_lock_path (mountpoint);
  unsigned want_major, want_minor, maj, min;
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  gboolean ok;

  if (fd < 0)
    return FALSE;
  ok = marked (fd) && marked_device (fd, &want_major, &want_minor);
  close (fd);
  return ok && device_of (mountpoint, &maj, &min) && maj == want_major && min == want_minor;
}
