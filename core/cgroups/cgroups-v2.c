/* cgroups-v2.c: the unified hierarchy.  Creating (with the controllers enabled down the
 * path), mapping linux.resources to interface files, freezing and reading stats.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#define G_LOG_DOMAIN "sysvisor"

#include "cgroups-v2.h"

#include "cgroups-bpf.h"
#include "cgroups-driver.h"
#include "cgroups-files.h"
#include "cgroups-stats.h"

#include <gio/gio.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>

#define FREEZE_TIMEOUT_MS 5000

static const char *const v2_delegated_files[] = { "cgroup.procs", "cgroup.subtree_control",
                                                  "cgroup.threads", NULL };

/* ------------------------------------------------------------------------------------------
 * Create
 * ---------------------------------------------------------------------------------------- */

gboolean
sv_cgroup_v2_delegate (const char *dir, uid_t uid, gid_t gid, GError **error)
{
  return sv_cgroup_chown_delegated (dir, v2_delegated_files, uid, gid, error);
}

/* Turn on in @dir's cgroup.subtree_control every controller @dir has, one at a time: one
 * that cannot be enabled (a non-root cgroup with processes, an RT task for "cpu") must not
 * keep the others off.  Each one turned on is noted in @turned_on ("CONTROLLER DIR"). */
static void
enable_controllers (const char *dir, GPtrArray *turned_on)
{
  g_autofree char *avail = sv_cgroup_read (dir, "cgroup.controllers", NULL);
  g_autofree char *enabled = sv_cgroup_read (dir, "cgroup.subtree_control", NULL);
  g_auto (GStrv) have = g_strsplit (enabled != NULL ? enabled : "", " ", -1);
  g_auto (GStrv) ctrls = g_strsplit (avail != NULL ? avail : "", " ", -1);

  for (guint i = 0; ctrls[i] != NULL; i++)
    {
      g_autofree char *plus = g_strconcat ("+", ctrls[i], NULL);
      g_autoptr (GError) local = NULL;

      if (*ctrls[i] == '\0' || g_strv_contains ((const char *const *) have, ctrls[i]))
        continue;
      if (sv_cgroup_write (dir, "cgroup.subtree_control", plus, &local))
        g_ptr_array_add (turned_on, g_strconcat (ctrls[i], " ", dir, NULL));
      else
        g_debug ("cgroup v2: controller %s stays off below %s: %s", ctrls[i], dir,
                 local->message);
    }
}

/* Whether a controller must stay on in cgroup @dir: it has a child cgroup, or cannot be read
 * (gone with the rollback's rmdirs, or not ours to judge). */
static gboolean
keeps_controllers (const char *dir)
{
  g_autoptr (GPtrArray) children = sv_cgroup_list_subdirs (dir, NULL);

  return children == NULL || children->len > 0;
}

void
sv_cgroup_v2_undo_enabled (GPtrArray *enabled)
{
  for (guint i = enabled->len; i > 0; i--)
    {
      const char *rec = enabled->pdata[i - 1];
      const char *dir = strchr (rec, ' ') + 1;
      g_autofree char *ctrl = g_strndup (rec, dir - 1 - rec);
      g_autofree char *minus = g_strconcat ("-", ctrl, NULL);
      g_autofree char *plus = g_strconcat ("+", ctrl, NULL);

      sv_autofd lock = sv_cgroup_lock_subtree (dir, LOCK_EX);

      /* Another container below @dir may need it: only a directory without children, under
       * the lock every Sysvisor create takes to make a child there; and on again if another
       * runtime made one meanwhile.  A @dir gone with the rollback's rmdirs has nothing. */
      if (lock < 0 || keeps_controllers (dir)
          || !sv_cgroup_write (dir, "cgroup.subtree_control", minus, NULL))
        continue;
      if (keeps_controllers (dir))
        sv_cgroup_write (dir, "cgroup.subtree_control", plus, NULL);
    }
  g_ptr_array_set_size (enabled, 0);
}

