/* test-plugin-loader.c: loading plugins: a good one runs its hooks through the host; bad ones
 * (wrong ABI, no entry symbol, not an ELF, wrong role, untrusted file) are refused with one
 * line that names the file and the fix.
 *
 * The plugins come from tests/plugins/ (SV_TEST_PLUGINS_DIR, set by its meson.build); each
 * test copies the ones it needs into a private directory with mode 0644, so that the file
 * trust rules hold whatever the build's umask.  A trusted file must be owned by root: run
 * as another user, the tests that load a plugin are skipped. */
#include "container.h"
#include "plugin-host.h"
#include "sv-file.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

typedef struct
{
  char *dir; /* the plugin directory of the test */
  char *conf_path;
} Fixture;

static const char *
built_plugins_dir (void)
{
  const char *dir = g_getenv ("SV_TEST_PLUGINS_DIR");

  if (dir == NULL)
    g_error ("SV_TEST_PLUGINS_DIR is not set: run this test with meson test");
  return dir;
}

/* Copy the built NAME.so into the test's directory as AS.so, mode 0644. */
static char *
install_plugin (Fixture *f, const char *name, const char *as)
{
  g_autofree char *file = g_strconcat (name, ".so", NULL);
  g_autofree char *src = g_build_filename (built_plugins_dir (), file, NULL);
  g_autofree char *dst_file = g_strconcat (as != NULL ? as : name, ".so", NULL);
  char *dst = g_build_filename (f->dir, dst_file, NULL);
  g_autofree char *data = NULL;
  gsize len;

  if (!g_file_get_contents (src, &data, &len, NULL))
    g_error ("%s is not built", src);
  g_assert_true (g_file_set_contents (dst, data, (gssize) len, NULL));
  g_assert_cmpint (g_chmod (dst, 0644), ==, 0);
  return dst;
}

static gboolean
need_root (void)
{
  if (geteuid () == 0)
    return TRUE;
  g_test_skip ("a plugin file must be owned by root: run as root to load one");
  return FALSE;
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("sv-plugin-loader-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  g_assert_cmpint (g_chmod (f->dir, 0755), ==, 0);
  f->conf_path = g_build_filename (f->dir, "plugins.conf", NULL);
  g_setenv ("SYSVISOR_PLUGIN_DIR", f->dir, TRUE);
  g_setenv ("SYSVISOR_LIB_DIR", f->dir, TRUE);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_assert_true (sv_file_remove_tree (f->dir, NULL));
  g_unsetenv ("SYSVISOR_PLUGIN_DIR");
  g_unsetenv ("SYSVISOR_LIB_DIR");
  g_free (f->conf_path);
  g_free (f->dir);
}

/* sv_plugin_load of NAME fails with a message holding every needle (NULL-ended). */
static void
expect_load_error (Fixture *f, const char *name, ...)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SvLoadedPlugin) p = sv_plugin_load (f->dir, name, &error);
  const char *needle;
  va_list ap;

  g_assert_null (p);
  g_assert_nonnull (error);
  va_start (ap, name);
  while ((needle = va_arg (ap, const char *)) != NULL)
    if (strstr (error->message, needle) == NULL)
      g_error ("error \"%s\" does not contain \"%s\"", error->message, needle);
  va_end (ap);
  g_assert_null (strchr (error->message, '\n'));
}

static SvPluginsConf *
load_conf (Fixture *f, const char *text)
{
  g_autoptr (GError) error = NULL;
  SvPluginsConf *conf;

  g_assert_true (g_file_set_contents (f->conf_path, text, -1, NULL));
  conf = sv_plugins_conf_load (f->conf_path, &error);
  g_assert_no_error (error);
  return conf;
}

/* ---- a good plugin ---- */

