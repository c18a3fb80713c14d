/* sysvisor-fs: reading a container's limits and usage from cgroup v1 or v2 files. */
#include "svfs-cgroup.h"

#include "svfs-util.h"

#include <glib.h>
#include <string.h>
#include <unistd.h>

static const char *const v1_names[SVFS_CG_N] = { "memory", "cpuset", "cpu", "cpuacct", "blkio" };
static const char *const v2_names[SVFS_CG_N] = { "memory", "cpuset", "cpu", "cpu", "io" };
static const char *const v1_probe[SVFS_CG_N] = { "memory.limit_in_bytes", "cpuset.cpus",
                                                 "cpu.cfs_quota_us", "cpuacct.usage",
                                                 "blkio.throttle.io_serviced" };

/* Where the hierarchies are mounted; found once per cgroup root. */
typedef struct
{
  gchar *root;
  gchar *v1_mount[SVFS_CG_N];
  gchar *v2_mount;
  gchar *v2_controllers;
} Layout;

static GMutex layout_lock;
static Layout layout;

static gchar *
find_v1_mount (const char *root, SvfsController c)
{
  const char *candidates[] = { v1_names[c], "cpu,cpuacct", "cpuacct,cpu" };
  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
    {
      if (i > 0 && c != SVFS_CG_CPU && c != SVFS_CG_CPUACCT)
        break;
      g_autofree gchar *probe = g_build_filename (root, candidates[i], v1_probe[c], NULL);
      if (access (probe, F_OK) == 0)
        return g_build_filename (root, candidates[i], NULL);
    }
  return NULL;
}

static void
layout_refresh_locked (const char *root)
{
  g_free (layout.root);
  g_clear_pointer (&layout.v2_mount, g_free);
  g_clear_pointer (&layout.v2_controllers, g_free);
  layout.root = g_strdup (root);
  const char *v2_candidates[] = { "", "unified" };
  for (guint i = 0; i < G_N_ELEMENTS (v2_candidates) && !layout.v2_mount; i++)
    {
      g_autofree gchar *dir = g_build_filename (root, v2_candidates[i], NULL);
      g_autofree gchar *probe = g_build_filename (dir, "cgroup.controllers", NULL);
      layout.v2_controllers = svfs_read_file (probe, NULL, NULL);
      if (layout.v2_controllers)
        layout.v2_mount = g_steal_pointer (&dir);
    }
  for (guint c = 0; c < SVFS_CG_N; c++)
    {
      g_clear_pointer (&layout.v1_mount[c], g_free);
      layout.v1_mount[c] = find_v1_mount (root, c);
    }
}

static gboolean
v2_has (const char *controllers, const char *name)
{
  g_auto (GStrv) names = g_strsplit_set (controllers ? controllers : "", " \n", 0);
  return g_strv_contains ((const gchar *const *) names, name);
}

void
svfs_cgroup_free (SvfsCgroup *cg)
{
  for (guint c = 0; c < SVFS_CG_N; c++)
    {
      g_free (cg->dir[c]);
      g_free (cg->root[c]);
    }
  g_free (cg);
}

/* v1 lines "N:ctrl,ctrl:/path" fill v1_paths; the v2 line "0::/path" fills v2_path. */
static void
parse_proc_cgroup (const char *text, gchar **v1_paths, gchar **v2_path)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", 0);
  for (guint i = 0; lines[i]; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], ":", 3);
      if (g_strv_length (f) != 3)
        continue;
      if (g_str_equal (f[0], "0") && *f[1] == '\0')
        {
          g_free (*v2_path);
          *v2_path = g_strdup (f[2]);
          continue;
        }
      g_auto (GStrv) ctrls = g_strsplit (f[1], ",", 0);
      for (guint c = 0; c < SVFS_CG_N; c++)
        if (g_strv_contains ((const gchar *const *) ctrls, v1_names[c]))
          {
            g_free (v1_paths[c]);
            v1_paths[c] = g_strdup (f[2]);
          }
    }
}

