/* test-subid.c: /etc/subuid and /etc/subgid parsing and the checks on the sysvisor user's
 * entries (idmap-exclusive). */
#include "sv-subid.h"

#include <gio/gio.h>
#include <glib/gstdio.h>

typedef struct
{
  char *dir;
  char *uid_path;
  char *gid_path;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("test-subid-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->uid_path = g_build_filename (f->dir, "subuid", NULL);
  f->gid_path = g_build_filename (f->dir, "subgid", NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_unlink (f->uid_path);
  g_unlink (f->gid_path);
  g_rmdir (f->dir);
  g_free (f->uid_path);
  g_free (f->gid_path);
  g_free (f->dir);
}

static void
write_files (Fixture *f, const char *uids, const char *gids)
{
  if (uids != NULL)
    g_assert_true (g_file_set_contents (f->uid_path, uids, -1, NULL));
  if (gids != NULL)
    g_assert_true (g_file_set_contents (f->gid_path, gids, -1, NULL));
}

/* The pools of user "sysvisor" (uid text "999"), or NULL with @error set. */
static GArray *
pools_of (Fixture *f, guint32 range_size, GError **error)
{
  g_autoptr (SvSubidFile) u = sv_subid_file_read (f->uid_path, "sysvisor", "999", error);
  g_autoptr (SvSubidFile) g = NULL;

  if (u == NULL)
    return NULL;
  g = sv_subid_file_read (f->gid_path, "sysvisor", "999", error);
  if (g == NULL)
    return NULL;
  return sv_subid_user_pools (u, g, "sysvisor", "999", range_size, error);
}

static void
test_parse_skips_comments_and_bad_lines (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SvSubidFile) file = NULL;
  SvSubidEntry *e;

  write_files (f, "# comment\n\nalice:100000:65536\nbroken line\nbob:x:1\n  carol:200000:10  \n",
               NULL);
  file = sv_subid_file_read (f->uid_path, "sysvisor", NULL, &error);
  g_assert_no_error (error);
  g_assert_false (file->missing);
  g_assert_cmpuint (file->entries->len, ==, 2);
  e = g_ptr_array_index (file->entries, 1);
  g_assert_cmpstr (e->name, ==, "carol");
  g_assert_cmpuint (e->start, ==, 200000);
  g_assert_cmpuint (e->count, ==, 10);
  g_assert_cmpuint (e->line, ==, 6);
}

static void
test_malformed_line_of_user_names_line (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SvSubidFile) file = NULL;

  write_files (f, "alice:100000:65536\nsysvisor:300000:-5\n", NULL);
  file = sv_subid_file_read (f->uid_path, "sysvisor", NULL, &error);
  g_assert_null (file);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "subuid:2: malformed entry"));
  g_assert_nonnull (strstr (error->message, "sysvisor:<start>:<count>"));
}

static void
test_missing_file_says_how_to_add_entry (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) pools = NULL;
  g_autofree char *want = NULL;

  write_files (f, NULL, "sysvisor:196608:655360\n");
  pools = pools_of (f, 65536, &error);
  g_assert_null (pools);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  want = g_strdup_printf ("no range for user sysvisor in %s (the file does not exist): add the "
                          "line 'sysvisor:196608:655360' (as in %s:1) to %s",
                          f->uid_path, f->gid_path, f->uid_path);
  g_assert_cmpstr (error->message, ==, want);
  g_clear_error (&error);

  /* neither file */
  g_unlink (f->gid_path);
  g_clear_pointer (&pools, g_array_unref);
  pools = pools_of (f, 65536, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_free (want);
  want = g_strdup_printf ("no range for user sysvisor in %s (the file does not exist): add a "
                          "line 'sysvisor:<start>:<count>' to %s and the same to %s (the "
                          "installer adds sysvisor:131072:268435456) or run the installer",
                          f->uid_path, f->uid_path, f->gid_path);
  g_assert_cmpstr (error->message, ==, want);
}

static void
test_no_entry_suggests_free_start (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) pools = NULL;

  write_files (f, "dockremap:100000:65536\n", "dockremap:100000:65536\n");
  pools = pools_of (f, 65536, &error);
  g_assert_null (pools);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "no range for user sysvisor in"));
  g_assert_nonnull (strstr (error->message, "sysvisor:196608:268435456"));
}