static void
test_good_plugin_loads (Fixture *f, gconstpointer data)
{
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (SvLoadedPlugin) p = NULL;

  if (!need_root ())
    return;
  path = install_plugin (f, "idmap-fixed", NULL);
  p = sv_plugin_load (f->dir, "idmap-fixed", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (p->name, ==, "idmap-fixed");
  g_assert_cmpstr (p->path, ==, path);
  g_assert_cmpstr (p->desc->name, ==, "idmap-fixed");
  g_assert_cmpint (p->desc->role, ==, SV_ROLE_IDMAP);
  g_assert_cmpuint (p->desc->abi_major, ==, SV_PLUGIN_ABI_MAJOR);
  g_assert_cmpuint (p->desc->abi_minor, ==, SV_PLUGIN_ABI_MINOR);
  g_assert_cmpuint (p->desc->struct_size, ==, sizeof (SvPlugin));
  g_assert_nonnull (p->desc->probe);
  g_assert_nonnull (p->desc->prepare);
  g_assert_null (p->desc->attach);
  g_assert_nonnull (p->desc->release);
}

/* Through the host, as create runs it: select, probe + prepare with the plugin's own
 * settings, release. */
static void
test_good_plugin_runs_hooks (Fixture *f, gconstpointer data)
{
  g_autoptr (SvPluginsConf) conf = NULL;
  g_autoptr (SvPluginHost) h = NULL;
  g_autoptr (SvContainer) c = NULL;
  g_autoptr (GError) error = NULL;
  const SvIdMapping *m;
  guint n;

  if (!need_root ())
    return;
  g_free (install_plugin (f, "idmap-fixed", NULL));
  conf = load_conf (f, "[sysvisor]\nidmap = idmap-fixed\nshift = none\nprocfs = none\n"
                       "[idmap-fixed]\nhost-id = 300000\nsize = 1000\n");
  h = sv_plugin_host_new (conf, f->dir);
  g_assert_true (sv_plugin_host_select (h, FALSE, &error));
  g_assert_no_error (error);
  g_assert_nonnull (h->role[SV_ROLE_IDMAP]);
  g_assert_null (h->role[SV_ROLE_SHIFT]);
  g_assert_null (h->role[SV_ROLE_PROCFS]);
  g_assert_true (sv_plugin_host_probe (h, SV_ROLE_IDMAP, &error));

  c = sv_container_new_from_state (&h->host, "c1", f->dir, f->dir, NULL, NULL, NULL);
  g_assert_true (sv_plugin_host_prepare (h, c, &error));
  g_assert_no_error (error);
  m = sv_container_uid_mappings (c, &n);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpuint (m[0].container_id, ==, 0);
  g_assert_cmpuint (m[0].host_id, ==, 300000);
  g_assert_cmpuint (m[0].size, ==, 1000);
  m = sv_container_gid_mappings (c, &n);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpuint (m[0].host_id, ==, 300000);
  sv_plugin_host_release (h, c);
  sv_plugin_host_release (h, c); /* idempotent */
  g_assert_null (h->host.section);
}

/* A plugin's error comes back prefixed with its name; probe runs before prepare. */
static void
test_good_plugin_reports_errors (Fixture *f, gconstpointer data)
{
  g_autoptr (SvPluginsConf) conf = NULL;
  g_autoptr (SvPluginHost) h = NULL;
  g_autoptr (SvContainer) c = NULL;
  g_autoptr (GError) error = NULL;

  if (!need_root ())
    return;
  g_free (install_plugin (f, "idmap-fixed", NULL));
  conf = load_conf (f, "[sysvisor]\nidmap = idmap-fixed\nshift = none\nprocfs = none\n");
  h = sv_plugin_host_new (conf, f->dir);
  g_assert_true (sv_plugin_host_select (h, FALSE, &error));
  c = sv_container_new_from_state (&h->host, "c1", f->dir, f->dir, NULL, NULL, NULL);
  g_assert_false (sv_plugin_host_prepare (h, c, &error));
  g_assert_cmpstr (error->message, ==,
                   "plugin idmap-fixed cannot run on this host: plugins.conf [idmap-fixed] has "
                   "no host-id; add \"host-id = <first host id>\" (e.g. 300000)");
}

/* A probe that fails without an error still gives the user a line. */
static void
test_silent_probe (Fixture *f, gconstpointer data)
{
  g_autoptr (SvPluginsConf) conf = NULL;
  g_autoptr (SvPluginHost) h = NULL;
  g_autoptr (SvContainer) c = NULL;
  g_autoptr (GError) error = NULL;

  if (!need_root ())
    return;
  g_free (install_plugin (f, "silent-probe", NULL));
  conf = load_conf (f, "[sysvisor]\nidmap = silent-probe\nshift = none\nprocfs = none\n");
  h = sv_plugin_host_new (conf, f->dir);
  g_assert_true (sv_plugin_host_select (h, FALSE, &error));
  g_assert_false (sv_plugin_host_probe (h, SV_ROLE_IDMAP, &error));
  g_assert_cmpstr (error->message, ==,
                   "plugin silent-probe cannot run on this host: failed without a reason");
  g_clear_error (&error);
  c = sv_container_new_from_state (&h->host, "c1", f->dir, f->dir, NULL, NULL, NULL);
  g_assert_false (sv_plugin_host_prepare (h, c, &error));
  g_assert_nonnull (error);
}

/* ---- the ABI ---- */

static void
test_abi_major_newer (Fixture *f, gconstpointer data)
{
  g_autofree char *path = NULL;
  g_autofree char *built = NULL;

  if (!need_root ())
    return;
  path = install_plugin (f, "abi-major-next", NULL);
  built = g_strdup_printf ("was built for plugin ABI %u.%u but sysvisor-runc provides ABI %u.%u",
                           SV_PLUGIN_ABI_MAJOR + 1, SV_PLUGIN_ABI_MINOR, SV_PLUGIN_ABI_MAJOR,
                           SV_PLUGIN_ABI_MINOR);
  expect_load_error (f, "abi-major-next", path, built, "rebuild the plugin", NULL);
}

static void
test_abi_minor_newer (Fixture *f, gconstpointer data)
{
  g_autofree char *path = NULL;
  g_autofree char *built = NULL;

  if (!need_root ())
    return;
  path = install_plugin (f, "abi-minor-next", NULL);
  built = g_strdup_printf ("was built for plugin ABI %u.%u but sysvisor-runc provides ABI %u.%u",
                           SV_PLUGIN_ABI_MAJOR, SV_PLUGIN_ABI_MINOR + 1, SV_PLUGIN_ABI_MAJOR,
                           SV_PLUGIN_ABI_MINOR);
  expect_load_error (f, "abi-minor-next", path, built, "rebuild the plugin", NULL);
}

static void
test_short_descriptor (Fixture *f, gconstpointer data)
{
  if (!need_root ())
    return;
  g_free (install_plugin (f, "short-struct", NULL));
  expect_load_error (f, "short-struct", "malformed descriptor (size 8", "SV_PLUGIN_DEFINE", NULL);
}

static void
test_null_descriptor (Fixture *f, gconstpointer data)
{
  if (!need_root ())
    return;
  g_free (install_plugin (f, "null-entry", NULL));
  expect_load_error (f, "null-entry", "sv_plugin_entry() returned NULL", NULL);
}

static void
test_misnamed (Fixture *f, gconstpointer data)
{
  if (!need_root ())
    return;
  g_free (install_plugin (f, "misnamed", NULL));
  expect_load_error (f, "misnamed", "calls itself \"someone-else\"", "(someone-else.so)", NULL);
}

static void
test_reserved_slot_set (Fixture *f, gconstpointer data)
{
  g_autofree char *path = NULL;

  if (!need_root ())
    return;
  path = install_plugin (f, "reserved-set", NULL);
  expect_load_error (f, "reserved-set", path, "reserved descriptor slot 2 of plugin ABI",
                     "is not zero", "build the plugin with SV_PLUGIN_DEFINE", NULL);
}

/* Bound eagerly: an accessor the core does not export fails the load, not a later hook. */
static void
test_missing_symbol (Fixture *f, gconstpointer data)
{
  g_autofree char *path = NULL;

  if (!need_root ())
    return;
  path = install_plugin (f, "missing-symbol", NULL);
  expect_load_error (f, "missing-symbol", path, "cannot load", "sv_container_from_the_future",
                     "rebuild the plugin against this version's sysvisor-plugin.pc", NULL);
}

/* The ABI 1.3 fields of a plugin built with SV_PLUGIN_DEFINE: none (it predates them). */
static void
test_define_has_no_check (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SvLoadedPlugin) p = NULL;

  if (!need_root ())
    return;
  g_free (install_plugin (f, "idmap-fixed", NULL));
  p = sv_plugin_load (f->dir, "idmap-fixed", &error);
  g_assert_no_error (error);
  g_assert_null (p->check);
  g_assert_null (p->version);
  g_assert_cmpuint (p->desc->abi_minor, ==, SV_PLUGIN_ABI_MINOR);
}

