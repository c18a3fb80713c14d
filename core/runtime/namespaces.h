/* namespaces.h: the parent's side of namespaces: joining existing ones (spec paths) around
 * clone, writing id maps. */
#pragma once

#include "spec.h"

#include <sys/types.h>

typedef struct
{
  int saved[8]; /* our own namespaces, to return to */
  int nstype[8];
  guint n;
} SvNsJoin;

/* setns() into every namespace of the spec that has a path (net, ipc, uts, pid), saving ours. */
gboolean sv_ns_join_paths (SvSpec *spec, SvNsJoin *join, GError **error);
/* Return to the namespaces saved by sv_ns_join_paths. */
void sv_ns_restore (SvNsJoin *join);
/* CLONE_NEW* flags for the namespaces to create (not those joined by path; never cgroup,
 * which the init unshares once it is in its cgroup). */
int sv_ns_clone_flags (SvSpec *spec);
/* Write /proc/PID/uid_map and gid_map. */
gboolean sv_ns_write_maps (pid_t pid, GArray *uid_maps, GArray *gid_maps, GError **error);
