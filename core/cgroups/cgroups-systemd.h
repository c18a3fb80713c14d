/* cgroups-systemd.h: the systemd driver (cgroups-systemd.c): transient scopes over D-Bus. */
#pragma once

#include "cgroups-hierarchy.h"
#include "cgroups-resources.h"

/* systemd is the init of this host (/run/systemd/system exists, no root override). */
gboolean sv_cgroup_systemd_running (void);
/* StartTransientUnit(cg->unit, PIDs=[pid], Delegate=yes, Slice=cg->slice, the limits of @res
 * (may be NULL) as properties) and wait for it. */
gboolean sv_cgroup_systemd_start_unit (SvCgroup *cg, pid_t pid, const SvCgroupResources *res,
                                       GError **error);
/* The deferred create: start the unit with @pid, make the rest, delegate, enter, write the
 * pending limits. */
gboolean sv_cgroup_systemd_join (SvCgroup *cg, pid_t pid, GError **error);
/* SetUnitProperties(cg->unit, runtime, the limits of @res); no such unit is success. */
gboolean sv_cgroup_systemd_set_properties (SvCgroup *cg, const SvCgroupResources *res,
                                           GError **error);
/* StopUnit(cg->unit) and wait for it; a unit already gone is success. */
gboolean sv_cgroup_systemd_stop_unit (SvCgroup *cg, GError **error);
