/* cgroups-entry.h: putting a container's init into its cgroup without waiting for the kernel.
 *
 * Moving a process into a cgroup by its pid (writing cgroup.procs) takes the kernel's global
 * threadgroup lock for writing, which waits for an RCU grace period (0.2 ms on the idle test
 * VM, 1.7 ms with its other CPU busy, 10-30 ms seen on another VM), and blocks every fork and
 * exit on the host while it is held.  Two ways in do not take it, and the container's init (and
 * exec's helper) use them:
 *
 *   - v1 hierarchies: a single-threaded process writes "0" (itself) to the `tasks` file, through
 *     an fd the runtime (host root) opened before the clone: the kernel checks the opener's
 *     credentials, so the init may do it while it is nobody in its new user namespace;
 *   - cgroup2 (pure v2, or "unified" on a hybrid host): the init is born in it (clone3 with
 *     CLONE_INTO_CGROUP; an init that shares the runtime's memory through clone3-vm.h).
 *     Where clone3 fails (a seccomp profile, a kernel < 5.7, a cgroup that takes no process),
 *     the child is cloned as before and the runtime writes cgroup.procs, whose error names what
 *     refused it.
 *
 * The systemd driver (systemd puts the init in its scope) does not use this. */
#pragma once

#include "cgroups.h"

#define SV_CGROUP_ENTRY_MAX 16

typedef struct
{
  gboolean active;  /* FALSE: use sv_cgroup_enter() (systemd driver) */
  int v2_dir_fd;    /* O_PATH of the cgroup2 directory, or -1 (no cgroup2 hierarchy) */
  gboolean v2_born; /* the init was cloned into v2_dir_fd */
  int tasks_fds[SV_CGROUP_ENTRY_MAX]; /* each v1 hierarchy's `tasks`, opened by the runtime */
  char *tasks_paths[SV_CGROUP_ENTRY_MAX];
  guint n_tasks;
} SvCgroupEntry;

/* Runtime, before the clone: open the ways in (every fd -1 first; clear with
 * sv_cgroup_entry_clear). */
gboolean sv_cgroup_entry_open (SvCgroup *cg, SvCgroupEntry *e, GError **error);
/* Runtime: clone(2) with @flags (namespaces; SIGCHLD is added), the child born in the cgroup2
 * directory of @e when it is active and clone3 allows; returns as clone: 0 in the child, the
 * pid or -1 (errno) in the runtime. */
long sv_cgroup_entry_clone (SvCgroupEntry *e, unsigned long flags);
/* Runtime: the same for a child that shares our memory (CLONE_VM is added), started as
 * clone(2) starts it: @fn (@arg) on the stack [@stack, @stack + @stack_size).  errno is set
 * only when no child was made. */
long sv_cgroup_entry_clone_vm (SvCgroupEntry *e, unsigned long flags, int (*fn) (void *),
                               void *arg, void *stack, gsize stack_size);
/* Runtime, after the clone of @pid: what the init cannot do itself (cgroup2 when it was not
 * born there, or everything when @e is not active).  The fds stay open (sv_cgroup_entry_clear
 * closes them). */
gboolean sv_cgroup_entry_finish (SvCgroup *cg, SvCgroupEntry *e, pid_t pid, GError **error);
/* The init, single-threaded, before its cgroup namespace: write itself into every `tasks`
 * file of @e and close them. */
gboolean sv_cgroup_entry_join_self (SvCgroupEntry *e, GError **error);
/* The same for an init that shares the runtime's memory, whose @e it must leave as it is (the
 * runtime clears it later): closes only the init's own copies of the fds. */
gboolean sv_cgroup_entry_join_shared (const SvCgroupEntry *e, GError **error);
void sv_cgroup_entry_clear (SvCgroupEntry *e);
