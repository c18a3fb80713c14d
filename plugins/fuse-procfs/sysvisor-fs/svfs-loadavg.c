/* sysvisor-fs: load averages per container.
 *
 * A container is a pid namespace.  Every 5 s one pass over the host's /proc counts, for each
 * tracked namespace (one that read proc/loadavg), its tasks in state R (running) and D
 * (uninterruptible), exactly what the kernel folds into its averages, and applies the
 * kernel's exponential decay (EXP_1/5/15, FSHIFT 11).  Processes of nested pid namespaces
 * (docker inside) count for the container whose namespace is their ancestor.  The
 * "running/total lastpid" fields are refreshed when a reader finds its sample older than 1 s:
 * the sampler thread makes a new one at once, and the reader is served the one it has (it
 * used to wait for that pass over /proc, 5-100 ms with a few hundred processes on a
 * paravirtualised guest: the slowest reads of procfs-bench's paced load).  A container's first
 * read has no sample yet: it counts from the container's cgroup tree (first_count).  lastpid
 * is the highest pid in the container's namespace (the kernel's last allocated pid is not
 * visible from outside). */
#include "svfs-loadavg.h"

#include "svfs-cgroup.h"
#include "svfs-render.h"
#include "svfs-util.h"

#include <dirent.h>
#include <fcntl.h>
#include <glib.h>
#include <linux/nsfs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct
{
  guint64 pidns;
  gint init_pid;
  guint64 init_start;
  guint64 avenrun[3];
  guint running, active, total, lastpid;
  gint64 sampled_at; /* monotonic us */
  gboolean seen;
} Tracked;

static GMutex lock;
static GCond cond;
static GHashTable *tracked; /* guint64 pidns -> Tracked */
static GThread *thread;
static gboolean stopping;
static gboolean refresh_wanted; /* a reader found its sample older than 1 s */
static gint64 refreshed_at;     /* monotonic us of the last pass */
static SvfsTickFunc tick_func;

static void
ensure_table_locked (void)
{
  if (!tracked)
    tracked = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_free);
}

typedef struct
{
  guint running, active, total, lastpid;
} Count;

static char
task_state (const char *path)
{
  g_autofree gchar *text = svfs_read_file (path, NULL, NULL);
  const char *p = text ? strrchr (text, ')') : NULL;
  return p && p[1] == ' ' ? p[2] : '?';
}

static void
count_process (const char *pid, Count *cnt)
{
  g_autofree gchar *taskdir = g_strdup_printf ("%s/%s/task", svfs_proc_root (), pid);
  g_autoptr (GDir) dir = g_dir_open (taskdir, 0, NULL);
  const char *tid;
  while (dir && (tid = g_dir_read_name (dir)))
    {
      g_autofree gchar *stat = g_strdup_printf ("%s/%s/stat", taskdir, tid);
      char s = task_state (stat);
      cnt->total++;
      cnt->running += s == 'R';
      cnt->active += s == 'R' || s == 'D';
    }
  g_autofree gchar *status_path = g_strdup_printf ("%s/%s/status", svfs_proc_root (), pid);
  g_autofree gchar *status = svfs_read_file (status_path, NULL, NULL);
  const char *ns = status ? svfs_find_key (status, "NSpid") : NULL;
  guint host_pid, inner;
  /* NSpid: host pid, then the pid in the container's namespace (the daemon is in the host's). */
  if (ns && sscanf (ns, "%u %u", &host_pid, &inner) == 2)
    cnt->lastpid = MAX (cnt->lastpid, inner);
}

/* The tracked namespace that is INO or an ancestor of it, via NS_GET_PARENT. */
static Count *
ancestor_count (const char *pid, guint64 ino, GHashTable *wanted, GHashTable *memo)
{
  gpointer hit;
  if (g_hash_table_lookup_extended (memo, &ino, NULL, &hit))
    return hit;
  Count *found = NULL;
  g_autofree gchar *path = g_strdup_printf ("%s/%s/ns/pid", svfs_proc_root (), pid);
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  for (guint depth = 0; fd >= 0 && depth < 32 && !found; depth++)
    {
      int parent = ioctl (fd, NS_GET_PARENT);
      close (fd);
      fd = parent;
      struct stat st;
      if (fd < 0 || fstat (fd, &st) < 0 || st.st_ino == svfs_container_host_pidns ())
        break;
      guint64 pino = st.st_ino;
      found = g_hash_table_lookup (wanted, &pino);
    }
  if (fd >= 0)
    close (fd);
  g_hash_table_insert (memo, g_memdup2 (&ino, sizeof ino), found);
  return found;
}

