/* test-remap-rules.c: idmap-dockerremap's checks of the spec's mappings and the bind-mount
 * rule for Docker userns-remap. */
#include "remap-rules.h"
#include "sv-file.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <unistd.h>

static void
assert_mappings_refused (const SvIdMapping *maps, guint n, gint code, const char *part)
{
  g_autoptr (GError) error = NULL;

  g_assert_false (sv_remap_check_mappings ("linux.uidMappings", maps, n, &error));
  g_assert_error (error, G_IO_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, part));
}

static void
test_docker_mapping_accepted (void)
{
  SvIdMapping one[] = { { 0, 100000, 65536 } };
  SvIdMapping two[] = { { 65536, 300000, 1000 }, { 0, 100000, 65536 } };
  g_autoptr (GError) error = NULL;

  g_assert_true (sv_remap_check_mappings ("linux.uidMappings", one, 1, &error));
  g_assert_true (sv_remap_check_mappings ("linux.uidMappings", two, 2, &error));
  g_assert_no_error (error);
}

static void
test_root_to_host_root_refused (void)
{
  SvIdMapping root[] = { { 0, 0, 65536 } };
  SvIdMapping other[] = { { 0, 100000, 1 }, { 1, 0, 1 } };

  assert_mappings_refused (root, 1, G_IO_ERROR_PERMISSION_DENIED,
                           "linux.uidMappings[0] (0 0 65536) maps container root to host root");
  assert_mappings_refused (other, 2, G_IO_ERROR_PERMISSION_DENIED,
                           "linux.uidMappings[1] (1 0 1) maps container id 1 to host root");
}

static void
test_not_contiguous_from_zero_refused (void)
{
  SvIdMapping late[] = { { 1, 100000, 65536 } };
  SvIdMapping gap[] = { { 0, 100000, 1000 }, { 2000, 200000, 1000 } };
  SvIdMapping overlap[] = { { 500, 200000, 1000 }, { 0, 100000, 1000 } };

  assert_mappings_refused (late, 1, G_IO_ERROR_INVALID_ARGUMENT,
                           "the lowest mapped container id is 1 (linux.uidMappings[0]), not 0");
  assert_mappings_refused (gap, 2, G_IO_ERROR_INVALID_ARGUMENT,
                           "linux.uidMappings[1] maps container ids from 2000 but the ids below "
                           "end at 999 (a gap)");
  assert_mappings_refused (overlap, 2, G_IO_ERROR_INVALID_ARGUMENT, "(an overlap)");
}

static void
test_mismatch_with_remap_user (void)
{
  SvSubidEntry e1 = { (char *) "dockremap", 100000, 65536, 3 };
  SvSubidEntry e2 = { (char *) "dockremap", 300000, 1000, 4 };
  SvIdMapping same[] = { { 65536, 300000, 1000 }, { 0, 100000, 65536 } };
  SvIdMapping other[] = { { 0, 200000, 65536 } };
  g_autoptr (GPtrArray) entries = g_ptr_array_new ();
  g_autofree char *none = NULL;
  g_autofree char *diff = NULL;

  g_ptr_array_add (entries, &e1);
  g_ptr_array_add (entries, &e2);
  none = sv_remap_mappings_mismatch (same, 2, entries);
  g_assert_null (none);
  diff = sv_remap_mappings_mismatch (other, 1, entries);
  g_assert_cmpstr (diff, ==,
                   "the spec maps (container:host:size) 0:200000:65536, but the remap user's "
                   "subordinate ids are dockremap:100000:65536 (line 3), dockremap:300000:1000 "
                   "(line 4)");
}

