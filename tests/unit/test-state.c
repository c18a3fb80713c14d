/* test-state.c: a container's persistent state (state.c): what is saved is loaded back, a
 * state file that is not valid says which file and what is wrong, and a temp file left by a
 * write cut short is never read as the state. */
#include "state.h"
#include "utils.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct
{
  char *root;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->root = g_dir_make_tmp ("sv-test-state-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) ids = sv_state_list (f->root, NULL);

  for (guint i = 0; ids != NULL && i < ids->len; i++)
    g_assert_true (sv_state_remove (f->root, g_ptr_array_index (ids, i), NULL));
  g_assert_cmpint (g_rmdir (f->root), ==, 0);
  g_free (f->root);
}

static void
write_file (const char *root, const char *id, const char *name, const char *text, gssize len)
{
  g_autofree char *path = g_build_filename (root, id, name, NULL);
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, text, len, &error);
  g_assert_no_error (error);
}

static JsonNode *
json (const char *text)
{
  g_autoptr (GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  return node;
}

static void
add_map (GArray *maps, guint32 container_id, guint32 host_id, guint32 size)
{
  SvIdMapping m = { 0 };

  m.container_id = container_id;
  m.host_id = host_id;
  m.size = size;
  g_array_append_val (maps, m);
}

/* A state with every field set to something other than its default. */
static SvState *
full_state (const char *id)
{
  SvState *st = g_new0 (SvState, 1);

  st->id = g_strdup (id);
  st->bundle = g_strdup ("/srv/bundles/one");
  st->rootfs = g_strdup ("/srv/bundles/one/rootfs");
  st->created = g_strdup ("2026-12-02T13:00:00.123456789Z");
  st->owner = g_strdup ("root");
  st->supervisor = g_strdup ("@sysvisor-fs-supervisor");
  st->pid = 4242;
  st->starttime = G_GUINT64_CONSTANT (1234567890123);
  st->creator_pid = 4200;
  st->creator_starttime = 99;
  st->systemd_cgroup = TRUE;
  st->annotations = json ("{\"io.kubernetes.cri.container-type\": \"sandbox\"}");
  st->cgroup = json ("{\"path\": \"/sysvisor/one\"}");
  st->hooks = json ("{\"poststop\": [{\"path\": \"/bin/true\"}]}");
  st->plugins[0] = g_strdup ("idmap-exclusive");
  st->plugins[2] = g_strdup ("fuse-procfs");
  st->releases_known = TRUE;
  st->releases[0] = TRUE; /* fuse-procfs has nothing to release */
  st->uid_mappings = g_array_new (FALSE, FALSE, sizeof (SvIdMapping));
  st->gid_mappings = g_array_new (FALSE, FALSE, sizeof (SvIdMapping));
  add_map (st->uid_mappings, 0, 2147483648u, 65536);
  add_map (st->gid_mappings, 0, 2147483648u, 1000);
  add_map (st->gid_mappings, 1000, 2147484648u, 64536);
  return st;
}

static void
assert_maps_equal (GArray *a, GArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    {
      SvIdMapping *x = &g_array_index (a, SvIdMapping, i),
                  *y = &g_array_index (b, SvIdMapping, i);
      g_assert_cmpuint (x->container_id, ==, y->container_id);
      g_assert_cmpuint (x->host_id, ==, y->host_id);
      g_assert_cmpuint (x->size, ==, y->size);
    }
}

static void
test_round_trip (Fixture *f, gconstpointer data)
{
  g_autoptr (SvState) st = full_state ("one");
  g_autoptr (SvState) back = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = sv_state_dir (f->root, "one");

  g_assert_true (sv_state_create_dir (f->root, "one", &error));
  g_assert_true (sv_state_save (f->root, st, &error));
  g_assert_no_error (error);
  back = sv_state_load (f->root, "one", &error);
  g_assert_no_error (error);
  g_assert_nonnull (back);
  g_assert_cmpstr (back->id, ==, "one");
  g_assert_cmpstr (back->dir, ==, dir);
  g_assert_cmpstr (back->bundle, ==, st->bundle);
  g_assert_cmpstr (back->rootfs, ==, st->rootfs);
  g_assert_cmpstr (back->created, ==, st->created);
  g_assert_cmpstr (back->owner, ==, st->owner);
  g_assert_cmpstr (back->supervisor, ==, st->supervisor);
  g_assert_cmpint (back->pid, ==, st->pid);
  g_assert_cmpuint (back->starttime, ==, st->starttime);
  g_assert_cmpint (back->creator_pid, ==, st->creator_pid);
  g_assert_cmpuint (back->creator_starttime, ==, st->creator_starttime);
  g_assert_true (back->systemd_cgroup);
  g_assert_true (json_node_equal (back->annotations, st->annotations));
  g_assert_true (json_node_equal (back->cgroup, st->cgroup));
  g_assert_true (json_node_equal (back->hooks, st->hooks));
  g_assert_cmpstr (back->plugins[0], ==, "idmap-exclusive");
  g_assert_null (back->plugins[1]);
  g_assert_cmpstr (back->plugins[2], ==, "fuse-procfs");
  g_assert_true (back->releases_known);
  g_assert_true (sv_state_needs_release (back, 0));
  g_assert_false (sv_state_needs_release (back, 1)); /* no plugin */
  g_assert_false (sv_state_needs_release (back, 2)); /* a plugin without release */
  assert_maps_equal (back->uid_mappings, st->uid_mappings);
  assert_maps_equal (back->gid_mappings, st->gid_mappings);
}

/* Optional fields left unset come back unset (not as "" or a JSON null node). */
static void
test_round_trip_minimal (Fixture *f, gconstpointer data)
{
  g_autoptr (SvState) st = g_new0 (SvState, 1);
  g_autoptr (SvState) back = NULL;
  g_autoptr (GError) error = NULL;

  st->id = g_strdup ("min");
  st->bundle = g_strdup ("/b");
  g_assert_true (sv_state_create_dir (f->root, "min", &error));
  g_assert_true (sv_state_save (f->root, st, &error));
  back = sv_state_load (f->root, "min", &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->pid, ==, 0);
  g_assert_null (back->annotations);
  g_assert_null (back->cgroup);
  g_assert_null (back->hooks);
  g_assert_null (back->supervisor);
  g_assert_null (back->plugins[0]);
  g_assert_cmpuint (back->uid_mappings->len, ==, 0);
  g_assert_false (back->systemd_cgroup);
  g_assert_cmpint (sv_state_status (back), ==, SV_STATUS_CREATING);
}

/* A state written before pluginReleases was recorded: delete loads every plugin it names. */
static void
test_without_releases_every_plugin_released (Fixture *f, gconstpointer data)
{
  g_autoptr (SvState) back = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (sv_state_create_dir (f->root, "old", &error));
  write_file (f->root, "old", "state.json",
              "{\"id\": \"old\", \"bundle\": \"/b\", \"pid\": 0, "
              "\"plugins\": {\"idmap\": \"idmap-exclusive\", \"shift\": null, "
              "\"procfs\": \"fuse-procfs\"}}",
              -1);
  back = sv_state_load (f->root, "old", &error);
  g_assert_no_error (error);
  g_assert_false (back->releases_known);
  g_assert_true (sv_state_needs_release (back, 0));
  g_assert_false (sv_state_needs_release (back, 1));
  g_assert_true (sv_state_needs_release (back, 2));
}

static void
test_create_dir_twice (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (sv_state_create_dir (f->root, "twice", &error));
  g_assert_false (sv_state_create_dir (f->root, "twice", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, "\"twice\" already exists"));
}

static void
test_missing_is_not_found (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  g_assert_null (sv_state_load (f->root, "nobody", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "container \"nobody\" does not exist");
}

static void
test_bad_id_refused (Fixture *f, gconstpointer data)
{
  const char *bad[] = { "", ".", "..", "a/b", "../etc", "a b" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_assert_null (sv_state_load (f->root, bad[i], &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, "invalid container id"));
    }
}

/* Not JSON: one error that names the state file and says it is not valid JSON. */
static void
test_malformed_names_file (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *file = g_build_filename (f->root, "bad", "state.json", NULL);

  g_assert_true (sv_state_create_dir (f->root, "bad", NULL));
  write_file (f->root, "bad", "state.json", "{\"id\": \"bad\", \"bundle\": ", -1);
  g_assert_null (sv_state_load (f->root, "bad", &error));
  g_assert_nonnull (error);
  g_assert_true (g_str_has_prefix (error->message, file));
  g_assert_nonnull (strstr (error->message, "not valid JSON"));
  g_assert_null (strchr (error->message, '\n'));
}

/* Valid JSON of the wrong shape: the error names the file and the member. */
static void
test_wrong_type_names_member (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *file = g_build_filename (f->root, "typed", "state.json", NULL);

  g_assert_true (sv_state_create_dir (f->root, "typed", NULL));
  write_file (f->root, "typed", "state.json",
              "{\"id\": \"typed\", \"bundle\": \"/b\", \"pid\": \"12\"}", -1);
  g_assert_null (sv_state_load (f->root, "typed", &error));
  g_assert_nonnull (error);
  g_assert_true (g_str_has_prefix (error->message, file));
  g_assert_nonnull (strstr (error->message, "pid"));
  g_clear_error (&error);

  write_file (f->root, "typed", "state.json", "[1, 2]", -1);
  g_assert_null (sv_state_load (f->root, "typed", &error));
  g_assert_nonnull (strstr (error->message, "expected a JSON object"));
}

/* An empty or zero-filled file (a power loss during the unsynced write) is named as a crashed
 * create, with the command that removes it. */
static void
test_empty_file_says_crashed (Fixture *f, gconstpointer data)
{
  static const char zeros[64] = { 0 };
  const gssize lengths[] = { 0, sizeof zeros };

  g_assert_true (sv_state_create_dir (f->root, "cut", NULL));
  for (guint i = 0; i < G_N_ELEMENTS (lengths); i++)
    {
      g_autoptr (GError) error = NULL;
      write_file (f->root, "cut", "state.json", zeros, lengths[i]);
      g_assert_null (sv_state_load (f->root, "cut", &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT);
      g_assert_nonnull (strstr (error->message, "empty state file"));
      g_assert_nonnull (strstr (error->message, "delete --force cut"));
    }
}

/* A state.json copied from another container's directory is refused (saving it would write
 * to the other container). */
static void
test_other_id_refused (Fixture *f, gconstpointer data)
{
  g_autoptr (SvState) st = full_state ("first");
  g_autoptr (GError) error = NULL;
  g_autofree char *from = g_build_filename (f->root, "first", "state.json", NULL);
  g_autofree char *text = NULL;

  g_assert_true (sv_state_create_dir (f->root, "first", NULL));
  g_assert_true (sv_state_create_dir (f->root, "second", NULL));
  g_assert_true (sv_state_save (f->root, st, NULL));
  g_assert_true (g_file_get_contents (from, &text, NULL, NULL));
  write_file (f->root, "second", "state.json", text, -1);
  g_assert_null (sv_state_load (f->root, "second", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "names container \"first\", not \"second\""));
}

static guint
count_entries (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (d != NULL && g_dir_read_name (d) != NULL)
    n++;
  return n;
}

/* Atomic write: a temp file left beside state.json by a writer that died before its rename
 * is never read; the state is the last complete save, the next save replaces it, and the
 * temp file is no container in the list. */
static void
test_leftover_temp_ignored (Fixture *f, gconstpointer data)
{
  g_autoptr (SvState) st = full_state ("atom");
  g_autoptr (SvState) back = NULL;
  g_autoptr (SvState) again = NULL;
  g_autoptr (GPtrArray) ids = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = sv_state_dir (f->root, "atom");

  g_assert_true (sv_state_create_dir (f->root, "atom", NULL));
  g_assert_true (sv_state_save (f->root, st, &error));
  /* Only state.json: the save left no temp file of its own. */
  g_assert_cmpuint (count_entries (dir), ==, 1);
  write_file (f->root, "atom", "state.json.tmp-1", "{\"id\": \"atom\", \"bundle\": \"/torn", -1);
  write_file (f->root, "atom", "state.json.tmp-999999", "", 0);
  back = sv_state_load (f->root, "atom", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back->bundle, ==, "/srv/bundles/one");
  g_assert_cmpint (back->pid, ==, 4242);

  st->pid = 4343;
  g_assert_true (sv_state_save (f->root, st, &error));
  again = sv_state_load (f->root, "atom", &error);
  g_assert_no_error (error);
  g_assert_cmpint (again->pid, ==, 4343);

  ids = sv_state_list (f->root, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ids->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (ids, 0), ==, "atom");
}

/* A temp file without any state.json (the first save died before its rename) is a create that
 * crashed early, not a state. */
static void
test_only_temp_is_crashed_create (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (sv_state_create_dir (f->root, "early", NULL));
  write_file (f->root, "early", "state.json.tmp-1", "{\"id\": \"early\", \"bundle\": \"/b\"}",
              -1);
  g_assert_null (sv_state_load (f->root, "early", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT);
  g_assert_nonnull (strstr (error->message, "no state file"));
}

static void
test_list_sorted_valid_dirs (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) ids = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *missing = g_build_filename (f->root, "not-there", NULL);
  g_autofree char *file = g_build_filename (f->root, "a-file", NULL);

  g_assert_true (sv_state_create_dir (f->root, "zeta", NULL));
  g_assert_true (sv_state_create_dir (f->root, "alpha", NULL));
  g_assert_true (g_file_set_contents (file, "", 0, NULL));
  ids = sv_state_list (f->root, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ids->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (ids, 0), ==, "alpha");
  g_assert_cmpstr (g_ptr_array_index (ids, 1), ==, "zeta");
  g_assert_cmpint (g_unlink (file), ==, 0);
  g_clear_pointer (&ids, g_ptr_array_unref);

  /* No state root yet: no containers, not an error. */
  ids = sv_state_list (missing, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ids->len, ==, 0);
}

static void
test_remove_everything (Fixture *f, gconstpointer data)
{
  g_autoptr (SvState) st = full_state ("gone");
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = sv_state_dir (f->root, "gone");
  g_autofree char *sub = g_build_filename (dir, "sub", NULL);

  g_assert_true (sv_state_create_dir (f->root, "gone", NULL));
  g_assert_true (sv_state_save (f->root, st, NULL));
  sv_state_mark_committed (f->root, "gone");
  g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
  g_assert_true (sv_state_remove (f->root, "gone", &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  g_assert_null (sv_state_load (f->root, "gone", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

/* The state root and the storage paths are made with sv_mkdir_p: missing parents too, an
 * existing directory is fine, anything else in the way is an error naming the path. */
static void
test_mkdir_p (Fixture *f, gconstpointer data)
{
  g_autofree char *deep = g_build_filename (f->root, "a", "b", "c", NULL);
  g_autofree char *file = g_build_filename (f->root, "file", NULL);
  g_autofree char *under_file = g_build_filename (file, "x", NULL);
  g_autoptr (GError) error = NULL;
  struct stat st;

  g_assert_true (sv_mkdir_p (deep, 0750, &error));
  g_assert_no_error (error);
  g_assert_cmpint (stat (deep, &st), ==, 0);
  g_assert_true (S_ISDIR (st.st_mode));
  g_assert_cmpint (st.st_mode & 0700, ==, 0700);
  g_assert_true (sv_mkdir_p (deep, 0750, &error)); /* exists: fine */
  g_assert_true (g_file_set_contents (file, "", 0, NULL));
  g_assert_false (sv_mkdir_p (file, 0755, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, file));
  g_clear_error (&error);
  g_assert_false (sv_mkdir_p (under_file, 0755, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY);
  g_clear_error (&error);
  g_assert_false (sv_mkdir_p ("", 0755, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint (g_unlink (file), ==, 0);
  for (int i = 0; i < 3; i++)
    {
      g_assert_cmpint (g_rmdir (deep), ==, 0);
      *strrchr (deep, '/') = '\0';
    }
}

/* state.json's "created": RFC 3339 in UTC with nanoseconds, as runc writes it. */
static void
test_rfc3339_now (void)
{
  g_autofree char *now = sv_rfc3339_now ();
  g_autoptr (GDateTime) parsed = NULL;
  g_autoptr (GDateTime) utc_now = g_date_time_new_now_utc ();

  g_assert_true (g_regex_match_simple ("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
                                       "\\.[0-9]{9}Z$",
                                       now, 0, 0));
  parsed = g_date_time_new_from_iso8601 (now, NULL);
  g_assert_nonnull (parsed);
  g_assert_cmpint (ABS (g_date_time_difference (utc_now, parsed)), <, 5 * G_TIME_SPAN_SECOND);
}

#define ADD(name, fn) g_test_add (name, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ADD ("/state/save-load-round-trip", test_round_trip);
  g_test_add_func ("/state/rfc3339-now", test_rfc3339_now);
  ADD ("/state/save-load-round-trip-minimal", test_round_trip_minimal);
  ADD ("/state/without-releases-every-plugin-released",
       test_without_releases_every_plugin_released);
  ADD ("/state/create-dir-twice-names-id", test_create_dir_twice);
  ADD ("/state/missing-is-not-found", test_missing_is_not_found);
  ADD ("/state/bad-id-refused", test_bad_id_refused);
  ADD ("/state/malformed-json-names-file", test_malformed_names_file);
  ADD ("/state/wrong-type-names-file-and-member", test_wrong_type_names_member);
  ADD ("/state/empty-file-says-crashed-create", test_empty_file_says_crashed);
  ADD ("/state/other-containers-state-refused", test_other_id_refused);
  ADD ("/state/leftover-temp-file-ignored", test_leftover_temp_ignored);
  ADD ("/state/only-temp-file-is-crashed-create", test_only_temp_is_crashed_create);
  ADD ("/state/list-sorted-valid-dirs", test_list_sorted_valid_dirs);
  ADD ("/state/remove-everything", test_remove_everything);
  ADD ("/state/mkdir-p", test_mkdir_p);
  return g_test_run ();
}
