/* cgroups-hierarchy.h: the cgroup filesystems of this host (cgroups-hierarchy.c) and the
 * SvCgroup object every cgroup module works on.  Not for other modules. */
#pragma once

#include "cgroups.h"

/* Point every lookup at another directory instead of the host's mounts (tests, or a
 * runtime inspecting a foreign tree).  The directory is a cgroup v2 root when it holds
 * cgroup.controllers; otherwise each subdirectory is one v1 hierarchy named by its
 * controllers ("cpu,cpuacct", "memory", "systemd" = name=systemd, "unified" = cgroup2). */
#define SV_CGROUP_ROOT_ENV "SYSVISOR_CGROUP_ROOT"

/* NULL: back to $SYSVISOR_CGROUP_ROOT, or the host's /proc/self/mountinfo when unset. */
void sv_cgroup_set_root (const char *root);
/* The override in force (setter first, then the environment), or NULL. */
const char *sv_cgroup_get_root (void);

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
  gboolean removed;      /* sv_cgroup_remove_if_empty removed every directory */
  uid_t owner_uid;       /* deferred: container root, for the delegation */
  gid_t owner_gid;
  SvCgroupResources *pending; /* deferred: limits for the unit's properties and files */
  GPtrArray *mounts;  /* SvCgroupMount: every v1 hierarchy (+ "unified"), or the v2 root */
  GPtrArray *created; /* directories sv_cgroup_create() made, for rollback */
  GPtrArray *enabled; /* v2: "CONTROLLER DIR" of each controller it turned on, for rollback */
};

/* The v1 mount carrying @controller, or NULL.  On v2, the single mount. */
SvCgroupMount *sv_cgroup_find_mount (SvCgroup *cg, const char *controller);
/* The cgroup2 mount on a hybrid host ("unified"), or NULL. */
SvCgroupMount *sv_cgroup_find_unified (SvCgroup *cg);

/* The hierarchies of @mode: the root override's, or those in /proc/self/mountinfo. */
GPtrArray *sv_cgroup_discover_mounts (SvCgroupMode mode, GError **error);
/* Write @pid into the container's cgroup.procs in every hierarchy. */
gboolean sv_cgroup_enter_dirs (SvCgroup *cg, pid_t pid, GError **error);

/* Parse /proc/self/mountinfo text into mounts (dir not set).  @v2_root: keep only the cgroup2
 * mount at /sys/fs/cgroup.  Exposed for tests (comounted cpu,cpuacct, name=systemd). */
GPtrArray *sv_cgroup_mounts_from_mountinfo (const char *text, gboolean v2_root);