/* mkdir -p, then from the root down to the container's parent enable the controllers so
 * that its limits have files to go to.  The container's own subtree_control is left to the
 * container (systemd inside enables what it needs). */
static gboolean
v2_create (SvCgroup *cg, uid_t uid, gid_t gid, GError **error)
{
  SvCgroupMount *m = cg->mounts->pdata[0];
  g_auto (GStrv) parts = g_strsplit (cg->path, "/", -1);
  g_autofree char *level = g_strdup (m->mountpoint);

  if (!sv_cgroup_mkdir_below (m->mountpoint, cg->path, TRUE, cg->created, error))
    return FALSE;
  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *next;

      if (*parts[i] == '\0')
        continue;
      enable_controllers (level, cg->enabled);
      next = g_build_filename (level, parts[i], NULL);
      g_free (level);
      level = next;
    }
  return sv_cgroup_v2_delegate (m->dir, uid, gid, error);
}

/* ------------------------------------------------------------------------------------------
 * Resources -> interface files
 * ---------------------------------------------------------------------------------------- */

static void
write_clear (gpointer p)
{
  SvCgroupWrite *w = p;

  g_free (w->field);
  g_free (w->file);
  g_free (w->value);
}

static void
plan_add (GArray *plan, const char *field, const char *file, char *value)
{
  SvCgroupWrite w = { g_strdup (field), g_strdup (file), value };

  g_array_append_val (plan, w);
}

static char *
limit_string (gint64 v)
{
  return v < 0 ? g_strdup ("max") : g_strdup_printf ("%" G_GINT64_FORMAT, v);
}

/* OCI's swap is memory+swap (the v1 memsw); memory.swap.max is the swap alone. */
static gboolean
plan_swap (GArray *plan, const SvCgroupResources *res, GError **error)
{
  SvCgroupInt limit = res->mem_limit, swap = res->mem_swap;

  if (!swap.set)
    {
      if (limit.set && limit.value == -1)
        plan_add (plan, "memory.limit", "memory.swap.max", g_strdup ("max"));
      return TRUE;
    }
  if (swap.value == -1)
    {
      plan_add (plan, "memory.swap", "memory.swap.max", g_strdup ("max"));
      return TRUE;
    }
  if (!limit.set || limit.value == -1 || swap.value < limit.value)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "%s.memory.swap: %" G_GINT64_FORMAT " is memory+swap: it needs a finite "
                   "memory.limit in the same request, no larger than it",
                   res->json_path, swap.value);
      return FALSE;
    }
  plan_add (plan, "memory.swap", "memory.swap.max",
            g_strdup_printf ("%" G_GINT64_FORMAT, swap.value - limit.value));
  return TRUE;
}

static gboolean
plan_memory (GArray *plan, const SvCgroupResources *res, GError **error)
{
  if (res->mem_kernel.set || res->mem_kernel_tcp.set)
    g_debug ("%s.memory.kernel/kernelTCP: no such limit on cgroup v2, ignored", res->json_path);
  if (res->mem_swappiness.set)
    g_debug ("%s.memory.swappiness: no per-cgroup swappiness on cgroup v2, ignored",
             res->json_path);
  if (res->mem_disable_oom.set && res->mem_disable_oom.value)
    g_warning ("%s.memory.disableOOMKiller: cgroup v2 cannot disable the OOM killer; ignored",
               res->json_path);
  if (res->mem_reservation.set)
    plan_add (plan, "memory.reservation", "memory.low",
              limit_string (res->mem_reservation.value));
  /* swap first: lowering memory.max never conflicts with it, unlike v1's memsw */
  if (!plan_swap (plan, res, error))
    return FALSE;
  if (res->mem_limit.set)
    plan_add (plan, "memory.limit", "memory.max", limit_string (res->mem_limit.value));
  return TRUE;
}

