/* spec.h: config.json (OCI runtime spec) read into typed structures. */
#pragma once

#include "cgroups.h"
#include "json-util.h"

#include <glib.h>
#include <json-glib/json-glib.h>
#include <sysvisor/plugin.h>
#include <sys/types.h>

#define SV_OCI_VERSION "1.0.2"

/* One id-map type from config.json to the kernel: the plugin ABI's SvIdMapping
 * (sysvisor/plugin.h: container_id, host_id, size).  The spec, the container a plugin sees, the
 * state file and the pod all hold arrays of it. */

typedef struct
{
  char *destination;
  char *type;
  char *source; /* made absolute for bind mounts (relative = to the bundle) */
  char **options;
  unsigned long flags;       /* MS_* to set */
  unsigned long propagation; /* MS_SHARED|MS_SLAVE|MS_PRIVATE|MS_UNBINDABLE (+MS_REC), 0 none */
  guint64 rec_attr_set;      /* MOUNT_ATTR_* applied recursively (rro, rnosuid, ...) */
  guint64 rec_attr_clr;
  char *data; /* options that are not flags, comma-joined */
  gboolean bind;
  gboolean rbind;
} SvMount;

typedef struct
{
  int resource;
  guint64 soft;
  guint64 hard;
} SvRlimit;

typedef struct
{
  int nstype; /* CLONE_NEW* */
  char *path; /* NULL: create a new one */
} SvNamespace;

typedef struct
{
  char *path;
  char type; /* 'c', 'b', 'p' ('u' is read as 'c') */
  gint64 major;
  gint64 minor;
  guint32 mode;
  guint32 uid;
  guint32 gid;
} SvDevice;

typedef enum
{
  SV_CAP_BOUNDING,
  SV_CAP_EFFECTIVE,
  SV_CAP_INHERITABLE,
  SV_CAP_PERMITTED,
  SV_CAP_AMBIENT,
  SV_CAP_N_SETS
} SvCapSet;

typedef struct
{
  gboolean terminal;
  guint32 console_height;
  guint32 console_width;
  guint32 uid;
  guint32 gid;
  gboolean has_umask;
  guint32 umask;
  GArray *additional_gids; /* guint32 */
  char **args;
  char **env;
  char *cwd;
  gboolean has_caps; /* process.capabilities present */
  guint64 caps[SV_CAP_N_SETS];
  GArray *rlimits; /* SvRlimit */
  gboolean no_new_privileges;
  gboolean has_oom_score_adj;
  int oom_score_adj;
  char *apparmor_profile;
  char *selinux_label;
} SvProcess;

typedef struct
{
  JsonNode *root; /* the whole document, owned */
  char *bundle;   /* absolute */
  char *oci_version;
  char *rootfs; /* absolute host path */
  gboolean rootfs_readonly;
  char *hostname;
  char *domainname;
  SvProcess *process;   /* NULL when absent */
  GPtrArray *mounts;    /* SvMount */
  GArray *uid_mappings; /* SvIdMapping */
  GArray *gid_mappings;
  gboolean spec_has_mappings;
  GArray *namespaces; /* SvNamespace, after the system-container overrides */
  GPtrArray *devices; /* SvDevice */
  char **masked_paths;
  char **readonly_paths;
  GPtrArray *sysctl_keys; /* char*, in document order */
  GPtrArray *sysctl_values;
  char *cgroups_path;
  unsigned long rootfs_propagation; /* 0 = default (rslave) */
  SvCgroupResources *resources; /* linux.resources, parsed and checked; nothing set when absent */
  JsonObject *seccomp;
  JsonObject *hooks;
  JsonObject *annotations;
} SvSpec;

/* Read and validate BUNDLE/config.json.  Errors read "BUNDLE/config.json: FIELD: what; fix". */
SvSpec *sv_spec_load (const char *bundle, GError **error);
/* Same from an already parsed document (unit tests); @bundle is used for relative paths. */
SvSpec *sv_spec_from_json (JsonNode *root, const char *bundle, GError **error);

/* The system-container rule: every container gets new user, mount, pid, ipc, uts and cgroup
 * namespaces (paths for pid/ipc/uts/net are kept); net stays as the spec says. */
const SvNamespace *sv_spec_namespace (SvSpec *spec, int nstype);
const char *sv_spec_annotation (SvSpec *spec, const char *key);

/* The types' destructors (sv_process_free is in process-spec.c). */
void sv_spec_free (SvSpec *spec);
void sv_process_free (SvProcess *p);
void sv_mount_free (SvMount *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SvSpec, sv_spec_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SvProcess, sv_process_free)
