/* cgroups-v2.h: what cgroups-v2.c offers beside its driver: the cgroup2 file writes
 * that the v1 driver (the "unified" hierarchy of a hybrid host), systemd and the tests use. */
#pragma once

#include "cgroups-resources.h"
#include <sys/types.h>

/* chown the v2 delegation files in @dir (also used for "unified" on hybrid hosts). */
gboolean sv_cgroup_v2_delegate (const char *dir, uid_t uid, gid_t gid, GError **error);
/* Turn off again each controller of @enabled (what the v2 create turned on, "CONTROLLER DIR")
 * in a directory that has no child cgroup, last first; @enabled is emptied. */
void sv_cgroup_v2_undo_enabled (GPtrArray *enabled);
/* cgroup.freeze is 1 in @dir, or cgroup.events says frozen. */
gboolean sv_cgroup_v2_freezing_at (const char *dir);
/* Apply @res to the v2 cgroup directory @dir: the testable core of the v2 driver's apply. */
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
