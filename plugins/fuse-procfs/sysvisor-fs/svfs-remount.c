/* sysvisor-fs: mount(MS_REMOUNT|MS_BIND) without MS_RDONLY, trapped for a container process.
 *
 * Such a remount can clear the read-only flag of a mount the runtime made read-only (a `:ro`
 * volume, a read-only rootfs, readonlyPaths): the kernel does not lock those flags, as the
 * runtime made them inside the container's user namespace.  The call is refused (EPERM) when
 * its target is a read-only mount; otherwise it is made here, as the caller would: a child
 * joins the caller's user and mount namespaces, root and working directory, resolves the path
 * it read once into an fd, checks that mount and applies the flags to that very fd
 * (mount_setattr), so the path cannot change between the check and the change.  The kernel
 * still checks everything against the caller's namespaces (locked flags included). */
#include "svfs-supervisor.h"
#include "svfs-keeper.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <linux/mount.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define REMOUNT_PATH_MAX 4096
#define SVFS_PIDFD_THREAD O_EXCL

/* The NUL-terminated string at @addr in @pid's memory; NULL if unreadable or too long. */
gchar *
svfs_read_caller_string (pid_t pid, guint64 addr)
{
  g_autofree gchar *buf = g_malloc0 (REMOUNT_PATH_MAX + 1);
  gsize got = 0;

  /* page by page: a string near the end of a mapping must not fail as a whole */
  while (got < REMOUNT_PATH_MAX)
    {
      gsize chunk = 4096 - ((addr + got) & 4095);
      struct iovec local = { .iov_base = buf + got, .iov_len = MIN (chunk, REMOUNT_PATH_MAX - got) };
      struct iovec remote = { .iov_base = (void *) (uintptr_t) (addr + got), .iov_len = local.iov_len };
      ssize_t n = process_vm_readv (pid, &local, 1, &remote, 1, 0);
      if (n <= 0)
        return NULL;
      if (memchr (buf + got, '\0', n) != NULL)
        return g_steal_pointer (&buf);
      got += n;
    }
  return NULL;
}

static guint64
mount_attr_of (guint64 flags)
{
  guint64 a = 0;

  if (flags & MS_NOSUID)
    a |= MOUNT_ATTR_NOSUID;
  if (flags & MS_NODEV)
    a |= MOUNT_ATTR_NODEV;
  if (flags & MS_NOEXEC)
    a |= MOUNT_ATTR_NOEXEC;
  if (flags & MS_NOATIME)
    a |= MOUNT_ATTR_NOATIME;
  else if (flags & MS_STRICTATIME)
    a |= MOUNT_ATTR_STRICTATIME;
  else
    a |= MOUNT_ATTR_RELATIME;
  if (flags & MS_NODIRATIME)
    a |= MOUNT_ATTR_NODIRATIME;
  return a;
}

/* In the child: become the caller (namespaces, root, cwd), then check and remount the mount
 * of @target_fd (one of the caller's fds) or of @path.  Returns 0 or an errno. */
static int
remount_as_caller (int pidfd, int rootfd, int cwdfd, int target_fd, const char *path,
                   guint64 flags)
{
  struct mount_attr attr = { 0 };
  struct statvfs sv;
  int fd = target_fd;

  if (setns (pidfd, CLONE_NEWUSER | CLONE_NEWNS) < 0 || fchdir (rootfd) < 0 || chroot (".") < 0
      || fchdir (cwdfd) < 0)
    return errno;
  svfs_child_joined ();
  if (fd < 0)
    fd = (int) syscall (SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLOEXEC);
  if (fd < 0)
    return errno;
  if (fstatvfs (fd, &sv) < 0)
    return errno;
  if (sv.f_flag & ST_RDONLY)
    return EPERM;
  attr.attr_set = mount_attr_of (flags);
  attr.attr_clr = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC
                  | MOUNT_ATTR__ATIME | MOUNT_ATTR_NODIRATIME;
  if (syscall (SYS_mount_setattr, fd, "", AT_EMPTY_PATH | ((flags & MS_REC) ? AT_RECURSIVE : 0),
               &attr, sizeof attr)
      < 0)
    return errno;
  return 0;
}

static int
run_child (int pidfd, int rootfd, int cwdfd, int target_fd, const char *path, guint64 flags)
{
  pid_t child = fork ();

  if (child == 0)
    {
      svfs_child_after_fork ();
      _exit (remount_as_caller (pidfd, rootfd, cwdfd, target_fd, path, flags));
    }
  if (child < 0)
    return errno;
  return svfs_wait_child (child, SVFS_CHILD_DEADLINE_MS);
}