/* ---- not a plugin ---- */

static void
test_missing_entry_symbol (Fixture *f, gconstpointer data)
{
  g_autofree char *path = NULL;

  if (!need_root ())
    return;
  path = install_plugin (f, "no-entry", NULL);
  expect_load_error (f, "no-entry", path, "does not export sv_plugin_entry()",
                     "define it with SV_PLUGIN_DEFINE", NULL);
}

static void
test_not_an_elf (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "x.so", NULL);

  if (!need_root ())
    return;
  g_assert_true (g_file_set_contents (path, "INPUT(-lfoo)\n", -1, NULL));
  g_assert_cmpint (g_chmod (path, 0644), ==, 0);
  expect_load_error (f, "x", "plugin \"x\": ", path, "is not an ELF shared object", NULL);
}

static void
test_not_installed (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "nope.so", NULL);
  g_autofree char *dirs = g_strdup_printf ("%s:/nonexistent", f->dir);
  g_autoptr (GError) error = NULL;
  g_autoptr (SvLoadedPlugin) p = NULL;

  expect_load_error (f, "nope", "plugin \"nope\" is not installed", path, "is missing", NULL);
  /* with a search path, every directory is named */
  p = sv_plugin_load (dirs, "nope", &error);
  g_assert_null (p);
  g_assert_nonnull (strstr (error->message, dirs));
}

