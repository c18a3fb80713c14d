/* cgroups-internal.h: what cgroups.c, cgroups-v1.c, cgroups-v2.c, cgroups-bpf.c and
 * cgroups-systemd.c share, and the seams the unit tests use (a different cgroup root, the
 * parsed form of linux.resources, the v2 file mapping).  Not for other modules. */
#pragma once

#include "cgroups.h"

#include <errno.h>
#include <unistd.h>

/* Point every lookup at another directory instead of the host's mounts (tests, or a
 * runtime inspecting a foreign tree).  The directory is a cgroup v2 root when it holds
 * cgroup.controllers; otherwise each subdirectory is one v1 hierarchy named by its
 * controllers ("cpu,cpuacct", "memory", "systemd" = name=systemd, "unified" = cgroup2). */
#define SV_CGROUP_ROOT_ENV "SYSVISOR_CGROUP_ROOT"

/* NULL: back to $SYSVISOR_CGROUP_ROOT, or the host's /proc/self/mountinfo when unset. */
void sv_cgroup_set_root (const char *root);
/* The override in force (setter first, then the environment), or NULL. */
const char *sv_cgroup_get_root (void);

/* ---- small file helpers (cgroups.c) ---- */

static inline void
sv_cgroup_close_fdp (int *fd)
{
  if (*fd >= 0)
    {
      int saved = errno;
      close (*fd);
      errno = saved;
    }
}
#define sv_cgroup_autofd __attribute__ ((cleanup (sv_cgroup_close_fdp)))

/* One write(2) of @value to @dir/@file (cgroup files want the whole value at once). */
gboolean sv_cgroup_write (const char *dir, const char *file, const char *value, GError **error);
/* Contents without the trailing newline. */
char *sv_cgroup_read (const char *dir, const char *file, GError **error);
/* A single number; "max" reads as G_MAXUINT64. */
gboolean sv_cgroup_read_u64 (const char *dir, const char *file, guint64 *out, GError **error);
gboolean sv_cgroup_has_file (const char *dir, const char *file);
/* mkdir -p below @base (which must exist); appends each directory it made to @created. */
gboolean sv_cgroup_mkdir_below (const char *base, const char *rel, GPtrArray *created,
                                GError **error);
/* chown @dir and those of @files that exist (delegation); uid -1 means "leave alone". */
gboolean sv_cgroup_chown_delegated (const char *dir, const char *const *files, uid_t uid, gid_t gid,
                                    GError **error);
/* Every pid in @dir/cgroup.procs and below, added to @seen (a set of GINT_TO_POINTER). */
gboolean sv_cgroup_collect_pids (const char *dir, GHashTable *seen, GError **error);
/* Remove @dir and its sub-cgroups depth-first, retrying EBUSY for about a second.
 * A missing @dir is success. */
gboolean sv_cgroup_remove_tree (const char *dir, GError **error);
/* "key value" lines (memory.stat, cpu.stat) as {"key": value}; NULL when unreadable. */
JsonObject *sv_cgroup_read_keyed (const char *dir, const char *file);
/* JSON has no unsigned 64-bit integers here: values above G_MAXINT64 ("max") are clamped. */
void sv_cgroup_json_set_u64 (JsonObject *o, const char *member, guint64 value);
/* Copy @key of @from (sv_cgroup_read_keyed) to @member of @to, times @scale, when present. */
void sv_cgroup_json_copy_key (JsonObject *to, const char *member, JsonObject *from, const char *key,
                              guint64 scale);
/* Poll until @check (@dir) returns TRUE or @timeout_ms passes. */
gboolean sv_cgroup_wait_until (gboolean (*check) (const char *dir, gpointer data), const char *dir,
                               gpointer data, guint timeout_ms);

/* ---- the cgroup itself ---- */

typedef struct
{
  char *name;       /* as SvCgroupHierarchy: "memory", "cpu,cpuacct", "systemd", "unified", "" */
  char *fstype;     /* "cgroup" or "cgroup2" */
  char *options;    /* mount data for the container: "memory", "none,name=systemd", "" */
  char *mountpoint; /* "/sys/fs/cgroup/memory" */
  char *dir;        /* mountpoint + the container's path: its cgroup in this hierarchy */
} SvCgroupMount;

