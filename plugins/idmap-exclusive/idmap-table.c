/* idmap-table.c: the allocation table of idmap-exclusive (see idmap-table.h). */
#include "idmap-table.h"

#include "sv-error.h"
#include "sv-fd.h"
#include "sv-file.h"
#include "sv-heap.h"
#include "sv-json-text.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void
range_free (SvIdmapRange *r)
{
  g_free (r->state_root);
  g_free (r->id);
  g_free (r->created);
  g_clear_pointer (&r->members, g_ptr_array_unref);
  g_free (r);
}

char *
sv_idmap_table_path (const char *lib_dir)
{
  return g_build_filename (lib_dir, SV_IDMAP_TABLE_FILE, NULL);
}

SvIdmapTable *
sv_idmap_table_new (const char *path)
{
  SvIdmapTable *t = g_new0 (SvIdmapTable, 1);

  t->path = g_strdup (path);
  t->ranges = g_ptr_array_new_with_free_func ((GDestroyNotify) range_free);
  return t;
}

void
sv_idmap_table_free (SvIdmapTable *t)
{
  if (t == NULL)
    return;
  g_free (t->path);
  g_clear_pointer (&t->ranges, g_ptr_array_unref);
  g_free (t);
}

static gint
compare_start (gconstpointer a, gconstpointer b)
{
  const SvIdmapRange *x = *(const SvIdmapRange *const *) a;
  const SvIdmapRange *y = *(const SvIdmapRange *const *) b;

  return x->start < y->start ? -1 : x->start > y->start;
}

/* ---- reading ---- */

static void
set_corrupt (GError **error, const char *path, const char *what)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
               "%s is corrupt (%s); Sysvisor only ever replaces it atomically, so it was edited "
               "or damaged: restore it from a backup, or, only if no container with an "
               "exclusive range exists (sysvisor-runc list for every --root), remove it "
               "(the next create starts an empty table)",
               path, what);
}

static gboolean
get_int (JsonObject *o, const char *key, gint64 *out)
{
  JsonNode *n = json_object_get_member (o, key);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (n);
  return TRUE;
}

static const char *
get_string (JsonObject *o, const char *key)
{
  JsonNode *n = json_object_get_member (o, key);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  /* json-glib reads a lone "\ud800" as bytes that are not UTF-8: kept, the table would be
   * written back as a file that no longer loads. */
  return g_utf8_validate (json_node_get_string (n), -1, NULL) ? json_node_get_string (n) : NULL;
}

/* "members" (optional): an array of non-empty strings. */
static gboolean
members_from_json (JsonObject *o, SvIdmapRange *r)
{
  JsonNode *n = json_object_get_member (o, "members");
  JsonNode *rel = json_object_get_member (o, "ownerReleased");

  if (rel != NULL)
    {
      if (!JSON_NODE_HOLDS_VALUE (rel) || json_node_get_value_type (rel) != G_TYPE_BOOLEAN)
        return FALSE;
      r->owner_released = json_node_get_boolean (rel);
    }
  if (n == NULL)
    return !r->owner_released;
  if (!JSON_NODE_HOLDS_ARRAY (n))
    return FALSE;
  r->members = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < json_array_get_length (json_node_get_array (n)); i++)
    {
      JsonNode *m = json_array_get_element (json_node_get_array (n), i);
      if (!JSON_NODE_HOLDS_VALUE (m) || json_node_get_value_type (m) != G_TYPE_STRING
          || json_node_get_string (m)[0] == '\0')
        return FALSE;
      g_ptr_array_add (r->members, g_strdup (json_node_get_string (m)));
    }
  /* A released owner with no member left is a range nobody holds. */
  return !r->owner_released || r->members->len > 0;
}

