/* test-spec.c: config.json parsing: good specs, and bad ones that must name the field. */
#include "spec-default.h"
#include "spec.h"
#include "sync.h"

#include <glib/gstdio.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>

typedef struct
{
  char *bundle;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autofree char *rootfs = NULL;

  f->bundle = g_dir_make_tmp ("sv-spec-XXXXXX", NULL);
  rootfs = g_build_filename (f->bundle, "rootfs", NULL);
  g_mkdir (rootfs, 0755);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autofree char *rootfs = g_build_filename (f->bundle, "rootfs", NULL);

  g_rmdir (rootfs);
  g_rmdir (f->bundle);
  g_free (f->bundle);
}

/* The default spec of `sysvisor-runc spec`, edited by @edit (a "path=json" pair or NULL). */
static JsonNode *
default_with (const char *member_path, const char *json_value)
{
  JsonNode *root = sv_spec_default ();
  g_auto (GStrv) parts = NULL;
  JsonObject *o = json_node_get_object (root);
  guint n;

  if (member_path == NULL)
    return root;
  parts = g_strsplit (member_path, ".", -1);
  n = g_strv_length (parts);
  for (guint i = 0; i + 1 < n; i++)
    o = json_object_get_object_member (o, parts[i]);
  if (json_value == NULL)
    json_object_remove_member (o, parts[n - 1]);
  else
    json_object_set_member (o, parts[n - 1], json_from_string (json_value, NULL));
  return root;
}

static void
expect_error (Fixture *f, const char *member_path, const char *json_value, const char *needle)
{
  g_autoptr (JsonNode) root = default_with (member_path, json_value);
  g_autoptr (GError) error = NULL;
  g_autoptr (SvSpec) spec = sv_spec_from_json (root, f->bundle, &error);

  g_assert_null (spec);
  g_assert_nonnull (error);
  if (strstr (error->message, needle) == NULL)
    g_error ("error \"%s\" does not contain \"%s\"", error->message, needle);
}

static void
test_default_parses (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) root = sv_spec_default ();
  g_autoptr (GError) error = NULL;
  g_autoptr (SvSpec) spec = sv_spec_from_json (root, f->bundle, &error);
  g_autofree char *rootfs = g_build_filename (f->bundle, "rootfs", NULL);

  g_assert_no_error (error);
  g_assert_cmpstr (spec->rootfs, ==, rootfs);
  g_assert_cmpstr (spec->process->args[0], ==, "sh");
  g_assert_true (spec->process->terminal);
  g_assert_cmpuint (spec->mounts->len, ==, 8);
  g_assert_true (spec->process->has_caps);
  g_assert_cmpuint (spec->process->caps[SV_CAP_BOUNDING] & (1ULL << 21), !=, 0);
  g_assert_false (spec->spec_has_mappings);
}

static void
test_user_namespace_forced (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) root = default_with ("linux.namespaces", "[{\"type\":\"pid\"}]");
  g_autoptr (GError) error = NULL;
  g_autoptr (SvSpec) spec = sv_spec_from_json (root, f->bundle, &error);

  g_assert_no_error (error);
  g_assert_nonnull (sv_spec_namespace (spec, CLONE_NEWUSER));
  g_assert_nonnull (sv_spec_namespace (spec, CLONE_NEWNS));
  g_assert_nonnull (sv_spec_namespace (spec, CLONE_NEWCGROUP));
  g_assert_nonnull (sv_spec_namespace (spec, CLONE_NEWUTS));
  /* network stays as the spec says: here, the host's. */
  g_assert_null (sv_spec_namespace (spec, CLONE_NEWNET));
}

static void
test_mappings_read (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) root =
      default_with ("linux.uidMappings",
                    "[{\"containerID\":0,\"hostID\":100000,\"size\":65536}]");
  g_autoptr (GError) error = NULL;
  g_autoptr (SvSpec) spec = NULL;

  json_object_set_member (
      json_object_get_object_member (json_node_get_object (root), "linux"), "gidMappings",
      json_from_string ("[{\"containerID\":0,\"hostID\":100000,\"size\":65536}]", NULL));
  spec = sv_spec_from_json (root, f->bundle, &error);
  g_assert_no_error (error);
  g_assert_true (spec->spec_has_mappings);
  g_assert_cmpuint (spec->uid_mappings->len, ==, 1);
  g_assert_cmpuint (g_array_index (spec->uid_mappings, SvIdMapping, 0).host_id, ==, 100000);
  g_assert_cmpuint (g_array_index (spec->uid_mappings, SvIdMapping, 0).size, ==, 65536);
}

