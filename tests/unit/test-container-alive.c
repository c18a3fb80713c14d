/* test-container-alive.c: whether a container still exists for the runtime
 * (sv_host_container_alive in container-api.c, and the `committed` mark of state.c), which
 * plugins ask before reclaiming a container's resources.  Fail-safe: FALSE only when the
 * container is certainly gone. */
#include "state.h"
#include "utils.h"

#include <sysvisor/plugin.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct
{
  char *root;
} Fixture;

/* Warnings are what the fail-safe answers log: recorded here instead of aborting the test. */
static GString *warnings;

static void
record_log (const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
  if (level & G_LOG_LEVEL_WARNING)
    g_string_append_printf (warnings, "%s\n", message);
  else
    g_log_default_handler (domain, level, message, data);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->root = g_dir_make_tmp ("sv-test-alive-XXXXXX", &error);
  g_assert_no_error (error);
  g_string_truncate (warnings, 0);
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
save (Fixture *f, const char *id, pid_t pid, pid_t creator, guint64 creator_starttime)
{
  g_autoptr (SvState) st = g_new0 (SvState, 1);
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = sv_state_dir (f->root, id);

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    g_assert_true (sv_state_create_dir (f->root, id, &error));
  st->id = g_strdup (id);
  st->bundle = g_strdup ("/b");
  st->pid = pid;
  st->starttime = pid > 0 ? sv_proc_starttime (pid) : 0;
  st->creator_pid = creator;
  st->creator_starttime = creator_starttime;
  g_assert_true (sv_state_save (f->root, st, &error));
  g_assert_no_error (error);
}

/* The pid and start time of a process that has exited and been reaped. */
static pid_t
dead_process (guint64 *starttime)
{
  int fds[2];
  char c;
  pid_t pid;

  g_assert_cmpint (pipe (fds), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      close (fds[1]);
      (void) !read (fds[0], &c, 1);
      _exit (0);
    }
  close (fds[0]);
  *starttime = sv_proc_starttime (pid);
  g_assert_cmpuint (*starttime, !=, 0);
  close (fds[1]);
  g_assert_cmpint (waitpid (pid, NULL, 0), ==, pid);
  return pid;
}

static void
test_committed_mark (Fixture *f, gconstpointer data)
{
  g_assert_true (sv_state_create_dir (f->root, "c1", NULL));
  g_assert_false (sv_state_committed (f->root, "c1"));
  sv_state_mark_committed (f->root, "c1");
  g_assert_true (sv_state_committed (f->root, "c1"));
  /* A mark seen is remembered by this process (its deletion since is seen by the next one):
   * still in use, the safe answer. */
  g_assert_true (sv_state_remove (f->root, "c1", NULL));
  g_assert_true (sv_state_committed (f->root, "c1"));
  /* Not a path: an id that is not valid is never committed. */
  g_assert_false (sv_state_committed (f->root, "../c1"));
  g_assert_false (sv_state_committed (f->root, "nobody"));
}

static void
test_missing_is_dead (Fixture *f, gconstpointer data)
{
  g_assert_false (sv_host_container_alive (NULL, f->root, "nobody"));
  g_assert_cmpstr (warnings->str, ==, "");
}

/* Committed: alive from the mark alone, whatever state.json holds. */
static void
test_committed_is_alive (Fixture *f, gconstpointer data)
{
  guint64 start;
  pid_t dead = dead_process (&start);
  g_autofree char *file = g_build_filename (f->root, "done", "state.json", NULL);

  save (f, "done", 0, dead, start);
  g_assert_false (sv_host_container_alive (NULL, f->root, "done"));
  sv_state_mark_committed (f->root, "done");
  g_assert_true (sv_host_container_alive (NULL, f->root, "done"));
  g_assert_true (g_file_set_contents (file, "not json", -1, NULL));
  g_assert_true (sv_host_container_alive (NULL, f->root, "done"));
  g_assert_cmpstr (warnings->str, ==, "");
}

/* An init's pid in the state: alive (the init may have exited: it is a stopped container,
 * which exists until it is deleted). */
static void
test_with_pid_is_alive (Fixture *f, gconstpointer data)
{
  guint64 start;
  pid_t dead = dead_process (&start);

  save (f, "running", getpid (), 0, 0);
  g_assert_true (sv_host_container_alive (NULL, f->root, "running"));
  save (f, "stopped", dead, 0, 0);
  g_assert_true (sv_host_container_alive (NULL, f->root, "stopped"));
}

/* No pid yet and the creator lives (same pid and start time): a create in progress. */
static void
test_live_creator_is_alive (Fixture *f, gconstpointer data)
{
  save (f, "creating", 0, getpid (), sv_proc_starttime (getpid ()));
  g_assert_true (sv_host_container_alive (NULL, f->root, "creating"));
}

/* No pid and the creator has exited: a crashed create, dead. */
static void
test_dead_creator_is_dead (Fixture *f, gconstpointer data)
{
  guint64 start;
  pid_t dead = dead_process (&start);

  save (f, "crashed", 0, dead, start);
  g_assert_false (sv_host_container_alive (NULL, f->root, "crashed"));
  /* No creator recorded at all: nothing can still write a pid. */
  save (f, "orphan", 0, 0, 0);
  g_assert_false (sv_host_container_alive (NULL, f->root, "orphan"));
}

/* The creator's pid now belongs to another process (other start time): the creator is gone,
 * the create crashed. */
static void
test_recycled_creator_pid_is_dead (Fixture *f, gconstpointer data)
{
  save (f, "recycled", 0, getpid (), sv_proc_starttime (getpid ()) + 1);
  g_assert_false (sv_host_container_alive (NULL, f->root, "recycled"));
}

/* /proc/PID/stat's fields through the one parser: a child's parent is us, ours is our parent,
 * a process with a name of spaces and parentheses reads right, a pid that is gone is -1. */
static void
test_proc_ppid (Fixture *f, gconstpointer data)
{
  guint64 start;
  pid_t dead = dead_process (&start);
  pid_t child = fork ();

  g_assert_cmpint (child, >=, 0);
  if (child == 0)
    {
      prctl (PR_SET_NAME, "a) b (c) 1 2");
      pause ();
      _exit (0);
    }
  g_assert_cmpint (sv_proc_ppid (getpid ()), ==, getppid ());
  for (int i = 0; i < 200; i++)
    {
      g_autofree char *comm = NULL;
      g_autofree char *path = g_strdup_printf ("/proc/%d/comm", (int) child);
      if (g_file_get_contents (path, &comm, NULL, NULL) && g_str_has_prefix (comm, "a) b"))
        break;
      g_usleep (5000);
    }
  g_assert_cmpint (sv_proc_ppid (child), ==, getpid ());
  g_assert_cmpuint (sv_proc_starttime (child), >=, sv_proc_starttime (getpid ()));
  kill (child, SIGKILL);
  waitpid (child, NULL, 0);
  g_assert_cmpint (sv_proc_ppid (child), ==, -1);
  g_assert_cmpint (sv_proc_ppid (dead), ==, -1);
  g_assert_cmpint (sv_proc_ppid (0), ==, -1);
}

/* A state directory whose state cannot be read (none yet, not JSON, another container's) keeps
 * the container alive, with a warning that names it. */
static void
test_unreadable_is_alive (Fixture *f, gconstpointer data)
{
  g_autofree char *bad = g_build_filename (f->root, "garbled", "state.json", NULL);

  g_assert_true (sv_state_create_dir (f->root, "early", NULL));
  g_assert_true (sv_host_container_alive (NULL, f->root, "early"));
  g_assert_nonnull (strstr (warnings->str, "container early"));
  g_assert_true (sv_state_create_dir (f->root, "garbled", NULL));
  g_assert_true (g_file_set_contents (bad, "{\"id\":", -1, NULL));
  g_assert_true (sv_host_container_alive (NULL, f->root, "garbled"));
  g_assert_nonnull (strstr (warnings->str, "container garbled"));
  g_assert_nonnull (strstr (warnings->str, "resources are kept"));
}

#define ADD(name, fn) g_test_add (name, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  warnings = g_string_new (NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_log_set_default_handler (record_log, NULL);
  ADD ("/container-alive/committed-mark", test_committed_mark);
  ADD ("/container-alive/missing-dir-is-dead", test_missing_is_dead);
  ADD ("/container-alive/committed-is-alive-whatever-the-state", test_committed_is_alive);
  ADD ("/container-alive/pid-recorded-is-alive", test_with_pid_is_alive);
  ADD ("/container-alive/live-creator-is-alive", test_live_creator_is_alive);
  ADD ("/container-alive/dead-creator-is-dead", test_dead_creator_is_dead);
  ADD ("/container-alive/recycled-creator-pid-is-dead", test_recycled_creator_pid_is_dead);
  ADD ("/container-alive/unreadable-state-is-alive-with-warning", test_unreadable_is_alive);
  ADD ("/container-alive/proc-ppid", test_proc_ppid);
  return g_test_run ();
}