static SvIdmapRange *
range_from_json (JsonNode *n, guint i, const char *path, GError **error)
{
  g_autofree char *what = NULL;
  JsonObject *o = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
  gint64 start = 0, size = 0;
  const char *root = NULL, *id = NULL, *created;
  SvIdmapRange *r;

  if (o == NULL || !get_int (o, "start", &start) || !get_int (o, "size", &size)
      || (root = get_string (o, "stateRoot")) == NULL || (id = get_string (o, "id")) == NULL
      || root[0] == '\0' || id[0] == '\0')
    what = g_strdup_printf ("ranges[%u] is not an object with start, size, stateRoot and id "
                            "(UTF-8 strings)",
                            i);
  else if (start < 1 || size < 1 || start + size > (gint64) G_MAXUINT32 + 1)
    what = g_strdup_printf ("ranges[%u] (%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                            ") is outside host ids 1..2^32-1",
                            i, start, size);
  if (what != NULL)
    {
      set_corrupt (error, path, what);
      return NULL;
    }
  created = get_string (o, "created");
  r = g_new0 (SvIdmapRange, 1);
  r->start = (guint32) start;
  r->size = (guint32) size;
  r->state_root = g_strdup (root);
  r->id = g_strdup (id);
  r->created = g_strdup (created != NULL ? created : "");
  if (!members_from_json (o, r))
    {
      g_autofree char *bad = g_strdup_printf ("ranges[%u].members is not an array of container "
                                              "ids, or ownerReleased is not a boolean or "
                                              "leaves nobody holding the range",
                                              i);
      range_free (r);
      set_corrupt (error, path, bad);
      return NULL;
    }
  return r;
}

/* The first holder of @r (owner or member) already in @keys, or NULL. */
static const char *
add_holders (GHashTable *keys, SvIdmapRange *r)
{
  if (!r->owner_released
      && !g_hash_table_add (keys, g_strconcat (r->state_root, "\n", r->id, NULL)))
    return r->id;
  for (guint m = 0; r->members != NULL && m < r->members->len; m++)
    if (!g_hash_table_add (keys, g_strconcat (r->state_root, "\n",
                                              (char *) g_ptr_array_index (r->members, m), NULL)))
      return g_ptr_array_index (r->members, m);
  return NULL;
}

/* Two containers (or pods) never share ids, and one container holds one range. */
static gboolean
check_consistent (SvIdmapTable *t, GError **error)
{
  g_autoptr (GHashTable) keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_ptr_array_sort (t->ranges, compare_start);
  for (guint i = 0; i < t->ranges->len; i++)
    {
      SvIdmapRange *r = g_ptr_array_index (t->ranges, i);
      SvIdmapRange *prev = i > 0 ? g_ptr_array_index (t->ranges, i - 1) : NULL;
      g_autofree char *what = NULL;
      const char *twice = add_holders (keys, r);
      if (twice != NULL)
        what = g_strdup_printf ("container %s of %s holds two ranges", twice, r->state_root);
      else if (prev != NULL && (guint64) prev->start + prev->size > r->start)
        what = g_strdup_printf ("the ranges of containers %s and %s overlap", prev->id, r->id);
      if (what != NULL)
        {
          set_corrupt (error, t->path, what);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
table_from_json (SvIdmapTable *t, JsonNode *root, GError **error)
{
  JsonObject *o = JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  JsonNode *ranges = o != NULL ? json_object_get_member (o, "ranges") : NULL;
  gint64 version = 0;

  if (o == NULL || !get_int (o, "version", &version) || ranges == NULL
      || !JSON_NODE_HOLDS_ARRAY (ranges))
    {
      set_corrupt (error, t->path, "not an object with \"version\" and a \"ranges\" array");
      return FALSE;
    }
  if (version != SV_IDMAP_TABLE_VERSION)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "%s has version %" G_GINT64_FORMAT " but this Sysvisor reads version %d: it "
                   "was written by another Sysvisor release; run that release or upgrade",
                   t->path, version, SV_IDMAP_TABLE_VERSION);
      return FALSE;
    }
  for (guint i = 0; i < json_array_get_length (json_node_get_array (ranges)); i++)
    {
      JsonNode *n = json_array_get_element (json_node_get_array (ranges), i);
      SvIdmapRange *r = range_from_json (n, i, t->path, error);
      if (r == NULL)
        return FALSE;
      g_ptr_array_add (t->ranges, r);
    }
  return check_consistent (t, error);
}

/* Whether @path was last written before this boot. */
static gboolean
written_before_boot (const char *path)
{
  struct timespec real, up;
  struct stat st;

  if (stat (path, &st) < 0 || clock_gettime (CLOCK_REALTIME, &real) < 0
      || clock_gettime (CLOCK_BOOTTIME, &up) < 0)
    return FALSE;
  /* (a second of margin for the two clocks read one after the other) */
  return st.st_mtim.tv_sec + 1 < real.tv_sec - up.tv_sec;
}

/* The table is saved without fsync (bench/README.md, "fsyncs"), so a power loss may leave it
 * empty, zeroed or cut short.  Such a file, last written before this boot, is started empty:
 * every container that held a range in it ended with that boot.  Anything else that does not
 * parse (this boot's file: a power loss did not do it) stays an error for a person to look at. */
static gboolean
torn_by_power_loss (const char *path, gboolean parsed)
{
  if (parsed || !written_before_boot (path))
    return FALSE;
  g_warning ("%s was damaged before this boot (a power loss while it was saved): every "
             "container that held a range in it ended with that boot; starting an empty table",
             path);
  return TRUE;
}

/* json-glib's tree of the table takes ~8.5 bytes of heap a byte of text (675 kB for 500
 * ranges, 80 kB), and the save's builder as much again once the parser's is freed.  With
 * hundreds of ranges a create or delete, a short-lived process, would fault each of those
 * pages in one by one (bench/README.md, twentieth round). */
#define SV_IDMAP_HEAP_PER_BYTE 9

/* The table of @text (@len bytes) read from @path. */
static SvIdmapTable *
table_from_text (const char *path, const char *text, gsize len, GError **error)
{
  g_autoptr (SvIdmapTable) t = sv_idmap_table_new (path);
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GError) local = NULL;

  sv_heap_warm (len * SV_IDMAP_HEAP_PER_BYTE);
  parser = json_parser_new ();
  if (len == 0 || !sv_json_text_check (text, len, &local)
      || !json_parser_load_from_data (parser, text, (gssize) len, &local)
      || json_parser_get_root (parser) == NULL)
    {
      if (torn_by_power_loss (path, FALSE))
        return g_steal_pointer (&t);
      set_corrupt (error, path, local != NULL ? local->message : "empty file");
      return NULL;
    }
  if (!table_from_json (t, json_parser_get_root (parser), error))
    return NULL;
  return g_steal_pointer (&t);
}