/* Counts the process PID (a decimal string) for the tracked namespace it is in or below. */
static void
count_pid (const char *pid_text, GHashTable *wanted, GHashTable *memo)
{
  guint64 ino;
  pid_t pid = (pid_t) g_ascii_strtoll (pid_text, NULL, 10);
  if (pid <= 0 || !svfs_pid_ns_inode (pid, &ino, NULL) || ino == svfs_container_host_pidns ())
    return;
  Count *cnt = g_hash_table_lookup (wanted, &ino);
  if (!cnt)
    cnt = ancestor_count (pid_text, ino, wanted, memo);
  if (cnt)
    count_process (pid_text, cnt);
}

static GHashTable *
new_memo (void)
{
  return g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
}

/* One pass over /proc: fill the Count of each namespace in wanted (pidns -> Count). */
static void
scan (GHashTable *wanted)
{
  g_autoptr (GHashTable) memo = new_memo ();
  g_autoptr (GDir) dir = g_dir_open (svfs_proc_root (), 0, NULL);
  const char *name;
  while (dir && (name = g_dir_read_name (dir)))
    count_pid (name, wanted, memo);
}

/* A first count walks at most this many cgroup directories; a larger tree gets the pass. */
#define TREE_MAX_DIRS 256

/* Counts the processes of the cgroup DIR (its cgroup.procs) and of the cgroups below it into
 * wanted; FALSE when a file cannot be read (a cgroup removed meanwhile) or there are more than
 * *budget directories. */
static gboolean
count_cgroup_tree (const char *dir, GHashTable *wanted, GHashTable *memo, guint *budget)
{
  if (*budget == 0)
    return FALSE;
  (*budget)--;
  g_autofree gchar *procs_path = g_build_filename (dir, "cgroup.procs", NULL);
  g_autofree gchar *procs = NULL;
  /* Not svfs_read_file: it would keep every cgroup of the tree open for seconds. */
  if (!g_file_get_contents (procs_path, &procs, NULL, NULL))
    return FALSE;
  for (char *line = procs, *next; line && *line; line = next)
    {
      next = strchr (line, '\n');
      if (next)
        *next++ = '\0';
      count_pid (line, wanted, memo);
    }
  DIR *d = opendir (dir);
  if (!d)
    return FALSE;
  gboolean ok = TRUE;
  struct dirent *e;
  while (ok && (e = readdir (d)))
    if (e->d_type == DT_DIR && strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0)
      {
        g_autofree gchar *sub = g_build_filename (dir, e->d_name, NULL);
        ok = count_cgroup_tree (sub, wanted, memo, budget);
      }
  closedir (d);
  return ok;
}

/* The deepest cgroup holding both A and B (directories of one hierarchy), or NULL when that
 * is ROOT, the hierarchy's own: the host's processes are all below it. */
static gchar *
common_cgroup (const char *a, const char *b, const char *root)
{
  gsize len = 0;
  for (gsize i = 0;; i++)
    {
      gboolean end_a = a[i] == '\0' || a[i] == '/', end_b = b[i] == '\0' || b[i] == '/';
      if (end_a && end_b)
        len = i;
      if (a[i] != b[i] || a[i] == '\0')
        break;
    }
  return len > strlen (root) ? g_strndup (a, len) : NULL;
}

/* The cgroup of a container: the deepest one that holds both the caller and the init of its
 * pid namespace (the container's own cgroup when systemd inside put them in sub-cgroups), in
 * the memory, cpu or cpuset hierarchy; NULL when that is a hierarchy's root. */
static gchar *
container_cgroup (const SvfsCaller *c)
{
  static const SvfsController order[] = { SVFS_CG_MEMORY, SVFS_CG_CPU, SVFS_CG_CPUSET };
  g_autoptr (SvfsCgroup) mine = svfs_cgroup_for_pid (c->pid, NULL);
  g_autoptr (SvfsCgroup) init = c->init_pid > 0 ? svfs_cgroup_for_pid (c->init_pid, NULL) : NULL;
  for (guint i = 0; mine && init && i < G_N_ELEMENTS (order); i++)
    {
      SvfsController k = order[i];
      if (mine->dir[k] && init->dir[k] && g_strcmp0 (mine->root[k], init->root[k]) == 0)
        {
          gchar *dir = common_cgroup (mine->dir[k], init->dir[k], mine->root[k]);
          if (dir)
            return dir;
        }
    }
  return NULL;
}

