/* sysvisor-fs: mapping a calling pid to its container (pid namespace + init). */
#include "svfs-container.h"

#include "svfs-util.h"

#include <dirent.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>

static guint64 host_pidns;

typedef struct
{
  pid_t pid;
  guint64 start;
} InitEntry;

static GMutex init_lock;
static GHashTable *init_cache; /* guint64 pidns -> InitEntry */

gboolean
svfs_container_setup (GError **error)
{
  if (!svfs_pid_ns_inode (0, &host_pidns, error))
    return FALSE;
  g_mutex_lock (&init_lock);
  if (!init_cache)
    init_cache = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  g_mutex_unlock (&init_lock);
  return TRUE;
}

guint64
svfs_container_host_pidns (void)
{
  return host_pidns;
}

gboolean
svfs_caller_identify (pid_t pid, SvfsCaller *c, GError **error)
{
  memset (c, 0, sizeof *c);
  c->pid = pid;
  if (pid <= 0)
    {
      g_set_error (error, SVFS_ERROR, SVFS_ERROR_INVALID_ARGUMENT, "no caller pid");
      return FALSE;
    }
  if (!svfs_pid_ns_inode (pid, &c->pidns, error))
    return FALSE;
  c->is_host = c->pidns == host_pidns;
  return TRUE;
}

/* PPid and the last NSpid field (the pid inside its own namespace) of PID. */
static gboolean
read_status (pid_t pid, pid_t *ppid, pid_t *inner, GError **error)
{
  g_autofree gchar *path = g_strdup_printf ("%s/%d/status", svfs_proc_root (), (int) pid);
  g_autofree gchar *text = svfs_read_file (path, NULL, error);
  if (!text)
    return FALSE;
  const char *pp = svfs_find_key (text, "PPid");
  const char *ns = svfs_find_key (text, "NSpid");
  if (!pp || !ns)
    {
      g_set_error (error, SVFS_ERROR, SVFS_ERROR_INVALID_DATA, "%s: no PPid/NSpid", path);
      return FALSE;
    }
  *ppid = (pid_t) g_ascii_strtoll (pp, NULL, 10);
  const char *end = strchr (ns, '\n');
  const char *last = ns;
  for (const char *p = ns; *p && (!end || p < end); p++)
    if ((*p == '\t' || *p == ' ') && p[1] && p[1] != '\n')
      last = p + 1;
  *inner = (pid_t) g_ascii_strtoll (last, NULL, 10);
  return TRUE;
}

/* Walk up the parents that share the namespace; the topmost must be pid 1 inside. */
static pid_t
init_by_parents (const SvfsCaller *c)
{
  pid_t cur = c->pid;
  for (guint depth = 0; depth < 256; depth++)
    {
      pid_t ppid, inner;
      guint64 ns;
      if (!read_status (cur, &ppid, &inner, NULL))
        return 0;
      if (inner == 1)
        return cur;
      if (ppid <= 0 || !svfs_pid_ns_inode (ppid, &ns, NULL) || ns != c->pidns)
        return 0;
      cur = ppid;
    }
  return 0;
}

/* Slow path (a process that entered the namespace with setns): scan every process. */
static pid_t
init_by_scan (const SvfsCaller *c)
{
  g_autoptr (GDir) dir = g_dir_open (svfs_proc_root (), 0, NULL);
  const char *name;
  while (dir && (name = g_dir_read_name (dir)))
    {
      pid_t pid = (pid_t) g_ascii_strtoll (name, NULL, 10), ppid, inner;
      guint64 ns;
      if (pid <= 0 || !svfs_pid_ns_inode (pid, &ns, NULL) || ns != c->pidns)
        continue;
      if (read_status (pid, &ppid, &inner, NULL) && inner == 1)
        return pid;
    }
  return 0;
}

gboolean
svfs_caller_resolve_init (SvfsCaller *c, GError **error)
{
  g_mutex_lock (&init_lock);
  InitEntry *hit = init_cache ? g_hash_table_lookup (init_cache, &c->pidns) : NULL;
  InitEntry cached = hit ? *hit : (InitEntry){ 0, 0 };
  g_mutex_unlock (&init_lock);
  guint64 start;
  if (cached.pid > 0 && svfs_pid_start_time (cached.pid, &start, NULL) && start == cached.start)
    {
      c->init_pid = cached.pid;
      c->init_start = cached.start;
      return TRUE;
    }
  pid_t init = init_by_parents (c);
  if (init == 0)
    init = init_by_scan (c);
  if (init == 0 || !svfs_pid_start_time (init, &start, error))
    {
      if (init == 0)
        g_set_error (error, SVFS_ERROR, SVFS_ERROR_NOT_FOUND,
                     "no init found for pid namespace %" G_GUINT64_FORMAT, c->pidns);
      return FALSE;
    }
  c->init_pid = init;
  c->init_start = start;
  InitEntry *e = g_new (InitEntry, 1);
  *e = (InitEntry){ init, start };
  g_mutex_lock (&init_lock);
  if (init_cache)
    g_hash_table_replace (init_cache, g_memdup2 (&c->pidns, sizeof c->pidns), e);
  else
    g_free (e);
  g_mutex_unlock (&init_lock);
  return TRUE;
}

/* Forget the inits of pid namespaces whose init has exited (one entry per container ever
 * seen would pile up otherwise); returns how many are still known. */
guint
svfs_container_prune (void)
{
  GHashTableIter it;
  gpointer v;
  guint left = 0;

  g_mutex_lock (&init_lock);
  if (init_cache)
    {
      g_hash_table_iter_init (&it, init_cache);
      while (g_hash_table_iter_next (&it, NULL, &v))
        {
          InitEntry *e = v;
          if (!svfs_pid_alive_since (e->pid, e->start))
            g_hash_table_iter_remove (&it);
        }
      left = g_hash_table_size (init_cache);
    }
  g_mutex_unlock (&init_lock);
  return left;
}

SvfsContainerKey
svfs_caller_key (const SvfsCaller *c)
{
  return (SvfsContainerKey){ c->pidns, c->init_start };
}

gboolean
svfs_caller_is_root (const SvfsCaller *c, uid_t uid)
{
  if (uid == 0)
    return TRUE;
  g_autofree gchar *path = g_strdup_printf ("%s/%d/uid_map", svfs_proc_root (), (int) c->pid);
  g_autofree gchar *map = svfs_read_file (path, NULL, NULL);
  g_auto (GStrv) lines = g_strsplit (map ? map : "", "\n", 0);
  for (guint i = 0; lines[i]; i++)
    {
      unsigned long inside, outside, count;
      if (sscanf (lines[i], "%lu %lu %lu", &inside, &outside, &count) == 3 && inside == 0
          && count > 0 && outside == (unsigned long) uid)
        return TRUE;
    }
  return FALSE;
}

gboolean
svfs_pid_alive_since (gint pid, guint64 start)
{
  guint64 now;
  return pid > 0 && svfs_pid_start_time (pid, &now, NULL) && now == start;
}
