/* sysvisor-fs: the static tree of served files.  Inode numbers are a hash of the path, so
 * they stay the same across restarts and upgrades: the kernel keeps using the node ids it
 * learnt from the previous process (bind mounts of single files depend on it). */
#pragma once

#include "svfs-files.h"
#include "svfs-sysctl.h"

#include <glib.h>

G_BEGIN_DECLS

#define SVFS_ROOT_INO 1

typedef enum
{
  SVFS_NODE_DIR,
  SVFS_NODE_FILE,
  SVFS_NODE_SYSCTL,
} SvfsNodeKind;

typedef struct
{
  gchar *path; /* "proc/meminfo"; "" for the root */
  const char *name;
  SvfsNodeKind kind;
  guint64 ino, parent;
  SvfsRenderFn render;      /* SVFS_NODE_FILE */
  guint ttl_ms;             /* SVFS_NODE_FILE: how long a render may be served again */
  const SvfsSysctl *sysctl; /* SVFS_NODE_SYSCTL */
  gchar *host_path;         /* the host's file, served to the host and on fallback */
  guint index;              /* position in the tree, part of a per-container copy's inode */
  gboolean in_views;        /* an emulated file, or a directory above one: copied per container */
} SvfsNode;

/* Per-container copies (issue 16): ct/<name>/proc/meminfo ... mirror the emulated files (not
 * /proc/sys) under a directory per container, each its own inode, so the kernel may keep the
 * text in its page cache for that container only (svfs-fuse.c).  Their inode numbers are made,
 * not stored: SVFS_VIEW_BIT, 50 bits of a hash of <name>, the mirrored node's index (10 bits),
 * so a restarted daemon reads them back.  Never reorder the tree (files[] in svfs-tree.c). */
#define SVFS_VIEWS_DIR "ct"
#define SVFS_VIEW_BIT (G_GUINT64_CONSTANT (1) << 62)

gboolean svfs_tree_build (GError **error);
/* Warn (once the daemon serves) about served sysctls the host's kernel lacks. */
void svfs_tree_log_absent_sysctls (void);
const SvfsNode *svfs_tree_get (guint64 ino);
const SvfsNode *svfs_tree_lookup (guint64 parent, const char *name);
/* Children of a directory, in a stable order. */
GPtrArray *svfs_tree_children (guint64 dir);

/* A per-container copy: the node it mirrors (the root node for ct/<name> itself), or NULL. */
const SvfsNode *svfs_tree_view_node (guint64 ino);
/* Lookup under ct/ or under a per-container copy's directory: its inode, or 0. */
guint64 svfs_tree_view_lookup (guint64 parent, const char *name);
/* The inode of the per-container copy of @n in the same container as @sibling. */
guint64 svfs_tree_view_ino (guint64 sibling, const SvfsNode *n);

G_END_DECLS
