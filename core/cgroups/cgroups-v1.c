/* cgroups-v1.c: one hierarchy per controller (plus name=systemd and, on hybrid hosts, the
 * cgroup2 "unified" mount beside them).  Creating, limiting, freezing and reading stats.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#define G_LOG_DOMAIN "sysvisor"

#include "cgroups-driver.h"
#include "cgroups-files.h"
#include "cgroups-stats.h"
#include "cgroups-v2.h"

#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

#define FREEZE_TIMEOUT_MS 5000

static const char *const v1_delegated_files[] = { "cgroup.procs", "tasks",
                                                  "cgroup.clone_children", NULL };

/* ------------------------------------------------------------------------------------------
 * Create
 * ---------------------------------------------------------------------------------------- */

/* A new cpuset cgroup starts with empty cpus and mems, and no task can join it until they
 * are filled: copy them from the parent, on every level of the path that is still empty.
 * *@parent_val: the parent's value when a level above read it (NULL: not read yet); on return
 * @child's, for the next level. */
static gboolean
cpuset_fill_from_parent (const char *parent, const char *child, const char *file,
                         char **parent_val, GError **error)
{
  g_autofree char *cur = sv_cgroup_read (child, file, error);

  if (cur == NULL)
    return FALSE;
  if (*cur != '\0')
    {
      g_free (*parent_val);
      *parent_val = g_steal_pointer (&cur);
      return TRUE;
    }
  if (*parent_val == NULL && (*parent_val = sv_cgroup_read (parent, file, error)) == NULL)
    return FALSE;
  /* (@child now holds the parent's value, or stays empty with it) */
  return **parent_val == '\0' || sv_cgroup_write (child, file, *parent_val, error);
}

static gboolean
cpuset_init_path (const SvCgroupMount *m, const char *path, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (path, "/", -1);
  g_autofree char *parent = g_strdup (m->mountpoint);
  g_autofree char *cpus = NULL;
  g_autofree char *mems = NULL;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_autofree char *child = NULL;

      if (*parts[i] == '\0')
        continue;
      child = g_build_filename (parent, parts[i], NULL);
      if (!cpuset_fill_from_parent (parent, child, "cpuset.cpus", &cpus, error)
          || !cpuset_fill_from_parent (parent, child, "cpuset.mems", &mems, error))
        return FALSE;
      g_free (parent);
      parent = g_steal_pointer (&child);
    }
  return TRUE;
}

/* mkdir -p in every hierarchy (an existing directory is reused: Docker may have made it),
 * cpuset filled in, then the container's directories handed to its root. */
static gboolean
v1_create (SvCgroup *cg, uid_t uid, gid_t gid, GError **error)
{
  for (guint i = 0; i < cg->mounts->len; i++)
    {
      SvCgroupMount *m = cg->mounts->pdata[i];

      if (!sv_cgroup_mkdir_below (m->mountpoint, cg->path, FALSE, cg->created, error))
        return FALSE;
      if (sv_cgroup_mount_has (m, "cpuset") && !cpuset_init_path (m, cg->path, error))
        return FALSE;
      if (sv_cgroup_mount_is_v2 (m))
        {
          if (!sv_cgroup_v2_delegate (m->dir, uid, gid, error))
            return FALSE;
        }
      else if (!sv_cgroup_chown_delegated (m->dir, v1_delegated_files, uid, gid, error))
        return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------------------------------
 * Resources
 * ---------------------------------------------------------------------------------------- */

/* The directory of @controller's hierarchy; an error naming @section when it is not mounted. */
static const char *
controller_dir (SvCgroup *cg, const SvCgroupResources *res, const char *controller,
                const char *section, GError **error)
{
  SvCgroupMount *m = sv_cgroup_find_mount (cg, controller);

  if (m != NULL)
    return m->dir;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
               "%s.%s: the \"%s\" cgroup controller is not mounted on this host", res->json_path,
               section, controller);
  return NULL;
}

static gboolean
write_int (const SvCgroupResources *res, const char *field, const char *dir, const char *file,
           gint64 value, GError **error)
{
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, value);

  return sv_cgroup_write_field (res, field, dir, file, text, error);
}

/* Two values the kernel checks against each other (quota/period, rt runtime/period): when
 * the first write is refused, the other order is the one that keeps them consistent. */
static gboolean
write_int_pair (const SvCgroupResources *res, const char *dir, const char *field1,
                const char *file1, SvCgroupInt v1, const char *field2, const char *file2,
                SvCgroupInt v2, GError **error)
{
  g_autoptr (GError) first = NULL;

  if (!v1.set)
    return !v2.set || write_int (res, field2, dir, file2, v2.value, error);
  if (write_int (res, field1, dir, file1, v1.value, &first))
    return !v2.set || write_int (res, field2, dir, file2, v2.value, error);
  if (!v2.set || !g_error_matches (first, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT))
    {
      g_propagate_error (error, g_steal_pointer (&first));
      return FALSE;
    }
  return write_int (res, field2, dir, file2, v2.value, error)
         && write_int (res, field1, dir, file1, v1.value, error);
}

