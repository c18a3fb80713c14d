/* test-idmap-table.c: the ranges of idmap-exclusive in memory: first-fit slots, reclaim,
 * exhaustion, pods, and the JSON of an older release's table (validated, torn by a power
 * loss).  The files of the store: test-idmap-store.c. */
#include "idmap-table.h"
#include "sv-file.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

#define SIZE 65536u

static const SvIdPool pool_10[] = { { 196608, 10 * SIZE } };

typedef struct
{
  char *dir;  /* the lib dir */
  char *path; /* the table */
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("test-idmap-table-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->path = sv_idmap_table_path (f->dir);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_assert_true (sv_file_remove_tree (f->dir, NULL));
  g_free (f->dir);
  g_free (f->path);
}

/* The table written as an older release saved it (the store only reads such files). */
static gboolean
save (SvIdmapTable *t, GError **error)
{
  g_autofree char *data = sv_idmap_table_to_data (t);

  return g_file_set_contents (t->path, data, -1, error);
}

static guint32
alloc_start (SvIdmapTable *t, const SvIdPool *pools, guint n, const char *id)
{
  g_autoptr (GError) error = NULL;
  const SvIdmapRange *r = sv_idmap_table_allocate (t, pools, n, SIZE, "/run/r", id, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (r);
  return r->start;
}

static void
test_allocate_first_fit (Fixture *f, gconstpointer data)
{
  g_autoptr (SvIdmapTable) t = sv_idmap_table_new (f->path);

  g_assert_cmpuint (alloc_start (t, pool_10, 1, "a"), ==, 196608);
  g_assert_cmpuint (alloc_start (t, pool_10, 1, "b"), ==, 196608 + SIZE);
  g_assert_cmpuint (alloc_start (t, pool_10, 1, "c"), ==, 196608 + 2 * SIZE);
  g_assert_true (
      g_ptr_array_remove (t->ranges, (gpointer) sv_idmap_table_find (t, "/run/r", "b")));
  /* the freed slot is the lowest free one again */
  g_assert_cmpuint (alloc_start (t, pool_10, 1, "d"), ==, 196608 + SIZE);
  g_assert_cmpuint (alloc_start (t, pool_10, 1, "e"), ==, 196608 + 3 * SIZE);
}

static void
test_allocate_skips_odd_ranges (Fixture *f, gconstpointer data)
{
  g_autoptr (SvIdmapTable) t = sv_idmap_table_new (f->path);
  SvIdmapRange *odd = g_new0 (SvIdmapRange, 1);

  /* a range from another range-size, straddling slots 0 and 1 */
  odd->start = 196608 + 1000;
  odd->size = SIZE;
  odd->state_root = g_strdup ("/run/r");
  odd->id = g_strdup ("odd");
  odd->created = g_strdup ("");
  g_ptr_array_add (t->ranges, odd);
  g_assert_cmpuint (alloc_start (t, pool_10, 1, "a"), ==, 196608 + 2 * SIZE);
}

static void
add_range (SvIdmapTable *t, guint32 start, guint32 size, const char *id)
{
  SvIdmapRange *r = g_new0 (SvIdmapRange, 1);

  r->start = start;
  r->size = size;
  r->state_root = g_strdup ("/run/r");
  r->id = g_strdup (id);
  r->created = g_strdup ("");
  g_ptr_array_add (t->ranges, r);
}

/* Ranges listed in any order, even ones that overlap each other (a damaged store's names):
 * the slot found overlaps none of them. */
static void
test_allocate_past_every_range (Fixture *f, gconstpointer data)
{
  g_autoptr (SvIdmapTable) t = sv_idmap_table_new (f->path);

  add_range (t, 196608 + 5 * SIZE, SIZE, "late");
  add_range (t, 196608 + SIZE, SIZE, "inside");
  add_range (t, 196608, 3 * SIZE, "wide");
  g_assert_cmpuint (alloc_start (t, pool_10, 1, "a"), ==, 196608 + 3 * SIZE);
  g_assert_cmpuint (alloc_start (t, pool_10, 1, "b"), ==, 196608 + 4 * SIZE);
  g_assert_cmpuint (alloc_start (t, pool_10, 1, "c"), ==, 196608 + 6 * SIZE);
}

static void
test_allocate_multiple_pools (Fixture *f, gconstpointer data)
{
  static const SvIdPool pools[] = { { 196608, SIZE + 5 }, { 1000000, 2 * SIZE } };
  g_autoptr (SvIdmapTable) t = sv_idmap_table_new (f->path);

  g_assert_cmpuint (alloc_start (t, pools, 2, "a"), ==, 196608);
  g_assert_cmpuint (alloc_start (t, pools, 2, "b"), ==, 1000000);
  g_assert_cmpuint (alloc_start (t, pools, 2, "c"), ==, 1000000 + SIZE);
}

static void
test_exhaustion_names_holders_and_fix (Fixture *f, gconstpointer data)
{
  static const SvIdPool pools[] = { { 196608, 3 * SIZE + 100 } };
  g_autoptr (SvIdmapTable) t = sv_idmap_table_new (f->path);
  g_autoptr (GError) error = NULL;

  for (int i = 0; i < 3; i++)
    {
      g_autofree char *id = g_strdup_printf ("c%d", i);
      alloc_start (t, pools, 1, id);
    }
  g_assert_null (sv_idmap_table_allocate (t, pools, 1, SIZE, "/run/r", "c3", "grow it", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
  g_assert_nonnull (strstr (error->message, "3 containers hold ranges"));
  g_assert_nonnull (strstr (error->message, "hold 3 ranges of 65536"));
  g_assert_nonnull (strstr (error->message, "; grow it"));
  g_assert_cmpuint (t->ranges->len, ==, 3);
}

static void
test_missing_file_is_empty (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SvIdmapTable) t = sv_idmap_table_load (f->path, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (t->ranges->len, ==, 0);
}

static void
test_save_load_roundtrip (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SvIdmapTable) t = sv_idmap_table_new (f->path);
  g_autoptr (SvIdmapTable) back = NULL;
  g_autoptr (JsonParser) p = json_parser_new ();
  const SvIdmapRange *r;

  alloc_start (t, pool_10, 1, "a");
  alloc_start (t, pool_10, 1, "b \"quoted\"");
  g_assert_true (save (t, &error));
  g_assert_no_error (error);
  g_assert_true (json_parser_load_from_file (p, f->path, &error));
  back = sv_idmap_table_load (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->ranges->len, ==, 2);
  r = sv_idmap_table_find (back, "/run/r", "b \"quoted\"");
  g_assert_nonnull (r);
  g_assert_cmpuint (r->start, ==, 196608 + SIZE);
  g_assert_cmpuint (r->size, ==, SIZE);
  g_assert_true (g_regex_match_simple ("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$",
                                       r->created, 0, 0));
}

static void
assert_corrupt (Fixture *f, const char *text, const char *detail)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SvIdmapTable) t = NULL;

  g_assert_true (g_file_set_contents (f->path, text, -1, NULL));
  t = sv_idmap_table_load (f->path, &error);
  g_assert_null (t);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, f->path));
  g_assert_nonnull (strstr (error->message, detail));
}