static void
test_mount_options (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) root = default_with (
      "mounts",
      "[{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"d\","
      "\"options\":[\"rbind\",\"ro\",\"nosuid\",\"rprivate\",\"rnodev\"]},"
      "{\"destination\":\"/t\",\"type\":\"tmpfs\",\"options\":[\"size=1m\",\"mode=755\"]}]");
  g_autoptr (GError) error = NULL;
  g_autoptr (SvSpec) spec = sv_spec_from_json (root, f->bundle, &error);
  SvMount *m;
  g_autofree char *src = g_build_filename (f->bundle, "d", NULL);

  g_assert_no_error (error);
  m = g_ptr_array_index (spec->mounts, 0);
  g_assert_true (m->bind && m->rbind);
  g_assert_cmpuint (m->flags, ==, MS_RDONLY | MS_NOSUID);
  g_assert_cmpuint (m->propagation, ==, MS_PRIVATE | MS_REC);
  g_assert_cmpuint (m->rec_attr_set, ==, MOUNT_ATTR_NODEV);
  g_assert_cmpstr (m->source, ==, src);
  m = g_ptr_array_index (spec->mounts, 1);
  g_assert_false (m->bind);
  g_assert_cmpstr (m->data, ==, "size=1m,mode=755");
}

static void
test_rlimits_caps_oom (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) root =
      default_with ("process.rlimits", "[{\"type\":\"RLIMIT_NPROC\",\"soft\":10,\"hard\":20}]");
  g_autoptr (GError) error = NULL;
  g_autoptr (SvSpec) spec = NULL;
  JsonObject *process = json_object_get_object_member (json_node_get_object (root), "process");

  json_object_set_int_member (process, "oomScoreAdj", 500);
  spec = sv_spec_from_json (root, f->bundle, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (spec->process->rlimits->len, ==, 1);
  g_assert_cmpint (g_array_index (spec->process->rlimits, SvRlimit, 0).resource, ==,
                   RLIMIT_NPROC);
  g_assert_true (spec->process->has_oom_score_adj);
  g_assert_cmpint (spec->process->oom_score_adj, ==, 500);
}

static void
test_bad_uid_names_field (Fixture *f, gconstpointer data)
{
  expect_error (f, "process.user", "{\"uid\":\"root\"}",
                "process.user.uid: expected an unsigned integer, got a string");
}

static void
test_bad_mapping_names_field (Fixture *f, gconstpointer data)
{
  expect_error (f, "linux.uidMappings", "[{\"containerID\":0,\"hostID\":-5,\"size\":10}]",
                "linux.uidMappings[0].hostID");
}

static void
test_missing_root_names_field (Fixture *f, gconstpointer data)
{
  expect_error (f, "root", NULL, "root: required field is missing");
}

static void
test_bad_rootfs_names_path (Fixture *f, gconstpointer data)
{
  expect_error (f, "root", "{\"path\":\"nothere\"}", "root.path:");
}

static void
test_bad_capability_names_field (Fixture *f, gconstpointer data)
{
  expect_error (f, "process.capabilities", "{\"bounding\":[\"CAP_CHOWN\",\"CAP_FLY\"]}",
                "process.capabilities.bounding[1]: unknown capability \"CAP_FLY\"");
}

static void
test_bad_rlimit_names_field (Fixture *f, gconstpointer data)
{
  expect_error (f, "process.rlimits", "[{\"type\":\"RLIMIT_FOO\",\"soft\":1,\"hard\":1}]",
                "process.rlimits[0].type: unknown rlimit");
  expect_error (f, "process.rlimits", "[{\"type\":\"RLIMIT_NOFILE\",\"soft\":10,\"hard\":1}]",
                "process.rlimits[0]: soft limit is above the hard limit");
}

static void
test_bad_namespace_names_field (Fixture *f, gconstpointer data)
{
  expect_error (f, "linux.namespaces", "[{\"type\":\"pid\"},{\"type\":\"space\"}]",
                "linux.namespaces[1].type: unknown namespace \"space\"");
  expect_error (f, "linux.namespaces", "[{\"type\":\"user\",\"path\":\"/proc/1/ns/user\"}]",
                "linux.namespaces[0].path");
  expect_error (f, "linux.namespaces", "[{\"type\":\"pid\"},{\"type\":\"pid\"}]", "listed twice");
}

static void
test_bad_env_and_cwd (Fixture *f, gconstpointer data)
{
  expect_error (f, "process.env", "[\"PATH=/bin\",\"NOEQUALS\"]",
                "process.env[1]: \"NOEQUALS\" is not of the form KEY=VALUE");
  expect_error (f, "process.cwd", "\"relative\"", "process.cwd: \"relative\" is not an absolute");
  expect_error (f, "process.args", "[]", "process.args: the command to run is missing");
}

