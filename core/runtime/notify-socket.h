/* notify-socket.h: the two systemd conventions that runc carries into a container.
 *
 * Socket activation: when the runtime runs with LISTEN_FDS=N and LISTEN_PID = its own pid (as
 * systemd starts a socket-activated service), fds 3..3+N-1 pass to the container's process
 * (before the --preserve-fds ones), which gets LISTEN_FDS=N and LISTEN_PID=1.
 *
 * sd_notify: when the runtime runs with NOTIFY_SOCKET set, `create`/`run` bind-mount the
 * directory <state dir>/notify on /run/notify (read-only) and give the process
 * NOTIFY_SOCKET=/run/notify/notify.sock; `start`/`run` listen on that socket and pass the
 * container's first READY= line on to the host's NOTIFY_SOCKET, followed by MAINPID= (the
 * container's init; the runtime itself for a foreground `run`).  All of it lives in the state
 * directory, removed by `delete`.  As runc 1.1. */
#pragma once

#include "container.h"

#include <glib.h>
#include <sys/types.h>

#define SV_NOTIFY_DIR_IN_CONTAINER "/run/notify"
#define SV_NOTIFY_SOCKET_IN_CONTAINER SV_NOTIFY_DIR_IN_CONTAINER "/notify.sock"

/* Count the activation fds: first thing in main, before the runtime opens a fd of its own. */
void sv_listen_fds_init (void);
/* N when LISTEN_FDS=N and LISTEN_PID is our pid (and fds 3..3+N-1 were open), else 0. */
guint sv_listen_fds (void);
/* The host's NOTIFY_SOCKET, or NULL when unset or empty. */
const char *sv_notify_host (void);
/* The process's environment, with what the two conventions add to it (a new vector), or NULL
 * when they add nothing. */
char **sv_notify_process_env (char **envp, guint listen_fds, gboolean notify);
/* create: the notify directory in @state_dir, and its mount in the container. */
gboolean sv_notify_prepare (SvContainer *c, const char *state_dir, GError **error);
/* start: listen on the container's socket.  -1 without @error when there is nothing to do
 * (no NOTIFY_SOCKET, or a container created without one). */
int sv_notify_bind (const char *state_dir, GError **error);
/* Wait (while @watch, started at @starttime, lives) for a READY= line on @sock and pass it on
 * to the host with MAINPID=@mainpid.  Takes @sock. */
gboolean sv_notify_forward (int sock, pid_t watch, guint64 starttime, pid_t mainpid,
                            GError **error);
/* The same in a thread of ours, for a runtime that stays (foreground `run`): MAINPID is ours. */
void sv_notify_forward_in_background (int sock);