static void
test_corrupt_table_names_file_and_fix (Fixture *f, gconstpointer data)
{
  assert_corrupt (f, "", "is corrupt (empty file)");
  assert_corrupt (f, "{\"version\": 1, \"ranges\": [", "is corrupt");
  assert_corrupt (f, "[]", "not an object with \"version\"");
  assert_corrupt (f,
                  "{\"version\": 1, \"ranges\": [{\"start\": \"1\", \"size\": 1, "
                  "\"stateRoot\": \"/r\", \"id\": \"a\"}]}",
                  "ranges[0] is not an object");
  assert_corrupt (f,
                  "{\"version\": 1, \"ranges\": [{\"start\": 0, \"size\": 1, "
                  "\"stateRoot\": \"/r\", \"id\": \"a\"}]}",
                  "outside host ids");
  assert_corrupt (f,
                  "{\"version\": 1, \"ranges\": ["
                  "{\"start\": 100, \"size\": 10, \"stateRoot\": \"/r\", \"id\": \"a\"},"
                  "{\"start\": 105, \"size\": 10, \"stateRoot\": \"/r\", \"id\": \"b\"}]}",
                  "the ranges of containers a and b overlap");
  assert_corrupt (f,
                  "{\"version\": 1, \"ranges\": ["
                  "{\"start\": 100, \"size\": 10, \"stateRoot\": \"/r\", \"id\": \"a\"},"
                  "{\"start\": 200, \"size\": 10, \"stateRoot\": \"/r\", \"id\": \"a\"}]}",
                  "holds two ranges");
  assert_corrupt (f, "{\"version\": 1, \"ranges\": []} trailing", "is corrupt");
  assert_corrupt (f, "{\"version\": 7, \"ranges\": []}", "another Sysvisor release");
}