static void
test_bad_mount_names_field (Fixture *f, gconstpointer data)
{
  expect_error (f, "mounts", "[{\"type\":\"tmpfs\"}]", "mounts[0].destination: required");
  expect_error (f, "mounts", "[{\"destination\":\"/x\",\"options\":[\"bind\"]}]",
                "mounts[0].source: a bind mount needs a source path");
  expect_error (f, "mounts", "[{\"destination\":\"/x\",\"options\":\"ro\"}]",
                "mounts[0].options: expected an array of strings");
}

static void
test_bad_version_and_types (Fixture *f, gconstpointer data)
{
  expect_error (f, "ociVersion", "\"2.0.0\"", "ociVersion: \"2.0.0\" is not supported");
  expect_error (f, "process.terminal", "\"yes\"", "process.terminal: expected true or false");
  expect_error (f, "process.oomScoreAdj", "5000", "process.oomScoreAdj: 5000 is out of range");
  expect_error (f, "linux.rootfsPropagation", "\"sideways\"",
                "linux.rootfsPropagation: unknown propagation");
  expect_error (f, "linux.devices", "[{\"path\":\"/dev/x\",\"type\":\"z\"}]",
                "linux.devices[0].type: unknown device type");
}

static void
test_gid_without_uid_mappings (Fixture *f, gconstpointer data)
{
  expect_error (f, "linux.gidMappings", "[{\"containerID\":0,\"hostID\":1000,\"size\":1}]",
                "linux.uidMappings: is missing while the other mapping is given");
}

static void
test_load_reports_file (Fixture *f, gconstpointer data)
{
  g_autofree char *file = g_build_filename (f->bundle, "config.json", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SvSpec) spec = NULL;

  g_file_set_contents (file, "{ \"ociVersion\": \"1.0.2\", ", -1, NULL);
  spec = sv_spec_load (f->bundle, &error);
  g_assert_null (spec);
  g_assert_nonnull (strstr (error->message, "config.json: not valid JSON"));
  g_unlink (file);
  g_clear_error (&error);
  spec = sv_spec_load (f->bundle, &error);
  g_assert_null (spec);
  g_assert_nonnull (strstr (error->message, "sysvisor-runc spec"));
}

/* The one limit on mount trees: a spec with more bind mounts than fit in the hand-off to the
 * init is refused when it is loaded, naming the limit; one at the limit loads. */
static JsonNode *
with_bind_mounts (guint n)
{
  g_autoptr (GString) mounts = g_string_new ("[");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (mounts,
                            "%s{\"destination\":\"/m%u\",\"type\":\"bind\","
                            "\"source\":\"/tmp\",\"options\":[\"rbind\"]}",
                            i > 0 ? "," : "", i);
  g_string_append (mounts, "]");
  return default_with ("mounts", mounts->str);
}

static void
test_mount_tree_limit (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) over = with_bind_mounts (SV_SPEC_MAX_BIND_MOUNTS + 1);
  g_autoptr (JsonNode) at = with_bind_mounts (SV_SPEC_MAX_BIND_MOUNTS);
  g_autoptr (GError) error = NULL;
  g_autoptr (SvSpec) bad = sv_spec_from_json (over, f->bundle, &error);
  g_autoptr (SvSpec) good = NULL;

  g_assert_null (bad);
  g_assert_nonnull (strstr (error->message, "bind mounts, at most"));
  g_clear_error (&error);
  good = sv_spec_from_json (at, f->bundle, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (good->mounts->len, ==, SV_SPEC_MAX_BIND_MOUNTS);
}

/* The fds handed from the runtime to the init are found by tag, whatever their order. */
static void
test_sync_fds_tagged (Fixture *f, gconstpointer data)
{
  g_autofree SvSyncMsg *msg = g_new0 (SvSyncMsg, 1);
  int fds[SV_SYNC_MAX_FDS];

  g_assert_true (sv_sync_add_fd (msg, fds, 10, SV_SYNC_FD_BIND_MOUNT, 3));
  g_assert_true (sv_sync_add_fd (msg, fds, 11, SV_SYNC_FD_ROOTFS, 0));
  g_assert_true (sv_sync_add_fd (msg, fds, 12, SV_SYNC_FD_EXTRA_MOUNT, 3));
  g_assert_cmpint (sv_sync_take_fd (msg, fds, SV_SYNC_FD_ROOTFS, 0), ==, 11);
  g_assert_cmpint (sv_sync_take_fd (msg, fds, SV_SYNC_FD_ROOTFS, 0), ==, -1); /* taken */
  g_assert_cmpint (sv_sync_take_fd (msg, fds, SV_SYNC_FD_EXTRA_MOUNT, 3), ==, 12);
  g_assert_cmpint (sv_sync_take_fd (msg, fds, SV_SYNC_FD_BIND_MOUNT, 2), ==, -1);
  g_assert_cmpint (sv_sync_take_fd (msg, fds, SV_SYNC_FD_BIND_MOUNT, 3), ==, 10);
  for (guint i = msg->n_fds; i < SV_SYNC_MAX_FDS; i++)
    g_assert_true (sv_sync_add_fd (msg, fds, 20, SV_SYNC_FD_BIND_MOUNT, i));
  g_assert_false (sv_sync_add_fd (msg, fds, 21, SV_SYNC_FD_BIND_MOUNT, 0)); /* full */
}