static gboolean
check_swap_value (const SvCgroupResources *res, SvCgroupInt limit, SvCgroupInt swap,
                  GError **error)
{
  if (!swap.set || swap.value == -1 || !limit.set)
    return TRUE;
  if (limit.value == -1 || swap.value < limit.value)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "%s.memory.swap: %" G_GINT64_FORMAT " is memory+swap and must be at least "
                   "memory.limit (%" G_GINT64_FORMAT "), or -1",
                   res->json_path, swap.value, limit.value);
      return FALSE;
    }
  return TRUE;
}

/* memory.limit_in_bytes and memory.memsw.limit_in_bytes (memory+swap).  The kernel keeps
 * limit <= memsw at every moment, so when both change, memsw goes first if it grows past
 * the current limit, and last otherwise. */
static gboolean
apply_memory_limits (const SvCgroupResources *res, const char *dir, GError **error)
{
  SvCgroupInt limit = res->mem_limit, swap = res->mem_swap;
  guint64 cur_limit;

  if (limit.set && limit.value == -1 && !swap.set)
    swap = (SvCgroupInt){ TRUE, -1 }; /* unlimited memory: memsw must not cap it */
  if (!check_swap_value (res, limit, swap, error))
    return FALSE;
  if (swap.set && !sv_cgroup_has_file (dir, "memory.memsw.limit_in_bytes"))
    {
      if (swap.value != -1 && !(limit.set && swap.value == limit.value))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       "%s.memory.swap: this kernel does not account swap "
                       "(no memory.memsw.limit_in_bytes); boot it with swapaccount=1, or drop "
                       "the swap limit",
                       res->json_path);
          return FALSE;
        }
      g_debug ("%s.memory.swap: no swap accounting on this kernel, nothing to limit",
               res->json_path);
      swap.set = FALSE;
    }
  if (!swap.set || !limit.set)
    return write_int_pair (res, dir, "memory.limit", "memory.limit_in_bytes", limit,
                           "memory.swap", "memory.memsw.limit_in_bytes", swap, error);
  if (!sv_cgroup_read_u64 (dir, "memory.limit_in_bytes", &cur_limit, error))
    return FALSE;
  if (swap.value == -1 || (guint64) swap.value >= cur_limit)
    return write_int (res, "memory.swap", dir, "memory.memsw.limit_in_bytes", swap.value, error)
           && write_int (res, "memory.limit", dir, "memory.limit_in_bytes", limit.value, error);
  return write_int (res, "memory.limit", dir, "memory.limit_in_bytes", limit.value, error)
         && write_int (res, "memory.swap", dir, "memory.memsw.limit_in_bytes", swap.value, error);
}

static gboolean
apply_memory_extras (const SvCgroupResources *res, const char *dir, GError **error)
{
  if (res->mem_reservation.set
      && !write_int (res, "memory.reservation", dir, "memory.soft_limit_in_bytes",
                     res->mem_reservation.value, error))
    return FALSE;
  if (res->mem_kernel_tcp.set)
    {
      if (sv_cgroup_has_file (dir, "memory.kmem.tcp.limit_in_bytes"))
        {
          if (!write_int (res, "memory.kernelTCP", dir, "memory.kmem.tcp.limit_in_bytes",
                          res->mem_kernel_tcp.value, error))
            return FALSE;
        }
      else
        g_debug ("%s.memory.kernelTCP: not supported by this kernel, ignored", res->json_path);
    }
  if (res->mem_swappiness.set
      && !write_int (res, "memory.swappiness", dir, "memory.swappiness",
                     res->mem_swappiness.value, error))
    return FALSE;
  return !res->mem_disable_oom.set
         || write_int (res, "memory.disableOOMKiller", dir, "memory.oom_control",
                       res->mem_disable_oom.value, error);
}

static gboolean
apply_memory (SvCgroup *cg, const SvCgroupResources *res, GError **error)
{
  const char *dir;

  if (res->mem_kernel.set)
    g_debug ("%s.memory.kernel: kernel memory limits are deprecated by Linux, ignored",
             res->json_path);
  if (!res->mem_limit.set && !res->mem_swap.set && !res->mem_reservation.set
      && !res->mem_kernel_tcp.set && !res->mem_swappiness.set && !res->mem_disable_oom.set)
    return TRUE;
  dir = controller_dir (cg, res, "memory", "memory", error);
  return dir != NULL && sv_cgroup_check_memory_usage (res, dir, "memory.usage_in_bytes", error)
         && apply_memory_limits (res, dir, error) && apply_memory_extras (res, dir, error);
}

