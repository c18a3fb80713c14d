/* Unit tests: the daemon's serving mark on its lock file (svfs-serving.c), which the
 * fuse-procfs plugin trusts instead of asking the mount on every create.  A "mountpoint" here
 * is a scratch directory: the mark names its filesystem's device.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "svfs-serving.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct
{
  gchar *run_dir;
  gchar *mnt;
  gchar *lock;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  (void) data;
  f->run_dir = g_dir_make_tmp ("svfs-serving-run-XXXXXX", NULL);
  f->mnt = g_dir_make_tmp ("svfs-serving-mnt-XXXXXX", NULL);
  g_assert_nonnull (f->run_dir);
  g_assert_nonnull (f->mnt);
  g_setenv ("SYSVISOR_FS_RUN_DIR", f->run_dir, TRUE);
  f->lock = svfs_lock_path (f->mnt);
  g_assert_true (g_str_has_prefix (f->lock, f->run_dir));
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  (void) data;
  g_unlink (f->lock);
  g_rmdir (f->run_dir);
  g_rmdir (f->mnt);
  g_free (f->lock);
  g_free (f->mnt);
  g_free (f->run_dir);
}

/* The lock file as svfs_lock_write leaves it, open as the daemon holds it. */
static int
lock_file (Fixture *f, const char *text)
{
  int fd = open (f->lock, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, text, strlen (text)), ==, (gssize) strlen (text));
  return fd;
}

static void
hold_read_lock (int fd)
{
  struct flock lk = { .l_type = F_RDLCK, .l_whence = SEEK_SET };

  g_assert_cmpint (fcntl (fd, F_OFD_SETLK, &lk), ==, 0);
}

/* Whether a daemon holding the mark lock on a lock file of @text would be trusted. */
static gboolean
serving_with (Fixture *f, const char *text)
{
  int fd = lock_file (f, text);
  gboolean serving;

  hold_read_lock (fd);
  serving = svfs_serving (f->mnt);
  close (fd);
  return serving;
}

/* The lock file's text with the dev line of @path's filesystem. */
static gchar *
text_naming (const char *path)
{
  struct stat st;

  g_assert_cmpint (stat (path, &st), ==, 0);
  return g_strdup_printf ("pid=1\ngeneration=1\ndev=%u:%u\n", major (st.st_dev),
                          minor (st.st_dev));
}

static void
test_no_lock_file (Fixture *f, gconstpointer data)
{
  (void) data;
  g_assert_false (svfs_serving (f->mnt));
}

/* A lock file that names the filesystem but whose lock nobody holds (its daemon died, or
 * stopped) is not trusted. */
static void
test_unmarked (Fixture *f, gconstpointer data)
{
  g_autofree gchar *text = text_naming (f->mnt);
  int fd = lock_file (f, text);

  (void) data;
  g_assert_false (svfs_serving (f->mnt));
  close (fd);
}

static void
test_mark_unmark (Fixture *f, gconstpointer data)
{
  int fd;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *text = NULL;

  (void) data;
  fd = lock_file (f, "pid=1\ngeneration=1\n");
  g_assert_true (svfs_serving_mark (fd, f->mnt, &error));
  g_assert_no_error (error);
  g_assert_true (svfs_serving (f->mnt));
  g_assert_true (g_file_get_contents (f->lock, &text, NULL, NULL));
  g_assert_true (g_str_has_prefix (text, "pid=1\ngeneration=1\ndev="));
  svfs_serving_unmark (fd);
  g_assert_false (svfs_serving (f->mnt));
  g_assert_true (svfs_serving_mark (fd, f->mnt, &error));
  g_assert_true (svfs_serving (f->mnt));
  /* The mark is the open file's: closed (the daemon is gone), nothing holds it. */
  close (fd);
  g_assert_false (svfs_serving (f->mnt));
}

/* A mark that cannot be made says which part failed: the mountpoint's stat names the
 * mountpoint; a lock file that cannot be read or written names the lock file, not it. */