/* Numbers json-glib would read wrong or write back as something that is not JSON are refused
 * with a message that names them; the largest it keeps come back exactly. */
static void
test_json_numbers (void)
{
  static const struct
  {
    const char *text, *message;
  } bad[] = {
    { "{\"a\": 1e400}", "beyond what a double holds" },
    { "{\"a\": [-1e400]}", "beyond what a double holds" },
    { "{\"a\": {\"b\": 1e40}}", "the number 1e+40 is too large to keep" },
    { "{\"a\": 18446744073709551616}", "the integer 18446744073709551616 does not fit" },
    { "{\"a\": -9223372036854775809}", "the integer -9223372036854775809 does not fit" },
    { "{\"a\": 1, \"b\": 123456789012345678901234567890123456789012345}",
      "the integer 1234567890123456789012345678901234567890... does not fit" },
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) good = NULL;
  guint64 u = 0;
  gint64 i = 0;

  for (guint k = 0; k < G_N_ELEMENTS (bad); k++)
    {
      g_autoptr (JsonNode) n = sv_json_parse_data (bad[k].text, -1, "t.json", &error);
      g_assert_null (n);
      g_test_message ("%s", error->message);
      g_assert_true (g_str_has_prefix (error->message, "t.json: "));
      g_assert_nonnull (strstr (error->message, bad[k].message));
      g_clear_error (&error);
    }
  good = sv_json_parse_data ("{\"u\": 18446744073709551615, \"i\": -9223372036854775808, "
                             "\"s\": \"99999999999999999999999\", \"f\": 1.5e300, "
                             "\"x\": 1234567890123456789012345.5}",
                             -1, "t.json", &error);
  g_assert_no_error (error);
  g_assert_true (sv_json_get_uint64 (json_node_get_object (good), "", "u", &u, &error));
  g_assert_cmpuint (u, ==, G_MAXUINT64);
  g_assert_true (sv_json_get_int64 (json_node_get_object (good), "", "i", FALSE, &i, &error));
  g_assert_cmpint (i, ==, G_MININT64);
}

/* json-glib's parser recurses: 200000 levels overflowed its stack (a segfault of create). */
static void
test_json_deep_nesting (void)
{
  g_autofree char *brackets = g_strnfill (200000, '[');
  g_autofree char *deep = g_strconcat ("{\"a\": ", brackets, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) n = sv_json_parse_data (deep, -1, "t.json", &error);

  g_assert_null (n);
  g_assert_true (
      g_str_has_prefix (error->message, "t.json: nested deeper than 64 levels (byte "));
}

#define ADD(name, fn) g_test_add (name, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ADD ("/spec/default-parses", test_default_parses);
  ADD ("/spec/user-namespace-always-added", test_user_namespace_forced);
  ADD ("/spec/mappings-read", test_mappings_read);
  ADD ("/spec/mount-options-to-flags", test_mount_options);
  ADD ("/spec/rlimits-oom-read", test_rlimits_caps_oom);
  ADD ("/spec/bad-uid-names-field", test_bad_uid_names_field);
  ADD ("/spec/bad-uid-mapping-names-field", test_bad_mapping_names_field);
  ADD ("/spec/missing-root-names-field", test_missing_root_names_field);
  ADD ("/spec/missing-rootfs-names-path", test_bad_rootfs_names_path);
  ADD ("/spec/bad-capability-names-field", test_bad_capability_names_field);
  ADD ("/spec/bad-rlimit-names-field", test_bad_rlimit_names_field);
  ADD ("/spec/bad-namespace-names-field", test_bad_namespace_names_field);
  ADD ("/spec/bad-env-cwd-args-names-field", test_bad_env_and_cwd);
  ADD ("/spec/bad-mount-names-field", test_bad_mount_names_field);
  ADD ("/spec/bad-version-and-types-name-field", test_bad_version_and_types);
  ADD ("/spec/gid-without-uid-mappings", test_gid_without_uid_mappings);
  ADD ("/spec/load-reports-file", test_load_reports_file);
  ADD ("/spec/mount-tree-limit-names-limit", test_mount_tree_limit);
  ADD ("/spec/sync-fds-found-by-tag", test_sync_fds_tagged);
  g_test_add_func ("/spec/json-numbers-kept-or-refused", test_json_numbers);
  g_test_add_func ("/spec/json-deep-nesting-refused", test_json_deep_nesting);
  return g_test_run ();
}
