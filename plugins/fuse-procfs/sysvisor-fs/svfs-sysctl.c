/* sysvisor-fs: emulated /proc/sys entries: table, validation, per-container store. */
#include "svfs-sysctl.h"
#include "svfs-error.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>

/* Globally shared sysctls (one value for the whole kernel, or writable only from the initial
 * namespaces) that systemd, dockerd, kube-proxy or databases set at start.  Per-namespace
 * ones (net.ipv4.*, kernel.hostname, user.*) are real in a container and are not listed. */
static const SvfsSysctl sysctls[] = {
  { "kernel/panic", 1, G_MININT32, G_MAXINT32, "0\n" },
  { "kernel/panic_on_oops", 1, 0, 1, "0\n" },
  { "kernel/sysrq", 1, 0, G_MAXINT32, "0\n" },
  { "kernel/printk", 4, 0, 15, "4\t4\t1\t7\n" },
  { "kernel/keys/maxkeys", 1, 0, G_MAXINT32, "200\n" },
  { "kernel/keys/maxbytes", 1, 0, G_MAXINT32, "20000\n" },
  { "kernel/keys/root_maxkeys", 1, 0, G_MAXINT32, "1000000\n" },
  { "kernel/keys/root_maxbytes", 1, 0, G_MAXINT32, "25000000\n" },
  { "vm/overcommit_memory", 1, 0, 2, "0\n" },
  { "vm/panic_on_oom", 1, 0, 2, "0\n" },
  { "vm/max_map_count", 1, 0, G_MAXINT32, "65530\n" },
  { "vm/swappiness", 1, 0, 200, "60\n" },
  { "net/netfilter/nf_conntrack_max", 1, 0, G_MAXINT32, "262144\n" },
  { "fs/inotify/max_user_watches", 1, 0, G_MAXINT32, "8192\n" },
  { "fs/inotify/max_user_instances", 1, 0, G_MAXINT32, "128\n" },
  { "fs/inotify/max_queued_events", 1, 0, G_MAXINT32, "16384\n" },
  { "fs/file-max", 1, 0, G_MAXINT64, "9223372036854775807\n" },
  { "fs/nr_open", 1, 8, 1073741816, "1048576\n" },
};

const SvfsSysctl *
svfs_sysctl_table (guint *n)
{
  *n = G_N_ELEMENTS (sysctls);
  return sysctls;
}

const SvfsSysctl *
svfs_sysctl_find (const char *path)
{
  for (guint i = 0; i < G_N_ELEMENTS (sysctls); i++)
    if (g_str_equal (sysctls[i].path, path))
      return &sysctls[i];
  return NULL;
}

static guint
count_fields (const char *text)
{
  g_auto (GStrv) f = g_strsplit_set (text, " \t\n", 0);
  guint n = 0;
  for (guint i = 0; f[i]; i++)
    n += *f[i] != '\0';
  return n;
}

static gboolean
parse_field (const SvfsSysctl *e, const char *s, gint64 *v, GError **error)
{
  char *end = NULL;
  errno = 0;
  *v = g_ascii_strtoll (s, &end, 10);
  if (errno != 0 || end == s || *end != '\0')
    {
      g_set_error (error, SVFS_ERROR, SVFS_ERROR_INVALID_ARGUMENT, "%s: '%s' is not an integer",
                   e->path, s);
      return FALSE;
    }
  if (*v < e->min || *v > e->max)
    {
      g_set_error (error, SVFS_ERROR, SVFS_ERROR_INVALID_ARGUMENT,
                   "%s: %" G_GINT64_FORMAT " is out of range %" G_GINT64_FORMAT
                   "..%" G_GINT64_FORMAT,
                   e->path, *v, e->min, e->max);
      return FALSE;
    }
  return TRUE;
}

gchar *
svfs_sysctl_normalize (const SvfsSysctl *e, const char *host_value, const char *input, gsize len,
                       GError **error)
{
  g_autofree gchar *text = g_strndup (input, len);
  guint want = host_value ? count_fields (host_value) : e->nfields;
  if (want == 0)
    want = e->nfields;
  g_auto (GStrv) f = g_strsplit_set (text, " \t\n", 0);
  GString *out = g_string_new (NULL);
  guint n = 0;
  for (guint i = 0; f[i]; i++)
    {
      gint64 v;
      if (*f[i] == '\0')
        continue;
      if (n == want || !parse_field (e, f[i], &v, error))
        {
          if (n == want)
            g_set_error (error, SVFS_ERROR, SVFS_ERROR_INVALID_ARGUMENT, "%s takes %u integer(s)",
                         e->path, want);
          g_string_free (out, TRUE);
          return NULL;
        }
      g_string_append_printf (out, "%s%" G_GINT64_FORMAT, n ? "\t" : "", v);
      n++;
    }
  if (n != want)
    {
      g_set_error (error, SVFS_ERROR, SVFS_ERROR_INVALID_ARGUMENT, "%s takes %u integer(s)",
                   e->path, want);
      g_string_free (out, TRUE);
      return NULL;
    }
  g_string_append_c (out, '\n');
  return g_string_free (out, FALSE);
}

