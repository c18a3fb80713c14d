/* sysvisor-fs: pure rendering of the container's view of /proc and /sys files. */
#include "svfs-render.h"
#include "svfs-error.h"

#include <errno.h>
#include <glib.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- meminfo ---------------------------------------------------------------------- */

void
svfs_memory_init (SvfsMemory *m)
{
  guint64 *fields = (guint64 *) m;
  for (gsize i = 0; i < sizeof (SvfsMemory) / sizeof (guint64); i++)
    fields[i] = SVFS_UNKNOWN;
}

typedef struct
{
  gsize offset;
  const char *v1; /* cgroup v1 name (also with "total_" prefix) */
  const char *v2;
} MemStatKey;

static const MemStatKey mem_stat_keys[] = {
  { offsetof (SvfsMemory, file), "cache", "file" },
  { offsetof (SvfsMemory, active_file), "active_file", "active_file" },
  { offsetof (SvfsMemory, inactive_file), "inactive_file", "inactive_file" },
  { offsetof (SvfsMemory, anon), "rss", "anon" },
  { offsetof (SvfsMemory, active_anon), "active_anon", "active_anon" },
  { offsetof (SvfsMemory, inactive_anon), "inactive_anon", "inactive_anon" },
  { offsetof (SvfsMemory, shmem), "shmem", "shmem" },
  { offsetof (SvfsMemory, mapped), "mapped_file", "file_mapped" },
  { offsetof (SvfsMemory, dirty), "dirty", "file_dirty" },
  { offsetof (SvfsMemory, writeback), "writeback", "file_writeback" },
  { offsetof (SvfsMemory, unevictable), "unevictable", "unevictable" },
  { offsetof (SvfsMemory, slab_reclaimable), NULL, "slab_reclaimable" },
  { offsetof (SvfsMemory, slab_unreclaimable), NULL, "slab_unreclaimable" },
};

static void
memory_stat_set (SvfsMemory *m, const char *key, guint64 value, guint32 *from_total)
{
  gboolean total = g_str_has_prefix (key, "total_");
  const char *name = total ? key + strlen ("total_") : key;
  for (guint i = 0; i < G_N_ELEMENTS (mem_stat_keys); i++)
    {
      const MemStatKey *k = &mem_stat_keys[i];
      if (g_strcmp0 (name, k->v1) != 0 && g_strcmp0 (name, k->v2) != 0)
        continue;
      /* v1: the hierarchical total_* value wins over the cgroup-local one. */
      if (!total && (*from_total & (1u << i)))
        return;
      if (total)
        *from_total |= 1u << i;
      *(guint64 *) ((char *) m + k->offset) = value;
      return;
    }
}

void
svfs_parse_memory_stat (const char *text, SvfsMemory *m)
{
  guint32 from_total = 0;
  g_auto (GStrv) lines = g_strsplit (text, "\n", 0);
  for (guint i = 0; lines[i]; i++)
    {
      char *sp = strchr (lines[i], ' ');
      if (!sp)
        continue;
      *sp = '\0';
      memory_stat_set (m, lines[i], g_ascii_strtoull (sp + 1, NULL, 10), &from_total);
    }
}

static guint64
meminfo_kb (const char *text, const char *key)
{
  gsize klen = strlen (key);
  for (const char *l = text; l && *l; l = strchr (l, '\n'), l = l ? l + 1 : NULL)
    if (strncmp (l, key, klen) == 0 && l[klen] == ':')
      return g_ascii_strtoull (l + klen + 1, NULL, 10);
  return SVFS_UNKNOWN;
}

