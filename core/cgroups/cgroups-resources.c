/* cgroups-resources.c: linux.resources (and `update`'s input) parsed once into a checked
 * SvCgroupResources that the v1, v2 and systemd drivers read; the conversions they share.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#define G_LOG_DOMAIN "sysvisor"

#include "cgroups-resources.h"

#include "cgroups-files.h"
#include "json-util.h"

#include <gio/gio.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------
 * linux.resources -> SvCgroupResources: every value checked, with its JSON path, before
 * anything is written
 * ---------------------------------------------------------------------------------------- */

SvCgroupResources *
sv_cgroup_resources_new (const char *json_path)
{
  SvCgroupResources *r = g_new0 (SvCgroupResources, 1);

  r->ref_count = 1;
  r->json_path = g_strdup (json_path != NULL ? json_path : "linux.resources");
  return r;
}

SvCgroupResources *
sv_cgroup_resources_ref (SvCgroupResources *res)
{
  g_atomic_int_inc (&res->ref_count);
  return res;
}

void
sv_cgroup_resources_unref (SvCgroupResources *res)
{
  if (res == NULL || !g_atomic_int_dec_and_test (&res->ref_count))
    return;
  g_free (res->json_path);
  g_free (res->cpus);
  g_free (res->mems);
  g_clear_pointer (&res->weight_devices, g_array_unref);
  for (guint i = 0; i < SV_CGROUP_N_THROTTLES; i++)
    g_clear_pointer (&res->throttles[i], g_array_unref);
  if (res->hugepages != NULL)
    for (guint i = 0; i < res->hugepages->len; i++)
      g_free (g_array_index (res->hugepages, SvCgroupHugepage, i).page_size);
  g_clear_pointer (&res->hugepages, g_array_unref);
  g_clear_pointer (&res->devices, g_array_unref);
  if (res->net_prios != NULL)
    for (guint i = 0; i < res->net_prios->len; i++)
      g_free (g_array_index (res->net_prios, SvCgroupNetPrio, i).name);
  g_clear_pointer (&res->net_prios, g_array_unref);
  g_clear_pointer (&res->unified, g_ptr_array_unref);
  g_free (res);
}

gboolean
sv_cgroup_invalid_field (GError **error, const char *fmt, ...)
{
  g_autofree char *msg = NULL;
  va_list ap;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, msg);
  return FALSE;
}

gboolean
sv_cgroup_node_is (JsonNode *node, GType type)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

/* An integer in [min, max]; 0 leaves *out unset when @zero_unset (runc's "not set").  Only an
 * integer in the JSON: sv_json_get_int64 would also take 1e3 or 5.0. */