/* cpu.max is "QUOTA PERIOD"; a period alone keeps the quota that is there. */
static void
plan_cpu_max (GArray *plan, const SvCgroupResources *res, const char *dir)
{
  g_autofree char *cur = dir != NULL ? sv_cgroup_read (dir, "cpu.max", NULL) : NULL;
  g_autofree char *quota = NULL;

  if (!res->cpu_quota.set && !res->cpu_period.set)
    return;
  if (res->cpu_quota.set)
    quota = limit_string (res->cpu_quota.value);
  else if (cur != NULL && *cur != '\0')
    quota = g_strndup (cur, strcspn (cur, " "));
  else
    quota = g_strdup ("max");
  if (res->cpu_period.set)
    plan_add (plan, res->cpu_quota.set ? "cpu.quota" : "cpu.period", "cpu.max",
              g_strdup_printf ("%s %" G_GINT64_FORMAT, quota, res->cpu_period.value));
  else
    plan_add (plan, "cpu.quota", "cpu.max", g_steal_pointer (&quota));
}

static gboolean
plan_cpu (GArray *plan, const SvCgroupResources *res, const char *dir, GError **error)
{
  const char *rt = res->cpu_rt_runtime.set ? "realtimeRuntime" : "realtimePeriod";

  if (res->cpu_rt_runtime.set || res->cpu_rt_period.set)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "%s.cpu.%s: realtime budgets are a cgroup v1 feature; this host uses "
                   "cgroup v2, drop the field",
                   res->json_path, rt);
      return FALSE;
    }
  if (res->cpu_shares.set && (res->cpu_shares.value < 2 || res->cpu_shares.value > 262144))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "%s.cpu.shares: %" G_GINT64_FORMAT " is out of range (2..262144)",
                   res->json_path, res->cpu_shares.value);
      return FALSE;
    }
  if (res->cpu_shares.set)
    plan_add (plan, "cpu.shares", "cpu.weight",
              g_strdup_printf ("%" G_GUINT64_FORMAT,
                               sv_cgroup_shares_to_weight ((guint64) res->cpu_shares.value)));
  plan_cpu_max (plan, res, dir);
  if (res->cpu_burst.set)
    plan_add (plan, "cpu.burst", "cpu.max.burst",
              g_strdup_printf ("%" G_GINT64_FORMAT, res->cpu_burst.value));
  if (res->cpu_idle.set)
    plan_add (plan, "cpu.idle", "cpu.idle",
              g_strdup_printf ("%" G_GINT64_FORMAT, res->cpu_idle.value));
  if (res->cpus != NULL)
    plan_add (plan, "cpu.cpus", "cpuset.cpus", g_strdup (res->cpus));
  if (res->mems != NULL)
    plan_add (plan, "cpu.mems", "cpuset.mems", g_strdup (res->mems));
  return TRUE;
}

/* BFQ's io.bfq.weight takes the blkio range (1..1000) as is; io.weight is 1..10000. */
static void
plan_io_weights (GArray *plan, const SvCgroupResources *res, const char *dir)
{
  gboolean bfq = dir != NULL && sv_cgroup_has_file (dir, "io.bfq.weight");
  const char *file = bfq ? "io.bfq.weight" : "io.weight";

  if (res->blkio_weight.set)
    {
      guint64 w = (guint64) res->blkio_weight.value;

      plan_add (plan, "blockIO.weight", file,
                bfq ? g_strdup_printf ("%" G_GUINT64_FORMAT, w)
                    : g_strdup_printf ("default %" G_GUINT64_FORMAT,
                                       sv_cgroup_blkio_to_io_weight (w)));
    }
  if (res->blkio_leaf_weight.set)
    g_debug ("%s.blockIO.leafWeight: no such weight on cgroup v2, ignored", res->json_path);
  for (guint i = 0; res->weight_devices != NULL && i < res->weight_devices->len; i++)
    {
      const SvCgroupWeightDevice *wd =
          &g_array_index (res->weight_devices, SvCgroupWeightDevice, i);
      g_autofree char *field = g_strdup_printf ("blockIO.weightDevice[%u]", i);
      guint64 w;

      if (!wd->weight.set)
        continue;
      w = bfq ? (guint64) wd->weight.value
              : sv_cgroup_blkio_to_io_weight ((guint64) wd->weight.value);
      plan_add (plan, field, file,
                g_strdup_printf ("%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT " %" G_GUINT64_FORMAT,
                                 wd->major, wd->minor, w));
    }
}

