/* test-cgroups.c: the cgroups module.  Pure tests use a temporary "fake root" (see
 * SV_CGROUP_ROOT_ENV in cgroups-internal.h); "real" tests create cgroups on this host as
 * root and skip otherwise.  Every test runs in a fixture whose teardown kills the children it
 * forked and removes every cgroup and directory it made, pass or fail.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "cgroups-internal.h"
#include "cgroups-v2.h"
#include "json-util.h"
#include "spec.h"

#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <linux/bpf.h>
#include <linux/magic.h>

typedef struct
{
  char *tmp;            /* a temporary directory (fake roots; see tmp_dir), removed in teardown */
  char *parent;         /* "/sysvisor-unit-<pid>-<n>": real cgroups go below it */
  char *real_root;      /* root override used for real cgroup2 tests, or NULL */
  char *subtree_before; /* that root's cgroup.subtree_control before the test */
  int root_lock;        /* a flock of that root, held by the test process (-1: none) */
  GPtrArray *cgroups;   /* SvCgroup* to destroy */
  GArray *children;     /* pid_t to kill and reap */
} Fixture;

/* The test process and the subprocess running a real test's body (see run_real) agree on
 * the parent cgroup, so the test process can clean up after a subprocess that failed. */
static void
fixture_setup (Fixture *f, gconstpointer data)
{
  pid_t owner = g_test_subprocess () ? getppid () : getpid ();
  g_autofree char *name = g_path_get_basename (g_test_get_path ());

  f->parent = g_strdup_printf ("/sysvisor-unit-%d-%s", (int) owner, name);
  f->cgroups = g_ptr_array_new ();
  f->children = g_array_new (FALSE, FALSE, sizeof (pid_t));
  f->root_lock = -1;
  sv_cgroup_set_root (NULL);
}

static int
rm_entry (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  return remove (path) < 0 && errno != ENOENT ? -1 : 0;
}

/* Put the root's subtree_control back as it was (create enables controllers there). */
static void
restore_subtree_control (Fixture *f)
{
  g_autofree char *now = NULL;
  g_auto (GStrv) ctrls = NULL;
  g_auto (GStrv) before = NULL;

  if (f->real_root == NULL || f->subtree_before == NULL)
    return;
  now = sv_cgroup_read (f->real_root, "cgroup.subtree_control", NULL);
  ctrls = g_strsplit (now != NULL ? now : "", " ", -1);
  before = g_strsplit (f->subtree_before, " ", -1);
  for (guint i = 0; ctrls[i] != NULL; i++)
    {
      g_autofree char *minus = g_strconcat ("-", ctrls[i], NULL);

      if (*ctrls[i] != '\0' && !g_strv_contains ((const char *const *) before, ctrls[i]))
        sv_cgroup_write (f->real_root, "cgroup.subtree_control", minus, NULL);
    }
}

/* Thaw every cgroup below @dir (a v1 child frozen on its own stays frozen otherwise). */
static void
thaw_tree (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (sv_cgroup_has_file (dir, "freezer.state"))
    sv_cgroup_write (dir, "freezer.state", "THAWED", NULL);
  if (sv_cgroup_has_file (dir, "cgroup.freeze"))
    sv_cgroup_write (dir, "cgroup.freeze", "0", NULL);
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *sub = g_build_filename (dir, name, NULL);

      if (g_file_test (sub, G_FILE_TEST_IS_DIR))
        thaw_tree (sub);
    }
  if (d != NULL)
    g_dir_close (d);
}

/* Whatever a test (or its crashed subprocess) left below f->parent: thawed, killed, removed. */
static void
remove_parent_cgroup (Fixture *f)
{
  g_autoptr (SvCgroup) top = NULL;
  g_autoptr (GPtrArray) hs = NULL;

  if (geteuid () != 0)
    return;
  top = sv_cgroup_new ("cleanup", f->parent, FALSE, NULL);
  if (top == NULL)
    return;
  hs = sv_cgroup_hierarchies (top);
  for (guint i = 0; i < hs->len; i++)
    thaw_tree (((SvCgroupHierarchy *) hs->pdata[i])->host_path);
  sv_cgroup_kill_all (top, SIGKILL, NULL);
  sv_cgroup_destroy (top, NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  for (guint i = 0; i < f->cgroups->len; i++)
    {
      sv_cgroup_set_frozen (f->cgroups->pdata[i], FALSE, NULL);
      sv_cgroup_kill_all (f->cgroups->pdata[i], SIGKILL, NULL);
    }
  for (guint i = 0; i < f->children->len; i++)
    {
      kill (g_array_index (f->children, pid_t, i), SIGKILL);
      waitpid (g_array_index (f->children, pid_t, i), NULL, 0);
    }
  for (guint i = 0; i < f->cgroups->len; i++)
    {
      sv_cgroup_destroy (f->cgroups->pdata[i], NULL);
      sv_cgroup_free (f->cgroups->pdata[i]);
    }
  remove_parent_cgroup (f);
  while (waitpid (-1, NULL, WNOHANG) > 0) /* orphans of a failed subprocess (we reap them) */
    ;
  restore_subtree_control (f);
  if (f->root_lock >= 0)
    close (f->root_lock);
  sv_cgroup_set_root (NULL);
  if (f->tmp != NULL)
    nftw (f->tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  g_free (f->tmp);
  g_free (f->parent);
  g_free (f->real_root);
  g_free (f->subtree_before);
  g_ptr_array_unref (f->cgroups);
  g_array_unref (f->children);
}

/* ---- helpers ---- */

/* The temporary directory, made on first use (real tests need none, so a real test that
 * aborts in its subprocess leaves nothing behind). */
static const char *
tmp_dir (Fixture *f)
{
  if (f->tmp == NULL)
    f->tmp = g_dir_make_tmp ("sv-cgroups-XXXXXX", NULL);
  g_assert_nonnull (f->tmp);
  return f->tmp;
}

static SvCgroup *
track (Fixture *f, SvCgroup *cg)
{
  g_assert_nonnull (cg);
  g_ptr_array_add (f->cgroups, cg);
  return cg;
}

static char *
mkpath (const char *base, const char *rel)
{
  char *p = g_build_filename (base, rel, NULL);

  g_assert_cmpint (g_mkdir_with_parents (p, 0755), ==, 0);
  return p;
}

static void
touch (const char *dir, const char *file, const char *contents)
{
  g_autofree char *p = g_build_filename (dir, file, NULL);

  g_assert_true (g_file_set_contents (p, contents, -1, NULL));
}

static char *
read_back (const char *dir, const char *file)
{
  g_autoptr (GError) error = NULL;
  char *s = sv_cgroup_read (dir, file, &error);

  g_assert_no_error (error);
  return s;
}

static JsonObject *
parse_object (const char *json)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* A fake v2 root: the directory holds cgroup.controllers. */
static void
use_fake_v2_root (Fixture *f)
{
  touch (tmp_dir (f), "cgroup.controllers", "cpu memory pids io\n");
  sv_cgroup_set_root (tmp_dir (f));
}

/* A fake v1 root: one subdirectory per hierarchy. */
static void
use_fake_v1_root (Fixture *f)
{
  const char *names[] = { "cpu,cpuacct", "memory", "systemd", "unified" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_free (mkpath (tmp_dir (f), names[i]));
  sv_cgroup_set_root (tmp_dir (f));
}

static gboolean
skip_unless_real (SvCgroupMode mode)
{
  if (geteuid () != 0)
    {
      g_test_skip ("needs root");
      return TRUE;
    }
  if (sv_cgroup_detect_mode () != mode)
    {
      g_test_skip (mode == SV_CGROUP_V1 ? "host is not cgroup v1/hybrid"
                                        : "host is not cgroup v2");
      return TRUE;
    }
  return FALSE;
}

/* A forked child lets go of stdout/stderr: g_test_trap_subprocess() reads them to EOF. */
static void
detach_output (void)
{
  int fd = open ("/dev/null", O_RDWR | O_CLOEXEC);

  if (fd >= 0)
    {
      dup2 (fd, STDOUT_FILENO);
      dup2 (fd, STDERR_FILENO);
    }
}

/* A child that sleeps until killed.  It has let go of our stdout/stderr before this
 * returns, so freezing it cannot keep them open. */
static pid_t
spawn_sleeper (Fixture *f)
{
  int ready[2];
  pid_t pid;
  char c = 0;

  g_assert_cmpint (pipe2 (ready, O_CLOEXEC), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      detach_output ();
      if (write (ready[1], &c, 1) != 1)
        _exit (1);
      for (;;)
        pause ();
    }
  g_array_append_val (f->children, pid);
  close (ready[1]);
  g_assert_cmpint (read (ready[0], &c, 1), ==, 1);
  close (ready[0]);
  return pid;
}

static SvCgroup *
new_real (Fixture *f, const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_strdup_printf ("%s/%s", f->parent, name);
  SvCgroup *cg = sv_cgroup_new (name, path, FALSE, &error);

  g_assert_no_error (error);
  return track (f, cg);
}

static gboolean
proc_cgroup_mentions (pid_t pid, const char *needle)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/cgroup", (int) pid);
  g_autofree char *text = NULL;

  return g_file_get_contents (path, &text, NULL, NULL) && strstr (text, needle) != NULL;
}

/* ---- paths ---- */

static void
test_systemd_path_expands_slices (Fixture *f, gconstpointer data)
{
  static const struct
  {
    const char *in, *out;
  } cases[] = {
    { "system.slice:docker:abc", "/system.slice/docker-abc.scope" },
    { "a-b-c.slice:p:n", "/a.slice/a-b.slice/a-b-c.slice/p-n.scope" },
    { ":p:n", "/system.slice/p-n.scope" },
    { "-.slice:p:n", "/p-n.scope" },
    { "machine.slice::n", "/machine.slice/n.scope" },
    { "user.slice:x:user-1000.slice", "/user.slice/user-1000.slice" },
  };

  use_fake_v2_root (f);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (SvCgroup) cg = sv_cgroup_new ("abc", cases[i].in, TRUE, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (sv_cgroup_path (cg), ==, cases[i].out);
    }
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (SvCgroup) cg = sv_cgroup_new ("abc", NULL, TRUE, &error);
    g_autofree char *expanded = sv_cgroup_systemd_expand_slice ("x-y.slice", &error);

    g_assert_no_error (error);
    g_assert_cmpstr (sv_cgroup_path (cg), ==, "/system.slice/sysvisor-abc.scope");
    g_assert_cmpstr (expanded, ==, "/x.slice/x-y.slice");
  }
}

static void
test_systemd_path_malformed_names_field (Fixture *f, gconstpointer data)
{
  const char *bad[] = { "system.slice:docker", "a:b:c:d",      "notaslice:p:n",
                        "a--b.slice:p:n",      "-a.slice:p:n", "system.slice:p:",
                        "system.slice:p:a/b" };

  use_fake_v2_root (f);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (SvCgroup) cg = sv_cgroup_new ("abc", bad[i], TRUE, &error);

      g_assert_null (cg);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, "linux.cgroupsPath"));
      if (i < 2)
        g_assert_nonnull (strstr (error->message, "slice:prefix:name"));
    }
}

