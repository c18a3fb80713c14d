/* sysvisor-fs: acting for the caller of a trapped syscall (svfs-caller.h). */
#include "svfs-caller.h"

#include "svfs-keeper.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define SVFS_PIDFD_THREAD O_EXCL /* PIDFD_THREAD, Linux 6.9 */

gchar *
svfs_read_caller_string (pid_t pid, guint64 addr, gsize max)
{
  g_autofree gchar *buf = g_malloc0 (max + 1);
  gsize got = 0;

  while (got < max)
    {
      gsize chunk = 4096 - ((addr + got) & 4095);
      struct iovec local = { .iov_base = buf + got, .iov_len = MIN (chunk, max - got) };
      struct iovec remote = { .iov_base = (void *) (uintptr_t) (addr + got),
                              .iov_len = local.iov_len };
      ssize_t n = process_vm_readv (pid, &local, 1, &remote, 1, 0);
      if (n <= 0)
        return NULL;
      if (memchr (buf + got, '\0', n) != NULL)
        return g_steal_pointer (&buf);
      got += n;
    }
  return NULL;
}

int
svfs_caller_fd_of (int pidfd, const char *path)
{
  const char *rest = NULL;
  gint64 n;

  if (g_str_has_prefix (path, "/proc/self/fd/"))
    rest = path + strlen ("/proc/self/fd/");
  else if (g_str_has_prefix (path, "/proc/thread-self/fd/"))
    rest = path + strlen ("/proc/thread-self/fd/");
  if (rest == NULL)
    return -1;
  if (!g_ascii_string_to_signed (rest, 10, 0, G_MAXINT, &n, NULL))
    return -3;
  n = syscall (SYS_pidfd_getfd, pidfd, (int) n, 0);
  return n < 0 ? -2 : (int) n;
}

/* A Go runtime calls mount from any thread, and a thread may have its own mount namespace:
 * PIDFD_THREAD (Linux 6.9), else the thread must lead. */
int
svfs_caller_pidfd (pid_t tid)
{
  int fd = (int) syscall (SYS_pidfd_open, tid, SVFS_PIDFD_THREAD);

  return fd >= 0 || errno != EINVAL ? fd : (int) syscall (SYS_pidfd_open, tid, 0);
}

int
svfs_caller_ctx_open (SvfsCallerCtx *c, pid_t pid)
{
  g_autofree gchar *root = g_strdup_printf ("/proc/%d/root", (int) pid);
  g_autofree gchar *cwd = g_strdup_printf ("/proc/%d/cwd", (int) pid);

  c->pidfd = svfs_caller_pidfd (pid);
  c->rootfd = open (root, O_PATH | O_CLOEXEC);
  c->cwdfd = open (cwd, O_PATH | O_CLOEXEC);
  return c->pidfd < 0 || c->rootfd < 0 || c->cwdfd < 0 ? ESRCH : 0;
}

void
svfs_caller_ctx_close (SvfsCallerCtx *c)
{
  int *fds[] = { &c->pidfd, &c->rootfd, &c->cwdfd };

  for (guint i = 0; i < G_N_ELEMENTS (fds); i++)
    if (*fds[i] >= 0)
      {
        close (*fds[i]);
        *fds[i] = -1;
      }
}

int
svfs_caller_ctx_enter (const SvfsCallerCtx *c)
{
  if (setns (c->pidfd, CLONE_NEWUSER | CLONE_NEWNS) < 0 || fchdir (c->rootfd) < 0
      || chroot (".") < 0 || fchdir (c->cwdfd) < 0)
    return errno;
  svfs_child_joined ();
  return 0;
}