/* The kernel clamps cpu.shares to 2..262144 silently; say so instead. */
static gboolean
apply_cpu_shares (const SvCgroupResources *res, const char *dir, GError **error)
{
  guint64 got;

  if (!write_int (res, "cpu.shares", dir, "cpu.shares", res->cpu_shares.value, error)
      || !sv_cgroup_read_u64 (dir, "cpu.shares", &got, error))
    return FALSE;
  if (got == (guint64) res->cpu_shares.value)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "%s.cpu.shares: %" G_GINT64_FORMAT
               " is outside what the kernel accepts (2..262144; "
               "it set %" G_GUINT64_FORMAT ")",
               res->json_path, res->cpu_shares.value, got);
  return FALSE;
}

static gboolean
apply_cpu_rt (const SvCgroupResources *res, const char *dir, GError **error)
{
  if (!res->cpu_rt_runtime.set && !res->cpu_rt_period.set)
    return TRUE;
  if (write_int_pair (res, dir, "cpu.realtimePeriod", "cpu.rt_period_us", res->cpu_rt_period,
                      "cpu.realtimeRuntime", "cpu.rt_runtime_us", res->cpu_rt_runtime, error))
    return TRUE;
  g_prefix_error (error, "(the parent cgroups need at least this realtime budget in their "
                         "cpu.rt_runtime_us) ");
  return FALSE;
}

static gboolean
apply_cpu (SvCgroup *cg, const SvCgroupResources *res, GError **error)
{
  const char *dir;

  if (!res->cpu_shares.set && !res->cpu_quota.set && !res->cpu_period.set && !res->cpu_burst.set
      && !res->cpu_rt_runtime.set && !res->cpu_rt_period.set && !res->cpu_idle.set)
    return TRUE;
  dir = controller_dir (cg, res, "cpu", "cpu", error);
  if (dir == NULL || !apply_cpu_rt (res, dir, error))
    return FALSE;
  if (res->cpu_shares.set && !apply_cpu_shares (res, dir, error))
    return FALSE;
  if (!write_int_pair (res, dir, "cpu.period", "cpu.cfs_period_us", res->cpu_period, "cpu.quota",
                       "cpu.cfs_quota_us", res->cpu_quota, error))
    return FALSE;
  if (res->cpu_burst.set
      && !write_int (res, "cpu.burst", dir, "cpu.cfs_burst_us", res->cpu_burst.value, error))
    return FALSE;
  return !res->cpu_idle.set
         || write_int (res, "cpu.idle", dir, "cpu.idle", res->cpu_idle.value, error);
}

static gboolean
apply_cpuset (SvCgroup *cg, const SvCgroupResources *res, GError **error)
{
  const char *dir;

  if (res->cpus == NULL && res->mems == NULL)
    return TRUE;
  dir = controller_dir (cg, res, "cpuset", "cpu", error);
  return dir != NULL
         && (res->cpus == NULL
             || sv_cgroup_write_field (res, "cpu.cpus", dir, "cpuset.cpus", res->cpus, error))
         && (res->mems == NULL
             || sv_cgroup_write_field (res, "cpu.mems", dir, "cpuset.mems", res->mems, error));
}

static gboolean
apply_pids (SvCgroup *cg, const SvCgroupResources *res, GError **error)
{
  g_autofree char *value = NULL;
  const char *dir;

  if (!res->pids_limit.set)
    return TRUE;
  dir = controller_dir (cg, res, "pids", "pids", error);
  if (dir == NULL)
    return FALSE;
  value = res->pids_limit.value < 0
              ? g_strdup ("max")
              : g_strdup_printf ("%" G_GINT64_FORMAT, res->pids_limit.value);
  return sv_cgroup_write_field (res, "pids.limit", dir, "pids.max", value, error);
}

/* ------------------------------------------------------------------------------------------
 * Block I/O: CFQ's blkio.weight* or BFQ's blkio.bfq.weight*, whichever the kernel offers
 * ---------------------------------------------------------------------------------------- */

static const char *
blkio_weight_file (const char *dir, gboolean per_device)
{
  if (sv_cgroup_has_file (dir, per_device ? "blkio.weight_device" : "blkio.weight"))
    return per_device ? "blkio.weight_device" : "blkio.weight";
  if (sv_cgroup_has_file (dir, per_device ? "blkio.bfq.weight_device" : "blkio.bfq.weight"))
    return per_device ? "blkio.bfq.weight_device" : "blkio.bfq.weight";
  return NULL;
}