SvIdmapTable *
sv_idmap_table_load (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;

  if (!sv_file_read_optional (path, 0, &text, &len, NULL, error))
    return NULL;
  return text == NULL ? sv_idmap_table_new (path) : table_from_text (path, text, len, error);
}

/* ---- the save counter ----
 *
 * A save writes the table in place into a spare file that then trades names with it
 * (sv_file_exchange): no file is made or freed (freeing a file's blocks waited for the disk's
 * discard, ~0.3 ms on the test VM, in every create and every delete).  So the file a reader
 * opened without the lock is written again two saves later.  Every save first counts itself
 * in the lock file (8 bytes at its start; a lock file of an older version is empty: 0), before
 * it writes anything, and a read without the lock counts only when the counter did not move
 * across it: then no save touched any file while it read. */

static char *
lock_path_of (const char *table_path)
{
  g_autofree char *dir = g_path_get_dirname (table_path);

  return g_build_filename (dir, SV_IDMAP_LOCK_FILE, NULL);
}

static guint64
read_counter (int lock_fd)
{
  guint64 v = 0;

  return lock_fd >= 0 && pread (lock_fd, &v, sizeof v, 0) == (ssize_t) sizeof v ? v : 0;
}

/* Under the lock, before a save writes anything. */
static gboolean
count_save (int lock_fd)
{
  guint64 v = read_counter (lock_fd) + 1;

  return pwrite (lock_fd, &v, sizeof v, 0) == (ssize_t) sizeof v;
}

