/* cgroups-paths.h: linux.cgroupsPath resolved (cgroups-paths.c).  Not for other modules. */
#pragma once

#include "cgroups-hierarchy.h"

/* An SvCgroup with only @id set (sv_cgroup_new and the state form fill the rest). */
SvCgroup *sv_cgroup_alloc (const char *id);

/* "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice"; "-.slice" -> "" (the root slice). */
char *sv_cgroup_systemd_expand_slice (const char *slice, GError **error);
