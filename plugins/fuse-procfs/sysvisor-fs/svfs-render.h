/* sysvisor-fs: pure functions that turn the host's files plus a container's limits into the
 * container's view.  No I/O here: everything is unit-tested with fake inputs
 * (plugins/fuse-procfs/sysvisor-fs/tests/test-procfs-render.c). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SVFS_UNKNOWN G_MAXUINT64

/* A container's memory accounting, in bytes.  SVFS_UNKNOWN: not reported by the cgroup. */
typedef struct
{
  guint64 limit;      /* memory.limit_in_bytes / memory.max (min over ancestors) */
  guint64 usage;      /* memory.usage_in_bytes / memory.current */
  guint64 swap_limit; /* swap the container may use (memsw - mem, memory.swap.max) */
  guint64 swap_usage;
  guint64 file, active_file, inactive_file;
  guint64 anon, active_anon, inactive_anon;
  guint64 shmem, mapped, dirty, writeback, unevictable;
  guint64 slab_reclaimable, slab_unreclaimable;
} SvfsMemory;

void svfs_memory_init (SvfsMemory *m);
/* memory.stat of cgroup v1 (total_* keys preferred) or v2. */
void svfs_parse_memory_stat (const char *text, SvfsMemory *m);
/* Swap visible to the container, in kB, given the host's SwapTotal in kB. */
void svfs_memory_swap_kb (const SvfsMemory *m, guint64 host_swap_kb, guint64 *total_kb,
                          guint64 *used_kb);
gchar *svfs_render_meminfo (const char *host_meminfo, const SvfsMemory *m, GError **error);
gchar *svfs_render_swaps (const char *host_meminfo, const SvfsMemory *m);

/* CPUs: a GArray of guint host cpu ids, sorted, unique. */
GArray *svfs_parse_cpu_list (const char *list, GError **error);
/* ceil(quota/period), 0 when there is no quota. */
guint svfs_cpu_count_from_quota (gint64 quota_us, gint64 period_us);
/* cgroup v2 cpu.max: "max 100000" or "150000 100000"; quota -1 when "max". */
gboolean svfs_parse_cpu_max (const char *text, gint64 *quota_us, gint64 *period_us);
/* Keep the first quota_cpus CPUs (0: keep all; never fewer than one). */
void svfs_cpus_apply_quota (GArray *cpus, guint quota_cpus);
gchar *svfs_render_online (guint ncpus);
gchar *svfs_render_cpuinfo (const char *host_cpuinfo, const GArray *cpus);

/* CPU time a container used, in USER_HZ ticks, and optional per-host-cpu weights
 * (any unit, indexed by host cpu id) used to spread it over the visible CPUs. */
typedef struct
{
  guint64 user, system;
  GArray *weights; /* guint64, or NULL */
} SvfsCpuUsage;

gboolean svfs_parse_cpuacct_stat (const char *text, guint64 *user, guint64 *system);
gboolean svfs_parse_cpu_stat_v2 (const char *text, guint64 hz, SvfsCpuUsage *u);
GArray *svfs_parse_u64_list (const char *text);
gchar *svfs_render_stat (const char *host_stat, const GArray *cpus, const SvfsCpuUsage *u,
                         guint64 uptime_ticks);
gchar *svfs_render_uptime (gdouble uptime, gdouble idle);

/* Load average in the kernel's fixed point (FSHIFT 11), sampled every 5 s. */
#define SVFS_FSHIFT 11
#define SVFS_FIXED_1 (1 << SVFS_FSHIFT)
#define SVFS_EXP_1 1884
#define SVFS_EXP_5 2014
#define SVFS_EXP_15 2037
guint64 svfs_loadavg_decay (guint64 load, guint64 exp, guint64 active);
gchar *svfs_render_loadavg (const guint64 avenrun[3], guint running, guint total, guint lastpid);

typedef struct
{
  guint major, minor;
  guint64 rbytes, wbytes, rios, wios;
} SvfsIoDev;

/* Append or merge devices into devs (GArray of SvfsIoDev). */
void svfs_parse_io_stat_v2 (const char *text, GArray *devs);
void svfs_parse_blkio_v1 (const char *bytes_text, const char *ios_text, GArray *devs);
gchar *svfs_render_diskstats (const char *host_diskstats, const GArray *devs);

G_END_DECLS
