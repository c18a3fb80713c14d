/* fuzz-svfs-tree: sysvisor-fs's path -> file lookup (plugins/fuse-procfs/sysvisor-fs/svfs-tree.c), as the
 * FUSE lookup, getattr and readdir requests walk it: each '/'-separated name of the input looked
 * up from the root, and the node numbers the input spells asked for directly. */
#include "fuzz-util.h"

#include "svfs-tree.h"

#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_autoptr (GError) error = NULL;

  fuzz_init ();
  if (!svfs_tree_build (&error))
    g_error ("svfs_tree_build: %s", error->message);
  return 0;
}

static void
walk (const char *path)
{
  g_auto (GStrv) names = g_strsplit (path, "/", -1);
  guint64 dir = SVFS_ROOT_INO;

  for (guint i = 0; names[i] != NULL; i++)
    {
      const SvfsNode *n = svfs_tree_lookup (dir, names[i]);
      if (n == NULL)
        return;
      g_assert (svfs_tree_get (n->ino) == n && n->parent == dir);
      g_assert (strcmp (n->name, names[i]) == 0 && strchr (n->name, '/') == NULL);
      g_assert (n->kind == SVFS_NODE_DIR || names[i + 1] == NULL
                || svfs_tree_lookup (n->ino, names[i + 1]) == NULL);
      dir = n->ino;
    }
  g_ptr_array_unref (svfs_tree_children (dir));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *path = fuzz_strndup (data, size);
  guint64 ino = 0;

  walk (path);
  memcpy (&ino, data, MIN (size, sizeof ino));
  if (svfs_tree_get (ino) != NULL)
    g_ptr_array_unref (svfs_tree_children (ino));
  return 0;
}
