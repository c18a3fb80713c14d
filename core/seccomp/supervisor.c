/* supervisor.c: the notifying seccomp filter and the hand-over of its listener. */
#include "supervisor.h"

#include "mount-rules.h"
#include "utils.h"
#include "sv-error.h"

#include <errno.h>
#include <gio/gio.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#define SV_SUPERVISOR_TIMEOUT_S 10

/* The notifying filter: sysinfo and the supervised column of the mount rules (mount-rules.c:
 * every mount and umount2 trapped, the new mount API answering ENOSYS). */
int
sv_supervisor_load_filter (void)
{
  struct sock_filter code[SV_MOUNT_FILTER_MAX];
  struct sock_fprog prog = { .filter = code };
  long fd;

  prog.len = (unsigned short) sv_mount_rules_filter (SV_MOUNT_FILTER_SUPERVISOR, code);
  fd = syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
  return fd < 0 ? -errno : (int) fd;
}

/* Without a supervisor (procfs = none, supervise = no, a seccomp agent of the user's): the
 * rules marked SV_MOUNT_IN_FLAT (a bind remount that does not ask for read-only gets EPERM),
 * whatever the client's profile (even none); mount_setattr stays as that profile has it. */
int
sv_supervisor_load_flat_filter (void)
{
  struct sock_filter code[SV_MOUNT_FILTER_MAX];
  struct sock_fprog prog = { .filter = code };

  prog.len = (unsigned short) sv_mount_rules_filter (SV_MOUNT_FILTER_FLAT, code);
  return syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0 ? -errno : 0;
}

/* "@name" is an abstract socket (as systemd writes them); anything else a path. */
static socklen_t
fill_address (struct sockaddr_un *sun, const char *address)
{
  gsize n = strlen (address);

  memset (sun, 0, sizeof *sun);
  sun->sun_family = AF_UNIX;
  if (n == 0 || n >= sizeof sun->sun_path)
    return 0;
  memcpy (sun->sun_path, address, n);
  if (address[0] == '@')
    sun->sun_path[0] = '\0';
  return (socklen_t) (offsetof (struct sockaddr_un, sun_path) + n + (address[0] == '@' ? 0 : 1));
}

/* "v1 PID ID[ OPTIONS]": OPTIONS are the words that follow the address in the plugin's
 * supervisor string ("@sysvisor-fs/HASH immutable=no"), for the supervisor. */
static gboolean
send_listener (int sock, int listener, const char *id, pid_t pid, const char *options,
               GError **error)
{
  g_autofree char *text =
      g_strdup_printf ("v1 %d %s%s%s", (int) pid, id, options != NULL ? " " : "",
                       options != NULL ? options : "");
  char control[CMSG_SPACE (sizeof (int))] = { 0 };
  struct iovec iov = { .iov_base = text, .iov_len = strlen (text) };
  struct msghdr msg = {
    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control
  };
  struct cmsghdr *cmsg = CMSG_FIRSTHDR (&msg);

  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (cmsg), &listener, sizeof (int));
  if (sendmsg (sock, &msg, MSG_NOSIGNAL) < 0)
    {
      sv_set_error_errno (error, errno, "send the seccomp listener");
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_answer (int sock, GError **error)
{
  char answer[512];
  ssize_t n = recv (sock, answer, sizeof answer - 1, 0);

  if (n < 0)
    {
      sv_set_error_errno (error, errno, "no answer");
      return FALSE;
    }
  answer[n] = '\0';
  if (n == 0 || strcmp (answer, "ok") != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "refused: %s",
                   n == 0 ? "connection closed" : answer);
      return FALSE;
    }
  return TRUE;
}

int
sv_supervisor_send (const char *address, int listener, const char *who, const char *id, pid_t pid,
                    GError **error)
{
  struct sockaddr_un sun;
  const char *space = strchr (address, ' ');
  g_autofree char *socket_address =
      g_strndup (address, space != NULL ? (gsize) (space - address) : strlen (address));
  socklen_t len = fill_address (&sun, socket_address);
  struct timeval tv = { .tv_sec = SV_SUPERVISOR_TIMEOUT_S };
  sv_autofd sock = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

  if (listener < 0)
    {
      g_warning ("%s inherits another seccomp listener (nested in a supervised container?): "
                 "the outer supervisor answers its syscalls",
                 who);
      return -2;
    }
  if (len == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "syscall supervisor address \"%s\" is not a valid unix socket address",
                   socket_address);
      return -1;
    }
  if (sock < 0 || setsockopt (sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0
      || setsockopt (sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0)
    {
      sv_set_error_errno (error, errno, "socket");
      return -1;
    }
  if (connect (sock, (struct sockaddr *) &sun, len) < 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "the syscall supervisor %s (sysvisor-fs) does not answer: %s; start "
                   "sysvisor-fs (systemctl start sysvisor), or set supervise = no in "
                   "plugins.conf [fuse-procfs]",
                   socket_address, sv_strerror (errsv));
      return -1;
    }
  if (!send_listener (sock, listener, id, pid, space != NULL ? space + 1 : NULL, error))
    {
      g_prefix_error (error, "syscall supervisor %s: ", socket_address);
      return -1;
    }
  return g_steal_fd (&sock);
}

gboolean
sv_supervisor_await (const char *address, int sock, GError **error)
{
  sv_autofd fd = sock;
  const char *space = strchr (address, ' ');

  if (sock == -2)
    return TRUE;
  if (sock < 0 || !read_answer (fd, error))
    {
      if (sock >= 0)
        g_prefix_error (error, "syscall supervisor %.*s: ",
                        (int) (space != NULL ? space - address : (gssize) strlen (address)),
                        address);
      return FALSE;
    }
  return TRUE;
}

gboolean
sv_supervisor_hand_over (const char *address, int listener, const char *who, const char *id,
                         pid_t pid, GError **error)
{
  int sock = sv_supervisor_send (address, listener, who, id, pid, error);

  return sock != -1 && sv_supervisor_await (address, sock, error);
}
