/* test-docker-daemon.c: what idmap-dockerremap reads from Docker's daemon.json. */
#include "sv-daemon-json.h"

#include <gio/gio.h>
#include <glib/gstdio.h>

typedef struct
{
  char *dir;
  char *path;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("test-docker-daemon-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->path = g_build_filename (f->dir, "daemon.json", NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_unlink (f->path);
  g_rmdir (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static SvDockerDaemon *
read_text (Fixture *f, const char *text, GError **error)
{
  g_assert_true (g_file_set_contents (f->path, text, -1, NULL));
  return sv_docker_daemon_read (f->path, error);
}

static void
test_missing_file_gives_defaults (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SvDockerDaemon) d = sv_docker_daemon_read (f->path, &error);

  g_assert_no_error (error);
  g_assert_false (d->exists);
  g_assert_null (d->remap);
  g_assert_cmpstr (d->data_root, ==, "/var/lib/docker");
}

static void
test_default_is_dockremap (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SvDockerDaemon) d = read_text (f, "{\"userns-remap\": \"default\"}", &error);

  g_assert_no_error (error);
  g_assert_true (d->exists);
  g_assert_cmpstr (d->remap_user, ==, "dockremap");
  g_assert_cmpstr (d->remap_group, ==, "dockremap");
  g_assert_cmpstr (d->data_root, ==, "/var/lib/docker");
}

static void
test_user_and_group_forms (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SvDockerDaemon) a = read_text (f, "{\"userns-remap\": \"alice:staff\"}", &error);
  g_autoptr (SvDockerDaemon) b = read_text (f, "{\"userns-remap\": \"1234\"}", &error);
  g_autoptr (SvDockerDaemon) c = read_text (f, "{\"userns-remap\": \"\"}", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (a->remap_user, ==, "alice");
  g_assert_cmpstr (a->remap_group, ==, "staff");
  g_assert_cmpstr (b->remap_user, ==, "1234");
  g_assert_cmpstr (b->remap_group, ==, "1234");
  g_assert_null (c->remap);
}

static void
test_data_root_and_graph (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SvDockerDaemon) a = read_text (f, "{\"data-root\": \"/srv/docker\"}", &error);
  g_autoptr (SvDockerDaemon) b = read_text (f, "{\"graph\": \"/old/docker\"}", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (a->data_root, ==, "/srv/docker");
  g_assert_cmpstr (b->data_root, ==, "/old/docker");
}

static void
test_bad_file_names_it (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SvDockerDaemon) a = read_text (f, "{\"userns-remap\": ", &error);
  g_autoptr (SvDockerDaemon) b = NULL;

  g_assert_null (a);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_true (g_str_has_prefix (error->message, f->path));
  g_assert_nonnull (strstr (error->message, "is not valid JSON"));
  g_clear_error (&error);
  b = read_text (f, "{\"userns-remap\": 5}", &error);
  g_assert_null (b);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "\"userns-remap\" has the wrong type"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/docker-daemon/missing-file-gives-defaults", test_missing_file_gives_defaults);
  ADD ("/docker-daemon/default-is-dockremap", test_default_is_dockremap);
  ADD ("/docker-daemon/user-and-group-forms", test_user_and_group_forms);
  ADD ("/docker-daemon/data-root-and-graph", test_data_root_and_graph);
  ADD ("/docker-daemon/bad-file-names-it", test_bad_file_names_it);
#undef ADD
  return g_test_run ();
}