/* Saved without fsync, the table may be torn by a power loss: one last written before this
 * boot starts empty (every container holding a range ended with that boot); one of this boot
 * is still an error. */
static void
test_torn_before_boot_starts_empty (Fixture *f, gconstpointer data)
{
  static const char *const torn[] = { "", "\0\0\0\0", "{\"version\": 1, \"ranges\": [{\"st" };
  struct timespec up;

  g_assert_cmpint (clock_gettime (CLOCK_BOOTTIME, &up), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (torn); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (SvIdmapTable) t = NULL;
      struct timespec before_boot[2] = { { time (NULL) - up.tv_sec - 60, 0 },
                                         { time (NULL) - up.tv_sec - 60, 0 } };
      g_assert_true (g_file_set_contents (f->path, torn[i], i == 1 ? 4 : -1, NULL));
      g_assert_cmpint (utimensat (AT_FDCWD, f->path, before_boot, 0), ==, 0);
      g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "*damaged before this boot*");
      t = sv_idmap_table_load (f->path, &error);
      g_test_assert_expected_messages ();
      g_assert_no_error (error);
      g_assert_cmpuint (t->ranges->len, ==, 0);
      /* the same file written in this boot: not a power loss */
      g_assert_cmpint (utimensat (AT_FDCWD, f->path, NULL, 0), ==, 0);
      g_clear_pointer (&t, sv_idmap_table_free);
      t = sv_idmap_table_load (f->path, &error);
      g_assert_null (t);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    }
  /* a table that parses but is wrong is never a power loss's doing, even an old one */
  {
    g_autoptr (GError) error = NULL;
    struct timespec before_boot[2] = { { time (NULL) - up.tv_sec - 60, 0 },
                                       { time (NULL) - up.tv_sec - 60, 0 } };
    g_assert_true (g_file_set_contents (f->path, "[]", -1, NULL));
    g_assert_cmpint (utimensat (AT_FDCWD, f->path, before_boot, 0), ==, 0);
    g_assert_null (sv_idmap_table_load (f->path, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  }
}

/* A member listed twice, or a released owner with no member, is a damaged table. */
static void
test_pod_corrupt_members (Fixture *f, gconstpointer data)
{
  static const char *bad[] = {
    "{\"version\":1,\"ranges\":[{\"start\":196608,\"size\":65536,\"stateRoot\":\"/r\","
    "\"id\":\"s\",\"members\":[\"a\"]},{\"start\":262144,\"size\":65536,"
    "\"stateRoot\":\"/r\",\"id\":\"t\",\"members\":[\"a\"]}]}",
    "{\"version\":1,\"ranges\":[{\"start\":196608,\"size\":65536,\"stateRoot\":\"/r\","
    "\"id\":\"s\",\"ownerReleased\":true,\"members\":[]}]}",
    "{\"version\":1,\"ranges\":[{\"start\":196608,\"size\":65536,\"stateRoot\":\"/r\","
    "\"id\":\"s\",\"members\":[3]}]}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (SvIdmapTable) t = NULL;
      g_assert_true (g_file_set_contents (f->path, bad[i], -1, NULL));
      t = sv_idmap_table_load (f->path, &error);
      g_assert_null (t);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/idmap-table/allocate-first-fit-reuses-freed-slot", test_allocate_first_fit);
  ADD ("/idmap-table/allocate-skips-ranges-of-another-size", test_allocate_skips_odd_ranges);
  ADD ("/idmap-table/allocate-past-every-range", test_allocate_past_every_range);
  ADD ("/idmap-table/allocate-spans-several-pools", test_allocate_multiple_pools);
  ADD ("/idmap-table/exhaustion-names-holders-and-fix", test_exhaustion_names_holders_and_fix);
  ADD ("/idmap-table/missing-file-is-empty", test_missing_file_is_empty);
  ADD ("/idmap-table/save-load-roundtrip", test_save_load_roundtrip);
  ADD ("/idmap-table/corrupt-table-names-file-and-fix", test_corrupt_table_names_file_and_fix);
  ADD ("/idmap-table/torn-before-boot-starts-empty", test_torn_before_boot_starts_empty);
  ADD ("/idmap-table/pod-corrupt-members-name-the-file", test_pod_corrupt_members);
#undef ADD
  return g_test_run ();
}
