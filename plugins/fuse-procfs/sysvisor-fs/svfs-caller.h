/* sysvisor-fs: acting for the caller of a trapped syscall (svfs-caller.c).  What the mount
 * answers (svfs-remount.c, svfs-procmount.c, svfs-immutable.c) share: the caller's strings,
 * its fds, and a child that runs in the caller's context with a deadline. */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* The longest string (a path, mount data) read from a caller's memory. */
#define SVFS_CALLER_STRING_MAX 4096

/* The NUL-terminated string at @addr in @pid's memory (read page by page: a string near the
 * end of a mapping must not fail as a whole); NULL if unreadable or longer than @max. */
gchar *svfs_read_caller_string (pid_t pid, guint64 addr, gsize max);

/* "/proc/self/fd/N" or "/proc/thread-self/fd/N" (runc mounts through its fds so that no path
 * can be swapped): the caller's fd N, taken with pidfd_getfd.  -1 for any other path, -2 for
 * such a path whose fd cannot be taken, -3 for a path below such an fd (the caller's
 * /proc/self is not ours). */
int svfs_caller_fd_of (int pidfd, const char *path);
/* A pidfd of thread @tid (the caller of a trapped call), or -1. */
int svfs_caller_pidfd (pid_t tid);

/* The caller as fds: its thread's pidfd (its namespaces), its root and working directory.
 * They name the caller only while its request is pending: check that after opening. */
typedef struct
{
  int pidfd, rootfd, cwdfd;
} SvfsCallerCtx;
#define SVFS_CALLER_CTX_INIT                                                                     \
  {                                                                                              \
    -1, -1, -1                                                                                   \
  }

/* Open @pid's fds into @c: 0, or ESRCH when one cannot be had (@c holds those that could). */
int svfs_caller_ctx_open (SvfsCallerCtx *c, pid_t pid);
void svfs_caller_ctx_close (SvfsCallerCtx *c);
/* In a child (async-signal-safe): join the caller's user and mount namespaces, then its root
 * and working directory.  0 or an errno. */
int svfs_caller_ctx_enter (const SvfsCallerCtx *c);

/* Every child the supervisor forks for a trapped call has a deadline: a path whose lookup
 * hangs (a FUSE mount the container serves and does not answer) must cost its own caller
 * only.  Past it the child is killed and the caller gets ETIMEDOUT. */
#define SVFS_CHILD_DEADLINE_MS 10000
#define SVFS_CHILD_KILL_WAIT_MS 1000
/* Fork a child that runs @fn (@data) and exits with what it returns (an errno; the child
 * calls only async-signal-safe code), and wait for it: its status, EIO if a signal ended it,
 * ETIMEDOUT past SVFS_CHILD_DEADLINE_MS, or fork's errno. */
int svfs_run_child (int (*fn) (gpointer data), gpointer data);
/* First thing in every such child (async-signal-safe): it drops the connection to the listener
 * keeper (else a child that hangs would keep the keeper from seeing the daemon die, and the
 * keeper would not answer the calls in flight) and dies with the thread that forked it. */
void svfs_child_after_fork (void);
/* And again once it joined the caller's user namespace (that clears the parent-death signal). */
void svfs_child_joined (void);
/* Wait for @child: its exit status (an errno), EIO if a signal ended it, ETIMEDOUT when killed
 * after @timeout_ms (reaped later if it does not die at once). */
int svfs_wait_child (pid_t child, int timeout_ms);

G_END_DECLS