typedef struct
{
  char *dir;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("test-remap-rules-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_assert_true (sv_file_remove_tree (f->dir, NULL));
  g_free (f->dir);
}

static char *
make_dir (Fixture *f, const char *rel)
{
  char *p = g_build_filename (f->dir, rel, NULL);

  g_assert_cmpint (g_mkdir_with_parents (p, 0755), ==, 0);
  return p;
}

static void
test_path_under (Fixture *f, gconstpointer data)
{
  g_autofree char *root = make_dir (f, "docker");
  g_autofree char *vol = make_dir (f, "docker/volumes/v/_data");
  g_autofree char *sibling = make_dir (f, "dockerx");
  g_autofree char *escape = g_build_filename (root, "..", "dockerx", NULL);
  g_autofree char *link = g_build_filename (root, "out", NULL);
  g_autofree char *missing = g_build_filename (root, "containers", "x", "hosts", NULL);

  g_assert_true (sv_remap_path_under (root, root));
  g_assert_true (sv_remap_path_under (vol, root));
  g_assert_true (sv_remap_path_under (missing, root));
  g_assert_false (sv_remap_path_under (sibling, root));
  g_assert_false (sv_remap_path_under (escape, root));
  g_assert_cmpint (symlink (sibling, link), ==, 0);
  g_assert_false (sv_remap_path_under (link, root));
}

static void
test_bind_owned_by_remap_accepted (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *src = make_dir (f, "src");
  g_autofree char *data_root = make_dir (f, "docker");

  g_assert_true (
      sv_remap_check_bind_source (0, src, "/data", data_root, getuid (), getgid (), &error));
  g_assert_no_error (error);
}

static void
test_bind_wrong_owner_refused (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *src = make_dir (f, "src");
  g_autofree char *data_root = make_dir (f, "docker");
  g_autofree char *fix = g_strdup_printf ("fix: chown 100000:100000 %s (mounts[2])", src);
  g_autofree char *start = g_strdup_printf ("bind mount -v %s:/data refused: ", src);
  g_autofree char *owned =
      g_strdup_printf ("%s is owned by %u:%u", src, (guint) getuid (), (guint) getgid ());

  g_assert_false (
      sv_remap_check_bind_source (2, src, "/data", data_root, 100000, 100000, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, start));
  g_assert_nonnull (strstr (error->message, owned));
  g_assert_nonnull (strstr (error->message, "must be owned by the remap uid:gid 100000:100000"));
  g_assert_true (g_str_has_suffix (error->message, fix));
}

static void
test_bind_under_data_root_exempt (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *data_root = make_dir (f, "docker");
  g_autofree char *hosts = g_build_filename (data_root, "hosts", NULL);

  g_assert_true (g_file_set_contents (hosts, "127.0.0.1 localhost\n", -1, NULL));
  g_assert_true (
      sv_remap_check_bind_source (0, hosts, "/etc/hosts", data_root, 100000, 100000, &error));
  g_assert_no_error (error);
}

static void
test_bind_missing_source_left_to_core (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *missing = g_build_filename (f->dir, "nope", NULL);

  g_assert_true (
      sv_remap_check_bind_source (0, missing, "/x", "/var/lib/docker", 100000, 100000, &error));
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/remap-rules/docker-mapping-accepted", test_docker_mapping_accepted);
  g_test_add_func ("/remap-rules/root-to-host-root-refused", test_root_to_host_root_refused);
  g_test_add_func ("/remap-rules/not-contiguous-from-zero-refused",
                   test_not_contiguous_from_zero_refused);
  g_test_add_func ("/remap-rules/mismatch-with-remap-user-described",
                   test_mismatch_with_remap_user);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/remap-rules/path-under-data-root-resolves-links", test_path_under);
  ADD ("/remap-rules/bind-owned-by-remap-accepted", test_bind_owned_by_remap_accepted);
  ADD ("/remap-rules/bind-wrong-owner-refused-with-chown-fix", test_bind_wrong_owner_refused);
  ADD ("/remap-rules/bind-under-data-root-exempt", test_bind_under_data_root_exempt);
  ADD ("/remap-rules/bind-missing-source-left-to-core", test_bind_missing_source_left_to_core);
#undef ADD
  return g_test_run ();
}