gboolean
sv_cgroup_get_int (JsonObject *obj, const char *path, const char *member, gint64 min, gint64 max,
                   gboolean zero_unset, SvCgroupInt *out, GError **error)
{
  JsonNode *node;
  gint64 v;

  if (!sv_json_get_member (obj, path, member, FALSE, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (!sv_cgroup_node_is (node, G_TYPE_INT64))
    return sv_cgroup_invalid_field (error, "%s.%s: expected an integer", path, member);
  v = json_node_get_int (node);
  if (v < min || v > max)
    return sv_cgroup_invalid_field (error,
                                    "%s.%s: %" G_GINT64_FORMAT
                                    " is out of range (%" G_GINT64_FORMAT "..%" G_GINT64_FORMAT
                                    ")",
                                    path, member, v, min, max);
  if (zero_unset && v == 0)
    return TRUE;
  out->set = TRUE;
  out->value = v;
  return TRUE;
}

/* true or false; absent leaves *out unset. */
static gboolean
get_bool (JsonObject *obj, const char *path, const char *member, SvCgroupInt *out, GError **error)
{
  gboolean v = -1; /* neither TRUE nor FALSE: sv_json_get_bool leaves it when absent */

  if (!sv_json_get_bool (obj, path, member, &v, error))
    return FALSE;
  if (v != -1)
    {
      out->set = TRUE;
      out->value = v;
    }
  return TRUE;
}

/* A string; "" leaves *out NULL. */
static gboolean
get_string (JsonObject *obj, const char *path, const char *member, char **out, GError **error)
{
  if (!sv_json_get_string (obj, path, member, FALSE, out, error))
    return FALSE;
  if (*out != NULL && **out == '\0')
    g_clear_pointer (out, g_free);
  return TRUE;
}

/* A member that must be an array of objects (or absent: *out NULL); every element is checked
 * before any is parsed. */
gboolean
sv_cgroup_get_object_array (JsonObject *obj, const char *path, const char *member,
                            JsonArray **out, GError **error)
{
  g_autofree char *p = NULL;

  if (!sv_json_get_array (obj, path, member, FALSE, out, error))
    return FALSE;
  if (*out == NULL)
    return TRUE;
  p = sv_json_path (path, member);
  for (guint i = 0; i < json_array_get_length (*out); i++)
    if (sv_json_array_object (*out, p, i, error) == NULL)
      return FALSE;
  return TRUE;
}

static gboolean
parse_memory (JsonObject *mem, const char *path, SvCgroupResources *r, GError **error)
{
  if (!sv_cgroup_get_int (mem, path, "limit", -1, G_MAXINT64, TRUE, &r->mem_limit, error)
      || !sv_cgroup_get_int (mem, path, "reservation", -1, G_MAXINT64, TRUE, &r->mem_reservation,
                             error)
      || !sv_cgroup_get_int (mem, path, "swap", -1, G_MAXINT64, TRUE, &r->mem_swap, error)
      || !sv_cgroup_get_int (mem, path, "kernel", -1, G_MAXINT64, TRUE, &r->mem_kernel, error)
      || !sv_cgroup_get_int (mem, path, "kernelTCP", -1, G_MAXINT64, TRUE, &r->mem_kernel_tcp,
                             error)
      || !sv_cgroup_get_int (mem, path, "swappiness", -1, 100, FALSE, &r->mem_swappiness, error)
      || !get_bool (mem, path, "disableOOMKiller", &r->mem_disable_oom, error)
      || !get_bool (mem, path, "checkBeforeUpdate", &r->mem_check_before_update, error))
    return FALSE;
  if (r->mem_swappiness.set && r->mem_swappiness.value < 0)
    r->mem_swappiness.set = FALSE; /* -1: the kernel's default */
  return TRUE;
}

static gboolean
parse_cpu (JsonObject *cpu, const char *path, SvCgroupResources *r, GError **error)
{
  return sv_cgroup_get_int (cpu, path, "shares", 0, G_MAXINT64, TRUE, &r->cpu_shares, error)
         && sv_cgroup_get_int (cpu, path, "quota", -1, G_MAXINT64, TRUE, &r->cpu_quota, error)
         && sv_cgroup_get_int (cpu, path, "period", 0, G_MAXINT64, TRUE, &r->cpu_period, error)
         && sv_cgroup_get_int (cpu, path, "burst", 0, G_MAXINT64, FALSE, &r->cpu_burst, error)
         && sv_cgroup_get_int (cpu, path, "realtimeRuntime", -1, G_MAXINT64, TRUE,
                               &r->cpu_rt_runtime, error)
         && sv_cgroup_get_int (cpu, path, "realtimePeriod", 0, G_MAXINT64, TRUE,
                               &r->cpu_rt_period, error)
         && sv_cgroup_get_int (cpu, path, "idle", 0, 1, FALSE, &r->cpu_idle, error)
         && get_string (cpu, path, "cpus", &r->cpus, error)
         && get_string (cpu, path, "mems", &r->mems, error);
}

static gboolean
parse_pids (JsonObject *pids, const char *path, SvCgroupResources *r, GError **error)
{
  if (!sv_cgroup_get_int (pids, path, "limit", G_MININT64, G_MAXINT64, TRUE, &r->pids_limit,
                          error))
    return FALSE;
  if (r->pids_limit.set && r->pids_limit.value < 0)
    r->pids_limit.value = -1; /* any negative value: unlimited */
  return TRUE;
}

static gboolean
get_major_minor (JsonObject *item, const char *path, gboolean required, gint64 *major,
                 gint64 *minor, GError **error)
{
  SvCgroupInt ma = { FALSE, -1 }, mi = { FALSE, -1 };

  if (!sv_cgroup_get_int (item, path, "major", required ? 0 : -1, G_MAXINT32, FALSE, &ma, error)
      || !sv_cgroup_get_int (item, path, "minor", required ? 0 : -1, G_MAXINT32, FALSE, &mi,
                             error))
    return FALSE;
  if (required && (!ma.set || !mi.set))
    return sv_cgroup_invalid_field (error, "%s: \"major\" and \"minor\" are required", path);
  *major = ma.value;
  *minor = mi.value;
  return TRUE;
}

static gboolean
parse_weight_devices (JsonArray *arr, const char *path, SvCgroupResources *r, GError **error)
{
  r->weight_devices = g_array_new (FALSE, TRUE, sizeof (SvCgroupWeightDevice));
  for (guint i = 0; arr != NULL && i < json_array_get_length (arr); i++)
    {
      JsonObject *item = json_array_get_object_element (arr, i);
      g_autofree char *ipath = g_strdup_printf ("%s.weightDevice[%u]", path, i);
      SvCgroupWeightDevice wd = { 0 };

      if (!get_major_minor (item, ipath, TRUE, &wd.major, &wd.minor, error)
          || !sv_cgroup_get_int (item, ipath, "weight", 10, 1000, FALSE, &wd.weight, error)
          || !sv_cgroup_get_int (item, ipath, "leafWeight", 10, 1000, FALSE, &wd.leaf_weight,
                                 error))
        return FALSE;
      g_array_append_val (r->weight_devices, wd);
    }
  return TRUE;
}

static const char *const throttle_members[SV_CGROUP_N_THROTTLES] = {
  "throttleReadBpsDevice",
  "throttleWriteBpsDevice",
  "throttleReadIOPSDevice",
  "throttleWriteIOPSDevice",
};

static gboolean
parse_throttles (JsonObject *bio, const char *path, SvCgroupResources *r, GError **error)
{
  for (guint k = 0; k < SV_CGROUP_N_THROTTLES; k++)
    {
      JsonArray *arr;

      if (!sv_cgroup_get_object_array (bio, path, throttle_members[k], &arr, error))
        return FALSE;
      if (arr == NULL)
        continue;
      r->throttles[k] = g_array_new (FALSE, TRUE, sizeof (SvCgroupThrottle));
      for (guint i = 0; i < json_array_get_length (arr); i++)
        {
          JsonObject *item = json_array_get_object_element (arr, i);
          g_autofree char *ipath = g_strdup_printf ("%s.%s[%u]", path, throttle_members[k], i);
          SvCgroupInt rate = { FALSE, 0 };
          SvCgroupThrottle t = { 0 };

          if (!get_major_minor (item, ipath, TRUE, &t.major, &t.minor, error)
              || !sv_cgroup_get_int (item, ipath, "rate", 0, G_MAXINT64, FALSE, &rate, error))
            return FALSE;
          t.rate = (guint64) rate.value;
          g_array_append_val (r->throttles[k], t);
        }
    }
  return TRUE;
}

static gboolean
parse_block_io (JsonObject *bio, const char *path, SvCgroupResources *r, GError **error)
{
  JsonArray *wd;

  if (!sv_cgroup_get_int (bio, path, "weight", 0, 1000, TRUE, &r->blkio_weight, error)
      || !sv_cgroup_get_int (bio, path, "leafWeight", 0, 1000, TRUE, &r->blkio_leaf_weight,
                             error))
    return FALSE;
  if (r->blkio_weight.set && r->blkio_weight.value < 10)
    return sv_cgroup_invalid_field (error,
                                    "%s.weight: %" G_GINT64_FORMAT " is out of range (10..1000)",
                                    path, r->blkio_weight.value);
  if (r->blkio_leaf_weight.set && r->blkio_leaf_weight.value < 10)
    return sv_cgroup_invalid_field (error,
                                    "%s.leafWeight: %" G_GINT64_FORMAT
                                    " is out of range (10..1000)",
                                    path, r->blkio_leaf_weight.value);
  if (!sv_cgroup_get_object_array (bio, path, "weightDevice", &wd, error))
    return FALSE;
  if (wd != NULL && !parse_weight_devices (wd, path, r, error))
    return FALSE;
  return parse_throttles (bio, path, r, error);
}

/* "2MB", "1GB", "64KB": it becomes part of a file name, so only digits then letters. */
static gboolean
page_size_is_valid (const char *s)
{
  const char *p = s;

  while (g_ascii_isdigit (*p))
    p++;
  if (p == s || *p == '\0')
    return FALSE;
  while (g_ascii_isalpha (*p))
    p++;
  return *p == '\0';
}

static gboolean
parse_hugepages (JsonArray *arr, const char *path, SvCgroupResources *r, GError **error)
{
  r->hugepages = g_array_new (FALSE, TRUE, sizeof (SvCgroupHugepage));
  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      JsonObject *item = json_array_get_object_element (arr, i);
      g_autofree char *ipath = g_strdup_printf ("%s.hugepageLimits[%u]", path, i);
      g_autofree char *size = NULL;
      SvCgroupInt limit = { FALSE, 0 };
      SvCgroupHugepage hp;

      if (!get_string (item, ipath, "pageSize", &size, error)
          || !sv_cgroup_get_int (item, ipath, "limit", 0, G_MAXINT64, FALSE, &limit, error))
        return FALSE;
      if (size == NULL || !page_size_is_valid (size))
        return sv_cgroup_invalid_field (error,
                                        "%s.pageSize: expected a size such as \"2MB\" or \"1GB\"",
                                        ipath);
      if (!limit.set)
        return sv_cgroup_invalid_field (error, "%s.limit: required", ipath);
      hp.page_size = g_steal_pointer (&size);
      hp.limit = (guint64) limit.value;
      g_array_append_val (r->hugepages, hp);
    }
  return TRUE;
}

static gboolean
parse_access (const char *access, const char *ipath, guint *out, GError **error)
{
  *out = 0;
  if (access == NULL)
    {
      *out = SV_CGROUP_ACC_ALL;
      return TRUE;
    }
  for (const char *p = access; *p != '\0'; p++)
    {
      if (*p == 'r')
        *out |= SV_CGROUP_ACC_READ;
      else if (*p == 'w')
        *out |= SV_CGROUP_ACC_WRITE;
      else if (*p == 'm')
        *out |= SV_CGROUP_ACC_MKNOD;
      else
        return sv_cgroup_invalid_field (error,
                                        "%s.access: \"%s\" is not made of 'r', 'w' and 'm'",
                                        ipath, access);
    }
  return TRUE;
}

static gboolean
parse_device (JsonObject *item, const char *ipath, SvCgroupDevice *dev, GError **error)
{
  g_autofree char *type = NULL;
  g_autofree char *access = NULL;
  SvCgroupInt allow = { FALSE, 0 };

  if (!get_bool (item, ipath, "allow", &allow, error)
      || !get_string (item, ipath, "type", &type, error)
      || !get_string (item, ipath, "access", &access, error)
      || !get_major_minor (item, ipath, FALSE, &dev->major, &dev->minor, error)
      || !parse_access (access, ipath, &dev->access, error))
    return FALSE;
  if (!allow.set)
    return sv_cgroup_invalid_field (error, "%s.allow: required (true or false)", ipath);
  dev->allow = allow.value != 0;
  if (type == NULL || g_str_equal (type, "a"))
    dev->type = 'a';
  else if (g_str_equal (type, "c") || g_str_equal (type, "u"))
    dev->type = 'c';
  else if (g_str_equal (type, "b"))
    dev->type = 'b';
  else if (g_str_equal (type, "p"))
    dev->type = 'p'; /* fifos are not device-controlled: dropped when applied */
  else
    return sv_cgroup_invalid_field (
        error, "%s.type: \"%s\" is not one of \"a\", \"b\", \"c\", \"u\", \"p\"", ipath, type);
  return TRUE;
}

static gboolean
parse_devices (JsonArray *arr, const char *path, SvCgroupResources *r, GError **error)
{
  r->devices = g_array_new (FALSE, TRUE, sizeof (SvCgroupDevice));
  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      g_autofree char *ipath = g_strdup_printf ("%s.devices[%u]", path, i);
      SvCgroupDevice dev = { 0 };

      if (!parse_device (json_array_get_object_element (arr, i), ipath, &dev, error))
        return FALSE;
      if (dev.type != 'p')
        g_array_append_val (r->devices, dev);
    }
  return TRUE;
}

