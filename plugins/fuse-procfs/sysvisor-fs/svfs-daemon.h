/* sysvisor-fs: mounting, serving, stopping and restarting in place. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  gchar *mountpoint; /* absolute */
  gboolean foreground;
  gchar **argv; /* as started, for the re-exec */
  gchar *exe;   /* binary re-executed on restart (the installed path, not /proc/self/exe) */
  int takeover_fuse_fd, takeover_state_fd, takeover_lock_fd; /* -1 unless re-executed */
  gchar *takeover_supervisor; /* --takeover-supervisor: the supervisor's fds, or NULL */
  gchar *takeover_keeper;     /* --takeover-keeper: the listener keeper's fds, or NULL */
  gchar *log, *log_level;     /* passed on to the listener keeper (NULL: none) */
  gchar *pid_file;            /* --pid-file (NULL: none) */
} SvfsDaemonConfig;

/* Serve until SIGTERM/SIGINT (then unmount).  SIGUSR2: restart in place (re-exec keeping the
 * FUSE connection).  SIGHUP: reopen the log file. */
gboolean svfs_daemon_run (const SvfsDaemonConfig *cfg, GError **error);
/* `sysvisor-fs --restart`: signal the running daemon and wait for the new process. */
gboolean svfs_daemon_request_restart (const char *mountpoint, GError **error);

G_END_DECLS