static void
test_plain_paths (Fixture *f, gconstpointer data)
{
  static const struct
  {
    const char *in, *out;
  } cases[] = {
    { NULL, "/sysvisor/c1" },
    { "", "/sysvisor/c1" },
    { "docker/c1", "/docker/c1" },
    { "/a//b/./c/", "/a/b/c" },
    { "system.slice:docker:c1", "/system.slice:docker:c1" }, /* not special without systemd */
  };
  const char *bad[] = { "/a/../b", "/", "." };

  use_fake_v2_root (f);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (SvCgroup) cg = sv_cgroup_new ("c1", cases[i].in, FALSE, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (sv_cgroup_path (cg), ==, cases[i].out);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;

      g_assert_null (sv_cgroup_new ("c1", bad[i], FALSE, &error));
      g_assert_nonnull (strstr (error->message, "linux.cgroupsPath"));
    }
  {
    g_autoptr (GError) error = NULL;

    g_assert_null (sv_cgroup_new ("a/b", NULL, FALSE, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  }
}

/* ---- mounts and mode ---- */

static void
test_mountinfo_parsing (Fixture *f, gconstpointer data)
{
  const char *text =
      "30 22 0:27 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755\n"
      "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,nosuid,cpu,cpuacct\n"
      "33 30 0:30 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
      "39 30 0:36 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
      "40 30 0:37 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw,nsdelegate\n"
      "41 30 0:30 / /mnt/mem\\040copy rw - cgroup cgroup rw,memory\n";
  g_autoptr (GPtrArray) v1 = sv_cgroup_mounts_from_mountinfo (text, FALSE);
  g_autoptr (GPtrArray) v2 = sv_cgroup_mounts_from_mountinfo (
      "25 1 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n"
      "26 1 0:26 / /elsewhere rw - cgroup2 cgroup2 rw\n",
      TRUE);
  SvCgroupMount *m;

  g_assert_cmpuint (v1->len, ==, 4);
  m = v1->pdata[0];
  g_assert_cmpstr (m->name, ==, "cpu,cpuacct");
  g_assert_cmpstr (m->options, ==, "cpu,cpuacct");
  g_assert_true (sv_cgroup_mount_has (m, "cpuacct"));
  m = v1->pdata[1];
  g_assert_cmpstr (m->mountpoint, ==, "/sys/fs/cgroup/memory");
  m = v1->pdata[2];
  g_assert_cmpstr (m->name, ==, "systemd");
  g_assert_cmpstr (m->options, ==, "none,name=systemd");
  m = v1->pdata[3];
  g_assert_cmpstr (m->name, ==, "unified");
  g_assert_cmpstr (m->fstype, ==, "cgroup2");
  g_assert_cmpuint (v2->len, ==, 1);
  g_assert_cmpstr (((SvCgroupMount *) v2->pdata[0])->name, ==, "");
  g_assert_cmpstr (((SvCgroupMount *) v2->pdata[0])->mountpoint, ==, "/sys/fs/cgroup");
}

/* A busy host's mountinfo: cgroup lines among hundreds of others (only they are split), the
 * last one without its newline; names that merely contain "cgroup" are not cgroup mounts. */
static void
test_mountinfo_among_other_mounts (Fixture *f, gconstpointer data)
{
  g_autoptr (GString) text = g_string_new (NULL);
  g_autoptr (GPtrArray) none = sv_cgroup_mounts_from_mountinfo ("", FALSE);
  g_autoptr (GPtrArray) mounts = NULL;
  g_autofree char *exact = NULL;
  SvCgroupMount *m;

  for (int i = 0; i < 300; i++)
    g_string_append_printf (text,
                            "%d 47 0:%d / /var/lib/docker/overlay2/%d/merged rw,relatime - "
                            "overlay overlay rw,lowerdir=/l%d\n",
                            100 + i, 100 + i, i, i);
  g_string_append (text, "60 30 0:50 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n");
  g_string_append (text, "61 47 0:51 / /srv/cgroup\\040v1 rw - tmpfs cgroup rw\n");
  g_string_append (text, "62 47 0:52 / /mnt/x rw - cgroupfs none rw,memory\n");
  g_string_append (text, "63 30 0:53 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw");
  /* (an exact-size copy: a read past its NUL is a heap overflow under ASan) */
  exact = g_strdup (text->str);
  mounts = sv_cgroup_mounts_from_mountinfo (exact, FALSE);
  g_assert_cmpuint (none->len, ==, 0);
  g_assert_cmpuint (mounts->len, ==, 2);
  m = mounts->pdata[0];
  g_assert_cmpstr (m->name, ==, "pids");
  g_assert_cmpstr (m->mountpoint, ==, "/sys/fs/cgroup/pids");
  m = mounts->pdata[1];
  g_assert_cmpstr (m->name, ==, "unified");
  g_assert_cmpstr (m->mountpoint, ==, "/sys/fs/cgroup/unified");
}

static void
test_hierarchies_list (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SvCgroup) cg = NULL;
  g_autoptr (GPtrArray) hs = NULL;
  g_autofree char *mem = NULL;
  SvCgroupHierarchy *h;

  use_fake_v1_root (f);
  g_assert_cmpint (sv_cgroup_detect_mode (), ==, SV_CGROUP_V1);
  cg = sv_cgroup_new ("c1", NULL, FALSE, &error);
  g_assert_no_error (error);
  hs = sv_cgroup_hierarchies (cg);
  g_assert_cmpuint (hs->len, ==, 4);
  h = hs->pdata[0];
  g_assert_cmpstr (h->name, ==, "cpu,cpuacct");
  g_assert_cmpstr (h->fstype, ==, "cgroup");
  h = hs->pdata[1];
  mem = g_build_filename (tmp_dir (f), "memory", "sysvisor", "c1", NULL);
  g_assert_cmpstr (h->host_path, ==, mem);
  h = hs->pdata[2];
  g_assert_cmpstr (h->options, ==, "none,name=systemd");
  h = hs->pdata[3];
  g_assert_cmpstr (h->name, ==, "unified");
  g_assert_cmpstr (h->fstype, ==, "cgroup2");
  g_assert_cmpstr (h->options, ==, "");
}

/* ---- state ---- */

static void
test_json_roundtrip (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SvCgroup) cg = NULL;
  g_autoptr (SvCgroup) back = NULL;
  g_autoptr (JsonNode) n1 = NULL;
  g_autoptr (JsonNode) n2 = NULL;
  g_autoptr (JsonNode) reparsed = NULL;
  g_autofree char *s1 = NULL;
  g_autofree char *s2 = NULL;

  use_fake_v1_root (f);
  cg = sv_cgroup_new ("abc", "machine.slice:sv:abc", TRUE, &error);
  g_assert_no_error (error);
  n1 = sv_cgroup_to_json (cg);
  s1 = json_to_string (n1, FALSE);
  reparsed = json_from_string (s1, &error);
  g_assert_no_error (error);
  sv_cgroup_set_root ("/nonexistent"); /* from_json must not look at the host again */
  back = sv_cgroup_from_json (reparsed, &error);
  g_assert_no_error (error);
  n2 = sv_cgroup_to_json (back);
  s2 = json_to_string (n2, FALSE);
  g_assert_cmpstr (s1, ==, s2);
  g_assert_cmpstr (sv_cgroup_path (back), ==, "/machine.slice/sv-abc.scope");
  g_assert_nonnull (sv_cgroup_find_mount (back, "cpuacct"));
}

