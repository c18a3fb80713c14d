/* fuzz-idmap-table: idmap-exclusive's ranges (plugins/idmap-exclusive/idmap-table.c): the input
 * read as a range file (one range: written back, it loads again as the same text) and as an
 * older release's table (load it, write it back and load that again, then allocate a slot
 * and let go of it, checking that no two ranges ever overlap). */
#include "fuzz-util.h"

#include "idmap-table.h"

#include <stdio.h>
#include <string.h>
#include <stdlib.h>

static const SvIdPool pools[] = { { 100000, 65536 * 4 }, { 1000000, 65536 * 2 + 5 } };

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  return 0;
}

static void
assert_disjoint (SvIdmapTable *t)
{
  for (guint i = 1; i < t->ranges->len; i++)
    {
      const SvIdmapRange *a = g_ptr_array_index (t->ranges, i - 1);
      const SvIdmapRange *b = g_ptr_array_index (t->ranges, i);
      if ((guint64) a->start + a->size > b->start)
        {
          fprintf (stderr, "fuzz-idmap-table: ranges %u+%u and %u+%u overlap\n", a->start,
                   a->size, b->start, b->size);
          abort ();
        }
    }
}

static void
round_trip (SvIdmapTable *t)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = sv_idmap_table_to_data (t);
  const char *path = fuzz_write ("copy.json", (const uint8_t *) text, strlen (text));
  g_autoptr (SvIdmapTable) again = sv_idmap_table_load (path, &error);
  g_autofree char *text2 = NULL;

  if (again == NULL)
    {
      fprintf (stderr, "fuzz-idmap-table: a written table does not load: %s\n", error->message);
      abort ();
    }
  text2 = sv_idmap_table_to_data (again);
  g_assert_cmpstr (text, ==, text2);
}

/* The input as one range file: it loads or says why not; a loaded one written back loads
 * again as the same text. */
static void
range_file (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  const char *path = fuzz_write ("range.json", data, size);
  g_autoptr (SvIdmapRange) r = sv_idmap_range_load (path, &error);
  g_autoptr (SvIdmapRange) again = NULL;
  g_autofree char *text = NULL;
  g_autofree char *text2 = NULL;

  if (r == NULL)
    {
      g_assert (error != NULL && error->message[0] != '\0');
      return;
    }
  text = sv_idmap_range_to_data (r);
  path = fuzz_write ("range-copy.json", (const uint8_t *) text, strlen (text));
  again = sv_idmap_range_load (path, &error);
  if (again == NULL)
    {
      fprintf (stderr, "fuzz-idmap-table: a written range does not load: %s\n",
               error != NULL ? error->message : "(missing)");
      abort ();
    }
  text2 = sv_idmap_range_to_data (again);
  g_assert_cmpstr (text, ==, text2);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SvIdmapTable) t = NULL;
  const char *path = fuzz_write (SV_IDMAP_TABLE_FILE, data, size);
  const SvIdmapRange *r;

  range_file (data, size);
  t = sv_idmap_table_load (path, &error);
  if (t == NULL)
    {
      g_assert (error != NULL && error->message[0] != '\0');
      return 0;
    }
  assert_disjoint (t);
  round_trip (t);
  r = sv_idmap_table_allocate (t, pools, G_N_ELEMENTS (pools), 65536, "/run/sysvisor-runc",
                               "fuzz-new", "free some", &error);
  assert_disjoint (t);
  if (r != NULL)
    {
      SvIdmapRange *mine =
          (SvIdmapRange *) sv_idmap_table_find (t, "/run/sysvisor-runc", "fuzz-new");
      g_assert (mine == r);
      g_assert (sv_idmap_range_let_go (mine, "/run/sysvisor-runc", "fuzz-new"));
      g_assert (!sv_idmap_range_has_holders (mine));
    }
  return 0;
}
