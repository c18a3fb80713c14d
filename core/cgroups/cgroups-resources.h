/* cgroups-resources.h: linux.resources parsed once into a checked SvCgroupResources
 * (cgroups-resources.c), the typed form the v1, v2 and systemd drivers apply. */
#pragma once

#include "cgroups.h"

typedef struct
{
  gboolean set;
  gint64 value;
} SvCgroupInt;

enum
{
  SV_CGROUP_ACC_MKNOD = 1, /* same bits as BPF_DEVCG_ACC_* */
  SV_CGROUP_ACC_READ = 2,
  SV_CGROUP_ACC_WRITE = 4,
  SV_CGROUP_ACC_ALL = 7,
};

typedef struct
{
  gboolean allow;
  char type;    /* 'a', 'b' or 'c' */
  gint64 major; /* -1: any */
  gint64 minor; /* -1: any */
  guint access; /* SV_CGROUP_ACC_* */
} SvCgroupDevice;

typedef struct
{
  gint64 major, minor;
  SvCgroupInt weight, leaf_weight;
} SvCgroupWeightDevice;

typedef struct
{
  gint64 major, minor;
  guint64 rate;
} SvCgroupThrottle;

typedef enum
{
  SV_CGROUP_THROTTLE_READ_BPS,
  SV_CGROUP_THROTTLE_WRITE_BPS,
  SV_CGROUP_THROTTLE_READ_IOPS,
  SV_CGROUP_THROTTLE_WRITE_IOPS,
  SV_CGROUP_N_THROTTLES
} SvCgroupThrottleKind;

typedef struct
{
  char *page_size; /* "2MB" */
  guint64 limit;
} SvCgroupHugepage;

typedef struct
{
  char *name;
  guint32 priority;
} SvCgroupNetPrio;

/* Zero values that runc treats as "not set" (limit 0, shares 0, weight 0, ...) parse as unset,
 * so a partial object from `update` changes only what it names.  -1 means unlimited. */
struct _SvCgroupResources
{
  gint ref_count;
  char *json_path; /* "linux.resources": errors read "<json_path>.memory.limit: ..." */

  SvCgroupInt mem_limit, mem_reservation, mem_swap, mem_kernel, mem_kernel_tcp, mem_swappiness;
  SvCgroupInt mem_disable_oom, mem_check_before_update; /* booleans as 0/1 */

  SvCgroupInt cpu_shares, cpu_quota, cpu_period, cpu_burst, cpu_rt_runtime, cpu_rt_period,
      cpu_idle;
  char *cpus, *mems;

  SvCgroupInt pids_limit;

  SvCgroupInt blkio_weight, blkio_leaf_weight;
  GArray *weight_devices;                   /* SvCgroupWeightDevice */
  GArray *throttles[SV_CGROUP_N_THROTTLES]; /* SvCgroupThrottle */

  GArray *hugepages; /* SvCgroupHugepage */
  GArray *devices;   /* SvCgroupDevice; NULL when "devices" is absent: leave devices alone */

  SvCgroupInt net_class_id;
  GArray *net_prios; /* SvCgroupNetPrio */

  GPtrArray *unified; /* flat: key, value, key, value ... in JSON order */
};

/* memory.checkBeforeUpdate: a limit below the usage in @usage_file is refused. */
gboolean sv_cgroup_check_memory_usage (const SvCgroupResources *res, const char *dir,
                                       const char *usage_file, GError **error);

/* Parse an OCI linux.resources object (NULL: nothing set) once into its checked, typed form;
 * every bad value is refused with its JSON path below @json_path ("linux.resources", or
 * "resources" for `update`), e.g. "linux.resources.memory.limit: expected an integer". */
SvCgroupResources *sv_cgroup_resources_parse (JsonObject *resources, const char *json_path,
                                              GError **error);
/* Nothing set; errors will name @json_path (NULL: "linux.resources"). */
SvCgroupResources *sv_cgroup_resources_new (const char *json_path);
/* Reference counted: the spec holds its parsed linux.resources, a deferred systemd cgroup
 * keeps them until its unit exists. */
SvCgroupResources *sv_cgroup_resources_ref (SvCgroupResources *res);
void sv_cgroup_resources_unref (SvCgroupResources *res);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SvCgroupResources, sv_cgroup_resources_unref)
/* Append one device cgroup rule (@type 'a', 'b' or 'c'; -1: any number; SV_CGROUP_ACC_*);
 * makes the list when "devices" was absent.  Later rules win. */
void sv_cgroup_resources_add_device (SvCgroupResources *res, gboolean allow, char type,
                                     gint64 major, gint64 minor, guint access);

/* Write @value to @dir/@file; on failure the error starts with "<json_path>.<field>: ". */
gboolean sv_cgroup_write_field (const SvCgroupResources *res, const char *field, const char *dir,
                                const char *file, const char *value, GError **error);
/* The same through *@fd, opened on first use and kept for the next writes (sv_cgroup_write_kept). */
gboolean sv_cgroup_write_field_kept (const SvCgroupResources *res, const char *field,
                                     const char *dir, const char *file, int *fd,
                                     const char *value, GError **error);

/* cpu.shares (2..262144) to cpu.weight (1..10000), and blkio weight (10..1000) to io.weight
 * (1..10000): the linear conversions used by runc, crun and the kernel docs. */
guint64 sv_cgroup_shares_to_weight (guint64 shares);
guint64 sv_cgroup_blkio_to_io_weight (guint64 weight);

/* Checked readers of JSON the cgroup modules share (linux.resources and the state form):
 * errors read "<path>.<member>: expected ...". */
gboolean sv_cgroup_invalid_field (GError **error, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
gboolean sv_cgroup_node_is (JsonNode *node, GType type);
/* An integer in [min, max]; 0 leaves *out unset when @zero_unset (runc's "not set"). */
gboolean sv_cgroup_get_int (JsonObject *obj, const char *path, const char *member, gint64 min,
                            gint64 max, gboolean zero_unset, SvCgroupInt *out, GError **error);
/* A member that must be an array of objects (or absent: *out NULL). */
gboolean sv_cgroup_get_object_array (JsonObject *obj, const char *path, const char *member,
                                     JsonArray **out, GError **error);