static void
test_json_bad_state_names_field (Fixture *f, gconstpointer data)
{
  const char *bad[][2] = {
    { "{\"id\":\"a\",\"version\":1,\"mode\":\"v3\",\"path\":\"/a\",\"systemd\":false,"
      "\"hierarchies\":[]}",
      "cgroup.mode" },
    { "{\"id\":\"a\",\"version\":1,\"mode\":\"v2\",\"path\":\"/a\",\"systemd\":false,"
      "\"hierarchies\":[{\"name\":\"\",\"fstype\":\"cgroup2\",\"options\":\"\",\"mountpoint\":"
      "\"/sys/fs/cgroup\"}]}",
      "cgroup.hierarchies[0].path" },
    { "[]", "cgroup" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonNode) node = json_from_string (bad[i][0], &error);
      g_autoptr (SvCgroup) cg = NULL;

      g_assert_no_error (error);
      cg = sv_cgroup_from_json (node, &error);
      g_assert_null (cg);
      g_assert_true (g_str_has_prefix (error->message, bad[i][1]));
    }
}

/* linux.resources parsed once, then applied: what create and update do. */
static gboolean
apply_parsed (SvCgroup *cg, JsonObject *o, GError **error)
{
  g_autoptr (SvCgroupResources) res = sv_cgroup_resources_parse (o, "linux.resources", error);

  return res != NULL && sv_cgroup_apply (cg, res, error);
}

/* ---- resources: parsing ---- */

static void
expect_resources_error_in (const char *json, const char *json_path, GQuark domain, int code,
                           const char *prefix)
{
  g_autoptr (JsonObject) o = parse_object (json);
  g_autoptr (GError) error = NULL;
  g_autoptr (SvCgroupResources) res = sv_cgroup_resources_parse (o, json_path, &error);

  g_assert_null (res);
  g_assert_error (error, domain, code);
  if (!g_str_has_prefix (error->message, prefix))
    g_error ("%s: expected an error starting with \"%s\", got \"%s\"", json, prefix,
             error->message);
}

/* Checks cgroups.c makes itself; the type of a section or string member is checked by
 * json-util (SV_SPEC_ERROR). */
static void
expect_resources_error (const char *json, const char *json_path, const char *prefix)
{
  expect_resources_error_in (json, json_path, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, prefix);
}

/* More bad values: each refused with one error naming the field and what it expects. */
static void
test_resources_bad_values_name_field (Fixture *f, gconstpointer data)
{
  expect_resources_error ("{\"pids\":{\"limit\":\"many\"}}", "linux.resources",
                          "linux.resources.pids.limit: expected an integer");
  expect_resources_error ("{\"cpu\":{\"quota\":true}}", "linux.resources",
                          "linux.resources.cpu.quota: expected an integer");
  expect_resources_error_in ("{\"memory\":{\"disableOOMKiller\":1}}", "linux.resources",
                             SV_SPEC_ERROR, SV_SPEC_ERROR_INVALID,
                             "linux.resources.memory.disableOOMKiller: expected true or false");
  expect_resources_error ("{\"hugepageLimits\":[{\"pageSize\":\"../2MB\",\"limit\":1}]}",
                          "linux.resources", "linux.resources.hugepageLimits[0].pageSize");
  expect_resources_error ("{\"hugepageLimits\":[{\"pageSize\":\"2MB\"}]}", "linux.resources",
                          "linux.resources.hugepageLimits[0].limit: required");
  expect_resources_error ("{\"network\":{\"classID\":-1}}", "linux.resources",
                          "linux.resources.network.classID: -1 is out of range");
  /* `update` names its own input. */
  expect_resources_error ("{\"memory\":{\"reservation\":1.5}}", "resources",
                          "resources.memory.reservation: expected an integer");
}

/* config.json's linux.resources is parsed (once) when the spec is loaded: a bad value is
 * refused there, naming the field; a good one is there in typed form. */
static void
test_resources_parsed_with_spec (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (SvSpec) bad = NULL;
  g_autoptr (SvSpec) good = NULL;
  const char *fmt = "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
                    "\"linux\":{\"resources\":%s}}";
  g_autofree char *bad_json = g_strdup_printf (fmt, "{\"memory\":{\"limit\":\"lots\"}}");
  g_autofree char *good_json = g_strdup_printf (fmt, "{\"memory\":{\"limit\":1048576}}");
  g_autofree char *bundle = g_dir_make_tmp ("sv-test-resources-XXXXXX", NULL);
  g_autofree char *rootfs = g_build_filename (bundle, "rootfs", NULL);

  g_assert_cmpint (mkdir (rootfs, 0755), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, bad_json, -1, NULL));
  bad = sv_spec_from_json (json_parser_get_root (parser), bundle, &error);
  g_assert_null (bad);
  if (strstr (error->message, "linux.resources.memory.limit: expected an integer") == NULL)
    g_error ("got \"%s\"", error->message);
  g_clear_error (&error);
  g_assert_true (json_parser_load_from_data (parser, good_json, -1, NULL));
  good = sv_spec_from_json (json_parser_get_root (parser), bundle, &error);
  rmdir (rootfs);
  rmdir (bundle);
  g_assert_no_error (error);
  g_assert_true (good->resources->mem_limit.set);
  g_assert_cmpint (good->resources->mem_limit.value, ==, 1048576);
  g_assert_null (good->resources->devices);
}

/* The device rules create adds go into the typed list in order; an absent list is made. */
static void
test_resources_add_device (Fixture *f, gconstpointer data)
{
  g_autoptr (SvCgroupResources) res = sv_cgroup_resources_new (NULL);
  SvCgroupDevice *d;

  g_assert_cmpstr (res->json_path, ==, "linux.resources");
  sv_cgroup_resources_add_device (res, FALSE, 'a', -1, -1, SV_CGROUP_ACC_ALL);
  sv_cgroup_resources_add_device (res, TRUE, 'c', 1, 3, SV_CGROUP_ACC_READ);
  g_assert_cmpuint (res->devices->len, ==, 2);
  d = &g_array_index (res->devices, SvCgroupDevice, 1);
  g_assert_true (d->allow);
  g_assert_cmpint (d->type, ==, 'c');
  g_assert_cmpint (d->major, ==, 1);
  g_assert_cmpint (d->minor, ==, 3);
  g_assert_cmpuint (d->access, ==, SV_CGROUP_ACC_READ);
}

static void
test_resources_bad_type_names_field (Fixture *f, gconstpointer data)
{
  expect_resources_error ("{\"memory\":{\"limit\":\"1G\"}}", "linux.resources",
                          "linux.resources.memory.limit: expected an integer");
  expect_resources_error_in ("{\"memory\":3}", "linux.resources", SV_SPEC_ERROR,
                             SV_SPEC_ERROR_INVALID, "linux.resources.memory: expected an object");
  expect_resources_error ("{\"cpu\":{\"shares\":1.5}}", "resources file",
                          "resources file.cpu.shares: expected an integer");
  expect_resources_error_in ("{\"cpu\":{\"cpus\":3}}", "linux.resources", SV_SPEC_ERROR,
                             SV_SPEC_ERROR_INVALID,
                             "linux.resources.cpu.cpus: expected a string");
  expect_resources_error ("{\"memory\":{\"swappiness\":101}}", "linux.resources",
                          "linux.resources.memory.swappiness: 101 is out of range");
  expect_resources_error ("{\"blockIO\":{\"weight\":5}}", "linux.resources",
                          "linux.resources.blockIO.weight: 5 is out of range (10..1000)");
  expect_resources_error ("{\"devices\":[{\"allow\":true},{\"allow\":false,\"access\":\"rx\"}]}",
                          "linux.resources", "linux.resources.devices[1].access");
  expect_resources_error ("{\"devices\":[{\"type\":\"c\"}]}", "linux.resources",
                          "linux.resources.devices[0].allow: required");
  expect_resources_error ("{\"devices\":[{\"allow\":true,\"type\":\"x\"}]}", "linux.resources",
                          "linux.resources.devices[0].type");
  expect_resources_error ("{\"blockIO\":{\"throttleReadBpsDevice\":[{\"major\":8}]}}",
                          "linux.resources", "linux.resources.blockIO.throttleReadBpsDevice[0]");
  expect_resources_error ("{\"unified\":{\"../memory.max\":\"1\"}}", "linux.resources",
                          "linux.resources.unified[\"../memory.max\"]");
  expect_resources_error ("{\"unified\":{\"memory.max\":1}}", "linux.resources",
                          "linux.resources.unified[\"memory.max\"]: expected a string");
  expect_resources_error ("{\"hugepageLimits\":[{\"pageSize\":\"2/MB\",\"limit\":1}]}",
                          "linux.resources", "linux.resources.hugepageLimits[0].pageSize");
  expect_resources_error ("{\"pids\":{\"limit\":true}}", "linux.resources",
                          "linux.resources.pids.limit: expected an integer");
}

static void
test_resources_partial_object (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonObject) o =
      parse_object ("{\"pids\":{\"limit\":-5},\"cpu\":{\"shares\":0,\"cpus\":\"\"},"
                    "\"memory\":{\"limit\":null,\"swappiness\":-1}}");
  g_autoptr (GError) error = NULL;
  g_autoptr (SvCgroupResources) res = sv_cgroup_resources_parse (o, NULL, &error);

  g_assert_no_error (error);
  g_assert_true (res->pids_limit.set);
  g_assert_cmpint (res->pids_limit.value, ==, -1);
  g_assert_false (res->cpu_shares.set); /* 0: not set, as Docker sends it */
  g_assert_null (res->cpus);
  g_assert_false (res->mem_limit.set);
  g_assert_false (res->mem_swappiness.set);
  g_assert_null (res->devices); /* absent: devices left alone */
  g_assert_cmpstr (res->json_path, ==, "linux.resources");
}