void
svfs_memory_swap_kb (const SvfsMemory *m, guint64 host_swap_kb, guint64 *total_kb,
                     guint64 *used_kb)
{
  *total_kb = 0;
  *used_kb = 0;
  if (host_swap_kb == 0 || host_swap_kb == SVFS_UNKNOWN)
    return;
  *total_kb = host_swap_kb;
  if (m->swap_limit != SVFS_UNKNOWN && m->swap_limit / 1024 < host_swap_kb)
    *total_kb = m->swap_limit / 1024;
  if (m->swap_usage != SVFS_UNKNOWN)
    *used_kb = MIN (m->swap_usage / 1024, *total_kb);
}

typedef struct
{
  const char *key;
  guint64 kb; /* SVFS_UNKNOWN: keep the host's line */
} MemOverride;

static guint64
kb_of (guint64 bytes, guint64 cap_kb)
{
  return bytes == SVFS_UNKNOWN ? SVFS_UNKNOWN : MIN (bytes / 1024, cap_kb);
}

static guint64
known_or_zero (guint64 bytes)
{
  return bytes == SVFS_UNKNOWN ? 0 : bytes;
}

static guint64
sum2 (guint64 a, guint64 b)
{
  return a == SVFS_UNKNOWN || b == SVFS_UNKNOWN ? SVFS_UNKNOWN : a + b;
}

/* MemTotal = the limit (host's if none or larger); MemFree = limit - usage (page cache is
 * not free, as in the kernel's: counting it there too made `free` show free + buff/cache
 * above the total); MemAvailable adds the page cache but shmem (tmpfs cannot be dropped);
 * Buffers are not accounted per cgroup and read 0. */
static guint
meminfo_overrides (const char *host, const SvfsMemory *m, MemOverride *ov)
{
  guint64 total = meminfo_kb (host, "MemTotal");
  if (m->limit != SVFS_UNKNOWN && m->limit / 1024 < total)
    total = m->limit / 1024;
  guint64 usage = known_or_zero (m->usage);
  guint64 used_kb = MIN (usage / 1024, total);
  guint64 file = known_or_zero (m->file);
  guint64 shmem = MIN (known_or_zero (m->shmem), file);
  guint64 free_kb = total - used_kb;
  guint64 avail_kb = MIN (total, free_kb + (file - shmem) / 1024);
  guint64 swap_total, swap_used;
  svfs_memory_swap_kb (m, meminfo_kb (host, "SwapTotal"), &swap_total, &swap_used);
  guint n = 0;
  ov[n++] = (MemOverride){ "MemTotal", total };
  ov[n++] = (MemOverride){ "MemFree", free_kb };
  ov[n++] = (MemOverride){ "MemAvailable", avail_kb };
  ov[n++] = (MemOverride){ "Buffers", 0 };
  ov[n++] = (MemOverride){ "Cached", MIN (file / 1024, total) };
  ov[n++] = (MemOverride){ "SwapTotal", swap_total };
  ov[n++] = (MemOverride){ "SwapFree", swap_total - swap_used };
  ov[n++] = (MemOverride){ "Active", kb_of (sum2 (m->active_anon, m->active_file), total) };
  ov[n++] = (MemOverride){ "Inactive", kb_of (sum2 (m->inactive_anon, m->inactive_file), total) };
  ov[n++] = (MemOverride){ "Active(anon)", kb_of (m->active_anon, total) };
  ov[n++] = (MemOverride){ "Inactive(anon)", kb_of (m->inactive_anon, total) };
  ov[n++] = (MemOverride){ "Active(file)", kb_of (m->active_file, total) };
  ov[n++] = (MemOverride){ "Inactive(file)", kb_of (m->inactive_file, total) };
  ov[n++] = (MemOverride){ "Unevictable", kb_of (m->unevictable, total) };
  ov[n++] = (MemOverride){ "AnonPages", kb_of (m->anon, total) };
  ov[n++] = (MemOverride){ "Mapped", kb_of (m->mapped, total) };
  ov[n++] = (MemOverride){ "Shmem", kb_of (m->shmem, total) };
  ov[n++] = (MemOverride){ "Dirty", kb_of (m->dirty, total) };
  ov[n++] = (MemOverride){ "Writeback", kb_of (m->writeback, total) };
  /* The host's slab must not show through: procps counts SReclaimable as buff/cache, and
   * the host's (hundreds of MB) would fill a small container's.  cgroup v1 does not report
   * slab, so it reads 0 there. */
  guint64 sreclaim = kb_of (known_or_zero (m->slab_reclaimable), total);
  guint64 sunreclaim = kb_of (known_or_zero (m->slab_unreclaimable), total);
  ov[n++] = (MemOverride){ "Slab", MIN (sreclaim + sunreclaim, total) };
  ov[n++] = (MemOverride){ "SReclaimable", sreclaim };
  ov[n++] = (MemOverride){ "SUnreclaim", sunreclaim };
  ov[n++] = (MemOverride){ "KReclaimable", sreclaim };
  /* Mlocked pages are unevictable: never more than the cgroup's unevictable. */
  if (m->unevictable != SVFS_UNKNOWN)
    ov[n++] = (MemOverride){ "Mlocked",
                             MIN (meminfo_kb (host, "Mlocked"), kb_of (m->unevictable, total)) };
  return n;
}