/* ---- the file's trust ---- */

static void
test_group_writable (Fixture *f, gconstpointer data)
{
  g_autofree char *path = install_plugin (f, "idmap-fixed", NULL);

  g_assert_cmpint (g_chmod (path, 0664), ==, 0);
  expect_load_error (f, "idmap-fixed", path, "refusing to load",
                     "owned by root and not writable by group or others",
                     "chown root:root and chmod 0644", NULL);
  g_assert_cmpint (g_chmod (path, 0646), ==, 0);
  expect_load_error (f, "idmap-fixed", path, "refusing to load", NULL);
}

static void
test_not_owned_by_root (Fixture *f, gconstpointer data)
{
  g_autofree char *path = install_plugin (f, "idmap-fixed", NULL);

  if (geteuid () == 0)
    g_assert_cmpint (chown (path, 65534, 65534), ==, 0);
  expect_load_error (f, "idmap-fixed", path, "refusing to load", "owned by root", NULL);
}

static void
test_not_a_regular_file (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "dir.so", NULL);

  g_assert_cmpint (g_mkdir (path, 0755), ==, 0);
  expect_load_error (f, "dir", path, "must be a regular file", NULL);
}

/* A symlink is followed: the file it names must be trusted. */
static void
test_symlink_to_untrusted (Fixture *f, gconstpointer data)
{
  g_autofree char *target = install_plugin (f, "idmap-fixed", "real");
  g_autofree char *link = g_build_filename (f->dir, "idmap-fixed.so", NULL);

  g_assert_cmpint (symlink (target, link), ==, 0);
  g_assert_cmpint (g_chmod (target, 0666), ==, 0);
  expect_load_error (f, "idmap-fixed", "refusing to load", NULL);
}

/* ---- roles, through plugins.conf ---- */

static void
test_wrong_role (Fixture *f, gconstpointer data)
{
  g_autoptr (SvPluginsConf) conf = NULL;
  g_autoptr (SvPluginHost) h = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *start = NULL;

  if (!need_root ())
    return;
  path = install_plugin (f, "wrong-role", NULL);
  conf = load_conf (f, "[sysvisor]\nshift = none\nidmap = wrong-role\nprocfs = none\n");
  h = sv_plugin_host_new (conf, f->dir);
  g_assert_false (sv_plugin_host_select (h, FALSE, &error));
  start = g_strdup_printf ("%s:3: idmap = wrong-role: plugin \"wrong-role\" (%s) fills the "
                           "procfs role, not idmap; use it as procfs = wrong-role",
                           f->conf_path, path);
  if (!g_str_has_prefix (error->message, start))
    g_error ("error \"%s\" does not start with \"%s\"", error->message, start);
  g_assert_null (h->role[SV_ROLE_IDMAP]);
}

