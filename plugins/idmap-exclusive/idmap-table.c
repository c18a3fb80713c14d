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

void
sv_idmap_range_free (SvIdmapRange *r)
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
  t->ranges = g_ptr_array_new_with_free_func ((GDestroyNotify) sv_idmap_range_free);
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

/* @n, the range called @name in the messages ("ranges[3]"), read from @path. */
static SvIdmapRange *
range_from_json (JsonNode *n, const char *name, const char *path, GError **error)
{
  g_autofree char *what = NULL;
  JsonObject *o = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
  gint64 start = 0, size = 0;
  const char *root = NULL, *id = NULL, *created;
  SvIdmapRange *r;

  if (o == NULL || !get_int (o, "start", &start) || !get_int (o, "size", &size)
      || (root = get_string (o, "stateRoot")) == NULL || (id = get_string (o, "id")) == NULL
      || root[0] == '\0' || id[0] == '\0')
    what = g_strdup_printf ("%s is not an object with start, size, stateRoot and id (UTF-8 "
                            "strings)",
                            name);
  else if (start < 1 || size < 1 || start + size > (gint64) G_MAXUINT32 + 1)
    what = g_strdup_printf ("%s (%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                            ") is outside host ids 1..2^32-1",
                            name, start, size);
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
      g_autofree char *bad = g_strdup_printf ("%s.members is not an array of container ids, "
                                              "or ownerReleased is not a boolean or leaves "
                                              "nobody holding the range",
                                              name);
      sv_idmap_range_free (r);
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
  if (version == SV_IDMAP_TABLE_MOVED_VERSION)
    {
      t->moved = TRUE;
      return TRUE;
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
      g_autofree char *name = g_strdup_printf ("ranges[%u]", i);
      SvIdmapRange *r = range_from_json (n, name, t->path, error);
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
             "container that held a range in it ended with that boot; read as holding none",
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

/* The table of version SV_IDMAP_TABLE_MOVED_VERSION as this release writes it (read without a
 * parse; one written otherwise is parsed). */
static const char moved_text[] =
    "{\"version\": 2, \"ranges\": [], \"rangeFiles\": \"idmap-exclusive/ranges\"}\n";

SvIdmapTable *
sv_idmap_table_load (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  SvIdmapTable *t;

  if (!sv_file_read_optional (path, 0, &text, &len, NULL, error))
    return NULL;
  if (text != NULL && len == sizeof moved_text - 1 && memcmp (text, moved_text, len) == 0)
    {
      t = sv_idmap_table_new (path);
      t->moved = TRUE;
      return t;
    }
  return text == NULL ? sv_idmap_table_new (path) : table_from_text (path, text, len, error);
}

gboolean
sv_idmap_table_write_moved (const char *path, GError **error)
{
  return sv_file_replace (path, moved_text, sizeof moved_text - 1, 0600, ".tmp",
                          SV_WRITE_NOFOLLOW, error);
}

static void
set_corrupt_range (GError **error, const char *path, const char *what)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
               "%s is corrupt (%s); Sysvisor only ever replaces it atomically, so it was edited "
               "or damaged: restore it from a backup, or, only if none of the containers it "
               "names exists (sysvisor-runc list --root of its stateRoot), remove it",
               path, what);
}

/* The range of @text, a range file's whole text (@len bytes). */
static SvIdmapRange *
range_from_text (const char *path, const char *text, gsize len, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local = NULL;
  JsonNode *root;
  JsonObject *o;
  gint64 version = 0;

  if (len == 0 || !sv_json_text_check (text, len, &local)
      || !json_parser_load_from_data (parser, text, (gssize) len, &local)
      || (root = json_parser_get_root (parser)) == NULL)
    {
      set_corrupt_range (error, path, local != NULL ? local->message : "empty file");
      return NULL;
    }
  o = JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  if (o == NULL || !get_int (o, "version", &version) || version != SV_IDMAP_TABLE_VERSION)
    {
      set_corrupt_range (error, path, "not an object with \"version\": 1");
      return NULL;
    }
  return range_from_json (root, "the range", path, error);
}