void
svfs_child_after_fork (void)
{
  int conn = svfs_keeper_connection ();

  if (conn >= 0)
    close (conn);
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

void
svfs_child_joined (void)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* A child's stack (see svfs_run_child): unmapped once the child is reaped, never before. */
typedef struct
{
  pid_t pid;
  gpointer stack;
} Child;

/* A stack for a CLONE_VM child, its lowest page a guard (an overflow faults instead of
 * writing the daemon's memory); NULL with errno set. */
static gpointer
child_stack_new (void)
{
  char *stack = mmap (NULL, SVFS_CHILD_STACK_SIZE, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);

  if (stack == MAP_FAILED)
    return NULL;
  if (mprotect (stack, SVFS_CHILD_GUARD_SIZE, PROT_NONE) < 0)
    {
      int err = errno;
      munmap (stack, SVFS_CHILD_STACK_SIZE);
      errno = err;
      return NULL;
    }
  return stack;
}

static void
child_stack_free (gpointer stack)
{
  if (stack != NULL)
    munmap (stack, SVFS_CHILD_STACK_SIZE);
}

static void
child_reaped (Child *c)
{
  child_stack_free (c->stack);
  g_free (c);
}

static gpointer
reap (gpointer data)
{
  Child *c = data;

  while (waitpid (c->pid, NULL, 0) < 0 && errno == EINTR)
    ;
  child_reaped (c);
  return NULL;
}

/* A killed child that does not exit at once (stuck in an uninterruptible wait) is reaped by a
 * thread of its own: the answer does not wait for it.  Such a child runs no code of its own
 * again (SIGKILL is taken on its way back from the kernel), but its stack stays mapped until
 * it is reaped. */
static void
kill_child (pid_t child, int pidfd, gpointer stack)
{
  struct pollfd p = { .fd = pidfd, .events = POLLIN };
  Child *c = g_new (Child, 1);
  GThread *t;

  *c = (Child){ .pid = child, .stack = stack };
  kill (child, SIGKILL);
  if (poll (&p, 1, SVFS_CHILD_KILL_WAIT_MS) == 1)
    reap (c);
  else if ((t = g_thread_try_new ("svfs-reap", reap, c, NULL)) != NULL)
    g_thread_unref (t);
  else
    g_free (c); /* (its stack is left mapped: it may still be the child's) */
}

/* Wait for @child (@pidfd: its pidfd, or -1) as svfs_wait_child does; @stack (or NULL) is
 * unmapped once it is reaped. */
static int
wait_child (pid_t child, int pidfd, int timeout_ms, gpointer stack)
{
  struct pollfd p = { .fd = pidfd, .events = POLLIN };
  int status, n;

  if (p.fd >= 0)
    {
      do
        n = poll (&p, 1, timeout_ms);
      while (n < 0 && errno == EINTR);
      if (n == 0)
        {
          kill_child (child, p.fd, stack);
          close (p.fd);
          return ETIMEDOUT;
        }
      close (p.fd);
    }
  while (waitpid (child, &status, 0) < 0)
    if (errno != EINTR)
      return ECHILD; /* (the stack is left mapped: the child may be running) */
  child_stack_free (stack);
  return WIFEXITED (status) ? WEXITSTATUS (status) : EIO;
}

int
svfs_wait_child (pid_t child, int timeout_ms)
{
  return wait_child (child, (int) syscall (SYS_pidfd_open, child, 0), timeout_ms, NULL);
}

typedef struct
{
  int (*fn) (gpointer data);
  gpointer data;
} ChildStart;

static int
child_start (void *p)
{
  const ChildStart *start = p;

  svfs_child_after_fork ();
  return start->fn (start->data);
}

int
svfs_run_child (int (*fn) (gpointer data), gpointer data)
{
  return svfs_run_child_within (fn, data, SVFS_CHILD_DEADLINE_MS);
}

int
svfs_run_child_within (int (*fn) (gpointer data), gpointer data, int timeout_ms)
{
  ChildStart start = { .fn = fn, .data = data };
  gpointer stack = child_stack_new ();
  int pidfd = -1, err;
  pid_t child;

  if (stack == NULL)
    return errno;
  child = clone (child_start, (char *) stack + SVFS_CHILD_STACK_SIZE,
                 CLONE_VM | CLONE_PIDFD | SIGCHLD, &start, &pidfd);
  if (child < 0)
    {
      err = errno;
      child_stack_free (stack);
      return err;
    }
  return wait_child (child, pidfd, timeout_ms, stack);
}

int
svfs_fork_child (int (*fn) (gpointer data), gpointer data)
{
  pid_t child = fork ();

  if (child == 0)
    {
      svfs_child_after_fork ();
      _exit (fn (data));
    }
  if (child < 0)
    return errno;
  return svfs_wait_child (child, SVFS_CHILD_DEADLINE_MS);
}