void sv_cgroup_mount_free (SvCgroupMount *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SvCgroupMount, sv_cgroup_mount_free)

static inline gboolean
sv_cgroup_mount_is_v2 (const SvCgroupMount *m)
{
  return g_str_equal (m->fstype, "cgroup2");
}
/* TRUE when the v1 mount @m carries @controller ("memory", "name=systemd"). */
gboolean sv_cgroup_mount_has (const SvCgroupMount *m, const char *controller);

struct _SvCgroup
{
  char *id;
  SvCgroupMode mode;
  char *path;            /* relative to every hierarchy's root, starts with '/' */
  gboolean systemd;      /* --systemd-cgroup: path came from "slice:prefix:name" */
  char *slice;           /* systemd: the parent slice unit, "system.slice" */
  char *unit;            /* systemd: "sysvisor-abc.scope" */
  gboolean unit_started; /* systemd made the unit over D-Bus: stop it on destroy */
  gboolean deferred;     /* systemd driver: the unit is made when the init enters */
  uid_t owner_uid;       /* deferred: container root, for the delegation */
  gid_t owner_gid;
  struct _SvCgroupResources *pending; /* deferred: limits for the unit's properties and files */
  GPtrArray *mounts;     /* SvCgroupMount: every v1 hierarchy (+ "unified"), or the v2 root */
  GPtrArray *created;    /* directories sv_cgroup_create() made, for rollback */
};

/* The v1 mount carrying @controller, or NULL.  On v2, the single mount. */
SvCgroupMount *sv_cgroup_find_mount (SvCgroup *cg, const char *controller);
/* The cgroup2 mount on a hybrid host ("unified"), or NULL. */
SvCgroupMount *sv_cgroup_find_unified (SvCgroup *cg);

/* Parse /proc/self/mountinfo text into mounts (dir not set).  @v2_root: keep only the cgroup2
 * mount at /sys/fs/cgroup.  Exposed for tests (comounted cpu,cpuacct, name=systemd). */
GPtrArray *sv_cgroup_mounts_from_mountinfo (const char *text, gboolean v2_root);

/* ---- linux.resources, parsed and checked before anything is written ---- */

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
typedef struct _SvCgroupResources
{
  char *json_path; /* "linux.resources": errors read "<json_path>.memory.limit: ..." */

  SvCgroupInt mem_limit, mem_reservation, mem_swap, mem_kernel, mem_kernel_tcp, mem_swappiness;
  SvCgroupInt mem_disable_oom, mem_check_before_update; /* booleans as 0/1 */

  SvCgroupInt cpu_shares, cpu_quota, cpu_period, cpu_burst, cpu_rt_runtime, cpu_rt_period, cpu_idle;
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
} SvCgroupResources;

/* memory.checkBeforeUpdate: a limit below the usage in @usage_file is refused. */
gboolean sv_cgroup_check_memory_usage (const SvCgroupResources *res, const char *dir,
                                       const char *usage_file, GError **error);

SvCgroupResources *sv_cgroup_resources_parse (JsonObject *resources, const char *json_path,
                                              GError **error);
void sv_cgroup_resources_free (SvCgroupResources *res);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SvCgroupResources, sv_cgroup_resources_free)

/* Write @value to @dir/@file; on failure the error starts with "<json_path>.<field>: ". */
gboolean sv_cgroup_write_field (const SvCgroupResources *res, const char *field, const char *dir,
                                const char *file, const char *value, GError **error);

/* cpu.shares (2..262144) to cpu.weight (1..10000), and blkio weight (10..1000) to io.weight
 * (1..10000): the linear conversions used by runc, crun and the kernel docs. */
guint64 sv_cgroup_shares_to_weight (guint64 shares);
guint64 sv_cgroup_blkio_to_io_weight (guint64 weight);