static const char *const io_max_keys[SV_CGROUP_N_THROTTLES] = { "rbps", "wbps", "riops",
                                                                "wiops" };
static const char *const throttle_fields[SV_CGROUP_N_THROTTLES] = {
  "blockIO.throttleReadBpsDevice",
  "blockIO.throttleWriteBpsDevice",
  "blockIO.throttleReadIOPSDevice",
  "blockIO.throttleWriteIOPSDevice",
};

/* io.max "MAJ:MIN rbps=N"; a rate of 0 lifts the limit, as writing 0 does on v1. */
static void
plan_io_max (GArray *plan, const SvCgroupResources *res)
{
  for (guint k = 0; k < SV_CGROUP_N_THROTTLES; k++)
    for (guint i = 0; res->throttles[k] != NULL && i < res->throttles[k]->len; i++)
      {
        const SvCgroupThrottle *t = &g_array_index (res->throttles[k], SvCgroupThrottle, i);
        g_autofree char *field = g_strdup_printf ("%s[%u]", throttle_fields[k], i);
        g_autofree char *rate =
            t->rate == 0 ? g_strdup ("max") : g_strdup_printf ("%" G_GUINT64_FORMAT, t->rate);

        plan_add (plan, field, "io.max",
                  g_strdup_printf ("%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT " %s=%s", t->major,
                                   t->minor, io_max_keys[k], rate));
      }
}

static void
plan_misc (GArray *plan, const SvCgroupResources *res)
{
  if (res->pids_limit.set)
    plan_add (plan, "pids.limit", "pids.max", limit_string (res->pids_limit.value));
  for (guint i = 0; res->hugepages != NULL && i < res->hugepages->len; i++)
    {
      const SvCgroupHugepage *hp = &g_array_index (res->hugepages, SvCgroupHugepage, i);
      g_autofree char *field = g_strdup_printf ("hugepageLimits[%u]", i);
      g_autofree char *file = g_strdup_printf ("hugetlb.%s.max", hp->page_size);

      plan_add (plan, field, file, g_strdup_printf ("%" G_GUINT64_FORMAT, hp->limit));
    }
  if (res->net_class_id.set || res->net_prios != NULL)
    g_debug ("%s.network: net_cls/net_prio do not exist on cgroup v2, ignored", res->json_path);
  /* Last, so that a raw value overrides the mapped one, as runc does. */
  for (guint i = 0; res->unified != NULL && i + 1 < res->unified->len; i += 2)
    {
      g_autofree char *field =
          g_strdup_printf ("unified[\"%s\"]", (char *) res->unified->pdata[i]);

      plan_add (plan, field, res->unified->pdata[i], g_strdup (res->unified->pdata[i + 1]));
    }
}

GArray *
sv_cgroup_v2_plan (const SvCgroupResources *res, const char *dir, GError **error)
{
  g_autoptr (GArray) plan = g_array_new (FALSE, TRUE, sizeof (SvCgroupWrite));

  g_array_set_clear_func (plan, write_clear);
  if (!plan_memory (plan, res, error) || !plan_cpu (plan, res, dir, error))
    return NULL;
  plan_io_weights (plan, res, dir);
  plan_io_max (plan, res);
  plan_misc (plan, res);
  return g_steal_pointer (&plan);
}