SvfsCgroup *
svfs_cgroup_from_text (const char *text, GError **error)
{
  gchar *v1_paths[SVFS_CG_N] = { NULL };
  g_autofree gchar *v2_path = NULL;
  parse_proc_cgroup (text, v1_paths, &v2_path);
  g_autoptr (SvfsCgroup) cg = g_new0 (SvfsCgroup, 1);
  g_mutex_lock (&layout_lock);
  if (g_strcmp0 (layout.root, svfs_cgroup_root ()) != 0)
    layout_refresh_locked (svfs_cgroup_root ());
  gboolean any = FALSE;
  for (guint c = 0; c < SVFS_CG_N; c++)
    {
      const char *mount = layout.v1_mount[c];
      const char *path = v1_paths[c];
      if (!mount || !path)
        {
          mount = v2_has (layout.v2_controllers, v2_names[c]) ? layout.v2_mount : NULL;
          path = v2_path;
          cg->v2[c] = TRUE;
        }
      if (mount && path)
        {
          cg->dir[c] = g_build_filename (mount, path, NULL);
          cg->root[c] = g_strdup (mount);
          any = TRUE;
        }
      g_free (v1_paths[c]);
    }
  g_mutex_unlock (&layout_lock);
  if (!any)
    {
      g_set_error (error, SVFS_ERROR, SVFS_ERROR_NOT_FOUND,
                   "no memory, cpu, cpuset or blkio cgroup found under %s", svfs_cgroup_root ());
      return NULL;
    }
  return g_steal_pointer (&cg);
}

static __thread pid_t hint_pid;
static __thread const char *hint_text;

void
svfs_cgroup_hint (pid_t pid, const char *text)
{
  hint_pid = pid;
  hint_text = text;
}

SvfsCgroup *
svfs_cgroup_for_pid (pid_t pid, GError **error)
{
  if (hint_text && pid == hint_pid)
    return svfs_cgroup_from_text (hint_text, error);
  g_autofree gchar *path = g_strdup_printf ("%s/%d/cgroup", svfs_proc_root (), (int) pid);
  g_autofree gchar *text = svfs_read_file (path, NULL, error);
  if (!text)
    return NULL;
  return svfs_cgroup_from_text (text, error);
}

/* The levels a limit is looked for at, nearest the hierarchy's root and nearest the caller:
 * root inside may nest sub-cgroups without limit, and each level is a file to open for every
 * render of every emulated file that depends on it. */
#define LEVELS_NEAR_ROOT 32
#define LEVELS_NEAR_CALLER 32

typedef void (*LevelFunc) (const char *dir, gpointer data);

/* Calls FN on the cgroup directories from the one below the hierarchy's root down to the
 * caller's: the LEVELS_NEAR_ROOT nearest the root (the runtime's limits: sysvisor/<id>) and the
 * LEVELS_NEAR_CALLER nearest the caller, those in between of a deeper nest skipped. */
static void
each_level (const SvfsCgroup *cg, SvfsController c, LevelFunc fn, gpointer data)
{
  const char *dir = cg->dir[c];

  /* dir and root are set together (svfs_cgroup_from_text) */
  if (dir == NULL)
    return;
  gsize rlen = strlen (cg->root[c]);
  gsize len = strlen (dir);
  if (len <= rlen || !g_str_has_prefix (dir, cg->root[c]))
    return;
  g_autoptr (GArray) ends = g_array_new (FALSE, FALSE, sizeof (gsize));
  for (gsize i = rlen + 1; i <= len; i++)
    if (i == len || dir[i] == '/')
      g_array_append_val (ends, i);
  g_autofree gchar *level = g_strdup (dir);
  for (guint k = 0; k < ends->len; k++)
    {
      if (k >= LEVELS_NEAR_ROOT && k + LEVELS_NEAR_CALLER < ends->len)
        k = ends->len - LEVELS_NEAR_CALLER;
      gsize end = g_array_index (ends, gsize, k);
      level[end] = '\0';
      fn (level, data);
      level[end] = dir[end];
    }
}

typedef struct
{
  const char *file;
  guint64 best;
} MinLimit;

static void
min_limit_at (const char *dir, gpointer data)
{
  MinLimit *m = data;
  g_autofree gchar *path = g_build_filename (dir, m->file, NULL);
  guint64 v;
  gboolean unlimited;

  if (svfs_read_u64 (path, &v, &unlimited, NULL) && !unlimited)
    m->best = MIN (m->best, v);
}

