/* test-plugins-conf.c: /etc/sysvisor/plugins.conf: the backends it chooses, and every error,
 * each of which must name the file, the line and the fix. */
#include "plugins-conf.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

typedef struct
{
  char *dir;
  char *path; /* DIR/plugins.conf */
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("sv-plugins-conf-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->path = g_build_filename (f->dir, "plugins.conf", NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_chmod (f->path, 0644);
  g_remove (f->path); /* a file, or the directory of /plugins-conf/unreadable-file */
  g_rmdir (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static SvPluginsConf *
load_text (Fixture *f, const char *text, GError **error)
{
  g_assert_true (g_file_set_contents (f->path, text, -1, NULL));
  return sv_plugins_conf_load (f->path, error);
}

/* Loading @text fails with a message that holds "PATH:LINE: " and every needle (NULL-ended). */
static void
expect_error_at (Fixture *f, const char *text, guint line, ...)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SvPluginsConf) conf = load_text (f, text, &error);
  g_autofree char *where = g_strdup_printf ("%s:%u: ", f->path, line);
  const char *needle;
  va_list ap;

  g_assert_null (conf);
  g_assert_nonnull (error);
  if (!g_str_has_prefix (error->message, where))
    g_error ("error \"%s\" does not start with \"%s\"", error->message, where);
  va_start (ap, line);
  while ((needle = va_arg (ap, const char *)) != NULL)
    if (strstr (error->message, needle) == NULL)
      g_error ("error \"%s\" does not contain \"%s\"", error->message, needle);
  va_end (ap);
  g_assert_null (strchr (error->message, '\n'));
}

static void
test_missing_file_gives_defaults (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SvPluginsConf) conf = sv_plugins_conf_load (f->path, &error);

  g_assert_no_error (error);
  g_assert_null (conf->path);
  g_assert_nonnull (conf->keyfile);
  g_assert_cmpstr (conf->backend[SV_ROLE_IDMAP], ==, "auto");
  g_assert_cmpstr (conf->backend[SV_ROLE_SHIFT], ==, "auto");
  g_assert_cmpstr (conf->backend[SV_ROLE_PROCFS], ==, "fuse-procfs");
  for (int r = 0; r < SV_N_ROLES; r++)
    g_assert_cmpuint (conf->line[r], ==, 0);
}

static void
test_empty_file_gives_defaults (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SvPluginsConf) conf = load_text (f, "# nothing chosen\n\n[sysvisor]\n", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (conf->path, ==, f->path);
  g_assert_cmpstr (conf->backend[SV_ROLE_IDMAP], ==, "auto");
  g_assert_cmpstr (conf->backend[SV_ROLE_PROCFS], ==, "fuse-procfs");
}

static void
test_backends_and_their_lines (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SvPluginsConf) conf = load_text (f,
                                              "# roles\n"
                                              "[sysvisor]\n"
                                              "  shift =   none  \n"
                                              "idmap=dockerremap\n"
                                              "\n"
                                              "procfs = my-procfs_2.0\n"
                                              "[idmap-exclusive]\n"
                                              "range-size = 4096\n",
                                              &error);
  g_autofree char *size = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (conf->backend[SV_ROLE_IDMAP], ==, "dockerremap");
  g_assert_cmpstr (conf->backend[SV_ROLE_SHIFT], ==, "none");
  g_assert_cmpstr (conf->backend[SV_ROLE_PROCFS], ==, "my-procfs_2.0");
  g_assert_cmpuint (conf->line[SV_ROLE_IDMAP], ==, 4);
  g_assert_cmpuint (conf->line[SV_ROLE_SHIFT], ==, 3);
  g_assert_cmpuint (conf->line[SV_ROLE_PROCFS], ==, 6);
  /* a plugin's own section is kept for its settings */
  size = g_key_file_get_string (conf->keyfile, "idmap-exclusive", "range-size", NULL);
  g_assert_cmpstr (size, ==, "4096");
}

static void
test_unknown_role (Fixture *f, gconstpointer data)
{
  expect_error_at (f, "[sysvisor]\nidmap = auto\n\nnetwork = veth\n", 4,
                   "unknown role \"network\" in [sysvisor]",
                   "the roles are idmap, shift and procfs", NULL);
}

