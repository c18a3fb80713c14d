/* sv-file.c: whole writes, files replaced atomically, lock files, trees removed (sv-file.h). */
#include "sv-file.h"

#include "sv-error.h"
#include "sv-fd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

gboolean
sv_write_all (int fd, const void *buf, gsize len)
{
  const char *p = buf;

  while (len > 0)
    {
      ssize_t n = write (fd, p, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      p += n;
      len -= (gsize) n;
    }
  return TRUE;
}

gssize
sv_read_all (int fd, void *buf, gsize len)
{
  char *p = buf;
  gsize got = 0;

  while (got < len)
    {
      ssize_t n = read (fd, p + got, len - got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -1;
      if (n == 0)
        break;
      got += (gsize) n;
    }
  return (gssize) got;
}

char *
sv_read_fd_to_end (int fd, gsize *len)
{
  GString *text = g_string_new (NULL);
  char buf[16384];
  gssize n;

  while ((n = read (fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0)
      g_string_append_len (text, buf, n);
  if (n < 0)
    {
      int errsv = errno;
      g_string_free (text, TRUE);
      errno = errsv;
      return NULL;
    }
  if (len != NULL)
    *len = text->len;
  return g_string_free (text, FALSE);
}

char *
sv_file_read_text (const char *path, gsize *len)
{
  sv_autofd fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return NULL;
  return sv_read_fd_to_end (fd, len);
}

gboolean
sv_file_read_optional (const char *path, int flags, char **contents, gsize *len, int *fd_out,
                       GError **error)
{
  sv_autofd fd = open (path, O_RDONLY | O_CLOEXEC | flags);

  *contents = NULL;
  if (len != NULL)
    *len = 0;
  if (fd_out != NULL)
    *fd_out = -1;
  if (fd < 0 && errno == ENOENT)
    return TRUE;
  if (fd < 0)
    {
      sv_set_error_errno (error, errno, "open %s", path);
      return FALSE;
    }
  *contents = sv_read_fd_to_end (fd, len);
  if (*contents == NULL)
    {
      sv_set_error_errno (error, errno, "read %s", path);
      return FALSE;
    }
  if (fd_out != NULL)
    *fd_out = g_steal_fd (&fd);
  return TRUE;
}

gboolean
sv_file_replace (const char *path, const char *data, gssize len, mode_t mode,
                 const char *tmp_suffix, SvWriteFlags flags, GError **error)
{
  g_autofree char *tmp = tmp_suffix != NULL
                             ? g_strconcat (path, tmp_suffix, NULL)
                             : g_strdup_printf ("%s.tmp-%d", path, (int) getpid ());
  int oflags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
  sv_autofd fd = -1;

  if (len < 0)
    len = (gssize) strlen (data);
  if (flags & SV_WRITE_NOFOLLOW)
    oflags |= O_NOFOLLOW;
  fd = open (tmp, oflags, mode);
  if (fd < 0)
    {
      sv_set_error_errno (error, errno, "create %s", tmp);
      return FALSE;
    }
  errno = 0;
  if (!sv_write_all (fd, data, (gsize) len) || ((flags & SV_WRITE_SYNC) && fsync (fd) < 0))
    {
      sv_set_error_errno (error, errno != 0 ? errno : EIO, "write %s", tmp);
      unlink (tmp);
      return FALSE;
    }
  sv_close_fdp (&fd);
  /* (no @path yet, or a filesystem that cannot exchange: the rename below) */
  if ((flags & SV_WRITE_EXCHANGE)
      && renameat2 (AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE) == 0)
    {
      unlink (tmp); /* the previous content */
      return TRUE;
    }
  if (rename (tmp, path) < 0)
    {
      sv_set_error_errno (error, errno, "rename %s to %s", tmp, path);
      unlink (tmp);
      return FALSE;
    }
  return TRUE;
}

gboolean
sv_write_file_atomic (const char *path, const char *data, gssize len, mode_t mode, GError **error)
{
  return sv_file_replace (path, data, len, mode, NULL, SV_WRITE_SYNC, error);
}

gboolean
sv_write_file_replace (const char *path, const char *data, gssize len, mode_t mode,
                       GError **error)
{
  return sv_file_replace (path, data, len, mode, NULL, SV_WRITE_EXCHANGE, error);
}

int
sv_lock_file (const char *path, gboolean missing_dir_ok, GError **error)
{
  sv_autofd fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

  if (fd < 0)
    {
      if (missing_dir_ok && errno == ENOENT)
        return -1;
      sv_set_error_errno (error, errno, "open lock file %s", path);
      return -1;
    }
  while (flock (fd, LOCK_EX) < 0)
    if (errno != EINTR)
      {
        sv_set_error_errno (error, errno, "lock %s", path);
        return -1;
      }
  return g_steal_fd (&fd);
}

gboolean
sv_file_remove_tree (const char *path, GError **error)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        {
          if (!sv_file_remove_tree (child, error))
            return FALSE;
        }
      else if (unlink (child) < 0 && errno != ENOENT)
        {
          sv_set_error_errno (error, errno, "remove %s", child);
          return FALSE;
        }
    }
  if (rmdir (path) < 0 && errno != ENOENT)
    {
      sv_set_error_errno (error, errno, "remove %s", path);
      return FALSE;
    }
  return TRUE;
}