/* A missing interface file means its controller is off for this cgroup. */
static gboolean
apply_write (const SvCgroupResources *res, const char *dir, const SvCgroupWrite *w,
             GError **error)
{
  g_autofree char *ctrl = NULL;

  if (g_str_has_prefix (w->file, "hugetlb.") && !sv_cgroup_has_file (dir, w->file))
    {
      g_warning ("%s.%s: no %s in %s (no such huge page size, or the hugetlb controller is "
                 "off); not applied",
                 res->json_path, w->field, w->file, dir);
      return TRUE;
    }
  if (sv_cgroup_has_file (dir, w->file))
    return sv_cgroup_write_field (res, w->field, dir, w->file, w->value, error);
  ctrl = g_strndup (w->file, strcspn (w->file, "."));
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
               "%s.%s: %s/%s does not exist: the \"%s\" controller is not available to this "
               "cgroup (see cgroup.controllers and the parent's cgroup.subtree_control)",
               res->json_path, w->field, dir, w->file, ctrl);
  return FALSE;
}

gboolean
sv_cgroup_v2_apply_at (const char *dir, const SvCgroupResources *res, GError **error)
{
  g_autoptr (GArray) plan = NULL;

  if (!sv_cgroup_check_memory_usage (res, dir, "memory.current", error))
    return FALSE;
  plan = sv_cgroup_v2_plan (res, dir, error);
  if (plan == NULL)
    return FALSE;
  for (guint i = 0; i < plan->len; i++)
    if (!apply_write (res, dir, &g_array_index (plan, SvCgroupWrite, i), error))
      return FALSE;
  if (res->devices != NULL && !sv_cgroup_bpf_apply_devices (dir, res->devices, error))
    {
      g_prefix_error (error, "%s.devices: ", res->json_path);
      return FALSE;
    }
  return TRUE;
}

static gboolean
v2_apply (SvCgroup *cg, const SvCgroupResources *res, GError **error)
{
  return sv_cgroup_v2_apply_at (((SvCgroupMount *) cg->mounts->pdata[0])->dir, res, error);
}

/* ------------------------------------------------------------------------------------------
 * Freezer: cgroup.freeze, settled when cgroup.events says "frozen 1"
 * ---------------------------------------------------------------------------------------- */

static gboolean
events_say_frozen (const char *dir, gpointer want)
{
  char events[256];

  return sv_cgroup_read_small (dir, "cgroup.events", events, sizeof events)
         && strstr (events, want != NULL ? "frozen 1" : "frozen 0") != NULL;
}

gboolean
sv_cgroup_v2_set_frozen_at (const char *dir, gboolean frozen, GError **error)
{
  if (!sv_cgroup_write (dir, "cgroup.freeze", frozen ? "1" : "0", error))
    return FALSE;
  if (sv_cgroup_wait_until (events_say_frozen, dir, frozen ? (gpointer) dir : NULL,
                            FREEZE_TIMEOUT_MS))
    return TRUE;
  if (frozen)
    sv_cgroup_write (dir, "cgroup.freeze", "0", NULL);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
               "%s cgroup %s: cgroup.events did not report it after %d ms%s",
               frozen ? "freezing" : "thawing", dir, FREEZE_TIMEOUT_MS,
               frozen ? " (thawed it again)" : "");
  return FALSE;
}

gboolean
sv_cgroup_v2_is_frozen_at (const char *dir)
{
  return events_say_frozen (dir, (gpointer) dir);
}

/* ------------------------------------------------------------------------------------------
 * Stats, in runc's "events --stats" shape
 * ---------------------------------------------------------------------------------------- */