/* Smallest limit in FILE from dir up to (not including) the hierarchy's root. */
static guint64
walk_min (const SvfsCgroup *cg, SvfsController c, const char *file)
{
  MinLimit m = { file, SVFS_UNKNOWN };

  each_level (cg, c, min_limit_at, &m);
  return m.best;
}

static guint64
read_u64_or_unknown (const SvfsCgroup *cg, SvfsController c, const char *file)
{
  g_autofree gchar *path = g_build_filename (cg->dir[c], file, NULL);
  guint64 v;
  gboolean unlimited;
  if (!svfs_read_u64 (path, &v, &unlimited, NULL) || unlimited)
    return SVFS_UNKNOWN;
  return v;
}

static gchar *
cg_read (const SvfsCgroup *cg, SvfsController c, const char *file, GError **error)
{
  g_autofree gchar *path = g_build_filename (cg->dir[c], file, NULL);
  return svfs_read_file (path, NULL, error);
}

static void
memory_swap (const SvfsCgroup *cg, SvfsMemory *m)
{
  const SvfsController c = SVFS_CG_MEMORY;
  if (cg->v2[c])
    {
      m->swap_limit = walk_min (cg, c, "memory.swap.max");
      m->swap_usage = read_u64_or_unknown (cg, c, "memory.swap.current");
      return;
    }
  guint64 memsw_limit = walk_min (cg, c, "memory.memsw.limit_in_bytes");
  guint64 memsw_usage = read_u64_or_unknown (cg, c, "memory.memsw.usage_in_bytes");
  if (memsw_limit != SVFS_UNKNOWN)
    m->swap_limit = memsw_limit - MIN (memsw_limit, m->limit);
  if (memsw_usage != SVFS_UNKNOWN && m->usage != SVFS_UNKNOWN)
    m->swap_usage = memsw_usage - MIN (memsw_usage, m->usage);
}

gboolean
svfs_cgroup_memory (const SvfsCgroup *cg, SvfsMemory *m, GError **error)
{
  const SvfsController c = SVFS_CG_MEMORY;
  svfs_memory_init (m);
  if (!cg->dir[c])
    {
      g_set_error (error, SVFS_ERROR, SVFS_ERROR_NOT_FOUND, "no memory cgroup");
      return FALSE;
    }
  gboolean v2 = cg->v2[c];
  g_autofree gchar *usage_path =
      g_build_filename (cg->dir[c], v2 ? "memory.current" : "memory.usage_in_bytes", NULL);
  gboolean unlimited;
  if (!svfs_read_u64 (usage_path, &m->usage, &unlimited, error))
    return FALSE;
  m->limit = walk_min (cg, c, v2 ? "memory.max" : "memory.limit_in_bytes");
  g_autofree gchar *stat = cg_read (cg, c, "memory.stat", error);
  if (!stat)
    return FALSE;
  svfs_parse_memory_stat (stat, m);
  memory_swap (cg, m);
  return TRUE;
}

static gboolean cpu_view_quota;

void
svfs_cgroup_set_cpu_view_quota (gboolean quota)
{
  cpu_view_quota = quota;
}

typedef struct
{
  gboolean v2;
  guint best;
} QuotaCpus;

static void
quota_cpus_at (const char *dir, gpointer data)
{
  QuotaCpus *q = data;
  gint64 quota = -1, period = 0;

  if (q->v2)
    {
      g_autofree gchar *path = g_build_filename (dir, "cpu.max", NULL);
      g_autofree gchar *text = svfs_read_file (path, NULL, NULL);
      if (!text || !svfs_parse_cpu_max (text, &quota, &period))
        quota = -1;
    }
  else
    {
      g_autofree gchar *qp = g_build_filename (dir, "cpu.cfs_quota_us", NULL);
      g_autofree gchar *pp = g_build_filename (dir, "cpu.cfs_period_us", NULL);
      if (!svfs_read_i64 (qp, &quota, NULL) || !svfs_read_i64 (pp, &period, NULL))
        quota = -1;
    }
  guint n = svfs_cpu_count_from_quota (quota, period);
  if (n > 0 && (q->best == 0 || n < q->best))
    q->best = n;
}

