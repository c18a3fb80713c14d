/* Unit tests of sysvisor-fs's pure rendering, validation and cgroup reading (fake trees). */
#include "svfs-cgroup.h"
#include "svfs-render.h"
#include "svfs-sysctl.h"
#include "svfs-util.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

static const char host_meminfo[] = "MemTotal:       16000000 kB\n"
                                   "MemFree:        10000000 kB\n"
                                   "MemAvailable:   12000000 kB\n"
                                   "Buffers:          100000 kB\n"
                                   "Cached:          2000000 kB\n"
                                   "SwapCached:            0 kB\n"
                                   "Active:          3000000 kB\n"
                                   "SwapTotal:       1048572 kB\n"
                                   "SwapFree:        1048572 kB\n"
                                   "HugePages_Total:       0\n"
                                   "Hugepagesize:       2048 kB\n";

static void
test_meminfo_limit (void)
{
  SvfsMemory m;
  svfs_memory_init (&m);
  m.limit = 256 * 1024 * 1024;
  m.usage = 100 * 1024 * 1024;
  m.file = 40 * 1024 * 1024;
  m.inactive_file = 30 * 1024 * 1024;
  m.active_file = 10 * 1024 * 1024;
  m.active_anon = 60 * 1024 * 1024;
  m.inactive_anon = 0;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *out = svfs_render_meminfo (host_meminfo, &m, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (out, ==,
                   "MemTotal:         262144 kB\n"
                   "MemFree:          159744 kB\n"
                   "MemAvailable:     200704 kB\n"
                   "Buffers:               0 kB\n"
                   "Cached:            40960 kB\n"
                   "SwapCached:            0 kB\n"
                   "Active:            71680 kB\n"
                   "SwapTotal:       1048572 kB\n"
                   "SwapFree:        1048572 kB\n"
                   "HugePages_Total:       0\n"
                   "Hugepagesize:       2048 kB\n");
}

/* Page cache just written is inactive: it is still not free (free + buff/cache <= total),
 * and shmem (tmpfs) is not available. */
static void
test_meminfo_cache_is_not_free (void)
{
  SvfsMemory m;
  svfs_memory_init (&m);
  m.limit = 256 * 1024 * 1024;
  m.usage = 104 * 1024 * 1024;
  m.file = 100 * 1024 * 1024;
  m.inactive_file = 100 * 1024 * 1024;
  m.shmem = 10 * 1024 * 1024;
  g_autofree gchar *out = svfs_render_meminfo (host_meminfo, &m, NULL);
  g_assert_nonnull (strstr (out, "MemFree:          155648 kB\n"
                                 "MemAvailable:     247808 kB\n"
                                 "Buffers:               0 kB\n"
                                 "Cached:           102400 kB\n"));
}

static void
test_meminfo_unlimited_uses_host_total (void)
{
  SvfsMemory m;
  svfs_memory_init (&m);
  m.usage = 1024 * 1024;
  m.swap_limit = 0;
  g_autofree gchar *out = svfs_render_meminfo (host_meminfo, &m, NULL);
  g_assert_nonnull (strstr (out, "MemTotal:       16000000 kB\n"));
  g_assert_nonnull (strstr (out, "MemFree:        15998976 kB\n"));
  g_assert_nonnull (strstr (out, "SwapTotal:             0 kB\n"));
  g_assert_nonnull (strstr (out, "SwapFree:              0 kB\n"));
  /* Lines the cgroup does not report stay the host's. */
  g_assert_nonnull (strstr (out, "Active:          3000000 kB\n"));
}

static void
test_meminfo_swap_limit (void)
{
  SvfsMemory m;
  svfs_memory_init (&m);
  m.limit = 512 * 1024 * 1024;
  m.usage = 0;
  m.swap_limit = 64 * 1024 * 1024;
  m.swap_usage = 1024 * 1024;
  g_autofree gchar *out = svfs_render_meminfo (host_meminfo, &m, NULL);
  g_assert_nonnull (strstr (out, "SwapTotal:         65536 kB\n"));
  g_assert_nonnull (strstr (out, "SwapFree:          64512 kB\n"));
  g_autofree gchar *swaps = svfs_render_swaps (host_meminfo, &m);
  g_assert_nonnull (strstr (swaps, "virtual\t\t65536\t\t1024\t\t-1\n"));
  m.swap_limit = SVFS_UNKNOWN;
  m.swap_usage = 0;
  g_autofree gchar *header_only = svfs_render_swaps (host_meminfo, &m);
  g_assert_cmpstr (header_only, ==, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
}

/* The host's slab and mlocked memory never show through: procps `free` counts SReclaimable
 * as buff/cache, so the host's would fill a 256 MiB container's. */
static void
test_meminfo_hides_host_slab (void)
{
  static const char host[] = "MemTotal:       16000000 kB\n"
                             "MemFree:        10000000 kB\n"
                             "Unevictable:       13000 kB\n"
                             "Mlocked:           12000 kB\n"
                             "KReclaimable:     164000 kB\n"
                             "Slab:             200000 kB\n"
                             "SReclaimable:     164000 kB\n"
                             "SUnreclaim:        36000 kB\n";
  SvfsMemory m;
  svfs_memory_init (&m);
  m.limit = 256 * 1024 * 1024;
  m.usage = 1024 * 1024;
  m.unevictable = 0;
  g_autofree gchar *v1 = svfs_render_meminfo (host, &m, NULL);
  g_assert_cmpstr (v1, ==,
                   "MemTotal:         262144 kB\n"
                   "MemFree:          261120 kB\n"
                   "Unevictable:           0 kB\n"
                   "Mlocked:               0 kB\n"
                   "KReclaimable:          0 kB\n"
                   "Slab:                  0 kB\n"
                   "SReclaimable:          0 kB\n"
                   "SUnreclaim:            0 kB\n");
  svfs_parse_memory_stat ("slab_reclaimable 2097152\nslab_unreclaimable 1048576\n"
                          "unevictable 4194304\n",
                          &m);
  g_autofree gchar *v2 = svfs_render_meminfo (host, &m, NULL);
  g_assert_nonnull (strstr (v2, "Unevictable:        4096 kB\nMlocked:            4096 kB\n"
                                "KReclaimable:       2048 kB\nSlab:               3072 kB\n"
                                "SReclaimable:       2048 kB\nSUnreclaim:         1024 kB\n"));
}

static void
test_memory_stat_v1_prefers_totals (void)
{
  SvfsMemory m;
  svfs_memory_init (&m);
  svfs_parse_memory_stat ("cache 100\nrss 5\ninactive_file 7\ntotal_cache 300\n"
                          "total_rss 50\ntotal_inactive_file 70\n",
                          &m);
  g_assert_cmpuint (m.file, ==, 300);
  g_assert_cmpuint (m.anon, ==, 50);
  g_assert_cmpuint (m.inactive_file, ==, 70);
  g_assert_cmpuint (m.slab_reclaimable, ==, SVFS_UNKNOWN);
}

static const char host_cpuinfo[] = "processor\t: 0\nmodel name\t: X\ncore id\t\t: 0\n\n"
                                   "processor\t: 1\nmodel name\t: X\ncore id\t\t: 1\n\n"
                                   "processor\t: 2\nmodel name\t: X\ncore id\t\t: 2\n\n"
                                   "processor\t: 3\nmodel name\t: X\ncore id\t\t: 3\n\n";

static void
test_cpuinfo_filters_and_renumbers (void)
{
  g_autoptr (GArray) cpus = svfs_parse_cpu_list ("1,3\n", NULL);
  g_autofree gchar *out = svfs_render_cpuinfo (host_cpuinfo, cpus);
  g_assert_cmpstr (out, ==,
                   "processor\t: 0\nmodel name\t: X\ncore id\t\t: 1\n\n"
                   "processor\t: 1\nmodel name\t: X\ncore id\t\t: 3\n\n");
}

static void
test_cpu_list_parse (void)
{
  g_autoptr (GArray) cpus = svfs_parse_cpu_list ("0-2,5,7-8,2\n", NULL);
  guint want[] = { 0, 1, 2, 5, 7, 8 };
  g_assert_cmpuint (cpus->len, ==, G_N_ELEMENTS (want));
  for (guint i = 0; i < cpus->len; i++)
    g_assert_cmpuint (g_array_index (cpus, guint, i), ==, want[i]);
  g_autoptr (GError) error = NULL;
  g_assert_null (svfs_parse_cpu_list ("3-1", &error));
  g_assert_error (error, SVFS_ERROR, SVFS_ERROR_INVALID_DATA);
  g_assert_null (svfs_parse_cpu_list ("", NULL));
}

static void
test_cpu_count_from_quota (void)
{
  g_assert_cmpuint (svfs_cpu_count_from_quota (-1, 100000), ==, 0);
  g_assert_cmpuint (svfs_cpu_count_from_quota (50000, 100000), ==, 1);
  g_assert_cmpuint (svfs_cpu_count_from_quota (150000, 100000), ==, 2);
  g_assert_cmpuint (svfs_cpu_count_from_quota (200000, 100000), ==, 2);
  gint64 q, p;
  g_assert_true (svfs_parse_cpu_max ("max 100000\n", &q, &p));
  g_assert_cmpint (q, ==, -1);
  g_assert_true (svfs_parse_cpu_max ("250000 100000\n", &q, &p));
  g_assert_cmpuint (svfs_cpu_count_from_quota (q, p), ==, 3);
  g_autoptr (GArray) cpus = svfs_parse_cpu_list ("0-7", NULL);
  svfs_cpus_apply_quota (cpus, 3);
  g_assert_cmpuint (cpus->len, ==, 3);
  svfs_cpus_apply_quota (cpus, 0);
  g_assert_cmpuint (cpus->len, ==, 3);
}

static void
test_online_string (void)
{
  g_autofree gchar *one = svfs_render_online (1);
  g_autofree gchar *four = svfs_render_online (4);
  g_assert_cmpstr (one, ==, "0\n");
  g_assert_cmpstr (four, ==, "0-3\n");
}

static const char host_stat[] = "cpu  400 0 400 1000 0 0 0 0 0 0\n"
                                "cpu0 100 0 100 250 0 0 0 0 0 0\n"
                                "cpu1 100 0 100 250 0 0 0 0 0 0\n"
                                "cpu2 100 0 100 250 0 0 0 0 0 0\n"
                                "cpu3 100 0 100 250 0 0 0 0 0 0\n"
                                "intr 1 2 3\nctxt 42\nbtime 1700000000\nprocesses 9\n"
                                "procs_running 1\nprocs_blocked 0\n";

static void
test_stat_renumbers_visible_cpus (void)
{
  g_autoptr (GArray) cpus = svfs_parse_cpu_list ("2-3", NULL);
  g_autoptr (GArray) w = svfs_parse_u64_list ("0 0 3000 1000\n");
  SvfsCpuUsage u = { .user = 80, .system = 40, .weights = w };
  g_autofree gchar *out = svfs_render_stat (host_stat, cpus, &u, 1000);
  g_assert_cmpstr (out, ==,
                   "cpu  80 0 40 1880 0 0 0 0 0 0\n"
                   "cpu0 60 0 30 910 0 0 0 0 0 0\n"
                   "cpu1 20 0 10 970 0 0 0 0 0 0\n"
                   "intr 1 2 3\nctxt 42\nbtime 1700000000\nprocesses 9\n"
                   "procs_running 1\nprocs_blocked 0\n");
}

static void
test_stat_v2_spreads_by_host_busy (void)
{
  g_autoptr (GArray) cpus = svfs_parse_cpu_list ("0", NULL);
  SvfsCpuUsage u = { 0 };
  g_assert_true (svfs_parse_cpu_stat_v2 ("usage_usec 3000000\nuser_usec 2000000\n"
                                         "system_usec 1000000\n",
                                         100, &u));
  g_assert_cmpuint (u.user, ==, 200);
  g_assert_cmpuint (u.system, ==, 100);
  g_autofree gchar *out = svfs_render_stat (host_stat, cpus, &u, 250);
  g_assert_true (g_str_has_prefix (out, "cpu  200 0 100 0 0 0 0 0 0 0\n"
                                        "cpu0 200 0 100 0 0 0 0 0 0 0\nintr"));
}

static void
test_uptime_and_loadavg (void)
{
  g_autofree gchar *up = svfs_render_uptime (12.345, 3.0);
  g_assert_cmpstr (up, ==, "12.35 3.00\n");
  guint64 avg[3] = { 0, 0, 0 };
  for (guint i = 0; i < 12; i++)
    avg[0] = svfs_loadavg_decay (avg[0], SVFS_EXP_1, 2 * SVFS_FIXED_1);
  g_assert_cmpuint (avg[0] >> SVFS_FSHIFT, ==, 1); /* 2 * (1 - e^-1) = 1.26 */
  g_autofree gchar *la = svfs_render_loadavg (avg, 2, 7, 31);
  g_assert_true (g_str_has_prefix (la, "1.2"));
  g_assert_true (g_str_has_suffix (la, " 0.00 0.00 2/7 31\n"));
}

static void
test_diskstats (void)
{
  g_autoptr (GArray) devs = g_array_new (FALSE, TRUE, sizeof (SvfsIoDev));
  svfs_parse_io_stat_v2 ("254:0 rbytes=1024 wbytes=512 rios=2 wios=1 dbytes=0 dios=0\n"
                         "7:0 rbytes=0 wbytes=0 rios=0 wios=0 dbytes=0 dios=0\n",
                         devs);
  const char host[] = "   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
                      " 254       0 vda 30 6 258 9 14 6 128 5 0 8 18 6 5 21 2 22 8\n";
  g_autofree gchar *out = svfs_render_diskstats (host, devs);
  g_assert_cmpstr (out, ==, " 254       0 vda 2 0 2 0 1 0 1 0 0 0 0 0 0 0 0 0 0\n");
  g_autoptr (GArray) v1 = g_array_new (FALSE, TRUE, sizeof (SvfsIoDev));
  svfs_parse_blkio_v1 ("254:0 Read 4096\n254:0 Write 0\n254:0 Total 4096\nTotal 4096\n",
                       "254:0 Read 1\n254:0 Write 0\n254:0 Total 1\nTotal 1\n", v1);
  g_assert_cmpuint (v1->len, ==, 1);
  g_assert_cmpuint (g_array_index (v1, SvfsIoDev, 0).rbytes, ==, 4096);
  g_assert_cmpuint (g_array_index (v1, SvfsIoDev, 0).rios, ==, 1);
  g_autoptr (GArray) none = g_array_new (FALSE, TRUE, sizeof (SvfsIoDev));
  g_autofree gchar *empty = svfs_render_diskstats (host, none);
  g_assert_cmpstr (empty, ==, "");
}

static void
test_sysctl_validation (void)
{
  const SvfsSysctl *panic = svfs_sysctl_find ("kernel/panic");
  const SvfsSysctl *oc = svfs_sysctl_find ("vm/overcommit_memory");
  const SvfsSysctl *printk = svfs_sysctl_find ("kernel/printk");
  g_assert_nonnull (panic);
  g_autofree gchar *a = svfs_sysctl_normalize (panic, "0\n", "10\n", 3, NULL);
  g_assert_cmpstr (a, ==, "10\n");
  g_autofree gchar *b = svfs_sysctl_normalize (panic, "0\n", " -1", 3, NULL);
  g_assert_cmpstr (b, ==, "-1\n");
  g_autoptr (GError) error = NULL;
  g_assert_null (svfs_sysctl_normalize (panic, "0\n", "abc\n", 4, &error));
  g_assert_error (error, SVFS_ERROR, SVFS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (svfs_sysctl_normalize (oc, "0\n", "3", 1, &error));
  g_assert_error (error, SVFS_ERROR, SVFS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (svfs_sysctl_normalize (panic, "0\n", "1 2\n", 4, &error));
  g_assert_error (error, SVFS_ERROR, SVFS_ERROR_INVALID_ARGUMENT);
  g_autofree gchar *c = svfs_sysctl_normalize (printk, "4\t4\t1\t7\n", "3 4 1 7\n", 8, NULL);
  g_assert_cmpstr (c, ==, "3\t4\t1\t7\n");
  g_assert_null (svfs_sysctl_normalize (printk, "4\t4\t1\t7\n", "3\n", 2, NULL));
  g_assert_null (svfs_sysctl_normalize (panic, "0\n", "", 0, NULL));
}

static gboolean
only_pid_7_alive (gint pid, guint64 start)
{
  return pid == 7;
}

static void
test_sysctl_store_isolation_and_handover (void)
{
  g_autoptr (SvfsSysctlStore) s = svfs_sysctl_store_new ();
  SvfsContainerKey a = { 100, 5 }, a_recycled = { 100, 9 }, b = { 200, 5 };
  svfs_sysctl_store_set (s, &a, 7, "kernel/panic", "10\n");
  svfs_sysctl_store_set (s, &b, 8, "kernel/panic", "20\n");
  g_autofree gchar *va = svfs_sysctl_store_get (s, &a, "kernel/panic");
  g_autofree gchar *vb = svfs_sysctl_store_get (s, &b, "kernel/panic");
  g_assert_cmpstr (va, ==, "10\n");
  g_assert_cmpstr (vb, ==, "20\n");
  g_assert_null (svfs_sysctl_store_get (s, &a_recycled, "kernel/panic"));
  g_autoptr (GString) saved = g_string_new (NULL);
  svfs_sysctl_store_save (s, saved);
  g_autoptr (SvfsSysctlStore) t = svfs_sysctl_store_new ();
  g_auto (GStrv) lines = g_strsplit (saved->str, "\n", 0);
  for (guint i = 0; lines[i] && *lines[i]; i++)
    g_assert_true (svfs_sysctl_store_load_line (t, lines[i], NULL));
  g_autofree gchar *vb2 = svfs_sysctl_store_get (t, &b, "kernel/panic");
  g_assert_cmpstr (vb2, ==, "20\n");
  g_assert_cmpuint (svfs_sysctl_store_prune (t, only_pid_7_alive), ==, 1);
  g_assert_null (svfs_sysctl_store_get (t, &b, "kernel/panic"));
}

/* A fake pure cgroup v2 tree: /ct with a 128M limit, 2 CPUs of quota over cpuset 0-3. */
static gchar *
make_fake_v2 (void)
{
  gchar *root = g_dir_make_tmp ("svfs-cg-XXXXXX", NULL);
  const struct
  {
    const char *file, *text;
  } files[] = {
    { "cgroup.controllers", "cpuset cpu io memory pids\n" },
    { "ct/memory.max", "134217728\n" },
    { "ct/memory.current", "67108864\n" },
    { "ct/memory.stat", "anon 33554432\nfile 16777216\ninactive_file 8388608\n"
                        "slab_reclaimable 1048576\nslab_unreclaimable 1048576\n" },
    { "ct/memory.swap.max", "max\n" },
    { "ct/memory.swap.current", "0\n" },
    { "ct/cpuset.cpus.effective", "0-3\n" },
    { "ct/cpu.max", "150000 100000\n" },
    { "ct/cpu.stat", "usage_usec 500000\nuser_usec 300000\nsystem_usec 200000\n" },
    { "ct/io.stat", "8:0 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree gchar *path = g_build_filename (root, files[i].file, NULL);
      g_autofree gchar *dir = g_path_get_dirname (path);
      g_mkdir_with_parents (dir, 0755);
      g_assert_true (g_file_set_contents (path, files[i].text, -1, NULL));
    }
  return root;
}

static void
test_cgroup_v2_fake_tree (void)
{
  g_autofree gchar *root = make_fake_v2 ();
  svfs_roots_configure (NULL, NULL, root);
  g_autoptr (GError) error = NULL;
  g_autoptr (SvfsCgroup) cg = svfs_cgroup_from_text ("0::/ct\n", &error);
  g_assert_no_error (error);
  SvfsMemory m;
  g_assert_true (svfs_cgroup_memory (cg, &m, &error));
  g_assert_cmpuint (m.limit, ==, 134217728);
  g_assert_cmpuint (m.usage, ==, 67108864);
  g_assert_cmpuint (m.inactive_file, ==, 8388608);
  g_assert_cmpuint (m.swap_limit, ==, SVFS_UNKNOWN);
  g_autofree gchar *mi = svfs_render_meminfo (host_meminfo, &m, NULL);
  g_assert_nonnull (strstr (mi, "MemTotal:         131072 kB\n"));
  g_assert_nonnull (strstr (mi, "MemFree:           65536 kB\n"));
  /* cpuset 0-3, quota 1.5 CPUs: the cpuset's 4 (as nproc counts them), or 2 with --cpu-view
   * quota */
  g_autoptr (GArray) cpus = svfs_cgroup_cpus (cg, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cpus->len, ==, 4);
  svfs_cgroup_set_cpu_view_quota (TRUE);
  g_autoptr (GArray) quota_cpus = svfs_cgroup_cpus (cg, &error);
  svfs_cgroup_set_cpu_view_quota (FALSE);
  g_assert_no_error (error);
  g_assert_cmpuint (quota_cpus->len, ==, 2);
  SvfsCpuUsage u;
  g_assert_true (svfs_cgroup_cpu_usage (cg, &u, &error));
  g_assert_cmpuint (u.user + u.system, >, 0);
  g_autoptr (GArray) io = svfs_cgroup_io (cg, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (io->len, ==, 1);
  svfs_roots_configure (NULL, NULL, NULL);
  g_autofree gchar *cmd = g_strdup_printf ("rm -rf '%s'", root);
  g_assert_cmpint (system (cmd), ==, 0);
}

static void
test_cgroup_v1_hierarchy_min_limit (void)
{
  g_autofree gchar *root = g_dir_make_tmp ("svfs-cg1-XXXXXX", NULL);
  const char *files[][2] = {
    { "memory/memory.limit_in_bytes", "9223372036854771712\n" },
    { "memory/a/memory.limit_in_bytes", "268435456\n" },
    { "memory/a/b/memory.limit_in_bytes", "9223372036854771712\n" },
    { "memory/a/b/memory.usage_in_bytes", "1048576\n" },
    { "memory/a/b/memory.stat", "cache 0\ntotal_cache 0\ntotal_inactive_file 0\n" },
    { "cpuset/cpuset.cpus", "0-3\n" },
    { "cpuset/a/cpuset.effective_cpus", "2\n" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree gchar *path = g_build_filename (root, files[i][0], NULL);
      g_autofree gchar *dir = g_path_get_dirname (path);
      g_mkdir_with_parents (dir, 0755);
      g_assert_true (g_file_set_contents (path, files[i][1], -1, NULL));
    }
  svfs_roots_configure (NULL, NULL, root);
  g_autoptr (SvfsCgroup) cg = svfs_cgroup_from_text ("5:memory:/a/b\n3:cpuset:/a\n0::/\n", NULL);
  g_assert_nonnull (cg);
  SvfsMemory m;
  g_assert_true (svfs_cgroup_memory (cg, &m, NULL));
  g_assert_cmpuint (m.limit, ==, 268435456);
  g_autoptr (GArray) cpus = svfs_cgroup_cpus (cg, NULL);
  g_assert_cmpuint (cpus->len, ==, 1);
  g_assert_cmpuint (g_array_index (cpus, guint, 0), ==, 2);
  svfs_roots_configure (NULL, NULL, NULL);
  g_autofree gchar *cmd = g_strdup_printf ("rm -rf '%s'", root);
  g_assert_cmpint (system (cmd), ==, 0);
}

/* A nest 200 levels deep below the container's cgroup: the limits of the 32 levels nearest the
 * hierarchy's root and of the 32 nearest the caller count, those in between are not read (a
 * render opens at most 64 limit files, however deep root inside nests). */
static void
test_cgroup_deep_nest_bounded_walk (void)
{
  g_autofree gchar *root = g_dir_make_tmp ("svfs-cg-deep-XXXXXX", NULL);
  g_autoptr (GString) rel = g_string_new ("memory/a");
  g_autoptr (GString) caller = g_string_new ("5:memory:/a");
  for (guint level = 2; level <= 200; level++)
    {
      g_string_append (rel, "/x");
      g_string_append (caller, "/x");
      g_autofree gchar *dir = g_build_filename (root, rel->str, NULL);
      g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
      const char *limit = level == 100 ? "33554432\n" : level == 190 ? "134217728\n" : NULL;
      g_autofree gchar *file = g_build_filename (dir, "memory.limit_in_bytes", NULL);
      if (limit != NULL)
        g_assert_true (g_file_set_contents (file, limit, -1, NULL));
    }
  const char *files[][2] = {
    { "memory/memory.limit_in_bytes", "9223372036854771712\n" },
    { "memory/a/memory.limit_in_bytes", "268435456\n" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree gchar *path = g_build_filename (root, files[i][0], NULL);
      g_assert_true (g_file_set_contents (path, files[i][1], -1, NULL));
    }
  g_autofree gchar *deepest = g_build_filename (root, rel->str, NULL);
  g_autofree gchar *usage = g_build_filename (deepest, "memory.usage_in_bytes", NULL);
  g_autofree gchar *stat = g_build_filename (deepest, "memory.stat", NULL);
  g_assert_true (g_file_set_contents (usage, "1048576\n", -1, NULL));
  g_assert_true (g_file_set_contents (stat, "total_cache 0\ntotal_inactive_file 0\n", -1, NULL));
  g_string_append (caller, "\n");
  svfs_roots_configure (NULL, NULL, root);
  g_autoptr (SvfsCgroup) cg = svfs_cgroup_from_text (caller->str, NULL);
  g_assert_nonnull (cg);
  SvfsMemory m;
  g_assert_true (svfs_cgroup_memory (cg, &m, NULL));
  /* 256M at level 1 and 128M at level 190 are read; 32M at level 100 is not */
  g_assert_cmpuint (m.limit, ==, 134217728);
  svfs_roots_configure (NULL, NULL, NULL);
  g_autofree gchar *cmd = g_strdup_printf ("rm -rf '%s'", root);
  g_assert_cmpint (system (cmd), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/procfs/meminfo/limit-sets-total-and-free", test_meminfo_limit);
  g_test_add_func ("/procfs/cgroup/deep-nest-bounded-walk", test_cgroup_deep_nest_bounded_walk);
  g_test_add_func ("/procfs/meminfo/unlimited-uses-host-total",
                   test_meminfo_unlimited_uses_host_total);
  g_test_add_func ("/procfs/meminfo/swap-limit", test_meminfo_swap_limit);
  g_test_add_func ("/procfs/meminfo/cache-is-not-free", test_meminfo_cache_is_not_free);
  g_test_add_func ("/procfs/meminfo/hides-host-slab", test_meminfo_hides_host_slab);
  g_test_add_func ("/procfs/meminfo/v1-stat-prefers-totals", test_memory_stat_v1_prefers_totals);
  g_test_add_func ("/procfs/cpuinfo/filters-and-renumbers", test_cpuinfo_filters_and_renumbers);
  g_test_add_func ("/procfs/cpus/list-parse", test_cpu_list_parse);
  g_test_add_func ("/procfs/cpus/count-from-quota", test_cpu_count_from_quota);
  g_test_add_func ("/procfs/cpus/online-string", test_online_string);
  g_test_add_func ("/procfs/stat/renumbers-visible-cpus", test_stat_renumbers_visible_cpus);
  g_test_add_func ("/procfs/stat/v2-spreads-by-host-busy", test_stat_v2_spreads_by_host_busy);
  g_test_add_func ("/procfs/uptime-and-loadavg", test_uptime_and_loadavg);
  g_test_add_func ("/procfs/diskstats", test_diskstats);
  g_test_add_func ("/procfs/sysctl/validation", test_sysctl_validation);
  g_test_add_func ("/procfs/sysctl/store-isolation-and-handover",
                   test_sysctl_store_isolation_and_handover);
  g_test_add_func ("/procfs/cgroup/v2-fake-tree", test_cgroup_v2_fake_tree);
  g_test_add_func ("/procfs/cgroup/v1-hierarchy-min-limit", test_cgroup_v1_hierarchy_min_limit);
  return g_test_run ();
}
