/* sysvisor-fs: the emulated /proc files, one function each. */
#include "svfs-files.h"

#include "svfs-cgroup.h"
#include "svfs-loadavg.h"
#include "svfs-render.h"
#include "svfs-util.h"

#include <glib.h>
#include <unistd.h>

static gchar *
host_proc (const char *name, GError **error)
{
  g_autofree gchar *path = g_build_filename (svfs_proc_root (), name, NULL);
  return svfs_read_file (path, NULL, error);
}

GArray *
svfs_visible_cpus (SvfsCaller *c, GError **error)
{
  g_autoptr (SvfsCgroup) cg = svfs_cgroup_for_pid (c->pid, error);
  return cg ? svfs_cgroup_cpus (cg, error) : NULL;
}

gchar *
svfs_proc_meminfo (SvfsCaller *c, GError **error)
{
  g_autoptr (SvfsCgroup) cg = svfs_cgroup_for_pid (c->pid, error);
  SvfsMemory m;
  if (!cg || !svfs_cgroup_memory (cg, &m, error))
    return NULL;
  g_autofree gchar *host = host_proc ("meminfo", error);
  return host ? svfs_render_meminfo (host, &m, error) : NULL;
}

gchar *
svfs_proc_swaps (SvfsCaller *c, GError **error)
{
  g_autoptr (SvfsCgroup) cg = svfs_cgroup_for_pid (c->pid, error);
  SvfsMemory m;
  if (!cg || !svfs_cgroup_memory (cg, &m, error))
    return NULL;
  g_autofree gchar *host = host_proc ("meminfo", error);
  return host ? svfs_render_swaps (host, &m) : NULL;
}

gchar *
svfs_proc_cpuinfo (SvfsCaller *c, GError **error)
{
  g_autoptr (GArray) cpus = svfs_visible_cpus (c, error);
  if (!cpus)
    return NULL;
  g_autofree gchar *host = host_proc ("cpuinfo", error);
  return host ? svfs_render_cpuinfo (host, cpus) : NULL;
}

/* Seconds since the container's init started: host uptime - init start (field 22). */
static gboolean
container_uptime (SvfsCaller *c, gdouble *uptime, GError **error)
{
  if (!svfs_caller_resolve_init (c, error))
    return FALSE;
  g_autofree gchar *host = host_proc ("uptime", error);
  if (!host)
    return FALSE;
  gdouble host_up = g_ascii_strtod (host, NULL);
  gdouble started = (gdouble) c->init_start / sysconf (_SC_CLK_TCK);
  *uptime = MAX (host_up - started, 0.0);
  return TRUE;
}

gchar *
svfs_proc_uptime (SvfsCaller *c, GError **error)
{
  gdouble up;
  if (!container_uptime (c, &up, error))
    return NULL;
  /* idle = time the visible CPUs were not busy for the container (best effort). */
  gdouble idle = 0;
  g_autoptr (SvfsCgroup) cg = svfs_cgroup_for_pid (c->pid, NULL);
  g_autoptr (GArray) cpus = cg ? svfs_cgroup_cpus (cg, NULL) : NULL;
  SvfsCpuUsage u;
  if (cpus && svfs_cgroup_cpu_usage (cg, &u, NULL))
    {
      idle = up * cpus->len - (gdouble) (u.user + u.system) / sysconf (_SC_CLK_TCK);
      g_clear_pointer (&u.weights, g_array_unref);
    }
  return svfs_render_uptime (up, idle);
}

gchar *
svfs_proc_stat (SvfsCaller *c, GError **error)
{
  gdouble up;
  SvfsCpuUsage u;
  g_autoptr (SvfsCgroup) cg = svfs_cgroup_for_pid (c->pid, error);
  if (!cg || !container_uptime (c, &up, error))
    return NULL;
  g_autoptr (GArray) cpus = svfs_cgroup_cpus (cg, error);
  if (!cpus || !svfs_cgroup_cpu_usage (cg, &u, error))
    return NULL;
  G_GNUC_UNUSED g_autoptr (GArray) weights = u.weights;
  g_autofree gchar *host = host_proc ("stat", error);
  if (!host)
    return NULL;
  return svfs_render_stat (host, cpus, &u, (guint64) (up * sysconf (_SC_CLK_TCK)));
}

gchar *
svfs_proc_loadavg (SvfsCaller *c, GError **error)
{
  if (!svfs_caller_resolve_init (c, error))
    return NULL;
  return svfs_loadavg_render (c, error);
}

gchar *
svfs_proc_diskstats (SvfsCaller *c, GError **error)
{
  g_autoptr (SvfsCgroup) cg = svfs_cgroup_for_pid (c->pid, error);
  g_autoptr (GArray) devs = cg ? svfs_cgroup_io (cg, error) : NULL;
  if (!devs)
    return NULL;
  g_autofree gchar *host = host_proc ("diskstats", error);
  return host ? svfs_render_diskstats (host, devs) : NULL;
}