/* ---- per version ---- */

gboolean sv_cgroup_v1_create (SvCgroup *cg, uid_t uid, gid_t gid, GError **error);
gboolean sv_cgroup_v1_apply (SvCgroup *cg, const SvCgroupResources *res, GError **error);
gboolean sv_cgroup_v1_set_frozen (SvCgroup *cg, gboolean frozen, GError **error);
gboolean sv_cgroup_v1_is_frozen (SvCgroup *cg);
JsonObject *sv_cgroup_v1_stats (SvCgroup *cg);

gboolean sv_cgroup_v2_create (SvCgroup *cg, uid_t uid, gid_t gid, GError **error);
/* chown the v2 delegation files in @dir (also used for "unified" on hybrid hosts). */
gboolean sv_cgroup_v2_delegate (const char *dir, uid_t uid, gid_t gid, GError **error);
gboolean sv_cgroup_v2_apply (SvCgroup *cg, const SvCgroupResources *res, GError **error);
/* Apply @res to the v2 cgroup directory @dir: the testable core of sv_cgroup_v2_apply. */
gboolean sv_cgroup_v2_apply_at (const char *dir, const SvCgroupResources *res, GError **error);

typedef struct
{
  char *field; /* JSON path below res->json_path, for errors: "memory.limit" */
  char *file;  /* "memory.max" */
  char *value; /* "max" */
} SvCgroupWrite;

/* The v2 interface-file writes for @res, in order (devices excluded: see cgroups-bpf.c).
 * @dir is read for current values (cpu.max when only the period changes, io.bfq.weight
 * presence); it may be NULL. */
GArray *sv_cgroup_v2_plan (const SvCgroupResources *res, const char *dir, GError **error);
gboolean sv_cgroup_v2_set_frozen_at (const char *dir, gboolean frozen, GError **error);
gboolean sv_cgroup_v2_is_frozen_at (const char *dir);
JsonObject *sv_cgroup_v2_stats (SvCgroup *cg);

/* ---- devices on cgroup v2: an eBPF program (cgroups-bpf.c) ---- */

/* Raw BPF_PROG_TYPE_CGROUP_DEVICE instructions for @devices (struct bpf_insn, 8 bytes each).
 * Later rules win; what no rule covers is denied. */
GArray *sv_cgroup_bpf_build_devices (GArray *devices, GError **error);
/* Load that program and attach it to the cgroup2 directory @dir, replacing the programs
 * attached there before. */
gboolean sv_cgroup_bpf_apply_devices (const char *dir, GArray *devices, GError **error);

/* ---- systemd (cgroups-systemd.c) ---- */

/* systemd is the init of this host (/run/systemd/system exists, no root override). */
gboolean sv_cgroup_systemd_running (void);
/* "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice"; "-.slice" -> "" (the root slice). */
char *sv_cgroup_systemd_expand_slice (const char *slice, GError **error);
/* StartTransientUnit(cg->unit, PIDs=[pid], Delegate=yes, Slice=cg->slice, the limits of @res
 * (may be NULL) as properties) and wait for it. */
gboolean sv_cgroup_systemd_start_unit (SvCgroup *cg, pid_t pid, const SvCgroupResources *res,
                                       GError **error);
/* The deferred create: start the unit with @pid, make the rest, delegate, enter, write the
 * pending limits. */
gboolean sv_cgroup_systemd_join (SvCgroup *cg, pid_t pid, GError **error);
/* SetUnitProperties(cg->unit, runtime, the limits of @res); no such unit is success. */
gboolean sv_cgroup_systemd_set_properties (SvCgroup *cg, const struct _SvCgroupResources *res,
                                           GError **error);
/* Write @pid into the container's cgroup.procs in every hierarchy. */
gboolean sv_cgroup_enter_dirs (SvCgroup *cg, pid_t pid, GError **error);
/* StopUnit(cg->unit) and wait for it; a unit already gone is success. */
gboolean sv_cgroup_systemd_stop_unit (SvCgroup *cg, GError **error);
