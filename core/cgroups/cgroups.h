/* cgroups.h: the container's cgroup on a cgroup v1 (or hybrid) host or a pure cgroup v2 host.
 * The same calls work on both; cgroups-v1.c and cgroups-v2.c hold the per-version code. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <sys/types.h>

typedef enum
{
  SV_CGROUP_V1 = 1, /* one hierarchy per controller, maybe with a cgroup2 mount beside (hybrid) */
  SV_CGROUP_V2 = 2, /* unified: /sys/fs/cgroup is cgroup2 */
} SvCgroupMode;

typedef struct _SvCgroup SvCgroup;
/* linux.resources, parsed and checked (cgroups-resources.h). */
typedef struct _SvCgroupResources SvCgroupResources;

/* One cgroup filesystem as the container should see it at /sys/fs/cgroup/<name>. */
typedef struct
{
  char *name;      /* "memory", "cpu,cpuacct", "systemd", "unified"; "" on pure v2 */
  char *fstype;    /* "cgroup" or "cgroup2" */
  char *options;   /* mount data: "memory", "none,name=systemd", "" for cgroup2 */
  char *host_path; /* the container's cgroup directory in this hierarchy on the host */
} SvCgroupHierarchy;

SvCgroupMode sv_cgroup_detect_mode (void);

/* Resolve where the container's cgroup lives.  @cgroups_path is linux.cgroupsPath (may be NULL:
 * then "/sysvisor/<id>"); with @systemd it has the form "slice:prefix:name".  Creates nothing.
 * (Relative paths are taken from each hierarchy's root, like absolute ones; with @systemd a NULL
 * path means "system.slice:sysvisor:<id>", i.e. "/system.slice/sysvisor-<id>.scope".) */
SvCgroup *sv_cgroup_new (const char *id, const char *cgroups_path, gboolean systemd,
                         GError **error);
/* Create the directories in every hierarchy.  Delegation: chown the container's cgroup
 * directories (and cgroup.procs, tasks, cgroup.subtree_control, cgroup.threads) to
 * @owner_uid:@owner_gid (container root on the host) so that root inside can make sub-cgroups. */
gboolean sv_cgroup_create (SvCgroup *cg, uid_t owner_uid, gid_t owner_gid, GError **error);
/* sv_cgroup_create() then sv_cgroup_enter(@pid), undone on failure.  With the systemd driver
 * on a host whose init is systemd, sv_cgroup_create() makes nothing and keeps what
 * sv_cgroup_apply() is given: the first sv_cgroup_enter() asks systemd for a
 * transient scope (StartTransientUnit over D-Bus, Delegate=yes, the limits as properties)
 * with @pid in it from birth, since a scope cannot be created empty (cgroups-systemd.c). */
gboolean sv_cgroup_create_for_pid (SvCgroup *cg, pid_t pid, uid_t owner_uid, gid_t owner_gid,
                                   GError **error);
/* Undo what this process's sv_cgroup_create() made, for a create that failed after it (call
 * it after sv_cgroup_destroy()): the parent directories it made go (one another container
 * uses stays: its rmdir fails), and on cgroup v2 the controllers it turned on go off again
 * where no child cgroup is left (as a failed create leaves nothing behind). */
void sv_cgroup_undo_create (SvCgroup *cg);
/* Apply limits parsed by sv_cgroup_resources_parse() (errors name their JSON path).  The
 * deferred systemd cgroup keeps a reference to @res until its unit exists. */
gboolean sv_cgroup_apply (SvCgroup *cg, SvCgroupResources *res, GError **error);
gboolean sv_cgroup_enter (SvCgroup *cg, pid_t pid, GError **error);
gboolean sv_cgroup_set_frozen (SvCgroup *cg, gboolean frozen, GError **error);
gboolean sv_cgroup_is_frozen (SvCgroup *cg);
/* Fails with "container's cgroup is frozen" (and how to thaw it) when the cgroup is frozen or
 * freezing: a process put in it would hang (runc refuses the same way). */
gboolean sv_cgroup_refuse_frozen (SvCgroup *cg, GError **error);
/* Whether the cgroup is frozen or freezing, as sv_cgroup_refuse_frozen() judges it.  Touches
 * no heap (a runtime whose init shares its memory asks it while the init may run). */
gboolean sv_cgroup_freezing (SvCgroup *cg);
/* Pids of every process in the cgroup and its descendants. */
GArray *sv_cgroup_pids (SvCgroup *cg, GError **error);
/* Signal every process in the cgroup (kill --all, delete --force). */
gboolean sv_cgroup_kill_all (SvCgroup *cg, int signo, GError **error);
/* Remove the cgroup directories (after its processes are gone; retries briefly on EBUSY);
 * nothing left to do after sv_cgroup_remove_if_empty removed them. */
gboolean sv_cgroup_destroy (SvCgroup *cg, GError **error);
/* Remove them at once if they hold no process, which their rmdirs tell (one per directory,
 * instead of reading every hierarchy's processes first); FALSE when some are left (they may
 * be partly removed) or the cgroup is a systemd unit's. */
gboolean sv_cgroup_remove_if_empty (SvCgroup *cg);
/* runc-compatible "events --stats" data: {"cpu":{...},"memory":{...},"pids":{...},...}. */
JsonNode *sv_cgroup_stats (SvCgroup *cg, GError **error);
/* The hierarchies to expose inside the container (free with g_ptr_array_unref). */
GPtrArray *sv_cgroup_hierarchies (SvCgroup *cg);
/* A path representative of the cgroup, e.g. for the state file and errors. */
const char *sv_cgroup_path (SvCgroup *cg);

/* Persisted in state.json so that later commands find the same cgroup. */
JsonNode *sv_cgroup_to_json (SvCgroup *cg);
SvCgroup *sv_cgroup_from_json (JsonNode *node, GError **error);

void sv_cgroup_free (SvCgroup *cg);
void sv_cgroup_hierarchy_free (SvCgroupHierarchy *h);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SvCgroup, sv_cgroup_free)