SvIdmapRange *
sv_idmap_range_load (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr (GError) local = NULL;
  gsize len = 0;
  SvIdmapRange *r;

  if (!sv_file_read_optional (path, O_NOFOLLOW, &text, &len, NULL, error) || text == NULL)
    return NULL;
  r = range_from_text (path, text, len, &local);
  if (r == NULL && !torn_by_power_loss (path, FALSE))
    g_propagate_error (error, g_steal_pointer (&local));
  return r;
}

/* ---- writing ---- */

/* The members of @r (start, size, stateRoot, id, created, then members and ownerReleased when
 * set) into the object @b has open. */
static void
range_to_builder (JsonBuilder *b, const SvIdmapRange *r)
{
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
}

static char *
builder_to_text (JsonBuilder *b)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree char *text = NULL;

  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, NULL);
  return g_strconcat (text, "\n", NULL);
}

char *
sv_idmap_table_to_data (SvIdmapTable *t)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, SV_IDMAP_TABLE_VERSION);
  json_builder_set_member_name (b, "ranges");
  json_builder_begin_array (b);
  for (guint i = 0; i < t->ranges->len; i++)
    {
      json_builder_begin_object (b);
      range_to_builder (b, g_ptr_array_index (t->ranges, i));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return builder_to_text (b);
}

char *
sv_idmap_range_to_data (const SvIdmapRange *r)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, SV_IDMAP_TABLE_VERSION);
  range_to_builder (b, r);
  json_builder_end_object (b);
  return builder_to_text (b);
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

gboolean
sv_idmap_range_held_by (const SvIdmapRange *r, const char *state_root, const char *id)
{
  return (range_is (r, state_root, id) && !r->owner_released)
         || member_index (r, state_root, id) >= 0;
}

gboolean
sv_idmap_range_has_holders (const SvIdmapRange *r)
{
  return !r->owner_released || (r->members != NULL && r->members->len > 0);
}

const SvIdmapRange *
sv_idmap_table_find (SvIdmapTable *t, const char *state_root, const char *id)
{
  for (guint i = 0; i < t->ranges->len; i++)
    if (sv_idmap_range_held_by (g_ptr_array_index (t->ranges, i), state_root, id))
      return g_ptr_array_index (t->ranges, i);
  return NULL;
}

/* The first slot of @pool that no range of @t overlaps, or -1.  @t's ranges sorted by start:
 * one sweep, however many there are (a slot looked for past each range in turn, each time
 * over every range, was ~14% of a create and a delete with 500 ranges).  The ranges whose
 * start lies below the candidate slot's end have been seen; one of them overlaps the slot
 * exactly when the furthest end among them lies past the slot's start (so ranges that
 * overlap each other, which a damaged store could list, are no exception). */
static gint64
free_slot (SvIdmapTable *t, const SvIdPool *pool, guint32 size)
{
  guint64 end = (guint64) pool->start + pool->count;
  guint64 s = pool->start;
  guint64 seen_end = 0;
  guint i = 0;

  while (s + size <= end)
    {
      for (; i < t->ranges->len; i++)
        {
          const SvIdmapRange *r = g_ptr_array_index (t->ranges, i);
          if ((guint64) r->start >= s + size)
            break;
          seen_end = MAX (seen_end, (guint64) r->start + r->size);
        }
      if (seen_end <= s)
        return (gint64) s;
      s = pool->start + (seen_end - pool->start + size - 1) / size * size;
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
  g_ptr_array_sort (t->ranges, compare_start);
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

gboolean
sv_idmap_range_let_go (SvIdmapRange *r, const char *state_root, const char *id)
{
  gint m = member_index (r, state_root, id);

  if (m >= 0)
    g_ptr_array_remove_index (r->members, (guint) m);
  else if (range_is (r, state_root, id) && !r->owner_released)
    r->owner_released = TRUE;
  else
    return FALSE;
  return TRUE;
}
