/* Unit tests of svfs-caller.c's children: what a child returns is the answer, a child a signal
 * ends is EIO, a child past its deadline is killed and reaped (ETIMEDOUT), and the stacks of
 * svfs_run_child's children are given back.  Those children share the daemon's memory and
 * nothing else: their fds and pid are their own.  svfs_fork_child's children change a copy. */
#include "svfs-caller.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The keeper link is the daemon's (svfs-keeper-link.c): none here. */
int svfs_keeper_connection (void);
int
svfs_keeper_connection (void)
{
  return -1;
}

typedef struct
{
  int answer;
  pid_t pid; /* what the child saw as its pid */
  int fd;    /* an fd of the test's that the child closes */
  int written;
} Shared;

static int
child_answers (gpointer data)
{
  Shared *s = data;

  s->pid = getpid ();
  s->written = 1;
  if (s->fd >= 0)
    close (s->fd);
  return s->answer;
}

static int
child_killed (gpointer data)
{
  raise (SIGKILL);
  return 0;
}

static int
child_hangs (gpointer data)
{
  for (;;)
    pause ();
  return 0;
}

static void
test_answer_is_exit_status (void)
{
  for (int answer = 0; answer < 3; answer++)
    {
      Shared s = { .answer = answer == 2 ? EACCES : answer, .fd = -1 };
      g_assert_cmpint (svfs_run_child (child_answers, &s), ==, s.answer);
      g_assert_cmpint (svfs_fork_child (child_answers, &s), ==, s.answer);
    }
}

static void
test_child_shares_memory_not_fds (void)
{
  Shared s = { .fd = open ("/dev/null", O_RDONLY | O_CLOEXEC) };

  g_assert_cmpint (s.fd, >=, 0);
  g_assert_cmpint (svfs_run_child (child_answers, &s), ==, 0);
  g_assert_cmpint (s.written, ==, 1); /* the child wrote the test's memory */
  g_assert_cmpint (s.pid, !=, getpid ());
  g_assert_cmpint (fcntl (s.fd, F_GETFD), >=, 0); /* its close was of its own copy */
  close (s.fd);
}

static void
test_fork_child_changes_a_copy (void)
{
  Shared s = { .fd = -1 };

  g_assert_cmpint (svfs_fork_child (child_answers, &s), ==, 0);
  g_assert_cmpint (s.written, ==, 0);
}

static void
test_signal_is_eio (void)
{
  g_assert_cmpint (svfs_run_child (child_killed, NULL), ==, EIO);
  g_assert_cmpint (svfs_fork_child (child_killed, NULL), ==, EIO);
}

static void
test_deadline_kills_and_reaps (void)
{
  gint64 t0 = g_get_monotonic_time ();

  g_assert_cmpint (svfs_run_child_within (child_hangs, NULL, 200), ==, ETIMEDOUT);
  g_assert_cmpint (g_get_monotonic_time () - t0, <, 5 * G_USEC_PER_SEC);
  /* killed and reaped: no child of ours is left, not even a zombie */
  g_assert_cmpint (waitpid (-1, NULL, WNOHANG), ==, -1);
  g_assert_cmpint (errno, ==, ECHILD);
}

static gsize
vm_size_kb (void)
{
  g_autofree gchar *status = NULL;
  const char *line;

  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  line = strstr (status, "VmSize:");
  g_assert_nonnull (line);
  return (gsize) g_ascii_strtoull (line + strlen ("VmSize:"), NULL, 10);
}

static void
test_stacks_are_given_back (void)
{
  Shared s = { .fd = -1 };
  gsize before;

  g_assert_cmpint (svfs_run_child (child_answers, &s), ==, 0);
  before = vm_size_kb ();
  for (int i = 0; i < 100; i++)
    g_assert_cmpint (svfs_run_child (child_answers, &s), ==, 0);
  g_assert_cmpint (svfs_run_child_within (child_hangs, NULL, 50), ==, ETIMEDOUT);
  /* 101 stacks of 256 KiB kept would be 25 MiB more */
  g_assert_cmpuint (vm_size_kb (), <, before + SVFS_CHILD_STACK_SIZE / 1024);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/svfs-caller/answer-is-exit-status", test_answer_is_exit_status);
  g_test_add_func ("/svfs-caller/child-shares-memory-not-fds", test_child_shares_memory_not_fds);
  g_test_add_func ("/svfs-caller/fork-child-changes-a-copy", test_fork_child_changes_a_copy);
  g_test_add_func ("/svfs-caller/signal-is-eio", test_signal_is_eio);
  g_test_add_func ("/svfs-caller/deadline-kills-and-reaps", test_deadline_kills_and_reaps);
  g_test_add_func ("/svfs-caller/stacks-are-given-back", test_stacks_are_given_back);
  return g_test_run ();
}
