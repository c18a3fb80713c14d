/* cgroups-entry.c: the init's way into its cgroup without an RCU grace period (see
 * cgroups-entry.h).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#define G_LOG_DOMAIN "sysvisor"

#include "cgroups-entry.h"
#include "cgroups-files.h"
#include "cgroups-hierarchy.h"
#include "clone3-vm.h"

#include "sv-error.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/sched.h>

void
sv_cgroup_entry_clear (SvCgroupEntry *e)
{
  if (e->v2_dir_fd >= 0)
    close (e->v2_dir_fd);
  e->v2_dir_fd = -1;
  for (guint i = 0; i < e->n_tasks; i++)
    {
      if (e->tasks_fds[i] >= 0)
        close (e->tasks_fds[i]);
      g_clear_pointer (&e->tasks_paths[i], g_free);
    }
  e->n_tasks = 0;
  e->active = FALSE;
}

gboolean
sv_cgroup_entry_open (SvCgroup *cg, SvCgroupEntry *e, GError **error)
{
  *e = (SvCgroupEntry){ .v2_dir_fd = -1 };
  if (cg->deferred || cg->mounts->len > SV_CGROUP_ENTRY_MAX)
    return TRUE;
  for (guint i = 0; i < cg->mounts->len; i++)
    {
      SvCgroupMount *m = cg->mounts->pdata[i];
      g_autofree char *path = NULL;
      int fd;

      if (sv_cgroup_mount_is_v2 (m))
        {
          path = g_strdup (m->dir);
          fd = e->v2_dir_fd = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        }
      else
        {
          path = g_build_filename (m->dir, "tasks", NULL);
          fd = e->tasks_fds[e->n_tasks] = open (path, O_WRONLY | O_CLOEXEC);
          e->tasks_paths[e->n_tasks++] = g_strdup (path);
        }
      if (fd < 0)
        {
          sv_set_error_errno (error, errno, "open %s", path);
          sv_cgroup_entry_clear (e);
          return FALSE;
        }
    }
  e->active = TRUE;
  return TRUE;
}

long
sv_cgroup_entry_clone (SvCgroupEntry *e, unsigned long flags)
{
  struct clone_args args = { .flags = flags | CLONE_INTO_CGROUP,
                             .exit_signal = SIGCHLD,
                             .cgroup = (guint64) e->v2_dir_fd };
  long pid = -1;

  /* Refused (ENOSYS or E2BIG: a seccomp profile or a kernel without clone3 or
   * CLONE_INTO_CGROUP; or the cgroup would not take a process): then a plain clone, and
   * sv_cgroup_entry_finish() writes cgroup.procs, whose error names what the cgroup refused. */
  if (e->active && e->v2_dir_fd >= 0)
    pid = syscall (SYS_clone3, &args, sizeof args);
  e->v2_born = pid >= 0;
  if (pid < 0)
    pid = syscall (SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
  return pid;
}

long
sv_cgroup_entry_clone_vm (SvCgroupEntry *e, unsigned long flags, int (*fn) (void *), void *arg,
                          void *stack, gsize stack_size)
{
  struct clone_args args = { .flags = flags | CLONE_VM | CLONE_INTO_CGROUP,
                             .exit_signal = SIGCHLD,
                             .stack = (guint64) (guintptr) stack,
                             .stack_size = stack_size,
                             .cgroup = (guint64) e->v2_dir_fd };
  long pid = -ENOSYS;

  /* Refused: a plain clone, as sv_cgroup_entry_clone().  (errno is not read once a child
   * runs: it shares it.) */
  if (e->active && e->v2_dir_fd >= 0)
    pid = sv_clone3_vm (&args, fn, arg);
  e->v2_born = pid >= 0;
  if (pid >= 0)
    return pid;
  return clone (fn, (char *) stack + stack_size, CLONE_VM | flags | SIGCHLD, arg);
}

gboolean
sv_cgroup_entry_finish (SvCgroup *cg, SvCgroupEntry *e, pid_t pid, GError **error)
{
  g_autofree char *value = g_strdup_printf ("%d", (int) pid);
  gboolean ok = TRUE;

  if (!e->active)
    ok = sv_cgroup_enter (cg, pid, error);
  for (guint i = 0; ok && e->active && !e->v2_born && i < cg->mounts->len; i++)
    {
      SvCgroupMount *m = cg->mounts->pdata[i];

      if (sv_cgroup_mount_is_v2 (m) && !sv_cgroup_write (m->dir, "cgroup.procs", value, error))
        {
          g_prefix_error (error, "moving process %d into cgroup %s: ", (int) pid, cg->path);
          ok = FALSE;
        }
    }
  return ok;
}

static gboolean
join_one (int fd, const char *path, GError **error)
{
  ssize_t n;

  do
    n = write (fd, "0", 1);
  while (n < 0 && errno == EINTR);
  if (n == 1)
    return TRUE;
  sv_set_error_errno (error, n < 0 ? errno : EIO,
                      "move the container's init into its cgroup (%s)", path);
  return FALSE;
}

gboolean
sv_cgroup_entry_join_self (SvCgroupEntry *e, GError **error)
{
  for (guint i = 0; i < e->n_tasks; i++)
    {
      if (!join_one (e->tasks_fds[i], e->tasks_paths[i], error))
        return FALSE;
      close (e->tasks_fds[i]);
      e->tasks_fds[i] = -1;
    }
  return TRUE;
}

gboolean
sv_cgroup_entry_join_shared (const SvCgroupEntry *e, GError **error)
{
  gboolean ok = TRUE;

  for (guint i = 0; i < e->n_tasks; i++)
    ok = ok && join_one (e->tasks_fds[i], e->tasks_paths[i], error);
  for (guint i = 0; i < e->n_tasks; i++)
    close (e->tasks_fds[i]);
  return ok;
}
