/* utils.h: small helpers shared by the core: fds, files, errors, /proc. */
#pragma once

#include <errno.h>
#include <gio/gio.h>
#include <glib.h>
#include <sys/types.h>
#include <unistd.h>

static inline void
sv_close_fdp (int *fdp)
{
  if (*fdp >= 0)
    {
      int errsv = errno;
      close (*fdp);
      errno = errsv;
    }
}

/* GLib 2.74 has no g_autofd: an int that is closed when it leaves scope (-1 = nothing). */
#define sv_autofd __attribute__ ((cleanup (sv_close_fdp))) int

/* Fill @error from @errsv (an errno value) with a message made of @fmt and strerror. */
void sv_set_error_errno (GError **error, int errsv, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

/* Write @len bytes of @data to @path through a temp file, fsync and rename. */
gboolean sv_write_file_atomic (const char *path, const char *data, gssize len, mode_t mode,
                               GError **error);
/* The same without the fsync: readers never see a partial file, but after a power loss the
 * file may be the old one, or empty (or zeros) where the kernel had not written it yet.  Only
 * for files whose every reader takes an empty file as "never written" (state.json). */
gboolean sv_write_file_replace (const char *path, const char *data, gssize len, mode_t mode,
                                GError **error);
/* Open an existing file O_WRONLY (no create, no truncate semantics beyond O_TRUNC) and write. */
gboolean sv_write_existing_file (const char *path, const char *data, GError **error);
gboolean sv_mkdir_p (const char *path, mode_t mode, GError **error);

/* Field 22 of /proc/PID/stat (start time in clock ticks since boot); 0 if the pid is gone. */
guint64 sv_proc_starttime (pid_t pid);
/* TRUE if @pid exists, is not a zombie and started at @starttime (0 = don't check). */
gboolean sv_proc_alive (pid_t pid, guint64 starttime);

/* Full-length write/read on a fd, retrying EINTR; async-signal-safe. */
gboolean sv_write_all (int fd, const void *buf, gsize len);
gssize sv_read_all (int fd, void *buf, gsize len);

/* Send / receive fds with one byte of data over a unix socket (SCM_RIGHTS). */
gboolean sv_send_fds (int sock, const int *fds, guint n_fds, GError **error);
gboolean sv_recv_fds (int sock, int *fds, guint n_fds, GError **error);

/* RFC 3339 timestamp with nanoseconds, UTC ("2006-01-02T15:04:05.999999999Z"). */
char *sv_rfc3339_now (void);