static JsonObject *
cpu_stats (const char *dir)
{
  g_autoptr (JsonObject) stat = sv_cgroup_read_keyed (dir, "cpu.stat");
  JsonObject *o = json_object_new ();
  JsonObject *usage = json_object_new ();
  JsonObject *thr = json_object_new ();

  sv_cgroup_json_copy_key (usage, "total", stat, "usage_usec", 1000);
  sv_cgroup_json_copy_key (usage, "user", stat, "user_usec", 1000);
  sv_cgroup_json_copy_key (usage, "kernel", stat, "system_usec", 1000);
  sv_cgroup_json_copy_key (thr, "periods", stat, "nr_periods", 1);
  sv_cgroup_json_copy_key (thr, "throttledPeriods", stat, "nr_throttled", 1);
  sv_cgroup_json_copy_key (thr, "throttledTime", stat, "throttled_usec", 1000);
  json_object_set_object_member (o, "usage", usage);
  json_object_set_object_member (o, "throttling", thr);
  return o;
}

static JsonObject *
memory_entry (const char *dir, const char *prefix, const char *events_key)
{
  g_autofree char *current = g_strconcat (prefix, ".current", NULL);
  g_autofree char *max = g_strconcat (prefix, ".max", NULL);
  g_autofree char *peak = g_strconcat (prefix, ".peak", NULL);
  g_autofree char *events_file = g_strconcat (prefix, ".events", NULL);
  g_autoptr (JsonObject) events = sv_cgroup_read_keyed (dir, events_file);
  JsonObject *o;

  if (!sv_cgroup_has_file (dir, current))
    return NULL;
  o = json_object_new ();
  sv_cgroup_json_set_u64_from_file (o, "usage", dir, current);
  sv_cgroup_json_set_u64_from_file (o, "limit", dir, max);
  sv_cgroup_json_set_u64_from_file (o, "max", dir, peak);
  sv_cgroup_json_copy_key (o, "failcnt", events, events_key, 1);
  return o;
}

static JsonObject *
memory_stats (const char *dir)
{
  JsonObject *o = json_object_new ();
  JsonObject *usage = memory_entry (dir, "memory", "max");
  JsonObject *swap = memory_entry (dir, "memory.swap", "max");
  JsonObject *raw = sv_cgroup_read_keyed (dir, "memory.stat");

  if (usage != NULL)
    json_object_set_object_member (o, "usage", usage);
  if (swap != NULL)
    json_object_set_object_member (o, "swap", swap);
  if (raw != NULL)
    {
      sv_cgroup_json_copy_key (o, "cache", raw, "file", 1);
      json_object_set_object_member (o, "raw", raw);
    }
  return o;
}

static void
add_blkio_entry (JsonArray *arr, guint64 major, guint64 minor, const char *op, guint64 value)
{
  JsonObject *e = json_object_new ();

  sv_cgroup_json_set_u64 (e, "major", major);
  sv_cgroup_json_set_u64 (e, "minor", minor);
  json_object_set_string_member (e, "op", op);
  sv_cgroup_json_set_u64 (e, "value", value);
  json_array_add_object_element (arr, e);
}