static const MemOverride *
find_override (const MemOverride *ov, guint n, const char *line, gsize keylen)
{
  for (guint i = 0; i < n; i++)
    if (strlen (ov[i].key) == keylen && strncmp (ov[i].key, line, keylen) == 0)
      return ov[i].kb == SVFS_UNKNOWN ? NULL : &ov[i];
  return NULL;
}

gchar *
svfs_render_meminfo (const char *host, const SvfsMemory *m, GError **error)
{
  if (meminfo_kb (host, "MemTotal") == SVFS_UNKNOWN)
    {
      g_set_error (error, SVFS_ERROR, SVFS_ERROR_INVALID_DATA, "host meminfo has no MemTotal");
      return NULL;
    }
  MemOverride ov[32];
  guint n = meminfo_overrides (host, m, ov);
  GString *out = g_string_sized_new (strlen (host) + 64);
  for (const char *l = host; *l;)
    {
      const char *nl = strchr (l, '\n');
      gsize len = nl ? (gsize) (nl - l) : strlen (l);
      const char *colon = memchr (l, ':', len);
      const MemOverride *o = colon ? find_override (ov, n, l, colon - l) : NULL;
      if (o)
        {
          /* Same layout as the kernel: label padded to 16 columns, value to 8. */
          g_autofree gchar *label = g_strndup (l, colon - l + 1);
          g_string_append_printf (out, "%-16s%8" G_GUINT64_FORMAT " kB\n", label, o->kb);
        }
      else
        {
          g_string_append_len (out, l, len);
          g_string_append_c (out, '\n');
        }
      l = nl ? nl + 1 : l + len;
    }
  return g_string_free (out, FALSE);
}