/* ---- resources: v2 mapping on a fake root ---- */

static char *
fake_v2_cgroup (Fixture *f)
{
  const char *files[] = { "memory.max",   "memory.low",  "memory.swap.max", "cpu.weight",
                          "cpu.max",      "cpuset.cpus", "cpuset.mems",     "pids.max",
                          "io.weight",    "io.max",      "memory.high",     "hugetlb.2MB.max",
                          "cpu.max.burst" };
  char *dir = mkpath (tmp_dir (f), "sysvisor/c1");

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    touch (dir, files[i], "");
  touch (dir, "cpu.max", "max 100000\n");
  return dir;
}

static void
test_v2_resources_to_files (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonObject) o = parse_object (
      "{\"memory\":{\"limit\":1073741824,\"reservation\":536870912,\"swap\":2147483648,"
      "\"kernel\":1,\"swappiness\":10},"
      "\"cpu\":{\"shares\":1024,\"quota\":50000,\"period\":100000,\"cpus\":\"0-1\","
      "\"mems\":\"0\",\"burst\":1000},"
      "\"pids\":{\"limit\":-1},\"blockIO\":{\"weight\":500,"
      "\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":1048576}]},"
      "\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4194304}],"
      "\"unified\":{\"memory.high\":\"900M\"}}");
  g_autoptr (GError) error = NULL;
  g_autoptr (SvCgroupResources) res = sv_cgroup_resources_parse (o, NULL, &error);
  g_autofree char *dir = fake_v2_cgroup (f);
  static const char *const expect[][2] = {
    { "memory.max", "1073741824" },
    { "memory.low", "536870912" },
    { "memory.swap.max", "1073741824" },
    { "cpu.weight", "39" },
    { "cpu.max", "50000 100000" },
    { "cpu.max.burst", "1000" },
    { "cpuset.cpus", "0-1" },
    { "cpuset.mems", "0" },
    { "pids.max", "max" },
    { "io.weight", "default 4950" },
    { "io.max", "8:0 rbps=1048576" },
    { "hugetlb.2MB.max", "4194304" },
    { "memory.high", "900M" },
  };

  g_assert_no_error (error);
  g_assert_true (sv_cgroup_v2_apply_at (dir, res, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (expect); i++)
    {
      g_autofree char *got = read_back (dir, expect[i][0]);

      g_assert_cmpstr (got, ==, expect[i][1]);
    }
  g_assert_cmpuint (sv_cgroup_shares_to_weight (2), ==, 1);
  g_assert_cmpuint (sv_cgroup_shares_to_weight (262144), ==, 10000);
  g_assert_cmpuint (sv_cgroup_blkio_to_io_weight (10), ==, 1);
  g_assert_cmpuint (sv_cgroup_blkio_to_io_weight (1000), ==, 10000);
}

static void
test_v2_period_alone_keeps_quota (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonObject) o = parse_object ("{\"cpu\":{\"period\":50000},"
                                           "\"memory\":{\"limit\":-1}}");
  g_autoptr (GError) error = NULL;
  g_autoptr (SvCgroupResources) res = sv_cgroup_resources_parse (o, NULL, &error);
  g_autofree char *dir = fake_v2_cgroup (f);
  g_autofree char *cpu_max = NULL;
  g_autofree char *mem_max = NULL;
  g_autofree char *swap_max = NULL;

  touch (dir, "cpu.max", "20000 100000\n");
  g_assert_true (sv_cgroup_v2_apply_at (dir, res, &error));
  g_assert_no_error (error);
  cpu_max = read_back (dir, "cpu.max");
  mem_max = read_back (dir, "memory.max");
  swap_max = read_back (dir, "memory.swap.max");
  g_assert_cmpstr (cpu_max, ==, "20000 50000");
  g_assert_cmpstr (mem_max, ==, "max");
  g_assert_cmpstr (swap_max, ==, "max");
}

static void
test_v2_missing_file_names_controller (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonObject) o = parse_object ("{\"pids\":{\"limit\":100}}");
  g_autoptr (JsonObject) rt = parse_object ("{\"cpu\":{\"realtimeRuntime\":1000}}");
  g_autoptr (JsonObject) swap = parse_object ("{\"memory\":{\"swap\":1000}}");
  g_autoptr (GError) error = NULL;
  g_autoptr (SvCgroupResources) res = sv_cgroup_resources_parse (o, NULL, &error);
  g_autoptr (SvCgroupResources) res_rt = sv_cgroup_resources_parse (rt, NULL, &error);
  g_autoptr (SvCgroupResources) res_swap = sv_cgroup_resources_parse (swap, NULL, &error);
  g_autofree char *dir = mkpath (tmp_dir (f), "c1");

  g_assert_no_error (error);
  g_assert_false (sv_cgroup_v2_apply_at (dir, res, &error));
  g_assert_true (g_str_has_prefix (error->message, "linux.resources.pids.limit: "));
  g_assert_nonnull (strstr (error->message, "\"pids\" controller"));
  g_clear_error (&error);
  g_assert_false (sv_cgroup_v2_apply_at (dir, res_rt, &error));
  g_assert_true (g_str_has_prefix (error->message, "linux.resources.cpu.realtimeRuntime: "));
  g_clear_error (&error);
  g_assert_false (sv_cgroup_v2_apply_at (dir, res_swap, &error));
  g_assert_true (g_str_has_prefix (error->message, "linux.resources.memory.swap: "));
}

static void
test_v1_unified_map_refused (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonObject) o = parse_object ("{\"unified\":{\"memory.high\":\"1G\"}}");
  g_autoptr (GError) error = NULL;
  g_autoptr (SvCgroup) cg = NULL;

  use_fake_v1_root (f);
  cg = sv_cgroup_new ("c1", NULL, FALSE, &error);
  g_assert_no_error (error);
  g_assert_false (apply_parsed (cg, o, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_true (g_str_has_prefix (error->message, "linux.resources.unified[\"memory.high\"]: "));
}

/* ---- create on a fake root: reuse and rollback ---- */

static void
test_create_failure_rolls_back (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SvCgroup) cg = NULL;
  g_autofree char *cpu_top = g_build_filename (tmp_dir (f), "cpu,cpuacct", "sv-rollback", NULL);

  use_fake_v1_root (f);
  /* "memory/sv-rollback" is a file: creating the cgroup there fails after cpu succeeded. */
  touch (tmp_dir (f), "memory/sv-rollback", "");
  cg = sv_cgroup_new ("c1", "/sv-rollback/c1", FALSE, &error);
  g_assert_no_error (error);
  g_assert_false (sv_cgroup_create (cg, (uid_t) -1, (gid_t) -1, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY);
  g_assert_false (g_file_test (cpu_top, G_FILE_TEST_EXISTS));
}

static void
test_create_reuses_existing (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SvCgroup) cg = NULL;
  g_autofree char *pre = NULL;
  g_autofree char *made = g_build_filename (tmp_dir (f), "memory", "docker", "c1", NULL);
  g_autofree char *procs = NULL;
  struct stat st;

  use_fake_v1_root (f);
  pre = mkpath (tmp_dir (f), "cpu,cpuacct/docker/c1");
  touch (pre, "cgroup.procs", "");
  cg = sv_cgroup_new ("c1", "/docker/c1", FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (sv_cgroup_create (cg, 100000, 100000, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (made, G_FILE_TEST_IS_DIR));
  g_assert_cmpint (stat (pre, &st), ==, 0);
  g_assert_cmpint (st.st_uid, ==, 100000);
  procs = g_build_filename (pre, "cgroup.procs", NULL);
  g_assert_cmpint (lstat (procs, &st), ==, 0);
  g_assert_cmpint (st.st_gid, ==, 100000);
}

/* ---- BPF program shape (no kernel needed) ---- */

static GArray *
devices_from (const char *json)
{
  g_autoptr (JsonObject) o = parse_object (json);
  g_autoptr (GError) error = NULL;
  SvCgroupResources *res = sv_cgroup_resources_parse (o, NULL, &error);
  GArray *devs;

  g_assert_no_error (error);
  devs = g_array_ref (res->devices);
  sv_cgroup_resources_unref (res);
  return devs;
}

static const char docker_devices[] =
    "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
    "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":5,\"access\":\"rwm\"},"
    "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"},"
    "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":9,\"access\":\"rwm\"},"
    "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":8,\"access\":\"rwm\"},"
    "{\"allow\":true,\"type\":\"c\",\"major\":5,\"minor\":0,\"access\":\"rwm\"},"
    "{\"allow\":true,\"type\":\"c\",\"major\":5,\"minor\":1,\"access\":\"rwm\"},"
    "{\"allow\":false,\"type\":\"c\",\"major\":10,\"minor\":229,\"access\":\"rwm\"},"
    "{\"allow\":true,\"type\":\"c\",\"major\":136,\"access\":\"rwm\"},"
    "{\"allow\":true,\"type\":\"c\",\"major\":5,\"minor\":2,\"access\":\"rwm\"},"
    "{\"allow\":true,\"type\":\"c\",\"major\":10,\"minor\":200,\"access\":\"rwm\"}]}";

/* A cgroup not made yet is judged (frozen or not) by its nearest existing ancestor. */
static void
test_existing_dir (Fixture *f, gconstpointer data)
{
  g_autofree char *top = g_dir_make_tmp ("sv-cg-exist-XXXXXX", NULL);
  g_autofree char *a = g_build_filename (top, "a", NULL);
  g_autofree char *deep = g_build_filename (a, "b", "c", NULL);
  g_autofree char *b = g_build_filename (top, "b", NULL);

  g_assert_nonnull (top);
  g_assert_cmpint (mkdir (a, 0700), ==, 0);
  g_assert_cmpstr (sv_cgroup_existing_dir (top, deep), ==, a);
  g_assert_true (sv_cgroup_existing_dir (top, a) == a);
  g_assert_cmpstr (sv_cgroup_existing_dir (top, b), ==, top);
  g_assert_true (sv_cgroup_existing_dir ("/nonexistent-mount", deep) == deep);
  g_assert_cmpint (rmdir (a), ==, 0);
  g_assert_cmpstr (sv_cgroup_existing_dir (top, deep), ==, top);
  g_assert_cmpint (rmdir (top), ==, 0);
}

/* The blocks of a device program: each begins with the test of the access bits it decides. */
static guint
bpf_blocks (const char *json)
{
  g_autoptr (GArray) devs = devices_from (json);
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) prog = sv_cgroup_bpf_build_devices (devs, &error);
  guint n = 0;

  g_assert_no_error (error);
  for (guint i = 0; i < prog->len; i++)
    if (g_array_index (prog, struct bpf_insn, i).code == (BPF_JMP | BPF_JSET | BPF_K))
      n++;
  return n;
}

