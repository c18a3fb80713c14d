/* utils.h: small helpers shared by the core: fds, files, errors, /proc. */
#pragma once

#include <errno.h>
#include <gio/gio.h>
#include <glib.h>
#include <sys/types.h>
#include <unistd.h>

/* sv_autofd, sv_close_fdp, sv_set_error_errno, sv_write_all, sv_read_all,
 * sv_write_file_atomic, sv_write_file_replace: the utility library (lib/). */
#include "sv-error.h"
#include "sv-fd.h"
#include "sv-file.h"

/* Open an existing file O_WRONLY (no create, no truncate semantics beyond O_TRUNC) and write. */
gboolean sv_write_existing_file (const char *path, const char *data, GError **error);
gboolean sv_mkdir_p (const char *path, mode_t mode, GError **error);

/* Field 22 of /proc/PID/stat (start time in clock ticks since boot); 0 if the pid is gone. */
guint64 sv_proc_starttime (pid_t pid);
/* Field 4 of /proc/PID/stat (the parent's pid); -1 if the pid is gone. */
pid_t sv_proc_ppid (pid_t pid);
/* TRUE if @pid exists, is not a zombie and started at @starttime (0 = don't check). */
gboolean sv_proc_alive (pid_t pid, guint64 starttime);

/* Send / receive fds with one byte of data over a unix socket (SCM_RIGHTS). */
gboolean sv_send_fds (int sock, const int *fds, guint n_fds, GError **error);
gboolean sv_recv_fds (int sock, int *fds, guint n_fds, GError **error);

/* RFC 3339 timestamp with nanoseconds, UTC ("2006-01-02T15:04:05.999999999Z"). */
char *sv_rfc3339_now (void);
