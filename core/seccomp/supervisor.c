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

#ifndef __NR_open_tree_attr
#define __NR_open_tree_attr 467
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif

int
sv_supervisor_load_filter (void)
{
  /* x86_64 only: other architectures (and the x32/i386 ABIs) run their calls unsupervised.
   * Trapped: sysinfo, every mount and umount2 (the supervisor keeps the runtime's mounts
   * immutable and makes the allowed ones itself, on fds, so that no path can be swapped under
   * its check; it lets the kernel run what needs no check; a new procfs or sysfs it makes for the
   * caller with the emulated files over it).  The new mount API (move_mount,
   * open_tree with OPEN_TREE_CLONE, fsopen, fsmount, fspick, mount_setattr) answers ENOSYS,
   * so that mount tools fall back on mount(2): none of it can get around those checks. */
  enum
  {
    L_ALLOW = 13,
    L_OPEN_TREE,
    L_ENOSYS = 17,
    L_NOTIF,
  };
#define SV_JEQ_TO(nr, label, at) BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, (nr), (label) - (at) - 1, 0)
  struct sock_filter code[] = {
    /* 0 */ BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, arch)),
    /* 1 */ BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, L_ALLOW - 2),
    /* 2 */ BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr)),
    /* 3 */ SV_JEQ_TO (__NR_sysinfo, L_NOTIF, 3),
    /* 4 */ SV_JEQ_TO (__NR_mount, L_NOTIF, 4),
    /* 5 */ SV_JEQ_TO (__NR_umount2, L_NOTIF, 5),
    /* 6 */ SV_JEQ_TO (__NR_open_tree, L_OPEN_TREE, 6),
    /* 7 */ SV_JEQ_TO (__NR_move_mount, L_ENOSYS, 7),
    /* 8 */ SV_JEQ_TO (__NR_fsopen, L_ENOSYS, 8),
    /* 9 */ SV_JEQ_TO (__NR_fsmount, L_ENOSYS, 9),
    /* 10 */ SV_JEQ_TO (__NR_fspick, L_ENOSYS, 10),
    /* 11 */ SV_JEQ_TO (__NR_mount_setattr, L_ENOSYS, 11),
    /* 12 */ SV_JEQ_TO (__NR_open_tree_attr, L_ENOSYS, 12),
    /* 13 L_ALLOW */ BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    /* 14 L_OPEN_TREE */ BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, args[2])),
    /* 15 */ BPF_JUMP (BPF_JMP | BPF_JSET | BPF_K, OPEN_TREE_CLONE, L_ENOSYS - 16, 0),
    /* 16 */ BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    /* 17 L_ENOSYS */ BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
    /* 18 L_NOTIF */ BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
  };
#undef SV_JEQ_TO
  struct sock_fprog prog = { .len = G_N_ELEMENTS (code), .filter = code };
  long fd;

  G_STATIC_ASSERT (G_N_ELEMENTS (code) == L_NOTIF + 1);
  fd = syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
  return fd < 0 ? -errno : (int) fd;
}

/* Without a supervisor (procfs = none, supervise = no, a seccomp agent of the user's): a bind
 * remount that does not ask for read-only gets EPERM whatever the client's profile (even none):
 * the kernel does not lock the read-only flag of a mount the runtime made in the container's
 * own mount namespace.  mount_setattr stays as the client's profile has it (a runtime nested
 * inside needs it to ID-map; its attr_clr cannot be seen by a filter): with no profile it can
 * still clear read-only (README, Security).  x86_64 only, as the supervisor. */
int
sv_supervisor_load_flat_filter (void)
{
  struct sock_filter code[] = {
    /* 0 */ BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, arch)),
    /* 1 */ BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 5),
    /* 2 */ BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr)),
    /* 3 */ BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, __NR_mount, 0, 3),
    /* 4 */ BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, args[3])),
    /* 5 */ BPF_STMT (BPF_ALU | BPF_AND | BPF_K, MS_REMOUNT | MS_BIND | MS_RDONLY),
    /* 6 */ BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, MS_REMOUNT | MS_BIND, 1, 0),
    /* 7 */ BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    /* 8 */ BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
  };
  struct sock_fprog prog = { .len = G_N_ELEMENTS (code), .filter = code };

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
  g_autofree char *text = g_strdup_printf ("v1 %d %s%s%s", (int) pid, id,
                                           options != NULL ? " " : "",
                                           options != NULL ? options : "");
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
  const char *space = strchr (address, ' ');
  g_autofree char *socket_address = g_strndup (address, space != NULL ? (gsize) (space - address)
                                                                      : strlen (address));
  socklen_t len = fill_address (&sun, socket_address);
  struct timeval tv = { .tv_sec = SV_SUPERVISOR_TIMEOUT_S };
  sv_autofd sock = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

  if (len == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "syscall supervisor address \"%s\" is not a valid unix socket address",
                   socket_address);
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
                   socket_address, g_strerror (errsv));
      return FALSE;
    }
  if (!send_listener (sock, listener, id, pid, space != NULL ? space + 1 : NULL, error)
      || !read_answer (sock, error))
    {
      g_prefix_error (error, "syscall supervisor %s: ", socket_address);
      return FALSE;
    }
  return TRUE;
}
