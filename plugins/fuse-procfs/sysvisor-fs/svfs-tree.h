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
} SvfsNode;

gboolean svfs_tree_build (GError **error);
/* Warn (once the daemon serves) about the sysctls of the table not served: the host's kernel
 * lacks them (svfs_tree_build leaves them out). */
void svfs_tree_log_absent_sysctls (void);
const SvfsNode *svfs_tree_get (guint64 ino);
const SvfsNode *svfs_tree_lookup (guint64 parent, const char *name);
/* Children of a directory, in a stable order. */
GPtrArray *svfs_tree_children (guint64 dir);

G_END_DECLS
