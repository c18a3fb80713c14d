/* idmapped-mounts-idmap.h: ID-mapped mount trees, a throwaway user namespace for probing, and the
 * shifted overlay.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <glib.h>
#include <sys/types.h>

/* A detached copy of the mount at @path (open_tree (OPEN_TREE_CLONE), AT_RECURSIVE when
 * @recursive), relative to @dirfd; -1 and @error on failure. */
int sv_idmapped_clone_tree (int dirfd, const char *path, gboolean recursive, GError **error);

/* ID-map detached tree @fd to @userns_fd (mount_setattr (MOUNT_ATTR_IDMAP)): 0 or the errno
 * value (EINVAL: a filesystem of the tree cannot be ID-mapped). */
int sv_idmapped_idmap_tree (int fd, int userns_fd, gboolean recursive);

/* A user namespace that no process lives in, mapping its 0 to host 0, for probing: its fd. */
int sv_idmapped_scratch_userns (GError **error);

typedef struct
{
  const int *lower; /* topmost first */
  guint n_lower;
  const int *data; /* data-only layers */
  guint n_data;
  int upper;          /* -1: read-only */
  int work;           /* upper and work: O_PATH fds inside upper_tree */
  int upper_tree;     /* the detached tree that holds both */
  GPtrArray *options; /* "key" or "key=value" */
  uid_t creator_uid;  /* the fsuid/fsgid the overlay works on its layers as */
  gid_t creator_gid;
} SvIdmappedOverlayMount;

/* Create a detached overlay mount over layer trees given as fds.  It is set up by host root
 * with fsuid/fsgid @creator_uid/@creator_gid and every capability: overlayfs does its work on
 * the layers with its creator's credentials, so through ID-mapped layers its work directory
 * and copy-ups land on disk as root (container root's host id, mapped back), and trusted.*
 * xattrs (Docker's opaque directories, redirects) are read and written as Docker's own
 * overlay does. */
int sv_idmapped_mount_overlay (const SvIdmappedOverlayMount *m, GError **error);
