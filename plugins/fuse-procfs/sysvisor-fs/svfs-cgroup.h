/* sysvisor-fs: a process's cgroups (v1, hybrid or pure v2) and the limits they set. */
#pragma once

#include "svfs-render.h"

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

typedef enum
{
  SVFS_CG_MEMORY,
  SVFS_CG_CPUSET,
  SVFS_CG_CPU,
  SVFS_CG_CPUACCT,
  SVFS_CG_BLKIO,
  SVFS_CG_N
} SvfsController;

typedef struct
{
  gchar *dir[SVFS_CG_N];  /* the process's cgroup directory per controller, or NULL */
  gchar *root[SVFS_CG_N]; /* root of that hierarchy: ancestor walks stop below it */
  gboolean v2[SVFS_CG_N];
} SvfsCgroup;

void svfs_cgroup_free (SvfsCgroup *cg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SvfsCgroup, svfs_cgroup_free)

/* From the text of /proc/PID/cgroup, against the hierarchies under svfs_cgroup_root(). */
SvfsCgroup *svfs_cgroup_from_text (const char *proc_pid_cgroup, GError **error);
SvfsCgroup *svfs_cgroup_for_pid (pid_t pid, GError **error);
/* This thread already read PID's /proc/PID/cgroup as TEXT: svfs_cgroup_for_pid (PID) uses it
 * until the hint is cleared with (0, NULL).  TEXT must outlive the hint. */
void svfs_cgroup_hint (pid_t pid, const char *text);

gboolean svfs_cgroup_memory (const SvfsCgroup *cg, SvfsMemory *m, GError **error);
/* Visible CPUs: the cpuset (or the host's online CPUs), the set sched_getaffinity and so
 * nproc count; cut to ceil(quota/period) only with svfs_cgroup_set_cpu_view_quota (TRUE)
 * (sysvisor-fs --cpu-view quota): a quota is CPU time, not a number of CPUs. */
void svfs_cgroup_set_cpu_view_quota (gboolean quota);
GArray *svfs_cgroup_cpus (const SvfsCgroup *cg, GError **error);
gboolean svfs_cgroup_cpu_usage (const SvfsCgroup *cg, SvfsCpuUsage *u, GError **error);
GArray *svfs_cgroup_io (const SvfsCgroup *cg, GError **error);

G_END_DECLS