/* One io.stat line: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0". */
static void
parse_io_stat_line (const char *line, JsonArray *bytes, JsonArray *ios)
{
  g_auto (GStrv) f = g_strsplit (line, " ", -1);
  guint64 major, minor, v;

  if (f[0] == NULL
      || sscanf (f[0], "%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT, &major, &minor) != 2)
    return;
  for (guint i = 1; f[i] != NULL; i++)
    {
      const char *eq = strchr (f[i], '=');

      if (eq == NULL || !g_ascii_string_to_unsigned (eq + 1, 10, 0, G_MAXUINT64, &v, NULL))
        continue;
      if (g_str_has_prefix (f[i], "rbytes="))
        add_blkio_entry (bytes, major, minor, "Read", v);
      else if (g_str_has_prefix (f[i], "wbytes="))
        add_blkio_entry (bytes, major, minor, "Write", v);
      else if (g_str_has_prefix (f[i], "rios="))
        add_blkio_entry (ios, major, minor, "Read", v);
      else if (g_str_has_prefix (f[i], "wios="))
        add_blkio_entry (ios, major, minor, "Write", v);
    }
}

static JsonObject *
blkio_stats (const char *dir)
{
  g_autofree char *text = sv_cgroup_read (dir, "io.stat", NULL);
  g_auto (GStrv) lines = g_strsplit (text != NULL ? text : "", "\n", -1);
  JsonObject *o = json_object_new ();
  JsonArray *bytes = json_array_new ();
  JsonArray *ios = json_array_new ();

  for (guint i = 0; lines[i] != NULL; i++)
    parse_io_stat_line (lines[i], bytes, ios);
  json_object_set_array_member (o, "ioServiceBytesRecursive", bytes);
  json_object_set_array_member (o, "ioServicedRecursive", ios);
  return o;
}

/* {"2MB": {"usage": .., "failcnt": ..}} for every hugetlb.<size>.current. */
static JsonObject *
hugetlb_stats (const char *dir)
{
  JsonObject *o = json_object_new ();
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *size = NULL;
      g_autofree char *events = NULL;
      g_autoptr (JsonObject) ev = NULL;
      JsonObject *e;

      if (!g_str_has_prefix (name, "hugetlb.") || !g_str_has_suffix (name, ".current")
          || strstr (name, ".rsvd.") != NULL)
        continue;
      size = g_strndup (name + strlen ("hugetlb."),
                        strlen (name) - strlen ("hugetlb.") - strlen (".current"));
      events = g_strdup_printf ("hugetlb.%s.events", size);
      ev = sv_cgroup_read_keyed (dir, events);
      e = json_object_new ();
      sv_cgroup_json_set_u64_from_file (e, "usage", dir, name);
      sv_cgroup_json_copy_key (e, "failcnt", ev, "max", 1);
      json_object_set_object_member (o, size, e);
    }
  if (d != NULL)
    g_dir_close (d);
  return o;
}

static JsonObject *
v2_stats (SvCgroup *cg)
{
  const char *dir = ((SvCgroupMount *) cg->mounts->pdata[0])->dir;
  JsonObject *o = json_object_new ();
  JsonObject *pids = json_object_new ();
  guint64 limit;

  sv_cgroup_json_set_u64_from_file (pids, "current", dir, "pids.current");
  if (sv_cgroup_read_u64 (dir, "pids.max", &limit, NULL) && limit != G_MAXUINT64)
    sv_cgroup_json_set_u64 (pids, "limit", limit);
  json_object_set_object_member (o, "cpu", cpu_stats (dir));
  json_object_set_object_member (o, "memory", memory_stats (dir));
  json_object_set_object_member (o, "pids", pids);
  json_object_set_object_member (o, "blkio", blkio_stats (dir));
  json_object_set_object_member (o, "hugetlb", hugetlb_stats (dir));
  return o;
}

static gboolean
v2_set_frozen (SvCgroup *cg, gboolean frozen, GError **error)
{
  return sv_cgroup_v2_set_frozen_at (((SvCgroupMount *) cg->mounts->pdata[0])->dir, frozen,
                                     error);
}

static gboolean
v2_is_frozen (SvCgroup *cg)
{
  return sv_cgroup_v2_is_frozen_at (((SvCgroupMount *) cg->mounts->pdata[0])->dir);
}

gboolean
sv_cgroup_v2_freezing_at (const char *dir)
{
  char state[16];

  return (sv_cgroup_read_small (dir, "cgroup.freeze", state, sizeof state)
          && strcmp (state, "1") == 0)
         || sv_cgroup_v2_is_frozen_at (dir);
}

static gboolean
v2_freezing (SvCgroup *cg, const char **dir_out)
{
  SvCgroupMount *m = cg->mounts->pdata[0];

  *dir_out = sv_cgroup_existing_dir (m->mountpoint, m->dir);
  return sv_cgroup_v2_freezing_at (*dir_out);
}

const SvCgroupDriver sv_cgroup_v2_driver = {
  .create = v2_create,
  .apply = v2_apply,
  .set_frozen = v2_set_frozen,
  .is_frozen = v2_is_frozen,
  .freezing = v2_freezing,
  .stats = v2_stats,
};
