/* container.h: the container being created or deleted, as the core and its plugins see it.
 * The plugin-facing accessors (sysvisor/plugin.h) are implemented in container-api.c. */
#pragma once

#include "plugins-conf.h"
#include "spec.h"

#include <sysvisor/plugin.h>

struct _SvHost
{
  GKeyFile *keyfile;   /* plugins.conf (borrowed) */
  const char *section; /* the calling plugin's section, set around each hook */
  char *lib_dir;
  char *state_root;
  GPtrArray *probe_deps; /* paths a running probe declared (probe-cache.h); NULL otherwise */
};

typedef struct
{
  char *source;      /* host path */
  char *destination; /* inside the container */
  gboolean readonly;
  gboolean idmapped; /* ID-mapped to the container's user namespace (storage.c) */
  gboolean optional; /* skipped where the mount point cannot be made (storage.c) */
  int tree_fd;       /* made by the core after attach; -1 before */
} SvExtraMount;

struct _SvContainer
{
  SvHost *host;
  char *id;
  SvSpec *spec; /* borrowed (NULL for delete: then the fields below come from state) */
  char *bundle;
  char *rootfs;
  GArray *uid_mappings; /* SvIdMapping */
  GArray *gid_mappings;
  int userns_fd;           /* valid during attach */
  int rootfs_tree_fd;      /* -1 = the core clones the rootfs directory itself */
  int *mount_tree_fds;     /* one per spec mount, -1 = the core makes it */
  GPtrArray *extra_mounts; /* SvExtraMount, from procfs plugins and storage.c */
  JsonNode *annotations;   /* for delete, from state (create uses the spec's) */
  char *supervisor;        /* address of the syscall supervisor a procfs plugin named, or NULL */
};

SvContainer *sv_container_new (SvHost *host, const char *id, SvSpec *spec);
/* For delete: rebuild what release() needs from the saved state. */
SvContainer *sv_container_new_from_state (SvHost *host, const char *id, const char *bundle,
                                          const char *rootfs, GArray *uid_maps, GArray *gid_maps,
                                          JsonNode *annotations);
void sv_container_free (SvContainer *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SvContainer, sv_container_free)

/* Core-side conversions. */
