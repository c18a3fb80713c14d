/* sysvisor-fs: rendered text kept briefly per (view, file); see svfs-cache.h. */
#include "svfs-cache.h"

#include <string.h>

typedef struct
{
  guint64 pidns, ino;
  gchar *cgroup; /* interned (GRefString): the 8 files of a container share one copy */
  guint hash;
  GBytes *text;       /* NULL until the first render succeeds */
  gint64 expires;     /* monotonic us: render start + time to live */
  gboolean rendering; /* one render per entry at a time */
} Entry;

static GMutex lock;
static GCond rendered;
static GHashTable *entries; /* Entry -> Entry (a set) */
static gint64 next_sweep;

static guint
entry_hash (gconstpointer p)
{
  return ((const Entry *) p)->hash;
}

static gboolean
entry_equal (gconstpointer a, gconstpointer b)
{
  const Entry *x = a, *y = b;
  return x->pidns == y->pidns && x->ino == y->ino && strcmp (x->cgroup, y->cgroup) == 0;
}

static void
entry_free (gpointer p)
{
  Entry *e = p;
  g_ref_string_release (e->cgroup);
  g_clear_pointer (&e->text, g_bytes_unref);
  g_free (e);
}

/* Expired entries are worth nothing (the next reader renders anew): drop them once a second,
 * so that memory follows the containers that read now, not those that ever read. */
static gboolean
expired (gpointer key, gpointer value, gpointer now)
{
  const Entry *e = value;
  return !e->rendering && e->expires <= *(const gint64 *) now;
}

static void
sweep_locked (gint64 now)
{
  if (now < next_sweep)
    return;
  next_sweep = now + G_USEC_PER_SEC;
  g_hash_table_foreach_remove (entries, expired, &now);
}

/* The entry for key, fresh, or being rendered by this thread (rendering set). */
static Entry *
claim_locked (const SvfsCacheKey *key, GBytes **fresh)
{
  Entry probe = { .pidns = key->pidns, .ino = key->ino, .cgroup = (gchar *) key->cgroup };
  probe.hash = (guint) (key->pidns * 0x9E3779B1u) ^ (guint) (key->ino * 0x85EBCA6Bu)
               ^ g_str_hash (key->cgroup);
  for (;;)
    {
      gint64 now = g_get_monotonic_time ();
      sweep_locked (now);
      Entry *e = g_hash_table_lookup (entries, &probe);
      if (e && e->text && now < e->expires)
        {
          *fresh = g_bytes_ref (e->text);
          return e;
        }
      if (e && e->rendering)
        {
          g_cond_wait (&rendered, &lock);
          continue;
        }
      if (!e)
        {
          e = g_new0 (Entry, 1);
          *e = probe;
          e->cgroup = g_ref_string_new_intern (key->cgroup);
          g_hash_table_add (entries, e);
        }
      e->rendering = TRUE;
      return e;
    }
}

GBytes *
svfs_cache_get (const SvfsCacheKey *key, guint ttl_ms, SvfsCacheMake make, gpointer data)
{
  GBytes *out = NULL;
  g_mutex_lock (&lock);
  if (!entries)
    entries = g_hash_table_new_full (entry_hash, entry_equal, entry_free, NULL);
  Entry *e = claim_locked (key, &out);
  g_mutex_unlock (&lock);
  if (out)
    return out;
  gint64 start = g_get_monotonic_time ();
  gsize len = 0;
  gchar *text = make (data, &len);
  out = text ? g_bytes_new_take (text, len) : NULL;
  g_mutex_lock (&lock);
  e->rendering = FALSE;
  if (out)
    {
      g_clear_pointer (&e->text, g_bytes_unref);
      e->text = g_bytes_ref (out);
      e->expires = start + (gint64) ttl_ms * 1000;
    }
  else if (!e->text)
    g_hash_table_remove (entries, e);
  g_cond_broadcast (&rendered);
  g_mutex_unlock (&lock);
  return out;
}

guint
svfs_cache_size (void)
{
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&lock);
  return entries ? g_hash_table_size (entries) : 0;
}

/* ---- callers ---------------------------------------------------------------------- */

typedef struct
{
  guint64 pidns;
  gboolean is_host;
  gchar *cgroup; /* interned (GRefString), NULL for the host */
  gint64 expires;
} Caller;

static GMutex callers_lock;
static GHashTable *callers; /* GINT_TO_POINTER (pid) -> Caller */
static gint64 callers_next_sweep;
static gboolean callers_off;

static void
caller_free (gpointer p)
{
  Caller *c = p;
  g_clear_pointer (&c->cgroup, g_ref_string_release);
  g_free (c);
}

static gboolean
caller_expired (gpointer key, gpointer value, gpointer now)
{
  return ((const Caller *) value)->expires <= *(const gint64 *) now;
}

/* Expired callers dropped, at most once a second. */
static void
callers_sweep_locked (gint64 now)
{
  if (now < callers_next_sweep)
    return;
  callers_next_sweep = now + G_USEC_PER_SEC;
  g_hash_table_foreach_remove (callers, caller_expired, &now);
}

void
svfs_cache_callers_setup (guint pid_max)
{
  callers_off = pid_max < 32768;
}

gboolean
svfs_cache_caller_get (pid_t pid, guint64 *pidns, gboolean *is_host, gchar **cgroup)
{
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&callers_lock);
  const Caller *c = callers ? g_hash_table_lookup (callers, GINT_TO_POINTER (pid)) : NULL;
  if (!c || c->expires <= g_get_monotonic_time ())
    return FALSE;
  *pidns = c->pidns;
  *is_host = c->is_host;
  *cgroup = g_strdup (c->cgroup);
  return TRUE;
}

void
svfs_cache_caller_put (pid_t pid, guint64 pidns, gboolean is_host, const char *cgroup)
{
  if (callers_off)
    return;
  gint64 now = g_get_monotonic_time ();
  Caller *c = g_new (Caller, 1);
  *c = (Caller){ pidns, is_host, cgroup ? g_ref_string_new_intern (cgroup) : NULL,
                 now + SVFS_CALLER_TTL_MS * 1000 };
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&callers_lock);
  if (!callers)
    callers = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, caller_free);
  callers_sweep_locked (now);
  g_hash_table_replace (callers, GINT_TO_POINTER (pid), c);
}

/* ---- both ------------------------------------------------------------------------- */

void
svfs_cache_sweep (void)
{
  gint64 now = g_get_monotonic_time ();
  g_mutex_lock (&lock);
  next_sweep = 0;
  if (entries)
    sweep_locked (now);
  g_mutex_unlock (&lock);
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&callers_lock);
  callers_next_sweep = 0;
  if (callers)
    callers_sweep_locked (now);
}
