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
#include "svfs-caller.h"
#include "svfs-util.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <linux/mount.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef struct
{
  const SvfsCallerCtx *caller;
  int target_fd; /* the caller's fd for a "/proc/self/fd/N" path, else -1 */
  const char *path;
  guint64 flags;
} Remount;

/* In the child: become the caller (namespaces, root, cwd), then check and remount the mount
 * of the target fd or of the path.  Returns 0 or an errno. */
static int
remount_as_caller (gpointer data)
{
  const Remount *r = data;
  struct mount_attr attr = { 0 };
  struct statvfs sv;
  int fd = r->target_fd, err;

  if ((err = svfs_caller_ctx_enter (r->caller)) != 0)
    return err;
  if (fd < 0)
    fd = (int) syscall (SYS_open_tree, AT_FDCWD, r->path, OPEN_TREE_CLOEXEC);
  if (fd < 0)
    return errno;
  if (fstatvfs (fd, &sv) < 0)
    return errno;
  if (sv.f_flag & ST_RDONLY)
    return EPERM;
  /* (nosymfollow is left as the mount has it, as this answer always did) */
  attr.attr_set = svfs_mount_attr_of (r->flags & ~(guint64) MS_NOSYMFOLLOW, MOUNT_ATTR_RELATIME);
  attr.attr_clr = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC
                  | MOUNT_ATTR__ATIME | MOUNT_ATTR_NODIRATIME;
  if (syscall (SYS_mount_setattr, fd, "",
               AT_EMPTY_PATH | ((r->flags & MS_REC) ? AT_RECURSIVE : 0), &attr, sizeof attr)
      < 0)
    return errno;
  return 0;
}

int
svfs_remount_for (pid_t pid, guint64 path_addr, guint64 flags, gboolean (*still_valid) (gpointer),
                  gpointer data)
{
  g_autofree gchar *path = svfs_read_caller_string (pid, path_addr, SVFS_CALLER_STRING_MAX);
  SvfsCallerCtx caller = SVFS_CALLER_CTX_INIT;
  Remount r = { .caller = &caller, .target_fd = -1, .path = path, .flags = flags };
  int err;

  if (path == NULL)
    return EFAULT;
  err = svfs_caller_ctx_open (&caller, pid);
  /* The fds name the caller only if it is still the process that made the call. */
  if (caller.pidfd >= 0)
    r.target_fd = svfs_caller_fd_of (caller.pidfd, path);
  if (err != 0 || !still_valid (data))
    err = ESRCH;
  else if (r.target_fd == -2)
    err = EBADF;
  else
    err = svfs_run_child (remount_as_caller, &r);
  if (r.target_fd >= 0)
    close (r.target_fd);
  svfs_caller_ctx_close (&caller);
  return err;
}