static void
test_invalid_backend_value (Fixture *f, gconstpointer data)
{
  expect_error_at (f, "[sysvisor]\nshift = ../../tmp/evil\n", 2,
                   "\"../../tmp/evil\" is not a backend name for shift",
                   "use auto, idmapped-mounts (alias: shiftfs), none or the name of a plugin",
                   NULL);
  expect_error_at (f, "[sysvisor]\nidmap = auto\nprocfs =\n", 3,
                   "\"\" is not a backend name for procfs", "use fuse-procfs, none", NULL);
  expect_error_at (f, "[sysvisor]\nidmap = \"exclusive\"\n", 2,
                   "\"\"exclusive\"\" is not a backend name for idmap",
                   "use auto, exclusive, dockerremap, none", NULL);
  expect_error_at (f, "[sysvisor]\nidmap = two words\n", 2, "is not a backend name for idmap",
                   NULL);
}

static void
test_backend_of_another_role (Fixture *f, gconstpointer data)
{
  expect_error_at (
      f, "[sysvisor]\nidmap = auto\nshift = exclusive\n", 3,
      "\"exclusive\" is a backend of the idmap role, not of shift",
      "use idmap = exclusive, or shift = auto, idmapped-mounts (alias: shiftfs), none", NULL);
  expect_error_at (f, "[sysvisor]\nidmap = shiftfs\n", 2,
                   "\"shiftfs\" is a backend of the shift role, not of idmap", NULL);
  expect_error_at (f, "[sysvisor]\nidmap = idmapped-mounts\n", 2,
                   "\"idmapped-mounts\" is a backend of the shift role, not of idmap", NULL);
  expect_error_at (f, "[sysvisor]\nprocfs = idmap-dockerremap\n", 2,
                   "\"idmap-dockerremap\" is a backend of the idmap role, not of procfs",
                   "procfs = fuse-procfs, none", NULL);
}

static void
test_key_set_twice (Fixture *f, gconstpointer data)
{
  expect_error_at (f, "[sysvisor]\nidmap = auto\nshift = none\nidmap = exclusive\n", 4,
                   "\"idmap\" is set twice in [sysvisor]", "keep one of the two lines", NULL);
  /* also in a plugin's section, and across a repeated group header */
  expect_error_at (f, "[sysvisor]\n[shiftfs]\na = 1\n[sysvisor]\n[shiftfs]\na = 2\n", 6,
                   "\"a\" is set twice in [shiftfs]", NULL);
}

static void
test_syntax_error_line (Fixture *f, gconstpointer data)
{
  expect_error_at (f, "[sysvisor]\nidmap = auto\n# fine\n\nshift none\nprocfs = none\n", 5,
                   "shift none", "write \"[group]\", \"key = value\" or a # comment", NULL);
  expect_error_at (f, "[sysvisor]\nidmap = auto\n[fuse-procfs\nmountpoint = /x\n", 3,
                   "write \"[group]\"", NULL);
  expect_error_at (f, "; a comment GKeyFile does not know\n[sysvisor]\n", 1, NULL);
}

static void
test_key_before_any_group (Fixture *f, gconstpointer data)
{
  expect_error_at (f, "# comment\n\nidmap = auto\n[sysvisor]\n", 3,
                   "put the roles under a [sysvisor] line", NULL);
}

static void
test_unreadable_file (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SvPluginsConf) conf = NULL;
  g_autofree char *start = g_strdup_printf ("cannot read plugins.conf %s: ", f->path);

  /* A directory cannot be read, even by root (who reads a chmod 000 file). */
  g_assert_cmpint (g_mkdir (f->path, 0755), ==, 0);
  conf = sv_plugins_conf_load (f->path, &error);
  g_assert_null (conf);
  g_assert_nonnull (error);
  g_assert_true (g_str_has_prefix (error->message, start));
  g_assert_nonnull (strstr (error->message, g_strerror (EISDIR)));
  g_assert_nonnull (strstr (error->message, "make it a readable file (chmod 0644)"));
  g_assert_nonnull (strstr (error->message, "--plugins-conf"));
  g_rmdir (f->path);
  if (geteuid () == 0)
    return;
  /* Without root, a file of mode 000 cannot be opened. */
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (f->path, "[sysvisor]\n", -1, NULL));
  g_chmod (f->path, 0);
  conf = sv_plugins_conf_load (f->path, &error);
  g_assert_null (conf);
  g_assert_true (g_str_has_prefix (error->message, start));
  g_assert_nonnull (strstr (error->message, g_strerror (EACCES)));
}