static void
test_bpf_program_shape (Fixture *f, gconstpointer data)
{
  g_autoptr (GArray) devs = devices_from (docker_devices);
  g_autoptr (GArray) all = devices_from ("{\"devices\":[{\"allow\":true,\"access\":\"rwm\"}]}");
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) prog = sv_cgroup_bpf_build_devices (devs, &error);
  g_autoptr (GArray) short_prog = sv_cgroup_bpf_build_devices (all, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (devs->len, ==, 11);
  /* prologue 7, one block (every rule is rwm): 2 + rules + default deny, then "return 1" */
  g_assert_cmpuint (prog->len, >, 7 + 11);
  g_assert_cmpuint (prog->len, <, 100);
  /* allow-all: one block "jset, ja, ja" */
  g_assert_cmpuint (short_prog->len, ==, 7 + 3 + 2);
  /* bits that every rule covers alike share a block; others have their own */
  g_assert_cmpuint (bpf_blocks (docker_devices), ==, 1);
  g_assert_cmpuint (bpf_blocks ("{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
                                "{\"allow\":true,\"type\":\"c\",\"access\":\"m\"},"
                                "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,"
                                "\"access\":\"rw\"}]}"),
                    ==, 2);
  g_assert_cmpuint (bpf_blocks ("{\"devices\":[{\"allow\":true,\"type\":\"c\",\"major\":1,"
                                "\"minor\":3,\"access\":\"r\"},{\"allow\":false,\"type\":\"c\","
                                "\"major\":1,\"minor\":5,\"access\":\"w\"}]}"),
                    ==, 3);
}

/* The device program's verdict on one request (BPF_DEVCG_DEV_* @type, BPF_DEVCG_ACC_* bits
 * @access), by an interpreter of the instructions it is made of. */
static guint64
bpf_run (GArray *prog, guint32 type, guint32 access, guint32 major, guint32 minor)
{
  const guint32 ctx[3] = { type | (access << 16), major, minor };
  guint64 r[11] = { 0 };

  for (guint pc = 0; pc < prog->len; pc++)
    {
      const struct bpf_insn *i = &g_array_index (prog, struct bpf_insn, pc);
      const guint64 k = (guint64) (gint64) i->imm;

      switch (i->code)
        {
        case BPF_LDX | BPF_MEM | BPF_W:
          g_assert_cmpint (i->src_reg, ==, BPF_REG_1);
          r[i->dst_reg] = ctx[i->off / 4];
          break;
        case BPF_ALU64 | BPF_MOV | BPF_X:
          r[i->dst_reg] = r[i->src_reg];
          break;
        case BPF_ALU64 | BPF_MOV | BPF_K:
          r[i->dst_reg] = k;
          break;
        case BPF_ALU64 | BPF_AND | BPF_K:
          r[i->dst_reg] &= k;
          break;
        case BPF_ALU64 | BPF_RSH | BPF_K:
          r[i->dst_reg] >>= k;
          break;
        case BPF_JMP | BPF_JNE | BPF_K:
          pc += r[i->dst_reg] != k ? i->off : 0;
          break;
        case BPF_JMP | BPF_JSET | BPF_K:
          pc += (r[i->dst_reg] & k) ? i->off : 0;
          break;
        case BPF_JMP | BPF_JA:
          pc += i->off;
          break;
        case BPF_JMP | BPF_EXIT:
          return r[0];
        default:
          g_assert_not_reached ();
        }
    }
  g_assert_not_reached ();
}

/* linux.resources.devices read plainly: for each access bit asked for, the last rule that
 * names the device and the bit decides, and no rule means deny. */
static gboolean
rules_allow (GArray *devs, char type, gint64 major, gint64 minor, guint access)
{
  for (guint bit = 1; bit <= 4; bit <<= 1)
    {
      gboolean verdict = FALSE;

      if (!(access & bit))
        continue;
      for (guint i = 0; i < devs->len; i++)
        {
          const SvCgroupDevice *d = &g_array_index (devs, SvCgroupDevice, i);

          if ((d->access & bit) && (d->type == 'a' || d->type == type)
              && (d->major < 0 || d->major == major) && (d->minor < 0 || d->minor == minor))
            verdict = d->allow;
        }
      if (!verdict)
        return FALSE;
    }
  return TRUE;
}

/* Random rule lists over a few devices: the program (its shared blocks, its rules left out
 * as deciding nothing) gives every request of every device the verdict of the rules. */
static void
test_bpf_program_verdicts (Fixture *f, gconstpointer data)
{
  static const char types[] = { 'a', 'b', 'c' };
  static const gint64 majors[] = { -1, 1, 5 }, minors[] = { -1, 3, 5 };
  static const gint64 dev_majors[] = { 1, 5, 7 }, dev_minors[] = { 3, 5, 9 };

  for (guint list = 0; list < 3000; list++)
    {
      g_autoptr (GArray) devs = g_array_new (FALSE, TRUE, sizeof (SvCgroupDevice));
      g_autoptr (GArray) prog = NULL;
      g_autoptr (GError) error = NULL;
      guint n = (guint) g_test_rand_int_range (0, 10);

      for (guint i = 0; i < n; i++)
        {
          SvCgroupDevice d = { .allow = g_test_rand_bit (),
                               .type = types[g_test_rand_int_range (0, 3)],
                               .major = majors[g_test_rand_int_range (0, 3)],
                               .minor = minors[g_test_rand_int_range (0, 3)],
                               .access = (guint) g_test_rand_int_range (1, 8) };
          g_array_append_val (devs, d);
        }
      prog = sv_cgroup_bpf_build_devices (devs, &error);
      g_assert_no_error (error);
      for (guint t = 0; t < 2; t++)
        for (guint ma = 0; ma < G_N_ELEMENTS (dev_majors); ma++)
          for (guint mi = 0; mi < G_N_ELEMENTS (dev_minors); mi++)
            for (guint acc = 1; acc < 8; acc++)
              {
                const char type = t == 0 ? 'b' : 'c';
                guint64 got = bpf_run (prog, t == 0 ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR,
                                       acc, (guint32) dev_majors[ma], (guint32) dev_minors[mi]);

                if (got
                    != (guint64) rules_allow (devs, type, dev_majors[ma], dev_minors[mi], acc))
                  g_error ("list %u (%u rules): %c %" G_GINT64_FORMAT ":%" G_GINT64_FORMAT
                           " access %u: the program says %" G_GUINT64_FORMAT,
                           list, n, type, dev_majors[ma], dev_minors[mi], acc, got);
              }
    }
}

/* ---- real cgroups: v1 / hybrid host ---- */

static void
test_v1_create_enter_destroy (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) pids = NULL;
  g_autoptr (GPtrArray) hs = NULL;
  SvCgroup *cg;
  SvCgroupMount *cpuset;
  pid_t child;
  struct stat st;

  cg = new_real (f, "create");
  g_assert_true (sv_cgroup_create (cg, 100000, 100000, &error));
  g_assert_no_error (error);
  hs = sv_cgroup_hierarchies (cg);
  for (guint i = 0; i < hs->len; i++)
    {
      SvCgroupHierarchy *h = hs->pdata[i];

      g_assert_cmpint (stat (h->host_path, &st), ==, 0);
      g_assert_cmpint (st.st_uid, ==, 100000);
    }
  cpuset = sv_cgroup_find_mount (cg, "cpuset");
  if (cpuset != NULL)
    {
      g_autofree char *cpus = read_back (cpuset->dir, "cpuset.cpus");

      g_assert_cmpstr (cpus, !=, "");
    }
  child = spawn_sleeper (f);
  g_assert_true (sv_cgroup_enter (cg, child, &error));
  g_assert_no_error (error);
  g_assert_true (proc_cgroup_mentions (child, sv_cgroup_path (cg)));
  pids = sv_cgroup_pids (cg, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pids->len, ==, 1);
  g_assert_cmpint (g_array_index (pids, pid_t, 0), ==, child);
  kill (child, SIGKILL);
  waitpid (child, NULL, 0);
  g_assert_true (sv_cgroup_destroy (cg, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < hs->len; i++)
    g_assert_false (
        g_file_test (((SvCgroupHierarchy *) hs->pdata[i])->host_path, G_FILE_TEST_EXISTS));
}

