/* utils.c: small helpers shared by the core. */
#include "utils.h"
#include "sv-file.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

gboolean
sv_write_existing_file (const char *path, const char *data, GError **error)
{
  sv_autofd fd = open (path, O_WRONLY | O_CLOEXEC);

  if (fd < 0)
    {
      sv_set_error_errno (error, errno, "open %s", path);
      return FALSE;
    }
  if (!sv_write_all (fd, data, strlen (data)))
    {
      sv_set_error_errno (error, errno, "write \"%s\" to %s", data, path);
      return FALSE;
    }
  return TRUE;
}

/* mkdir, then its missing parents only when it says ENOENT: one or two calls for a directory
 * whose parent exists, where g_mkdir_with_parents tests every component of the path from the
 * root (access and stat each: ~18 calls for a storage path, 5 of them per create). */
static int
mkdir_parents (const char *path, mode_t mode)
{
  struct stat st;
  g_autofree char *parent = NULL;

  if (mkdir (path, mode) == 0)
    return 0;
  if (errno == EEXIST)
    return stat (path, &st) == 0 && S_ISDIR (st.st_mode) ? 0 : (errno = EEXIST, -1);
  if (errno != ENOENT)
    return -1;
  parent = g_path_get_dirname (path);
  if (strcmp (parent, path) == 0 || strcmp (parent, ".") == 0 || mkdir_parents (parent, mode) < 0)
    return -1;
  if (mkdir (path, mode) == 0 || errno == EEXIST)
    return 0;
  return -1;
}

gboolean
sv_mkdir_p (const char *path, mode_t mode, GError **error)
{
  if (path[0] == '\0' || mkdir_parents (path, mode) < 0)
    {
      sv_set_error_errno (error, path[0] == '\0' ? EINVAL : errno, "create directory %s", path);
      return FALSE;
    }
  return TRUE;
}

/* Fields 3, 4 and 22 of /proc/PID/stat. */
typedef struct
{
  char state;
  pid_t ppid;
  guint64 starttime;
} ProcStat;

/* Split /proc/PID/stat after the command name, which may hold spaces and parentheses. */
static gboolean
read_proc_stat (pid_t pid, ProcStat *out)
{
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_auto (GStrv) fields = NULL;
  char *rparen;

  if (pid <= 0)
    return FALSE;
  path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  if ((contents = sv_file_read_text (path, NULL)) == NULL)
    return FALSE;
  rparen = strrchr (contents, ')');
  if (rparen == NULL || rparen[1] == '\0')
    return FALSE;
  fields = g_strsplit (rparen + 2, " ", 0);
  /* fields[0] is field 3 (state); field 22 (starttime) is fields[19]. */
  if (g_strv_length (fields) < 20)
    return FALSE;
  out->state = fields[0][0];
  out->ppid = (pid_t) g_ascii_strtoll (fields[1], NULL, 10);
  out->starttime = g_ascii_strtoull (fields[19], NULL, 10);
  return TRUE;
}

guint64
sv_proc_starttime (pid_t pid)
{
  ProcStat ps;

  return read_proc_stat (pid, &ps) ? ps.starttime : 0;
}

pid_t
sv_proc_ppid (pid_t pid)
{
  ProcStat ps;

  return read_proc_stat (pid, &ps) ? ps.ppid : -1;
}

gboolean
sv_proc_alive (pid_t pid, guint64 starttime)
{
  ProcStat ps;

  if (!read_proc_stat (pid, &ps) || ps.state == 'Z' || ps.state == 'X')
    return FALSE;
  return starttime == 0 || ps.starttime == starttime;
}

gboolean
sv_send_fds (int sock, const int *fds, guint n_fds, GError **error)
{
  char byte = 'F';
  struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
  g_autofree char *cbuf = g_malloc0 (CMSG_SPACE (sizeof (int) * n_fds));
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
  struct cmsghdr *cmsg;

  if (n_fds > 0)
    {
      msg.msg_control = cbuf;
      msg.msg_controllen = CMSG_SPACE (sizeof (int) * n_fds);
      cmsg = CMSG_FIRSTHDR (&msg);
      cmsg->cmsg_level = SOL_SOCKET;
      cmsg->cmsg_type = SCM_RIGHTS;
      cmsg->cmsg_len = CMSG_LEN (sizeof (int) * n_fds);
      memcpy (CMSG_DATA (cmsg), fds, sizeof (int) * n_fds);
    }
  while (sendmsg (sock, &msg, MSG_NOSIGNAL) < 0)
    {
      if (errno == EINTR)
        continue;
      sv_set_error_errno (error, errno, "send file descriptors");
      return FALSE;
    }
  return TRUE;
}

gboolean
sv_recv_fds (int sock, int *fds, guint n_fds, GError **error)
{
  char byte;
  struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
  g_autofree char *cbuf = g_malloc0 (CMSG_SPACE (sizeof (int) * MAX (n_fds, 1)));
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
  struct cmsghdr *cmsg;
  ssize_t n;

  msg.msg_control = cbuf;
  msg.msg_controllen = CMSG_SPACE (sizeof (int) * MAX (n_fds, 1));
  do
    n = recvmsg (sock, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n <= 0)
    {
      sv_set_error_errno (error, n == 0 ? EPIPE : errno, "receive file descriptors");
      return FALSE;
    }
  if (n_fds == 0)
    return TRUE;
  cmsg = CMSG_FIRSTHDR (&msg);
  if (cmsg == NULL || cmsg->cmsg_type != SCM_RIGHTS
      || cmsg->cmsg_len != CMSG_LEN (sizeof (int) * n_fds))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "receive file descriptors: expected %u", n_fds);
      return FALSE;
    }
  memcpy (fds, CMSG_DATA (cmsg), sizeof (int) * n_fds);
  return TRUE;
}

char *
sv_rfc3339_now (void)
{
  struct timespec ts;
  struct tm tm;

  /* Formatted by hand: strftime() calls tzset(), which reads /etc/localtime for a UTC time. */
  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  return g_strdup_printf ("%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
                          tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                          (long) ts.tv_nsec);
}