static gboolean
no_weight_file (const SvCgroupResources *res, const char *field, GError **error)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
               "%s.blockIO.%s: this kernel has no blkio weight files (neither blkio.weight nor "
               "blkio.bfq.weight): use the BFQ I/O scheduler, or drop the weight",
               res->json_path, field);
  return FALSE;
}

static gboolean
apply_blkio_weight_devices (const SvCgroupResources *res, const char *dir, GError **error)
{
  for (guint i = 0; res->weight_devices != NULL && i < res->weight_devices->len; i++)
    {
      const SvCgroupWeightDevice *wd =
          &g_array_index (res->weight_devices, SvCgroupWeightDevice, i);
      g_autofree char *field = g_strdup_printf ("blockIO.weightDevice[%u]", i);
      g_autofree char *value = NULL;
      const char *file = blkio_weight_file (dir, TRUE);

      if (wd->leaf_weight.set)
        g_debug ("%s.%s.leafWeight: not supported by current kernels, ignored", res->json_path,
                 field);
      if (!wd->weight.set)
        continue;
      if (file == NULL)
        return no_weight_file (res, field + strlen ("blockIO."), error);
      value = g_strdup_printf ("%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT " %" G_GINT64_FORMAT,
                               wd->major, wd->minor, wd->weight.value);
      if (!sv_cgroup_write_field (res, field, dir, file, value, error))
        return FALSE;
    }
  return TRUE;
}

static const char *const v1_throttle_files[SV_CGROUP_N_THROTTLES] = {
  "blkio.throttle.read_bps_device",
  "blkio.throttle.write_bps_device",
  "blkio.throttle.read_iops_device",
  "blkio.throttle.write_iops_device",
};
static const char *const throttle_fields[SV_CGROUP_N_THROTTLES] = {
  "blockIO.throttleReadBpsDevice",
  "blockIO.throttleWriteBpsDevice",
  "blockIO.throttleReadIOPSDevice",
  "blockIO.throttleWriteIOPSDevice",
};

static gboolean
apply_blkio_throttles (const SvCgroupResources *res, const char *dir, GError **error)
{
  for (guint k = 0; k < SV_CGROUP_N_THROTTLES; k++)
    for (guint i = 0; res->throttles[k] != NULL && i < res->throttles[k]->len; i++)
      {
        const SvCgroupThrottle *t = &g_array_index (res->throttles[k], SvCgroupThrottle, i);
        g_autofree char *field = g_strdup_printf ("%s[%u]", throttle_fields[k], i);
        g_autofree char *value =
            g_strdup_printf ("%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT " %" G_GUINT64_FORMAT,
                             t->major, t->minor, t->rate);

        if (!sv_cgroup_write_field (res, field, dir, v1_throttle_files[k], value, error))
          return FALSE;
      }
  return TRUE;
}

static gboolean
blkio_requested (const SvCgroupResources *res)
{
  for (guint k = 0; k < SV_CGROUP_N_THROTTLES; k++)
    if (res->throttles[k] != NULL && res->throttles[k]->len > 0)
      return TRUE;
  return res->blkio_weight.set || res->blkio_leaf_weight.set
         || (res->weight_devices != NULL && res->weight_devices->len > 0);
}

static gboolean
apply_blkio (SvCgroup *cg, const SvCgroupResources *res, GError **error)
{
  const char *dir;

  if (!blkio_requested (res))
    return TRUE;
  dir = controller_dir (cg, res, "blkio", "blockIO", error);
  if (dir == NULL)
    return FALSE;
  if (res->blkio_weight.set)
    {
      const char *file = blkio_weight_file (dir, FALSE);

      if (file == NULL)
        return no_weight_file (res, "weight", error);
      if (!write_int (res, "blockIO.weight", dir, file, res->blkio_weight.value, error))
        return FALSE;
    }
  if (res->blkio_leaf_weight.set)
    {
      if (sv_cgroup_has_file (dir, "blkio.leaf_weight"))
        {
          if (!write_int (res, "blockIO.leafWeight", dir, "blkio.leaf_weight",
                          res->blkio_leaf_weight.value, error))
            return FALSE;
        }
      else
        g_debug ("%s.blockIO.leafWeight: not supported by this kernel, ignored", res->json_path);
    }
  return apply_blkio_weight_devices (res, dir, error) && apply_blkio_throttles (res, dir, error);
}

/* ------------------------------------------------------------------------------------------
 * Hugetlb and network: applied when the controller is there, a warning otherwise
 * ---------------------------------------------------------------------------------------- */