static void
check_frozen_cycle (Fixture *f, SvCgroup *cg)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *status_path = NULL;
  g_autofree char *status = NULL;
  pid_t child = spawn_sleeper (f);

  g_assert_true (sv_cgroup_create (cg, (uid_t) -1, (gid_t) -1, &error));
  g_assert_no_error (error);
  g_assert_true (sv_cgroup_enter (cg, child, &error));
  g_assert_false (sv_cgroup_is_frozen (cg));
  g_assert_true (sv_cgroup_set_frozen (cg, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (sv_cgroup_is_frozen (cg));
  status_path = g_strdup_printf ("/proc/%d/status", (int) child);
  if (g_file_get_contents (status_path, &status, NULL, NULL))
    g_test_message ("frozen child: %.*s", (int) strcspn (strstr (status, "State:"), "\n"),
                    strstr (status, "State:"));
  g_assert_true (sv_cgroup_set_frozen (cg, FALSE, &error));
  g_assert_no_error (error);
  g_assert_false (sv_cgroup_is_frozen (cg));
}

static void
test_v1_freeze_thaw (Fixture *f)
{
  SvCgroup *cg;
  SvCgroupMount *freezer;

  cg = new_real (f, "freeze");
  freezer = sv_cgroup_find_mount (cg, "freezer");
  check_frozen_cycle (f, cg);
  if (freezer != NULL)
    {
      g_autofree char *state = read_back (freezer->dir, "freezer.state");

      g_assert_cmpstr (state, ==, "THAWED");
    }
}

static guint64
read_u64 (const char *dir, const char *file)
{
  g_autoptr (GError) error = NULL;
  guint64 v = 0;

  g_assert_true (sv_cgroup_read_u64 (dir, file, &v, &error));
  g_assert_no_error (error);
  return v;
}

static void
apply_json (SvCgroup *cg, const char *json)
{
  g_autoptr (JsonObject) o = parse_object (json);
  g_autoptr (GError) error = NULL;

  g_assert_true (apply_parsed (cg, o, &error));
  g_assert_no_error (error);
}

static void
test_v1_memory_limit_applied (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  SvCgroupMount *mem;
  gboolean memsw;
  SvCgroup *cg;

  cg = new_real (f, "memory");
  mem = sv_cgroup_find_mount (cg, "memory");
  if (mem == NULL)
    {
      g_test_skip ("no memory hierarchy");
      return;
    }
  g_assert_true (sv_cgroup_create (cg, (uid_t) -1, (gid_t) -1, &error));
  memsw = sv_cgroup_has_file (mem->dir, "memory.memsw.limit_in_bytes");
  apply_json (cg, memsw ? "{\"memory\":{\"limit\":67108864,\"swap\":134217728}}"
                        : "{\"memory\":{\"limit\":67108864}}");
  g_assert_cmpuint (read_u64 (mem->dir, "memory.limit_in_bytes"), ==, 67108864);
  if (!memsw)
    return;
  g_assert_cmpuint (read_u64 (mem->dir, "memory.memsw.limit_in_bytes"), ==, 134217728);
  /* growing past the current memsw: memsw must be written first */
  apply_json (cg, "{\"memory\":{\"limit\":268435456,\"swap\":536870912}}");
  g_assert_cmpuint (read_u64 (mem->dir, "memory.limit_in_bytes"), ==, 268435456);
  g_assert_cmpuint (read_u64 (mem->dir, "memory.memsw.limit_in_bytes"), ==, 536870912);
  /* shrinking below the current limit: the limit must be written first */
  apply_json (cg, "{\"memory\":{\"limit\":33554432,\"swap\":33554432}}");
  g_assert_cmpuint (read_u64 (mem->dir, "memory.limit_in_bytes"), ==, 33554432);
  g_assert_cmpuint (read_u64 (mem->dir, "memory.memsw.limit_in_bytes"), ==, 33554432);
  /* a partial update (update --resources) leaves the rest alone */
  apply_json (cg, "{\"pids\":{\"limit\":42}}");
  g_assert_cmpuint (read_u64 (mem->dir, "memory.limit_in_bytes"), ==, 33554432);
}

static void
test_v1_other_resources (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) bad_shares = parse_object ("{\"cpu\":{\"shares\":1}}");
  SvCgroupMount *cpu, *pids, *devices;
  SvCgroup *cg;

  cg = new_real (f, "resources");
  g_assert_true (sv_cgroup_create (cg, (uid_t) -1, (gid_t) -1, &error));
  apply_json (cg, "{\"cpu\":{\"shares\":512,\"quota\":20000,\"period\":50000},"
                  "\"pids\":{\"limit\":64}}");
  cpu = sv_cgroup_find_mount (cg, "cpu");
  pids = sv_cgroup_find_mount (cg, "pids");
  devices = sv_cgroup_find_mount (cg, "devices");
  if (cpu != NULL)
    {
      g_assert_cmpuint (read_u64 (cpu->dir, "cpu.shares"), ==, 512);
      g_assert_cmpuint (read_u64 (cpu->dir, "cpu.cfs_quota_us"), ==, 20000);
      g_assert_cmpuint (read_u64 (cpu->dir, "cpu.cfs_period_us"), ==, 50000);
      g_assert_false (apply_parsed (cg, bad_shares, &error));
      g_assert_true (g_str_has_prefix (error->message, "linux.resources.cpu.shares: "));
    }
  if (pids != NULL)
    g_assert_cmpuint (read_u64 (pids->dir, "pids.max"), ==, 64);
  if (devices != NULL)
    {
      g_autofree char *list = NULL;

      apply_json (cg, docker_devices);
      list = read_back (devices->dir, "devices.list");
      g_assert_null (strstr (list, "a *:* rwm"));
      g_assert_nonnull (strstr (list, "c 1:3 rwm"));
      g_assert_nonnull (strstr (list, "c 136:* rwm"));
    }
}

static void
test_v1_kill_all_and_stats (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) stats = NULL;
  g_autofree char *text = NULL;
  SvCgroup *cg;
  pid_t a, b;
  int status;

  cg = new_real (f, "kill");
  g_assert_true (sv_cgroup_create (cg, (uid_t) -1, (gid_t) -1, &error));
  a = spawn_sleeper (f);
  b = spawn_sleeper (f);
  g_assert_true (sv_cgroup_enter (cg, a, &error) && sv_cgroup_enter (cg, b, &error));
  stats = sv_cgroup_stats (cg, &error);
  g_assert_no_error (error);
  text = json_to_string (stats, FALSE);
  g_test_message ("stats: %s", text);
  g_assert_nonnull (strstr (text, "\"cpu\":{\"usage\":{"));
  g_assert_nonnull (strstr (text, "\"memory\":{"));
  if (sv_cgroup_find_mount (cg, "pids") != NULL)
    g_assert_nonnull (strstr (text, "\"pids\":{\"current\":2"));
  /* not SIGKILL: the freeze, signal each, thaw path */
  g_assert_true (sv_cgroup_kill_all (cg, SIGTERM, &error));
  g_assert_no_error (error);
  g_assert_cmpint (waitpid (a, &status, 0), ==, a);
  g_assert_true (WIFSIGNALED (status) && WTERMSIG (status) == SIGTERM);
  g_assert_cmpint (waitpid (b, &status, 0), ==, b);
  g_assert_true (WIFSIGNALED (status) && WTERMSIG (status) == SIGTERM);
  g_assert_false (sv_cgroup_is_frozen (cg));
}

/* ---- real cgroups: cgroup2 (the host's, or the "unified" mount of a hybrid host) ---- */