/* The fewest CPUs a CFS quota from the caller's cgroup up allows; 0: no quota. */
static guint
quota_cpus (const SvfsCgroup *cg)
{
  QuotaCpus q = { cg->v2[SVFS_CG_CPU], 0 };

  each_level (cg, SVFS_CG_CPU, quota_cpus_at, &q);
  return q.best;
}

GArray *
svfs_cgroup_cpus (const SvfsCgroup *cg, GError **error)
{
  g_autofree gchar *list = NULL;
  if (cg->dir[SVFS_CG_CPUSET])
    {
      list = cg_read (cg, SVFS_CG_CPUSET,
                      cg->v2[SVFS_CG_CPUSET] ? "cpuset.cpus.effective" : "cpuset.effective_cpus",
                      NULL);
      if (!list && !cg->v2[SVFS_CG_CPUSET])
        list = cg_read (cg, SVFS_CG_CPUSET, "cpuset.cpus", NULL);
    }
  if (!list || *g_strstrip (list) == '\0')
    {
      g_autofree gchar *online =
          g_build_filename (svfs_sys_root (), "devices/system/cpu/online", NULL);
      g_free (list);
      list = svfs_read_file (online, NULL, error);
      if (!list)
        return NULL;
    }
  GArray *cpus = svfs_parse_cpu_list (list, error);
  if (cpus && cpu_view_quota && cg->dir[SVFS_CG_CPU])
    svfs_cpus_apply_quota (cpus, quota_cpus (cg));
  return cpus;
}

gboolean
svfs_cgroup_cpu_usage (const SvfsCgroup *cg, SvfsCpuUsage *u, GError **error)
{
  const SvfsController c = SVFS_CG_CPUACCT;
  u->user = u->system = 0;
  u->weights = NULL;
  if (!cg->dir[c])
    {
      g_set_error (error, SVFS_ERROR, SVFS_ERROR_NOT_FOUND, "no cpuacct cgroup");
      return FALSE;
    }
  g_autofree gchar *text = cg_read (cg, c, cg->v2[c] ? "cpu.stat" : "cpuacct.stat", error);
  if (!text)
    return FALSE;
  gboolean ok = cg->v2[c] ? svfs_parse_cpu_stat_v2 (text, sysconf (_SC_CLK_TCK), u)
                          : svfs_parse_cpuacct_stat (text, &u->user, &u->system);
  if (!ok)
    {
      g_set_error (error, SVFS_ERROR, SVFS_ERROR_INVALID_DATA, "%s: unexpected cpu usage format",
                   cg->dir[c]);
      return FALSE;
    }
  if (!cg->v2[c])
    {
      g_autofree gchar *percpu = cg_read (cg, c, "cpuacct.usage_percpu", NULL);
      u->weights = percpu ? svfs_parse_u64_list (percpu) : NULL;
    }
  return TRUE;
}

GArray *
svfs_cgroup_io (const SvfsCgroup *cg, GError **error)
{
  const SvfsController c = SVFS_CG_BLKIO;
  if (!cg->dir[c])
    {
      g_set_error (error, SVFS_ERROR, SVFS_ERROR_NOT_FOUND, "no blkio/io cgroup");
      return NULL;
    }
  g_autoptr (GArray) devs = g_array_new (FALSE, TRUE, sizeof (SvfsIoDev));
  if (cg->v2[c])
    {
      g_autofree gchar *text = cg_read (cg, c, "io.stat", error);
      if (!text)
        return NULL;
      svfs_parse_io_stat_v2 (text, devs);
      return g_steal_pointer (&devs);
    }
  g_autofree gchar *bytes = cg_read (cg, c, "blkio.throttle.io_service_bytes_recursive", NULL);
  g_autofree gchar *ios = cg_read (cg, c, "blkio.throttle.io_serviced_recursive", NULL);
  if (!bytes)
    bytes = cg_read (cg, c, "blkio.throttle.io_service_bytes", error);
  if (!ios)
    ios = cg_read (cg, c, "blkio.throttle.io_serviced", NULL);
  if (!bytes)
    return NULL;
  svfs_parse_blkio_v1 (bytes, ios, devs);
  return g_steal_pointer (&devs);
}