/* A container's first read: its processes counted from its cgroup (those of a container,
 * exec'd ones too, are all below it), so that the reader does not wait for a pass over every
 * process of the host (5-50 ms under procfs-bench's load, where it was the longest wait for
 * the daemon).  A process of the namespace outside that cgroup is counted by the sampler's
 * next pass, within a second.  A caller in no cgroup of its own, or a tree of more than
 * TREE_MAX_DIRS cgroups, gets the pass. */
static void
first_count (const SvfsCaller *c, GHashTable *wanted)
{
  g_autofree gchar *dir = container_cgroup (c);
  g_autoptr (GHashTable) memo = new_memo ();
  guint budget = TREE_MAX_DIRS;
  if (dir && count_cgroup_tree (dir, wanted, memo, &budget))
    return;
  GHashTableIter it;
  gpointer cnt;
  g_hash_table_iter_init (&it, wanted);
  while (g_hash_table_iter_next (&it, NULL, &cnt))
    memset (cnt, 0, sizeof (Count));
  scan (wanted);
}

static void
apply_count (Tracked *t, const Count *cnt, gboolean decay)
{
  static const guint64 exps[3] = { SVFS_EXP_1, SVFS_EXP_5, SVFS_EXP_15 };
  if (decay)
    for (guint i = 0; i < 3; i++)
      t->avenrun[i] =
          svfs_loadavg_decay (t->avenrun[i], exps[i], (guint64) cnt->active * SVFS_FIXED_1);
  t->running = cnt->running;
  t->active = cnt->active;
  t->total = cnt->total;
  t->lastpid = cnt->lastpid;
  t->sampled_at = g_get_monotonic_time ();
}

static GHashTable *
new_count_table (void)
{
  return g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
}

static void
sample_all (gboolean decay)
{
  g_autoptr (GHashTable) wanted = new_count_table ();
  GHashTableIter it;
  gpointer key, value;
  g_mutex_lock (&lock);
  ensure_table_locked ();
  g_hash_table_iter_init (&it, tracked);
  while (g_hash_table_iter_next (&it, &key, NULL))
    g_hash_table_insert (wanted, g_memdup2 (key, sizeof (guint64)), g_new0 (Count, 1));
  g_mutex_unlock (&lock);
  /* No container has read loadavg (or all that did are gone): no pass over the host's /proc
   * every 5 s (a readlink of every process's pid namespace) for nobody. */
  if (g_hash_table_size (wanted) == 0)
    return;
  scan (wanted);
  g_mutex_lock (&lock);
  g_hash_table_iter_init (&it, tracked);
  while (g_hash_table_iter_next (&it, &key, &value))
    {
      Tracked *t = value;
      Count *cnt = g_hash_table_lookup (wanted, key);
      if (cnt && cnt->total > 0)
        apply_count (t, cnt, decay);
      else if (cnt && !svfs_pid_alive_since (t->init_pid, t->init_start))
        g_hash_table_iter_remove (&it);
    }
  g_mutex_unlock (&lock);
}

guint
svfs_loadavg_tracked_count (void)
{
  guint n;

  g_mutex_lock (&lock);
  n = tracked ? g_hash_table_size (tracked) : 0;
  g_mutex_unlock (&lock);
  return n;
}

/* Every 5 s a pass with the decay, then the daemon's tick; between them a pass without it
 * whenever a reader asks (refresh_soon_locked). */
static gpointer
sampler_main (gpointer data)
{
  g_mutex_lock (&lock);
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (!stopping)
    {
      while (!stopping && !refresh_wanted && g_cond_wait_until (&cond, &lock, deadline))
        ;
      if (stopping)
        break;
      gboolean tick = g_get_monotonic_time () >= deadline;
      refresh_wanted = FALSE;
      g_mutex_unlock (&lock);
      sample_all (tick);
      if (tick && tick_func)
        tick_func ();
      g_mutex_lock (&lock);
      refreshed_at = g_get_monotonic_time ();
      if (tick)
        deadline = refreshed_at + 5 * G_USEC_PER_SEC;
    }
  g_mutex_unlock (&lock);
  return NULL;
}