static gboolean
apply_hugetlb (SvCgroup *cg, const SvCgroupResources *res, GError **error)
{
  SvCgroupMount *m = sv_cgroup_find_mount (cg, "hugetlb");

  if (res->hugepages == NULL || res->hugepages->len == 0)
    return TRUE;
  if (m == NULL)
    {
      g_warning ("%s.hugepageLimits: the hugetlb cgroup controller is not mounted; "
                 "huge page limits not applied",
                 res->json_path);
      return TRUE;
    }
  for (guint i = 0; i < res->hugepages->len; i++)
    {
      const SvCgroupHugepage *hp = &g_array_index (res->hugepages, SvCgroupHugepage, i);
      g_autofree char *file = g_strdup_printf ("hugetlb.%s.limit_in_bytes", hp->page_size);
      g_autofree char *field = g_strdup_printf ("hugepageLimits[%u]", i);

      if (!sv_cgroup_has_file (m->dir, file))
        {
          g_warning ("%s.%s: this host has no %s huge pages (no %s); limit not applied",
                     res->json_path, field, hp->page_size, file);
          continue;
        }
      if (!write_int (res, field, m->dir, file, (gint64) hp->limit, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
apply_network (SvCgroup *cg, const SvCgroupResources *res, GError **error)
{
  SvCgroupMount *cls = sv_cgroup_find_mount (cg, "net_cls");
  SvCgroupMount *prio = sv_cgroup_find_mount (cg, "net_prio");

  if (res->net_class_id.set)
    {
      if (cls == NULL)
        g_warning ("%s.network.classID: the net_cls controller is not mounted; not applied",
                   res->json_path);
      else if (!write_int (res, "network.classID", cls->dir, "net_cls.classid",
                           res->net_class_id.value, error))
        return FALSE;
    }
  for (guint i = 0; res->net_prios != NULL && i < res->net_prios->len; i++)
    {
      const SvCgroupNetPrio *np = &g_array_index (res->net_prios, SvCgroupNetPrio, i);
      g_autofree char *field = g_strdup_printf ("network.priorities[%u]", i);
      g_autofree char *value = g_strdup_printf ("%s %u", np->name, np->priority);

      if (prio == NULL)
        {
          g_warning ("%s.network.priorities: the net_prio controller is not mounted; not applied",
                     res->json_path);
          break;
        }
      if (!sv_cgroup_write_field (res, field, prio->dir, "net_prio.ifpriomap", value, error))
        return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------------------------------
 * Devices: deny everything, then replay the OCI rules in order
 * ---------------------------------------------------------------------------------------- */

static char *
device_rule_string (char type, const SvCgroupDevice *dev)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "%c ", type);
  if (dev->major < 0)
    g_string_append (s, "*:");
  else
    g_string_append_printf (s, "%" G_GINT64_FORMAT ":", dev->major);
  if (dev->minor < 0)
    g_string_append (s, "* ");
  else
    g_string_append_printf (s, "%" G_GINT64_FORMAT " ", dev->minor);
  if (dev->access & SV_CGROUP_ACC_READ)
    g_string_append_c (s, 'r');
  if (dev->access & SV_CGROUP_ACC_WRITE)
    g_string_append_c (s, 'w');
  if (dev->access & SV_CGROUP_ACC_MKNOD)
    g_string_append_c (s, 'm');
  return g_string_free (s, FALSE);
}

/* The kernel reads a rule starting with 'a' as "every device, every access" whatever
 * follows, so a narrower type-'a' rule is written as one 'b' and one 'c' rule.  @fds: the
 * kept fds of devices.deny ([0]) and devices.allow ([1]). */
static gboolean
write_device_rule (const SvCgroupResources *res, guint i, const char *dir, int fds[2],
                   GError **error)
{
  const SvCgroupDevice *dev = &g_array_index (res->devices, SvCgroupDevice, i);
  const char *file = dev->allow ? "devices.allow" : "devices.deny";
  int *fd = &fds[dev->allow ? 1 : 0];
  g_autofree char *field = g_strdup_printf ("devices[%u]", i);
  g_autofree char *block = NULL;
  g_autofree char *chr = NULL;

  if (dev->type != 'a')
    {
      g_autofree char *rule = device_rule_string (dev->type, dev);

      return sv_cgroup_write_field_kept (res, field, dir, file, fd, rule, error);
    }
  if (dev->major < 0 && dev->minor < 0 && dev->access == SV_CGROUP_ACC_ALL)
    return sv_cgroup_write_field_kept (res, field, dir, file, fd, "a", error);
  block = device_rule_string ('b', dev);
  chr = device_rule_string ('c', dev);
  return sv_cgroup_write_field_kept (res, field, dir, file, fd, block, error)
         && sv_cgroup_write_field_kept (res, field, dir, file, fd, chr, error);
}

/* The whole list is replayed each time: "a" to devices.deny, then every rule in order, each
 * file opened once. */
static gboolean
apply_devices (SvCgroup *cg, const SvCgroupResources *res, GError **error)
{
  const char *dir;
  int fds[2] = { -1, -1 };
  gboolean ok;

  if (res->devices == NULL)
    return TRUE;
  dir = controller_dir (cg, res, "devices", "devices", error);
  if (dir == NULL)
    return FALSE;
  ok = sv_cgroup_write_field_kept (res, "devices", dir, "devices.deny", &fds[0], "a", error);
  for (guint i = 0; ok && i < res->devices->len; i++)
    ok = write_device_rule (res, i, dir, fds, error);
  sv_close_fdp (&fds[0]);
  sv_close_fdp (&fds[1]);
  return ok;
}

static gboolean
refuse_unified (const SvCgroupResources *res, GError **error)
{
  if (res->unified == NULL || res->unified->len == 0)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
               "%s.unified[\"%s\"]: the unified map needs a cgroup v2 host, and this host uses "
               "cgroup v1; use the v1 fields of %s instead",
               res->json_path, (const char *) res->unified->pdata[0], res->json_path);
  return FALSE;
}

static gboolean
v1_apply (SvCgroup *cg, const SvCgroupResources *res, GError **error)
{
  return refuse_unified (res, error) && apply_cpuset (cg, res, error)
         && apply_devices (cg, res, error) && apply_memory (cg, res, error)
         && apply_cpu (cg, res, error) && apply_pids (cg, res, error)
         && apply_blkio (cg, res, error) && apply_hugetlb (cg, res, error)
         && apply_network (cg, res, error);
}

/* ------------------------------------------------------------------------------------------
 * Freezer
 * ---------------------------------------------------------------------------------------- */

/* A cgroup can linger in FREEZING (a task in an uninterruptible sleep); writing FROZEN again
 * makes the kernel retry. */
static gboolean
freezer_state_reached (const char *dir, gpointer target)
{
  g_autofree char *state = sv_cgroup_read (dir, "freezer.state", NULL);

  if (state == NULL || g_str_equal (state, target))
    return state != NULL;
  sv_cgroup_write (dir, "freezer.state", target, NULL);
  return FALSE;
}

static gboolean
freezer_set (const char *dir, gboolean frozen, GError **error)
{
  const char *target = frozen ? "FROZEN" : "THAWED";
  g_autofree char *state = NULL;

  if (!sv_cgroup_write (dir, "freezer.state", target, error))
    return FALSE;
  if (sv_cgroup_wait_until (freezer_state_reached, dir, (gpointer) target, FREEZE_TIMEOUT_MS))
    return TRUE;
  state = sv_cgroup_read (dir, "freezer.state", NULL);
  if (frozen)
    sv_cgroup_write (dir, "freezer.state", "THAWED", NULL);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "%s cgroup %s: still %s after %d ms%s",
               frozen ? "freezing" : "thawing", dir, state != NULL ? state : "unreadable",
               FREEZE_TIMEOUT_MS, frozen ? " (thawed it again)" : "");
  return FALSE;
}

/* The v1 freezer; on a hybrid host without it, the cgroup2 tree's cgroup.freeze. */
static gboolean
v1_set_frozen (SvCgroup *cg, gboolean frozen, GError **error)
{
  SvCgroupMount *m = sv_cgroup_find_mount (cg, "freezer");
  SvCgroupMount *unified = sv_cgroup_find_unified (cg);

  if (m != NULL)
    return freezer_set (m->dir, frozen, error);
  if (unified != NULL && sv_cgroup_has_file (unified->dir, "cgroup.freeze"))
    return sv_cgroup_v2_set_frozen_at (unified->dir, frozen, error);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
               "cannot %s cgroup %s: the freezer cgroup controller is not mounted",
               frozen ? "freeze" : "thaw", cg->path);
  return FALSE;
}

static gboolean
v1_is_frozen (SvCgroup *cg)
{
  SvCgroupMount *m = sv_cgroup_find_mount (cg, "freezer");
  SvCgroupMount *unified = sv_cgroup_find_unified (cg);
  g_autofree char *state = NULL;

  if (m == NULL)
    return unified != NULL && sv_cgroup_v2_is_frozen_at (unified->dir);
  state = sv_cgroup_read (m->dir, "freezer.state", NULL);
  return state != NULL && g_str_equal (state, "FROZEN");
}

/* ------------------------------------------------------------------------------------------
 * Stats, in runc's "events --stats" shape
 * ---------------------------------------------------------------------------------------- */

static JsonArray *
read_u64_list (const char *dir, const char *file)
{
  g_autofree char *text = sv_cgroup_read (dir, file, NULL);
  g_auto (GStrv) fields = NULL;
  JsonArray *arr;

  if (text == NULL)
    return NULL;
  arr = json_array_new ();
  fields = g_strsplit_set (text, " \n", -1);
  for (guint i = 0; fields[i] != NULL; i++)
    {
      guint64 v;

      if (g_ascii_string_to_unsigned (fields[i], 10, 0, G_MAXUINT64, &v, NULL))
        json_array_add_int_element (arr, (gint64) MIN (v, (guint64) G_MAXINT64));
    }
  return arr;
}

static void
set_list_from_file (JsonObject *o, const char *member, const char *dir, const char *file)
{
  JsonArray *arr = read_u64_list (dir, file);

  if (arr != NULL)
    json_object_set_array_member (o, member, arr);
}

static JsonObject *
cpu_usage (const char *acct)
{
  JsonObject *usage = json_object_new ();
  g_autoptr (JsonObject) stat = NULL;
  guint64 ns_per_tick = 1000000000ull / (guint64) MAX (sysconf (_SC_CLK_TCK), 1);

  sv_cgroup_json_set_u64_from_file (usage, "total", acct, "cpuacct.usage");
  set_list_from_file (usage, "percpu", acct, "cpuacct.usage_percpu");
  set_list_from_file (usage, "percpu_kernel", acct, "cpuacct.usage_percpu_sys");
  set_list_from_file (usage, "percpu_user", acct, "cpuacct.usage_percpu_user");
  if (sv_cgroup_has_file (acct, "cpuacct.usage_sys"))
    {
      sv_cgroup_json_set_u64_from_file (usage, "kernel", acct, "cpuacct.usage_sys");
      sv_cgroup_json_set_u64_from_file (usage, "user", acct, "cpuacct.usage_user");
      return usage;
    }
  stat = sv_cgroup_read_keyed (acct, "cpuacct.stat"); /* in clock ticks */
  sv_cgroup_json_copy_key (usage, "kernel", stat, "system", ns_per_tick);
  sv_cgroup_json_copy_key (usage, "user", stat, "user", ns_per_tick);
  return usage;
}

static JsonObject *
cpu_stats (SvCgroup *cg)
{
  SvCgroupMount *acct = sv_cgroup_find_mount (cg, "cpuacct");
  SvCgroupMount *cpu = sv_cgroup_find_mount (cg, "cpu");
  JsonObject *o = json_object_new ();
  JsonObject *thr = json_object_new ();
  g_autoptr (JsonObject) stat = cpu != NULL ? sv_cgroup_read_keyed (cpu->dir, "cpu.stat") : NULL;

  json_object_set_object_member (o, "usage",
                                 acct != NULL ? cpu_usage (acct->dir) : json_object_new ());
  sv_cgroup_json_copy_key (thr, "periods", stat, "nr_periods", 1);
  sv_cgroup_json_copy_key (thr, "throttledPeriods", stat, "nr_throttled", 1);
  sv_cgroup_json_copy_key (thr, "throttledTime", stat, "throttled_time", 1);
  json_object_set_object_member (o, "throttling", thr);
  return o;
}

/* {"limit","usage","max","failcnt"} from memory.<prefix>*; NULL if the files are absent. */
static JsonObject *
memory_entry (const char *dir, const char *prefix)
{
  g_autofree char *usage = g_strconcat (prefix, "usage_in_bytes", NULL);
  g_autofree char *max = g_strconcat (prefix, "max_usage_in_bytes", NULL);
  g_autofree char *limit = g_strconcat (prefix, "limit_in_bytes", NULL);
  g_autofree char *failcnt = g_strconcat (prefix, "failcnt", NULL);
  JsonObject *o;

  if (!sv_cgroup_has_file (dir, usage))
    return NULL;
  o = json_object_new ();
  sv_cgroup_json_set_u64_from_file (o, "limit", dir, limit);
  sv_cgroup_json_set_u64_from_file (o, "usage", dir, usage);
  sv_cgroup_json_set_u64_from_file (o, "max", dir, max);
  sv_cgroup_json_set_u64_from_file (o, "failcnt", dir, failcnt);
  return o;
}

static void
set_memory_entry (JsonObject *o, const char *member, const char *dir, const char *prefix)
{
  JsonObject *entry = memory_entry (dir, prefix);

  if (entry != NULL)
    json_object_set_object_member (o, member, entry);
}

static JsonObject *
memory_stats (const char *dir)
{
  JsonObject *o = json_object_new ();
  JsonObject *raw = sv_cgroup_read_keyed (dir, "memory.stat");

  set_memory_entry (o, "usage", dir, "memory.");
  set_memory_entry (o, "swap", dir, "memory.memsw.");
  set_memory_entry (o, "kernel", dir, "memory.kmem.");
  set_memory_entry (o, "kernelTCP", dir, "memory.kmem.tcp.");
  if (raw != NULL)
    {
      sv_cgroup_json_copy_key (o, "cache", raw, "cache", 1);
      json_object_set_object_member (o, "raw", raw);
    }
  return o;
}

/* "8:0 Read 4096" lines -> [{"major":8,"minor":0,"op":"Read","value":4096}] */
static JsonArray *
blkio_entries (const char *dir, const char *file)
{
  g_autofree char *text = sv_cgroup_read (dir, file, NULL);
  g_auto (GStrv) lines = NULL;
  JsonArray *arr = json_array_new ();

  lines = text != NULL ? g_strsplit (text, "\n", -1) : g_new0 (char *, 1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], " ", -1);
      guint64 major, minor, value;
      JsonObject *e;

      if (g_strv_length (f) != 3
          || sscanf (f[0], "%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT, &major, &minor) != 2
          || !g_ascii_string_to_unsigned (f[2], 10, 0, G_MAXUINT64, &value, NULL))
        continue;
      e = json_object_new ();
      sv_cgroup_json_set_u64 (e, "major", major);
      sv_cgroup_json_set_u64 (e, "minor", minor);
      json_object_set_string_member (e, "op", f[1]);
      sv_cgroup_json_set_u64 (e, "value", value);
      json_array_add_object_element (arr, e);
    }
  return arr;
}