gchar *
svfs_render_swaps (const char *host_meminfo, const SvfsMemory *m)
{
  GString *out = g_string_new ("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
  guint64 total, used;
  svfs_memory_swap_kb (m, meminfo_kb (host_meminfo, "SwapTotal"), &total, &used);
  gboolean limited = m->swap_limit != SVFS_UNKNOWN && m->swap_limit > 0;
  if (total > 0 && (limited || used > 0))
    g_string_append_printf (out,
                            "%-40s%s\t\t%" G_GUINT64_FORMAT "\t\t%" G_GUINT64_FORMAT "\t\t%d\n",
                            "none", "virtual", total, used, -1);
  return g_string_free (out, FALSE);
}

/* ---- CPUs ------------------------------------------------------------------------- */

static gint
cmp_uint (gconstpointer a, gconstpointer b)
{
  guint x = *(const guint *) a, y = *(const guint *) b;
  return x < y ? -1 : x > y;
}

static gboolean
parse_cpu_range (const char *item, guint *lo, guint *hi)
{
  char *end = NULL;
  guint64 a = g_ascii_strtoull (item, &end, 10);
  if (end == item)
    return FALSE;
  guint64 b = a;
  if (*end == '-')
    {
      const char *start = end + 1;
      b = g_ascii_strtoull (start, &end, 10);
      if (end == start)
        return FALSE;
    }
  if (*end != '\0' || b < a || b > 65535)
    return FALSE;
  *lo = a;
  *hi = b;
  return TRUE;
}

GArray *
svfs_parse_cpu_list (const char *list, GError **error)
{
  g_autoptr (GArray) cpus = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autofree gchar *copy = g_strstrip (g_strdup (list));
  g_auto (GStrv) items = g_strsplit (copy, ",", 0);
  for (guint i = 0; items[i]; i++)
    {
      guint lo, hi;
      if (*items[i] == '\0')
        continue;
      if (!parse_cpu_range (items[i], &lo, &hi))
        {
          g_set_error (error, SVFS_ERROR, SVFS_ERROR_INVALID_DATA, "bad cpu list '%s'", copy);
          return NULL;
        }
      for (guint c = lo; c <= hi; c++)
        g_array_append_val (cpus, c);
    }
  if (cpus->len == 0)
    {
      g_set_error (error, SVFS_ERROR, SVFS_ERROR_INVALID_DATA, "empty cpu list");
      return NULL;
    }
  g_array_sort (cpus, cmp_uint);
  for (guint i = 1; i < cpus->len;)
    if (g_array_index (cpus, guint, i) == g_array_index (cpus, guint, i - 1))
      g_array_remove_index (cpus, i);
    else
      i++;
  return g_steal_pointer (&cpus);
}

guint
svfs_cpu_count_from_quota (gint64 quota_us, gint64 period_us)
{
  if (quota_us <= 0 || period_us <= 0)
    return 0;
  return (guint) ((quota_us + period_us - 1) / period_us);
}

gboolean
svfs_parse_cpu_max (const char *text, gint64 *quota_us, gint64 *period_us)
{
  g_autofree gchar *copy = g_strstrip (g_strdup (text));
  g_auto (GStrv) f = g_strsplit_set (copy, " \t", 0);
  guint n = g_strv_length (f);
  if (n < 1 || *f[0] == '\0')
    return FALSE;
  *quota_us = g_str_equal (f[0], "max") ? -1 : g_ascii_strtoll (f[0], NULL, 10);
  *period_us = n > 1 ? g_ascii_strtoll (f[1], NULL, 10) : 100000;
  return TRUE;
}

void
svfs_cpus_apply_quota (GArray *cpus, guint quota_cpus)
{
  if (quota_cpus > 0 && quota_cpus < cpus->len)
    g_array_set_size (cpus, quota_cpus);
}

gchar *
svfs_render_online (guint ncpus)
{
  if (ncpus <= 1)
    return g_strdup ("0\n");
  return g_strdup_printf ("0-%u\n", ncpus - 1);
}

static gboolean
cpus_contain (const GArray *cpus, guint id)
{
  for (guint i = 0; i < cpus->len; i++)
    if (g_array_index (cpus, guint, i) == id)
      return TRUE;
  return FALSE;
}

/* A "processor : N" line starts a block; keep the blocks of visible CPUs, renumbered. */
gchar *
svfs_render_cpuinfo (const char *host, const GArray *cpus)
{
  GString *out = g_string_sized_new (strlen (host));
  gboolean keep = TRUE;
  guint next = 0;
  for (const char *l = host; *l;)
    {
      const char *nl = strchr (l, '\n');
      gsize len = nl ? (gsize) (nl - l) + 1 : strlen (l);
      const char *colon = memchr (l, ':', len);
      if (g_str_has_prefix (l, "processor") && colon && colon - l < 16)
        {
          keep = cpus_contain (cpus, (guint) g_ascii_strtoull (colon + 1, NULL, 10));
          if (keep)
            g_string_append_printf (out, "%.*s: %u\n", (int) (colon - l), l, next++);
        }
      else if (keep)
        g_string_append_len (out, l, len);
      l += len;
    }
  return g_string_free (out, FALSE);
}

/* ---- stat, uptime ----------------------------------------------------------------- */

gboolean
svfs_parse_cpuacct_stat (const char *text, guint64 *user, guint64 *system)
{
  const char *u = strstr (text, "user ");
  const char *s = strstr (text, "system ");
  if (!u || !s)
    return FALSE;
  *user = g_ascii_strtoull (u + 5, NULL, 10);
  *system = g_ascii_strtoull (s + 7, NULL, 10);
  return TRUE;
}

gboolean
svfs_parse_cpu_stat_v2 (const char *text, guint64 hz, SvfsCpuUsage *u)
{
  const char *user = strstr (text, "user_usec ");
  const char *sys = strstr (text, "system_usec ");
  if (!user || !sys)
    return FALSE;
  u->user = g_ascii_strtoull (user + 10, NULL, 10) * hz / G_USEC_PER_SEC;
  u->system = g_ascii_strtoull (sys + 12, NULL, 10) * hz / G_USEC_PER_SEC;
  return TRUE;
}

GArray *
svfs_parse_u64_list (const char *text)
{
  GArray *values = g_array_new (FALSE, FALSE, sizeof (guint64));
  const char *p = text;
  for (;;)
    {
      char *end = NULL;
      guint64 v = g_ascii_strtoull (p, &end, 10);
      if (end == p)
        break;
      g_array_append_val (values, v);
      p = end;
    }
  return values;
}

/* Busy ticks of each host CPU from the host's "cpuN" lines, indexed by cpu id. */
static GArray *
host_cpu_busy (const char *host)
{
  GArray *busy = g_array_new (FALSE, TRUE, sizeof (guint64));
  for (const char *l = host; l && *l; l = strchr (l, '\n'), l = l ? l + 1 : NULL)
    {
      if (strncmp (l, "cpu", 3) != 0 || !g_ascii_isdigit (l[3]))
        continue;
      char *end = NULL;
      guint id = (guint) g_ascii_strtoull (l + 3, &end, 10);
      g_autoptr (GArray) f = svfs_parse_u64_list (end);
      guint64 b = 0;
      /* user nice system idle iowait irq softirq steal: everything but idle and iowait. */
      for (guint i = 0; i < MIN (f->len, 8u); i++)
        b += (i == 3 || i == 4) ? 0 : g_array_index (f, guint64, i);
      if (id < 65536)
        {
          if (busy->len <= id)
            g_array_set_size (busy, id + 1);
          g_array_index (busy, guint64, id) = b;
        }
    }
  return busy;
}

static guint64
weight_of (const GArray *w, guint id)
{
  return w && id < w->len ? g_array_index (w, guint64, id) : 0;
}

/* Spread total over the visible CPUs in proportion to weights (evenly if all are 0). */
static void
spread (guint64 total, const GArray *cpus, const GArray *w, guint64 *out)
{
  gdouble sum = 0;
  for (guint i = 0; i < cpus->len; i++)
    sum += weight_of (w, g_array_index (cpus, guint, i));
  guint64 given = 0;
  for (guint i = 0; i < cpus->len; i++)
    {
      gdouble share =
          sum > 0 ? weight_of (w, g_array_index (cpus, guint, i)) / sum : 1.0 / cpus->len;
      out[i] = i + 1 == cpus->len ? total - MIN (given, total) : (guint64) (total * share);
      given += out[i];
    }
}

static void
append_cpu_line (GString *out, const char *name, guint64 user, guint64 system, guint64 idle)
{
  g_string_append_printf (out,
                          "%s %" G_GUINT64_FORMAT " 0 %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
                          " 0 0 0 0 0 0\n",
                          name, user, system, idle);
}

/* Approximation (cgroups do not account idle, iowait, irq or steal per container):
 * user/system come from the cgroup (cpuacct.stat, cpu.stat), spread over the visible CPUs
 * by the per-CPU usage the cgroup reports (v1) or by the host's busy time per CPU (v2);
 * idle of each CPU = container uptime - its busy time (never negative); other fields 0.
 * All non-cpu lines (intr, ctxt, btime, processes, procs_*, softirq) are the host's. */
gchar *
svfs_render_stat (const char *host, const GArray *cpus, const SvfsCpuUsage *u,
                  guint64 uptime_ticks)
{
  g_autoptr (GArray) busy = host_cpu_busy (host);
  const GArray *w = u->weights ? u->weights : busy;
  g_autofree guint64 *user = g_new0 (guint64, cpus->len + 1);
  g_autofree guint64 *sys = g_new0 (guint64, cpus->len + 1);
  spread (u->user, cpus, w, user);
  spread (u->system, cpus, w, sys);
  guint64 tu = 0, ts = 0, ti = 0;
  GString *lines = g_string_new (NULL);
  for (guint i = 0; i < cpus->len; i++)
    {
      guint64 b = user[i] + sys[i];
      guint64 idle = uptime_ticks > b ? uptime_ticks - b : 0;
      g_autofree gchar *name = g_strdup_printf ("cpu%u", i);
      append_cpu_line (lines, name, user[i], sys[i], idle);
      tu += user[i], ts += sys[i], ti += idle;
    }
  GString *out = g_string_sized_new (strlen (host));
  append_cpu_line (out, "cpu ", tu, ts, ti);
  g_string_append (out, lines->str);
  g_string_free (lines, TRUE);
  for (const char *l = host; *l;)
    {
      const char *nl = strchr (l, '\n');
      gsize len = nl ? (gsize) (nl - l) + 1 : strlen (l);
      if (strncmp (l, "cpu", 3) != 0)
        g_string_append_len (out, l, len);
      l += len;
    }
  return g_string_free (out, FALSE);
}

gchar *
svfs_render_uptime (gdouble uptime, gdouble idle)
{
  char a[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_formatd (a, sizeof a, "%.2f", MAX (uptime, 0.0));
  g_ascii_formatd (b, sizeof b, "%.2f", MAX (idle, 0.0));
  return g_strdup_printf ("%s %s\n", a, b);
}

/* ---- loadavg ---------------------------------------------------------------------- */

guint64
svfs_loadavg_decay (guint64 load, guint64 exp, guint64 active)
{
  guint64 next = load * exp + active * (SVFS_FIXED_1 - exp);
  if (active >= load)
    next += SVFS_FIXED_1 - 1;
  return next / SVFS_FIXED_1;
}

gchar *
svfs_render_loadavg (const guint64 avenrun[3], guint running, guint total, guint lastpid)
{
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < 3; i++)
    {
      guint64 v = avenrun[i] + SVFS_FIXED_1 / 200;
      g_string_append_printf (out, "%" G_GUINT64_FORMAT ".%02" G_GUINT64_FORMAT " ",
                              v >> SVFS_FSHIFT, ((v & (SVFS_FIXED_1 - 1)) * 100) >> SVFS_FSHIFT);
    }
  g_string_append_printf (out, "%u/%u %u\n", running, total, lastpid);
  return g_string_free (out, FALSE);
}

/* ---- diskstats -------------------------------------------------------------------- */

static SvfsIoDev *
io_dev (GArray *devs, guint major, guint minor)
{
  for (guint i = 0; i < devs->len; i++)
    {
      SvfsIoDev *d = &g_array_index (devs, SvfsIoDev, i);
      if (d->major == major && d->minor == minor)
        return d;
    }
  SvfsIoDev d = { major, minor, 0, 0, 0, 0 };
  g_array_append_val (devs, d);
  return &g_array_index (devs, SvfsIoDev, devs->len - 1);
}

static gboolean
parse_devno (const char *s, guint *major, guint *minor, const char **rest)
{
  char *end = NULL;
  *major = (guint) g_ascii_strtoull (s, &end, 10);
  if (end == s || *end != ':')
    return FALSE;
  const char *m = end + 1;
  *minor = (guint) g_ascii_strtoull (m, &end, 10);
  if (end == m)
    return FALSE;
  *rest = end;
  return TRUE;
}

void
svfs_parse_io_stat_v2 (const char *text, GArray *devs)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", 0);
  for (guint i = 0; lines[i]; i++)
    {
      guint major, minor;
      const char *rest;
      if (!parse_devno (lines[i], &major, &minor, &rest))
        continue;
      SvfsIoDev *d = io_dev (devs, major, minor);
      g_auto (GStrv) kv = g_strsplit (rest, " ", 0);
      for (guint k = 0; kv[k]; k++)
        {
          guint64 *field = g_str_has_prefix (kv[k], "rbytes=")   ? &d->rbytes
                           : g_str_has_prefix (kv[k], "wbytes=") ? &d->wbytes
                           : g_str_has_prefix (kv[k], "rios=")   ? &d->rios
                           : g_str_has_prefix (kv[k], "wios=")   ? &d->wios
                                                                 : NULL;
          if (field)
            *field += g_ascii_strtoull (strchr (kv[k], '=') + 1, NULL, 10);
        }
    }
}

