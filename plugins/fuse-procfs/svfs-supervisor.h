/* sysvisor-fs: the syscall supervisor.  Containers' processes trap some syscalls with a
 * seccomp user-notification filter (loaded by sysvisor-runc when the fuse-procfs plugin asks
 * for it); the runtime hands each filter's listener to this daemon over an abstract unix
 * socket, and a thread answers the notifications for the caller's container: sysinfo(2) as
 * the container's /proc files say.  Anything it cannot answer runs as the kernel would
 * (SECCOMP_USER_NOTIF_FLAG_CONTINUE).  The socket and the listeners survive a restart in
 * place (--takeover-supervisor); a listener keeper holds duplicates of the listeners and
 * answers while the daemon is dead (svfs-keeper.h). */
#pragma once

#include <glib.h>
#include <sys/sysinfo.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* The abstract socket ("@sysvisor-fs/HASH") of the daemon serving @mountpoint: sysvisor-runc's
 * fuse-procfs plugin computes the same. */
static inline gchar *
svfs_supervisor_address (const char *mountpoint)
{
  g_autofree gchar *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, mountpoint, -1);
  hash[16] = '\0';
  return g_strdup_printf ("@sysvisor-fs/%s", hash);
}

/* Listen (or, after a restart, adopt the fds named by @takeover: "SOCKET[,LISTENER...]") and
 * start answering. */
gboolean svfs_supervisor_start (const char *mountpoint, const char *takeover, GError **error);
/* Stop the thread; the socket and the listeners stay open (for a re-exec or a new start). */
void svfs_supervisor_stop (void);
/* "--takeover-supervisor=FDS" for the re-exec (NULL when not listening), and whether those
 * fds survive exec. */
gchar *svfs_supervisor_takeover_arg (void);
void svfs_supervisor_set_inheritable (gboolean on);
/* Close everything (the daemon stops for good). */
void svfs_supervisor_close (void);

/* sysinfo(2) as the container of host pid @pid sees it; FALSE for a host process or when
 * something is missing (the caller then lets the kernel answer). */
gboolean svfs_sysinfo_for_pid (pid_t pid, struct sysinfo *si, GError **error);

/* mount(MS_REMOUNT|MS_BIND) without MS_RDONLY for @pid (path at @path_addr in its memory):
 * refused on a read-only mount, else made as the caller would (svfs-remount.c).  @still_valid
 * (@data) says whether the request is still pending (the pid is still the caller).  Returns 0
 * or an errno. */
int svfs_remount_for (pid_t pid, guint64 path_addr, guint64 flags,
                      gboolean (*still_valid) (gpointer), gpointer data);

G_END_DECLS