void
svfs_loadavg_start (SvfsTickFunc tick)
{
  g_mutex_lock (&lock);
  ensure_table_locked ();
  stopping = FALSE;
  tick_func = tick;
  g_mutex_unlock (&lock);
  if (!thread)
    thread = g_thread_new ("svfs-loadavg", sampler_main, NULL);
}

void
svfs_loadavg_stop (void)
{
  g_mutex_lock (&lock);
  stopping = TRUE;
  g_cond_broadcast (&cond);
  g_mutex_unlock (&lock);
  if (thread)
    g_thread_join (g_steal_pointer (&thread));
}

/* "running/total lastpid" of every tracked container, anew (no decay), when a reader finds
 * its own older than 1 s: the sampler thread makes one pass over /proc for them all, at most
 * one a second whatever the number of containers reading (50 containers reading loadavg in a
 * loop each made a pass per read once).  Nobody waits for it. */
static void
refresh_soon_locked (void)
{
  if (refresh_wanted || g_get_monotonic_time () - refreshed_at <= G_USEC_PER_SEC)
    return;
  refresh_wanted = TRUE;
  g_cond_signal (&cond);
}

/* The tracked entry of the caller's container, created on first read. */
static Tracked *
tracked_for_locked (const SvfsCaller *c)
{
  ensure_table_locked ();
  Tracked *t = g_hash_table_lookup (tracked, &c->pidns);
  if (t && t->init_start == c->init_start)
    return t;
  t = g_new0 (Tracked, 1);
  t->pidns = c->pidns;
  t->init_pid = c->init_pid;
  t->init_start = c->init_start;
  g_hash_table_replace (tracked, &t->pidns, t);
  return t;
}

gchar *
svfs_loadavg_render (const SvfsCaller *c, GError **error)
{
  g_mutex_lock (&lock);
  Tracked *t = tracked_for_locked (c);
  gboolean stale = g_get_monotonic_time () - t->sampled_at > G_USEC_PER_SEC;
  gboolean first = t->sampled_at == 0;
  if (stale && !first)
    refresh_soon_locked ();
  g_mutex_unlock (&lock);
  if (first)
    {
      /* A container's first read: nothing to serve yet, a count for it alone. */
      g_autoptr (GHashTable) wanted = new_count_table ();
      g_hash_table_insert (wanted, g_memdup2 (&c->pidns, sizeof c->pidns), g_new0 (Count, 1));
      first_count (c, wanted);
      g_mutex_lock (&lock);
      apply_count (tracked_for_locked (c), g_hash_table_lookup (wanted, &c->pidns), FALSE);
      g_mutex_unlock (&lock);
    }
  g_mutex_lock (&lock);
  t = tracked_for_locked (c);
  guint64 avg[3] = { t->avenrun[0], t->avenrun[1], t->avenrun[2] };
  /* The reader waits on us in state S; the kernel counts a reader of loadavg as running. */
  guint running = MAX (t->running, 1u), total = MAX (t->total, 1u), lastpid = t->lastpid;
  g_mutex_unlock (&lock);
  return svfs_render_loadavg (avg, running, total, lastpid);
}

void
svfs_loadavg_save (GString *out)
{
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&lock);
  ensure_table_locked ();
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, tracked);
  while (g_hash_table_iter_next (&it, NULL, &value))
    {
      Tracked *t = value;
      g_string_append_printf (out,
                              "loadavg %" G_GUINT64_FORMAT " %d %" G_GUINT64_FORMAT
                              " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
                              "\n",
                              t->pidns, t->init_pid, t->init_start, t->avenrun[0], t->avenrun[1],
                              t->avenrun[2]);
    }
}

gboolean
svfs_loadavg_load_line (const char *line, GError **error)
{
  Tracked *t = g_new0 (Tracked, 1);
  if (sscanf (line,
              "loadavg %" G_GUINT64_FORMAT " %d %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
              " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT,
              &t->pidns, &t->init_pid, &t->init_start, &t->avenrun[0], &t->avenrun[1],
              &t->avenrun[2])
      != 6)
    {
      g_free (t);
      g_set_error (error, SVFS_ERROR, SVFS_ERROR_INVALID_DATA, "bad loadavg state line '%s'",
                   line);
      return FALSE;
    }
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&lock);
  ensure_table_locked ();
  g_hash_table_replace (tracked, &t->pidns, t);
  return TRUE;
}