static void
test_uid_gid_mismatch_refused (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) pools = NULL;

  write_files (f, "sysvisor:196608:655360\n", "x:1:1\nsysvisor:262144:655360\n");
  pools = pools_of (f, 65536, &error);
  g_assert_null (pools);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "subuid:1 has sysvisor:196608:655360"));
  g_assert_nonnull (strstr (error->message, "subgid:2 has sysvisor:262144:655360"));
  g_assert_nonnull (strstr (error->message, "equal in both files"));
}

static void
test_overlap_with_other_user_names_both_lines (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) pools = NULL;

  write_files (f, "dockremap:100000:65536\nsysvisor:131072:655360\n", "sysvisor:131072:655360\n");
  pools = pools_of (f, 65536, &error);
  g_assert_null (pools);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "subuid:2: sysvisor:131072:655360 overlaps"));
  g_assert_nonnull (strstr (error->message, "subuid:1: dockremap:100000:65536"));
  g_assert_nonnull (strstr (error->message, "another user's range"));
}

static void
test_overlap_in_subgid_refused (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) pools = NULL;

  write_files (f, "sysvisor:196608:655360\n", "sysvisor:196608:655360\nother:200000:1\n");
  pools = pools_of (f, 65536, &error);
  g_assert_null (pools);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "subgid:1: sysvisor:196608:655360 overlaps"));
  g_assert_nonnull (strstr (error->message, "subgid:2: other:200000:1"));
}

static void
test_overlap_of_own_entries_refused (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) pools = NULL;

  write_files (f, "sysvisor:196608:655360\nsysvisor:262144:65536\n",
               "sysvisor:196608:655360\nsysvisor:262144:65536\n");
  pools = pools_of (f, 65536, &error);
  g_assert_null (pools);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "another entry of the same user"));
}

static void
test_range_with_host_root_refused (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) pools = NULL;

  write_files (f, "sysvisor:0:655360\n", "sysvisor:0:655360\n");
  pools = pools_of (f, 65536, &error);
  g_assert_null (pools);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "includes host id 0"));
}

static void
test_too_small_for_one_range (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) pools = NULL;

  write_files (f, "sysvisor:196608:1000\n", "sysvisor:196608:1000\n");
  pools = pools_of (f, 65536, &error);
  g_assert_null (pools);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
  g_assert_nonnull (strstr (error->message, "fewer ids than one container's range"));
}

static void
test_pools_from_entries (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) pools = NULL;

  /* entries by name and by uid, in any order; other users' ranges elsewhere */
  write_files (f, "999:2000000:131072\nalice:100000:65536\nsysvisor:196608:655360\n",
               "sysvisor:196608:655360\nalice:100000:65536\n999:2000000:131072\n");
  pools = pools_of (f, 65536, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pools->len, ==, 2);
  g_assert_cmpuint (g_array_index (pools, SvIdPool, 0).start, ==, 196608);
  g_assert_cmpuint (g_array_index (pools, SvIdPool, 0).count, ==, 655360);
  g_assert_cmpuint (g_array_index (pools, SvIdPool, 1).start, ==, 2000000);
  g_assert_cmpuint (g_array_index (pools, SvIdPool, 1).count, ==, 131072);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/subid/parse-skips-comments-and-malformed-lines",
       test_parse_skips_comments_and_bad_lines);
  ADD ("/subid/malformed-line-of-user-names-line", test_malformed_line_of_user_names_line);
  ADD ("/subid/missing-file-says-how-to-add-entry", test_missing_file_says_how_to_add_entry);
  ADD ("/subid/no-entry-suggests-free-start", test_no_entry_suggests_free_start);
  ADD ("/subid/uid-gid-mismatch-refused-naming-both", test_uid_gid_mismatch_refused);
  ADD ("/subid/overlap-with-other-user-names-both-lines",
       test_overlap_with_other_user_names_both_lines);
  ADD ("/subid/overlap-in-subgid-refused", test_overlap_in_subgid_refused);
  ADD ("/subid/overlap-of-own-entries-refused", test_overlap_of_own_entries_refused);
  ADD ("/subid/range-with-host-root-refused", test_range_with_host_root_refused);
  ADD ("/subid/too-small-for-one-range", test_too_small_for_one_range);
  ADD ("/subid/pools-from-entries-by-name-and-uid", test_pools_from_entries);
#undef ADD
  return g_test_run ();
}