/* One read without the lock: the table, or NULL with no error when a save ran meanwhile. */
static SvIdmapTable *
load_unlocked_once (const char *path, int counter_fd, int *fd_out, GError **error)
{
  guint64 before = read_counter (counter_fd);
  g_autofree char *text = NULL;
  gsize len = 0;
  sv_autofd fd = -1;
  SvIdmapTable *t;

  if (!sv_file_read_optional (path, O_NOFOLLOW, &text, &len, &fd, error))
    return NULL;
  if (read_counter (counter_fd) != before)
    return NULL;
  t = text == NULL ? sv_idmap_table_new (path) : table_from_text (path, text, len, error);
  if (t != NULL)
    {
      t->counter = before;
      *fd_out = g_steal_fd (&fd);
    }
  return t;
}

/* Without the lock, a few tries; saves that keep running meanwhile (hundreds of creates at
 * once) are waited for once, under the lock. */
SvIdmapTable *
sv_idmap_table_load_held (const char *path, int *fd_out, GError **error)
{
  g_autofree char *lock_path = lock_path_of (path);
  sv_autofd counter_fd = open (lock_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  sv_autofd lock = -1;
  g_autoptr (GError) lock_error = NULL;
  SvIdmapTable *t;

  *fd_out = -1;
  for (guint i = 0; i < 4; i++)
    {
      GError *local = NULL;
      t = load_unlocked_once (path, counter_fd, fd_out, &local);
      if (t != NULL || local != NULL)
        {
          if (local != NULL)
            g_propagate_error (error, local);
          return t;
        }
    }
  /* (no lib dir: -1 and no error, and no save can run there) */
  lock = sv_lock_file (lock_path, TRUE, &lock_error);
  if (lock_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&lock_error));
      return NULL;
    }
  return load_unlocked_once (path, lock, fd_out, error);
}

/* ---- writing ---- */

char *
sv_idmap_table_to_data (SvIdmapTable *t)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, SV_IDMAP_TABLE_VERSION);
  json_builder_set_member_name (b, "ranges");
  json_builder_begin_array (b);
  for (guint i = 0; i < t->ranges->len; i++)
    {
      SvIdmapRange *r = g_ptr_array_index (t->ranges, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "start");
      json_builder_add_int_value (b, r->start);
      json_builder_set_member_name (b, "size");
      json_builder_add_int_value (b, r->size);
      json_builder_set_member_name (b, "stateRoot");
      json_builder_add_string_value (b, r->state_root);
      json_builder_set_member_name (b, "id");
      json_builder_add_string_value (b, r->id);
      json_builder_set_member_name (b, "created");
      json_builder_add_string_value (b, r->created);
      if (r->members != NULL)
        {
          json_builder_set_member_name (b, "members");
          json_builder_begin_array (b);
          for (guint m = 0; m < r->members->len; m++)
            json_builder_add_string_value (b, g_ptr_array_index (r->members, m));
          json_builder_end_array (b);
        }
      if (r->owner_released)
        {
          json_builder_set_member_name (b, "ownerReleased");
          json_builder_add_boolean_value (b, TRUE);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, NULL);
  return g_strconcat (text, "\n", NULL);
}

gboolean
sv_idmap_table_save (SvIdmapTable *t, GError **error)
{
  g_autofree char *data = sv_idmap_table_to_data (t);

  /* No fsync: it held the table's lock for a disk flush on every create and delete (25-50
   * ms each on the test VM, while every other create waited for the lock).  A process killed
   * at any point leaves the old table or the new one (the exchange).  A power loss may tear the
   * new file; the next boot's first load starts it empty (torn_by_power_loss), which is
   * right: every container that held a range ended with the power (bench/README.md,
   * "fsyncs"). */
  return sv_file_exchange (t->path, ".spare", data, -1, 0600, error);
}

/* ---- the table's logic ---- */

/* Is @r the range that its owner @id (not released) holds? */
static gboolean
range_is (const SvIdmapRange *r, const char *state_root, const char *id)
{
  return g_strcmp0 (r->state_root, state_root) == 0 && g_strcmp0 (r->id, id) == 0;
}

/* The index of @id among @r's pod members, or -1. */
static gint
member_index (const SvIdmapRange *r, const char *state_root, const char *id)
{
  if (r->members == NULL || g_strcmp0 (r->state_root, state_root) != 0)
    return -1;
  for (guint m = 0; m < r->members->len; m++)
    if (g_strcmp0 (g_ptr_array_index (r->members, m), id) == 0)
      return (gint) m;
  return -1;
}

