/* sysvisor-fs: the listener keeper.  A small host-only process (`sysvisor-fs --keeper`,
 * started by the daemon) holds a duplicate of every seccomp listener the supervisor answers.
 * While the daemon lives the keeper never reads them.  When the daemon dies (its connection
 * to the keeper closes) the keeper answers the trapped calls in a degraded mode, so no
 * container hangs and no call gets ENOSYS: sysinfo(2) runs in the kernel (the host's values)
 * and every other trapped call fails with EPERM (a read-only mount never becomes writable).
 * A daemon started again attaches to the keeper, takes the listeners back and the keeper
 * goes quiet.  A stop on purpose (SIGTERM) ends the keeper too; a keeper killed while the
 * daemon lives is started again by the daemon.
 *
 * The keeper listens on a unix socket next to the daemon's lock file (root-only, in the host's
 * run directory: never reachable from a container).  It also maps a page the daemon writes
 * the notification it is answering to: a daemon killed between receiving and answering one
 * leaves it to the keeper, which answers it instead of letting the caller wait for ever. */
#pragma once

#include <glib.h>
#include <linux/seccomp.h>

G_BEGIN_DECLS

/* ---- in the daemon (the supervisor's thread, or before it starts) ---- */

/* How to start a keeper (our binary, the mountpoint, the log file and level, each may be
 * NULL but the first two) and, after a restart in place, the keeper connection handed over
 * ("--takeover-keeper" value, NULL if none). */
void svfs_keeper_configure (const char *exe, const char *mountpoint, const char *log,
                            const char *log_level, const char *takeover);
/* Attach to the mountpoint's keeper, starting one if none runs: the listeners it holds are
 * appended to @listeners (int fds; those already there are not doubled), then it gets a
 * duplicate of each.  Failures are logged: the daemon serves on without a keeper. */
void svfs_keeper_attach (GArray *listeners);
/* A new listener: the keeper gets a duplicate. */
void svfs_keeper_add (int listener);
/* The connection to the keeper, for poll (-1: none); it reports anything only when the
 * keeper is gone: then svfs_keeper_lost() starts another. */
int svfs_keeper_connection (void);
void svfs_keeper_lost (void);
/* The notification @id of @listener is being answered: its slot in the page (-1: no page, or
 * every slot taken), to free with svfs_keeper_answered() once it is answered.  Thread-safe:
 * calls answered at the same time each have their own slot. */
int svfs_keeper_answering (int listener, guint64 id, guint32 nr);
void svfs_keeper_answered (int slot);
/* "--takeover-keeper=CONN,PAGE" for a restart in place (NULL without a keeper), and whether
 * those fds survive exec. */
gchar *svfs_keeper_takeover_arg (void);
void svfs_keeper_set_inheritable (gboolean on);
/* The daemon stops for good: so does the keeper (waits up to 2 s for it). */
void svfs_keeper_quit (void);

/* Where the keeper of @mountpoint listens, and its pid file. */
gchar *svfs_keeper_socket_path (const char *mountpoint);
gchar *svfs_keeper_pid_path (const char *mountpoint);

/* One message on the daemon-keeper socket: @text and at most one fd (-1: none).  Receive
 * returns the text's length (0: the peer is gone, -1: error); *fd is -1 without one. */
gboolean svfs_keeper_send (int sock, const char *text, int fd);
gboolean svfs_keeper_send_flags (int sock, const char *text, int fd, int flags);
gssize svfs_keeper_recv (int sock, char *text, gsize size, int *fd);
/* Whether @fd is a seccomp listener, and whether @sock's peer is root. */
gboolean svfs_keeper_is_listener (int fd);
gboolean svfs_keeper_peer_is_root (int sock);

/* The page the daemon writes the notifications it is answering to: one slot per call in
 * flight (the supervisor answers mounts in worker threads).  A page of an older daemon may hold
 * one slot only: the keeper reads as many as the memfd's size holds. */
typedef struct
{
  gint32 listener; /* the daemon's fd number (the keeper's key), -1: none */
  guint32 nr;
  guint64 id;
} SvfsKeeperPage;
/* More than the calls the supervisor lets be in flight (SUPERVISOR_MAX_IN_FLIGHT, 1024): 20
 * kB, every page of it written at start (free slots hold -1) and resident in the daemon and
 * the keeper.  (It was 4096 slots, 64 kB: the daemon's idle memory is a goal of issue 16.) */
#define SVFS_KEEPER_SLOTS 1280
#define SVFS_KEEPER_PAGE_SIZE (SVFS_KEEPER_SLOTS * sizeof (SvfsKeeperPage))

/* ---- the keeper process ---- */

/* `sysvisor-fs --keeper=FD`: serve the listening socket @listen_fd until told to quit, or
 * until no daemon is attached and no listener is left.  Returns the exit status. */
int svfs_keeper_main (int listen_fd, const char *mountpoint);

/* The answer without a supervisor: sysinfo runs in the kernel, anything else trapped is
 * refused with EPERM. */
void svfs_keeper_degraded_answer (const struct seccomp_notif *req,
                                  struct seccomp_notif_resp *resp);

G_END_DECLS
