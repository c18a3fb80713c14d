/* cgroups-driver.h: the one interface through which the dispatcher (cgroups.c) and the
 * systemd driver reach the per-version drivers (cgroups-v1.c, cgroups-v2.c).  The drivers
 * depend on the shared layer (cgroups-files.h, -hierarchy.h, -resources.h, -stats.h), never
 * on the dispatcher. */
#pragma once

#include "cgroups-hierarchy.h"
#include "cgroups-resources.h"

typedef struct
{
  /* Make the directories in every hierarchy and delegate them to @uid:@gid. */
  gboolean (*create) (SvCgroup *cg, uid_t uid, gid_t gid, GError **error);
  /* Write the limits of @res (checked already) to the interface files. */
  gboolean (*apply) (SvCgroup *cg, const SvCgroupResources *res, GError **error);
  gboolean (*set_frozen) (SvCgroup *cg, gboolean frozen, GError **error);
  gboolean (*is_frozen) (SvCgroup *cg);
  /* Frozen, or on its way there (v1 FREEZING, v2 cgroup.freeze 1 before cgroup.events says
   * so): a task moved in would stop at once.  *dir_out: the directory that says so.  Touches
   * no heap (see sv_cgroup_freezing). */
  gboolean (*freezing) (SvCgroup *cg, const char **dir_out);
  /* runc's "events --stats" object. */
  JsonObject *(*stats) (SvCgroup *cg);
} SvCgroupDriver;

extern const SvCgroupDriver sv_cgroup_v1_driver;
extern const SvCgroupDriver sv_cgroup_v2_driver;

static inline const SvCgroupDriver *
sv_cgroup_driver (const SvCgroup *cg)
{
  return cg->mode == SV_CGROUP_V2 ? &sv_cgroup_v2_driver : &sv_cgroup_v1_driver;
}