static gboolean
range_held_by (const SvIdmapRange *r, const char *state_root, const char *id)
{
  return (range_is (r, state_root, id) && !r->owner_released)
         || member_index (r, state_root, id) >= 0;
}

static gboolean
range_has_holders (const SvIdmapRange *r)
{
  return !r->owner_released || (r->members != NULL && r->members->len > 0);
}

const SvIdmapRange *
sv_idmap_table_find (SvIdmapTable *t, const char *state_root, const char *id)
{
  for (guint i = 0; i < t->ranges->len; i++)
    if (range_held_by (g_ptr_array_index (t->ranges, i), state_root, id))
      return g_ptr_array_index (t->ranges, i);
  return NULL;
}

/* Let go of @r's holders that are gone (none of them when @r is @keep's). */
static void
drop_dead_holders (SvIdmapRange *r, SvIdmapAliveFunc alive, gpointer data)
{
  for (guint m = r->members != NULL ? r->members->len : 0; m > 0; m--)
    if (!alive (r->state_root, g_ptr_array_index (r->members, m - 1), data))
      {
        g_info ("container %s (%s) no longer exists: it no longer holds the range of pod %s",
                (char *) g_ptr_array_index (r->members, m - 1), r->state_root, r->id);
        g_ptr_array_remove_index (r->members, m - 1);
      }
  if (!r->owner_released && !alive (r->state_root, r->id, data))
    r->owner_released = TRUE;
}

guint
sv_idmap_table_reclaim (SvIdmapTable *t, SvIdmapAliveFunc alive, gpointer data,
                        const char *keep_root, const char *keep_id)
{
  guint dropped = 0;

  for (guint i = t->ranges->len; i > 0; i--)
    {
      SvIdmapRange *r = g_ptr_array_index (t->ranges, i - 1);
      if (keep_id != NULL && range_held_by (r, keep_root, keep_id))
        continue;
      drop_dead_holders (r, alive, data);
      if (range_has_holders (r))
        continue;
      g_info ("reclaiming host ids %u-%u of container %s (%s): it no longer exists", r->start,
              r->start + (r->size - 1), r->id, r->state_root);
      g_ptr_array_remove_index (t->ranges, i - 1);
      dropped++;
    }
  return dropped;
}

static const SvIdmapRange *
first_overlap (SvIdmapTable *t, guint64 start, guint64 end)
{
  for (guint i = 0; i < t->ranges->len; i++)
    {
      const SvIdmapRange *r = g_ptr_array_index (t->ranges, i);
      if ((guint64) r->start < end && start < (guint64) r->start + r->size)
        return r;
    }
  return NULL;
}

/* The first slot of @pool that no range overlaps, or -1. */
static gint64
free_slot (SvIdmapTable *t, const SvIdPool *pool, guint32 size)
{
  guint64 end = (guint64) pool->start + pool->count;
  guint64 s = pool->start;

  while (s + size <= end)
    {
      const SvIdmapRange *r = first_overlap (t, s, s + size);
      guint64 past;
      if (r == NULL)
        return (gint64) s;
      past = (guint64) r->start + r->size;
      s = pool->start + (past - pool->start + size - 1) / size * size;
    }
  return -1;
}

static void
set_exhausted (SvIdmapTable *t, const SvIdPool *pools, guint n_pools, guint32 size,
               const char *hint, GError **error)
{
  guint64 slots = 0;

  for (guint i = 0; i < n_pools; i++)
    slots += pools[i].count / size;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
               "no free range of %u host uids/gids left: %u containers hold ranges (%s) and the "
               "subordinate ids hold %" G_GUINT64_FORMAT " ranges of %u; %s",
               size, t->ranges->len, t->path, slots, size,
               hint != NULL ? hint : "delete containers or grow the subordinate id range");
}

