/* idmapped-mounts-scratch-ns.c: detached trees mounted in a private mount namespace (see
 * idmapped-mounts-scratch-ns.h).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "idmapped-mounts-scratch-ns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define SCRATCH_NS_STACK_SIZE (64 * 1024)

const char *
sv_scratch_ns_dir (GError **error)
{
  static const char *const dirs[] = { "/tmp", "/run", "/mnt", "/var/tmp" };

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    if (access (dirs[i], F_OK) == 0)
      return dirs[i];
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
               "no scratch directory (/tmp, /run, /mnt, /var/tmp) to mount detached trees on");
  return NULL;
}

typedef struct
{
  SvScratchNs *ns;
  int mfd;
  int err;
} ScratchNsRun;

static int
scratch_ns_fail (ScratchNsRun *r)
{
  r->err = errno;
  return 1;
}

static int
scratch_ns_child (void *arg)
{
  ScratchNsRun *r = arg;
  SvScratchNs *ns = r->ns;

  if (syscall (SYS_mount, NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0
      || syscall (SYS_mount, "none", ns->scratch, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") < 0)
    return scratch_ns_fail (r);
  for (guint i = 0; i < ns->n_trees; i++)
    if ((i < ns->n_mkdir && syscall (SYS_mkdirat, AT_FDCWD, ns->points[i], 0700) < 0)
        || syscall (SYS_move_mount, ns->trees[i], "", AT_FDCWD, ns->points[i],
                    MOVE_MOUNT_F_EMPTY_PATH)
               < 0)
      return scratch_ns_fail (r);
  if ((r->mfd = ns->then (ns)) < 0)
    return scratch_ns_fail (r);
  return 0;
}

int
sv_scratch_ns_run (SvScratchNs *ns, int *err_out)
{
  g_autofree char *stack = g_malloc (SCRATCH_NS_STACK_SIZE);
  ScratchNsRun r = { .ns = ns, .mfd = -1, .err = EPIPE };
  pid_t pid;

  pid = clone (scratch_ns_child, stack + SCRATCH_NS_STACK_SIZE,
               CLONE_NEWNS | CLONE_VM | CLONE_FILES | CLONE_VFORK | SIGCHLD, &r);
  if (pid > 0)
    while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
      ;
  else
    r.err = errno;
  *err_out = r.mfd >= 0 ? 0 : r.err;
  return r.mfd;
}

int
sv_scratch_ns_clone_first (SvScratchNs *ns)
{
  return (int) syscall (SYS_open_tree, AT_FDCWD, ns->points[0],
                        OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
}