static void
parse_blkio_file (const char *text, GArray *devs, gboolean ios)
{
  g_auto (GStrv) lines = g_strsplit (text ? text : "", "\n", 0);
  for (guint i = 0; lines[i]; i++)
    {
      guint major, minor;
      const char *rest;
      if (!parse_devno (lines[i], &major, &minor, &rest))
        continue;
      gboolean rd = g_str_has_prefix (rest, " Read ");
      gboolean wr = g_str_has_prefix (rest, " Write ");
      if (!rd && !wr)
        continue;
      guint64 v = g_ascii_strtoull (strrchr (rest, ' ') + 1, NULL, 10);
      SvfsIoDev *d = io_dev (devs, major, minor);
      if (ios)
        *(rd ? &d->rios : &d->wios) += v;
      else
        *(rd ? &d->rbytes : &d->wbytes) += v;
    }
}

void
svfs_parse_blkio_v1 (const char *bytes_text, const char *ios_text, GArray *devs)
{
  parse_blkio_file (bytes_text, devs, FALSE);
  parse_blkio_file (ios_text, devs, TRUE);
}

/* Lines of the host's devices that the container did I/O on, in the host's order: reads,
 * sectors read, writes, sectors written from the cgroup; times, merges, in-flight 0. */
gchar *
svfs_render_diskstats (const char *host, const GArray *devs)
{
  GString *out = g_string_new (NULL);
  g_auto (GStrv) lines = g_strsplit (host, "\n", 0);
  for (guint i = 0; lines[i]; i++)
    {
      char name[128];
      guint major, minor;
      if (sscanf (lines[i], "%u %u %127s", &major, &minor, name) != 3)
        continue;
      for (guint d = 0; d < devs->len; d++)
        {
          const SvfsIoDev *io = &g_array_index (devs, SvfsIoDev, d);
          if (io->major != major || io->minor != minor || io->rios + io->wios == 0)
            continue;
          g_string_append_printf (out,
                                  "%4u %7u %s %" G_GUINT64_FORMAT " 0 %" G_GUINT64_FORMAT
                                  " 0 %" G_GUINT64_FORMAT " 0 %" G_GUINT64_FORMAT
                                  " 0 0 0 0 0 0 0 0 0 0\n",
                                  major, minor, name, io->rios, io->rbytes / 512, io->wios,
                                  io->wbytes / 512);
        }
    }
  return g_string_free (out, FALSE);
}
