/* mounts.h: the container's filesystem, made by its init (mounts.c), in the order init.c calls
 * these. */
#pragma once

#include "init.h"
#include "sync.h"

/* The detached mount trees the parent handed over, each found by its tag. */
typedef struct
{
  SvSyncMsg msg;            /* SV_SYNC_GO: msg.n_fds and the tag of each fd */
  int fds[SV_SYNC_MAX_FDS]; /* received from the parent; owned; -1 once taken */
} SvInitTrees;

gboolean sv_mounts_attach_rootfs (SvInitConfig *cfg, SvInitTrees *t, int *rootfd_out,
                                  GError **error);
gboolean sv_mounts_spec (SvInitConfig *cfg, int rootfd, SvInitTrees *t, GError **error);
gboolean sv_mounts_masked_readonly (SvInitConfig *cfg, GError **error);
gboolean sv_mounts_extra (SvInitConfig *cfg, SvInitTrees *t, GError **error);
gboolean sv_mounts_pivot (int rootfd, GError **error);
gboolean sv_mounts_finish (SvInitConfig *cfg, GError **error);

/* Open @path under @rootfd (RESOLVE_IN_ROOT), creating missing parents as directories and the
 * last component as a directory or an empty file.  Returns an O_PATH fd. */
int sv_open_in_root_create (int rootfd, const char *path, gboolean dir, GError **error);