static gboolean
use_real_cgroup2 (Fixture *f)
{
  const char *candidates[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };

  if (geteuid () != 0)
    {
      g_test_skip ("needs root");
      return FALSE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
    {
      struct statfs st;

      if (statfs (candidates[i], &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC)
        {
          f->real_root = g_strdup (candidates[i]);
          /* The integration tests that turn the root's controllers on and off again take
           * the same lock (sv_cgroup2_keep of tests/lib/common.sh): one at a time. */
          if (!g_test_subprocess ())
            {
              f->root_lock = open (f->real_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
              g_assert_cmpint (f->root_lock, >=, 0);
              g_assert_cmpint (flock (f->root_lock, LOCK_EX), ==, 0);
            }
          f->subtree_before = sv_cgroup_read (f->real_root, "cgroup.subtree_control", NULL);
          sv_cgroup_set_root (f->real_root);
          return TRUE;
        }
    }
  g_test_skip ("no cgroup2 mount");
  return FALSE;
}

static void
test_v2_create_freeze_kill (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) pids = NULL;
  g_autoptr (JsonNode) stats = NULL;
  SvCgroup *cg;
  pid_t a;
  int status;

  cg = new_real (f, "v2");
  g_assert_cmpint (cg->mode, ==, SV_CGROUP_V2);
  check_frozen_cycle (f, cg);
  a = g_array_index (f->children, pid_t, 0);
  pids = sv_cgroup_pids (cg, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pids->len, ==, 1);
  g_assert_cmpint (g_array_index (pids, pid_t, 0), ==, a);
  stats = sv_cgroup_stats (cg, &error);
  g_assert_no_error (error);
  g_assert_true (sv_cgroup_kill_all (cg, SIGKILL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (waitpid (a, &status, 0), ==, a);
  g_assert_true (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);
  g_assert_true (sv_cgroup_destroy (cg, &error));
  g_assert_no_error (error);
}

/* A child that, once in the cgroup, tries /dev/null and /dev/zero: exit code bit 1 = null
 * opened for reading, bit 2 = zero opened for reading, bit 4 = null opened for writing, bit
 * 8 = a node of zero's numbers (c 1:5) made by mknod. */
static int
try_devices_in (Fixture *f, SvCgroup *cg)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("sv-cg-mknod-XXXXXX", NULL);
  g_autofree char *node = g_build_filename (dir, "zero", NULL);
  int go[2], status;
  pid_t pid;
  char c = 0;

  g_assert_nonnull (dir);
  g_assert_cmpint (pipe2 (go, O_CLOEXEC), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      int code = 0;

      detach_output ();
      if (read (go[0], &c, 1) != 1)
        _exit (100);
      code |= open ("/dev/null", O_RDONLY | O_CLOEXEC) >= 0 ? 1 : 0;
      code |= open ("/dev/zero", O_RDONLY | O_CLOEXEC) >= 0 ? 2 : 0;
      code |= open ("/dev/null", O_WRONLY | O_CLOEXEC) >= 0 ? 4 : 0;
      code |= mknod (node, S_IFCHR | 0600, makedev (1, 5)) == 0 ? 8 : 0;
      _exit (code);
    }
  g_array_append_val (f->children, pid);
  close (go[0]);
  g_assert_true (sv_cgroup_enter (cg, pid, &error));
  g_assert_no_error (error);
  g_assert_cmpint (write (go[1], &c, 1), ==, 1);
  close (go[1]);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  (void) unlink (node);
  g_assert_cmpint (rmdir (dir), ==, 0);
  g_assert_true (WIFEXITED (status));
  return WEXITSTATUS (status);
}

static void
test_v2_bpf_devices_enforced (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  SvCgroup *cg;

  cg = new_real (f, "bpf");
  g_assert_true (sv_cgroup_create (cg, (uid_t) -1, (gid_t) -1, &error));
  g_assert_no_error (error);
  /* only /dev/zero */
  apply_json (cg, "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
                  "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":5,\"access\":\"rwm\"}]}");
  g_assert_cmpint (try_devices_in (f, cg), ==, 2 | 8);
  /* replaced, not stacked: now Docker's list, /dev/null and /dev/zero both allowed */
  apply_json (cg, docker_devices);
  g_assert_cmpint (try_devices_in (f, cg), ==, 7 | 8);
  /* read-only /dev/null: a read passes, a write does not (decided per access bit) */
  apply_json (cg, "{\"devices\":[{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,"
                  "\"access\":\"r\"},{\"allow\":false,\"type\":\"c\",\"major\":1,\"minor\":5,"
                  "\"access\":\"w\"},{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":5,"
                  "\"access\":\"r\"}]}");
  g_assert_cmpint (try_devices_in (f, cg), ==, 3);
  /* read and write decided in one block, mknod in another: any char node may be made, only
   * /dev/null opened (both ways) */
  apply_json (cg, "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
                  "{\"allow\":true,\"type\":\"c\",\"access\":\"m\"},"
                  "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rw\"}]}");
  g_assert_cmpint (try_devices_in (f, cg), ==, 1 | 4 | 8);
  /* and without the mknod rule, no node is made */
  apply_json (cg, "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
                  "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rw\"}]}");
  g_assert_cmpint (try_devices_in (f, cg), ==, 1 | 4);
}

/* Real tests run their body in a subprocess: if an assertion aborts it, this process's
 * teardown still kills what it left and removes its cgroups. */
typedef struct
{
  gboolean cgroup2; /* on a cgroup2 mount (the host's, or "unified"); else on a v1 host */
  void (*body) (Fixture *f);
} RealTest;

static void
run_real (Fixture *f, gconstpointer data)
{
  const RealTest *t = data;

  if (t->cgroup2 ? !use_real_cgroup2 (f) : skip_unless_real (SV_CGROUP_V1))
    return;
  if (g_test_subprocess ())
    {
      t->body (f);
      return;
    }
  g_test_trap_subprocess (NULL, 120 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  /* not g_test_trap_assert_passed(): it would abort before the teardown */
  if (!g_test_trap_has_passed ())
    g_test_fail_printf ("%s failed in its subprocess (its stderr is above)", g_test_get_path ());
}

/* A chain of @depth sub-directories "c" below @base (each with a cgroup.procs naming its
 * depth + 1 when @with_procs), made by name: deeper than any path may name. */
static void
make_chain (const char *base, guint depth, gboolean with_procs)
{
  int fd = open (base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  g_assert_cmpint (fd, >=, 0);
  for (guint i = 0; i < depth; i++)
    {
      int sub;
      g_assert_cmpint (mkdirat (fd, "c", 0755), ==, 0);
      sub = openat (fd, "c", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      g_assert_cmpint (sub, >=, 0);
      close (fd);
      fd = sub;
      if (with_procs)
        {
          g_autofree char *pid = g_strdup_printf ("%u\n", i + 1);
          int p = openat (fd, "cgroup.procs", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
          g_assert_cmpint (p, >=, 0);
          g_assert_cmpint (write (p, pid, strlen (pid)), ==, (gssize) strlen (pid));
          close (p);
        }
    }
  close (fd);
}

/* Whatever is left of a chain (a failed test): by chdir, not by path. */
static void
remove_chain (const char *base)
{
  int saved = open (".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  guint n = 0;

  if (chdir (base) == 0)
    {
      while (chdir ("c") == 0)
        n++;
      for (; n > 0; n--)
        {
          (void) unlink ("cgroup.procs");
          (void) !chdir ("..");
          (void) rmdir ("c");
        }
      (void) unlink ("cgroup.procs");
    }
  (void) !fchdir (saved);
  close (saved);
  (void) rmdir (base);
}

/* Root inside nests sub-cgroups deeper than PATH_MAX lets a path name (2000 levels of "c"
 * seen from the host): the pids of every level are found, and the whole tree is removed.
 * The body runs in a subprocess: whatever a failure leaves, this process removes. */
static void
test_walk_deeper_than_path_max (Fixture *f, gconstpointer data)
{
  pid_t owner = g_test_subprocess () ? getppid () : getpid ();
  g_autofree char *base =
      g_strdup_printf ("%s/sv-cgroups-walk-%d", g_get_tmp_dir (), (int) owner);
  g_autofree char *procs = g_build_filename (base, "procs", NULL);
  g_autofree char *empty = g_build_filename (base, "empty", NULL);
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
  g_autoptr (GError) error = NULL;
  const guint depth = 3000;

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
      remove_chain (procs);
      remove_chain (empty);
      (void) rmdir (base);
      g_assert_false (g_file_test (base, G_FILE_TEST_EXISTS));
      g_test_trap_assert_passed ();
      return;
    }
  g_assert_cmpint (mkdir (base, 0700), ==, 0);
  g_assert_cmpint (mkdir (procs, 0755), ==, 0);
  g_assert_cmpint (mkdir (empty, 0755), ==, 0);
  make_chain (procs, depth, TRUE);
  make_chain (empty, depth, FALSE);
  g_assert_true (sv_cgroup_collect_pids (procs, seen, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (seen), ==, depth);
  g_assert_true (g_hash_table_contains (seen, GINT_TO_POINTER (depth)));
  g_assert_true (sv_cgroup_remove_tree (empty, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (empty, G_FILE_TEST_EXISTS));
}

/* mkdir -p below a base: every directory made is listed (a cleanup removes them), whether
 * only the last one was missing (one mkdir) or the parents too; an existing one is not. */
static void
test_mkdir_below_lists_what_it_made (void)
{
  g_autofree char *base = g_dir_make_tmp ("sv-cg-mkdir-XXXXXX", NULL);
  g_autoptr (GPtrArray) made = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  g_autofree char *file = g_build_filename (base, "file", NULL);
  const char *made_dirs[] = { "a/b/d", "a/b/c", "a/b", "a" };

  g_assert_nonnull (base);
  g_assert_true (sv_cgroup_mkdir_below (base, "a/b/c", FALSE, made, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (made->len, ==, 3);
  g_assert_true (g_str_has_suffix (made->pdata[0], "/a"));
  g_assert_true (g_str_has_suffix (made->pdata[2], "/a/b/c"));
  g_ptr_array_set_size (made, 0);
  g_assert_true (sv_cgroup_mkdir_below (base, "a/b/d", FALSE, made, &error));
  g_assert_cmpuint (made->len, ==, 1);
  g_assert_true (g_file_test (made->pdata[0], G_FILE_TEST_IS_DIR));
  g_assert_true (g_str_has_suffix (made->pdata[0], "/a/b/d"));
  g_ptr_array_set_size (made, 0);
  g_assert_true (sv_cgroup_mkdir_below (base, "a/b/d", FALSE, made, &error));
  g_assert_cmpuint (made->len, ==, 0);
  g_assert_true (g_file_set_contents (file, "", 0, NULL));
  g_assert_false (sv_cgroup_mkdir_below (base, "file", FALSE, made, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "creating cgroup"));
  g_assert_cmpuint (made->len, ==, 0);
  for (guint j = 0; j < G_N_ELEMENTS (made_dirs); j++)
    {
      g_autofree char *p = g_build_filename (base, made_dirs[j], NULL);
      g_assert_cmpint (rmdir (p), ==, 0);
    }
  g_assert_cmpint (unlink (file), ==, 0);
  g_assert_cmpint (rmdir (base), ==, 0);
}

/* The cgroup v2 lock of a directory's subtree, on plain files (the lock is a flock of its
 * cgroup.subtree_control): a thread runs the call while the test holds the lock. */
typedef struct
{
  const char *dir;
  GPtrArray *list;
  gint done;
} LockedCall;

static gpointer
undo_thread (gpointer p)
{
  LockedCall *c = p;

  sv_cgroup_v2_undo_enabled (c->list);
  g_atomic_int_set (&c->done, 1);
  return NULL;
}

static gpointer
mkdir_thread (gpointer p)
{
  LockedCall *c = p;

  g_assert_true (sv_cgroup_mkdir_below (c->dir, "c", TRUE, c->list, NULL));
  g_atomic_int_set (&c->done, 1);
  return NULL;
}

/* Holding @dir's lock (@how) for 200 ms: @fn must wait for it. */
static void
run_while_locked (const char *dir, int how, GThreadFunc fn, LockedCall *c, const char *child)
{
  sv_autofd lock = sv_cgroup_lock_subtree (dir, how);
  g_autofree char *path = g_build_filename (dir, child, NULL);
  GThread *t;

  g_assert_cmpint (lock, >=, 0);
  t = g_thread_new ("locked-call", fn, c);
  g_usleep (200 * 1000);
  g_assert_cmpint (g_atomic_int_get (&c->done), ==, 0);
  if (how == LOCK_SH)
    g_assert_cmpint (mkdir (path, 0755), ==, 0); /* a concurrent create's child */
  else
    g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  sv_close_fdp (&lock);
  g_thread_join (t);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_DIR));
}

/* A failed create's rollback turns a controller off only under the exclusive lock and only
 * where no child is: a create that made its child below meanwhile keeps the controller. */
static void
test_v2_undo_waits_for_a_create_below (void)
{
  g_autofree char *dir = g_dir_make_tmp ("sv-cg-undo-XXXXXX", NULL);
  g_autofree char *ctl = g_build_filename (dir, "cgroup.subtree_control", NULL);
  g_autofree char *child = g_build_filename (dir, "c", NULL);
  g_autoptr (GPtrArray) list = g_ptr_array_new_with_free_func (g_free);
  LockedCall c = { dir, list, 0 };
  g_autofree char *text = NULL;

  g_assert_true (g_file_set_contents (ctl, "hugetlb", -1, NULL));
  g_ptr_array_add (list, g_strconcat ("hugetlb ", dir, NULL));
  run_while_locked (dir, LOCK_SH, undo_thread, &c, "c");
  g_assert_true (g_file_get_contents (ctl, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "hugetlb");
  g_clear_pointer (&text, g_free);
  /* no child: off */
  g_assert_cmpint (rmdir (child), ==, 0);
  g_ptr_array_add (list, g_strconcat ("hugetlb ", dir, NULL));
  sv_cgroup_v2_undo_enabled (list);
  g_assert_true (g_file_get_contents (ctl, &text, NULL, NULL));
  g_assert_true (g_str_has_prefix (text, "-hugetlb"));
  g_assert_cmpint (unlink (ctl), ==, 0);
  g_assert_cmpint (rmdir (dir), ==, 0);
}

/* A v2 create makes its cgroup under the shared lock of the parent: it waits while a rollback
 * holds it exclusively; a parent with no lock file (not a cgroup) does not stop it. */
static void
test_v2_mkdir_waits_for_an_undo (void)
{
  g_autofree char *dir = g_dir_make_tmp ("sv-cg-undo-XXXXXX", NULL);
  g_autofree char *ctl = g_build_filename (dir, "cgroup.subtree_control", NULL);
  g_autofree char *child = g_build_filename (dir, "c", NULL);
  g_autoptr (GPtrArray) made = g_ptr_array_new_with_free_func (g_free);
  LockedCall c = { dir, made, 0 };

  g_assert_true (g_file_set_contents (ctl, "", -1, NULL));
  run_while_locked (dir, LOCK_EX, mkdir_thread, &c, "c");
  g_assert_cmpuint (made->len, ==, 1);
  g_assert_cmpint (rmdir (child), ==, 0);
  g_assert_cmpint (unlink (ctl), ==, 0);
  g_assert_true (sv_cgroup_mkdir_below (dir, "c", TRUE, made, NULL));
  g_assert_cmpuint (made->len, ==, 2);
  g_assert_cmpint (rmdir (child), ==, 0);
  g_assert_cmpint (rmdir (dir), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* sleepers orphaned by a crashed subprocess come to us, not to an init that may not reap */
  prctl (PR_SET_CHILD_SUBREAPER, 1);
  static const RealTest v1_create = { FALSE, test_v1_create_enter_destroy };
  static const RealTest v1_freeze = { FALSE, test_v1_freeze_thaw };
  static const RealTest v1_memory = { FALSE, test_v1_memory_limit_applied };
  static const RealTest v1_other = { FALSE, test_v1_other_resources };
  static const RealTest v1_kill = { FALSE, test_v1_kill_all_and_stats };
  static const RealTest v2_freeze = { TRUE, test_v2_create_freeze_kill };
  static const RealTest v2_bpf = { TRUE, test_v2_bpf_devices_enforced };

#define ADD(name, fn) g_test_add (name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
#define ADD_REAL(name, t)                                                                        \
  g_test_add (name, Fixture, &t, fixture_setup, run_real, fixture_teardown)
  ADD ("/cgroups/systemd-path-expands-slices", test_systemd_path_expands_slices);
  ADD ("/cgroups/systemd-path-malformed-names-field", test_systemd_path_malformed_names_field);
  ADD ("/cgroups/plain-paths", test_plain_paths);
  g_test_add_func ("/cgroups/mkdir-below-lists-what-it-made",
                   test_mkdir_below_lists_what_it_made);
  g_test_add_func ("/cgroups/v2-undo-waits-for-a-create-below",
                   test_v2_undo_waits_for_a_create_below);
  g_test_add_func ("/cgroups/v2-mkdir-waits-for-an-undo", test_v2_mkdir_waits_for_an_undo);
  ADD ("/cgroups/mountinfo-parsing", test_mountinfo_parsing);
  ADD ("/cgroups/mountinfo-among-other-mounts", test_mountinfo_among_other_mounts);
  ADD ("/cgroups/hierarchies-list", test_hierarchies_list);
  ADD ("/cgroups/json-roundtrip", test_json_roundtrip);
  ADD ("/cgroups/json-bad-state-names-field", test_json_bad_state_names_field);
  ADD ("/cgroups/resources-bad-type-names-field", test_resources_bad_type_names_field);
  ADD ("/cgroups/resources-bad-values-name-field", test_resources_bad_values_name_field);
  ADD ("/cgroups/resources-parsed-with-spec", test_resources_parsed_with_spec);
  ADD ("/cgroups/resources-add-device", test_resources_add_device);
  ADD ("/cgroups/resources-partial-object", test_resources_partial_object);
  ADD ("/cgroups/v2-resources-to-files", test_v2_resources_to_files);
  ADD ("/cgroups/v2-period-alone-keeps-quota", test_v2_period_alone_keeps_quota);
  ADD ("/cgroups/v2-missing-file-names-controller", test_v2_missing_file_names_controller);
  ADD ("/cgroups/v1-unified-map-refused", test_v1_unified_map_refused);
  ADD ("/cgroups/create-failure-rolls-back", test_create_failure_rolls_back);
  ADD ("/cgroups/create-reuses-existing", test_create_reuses_existing);
  ADD ("/cgroups/existing-dir", test_existing_dir);
  ADD ("/cgroups/bpf-program-shape", test_bpf_program_shape);
  ADD ("/cgroups/bpf-program-verdicts", test_bpf_program_verdicts);
  ADD ("/cgroups/walk-deeper-than-path-max", test_walk_deeper_than_path_max);
  ADD_REAL ("/cgroups/v1-create-enter-destroy", v1_create);
  ADD_REAL ("/cgroups/freeze-thaw", v1_freeze);
  ADD_REAL ("/cgroups/memory-limit-applied", v1_memory);
  ADD_REAL ("/cgroups/v1-cpu-pids-devices-applied", v1_other);
  ADD_REAL ("/cgroups/v1-kill-all-and-stats", v1_kill);
  ADD_REAL ("/cgroups/v2-create-freeze-kill", v2_freeze);
  ADD_REAL ("/cgroups/v2-bpf-devices-enforced", v2_bpf);
#undef ADD
#undef ADD_REAL
  return g_test_run ();
}