/* ---- store ------------------------------------------------------------------------ */

typedef struct
{
  gint init_pid;
  guint64 init_start;
  GHashTable *values; /* path -> normalised value */
} StoreEntry;

struct _SvfsSysctlStore
{
  GMutex lock;
  GHashTable *containers; /* "pidns:start" -> StoreEntry */
};

static void
store_entry_free (gpointer p)
{
  StoreEntry *e = p;
  g_hash_table_unref (e->values);
  g_free (e);
}

SvfsSysctlStore *
svfs_sysctl_store_new (void)
{
  SvfsSysctlStore *s = g_new0 (SvfsSysctlStore, 1);
  g_mutex_init (&s->lock);
  s->containers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, store_entry_free);
  return s;
}

void
svfs_sysctl_store_free (SvfsSysctlStore *s)
{
  g_hash_table_unref (s->containers);
  g_mutex_clear (&s->lock);
  g_free (s);
}

static gchar *
key_string (const SvfsContainerKey *key)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT, key->pidns,
                          key->init_start);
}

gchar *
svfs_sysctl_store_get (SvfsSysctlStore *s, const SvfsContainerKey *key, const char *path)
{
  g_autofree gchar *k = key_string (key);
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&s->lock);
  StoreEntry *e = g_hash_table_lookup (s->containers, k);
  return e ? g_strdup (g_hash_table_lookup (e->values, path)) : NULL;
}

void
svfs_sysctl_store_set (SvfsSysctlStore *s, const SvfsContainerKey *key, gint init_pid,
                       const char *path, const char *value)
{
  g_autofree gchar *k = key_string (key);
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&s->lock);
  StoreEntry *e = g_hash_table_lookup (s->containers, k);
  if (!e)
    {
      e = g_new0 (StoreEntry, 1);
      e->init_pid = init_pid;
      e->init_start = key->init_start;
      e->values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_hash_table_insert (s->containers, g_steal_pointer (&k), e);
    }
  g_hash_table_insert (e->values, g_strdup (path), g_strdup (value));
}

guint
svfs_sysctl_store_prune (SvfsSysctlStore *s, SvfsAliveFunc alive)
{
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&s->lock);
  GHashTableIter it;
  gpointer v;
  guint dropped = 0;
  g_hash_table_iter_init (&it, s->containers);
  while (g_hash_table_iter_next (&it, NULL, &v))
    {
      StoreEntry *e = v;
      if (!alive (e->init_pid, e->init_start))
        {
          g_hash_table_iter_remove (&it);
          dropped++;
        }
    }
  return dropped;
}

guint
svfs_sysctl_store_size (SvfsSysctlStore *s)
{
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&s->lock);
  return g_hash_table_size (s->containers);
}

void
svfs_sysctl_store_save (SvfsSysctlStore *s, GString *out)
{
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&s->lock);
  GHashTableIter it, vit;
  gpointer k, v, path, value;
  g_hash_table_iter_init (&it, s->containers);
  while (g_hash_table_iter_next (&it, &k, &v))
    {
      StoreEntry *e = v;
      g_hash_table_iter_init (&vit, e->values);
      while (g_hash_table_iter_next (&vit, &path, &value))
        {
          g_autofree gchar *esc = g_strescape (value, NULL);
          g_string_append_printf (out, "sysctl %s %d %s %s\n", (const char *) k, e->init_pid,
                                  (const char *) path, esc);
        }
    }
}

gboolean
svfs_sysctl_store_load_line (SvfsSysctlStore *s, const char *line, GError **error)
{
  g_auto (GStrv) f = g_strsplit (line, " ", 5);
  SvfsContainerKey key;
  if (g_strv_length (f) != 5 || !g_str_equal (f[0], "sysctl") || !svfs_sysctl_find (f[3])
      || sscanf (f[1], "%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT, &key.pidns, &key.init_start)
             != 2)
    {
      g_set_error (error, SVFS_ERROR, SVFS_ERROR_INVALID_DATA, "bad sysctl state line '%s'",
                   line);
      return FALSE;
    }
  g_autofree gchar *value = g_strcompress (f[4]);
  svfs_sysctl_store_set (s, &key, (gint) g_ascii_strtoll (f[2], NULL, 10), f[3], value);
  return TRUE;
}