void
svfs_child_after_fork (void)
{
  int conn = svfs_keeper_connection ();

  if (conn >= 0)
    close (conn);
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* Joining a user namespace changes the credentials, which clears the parent-death signal. */
void
svfs_child_joined (void)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static gpointer
reap (gpointer data)
{
  while (waitpid (GPOINTER_TO_INT (data), NULL, 0) < 0 && errno == EINTR)
    ;
  return NULL;
}

/* A killed child that does not exit at once (stuck in an uninterruptible wait) is reaped by a
 * thread of its own: the answer does not wait for it. */
static void
kill_child (pid_t child, int pidfd)
{
  struct pollfd p = { .fd = pidfd, .events = POLLIN };
  GThread *t;

  kill (child, SIGKILL);
  if (poll (&p, 1, SVFS_CHILD_KILL_WAIT_MS) == 1)
    reap (GINT_TO_POINTER (child));
  else if ((t = g_thread_try_new ("svfs-reap", reap, GINT_TO_POINTER (child), NULL)) != NULL)
    g_thread_unref (t);
}

int
svfs_wait_child (pid_t child, int timeout_ms)
{
  struct pollfd p = { .events = POLLIN };
  int status, n;

  p.fd = (int) syscall (SYS_pidfd_open, child, 0);
  if (p.fd >= 0)
    {
      do
        n = poll (&p, 1, timeout_ms);
      while (n < 0 && errno == EINTR);
      if (n == 0)
        {
          kill_child (child, p.fd);
          close (p.fd);
          return ETIMEDOUT;
        }
      close (p.fd);
    }
  while (waitpid (child, &status, 0) < 0)
    if (errno != EINTR)
      return ECHILD;
  return WIFEXITED (status) ? WEXITSTATUS (status) : EIO;
}

/* "/proc/self/fd/N" (runc mounts through its fds so that no path can be swapped): the
 * caller's fd N, taken with pidfd_getfd; -1 for any other path (-2: such a path, but no fd). */
int
svfs_caller_fd_of (int pidfd, const char *path)
{
  const char *rest = NULL;
  gint64 n;

  if (g_str_has_prefix (path, "/proc/self/fd/"))
    rest = path + strlen ("/proc/self/fd/");
  else if (g_str_has_prefix (path, "/proc/thread-self/fd/"))
    rest = path + strlen ("/proc/thread-self/fd/");
  if (rest == NULL || !g_ascii_string_to_signed (rest, 10, 0, G_MAXINT, &n, NULL))
    return -1;
  n = syscall (SYS_pidfd_getfd, pidfd, (int) n, 0);
  return n < 0 ? -2 : (int) n;
}

/* A pidfd of the calling thread (a Go runtime calls mount from any thread, and a thread may
 * have its own mount namespace): PIDFD_THREAD (Linux 6.9), else the thread must lead. */
int
svfs_caller_pidfd (pid_t tid)
{
  int fd = (int) syscall (SYS_pidfd_open, tid, SVFS_PIDFD_THREAD);

  return fd >= 0 || errno != EINVAL ? fd : (int) syscall (SYS_pidfd_open, tid, 0);
}

int
svfs_remount_for (pid_t pid, guint64 path_addr, guint64 flags, gboolean (*still_valid) (gpointer),
                  gpointer data)
{
  g_autofree gchar *path = svfs_read_caller_string (pid, path_addr);
  g_autofree gchar *root = g_strdup_printf ("/proc/%d/root", (int) pid);
  g_autofree gchar *cwd = g_strdup_printf ("/proc/%d/cwd", (int) pid);
  int pidfd, rootfd, cwdfd, target_fd = -1, err;

  if (path == NULL)
    return EFAULT;
  pidfd = svfs_caller_pidfd (pid);
  rootfd = open (root, O_PATH | O_CLOEXEC);
  cwdfd = open (cwd, O_PATH | O_CLOEXEC);
  /* The fds name the caller only if it is still the process that made the call. */
  if (pidfd >= 0)
    target_fd = svfs_caller_fd_of (pidfd, path);
  if (pidfd < 0 || rootfd < 0 || cwdfd < 0 || !still_valid (data))
    err = ESRCH;
  else if (target_fd == -2)
    err = EBADF;
  else
    err = run_child (pidfd, rootfd, cwdfd, target_fd, path, flags);
  if (target_fd >= 0)
    close (target_fd);
  if (pidfd >= 0)
    close (pidfd);
  if (rootfd >= 0)
    close (rootfd);
  if (cwdfd >= 0)
    close (cwdfd);
  return err;
}