static gboolean
parse_network (JsonObject *net, const char *path, SvCgroupResources *r, GError **error)
{
  JsonArray *prios;

  if (!sv_cgroup_get_int (net, path, "classID", 0, G_MAXUINT32, FALSE, &r->net_class_id, error)
      || !sv_cgroup_get_object_array (net, path, "priorities", &prios, error))
    return FALSE;
  if (prios == NULL)
    return TRUE;
  r->net_prios = g_array_new (FALSE, TRUE, sizeof (SvCgroupNetPrio));
  for (guint i = 0; i < json_array_get_length (prios); i++)
    {
      JsonObject *item = json_array_get_object_element (prios, i);
      g_autofree char *ipath = g_strdup_printf ("%s.priorities[%u]", path, i);
      SvCgroupNetPrio np = { NULL, 0 };
      SvCgroupInt prio = { FALSE, 0 };

      if (!get_string (item, ipath, "name", &np.name, error)
          || !sv_cgroup_get_int (item, ipath, "priority", 0, G_MAXUINT32, FALSE, &prio, error))
        {
          g_free (np.name);
          return FALSE;
        }
      if (np.name == NULL || strpbrk (np.name, " \n") != NULL)
        {
          g_free (np.name);
          return sv_cgroup_invalid_field (error, "%s.name: expected an interface name", ipath);
        }
      np.priority = (guint32) prio.value;
      g_array_append_val (r->net_prios, np);
    }
  return TRUE;
}