/* A load error is prefixed with the line of plugins.conf that chose the plugin. */
static void
test_load_error_names_conf_line (Fixture *f, gconstpointer data)
{
  g_autoptr (SvPluginsConf) conf = NULL;
  g_autoptr (SvPluginHost) h = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *start = NULL;

  conf = load_conf (f, "[sysvisor]\nidmap = none\nshift = none\n\nprocfs = missing-one\n");
  h = sv_plugin_host_new (conf, f->dir);
  g_assert_false (sv_plugin_host_select (h, FALSE, &error));
  start = g_strdup_printf ("%s:5: procfs = missing-one: plugin \"missing-one\" is not installed",
                           f->conf_path);
  if (!g_str_has_prefix (error->message, start))
    g_error ("error \"%s\" does not start with \"%s\"", error->message, start);
}

static void
test_auto_resolves_by_spec (Fixture *f, gconstpointer data)
{
  g_autoptr (SvPluginsConf) conf = load_conf (f, "[sysvisor]\n");
  g_autoptr (SvPluginsConf) fixed = load_conf (f, "[sysvisor]\nidmap = exclusive\n");
  g_autoptr (SvPluginHost) h = sv_plugin_host_new (conf, f->dir);
  g_autoptr (SvPluginHost) hf = sv_plugin_host_new (fixed, f->dir);

  g_assert_cmpstr (sv_plugin_host_backend (h, SV_ROLE_IDMAP, FALSE), ==, "exclusive");
  g_assert_cmpstr (sv_plugin_host_backend (h, SV_ROLE_SHIFT, FALSE), ==, "idmapped-mounts");
  g_assert_cmpstr (sv_plugin_host_backend (h, SV_ROLE_IDMAP, TRUE), ==, "dockerremap");
  g_assert_cmpstr (sv_plugin_host_backend (h, SV_ROLE_SHIFT, TRUE), ==, "none");
  g_assert_cmpstr (sv_plugin_host_backend (h, SV_ROLE_PROCFS, TRUE), ==, "fuse-procfs");
  /* shift = auto follows the idmap backend actually chosen */
  g_assert_cmpstr (sv_plugin_host_backend (hf, SV_ROLE_IDMAP, TRUE), ==, "exclusive");
  g_assert_cmpstr (sv_plugin_host_backend (hf, SV_ROLE_SHIFT, TRUE), ==, "idmapped-mounts");
}

/* `auto` is data: plugins.conf's auto-ROLE keys let any plugin take part, and the other
 * roles follow the idmap plugin that honours spec mappings (auto-ROLE-mapped). */