static void
test_mark_errors (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *gone = g_build_filename (f->mnt, "gone", NULL);
  int fd = lock_file (f, "pid=1\ngeneration=1\n");

  (void) data;
  g_assert_false (svfs_serving_mark (fd, gone, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_true (g_str_has_prefix (error->message, "stat "));
  g_assert_nonnull (strstr (error->message, gone));
  g_clear_error (&error);
  close (fd);
  /* (a closed fd: the mountpoint is fine, the lock file is what fails) */
  g_assert_false (svfs_serving_mark (fd, f->mnt, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_BADF);
  g_assert_true (g_str_has_prefix (error->message, "mark the lock file as serving: "));
  g_assert_null (strstr (error->message, f->mnt));
  g_assert_false (svfs_serving (f->mnt));
}

/* Marked for another filesystem than the one on the mountpoint now (the daemon's mount was
 * covered, or the caller's mount namespace has something else there). */
static void
test_other_filesystem (Fixture *f, gconstpointer data)
{
  g_autofree gchar *proc = text_naming ("/proc");
  g_autofree gchar *mnt = text_naming (f->mnt);

  (void) data;
  g_assert_cmpstr (proc, !=, mnt);
  g_assert_false (serving_with (f, proc));
  g_assert_true (serving_with (f, mnt));
}

/* A dev line without its newline is half of one: not trusted. */
static void
test_torn_line (Fixture *f, gconstpointer data)
{
  g_autofree gchar *whole = text_naming (f->mnt);
  g_autofree gchar *torn = g_strndup (whole, strlen (whole) - 1);

  (void) data;
  g_assert_false (serving_with (f, torn));
  g_assert_true (serving_with (f, whole));
}

/* The daemon is another process: its mark holds while it lives and goes when it is killed. */
static void
test_killed_daemon (Fixture *f, gconstpointer data)
{
  int ready[2];
  char c;
  pid_t pid;
  int status;

  (void) data;
  g_assert_cmpint (pipe (ready), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      int fd = lock_file (f, "pid=1\ngeneration=1\n");
      if (!svfs_serving_mark (fd, f->mnt, NULL) || write (ready[1], "x", 1) != 1)
        _exit (1);
      pause ();
      _exit (0);
    }
  close (ready[1]);
  g_assert_cmpint (read (ready[0], &c, 1), ==, 1);
  close (ready[0]);
  g_assert_true (svfs_serving (f->mnt));
  kill (pid, SIGKILL);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_false (svfs_serving (f->mnt));
}

/* The run directory: $SYSVISOR_FS_RUN_DIR when set and not empty, as daemon and plugin agree. */
static void
test_lock_path (void)
{
  g_autofree gchar *set = NULL, *empty = NULL, *unset = NULL, *other = NULL;

  g_setenv ("SYSVISOR_FS_RUN_DIR", "/tmp/some-run", TRUE);
  set = svfs_lock_path ("/var/lib/sysvisorfs");
  other = svfs_lock_path ("/var/lib/other");
  g_setenv ("SYSVISOR_FS_RUN_DIR", "", TRUE);
  empty = svfs_lock_path ("/var/lib/sysvisorfs");
  g_unsetenv ("SYSVISOR_FS_RUN_DIR");
  unset = svfs_lock_path ("/var/lib/sysvisorfs");
  g_assert_true (g_str_has_prefix (set, "/tmp/some-run/sysvisor-fs-"));
  g_assert_true (g_str_has_suffix (set, ".lock"));
  g_assert_cmpstr (set + strlen ("/tmp/some-run"), ==, unset + strlen ("/run/sysvisor-fs"));
  g_assert_cmpstr (set, !=, other);
  g_assert_true (g_str_has_prefix (unset, "/run/sysvisor-fs/sysvisor-fs-"));
  g_assert_cmpstr (empty, ==, unset);
}

/* What a lock file names, as the daemon writes it; anything else names nothing. */
static void
test_lock_parse (void)
{
  pid_t pid = 0;
  guint gen = 0;

  g_assert_true (svfs_lock_parse ("pid=42\ngeneration=3\nmountpoint=/m\ndev=0:39\n", &pid, &gen));
  g_assert_cmpint (pid, ==, 42);
  g_assert_cmpuint (gen, ==, 3);
  g_assert_false (svfs_lock_parse (NULL, &pid, &gen));
  g_assert_false (svfs_lock_parse ("", &pid, &gen));
  g_assert_false (svfs_lock_parse ("pid=42\n", &pid, &gen));
  g_assert_false (svfs_lock_parse ("pid=0\ngeneration=1\n", &pid, &gen));
  g_assert_false (svfs_lock_parse ("dev=0:39\npid=42\ngeneration=3\n", &pid, &gen));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/svfs/serving/lock-path", test_lock_path);
  g_test_add_func ("/svfs/serving/lock-parse", test_lock_parse);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/svfs/serving/no-lock-file", test_no_lock_file);
  ADD ("/svfs/serving/unmarked", test_unmarked);
  ADD ("/svfs/serving/mark-unmark", test_mark_unmark);
  ADD ("/svfs/serving/mark-errors", test_mark_errors);
  ADD ("/svfs/serving/other-filesystem", test_other_filesystem);
  ADD ("/svfs/serving/torn-line", test_torn_line);
  ADD ("/svfs/serving/killed-daemon", test_killed_daemon);
#undef ADD
  return g_test_run ();
}