static void
test_path_precedence (Fixture *f, gconstpointer data)
{
  g_unsetenv ("SYSVISOR_PLUGINS_CONF");
  g_assert_cmpstr (sv_plugins_conf_path (NULL), ==, "/etc/sysvisor/plugins.conf");
  g_setenv ("SYSVISOR_PLUGINS_CONF", "/env/plugins.conf", TRUE);
  g_assert_cmpstr (sv_plugins_conf_path (NULL), ==, "/env/plugins.conf");
  g_assert_cmpstr (sv_plugins_conf_path (""), ==, "/env/plugins.conf");
  g_assert_cmpstr (sv_plugins_conf_path ("/cli.conf"), ==, "/cli.conf");
  g_unsetenv ("SYSVISOR_PLUGINS_CONF");
}

static void
test_plugin_names (Fixture *f, gconstpointer data)
{
  const struct
  {
    SvRole role;
    const char *backend, *plugin;
  } cases[] = {
    { SV_ROLE_IDMAP, "exclusive", "idmap-exclusive" },
    { SV_ROLE_IDMAP, "dockerremap", "idmap-dockerremap" },
    { SV_ROLE_IDMAP, "idmap-exclusive", "idmap-exclusive" },
    { SV_ROLE_IDMAP, "idmap-fixed", "idmap-fixed" },
    { SV_ROLE_SHIFT, "shiftfs", "idmapped-mounts" }, /* its old name */
    { SV_ROLE_SHIFT, "idmapped-mounts", "idmapped-mounts" },
    { SV_ROLE_PROCFS, "fuse-procfs", "fuse-procfs" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = sv_plugins_conf_plugin_name (cases[i].role, cases[i].backend);
      g_assert_cmpstr (name, ==, cases[i].plugin);
    }
  g_assert_cmpstr (sv_role_name (SV_ROLE_SHIFT), ==, "shift");
}

static void
test_storage_paths (Fixture *f, gconstpointer data)
{
  g_autoptr (SvPluginsConf) def = load_text (f, "[sysvisor]\nidmap = auto\n", NULL);
  g_autoptr (SvPluginsConf) two = NULL;
  g_autoptr (SvPluginsConf) none = NULL;

  g_assert_nonnull (def);
  g_assert_cmpuint (g_strv_length (def->storage_paths), ==, 5);
  g_assert_cmpstr (def->storage_paths[0], ==, "/var/lib/docker");
  g_assert_cmpstr (def->storage_paths[4], ==, "/var/lib/rancher/k3s");
  two = load_text (f, "[sysvisor]\nstorage-paths =  /var/lib/docker\t/srv/x \n", NULL);
  g_assert_nonnull (two);
  g_assert_cmpuint (g_strv_length (two->storage_paths), ==, 2);
  g_assert_cmpstr (two->storage_paths[1], ==, "/srv/x");
  none = load_text (f, "[sysvisor]\nstorage-paths = none\n", NULL);
  g_assert_nonnull (none);
  g_assert_cmpuint (g_strv_length (none->storage_paths), ==, 0);
}

static void
test_storage_paths_errors (Fixture *f, gconstpointer data)
{
  expect_error_at (f, "[sysvisor]\nidmap = auto\nstorage-paths = var/lib/docker\n", 3,
                   "\"var/lib/docker\" is not a plain absolute path", "or none", NULL);
  expect_error_at (f, "[sysvisor]\nstorage-paths = /var/lib/docker/\n", 2,
                   "no '.', '..', '//' or trailing '/'", NULL);
  expect_error_at (f, "[sysvisor]\nstorage-paths = /var/lib/../x\n", 2, "not a plain", NULL);
  expect_error_at (f, "[sysvisor]\nstorage-paths = /\n", 2, "below /", NULL);
  expect_error_at (f, "[sysvisor]\nstorage-paths = /var/lib/docker /var/lib\n", 2,
                   "/var/lib/docker and /var/lib overlap; keep the outer one", NULL);
}

/* shiftfs is idmapped-mounts' old name: [shiftfs] is read as its section (with [idmapped-mounts]
 * too: a key set in both is an error). */
static void
test_shiftfs_section_alias (Fixture *f, gconstpointer data)
{
  g_autoptr (SvPluginsConf) old = load_text (f,
                                             "[sysvisor]\nshift = shiftfs\n[shiftfs]\n"
                                             "docker-data-root = /srv/docker\n",
                                             NULL);
  g_autoptr (SvPluginsConf) both = NULL;
  g_autofree char *root = NULL;

  g_assert_nonnull (old);
  g_assert_cmpstr (old->backend[SV_ROLE_SHIFT], ==, "shiftfs");
  root = g_key_file_get_string (old->keyfile, "idmapped-mounts", "docker-data-root", NULL);
  g_assert_cmpstr (root, ==, "/srv/docker");
  g_assert_false (g_key_file_has_group (old->keyfile, "shiftfs"));
  both = load_text (f, "[sysvisor]\n[idmapped-mounts]\na = 1\n[shiftfs]\nb = 2\n", NULL);
  g_assert_nonnull (both);
  g_assert_cmpint (g_key_file_get_integer (both->keyfile, "idmapped-mounts", "a", NULL), ==, 1);
  g_assert_cmpint (g_key_file_get_integer (both->keyfile, "idmapped-mounts", "b", NULL), ==, 2);
  expect_error_at (f, "[sysvisor]\n[idmapped-mounts]\na = 1\n[shiftfs]\na = 2\n", 5,
                   "\"a\" is set in [shiftfs] and in [idmapped-mounts]", "keep one", NULL);
}

/* The line an error names is the key's own line in its own group, whatever the blanks, the
 * line ends (CRLF) and the same key in other groups; auto-ROLE keys are roles' keys. */
static void
test_lines_in_their_group (Fixture *f, gconstpointer data)
{
  expect_error_at (f,
                   "[idmap-exclusive]\r\nprocfs = none\r\n  [ sysvisor ]  \r\n"
                   "[sysvisor]\r\n\tprocfs\t= idmap-exclusive\r\n",
                   5, "\"idmap-exclusive\" is a backend of the idmap role, not of procfs", NULL);
  expect_error_at (f, "[sysvisor]\nidmapx = 1\nidmap = exclusive\n  idmap2 = x\n", 2,
                   "unknown role \"idmapx\"", NULL);
  expect_error_at (f, "[sysvisor]\nidmap = exclusive\nauto-shift-mapped = auto\n", 3,
                   "auto-shift-mapped = auto: name the plugin", NULL);
  expect_error_at (f, "[sysvisor]\nauto-shift-mapped = none\nauto-shiftx = none\n", 3,
                   "unknown role \"auto-shiftx\"", NULL);
  expect_error_at (f, "[sysvisor]\nauto-procfs = none\nauto-shift-mappedx = none\n", 3,
                   "unknown role \"auto-shift-mappedx\"", NULL);
}

#define ADD(name, fn) g_test_add (name, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ADD ("/plugins-conf/missing-file-gives-defaults", test_missing_file_gives_defaults);
  ADD ("/plugins-conf/empty-file-gives-defaults", test_empty_file_gives_defaults);
  ADD ("/plugins-conf/backends-and-their-lines", test_backends_and_their_lines);
  ADD ("/plugins-conf/unknown-role-names-file-line-fix", test_unknown_role);
  ADD ("/plugins-conf/invalid-backend-names-file-line-fix", test_invalid_backend_value);
  ADD ("/plugins-conf/backend-of-another-role-names-file-line-fix", test_backend_of_another_role);
  ADD ("/plugins-conf/key-set-twice-names-file-line-fix", test_key_set_twice);
  ADD ("/plugins-conf/lines-in-their-group", test_lines_in_their_group);
  ADD ("/plugins-conf/syntax-error-names-file-line-fix", test_syntax_error_line);
  ADD ("/plugins-conf/key-before-group-names-file-line-fix", test_key_before_any_group);
  ADD ("/plugins-conf/unreadable-file-names-file-and-fix", test_unreadable_file);
  ADD ("/plugins-conf/path-precedence", test_path_precedence);
  ADD ("/plugins-conf/shiftfs-section-is-idmapped-mounts", test_shiftfs_section_alias);
  ADD ("/plugins-conf/plugin-names", test_plugin_names);
  ADD ("/plugins-conf/storage-paths-default-list-none", test_storage_paths);
  ADD ("/plugins-conf/storage-paths-errors-name-file-line-fix", test_storage_paths_errors);
  return g_test_run ();
}