const SvIdmapRange *
sv_idmap_table_allocate (SvIdmapTable *t, const SvIdPool *pools, guint n_pools,
                         guint32 range_size, const char *state_root, const char *id,
                         const char *hint, GError **error)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();

  g_return_val_if_fail (range_size > 0, NULL);
  for (guint i = 0; i < n_pools; i++)
    {
      gint64 s = free_slot (t, &pools[i], range_size);
      SvIdmapRange *r;
      if (s < 0)
        continue;
      r = g_new0 (SvIdmapRange, 1);
      r->start = (guint32) s;
      r->size = range_size;
      r->state_root = g_strdup (state_root);
      r->id = g_strdup (id);
      /* (not g_date_time_format: it looks up the locale's charset, a file read, for digits) */
      r->created =
          g_strdup_printf ("%04d-%02d-%02dT%02d:%02d:%02dZ", g_date_time_get_year (now),
                           g_date_time_get_month (now), g_date_time_get_day_of_month (now),
                           g_date_time_get_hour (now), g_date_time_get_minute (now),
                           g_date_time_get_second (now));
      g_ptr_array_add (t->ranges, r);
      g_ptr_array_sort (t->ranges, compare_start);
      return r;
    }
  set_exhausted (t, pools, n_pools, range_size, hint, error);
  return NULL;
}

const SvIdmapRange *
sv_idmap_table_join (SvIdmapTable *t, const char *state_root, const char *pod_id,
                     const char *member_id, GError **error)
{
  for (guint i = 0; i < t->ranges->len; i++)
    {
      SvIdmapRange *r = g_ptr_array_index (t->ranges, i);
      if (!range_is (r, state_root, pod_id) || r->owner_released)
        continue;
      if (member_index (r, state_root, member_id) < 0)
        {
          if (r->members == NULL)
            r->members = g_ptr_array_new_with_free_func (g_free);
          g_ptr_array_add (r->members, g_strdup (member_id));
        }
      return r;
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
               "pod sandbox %s (%s) holds no id range in %s: create the sandbox with the same "
               "runtime and idmap plugin before its containers",
               pod_id, state_root, t->path);
  return NULL;
}

gboolean
sv_idmap_table_remove (SvIdmapTable *t, const char *state_root, const char *id)
{
  for (guint i = 0; i < t->ranges->len; i++)
    {
      SvIdmapRange *r = g_ptr_array_index (t->ranges, i);
      gint m = member_index (r, state_root, id);
      if (m >= 0)
        g_ptr_array_remove_index (r->members, (guint) m);
      else if (range_is (r, state_root, id) && !r->owner_released)
        r->owner_released = TRUE;
      else
        continue;
      if (!range_has_holders (r))
        g_ptr_array_remove_index (t->ranges, i);
      return TRUE;
    }
  return FALSE;
}

/* ---- transactions ---- */

/* The lock fd, or -1.  With @create FALSE a missing lib dir is -1 with no error. */
static int
lock_table (const char *lib_dir, gboolean create, GError **error)
{
  g_autofree char *path = g_build_filename (lib_dir, SV_IDMAP_LOCK_FILE, NULL);

  if (create && g_mkdir_with_parents (lib_dir, 0700) < 0)
    {
      sv_set_error_errno (error, errno, "create directory %s", lib_dir);
      return -1;
    }
  return sv_lock_file (path, !create, error);
}

/* The lock's holder runs at a higher priority (nice -10 at most) until it lets go.  On a
 * loaded machine a holder preempted by the processes that are not waiting keeps all the
 * waiting creates waiting: with 200 `run -d` at once a critical section of ~2 ms of CPU took
 * a median 210 ms.  Root may raise it; where it may not (a runtime nested in a container),
 * nothing changes. */
typedef struct
{
  int fd;
  int nice;
  gboolean boosted;
} TableLock;

static void
table_unlock (TableLock *l)
{
  sv_close_fdp (&l->fd);
  if (l->boosted)
    (void) setpriority (PRIO_PROCESS, 0, l->nice);
  l->boosted = FALSE;
}
#define table_autolock __attribute__ ((cleanup (table_unlock))) TableLock

static void
boost_holder (TableLock *l)
{
  errno = 0;
  l->nice = getpriority (PRIO_PROCESS, 0);
  if (errno == 0 && l->nice > -10)
    l->boosted = setpriority (PRIO_PROCESS, 0, -10) == 0;
}

