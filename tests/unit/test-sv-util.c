/* Unit tests of libsv-util (lib/): the subid parser, the daemon.json reader, atomic writes,
 * lock files, tree removal, paths, mounts, mountinfo escapes, log levels and errno errors.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "sv-daemon-json.h"
#include "sv-error.h"
#include "sv-fd.h"
#include "sv-file.h"
#include "sv-heap.h"
#include "sv-log.h"
#include "sv-mount.h"
#include "sv-mountinfo.h"
#include "sv-path.h"
#include "sv-subid.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct
{
  char *dir;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("sv-util-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_assert_true (sv_file_remove_tree (f->dir, NULL));
  g_free (f->dir);
}

static char *
write_file (Fixture *f, const char *name, const char *text)
{
  char *path = g_build_filename (f->dir, name, NULL);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

/* ---- /etc/subuid ---- */

static void
test_subid_parses_entries (Fixture *f, gconstpointer data)
{
  g_autofree char *path = write_file (f, "subuid",
                                      "# comment\n"
                                      "sysvisor:100000:65536\n"
                                      "\n"
                                      "  other:200000:10  \n"
                                      "garbage line\n"
                                      "1000:300000:5\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (SvSubidFile) s = sv_subid_file_read (path, "sysvisor", "1000", &error);
  g_autoptr (GPtrArray) mine = NULL;
  const SvSubidEntry *e;

  g_assert_no_error (error);
  g_assert_false (s->missing);
  /* the malformed line of another user is skipped */
  g_assert_cmpuint (s->entries->len, ==, 3);
  e = g_ptr_array_index (s->entries, 1);
  g_assert_cmpstr (e->name, ==, "other");
  g_assert_cmpuint (e->start, ==, 200000);
  g_assert_cmpuint (e->count, ==, 10);
  g_assert_cmpuint (e->line, ==, 4);
  /* the user's entries, by name or uid */
  mine = sv_subid_entries_of (s, "sysvisor", "1000");
  g_assert_cmpuint (mine->len, ==, 2);
  g_assert_cmpuint (((SvSubidEntry *) g_ptr_array_index (mine, 0))->start, ==, 100000);
  g_assert_cmpuint (((SvSubidEntry *) g_ptr_array_index (mine, 1))->start, ==, 300000);
}

static void
test_subid_malformed_line_of_user (Fixture *f, gconstpointer data)
{
  g_autofree char *path = write_file (f, "subuid", "sysvisor:100000:65536\nsysvisor:x:1\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (SvSubidFile) s = sv_subid_file_read (path, "sysvisor", NULL, &error);
  g_autofree char *where = g_strdup_printf ("%s:2: malformed entry", path);

  g_assert_null (s);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_true (g_str_has_prefix (error->message, where));
  g_assert_nonnull (strstr (error->message, "sysvisor:<start>:<count>"));
}

static void
test_subid_missing_file (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "none", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SvSubidFile) s = sv_subid_file_read (path, "sysvisor", NULL, &error);

  g_assert_no_error (error);
  g_assert_true (s->missing);
  g_assert_cmpuint (s->entries->len, ==, 0);
}

/* The text of a file already read parses as the file itself; NULL text is a missing file. */
static void
test_subid_parse_text (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SvSubidFile) s =
      sv_subid_file_parse ("/etc/subuid", "sysvisor:100000:65536\n1000:300000:5\n", "sysvisor",
                           "1000", &error);
  g_autoptr (SvSubidFile) none =
      sv_subid_file_parse ("/etc/subuid", NULL, "sysvisor", NULL, NULL);
  g_autoptr (SvSubidFile) bad =
      sv_subid_file_parse ("/etc/subuid", "sysvisor:x:1\n", "sysvisor", NULL, &error);

  g_assert_nonnull (s);
  g_assert_false (s->missing);
  g_assert_cmpstr (s->path, ==, "/etc/subuid");
  g_assert_cmpuint (s->entries->len, ==, 2);
  g_assert_cmpuint (((SvSubidEntry *) g_ptr_array_index (s->entries, 1))->start, ==, 300000);
  g_assert_true (none->missing);
  g_assert_cmpuint (none->entries->len, ==, 0);
  g_assert_null (bad);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_true (g_str_has_prefix (error->message, "/etc/subuid:1: malformed entry"));
}

