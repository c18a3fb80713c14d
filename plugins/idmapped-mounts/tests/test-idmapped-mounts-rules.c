/* Unit tests: Docker's data root and the bind-mount rules (remap disabled).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "idmapped-mounts-rules.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

/* ---- daemon.json ---- */

static void
test_json_data_root (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *v = NULL;

  v = sv_idmapped_daemon_json_data_root ("{\"data-root\": \"/srv/docker\"}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (v, ==, "/srv/docker");
}

static void
test_json_nested_and_escapes (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *v = NULL;
  const char *json = "{\n"
                     "  \"runtimes\": {\"sysvisor-runc\": {\"path\": \"/usr/sbin/x\", "
                     "\"runtimeArgs\": [\"a\", {\"data-root\": \"/nested\"}, 1.5e3, true]}},\n"
                     "  \"debug\": false, \"n\": null, \"x\": -12,\n"
                     "  \"data-root\": \"\\/var\\/lib\\/d\\u00e9\\ud83d\\ude00 \\\"q\\\"\"\n"
                     "}\n";

  v = sv_idmapped_daemon_json_data_root (json, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (v, ==, "/var/lib/d\xc3\xa9\xf0\x9f\x98\x80 \"q\"");
}

static void
test_json_absent_and_non_string (void)
{
  g_autoptr (GError) error = NULL;
  char *v;

  v = sv_idmapped_daemon_json_data_root ("{}", &error);
  g_assert_no_error (error);
  g_assert_null (v);
  v = sv_idmapped_daemon_json_data_root ("{\"data-root\": 5, \"debug\": true}", &error);
  g_assert_no_error (error);
  g_assert_null (v);
}

static void
test_json_malformed (void)
{
  static const char *const bad[] = {
    "",
    "[]",
    "{",
    "{\"data-root\"}",
    "{\"data-root\": \"/x\"",
    "{\"a\": [1, 2}",
    "{\"data-root\": \"/x\"} trailing",
    "{\"a\": \"\\q\"}",
    "{\"a\": \"\\ud800\"}",
    "{\"a\": \"x",
    "{\"a\": \"\\",
    "{\"a\": \"\\u12\"}",
    "{\"a\" 1}",
    "{\"a\": 1,}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      char *v = sv_idmapped_daemon_json_data_root (bad[i], &error);
      g_assert_null (v);
      g_assert_nonnull (error);
    }
}

static void
test_json_deep_nesting_refused (void)
{
  g_autoptr (GString) s = g_string_new ("{\"a\": ");
  g_autoptr (GError) error = NULL;

  for (int i = 0; i < 100000; i++)
    g_string_append_c (s, '[');
  g_assert_null (sv_idmapped_daemon_json_data_root (s->str, &error));
  g_assert_nonnull (error);
}

static void
test_data_root_sources (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("shiftfs-rules-XXXXXX", &error);
  g_autofree char *json = g_build_filename (dir, "daemon.json", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.json", NULL);
  char *v;

  g_assert_no_error (error);
  /* the setting wins */
  v = sv_idmapped_docker_data_root ("/direct", json, &error);
  g_assert_cmpstr (v, ==, "/direct");
  g_free (v);
  /* no daemon.json: the default */
  v = sv_idmapped_docker_data_root (NULL, missing, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (v, ==, "/var/lib/docker");
  g_free (v);
  /* daemon.json without data-root: the default */
  g_assert_true (g_file_set_contents (json, "{\"debug\": true}", -1, NULL));
  v = sv_idmapped_docker_data_root (NULL, json, &error);
  g_assert_cmpstr (v, ==, "/var/lib/docker");
  g_free (v);
  /* daemon.json with it */
  g_assert_true (g_file_set_contents (json, "{\"data-root\": \"/data/docker\"}", -1, NULL));
  v = sv_idmapped_docker_data_root ("", json, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (v, ==, "/data/docker");
  g_free (v);
  /* a broken daemon.json is an error naming the file and the fix */
  g_assert_true (g_file_set_contents (json, "{\"data-root\": ", -1, NULL));
  v = sv_idmapped_docker_data_root (NULL, json, &error);
  g_assert_null (v);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, json));
  g_assert_nonnull (strstr (error->message, "docker-data-root"));
  g_unlink (json);
  g_rmdir (dir);
}

static void
test_path_is_under (void)
{
  g_assert_true (sv_idmapped_path_is_under ("/var/lib/docker", "/var/lib/docker"));
  g_assert_true (
      sv_idmapped_path_is_under ("/var/lib/docker/volumes/v/_data", "/var/lib/docker"));
  g_assert_true (sv_idmapped_path_is_under ("/var/lib/docker/x", "/var/lib/docker/"));
  g_assert_false (sv_idmapped_path_is_under ("/var/lib/docker2/x", "/var/lib/docker"));
  g_assert_false (sv_idmapped_path_is_under ("/var/lib", "/var/lib/docker"));
  g_assert_true (sv_idmapped_path_is_under ("/x", "/"));
  g_assert_false (sv_idmapped_path_is_under ("/x", NULL));
  g_assert_false (sv_idmapped_path_is_under ("/x", ""));
}

/* ---- the rules, over a fake file system ---- */

typedef struct
{
  const char *path;
  guint uid, gid, mode; /* mode with type bits */
} FakeFile;

static const FakeFile fake_fs[] = {
  { "/", 0, 0, S_IFDIR | 0755 },
  { "/root", 0, 0, S_IFDIR | 0700 },
  { "/root/data", 0, 0, S_IFDIR | 0755 },
  { "/root/file", 0, 0, S_IFREG | 0644 },
  { "/root/users", 1000, 1000, S_IFDIR | 0755 },
  { "/srv", 0, 0, S_IFDIR | 0755 },
  { "/srv/data", 0, 0, S_IFDIR | 0755 },
  { "/srv/mine", 1000, 0, S_IFDIR | 0755 },
  { "/srv/private", 0, 0, S_IFDIR | 0700 },
  { "/srv/private/x", 0, 0, S_IFREG | 0600 },
  { "/srv/group", 0, 5, S_IFDIR | 0700 },
  { "/srv/group/x", 0, 0, S_IFDIR | 0755 },
  { "/srv/userdir", 1000, 1000, S_IFDIR | 0700 },
  { "/srv/userdir/x", 0, 0, S_IFDIR | 0755 },
  { "/srv/sticky", 0, 0, S_IFDIR | 01700 },
  { "/srv/sticky/x", 0, 0, S_IFDIR | 0755 },
  { "/srv/file0700", 0, 0, S_IFREG | 0700 },
  { "/var", 0, 0, S_IFDIR | 0755 },
  { "/var/lib", 0, 0, S_IFDIR | 0755 },
  { "/var/lib/docker", 0, 0, S_IFDIR | 0710 },
  { "/var/lib/docker/volumes", 0, 0, S_IFDIR | 0755 },
  { "/var/lib/docker/volumes/v1/_data", 1000, 1000, S_IFDIR | 0755 },
  { "/var/lib/docker/containers/abc/hostname", 0, 0, S_IFREG | 0644 },
};

static int
fake_stat (const char *path, struct stat *st, gpointer user_data)
{
  guint *calls = user_data;

  if (calls != NULL)
    (*calls)++;
  for (guint i = 0; i < G_N_ELEMENTS (fake_fs); i++)
    if (strcmp (fake_fs[i].path, path) == 0)
      {
        memset (st, 0, sizeof *st);
        st->st_uid = fake_fs[i].uid;
        st->st_gid = fake_fs[i].gid;
        st->st_mode = fake_fs[i].mode;
        return 0;
      }
  errno = ENOENT;
  return -1;
}

static gboolean
check (const char *source, GError **error)
{
  return sv_idmapped_check_bind_source (3, source, "/b", "/var/lib/docker", fake_stat, NULL,
                                        error);
}

static void
assert_refused (const char *source, const char *const *words)
{
  g_autoptr (GError) error = NULL;

  g_assert_false (check (source, &error));
  g_assert_nonnull (error);
  g_assert_null (strchr (error->message, '\n'));
  /* what the user typed first, the OCI index last */
  if (!g_str_has_prefix (error->message, "bind mount -v ")
      || strstr (error->message, source) != error->message + strlen ("bind mount -v ")
      || !g_str_has_suffix (error->message, " (mounts[3])"))
    g_error ("not \"bind mount -v %s:/b refused: ... (mounts[3])\": %s", source, error->message);
  g_assert_nonnull (strstr (error->message, ":/b refused: "));
  for (guint i = 0; words[i] != NULL; i++)
    if (strstr (error->message, words[i]) == NULL)
      g_error ("\"%s\" missing from: %s", words[i], error->message);
}

static void
test_bind_allowed (void)
{
  static const char *const ok[] = { "/root/data",   "/root/file",     "/root",
                                    "/srv/private", "/srv/private/x", "/srv/group/x" };

  for (guint i = 0; i < G_N_ELEMENTS (ok); i++)
    {
      g_autoptr (GError) error = NULL;
      if (!check (ok[i], &error))
        g_error ("%s refused: %s", ok[i], error->message);
    }
}

static void
test_bind_not_root_owned (void)
{
  static const char *const words[] = { "owned by 1000:1000", "root:root", "chown root:root",
                                       NULL };
  static const char *const words_uid[] = { "owned by 1000:0", "chown", NULL };

  assert_refused ("/root/users", words);
  assert_refused ("/srv/mine", words_uid);
}

static void
test_bind_no_private_component (void)
{
  static const char *const words[] = { "0700", "owned by root", "fix", "/root", NULL };

  assert_refused ("/srv/data", words);
  /* a 0700 directory that root does not own does not count, nor a sticky 1700 one, nor a
   * 0700 file */
  assert_refused ("/srv/userdir/x", words);
  assert_refused ("/srv/sticky/x", words);
  assert_refused ("/srv/file0700", words);
}

static void
test_bind_missing (void)
{
  static const char *const words[] = { "create it", NULL };

  assert_refused ("/srv/nope", words);
}

static void
test_bind_docker_exempt (void)
{
  g_autoptr (GError) error = NULL;
  guint calls = 0;

  g_assert_true (sv_idmapped_check_bind_source (0, "/var/lib/docker/volumes/v1/_data", "/v",
                                                "/var/lib/docker", fake_stat, &calls, &error));
  g_assert_true (sv_idmapped_check_bind_source (0, "/var/lib/docker/containers/abc/hostname",
                                                "/etc/hostname", "/var/lib/docker", fake_stat,
                                                &calls, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (calls, ==, 0);
  /* without a Docker root, the volume is just a directory owned by 1000 */
  g_assert_false (sv_idmapped_check_bind_source (0, "/var/lib/docker/volumes/v1/_data", "/v",
                                                 NULL, fake_stat, NULL, &error));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/shiftfs/daemon-json/data-root", test_json_data_root);
  g_test_add_func ("/shiftfs/daemon-json/nested-values-and-escapes",
                   test_json_nested_and_escapes);
  g_test_add_func ("/shiftfs/daemon-json/absent-or-not-a-string-is-no-value",
                   test_json_absent_and_non_string);
  g_test_add_func ("/shiftfs/daemon-json/malformed-is-an-error", test_json_malformed);
  g_test_add_func ("/shiftfs/daemon-json/deep-nesting-refused", test_json_deep_nesting_refused);
  g_test_add_func ("/shiftfs/data-root/setting-file-default", test_data_root_sources);
  g_test_add_func ("/shiftfs/rules/path-is-under", test_path_is_under);
  g_test_add_func ("/shiftfs/rules/root-owned-below-0700-dir-allowed", test_bind_allowed);
  g_test_add_func ("/shiftfs/rules/not-root-owned-names-owner-and-fix", test_bind_not_root_owned);
  g_test_add_func ("/shiftfs/rules/no-0700-root-component-names-rule-and-fix",
                   test_bind_no_private_component);
  g_test_add_func ("/shiftfs/rules/missing-source-refused", test_bind_missing);
  g_test_add_func ("/shiftfs/rules/docker-data-root-exempt", test_bind_docker_exempt);
  return g_test_run ();
}