/* Under the lock: an fd on the table file as it is now, closed after the lock (a table saved
 * by an older sysvisor-runc, through a temp file and a rename, frees the file it replaces at
 * that close, after the unlock: freeing blocks waits for the disk on some filesystems). */
static int
hold_old_table (const char *path)
{
  return open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
}

/* Under the lock, instead of sv_idmap_table_save: the save is counted first (see "the save
 * counter").  If it cannot be counted, the table is replaced through a temp file and a rename,
 * which never writes a file a reader may have open. */
static gboolean
save_counted (SvIdmapTable *t, int lock_fd, GError **error)
{
  g_autofree char *data = NULL;

  if (count_save (lock_fd))
    return sv_idmap_table_save (t, error);
  data = sv_idmap_table_to_data (t);
  return sv_file_replace (t->path, data, -1, 0600, ".tmp", SV_WRITE_NOFOLLOW, error);
}

/* ---- looking at the holders before taking the lock ----
 *
 * Asking whether a holder still exists is the slow part of a reclaim (a container still
 * being created has its state.json read and its creator looked at in /proc), and every
 * create asks it of every holder.  Under the lock that serialised many creates at once (200
 * `run -d`: each waited seconds for the lock).  So the holders are judged first on a copy
 * read without the lock (the file is replaced atomically: a whole old or new table), and
 * under the lock only the holders judged gone are asked again: only an answer given under
 * the lock frees a range, as before. */

#define SEEN_ALIVE 1
#define SEEN_GONE 2

typedef struct
{
  GHashTable *seen; /* "<state root>\n<id>" -> SEEN_ALIVE or SEEN_GONE */
  SvIdmapAliveFunc alive;
  gpointer data;
} Prejudged;

static char *
holder_key (const char *state_root, const char *id)
{
  return g_strconcat (state_root, "\n", id, NULL);
}

static void
prejudge_holder (Prejudged *p, const char *state_root, const char *id)
{
  char *key = holder_key (state_root, id);

  if (g_hash_table_contains (p->seen, key))
    {
      g_free (key);
      return;
    }
  g_hash_table_insert (p->seen, key,
                       GINT_TO_POINTER (p->alive (state_root, id, p->data) ? SEEN_ALIVE
                                                                           : SEEN_GONE));
}

/* FALSE (nothing judged) when the table @t (read without the lock) is NULL: then the lock's
 * holder asks all. */
static gboolean
prejudge (Prejudged *p, const SvIdmapTable *t, const char *keep_root, const char *keep_id)
{
  if (t == NULL)
    return FALSE;
  for (guint i = 0; i < t->ranges->len; i++)
    {
      const SvIdmapRange *r = g_ptr_array_index (t->ranges, i);
      if (range_held_by (r, keep_root, keep_id))
        continue;
      for (guint m = 0; r->members != NULL && m < r->members->len; m++)
        prejudge_holder (p, r->state_root, g_ptr_array_index (r->members, m));
      if (!r->owner_released)
        prejudge_holder (p, r->state_root, r->id);
    }
  return TRUE;
}

/* Under the lock: whether the table file now (@old, opened under the lock) is the one @before
 * was read from without it (@held, open since: its inode cannot have gone to another file)
 * and no save ran since that read (the counter it saw is the lock file's now: a save of this
 * version counts itself before it writes; one of an older version renames a new file over
 * the table, which the inode shows). */
static gboolean
same_table (const SvIdmapTable *before, int held, int old, int lock_fd)
{
  struct stat a, b;

  return held >= 0 && old >= 0 && fstat (held, &a) == 0 && fstat (old, &b) == 0
         && a.st_dev == b.st_dev && a.st_ino == b.st_ino
         && read_counter (lock_fd) == before->counter;
}

/* Under the lock.  Seen alive: alive (one that died since is reclaimed by a later create;
 * keeping a range is always safe).  Seen gone: asked again.  Not seen: added since by a
 * create running now, alive. */
static gboolean
prejudged_alive (const char *state_root, const char *id, gpointer data)
{
  Prejudged *p = data;
  g_autofree char *key = holder_key (state_root, id);

  if (GPOINTER_TO_INT (g_hash_table_lookup (p->seen, key)) != SEEN_GONE)
    return TRUE;
  return p->alive (state_root, id, p->data);
}