static void
test_auto_is_data (Fixture *f, gconstpointer data)
{
  g_autoptr (SvPluginsConf) conf =
      load_conf (f, "[sysvisor]\nprocfs = none\nauto-idmap = idmap-fixed\nauto-shift = shiftfs\n"
                    "auto-idmap-mapped = idmap-fixed\nauto-shift-mapped = none\n");
  g_autoptr (SvPluginHost) h = sv_plugin_host_new (conf, f->dir);
  g_autoptr (GError) error = NULL;

  g_assert_cmpstr (sv_plugin_host_backend (h, SV_ROLE_IDMAP, FALSE), ==, "idmap-fixed");
  g_assert_cmpstr (sv_plugin_host_backend (h, SV_ROLE_IDMAP, TRUE), ==, "idmap-fixed");
  /* idmap-fixed is the plugin for specs with mappings: shift follows auto-shift-mapped */
  g_assert_cmpstr (sv_plugin_host_backend (h, SV_ROLE_SHIFT, FALSE), ==, "none");
  if (!need_root ())
    return;
  g_free (install_plugin (f, "idmap-fixed", NULL));
  g_assert_true (sv_plugin_host_select (h, FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (h->role[SV_ROLE_IDMAP]->desc->name, ==, "idmap-fixed");
  g_assert_null (h->role[SV_ROLE_SHIFT]);
}

static void
test_auto_keys_refused (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SvPluginsConf) conf = NULL;

  g_assert_true (g_file_set_contents (f->conf_path, "[sysvisor]\nauto-shift = auto\n", -1, NULL));
  conf = sv_plugins_conf_load (f->conf_path, &error);
  g_assert_null (conf);
  g_assert_nonnull (strstr (error->message, ":2: auto-shift = auto: name the plugin"));
  g_clear_error (&error);
  g_assert_true (
      g_file_set_contents (f->conf_path, "[sysvisor]\nauto-idmap = shiftfs\n", -1, NULL));
  conf = sv_plugins_conf_load (f->conf_path, &error);
  g_assert_null (conf);
  g_assert_nonnull (strstr (error->message, "\"shiftfs\" is a backend of the shift role"));
}

/* ---- the SDK's helpers (plugin-sdk.c) ---- */

/* Typed settings: values, defaults, and one wording for a bad value. */
static void
test_sdk_typed_settings (Fixture *f, gconstpointer data)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  SvHost host = { .keyfile = kf, .section = "demo" };
  g_autoptr (GError) error = NULL;
  guint64 n = 0;
  gboolean b = FALSE;
  const char *path = NULL;

  g_assert_true (g_key_file_load_from_data (
      kf, "[demo]\nsize = 16M\ncount = 7\non = Yes\ndir = /var/x\nbad = lots\nrel = x/y\n", -1,
      G_KEY_FILE_NONE, NULL));
  g_assert_true (sv_host_setting_size (&host, "size", 1, G_MAXUINT64, 1, &n, &error));
  g_assert_cmpuint (n, ==, 16u << 20);
  g_assert_true (sv_host_setting_uint (&host, "count", 1, 10, 3, &n, &error));
  g_assert_cmpuint (n, ==, 7);
  g_assert_true (sv_host_setting_uint (&host, "absent", 1, 10, 3, &n, &error));
  g_assert_cmpuint (n, ==, 3);
  g_assert_true (sv_host_setting_boolean (&host, "on", FALSE, &b, &error));
  g_assert_true (b);
  g_assert_true (sv_host_setting_path (&host, "dir", NULL, &path, &error));
  g_assert_cmpstr (path, ==, "/var/x");
  g_assert_no_error (error);

  g_assert_false (sv_host_setting_uint (&host, "bad", 1, 10, 3, &n, &error));
  g_assert_cmpstr (error->message, ==,
                   "plugins.conf [demo] bad = \"lots\": give a whole number from 1 to 10 (the "
                   "default is 3)");
  g_clear_error (&error);
  g_assert_false (sv_host_setting_uint (&host, "count", 1, 5, 3, &n, &error));
  g_clear_error (&error);
  g_assert_false (sv_host_setting_size (&host, "bad", 1, 100, 1, &n, &error));
  g_assert_nonnull (strstr (error->message, "plugins.conf [demo] bad = \"lots\": give a size"));
  g_clear_error (&error);
  g_assert_false (sv_host_setting_boolean (&host, "bad", TRUE, &b, &error));
  g_assert_cmpstr (error->message, ==,
                   "plugins.conf [demo] bad = \"lots\": give yes or no (the default is yes)");
  g_clear_error (&error);
  g_assert_false (sv_host_setting_path (&host, "rel", "/d", &path, &error));
  g_assert_cmpstr (
      error->message, ==,
      "plugins.conf [demo] rel = \"x/y\": give an absolute path (the default is /d)");
}

static char *
append_line (const char *contents, gsize len, gsize *new_len, gpointer user_data, GError **error)
{
  const char *line = user_data;
  char *out;

  if (line == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "refused");
      return NULL;
    }
  if (*line == '\0')
    return NULL; /* remove the file */
  out = g_strdup_printf ("%.*s%s\n", (int) len, contents != NULL ? contents : "", line);
  *new_len = strlen (out);
  return out;
}