/* linux.resources.unified: {"memory.high": "1G"}: the keys are interface files of the
 * container's own cgroup, nothing else. */
static gboolean
parse_unified (JsonObject *unified, const char *path, SvCgroupResources *r, GError **error)
{
  g_autoptr (GList) members = json_object_get_members (unified);

  r->unified = g_ptr_array_new_with_free_func (g_free);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *key = l->data;
      JsonNode *node = json_object_get_member (unified, key);

      if (*key == '\0' || strchr (key, '/') != NULL || g_str_equal (key, ".")
          || g_str_equal (key, ".."))
        return sv_cgroup_invalid_field (error,
                                        "%s[\"%s\"]: not an interface file name of a cgroup",
                                        path, key);
      if (!sv_cgroup_node_is (node, G_TYPE_STRING))
        return sv_cgroup_invalid_field (error, "%s[\"%s\"]: expected a string", path, key);
      g_ptr_array_add (r->unified, g_strdup (key));
      g_ptr_array_add (r->unified, g_strdup (json_node_get_string (node)));
    }
  return TRUE;
}

/* Sections are parsed in the same order for every call; each named by its JSON member. */
static gboolean
parse_sections (JsonObject *resources, SvCgroupResources *r, GError **error)
{
  const char *path = r->json_path;
  JsonObject *mem, *cpu, *pids, *bio, *net, *unified;
  JsonArray *hp, *devs;

  if (!sv_json_get_object (resources, path, "memory", FALSE, &mem, error)
      || !sv_json_get_object (resources, path, "cpu", FALSE, &cpu, error)
      || !sv_json_get_object (resources, path, "pids", FALSE, &pids, error)
      || !sv_json_get_object (resources, path, "blockIO", FALSE, &bio, error)
      || !sv_json_get_object (resources, path, "network", FALSE, &net, error)
      || !sv_json_get_object (resources, path, "unified", FALSE, &unified, error)
      || !sv_cgroup_get_object_array (resources, path, "hugepageLimits", &hp, error)
      || !sv_cgroup_get_object_array (resources, path, "devices", &devs, error))
    return FALSE;
  {
    g_autofree char *mp = sv_json_path (path, "memory");
    g_autofree char *cp = sv_json_path (path, "cpu");
    g_autofree char *pp = sv_json_path (path, "pids");
    g_autofree char *bp = sv_json_path (path, "blockIO");
    g_autofree char *np = sv_json_path (path, "network");
    g_autofree char *up = sv_json_path (path, "unified");

    return (mem == NULL || parse_memory (mem, mp, r, error))
           && (cpu == NULL || parse_cpu (cpu, cp, r, error))
           && (pids == NULL || parse_pids (pids, pp, r, error))
           && (bio == NULL || parse_block_io (bio, bp, r, error))
           && (net == NULL || parse_network (net, np, r, error))
           && (unified == NULL || parse_unified (unified, up, r, error))
           && (hp == NULL || parse_hugepages (hp, path, r, error))
           && (devs == NULL || parse_devices (devs, path, r, error));
  }
}

