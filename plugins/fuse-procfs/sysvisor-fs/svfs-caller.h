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
/* Start a child that runs @fn (@data) and exits with what it returns (an errno), and wait for
 * it: its status, EIO if a signal ended it, ETIMEDOUT past SVFS_CHILD_DEADLINE_MS, or clone's
 * errno.  The child shares the daemon's memory (CLONE_VM, on a stack of its own: no page
 * tables to copy, ~0.1 ms where a fork of the daemon took ~1.5 ms on a PVM guest), not its
 * fds, namespaces, root or credentials.  So @fn must call only async-signal-safe code that
 * takes no lock and allocates nothing (a child killed at its deadline must not leave a lock
 * of the daemon's held), must not change what the mm holds for every task of it (no
 * PR_SET_DUMPABLE, no mmap of its own), and must stay out of the caller's pid namespace: a
 * process there could be named, and traced, by the container (svfs_fork_child for that). */
#define SVFS_CHILD_STACK_SIZE (256 * 1024)
#define SVFS_CHILD_GUARD_SIZE 4096
int svfs_run_child (int (*fn) (gpointer data), gpointer data);
/* The same with a deadline of @timeout_ms. */
int svfs_run_child_within (int (*fn) (gpointer data), gpointer data, int timeout_ms);
/* The same with a forked child: a copy of the daemon's memory, which @fn may change (make it
 * non-dumpable, enter a pid namespace and fork there). */
int svfs_fork_child (int (*fn) (gpointer data), gpointer data);
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
