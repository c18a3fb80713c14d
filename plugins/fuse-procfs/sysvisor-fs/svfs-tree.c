/* sysvisor-fs: the tree of emulated files. */
#include "svfs-tree.h"

#include "svfs-util.h"

#include <glib.h>
#include <string.h>

static const struct
{
  const char *path;
  SvfsRenderFn render;
  guint ttl_ms;
} files[] = {
  /* How long a rendered text may be served again to the same view (svfs-cache.h).  uptime
   * and stat: 10 ms, their own resolution (1/100 s, USER_HZ ticks), so they still advance at
   * the kernel's pace.  The others: 100 ms, for a limit or usage that changed (a `docker
   * update`, memory freed) to show; no tool polls them faster than that. */
  { "proc/meminfo", svfs_proc_meminfo, 100 },
  { "proc/cpuinfo", svfs_proc_cpuinfo, 100 },
  { "proc/stat", svfs_proc_stat, 10 },
  { "proc/uptime", svfs_proc_uptime, 10 },
  { "proc/loadavg", svfs_proc_loadavg, 100 },
  { "proc/swaps", svfs_proc_swaps, 100 },
  { "proc/diskstats", svfs_proc_diskstats, 100 },
  { "sys/devices/system/cpu/online", svfs_sys_cpu_online, 100 },
};

static GPtrArray *nodes;   /* SvfsNode, in creation order */
static GHashTable *by_ino; /* guint64 -> SvfsNode */

static guint64
path_ino (const char *path)
{
  if (*path == '\0')
    return SVFS_ROOT_INO;
  guint64 h = 14695981039346656037ULL; /* FNV-1a */
  for (const char *p = path; *p; p++)
    h = (h ^ (guchar) *p) * 1099511628211ULL;
  h &= G_MAXINT64 >> 1;
  return h < 16 ? h + 16 : h;
}

static guint64
path_ino_of_sysctl (const SvfsSysctl *s)
{
  g_autofree gchar *path = g_strconcat ("proc/sys/", s->path, NULL);

  return path_ino (path);
}

static gchar *
host_path_of (const char *path)
{
  if (g_str_has_prefix (path, "proc/"))
    return g_build_filename (svfs_proc_root (), path + 5, NULL);
  if (g_str_has_prefix (path, "sys/"))
    return g_build_filename (svfs_sys_root (), path + 4, NULL);
  return NULL;
}

static void
node_free (gpointer p)
{
  SvfsNode *n = p;
  g_free (n->path);
  g_free (n->host_path);
  g_free (n);
}

/* Add PATH and, first, its missing parent directories. */
static SvfsNode *
add_node (const char *path, SvfsNodeKind kind, GError **error)
{
  guint64 ino = path_ino (path);
  SvfsNode *n = g_hash_table_lookup (by_ino, &ino);
  if (n)
    {
      if (!g_str_equal (n->path, path))
        g_set_error (error, SVFS_ERROR, SVFS_ERROR_EXISTS, "inode clash: %s and %s", n->path,
                     path);
      return g_str_equal (n->path, path) ? n : NULL;
    }
  guint64 parent = SVFS_ROOT_INO;
  if (*path)
    {
      const char *slash = strrchr (path, '/');
      g_autofree gchar *dir = slash ? g_strndup (path, slash - path) : g_strdup ("");
      SvfsNode *p = add_node (dir, SVFS_NODE_DIR, error);
      if (!p)
        return NULL;
      parent = p->ino;
    }
  n = g_new0 (SvfsNode, 1);
  n->path = g_strdup (path);
  n->name = strrchr (n->path, '/') ? strrchr (n->path, '/') + 1 : n->path;
  n->kind = kind;
  n->ino = ino;
  n->parent = parent;
  n->host_path = host_path_of (path);
  g_ptr_array_add (nodes, n);
  g_hash_table_insert (by_ino, &n->ino, n);
  return n;
}

/* A sysctl this host's kernel lacks (kernel/sysrq without CONFIG_MAGIC_SYSRQ, a module not
 * loaded) is absent in every container too: procfs cannot gain a file for the plugin to cover.
 * So it is not served at all: the plugin, which binds what the mount has, then hands the init
 * no tree it cannot attach (the runtime's close of an unattached tree waits for an expedited
 * RCU grace period: 0.35-0.9 ms, while the container runs; bench/README.md). */
static gboolean
host_has_sysctl (const SvfsSysctl *s)
{
  g_autofree gchar *host = g_build_filename (svfs_proc_root (), "sys", s->path, NULL);

  return g_file_test (host, G_FILE_TEST_EXISTS);
}

/* Say once, at start, which entries are not served and why, for a reader of the log. */
void
svfs_tree_log_absent_sysctls (void)
{
  g_autoptr (GString) absent = g_string_new (NULL);
  guint count;
  const SvfsSysctl *table = svfs_sysctl_table (&count);

  for (guint i = 0; i < count; i++)
    if (svfs_tree_get (path_ino_of_sysctl (&table[i])) == NULL)
      g_string_append_printf (absent, "%s%s", absent->len ? ", " : "", table[i].path);
  if (absent->len > 0)
    g_warning ("not serving /proc/sys entries this host's kernel lacks: %s; containers cannot "
               "have them either (a file cannot be added to procfs): load the module, or use a "
               "kernel built with them, then restart sysvisor-fs",
               absent->str);
}

gboolean
svfs_tree_build (GError **error)
{
  if (nodes)
    return TRUE;
  nodes = g_ptr_array_new_with_free_func (node_free);
  by_ino = g_hash_table_new (g_int64_hash, g_int64_equal);
  if (!add_node ("", SVFS_NODE_DIR, error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      SvfsNode *n = add_node (files[i].path, SVFS_NODE_FILE, error);
      if (!n)
        return FALSE;
      n->render = files[i].render;
      n->ttl_ms = files[i].ttl_ms;
    }
  guint count;
  const SvfsSysctl *table = svfs_sysctl_table (&count);
  for (guint i = 0; i < count; i++)
    {
      g_autofree gchar *path = g_strconcat ("proc/sys/", table[i].path, NULL);
      SvfsNode *n;

      if (!host_has_sysctl (&table[i]))
        continue;
      n = add_node (path, SVFS_NODE_SYSCTL, error);
      if (!n)
        return FALSE;
      n->sysctl = &table[i];
    }
  return TRUE;
}

const SvfsNode *
svfs_tree_get (guint64 ino)
{
  return by_ino ? g_hash_table_lookup (by_ino, &ino) : NULL;
}

const SvfsNode *
svfs_tree_lookup (guint64 parent, const char *name)
{
  for (guint i = 0; nodes && i < nodes->len; i++)
    {
      const SvfsNode *n = g_ptr_array_index (nodes, i);
      if (n->parent == parent && n->ino != SVFS_ROOT_INO && g_str_equal (n->name, name))
        return n;
    }
  return NULL;
}

GPtrArray *
svfs_tree_children (guint64 dir)
{
  GPtrArray *out = g_ptr_array_new ();
  for (guint i = 0; nodes && i < nodes->len; i++)
    {
      SvfsNode *n = g_ptr_array_index (nodes, i);
      if (n->parent == dir && n->ino != SVFS_ROOT_INO)
        g_ptr_array_add (out, n);
    }
  return out;
}