/* ---- daemon.json ---- */

static void
test_daemon_json_fields (Fixture *f, gconstpointer data)
{
  g_autofree char *path =
      write_file (f, "daemon.json",
                  "{\"userns-remap\": \"alice:staff\", \"data-root\": \"/srv/docker\"}");
  g_autoptr (GError) error = NULL;
  g_autoptr (SvDockerDaemon) d = sv_docker_daemon_read (path, &error);

  g_assert_no_error (error);
  g_assert_true (d->exists);
  g_assert_cmpstr (d->remap_user, ==, "alice");
  g_assert_cmpstr (d->remap_group, ==, "staff");
  g_assert_cmpstr (d->data_root, ==, "/srv/docker");
}

static void
test_daemon_json_missing_is_defaults (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "none.json", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SvDockerDaemon) d = sv_docker_daemon_read (path, &error);

  g_assert_no_error (error);
  g_assert_false (d->exists);
  g_assert_null (d->remap);
  g_assert_cmpstr (d->data_root, ==, SV_DOCKER_DEFAULT_DATA_ROOT);
}

/* Malformed input: one error line that names the file, says it is not valid JSON and why. */
static void
test_daemon_json_malformed_names_file (Fixture *f, gconstpointer data)
{
  static const char *const bad[] = { "",
                                     "{",
                                     "{\"data-root\": }",
                                     "{\"a\": 1} x",
                                     "{\"a\": \"\\q\"}",
                                     "{\"a\": [1, 2}",
                                     "{\"a\": \"\\ud800x\"}",
                                     "{\"a\": \"\\udc00\"}" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *path = write_file (f, "daemon.json", bad[i]);
      g_autoptr (GError) error = NULL;
      g_autoptr (SvDockerDaemon) d = sv_docker_daemon_read (path, &error);
      g_autofree char *head = g_strdup_printf ("%s is not valid JSON (", path);

      g_assert_null (d);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      g_test_message ("%s", error->message);
      g_assert_true (g_str_has_prefix (error->message, head));
      g_assert_true (
          g_str_has_suffix (error->message, "fix it (dockerd would not start with it)"));
      g_assert_null (strchr (error->message, '\n'));
    }
}

static void
test_daemon_json_wrong_type (Fixture *f, gconstpointer data)
{
  g_autofree char *path = write_file (f, "daemon.json", "{\"userns-remap\": 5}");
  g_autoptr (GError) error = NULL;
  g_autoptr (SvDockerDaemon) d = sv_docker_daemon_read (path, &error);

  g_assert_null (d);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "\"userns-remap\" has the wrong type"));
}

/* json-glib's parser recurses: deep nesting is refused before it, not a stack overflow. */
static void
test_daemon_json_deep_nesting (void)
{
  g_autoptr (GString) s = g_string_new ("{\"a\": ");
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) root = NULL;

  for (int i = 0; i < 200000; i++)
    g_string_append_c (s, '[');
  root = sv_daemon_json_parse (s->str, (gssize) s->len, &error);
  g_assert_null (root);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "nested deeper than 64 levels"));
}

static void
test_daemon_json_brackets_in_strings (void)
{
  g_autoptr (GString) s = g_string_new ("{\"a\": \"");
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *v = NULL;

  for (int i = 0; i < 1000; i++)
    g_string_append (s, "[{\\\"");
  g_string_append (s, "\", \"data-root\": \"/d\"}");
  root = sv_daemon_json_parse (s->str, -1, &error);
  g_assert_no_error (error);
  g_assert_true (sv_daemon_json_get_string (json_node_get_object (root), "data-root", &v));
  g_assert_cmpstr (v, ==, "/d");
}

/* ---- atomic writes and lock files ---- */

