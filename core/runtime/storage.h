/* storage.h: host directories behind the paths where a container's inner runtimes keep their
 * data (/var/lib/docker, /var/lib/containerd, ...; plugins.conf storage-paths). */
#pragma once

#include "container.h"
#include "spec.h"

/* create, after the plugins' prepare: make (or find again) <lib>/storage/<id>/<path> for each
 * of @paths the spec does not mount itself, record who owns the container, and add each as
 * an ID-mapped extra mount.  Frees orphans of other containers first (best effort). */
gboolean sv_storage_prepare (SvContainer *c, SvSpec *spec, char **paths, const char *state_root,
                             GError **error);
/* delete, and the rollback of a create: free the container's directories unless the client
 * that owns the container still knows it (Docker's containers/<id> exists).  A tree that is
 * still the bare skeleton of @paths (plugins.conf's storage-paths; NULL: none) is kept as a
 * spare for the next create of a new id instead (storage.c, "spare trees").  Never fails. */
void sv_storage_release (const char *lib_dir, const char *id, char **paths);

typedef struct
{
  char *id;    /* the container the directory was made for */
  char *path;  /* <lib>/storage/<id> */
  char *owner; /* the owner path recorded (NULL: none) */
} SvStorageOrphan;

typedef enum
{
  SV_STORAGE_LIST,          /* only list them */
  SV_STORAGE_FREE,          /* free them before returning, and the spare trees */
  SV_STORAGE_FREE_DETACHED, /* free them: their ids at once, their files in the background */
} SvStorageGc;

/* The directories whose container is gone for both the runtime and its client, and
 * according to @mode, free them (with any removal a killed process left half done).  A
 * missing storage directory means none.  @live_root (may be NULL): a state root whose
 * committed containers are taken as in use at once, without reading their records (a
 * create's own root: its look is then one access(2) per container of that root).  @paths: as
 * for sv_storage_release (SV_STORAGE_FREE_DETACHED keeps bare skeletons as spares).
 * SV_STORAGE_FREE_DETACHED, a create's, looks at the next 64 directories only (in turn). */
GPtrArray *sv_storage_orphans (const char *lib_dir, const char *live_root, SvStorageGc mode,
                               char **paths, GError **error);