static JsonObject *
blkio_stats (const char *dir)
{
  const char *prefix = sv_cgroup_has_file (dir, "blkio.bfq.io_service_bytes_recursive")
                           ? "blkio.bfq."
                           : "blkio.throttle.";
  g_autofree char *bytes = g_strconcat (prefix, "io_service_bytes_recursive", NULL);
  g_autofree char *ios = g_strconcat (prefix, "io_serviced_recursive", NULL);
  JsonObject *o = json_object_new ();

  json_object_set_array_member (o, "ioServiceBytesRecursive", blkio_entries (dir, bytes));
  json_object_set_array_member (o, "ioServicedRecursive", blkio_entries (dir, ios));
  return o;
}

static JsonObject *
pids_stats (const char *dir)
{
  JsonObject *o = json_object_new ();
  guint64 limit;

  sv_cgroup_json_set_u64_from_file (o, "current", dir, "pids.current");
  if (sv_cgroup_read_u64 (dir, "pids.max", &limit, NULL) && limit != G_MAXUINT64)
    sv_cgroup_json_set_u64 (o, "limit", limit);
  return o;
}

static JsonObject *
v1_stats (SvCgroup *cg)
{
  JsonObject *o = json_object_new ();
  SvCgroupMount *mem = sv_cgroup_find_mount (cg, "memory");
  SvCgroupMount *pids = sv_cgroup_find_mount (cg, "pids");
  SvCgroupMount *blkio = sv_cgroup_find_mount (cg, "blkio");

  json_object_set_object_member (o, "cpu", cpu_stats (cg));
  json_object_set_object_member (o, "memory",
                                 mem != NULL ? memory_stats (mem->dir) : json_object_new ());
  json_object_set_object_member (o, "pids",
                                 pids != NULL ? pids_stats (pids->dir) : json_object_new ());
  json_object_set_object_member (o, "blkio",
                                 blkio != NULL ? blkio_stats (blkio->dir) : json_object_new ());
  return o;
}

/* The freezer's state; on a hybrid host without it, the cgroup2 tree's.  (Of the nearest
 * existing ancestor when the cgroup is not made yet.) */
static gboolean
v1_freezing (SvCgroup *cg, const char **dir_out)
{
  SvCgroupMount *m = sv_cgroup_find_mount (cg, "freezer");
  char state[64];

  if (m == NULL)
    {
      m = sv_cgroup_find_unified (cg);
      if (m == NULL)
        return FALSE;
      *dir_out = sv_cgroup_existing_dir (m->mountpoint, m->dir);
      return sv_cgroup_v2_freezing_at (*dir_out);
    }
  *dir_out = sv_cgroup_existing_dir (m->mountpoint, m->dir);
  return sv_cgroup_read_small (*dir_out, "freezer.state", state, sizeof state)
         && strcmp (state, "THAWED") != 0;
}

const SvCgroupDriver sv_cgroup_v1_driver = {
  .create = v1_create,
  .apply = v1_apply,
  .set_frozen = v1_set_frozen,
  .is_frozen = v1_is_frozen,
  .freezing = v1_freezing,
  .stats = v1_stats,
};