/* Read-modify-write under the lock: made when missing, updated, left as it was when the update
 * fails, removed when it returns NULL. */
static void
test_sdk_state_file (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "sub", "state", NULL);
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;

  sv_state_file_update (path, append_line, (gpointer) "one", &error);
  g_assert_no_error (error);
  g_assert_true (sv_state_file_update (path, append_line, (gpointer) "two", &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "one\ntwo\n");
  g_assert_false (sv_state_file_update (path, append_line, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_clear_pointer (&text, g_free);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "one\ntwo\n");
  g_assert_true (sv_state_file_update (path, append_line, (gpointer) "", NULL));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

/* The first directory of the search path that holds the plugin wins. */
static void
test_search_path (Fixture *f, gconstpointer data)
{
  g_autofree char *sub = g_build_filename (f->dir, "second", NULL);
  g_autofree char *dirs = g_strdup_printf ("/nonexistent::%s", sub);
  g_autofree char *expected = g_build_filename (sub, "p.so", NULL);
  g_autofree char *found = NULL;

  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
  g_assert_true (g_file_set_contents (expected, "", -1, NULL));
  found = sv_plugin_find_file (dirs, "p");
  g_assert_cmpstr (found, ==, expected);
  g_free (found);
  found = sv_plugin_find_file (dirs, "absent");
  g_assert_cmpstr (found, ==, "/nonexistent/absent.so");
}

#define ADD(name, fn) g_test_add (name, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ADD ("/plugin-loader/good-plugin-loads", test_good_plugin_loads);
  ADD ("/plugin-loader/good-plugin-runs-hooks-with-its-settings", test_good_plugin_runs_hooks);
  ADD ("/plugin-loader/plugin-error-names-plugin", test_good_plugin_reports_errors);
  ADD ("/plugin-loader/probe-failing-silently-still-reports", test_silent_probe);
  ADD ("/plugin-loader/abi-major-newer-names-both-versions", test_abi_major_newer);
  ADD ("/plugin-loader/abi-minor-newer-names-both-versions", test_abi_minor_newer);
  ADD ("/plugin-loader/short-descriptor-refused", test_short_descriptor);
  ADD ("/plugin-loader/null-descriptor-refused", test_null_descriptor);
  ADD ("/plugin-loader/name-differs-from-file-refused", test_misnamed);
  ADD ("/plugin-loader/missing-entry-symbol-refused", test_missing_entry_symbol);
  ADD ("/plugin-loader/not-an-elf-refused", test_not_an_elf);
  ADD ("/plugin-loader/not-installed-names-path", test_not_installed);
  ADD ("/plugin-loader/group-or-other-writable-refused", test_group_writable);
  ADD ("/plugin-loader/not-owned-by-root-refused", test_not_owned_by_root);
  ADD ("/plugin-loader/not-a-regular-file-refused", test_not_a_regular_file);
  ADD ("/plugin-loader/symlink-to-untrusted-file-refused", test_symlink_to_untrusted);
  ADD ("/plugin-loader/wrong-role-names-conf-line-and-both-roles", test_wrong_role);
  ADD ("/plugin-loader/load-error-names-conf-line", test_load_error_names_conf_line);
  ADD ("/plugin-loader/auto-resolves-by-spec", test_auto_resolves_by_spec);
  ADD ("/plugin-loader/auto-is-plugins-conf-data", test_auto_is_data);
  ADD ("/plugin-sdk/typed-settings-one-wording", test_sdk_typed_settings);
  ADD ("/plugin-sdk/state-file-locked-atomic-update", test_sdk_state_file);
  ADD ("/plugin-loader/auto-keys-refuse-auto-and-wrong-role", test_auto_keys_refused);
  ADD ("/plugin-loader/reserved-slot-set-refused", test_reserved_slot_set);
  ADD ("/plugin-loader/missing-symbol-refused-at-load", test_missing_symbol);
  ADD ("/plugin-loader/abi-1.0-define-has-no-check-or-version", test_define_has_no_check);
  ADD ("/plugin-loader/search-path-first-directory-wins", test_search_path);
  return g_test_run ();
}