SvCgroupResources *
sv_cgroup_resources_parse (JsonObject *resources, const char *json_path, GError **error)
{
  g_autoptr (SvCgroupResources) r = sv_cgroup_resources_new (json_path);

  if (resources == NULL)
    return g_steal_pointer (&r);
  if (!parse_sections (resources, r, error))
    return NULL;
  if (json_object_has_member (resources, "rdma"))
    g_debug ("%s.rdma: not supported by sysvisor, ignored", r->json_path);
  return g_steal_pointer (&r);
}

void
sv_cgroup_resources_add_device (SvCgroupResources *res, gboolean allow, char type, gint64 major,
                                gint64 minor, guint access)
{
  SvCgroupDevice dev = { allow, type, major, minor, access };

  if (res->devices == NULL)
    res->devices = g_array_new (FALSE, FALSE, sizeof (SvCgroupDevice));
  g_array_append_val (res->devices, dev);
}

gboolean
sv_cgroup_write_field (const SvCgroupResources *res, const char *field, const char *dir,
                       const char *file, const char *value, GError **error)
{
  sv_autofd fd = -1;

  return sv_cgroup_write_field_kept (res, field, dir, file, &fd, value, error);
}

gboolean
sv_cgroup_write_field_kept (const SvCgroupResources *res, const char *field, const char *dir,
                            const char *file, int *fd, const char *value, GError **error)
{
  if (sv_cgroup_write_kept (dir, file, fd, value, error))
    return TRUE;
  g_prefix_error (error, "%s.%s: ", res->json_path, field);
  return FALSE;
}

guint64
sv_cgroup_shares_to_weight (guint64 shares)
{
  shares = CLAMP (shares, 2, 262144);
  return 1 + ((shares - 2) * 9999) / 262142;
}

guint64
sv_cgroup_blkio_to_io_weight (guint64 weight)
{
  weight = CLAMP (weight, 10, 1000);
  return 1 + ((weight - 10) * 9999) / 990;
}

/* memory.checkBeforeUpdate: refuse a limit below what the cgroup uses now (@usage_file:
 * memory.usage_in_bytes on v1, memory.current on v2). */
gboolean
sv_cgroup_check_memory_usage (const SvCgroupResources *res, const char *dir,
                              const char *usage_file, GError **error)
{
  guint64 usage;

  if (!res->mem_check_before_update.value || !res->mem_limit.set || res->mem_limit.value < 0)
    return TRUE;
  if (!sv_cgroup_read_u64 (dir, usage_file, &usage, NULL)
      || usage <= (guint64) res->mem_limit.value)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "%s.memory.limit: %" G_GINT64_FORMAT
               " is below the memory in use (%" G_GUINT64_FORMAT
               "), and checkBeforeUpdate is set",
               res->json_path, res->mem_limit.value, usage);
  return FALSE;
}