static guint
reclaim_prejudged (SvIdmapTable *t, const SvIdmapRequest *req, Prejudged *p, gboolean judged)
{
  if (req->alive == NULL)
    return 0;
  if (!judged)
    return sv_idmap_table_reclaim (t, req->alive, req->alive_data, req->state_root, req->id);
  return sv_idmap_table_reclaim (t, prejudged_alive, p, req->state_root, req->id);
}

gboolean
sv_idmap_reserve (const SvIdmapRequest *req, guint32 *start_out, guint32 *size_out,
                  GError **error)
{
  g_autofree char *path = sv_idmap_table_path (req->lib_dir);
  g_autoptr (SvIdmapTable) own = NULL;      /* read under the lock */
  g_autoptr (SvIdmapTable) unlocked = NULL; /* read here without it (no req->unlocked) */
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  Prejudged p = { seen, req->alive, req->alive_data };
  SvIdmapTable *before, *t;
  gboolean judged;
  const SvIdmapRange *r;
  sv_autofd held = -1; /* declared before the lock: closed after it */
  sv_autofd old = -1;
  table_autolock lock = { -1, 0, FALSE };
  guint dropped = 0;

  if (!g_utf8_validate (req->state_root, -1, NULL) || !g_utf8_validate (req->id, -1, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "the state root \"%s\" or container id \"%s\" is not valid UTF-8 (%s "
                   "is JSON); use a --root path in UTF-8",
                   req->state_root, req->id, path);
      return FALSE;
    }
  /* The table without the lock: the probe's when given, else read now. */
  if (req->unlocked == NULL)
    unlocked = sv_idmap_table_load_held (path, &held, NULL);
  before = req->unlocked != NULL ? req->unlocked : unlocked;
  judged = req->alive != NULL && prejudge (&p, before, req->state_root, req->id);
  lock.fd = lock_table (req->lib_dir, TRUE, error);
  if (lock.fd < 0)
    return FALSE;
  boost_holder (&lock);
  old = hold_old_table (path);
  if (before != NULL
      && same_table (before, req->unlocked != NULL ? req->unlocked_fd : held, old, lock.fd))
    t = before;
  else
    t = own = sv_idmap_table_load (path, error);
  if (t == NULL)
    return FALSE;
  r = sv_idmap_table_find (t, req->state_root, req->id);
  if (r == NULL && req->pod_id != NULL)
    {
      reclaim_prejudged (t, req, &p, judged);
      r = sv_idmap_table_join (t, req->state_root, req->pod_id, req->id, error);
      if (r == NULL || !save_counted (t, lock.fd, error))
        return FALSE;
    }
  else if (r == NULL)
    {
      dropped = reclaim_prejudged (t, req, &p, judged);
      r = sv_idmap_table_allocate (t, req->pools, req->n_pools, req->range_size, req->state_root,
                                   req->id, req->exhausted_hint, error);
      /* Save what was reclaimed even when nothing is free. */
      if ((r != NULL || dropped > 0) && !save_counted (t, lock.fd, r != NULL ? error : NULL))
        return FALSE;
      if (r == NULL)
        return FALSE;
    }
  *start_out = r->start;
  *size_out = r->size;
  return TRUE;
}

gboolean
sv_idmap_release (const char *lib_dir, const char *state_root, const char *id, GError **error)
{
  g_autofree char *path = sv_idmap_table_path (lib_dir);
  g_autoptr (SvIdmapTable) t = NULL;
  g_autoptr (GError) local = NULL;
  sv_autofd old = -1; /* declared before the lock: closed after it */
  table_autolock lock = { lock_table (lib_dir, FALSE, &local), 0, FALSE };

  if (lock.fd < 0)
    {
      if (local == NULL)
        return TRUE; /* no lib dir: nothing was ever allocated there */
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  boost_holder (&lock);
  old = hold_old_table (path);
  t = sv_idmap_table_load (path, error);
  if (t == NULL)
    return FALSE;
  if (!sv_idmap_table_remove (t, state_root, id))
    return TRUE;
  return save_counted (t, lock.fd, error);
}
