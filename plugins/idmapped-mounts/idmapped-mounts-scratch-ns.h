/* idmapped-mounts-scratch-ns.h: detached mount trees mounted in a mount namespace of their own,
 * for what older kernels do only with mounted trees.
 *
 * A child sharing our memory and fd table (CLONE_VM | CLONE_FILES | CLONE_VFORK: it runs while
 * we wait), in a new mount namespace made private (nothing propagates to the host's), mounts a
 * tmpfs on a scratch directory, moves the detached trees onto their points, and runs a last step
 * that opens a mount fd; the fd lands in our fd table, the namespace and its mounts die with the
 * child.  The child makes raw system calls only.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <glib.h>

typedef struct SvScratchNs SvScratchNs;

struct SvScratchNs
{
  const char *scratch; /* sv_scratch_ns_dir (): the child's tmpfs goes there */
  const int *trees;    /* detached trees, moved in this order... */
  char *const *points; /* ...each onto this path (under scratch) */
  guint n_trees;
  guint n_mkdir; /* the first n_mkdir points are created first (on the scratch tmpfs) */
  /* The last step, in the child: a mount fd, or -1 with errno set. */
  int (*then) (SvScratchNs *ns);
  gpointer data; /* then's own */
};

/* The directory the child mounts its tmpfs on (the first of /tmp, /run, /mnt, /var/tmp that
 * exists); NULL and @error when there is none. */
const char *sv_scratch_ns_dir (GError **error);

/* Run @ns in a child: the last step's mount fd, or -1 with @err_out the failed step's errno. */
int sv_scratch_ns_run (SvScratchNs *ns, int *err_out);

/* A detached copy (recursive) of the tree put together at @ns's first point: @ns->then for a
 * plan whose first tree is the top and whose others are mounted inside it. */
int sv_scratch_ns_clone_first (SvScratchNs *ns);
