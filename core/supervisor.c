/* supervisor.c: the notifying seccomp filter and the hand-over of its listener. */
#include "supervisor.h"

#include "utils.h"

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

int
sv_supervisor_load_filter (void)
{
  /* x86_64 only: other architectures (and the x32/i386 ABIs) run their calls unsupervised.
   * Trapped: sysinfo, and mount(MS_REMOUNT|MS_BIND) without MS_RDONLY (it could make a
   * read-only mount of the runtime's writable: the supervisor refuses it on a read-only
   * mount and makes it itself otherwise, so no path can be swapped under the check).
   * Also trapped: mount(2) creating a filesystem (no bind, remount, move or propagation flag;
   * an old MS_MGC_VAL in the high bits is ignored, as the kernel does) and fsopen(2): the
   * supervisor gives a procfs or sysfs the emulated files and lets anything else run. */
  struct sock_filter code[] = {
    /* 0 */ BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, arch)),
    /* 1 */ BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 17),
    /* 2 */ BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr)),
    /* 3 */ BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, __NR_sysinfo, 14, 0),
    /* 4 */ BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, __NR_fsopen, 13, 0),
    /* 5 */ BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, __NR_mount, 0, 13),
    /* 6 */ BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, args[3])),
    /* 7 */ BPF_STMT (BPF_ALU | BPF_AND | BPF_K, MS_REMOUNT | MS_BIND | MS_RDONLY),
    /* 8 */ BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, MS_REMOUNT | MS_BIND, 9, 0),
    /* 9 */ BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, args[3])),
    /* 10 */ BPF_STMT (BPF_ALU | BPF_AND | BPF_K, 0xffff0000u),
    /* 11 */ BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, MS_MGC_VAL, 0, 3),
    /* 12 */ BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, args[3])),
    /* 13 */ BPF_STMT (BPF_ALU | BPF_AND | BPF_K, MS_BIND | MS_REMOUNT | MS_MOVE),
    /* 14 */ BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, 0, 3, 4),
    /* 15 */ BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, args[3])),
    /* 16 */ BPF_STMT (BPF_ALU | BPF_AND | BPF_K, MS_BIND | MS_REMOUNT | MS_MOVE | MS_SHARED
                                                  | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE),
    /* 17 */ BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1),
    /* 18 */ BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
    /* 19 */ BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = { .len = G_N_ELEMENTS (code), .filter = code };
  long fd = syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
                     &prog);

  return fd < 0 ? -errno : (int) fd;
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

static gboolean
send_listener (int sock, int listener, const char *id, pid_t pid, GError **error)
{
  g_autofree char *text = g_strdup_printf ("v1 %d %s", (int) pid, id);
  char control[CMSG_SPACE (sizeof (int))] = { 0 };
  struct iovec iov = { .iov_base = text, .iov_len = strlen (text) };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                        .msg_controllen = sizeof control };
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

gboolean
sv_supervisor_hand_over (const char *address, int listener, const char *id, pid_t pid,
                         GError **error)
{
  struct sockaddr_un sun;
  socklen_t len = fill_address (&sun, address);
  struct timeval tv = { .tv_sec = SV_SUPERVISOR_TIMEOUT_S };
  sv_autofd sock = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

  if (len == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "syscall supervisor address \"%s\" is not a valid unix socket address",
                   address);
      return FALSE;
    }
  if (sock < 0 || setsockopt (sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0
      || setsockopt (sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0)
    {
      sv_set_error_errno (error, errno, "socket");
      return FALSE;
    }
  if (connect (sock, (struct sockaddr *) &sun, len) < 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "the syscall supervisor %s (sysvisor-fs) does not answer: %s; start "
                   "sysvisor-fs (systemctl start sysvisor), or set supervise = no in "
                   "plugins.conf [fuse-procfs]",
                   address, g_strerror (errsv));
      return FALSE;
    }
  if (!send_listener (sock, listener, id, pid, error) || !read_answer (sock, error))
    {
      g_prefix_error (error, "syscall supervisor %s: ", address);
      return FALSE;
    }
  return TRUE;
}