static void
test_atomic_write_replaces (Fixture *f, gconstpointer data)
{
  g_autofree char *path = write_file (f, "state.json", "old");
  g_autoptr (GError) error = NULL;
  g_autofree char *back = NULL;
  g_autoptr (GDir) d = NULL;
  struct stat st;

  g_assert_true (sv_write_file_atomic (path, "new contents", -1, 0640, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &back, NULL, NULL));
  g_assert_cmpstr (back, ==, "new contents");
  g_assert_cmpint (stat (path, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 07777, ==, 0640);
  /* no temp file left beside it */
  d = g_dir_open (f->dir, 0, NULL);
  g_assert_cmpstr (g_dir_read_name (d), ==, "state.json");
  g_assert_null (g_dir_read_name (d));
}

static void
test_atomic_write_failure_keeps_old (Fixture *f, gconstpointer data)
{
  g_autofree char *path = write_file (f, "table.json", "old");
  g_autofree char *tmp = g_strconcat (path, ".tmp", NULL);
  g_autofree char *elsewhere = g_build_filename (f->dir, "elsewhere", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *back = NULL;

  /* a symlink where the temp file goes is refused with SV_WRITE_NOFOLLOW */
  g_assert_cmpint (symlink (elsewhere, tmp), ==, 0);
  g_assert_false (
      sv_file_replace (path, "new", -1, 0600, ".tmp", SV_WRITE_SYNC | SV_WRITE_NOFOLLOW, &error));
  g_assert_nonnull (error);
  g_assert_true (g_str_has_prefix (error->message, "create "));
  g_assert_nonnull (strstr (error->message, tmp));
  g_assert_false (g_file_test (elsewhere, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_get_contents (path, &back, NULL, NULL));
  g_assert_cmpstr (back, ==, "old");
  g_unlink (tmp);
}

/* sv_write_file_replace, which trades names with the file it replaces and then removes the
 * temp: the new content, made where there was no file too, no temp left, and a reader of the
 * old file keeps reading it.  (That the exchange spares ext4 an allocation is not visible
 * here; bench/README.md measures it.) */
static void
test_replace_exchanges (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "state.json", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *back = NULL;
  g_autoptr (GDir) d = NULL;
  char old[8] = { 0 };
  sv_autofd reader = -1;

  g_assert_true (sv_write_file_replace (path, "first", -1, 0600, &error)); /* no file yet */
  g_assert_no_error (error);
  reader = open (path, O_RDONLY | O_CLOEXEC);
  g_assert_true (sv_write_file_replace (path, "second", -1, 0600, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &back, NULL, NULL));
  g_assert_cmpstr (back, ==, "second");
  g_assert_cmpint (pread (reader, old, sizeof old - 1, 0), ==, 5);
  g_assert_cmpstr (old, ==, "first");
  d = g_dir_open (f->dir, 0, NULL);
  g_assert_cmpstr (g_dir_read_name (d), ==, "state.json");
  g_assert_null (g_dir_read_name (d));
}

static void
test_lock_file (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, ".lock", NULL);
  g_autofree char *gone = g_build_filename (f->dir, "no-dir", ".lock", NULL);
  g_autoptr (GError) error = NULL;
  sv_autofd fd = sv_lock_file (path, FALSE, &error);
  sv_autofd other = -1;

  g_assert_no_error (error);
  g_assert_cmpint (fd, >=, 0);
  /* held: another open file description cannot take it */
  other = open (path, O_RDONLY | O_CLOEXEC);
  g_assert_cmpint (flock (other, LOCK_EX | LOCK_NB), ==, -1);
  g_assert_cmpint (errno, ==, EWOULDBLOCK);
  /* a missing directory: -1, an error only when asked for */
  g_assert_cmpint (sv_lock_file (gone, TRUE, &error), ==, -1);
  g_assert_no_error (error);
  g_assert_cmpint (sv_lock_file (gone, FALSE, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_true (g_str_has_prefix (error->message, "open lock file "));
}

/* ---- paths, levels, errors ---- */

static void
test_path_is_under (void)
{
  g_assert_true (sv_path_is_under ("/var/lib/docker", "/var/lib/docker"));
  g_assert_true (sv_path_is_under ("/var/lib/docker/x", "/var/lib/docker/"));
  g_assert_false (sv_path_is_under ("/var/lib/dockerx", "/var/lib/docker"));
  g_assert_true (sv_path_is_under ("/x", "/"));
  g_assert_false (sv_path_is_under ("/x", ""));
  g_assert_false (sv_path_is_under ("/x", NULL));
}

static void
test_path_canonical (Fixture *f, gconstpointer data)
{
  g_autofree char *link = g_build_filename (f->dir, "link", NULL);
  g_autofree char *c = NULL, *lexical = NULL;

  g_assert_cmpint (symlink ("/", link), ==, 0);
  c = sv_path_canonical (link);
  g_assert_cmpstr (c, ==, "/");
  lexical = sv_path_canonical ("/no/such/../dir/./x");
  g_assert_cmpstr (lexical, ==, "/no/dir/x");
}

/* A path that does not exist (yet) stands for its nearest existing ancestor. */
static void
test_path_nearest_existing (Fixture *f, gconstpointer data)
{
  g_autofree char *deep = g_build_filename (f->dir, "no", "such", "dir", NULL);
  g_autofree char *near = sv_path_nearest_existing (deep);
  g_autofree char *lexical = sv_path_nearest_existing ("/proc/../proc//self/nope/x");
  g_autofree char *root = sv_path_nearest_existing ("/no-such-top-dir/x");

  g_assert_cmpstr (near, ==, f->dir);
  g_assert_cmpstr (lexical, ==, "/proc/self");
  g_assert_cmpstr (root, ==, "/");
}

/* The type of the mount holding a path (the top one: /proc/sys/fs/binfmt_misc may carry its
 * own), through the statx mount id, also below a path that does not exist. */
static void
test_mount_fstype (void)
{
  g_autofree char *proc = sv_mount_fstype ("/proc/self/status");
  g_autofree char *sys = sv_mount_fstype ("/sys/kernel");
  g_autofree char *missing = sv_mount_fstype ("/proc/no/such/file");
  g_autofree char *missing_top = sv_mount_fstype ("/no-such-top-dir/x");
  g_autofree char *slash = sv_mount_fstype ("/");

  g_assert_cmpstr (proc, ==, "proc");
  g_assert_cmpstr (sys, ==, "sysfs");
  g_assert_cmpstr (missing, ==, "proc");
  g_assert_cmpstr (missing_top, ==, slash);
  g_assert_cmpstr (slash, !=, "unknown");
}

/* mountinfo's escapes of a blank, tab, newline, backslash and comma undone; a backslash not
 * followed by three octal digits of one byte stays. */
static void
test_mountinfo_unescape (void)
{
  g_autofree char *a = sv_mountinfo_unescape ("/a\\040b\\011c\\012d\\134e\\054f");
  g_autofree char *b = sv_mountinfo_unescape ("/plain\\9x\\04");
  g_autofree char *c = sv_mountinfo_unescape ("\\400\\08\\");

  g_assert_cmpstr (a, ==, "/a b\tc\nd\\e,f");
  g_assert_cmpstr (b, ==, "/plain\\9x\\04");
  g_assert_cmpstr (c, ==, "\\400\\08\\");
}

static void
test_log_levels (void)
{
  GLogLevelFlags level = 0;

  g_assert_true (sv_log_level_parse ("warning", &level));
  g_assert_cmpint (level, ==, G_LOG_LEVEL_WARNING);
  g_assert_true (sv_log_level_parse ("error", &level));
  g_assert_cmpint (level, ==, G_LOG_LEVEL_CRITICAL);
  g_assert_false (sv_log_level_parse ("verbose", &level));
  g_assert_cmpstr (sv_log_level_name (G_LOG_LEVEL_CRITICAL), ==, "error");
  g_assert_cmpstr (sv_log_level_name (G_LOG_LEVEL_MESSAGE), ==, "info");
  g_assert_cmpstr (sv_log_level_name (G_LOG_LEVEL_DEBUG), ==, "debug");
}

static void
test_error_errno (void)
{
  g_autoptr (GError) io = NULL;
  g_autoptr (GError) file = NULL;

  sv_set_error_errno (&io, ENOENT, "open %s", "/x");
  g_assert_error (io, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpstr (io->message, ==, "open /x: No such file or directory");
  sv_set_file_error_errno (&file, EACCES, "stat %s", "/y");
  g_assert_error (file, G_FILE_ERROR, G_FILE_ERROR_ACCES);
  g_assert_cmpstr (file->message, ==, "stat /y: Permission denied");
}

/* An optional file: absent is TRUE with no text and no error; present is its whole text;
 * one that cannot be read is an error that names it. */
static void
test_read_optional (Fixture *f, gconstpointer data)
{
  g_autofree char *absent = g_build_filename (f->dir, "absent", NULL);
  g_autofree char *present = write_file (f, "present", "text\n");
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  gsize len = 99;
  int fd = 0;

  g_assert_true (sv_file_read_optional (absent, 0, &text, &len, &fd, &error));
  g_assert_no_error (error);
  g_assert_null (text);
  g_assert_cmpuint (len, ==, 0);
  g_assert_cmpint (fd, ==, -1);
  g_assert_true (sv_file_read_optional (present, 0, &text, &len, &fd, &error));
  g_assert_cmpstr (text, ==, "text\n");
  g_assert_cmpuint (len, ==, 5);
  g_assert_cmpint (fd, >=, 0);
  close (fd);
  g_clear_pointer (&text, g_free);
  g_assert_false (sv_file_read_optional (f->dir, 0, &text, NULL, NULL, &error));
  g_assert_null (text);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY);
  g_assert_true (g_str_has_prefix (error->message, "read "));
}

/* A /proc file (st_size 0) is read whole; a missing file is NULL with errno ENOENT. */
static void
test_read_text (Fixture *f, gconstpointer data)
{
  g_autofree char *absent = g_build_filename (f->dir, "absent", NULL);
  g_autofree char *present = write_file (f, "present", "one\ntwo\n");
  g_autofree char *status = NULL;
  g_autofree char *text = NULL;
  gsize len = 0;

  text = sv_file_read_text (present, &len);
  g_assert_cmpstr (text, ==, "one\ntwo\n");
  g_assert_cmpuint (len, ==, 8);
  status = sv_file_read_text ("/proc/self/status", &len);
  g_assert_nonnull (status);
  g_assert_cmpuint (len, ==, strlen (status));
  g_assert_true (g_str_has_prefix (status, "Name:"));
  g_assert_nonnull (strstr (status, "\nPid:"));
  g_assert_true (g_str_has_suffix (status, "\n"));
  errno = 0;
  g_assert_null (sv_file_read_text (absent, &len));
  g_assert_cmpint (errno, ==, ENOENT);
}

/* A tree goes whole; a symlink in it goes, never what it points to. */
static void
test_remove_tree (Fixture *f, gconstpointer data)
{
  g_autofree char *tree = g_build_filename (f->dir, "tree", NULL);
  g_autofree char *deep = g_build_filename (tree, "sub", "deep", NULL);
  g_autofree char *keep = g_build_filename (f->dir, "keep", NULL);
  g_autofree char *kept = g_build_filename (keep, "kept", NULL);
  g_autofree char *link = g_build_filename (tree, "sub", "to-keep", NULL);
  g_autofree char *leaf = g_build_filename (deep, "leaf", NULL);
  g_autofree char *under_file = g_build_filename (leaf, "x", NULL);
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (deep, 0755), ==, 0);
  g_assert_cmpint (g_mkdir (keep, 0755), ==, 0);
  g_assert_true (g_file_set_contents (kept, "k", -1, NULL));
  g_assert_true (g_file_set_contents (leaf, "l", -1, NULL));
  g_assert_cmpint (symlink (keep, link), ==, 0);
  /* under a file: the error names the path */
  g_assert_false (sv_file_remove_tree (under_file, &error));
  g_assert_nonnull (strstr (error->message, under_file));
  g_assert_true (sv_file_remove_tree (tree, NULL));
  g_assert_false (g_file_test (tree, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (kept, G_FILE_TEST_IS_REGULAR));
  /* gone already: nothing to do */
  g_assert_true (sv_file_remove_tree (tree, NULL));
}

static long
minor_faults (void)
{
  struct rusage ru;

  g_assert_cmpint (getrusage (RUSAGE_SELF, &ru), ==, 0);
  return ru.ru_minflt;
}

/* After a warm of 4 MiB, a 2 MiB block (above glibc's default mmap threshold) comes from the
 * populated heap: writing all of it takes almost no page fault, where a fresh block takes one
 * a page (512).  In a fresh process: the suite's other tests shape the heap. */
static void
test_heap_warm (void)
{
#if defined(__SANITIZE_ADDRESS__)
  g_test_skip ("AddressSanitizer replaces malloc: no glibc heap to warm");
  return;
#endif
  if (g_test_subprocess ())
    {
      const gsize block = 2 * 1024 * 1024;
      volatile char *p;
      long before;

      sv_heap_warm (4 * 1024 * 1024);
      p = malloc (block);
      g_assert_nonnull ((char *) p);
      before = minor_faults ();
      /* (volatile: a write the compiler cannot drop before the free) */
      for (gsize i = 0; i < block; i += 4096)
        p[i] = 1;
      g_assert_cmpint (minor_faults () - before, <, 32);
      free ((char *) p);
      return;
    }
  {
    void *probe = mmap (NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    gboolean populate = probe != MAP_FAILED && madvise (probe, 4096, MADV_POPULATE_WRITE) == 0;

    if (probe != MAP_FAILED)
      munmap (probe, 4096);
    if (!populate)
      {
        g_test_skip ("no MADV_POPULATE_WRITE (Linux < 5.14): nothing is populated");
        return;
      }
  }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/sv-util/subid/parses-entries", test_subid_parses_entries);
  ADD ("/sv-util/subid/malformed-line-of-user-names-line", test_subid_malformed_line_of_user);
  ADD ("/sv-util/subid/missing-file-is-empty", test_subid_missing_file);
  ADD ("/sv-util/subid/parse-text", test_subid_parse_text);
  ADD ("/sv-util/daemon-json/fields", test_daemon_json_fields);
  ADD ("/sv-util/daemon-json/missing-is-defaults", test_daemon_json_missing_is_defaults);
  ADD ("/sv-util/daemon-json/malformed-names-file", test_daemon_json_malformed_names_file);
  ADD ("/sv-util/daemon-json/wrong-type-names-field", test_daemon_json_wrong_type);
  g_test_add_func ("/sv-util/daemon-json/deep-nesting-refused", test_daemon_json_deep_nesting);
  g_test_add_func ("/sv-util/daemon-json/brackets-in-strings",
                   test_daemon_json_brackets_in_strings);
  ADD ("/sv-util/file/atomic-write-replaces", test_atomic_write_replaces);
  ADD ("/sv-util/file/atomic-write-failure-keeps-old", test_atomic_write_failure_keeps_old);
  ADD ("/sv-util/file/replace-keeps-readers-leaves-no-temp", test_replace_exchanges);
  ADD ("/sv-util/file/lock-file", test_lock_file);
  ADD ("/sv-util/file/read-optional", test_read_optional);
  ADD ("/sv-util/file/read-text", test_read_text);
  ADD ("/sv-util/file/remove-tree", test_remove_tree);
  g_test_add_func ("/sv-util/path/is-under", test_path_is_under);
  ADD ("/sv-util/path/nearest-existing", test_path_nearest_existing);
  g_test_add_func ("/sv-util/mount/fstype", test_mount_fstype);
  g_test_add_func ("/sv-util/mountinfo/unescape", test_mountinfo_unescape);
  ADD ("/sv-util/path/canonical", test_path_canonical);
  g_test_add_func ("/sv-util/log/levels", test_log_levels);
  g_test_add_func ("/sv-util/error/errno", test_error_errno);
  g_test_add_func ("/sv-util/heap/warm", test_heap_warm);
  return g_test_run ();
}
