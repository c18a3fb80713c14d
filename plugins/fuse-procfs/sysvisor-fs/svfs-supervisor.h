/* sysvisor-fs: the syscall supervisor.  Containers' processes trap some syscalls with a
 * seccomp user-notification filter (loaded by sysvisor-runc when the fuse-procfs plugin asks
 * for it); the runtime hands each filter's listener to this daemon over an abstract unix
 * socket, and a thread answers the notifications for the caller's container: sysinfo(2) as
 * the container's /proc files say, and mount(2)/umount2(2) so that the runtime's mounts stay
 * as they are (svfs-immutable.c).  Anything it cannot answer runs as the kernel would
 * (SECCOMP_USER_NOTIF_FLAG_CONTINUE).  The socket and the listeners survive a restart in
 * place (--takeover-supervisor); a listener keeper holds duplicates of the listeners and
 * answers while the daemon is dead (svfs-keeper.h). */
#pragma once

#include "svfs-caller.h"

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

/* Listen (or, after a restart, adopt the fds named by @takeover: "SOCKET[,LISTENER...]
 * [,i=MEMFD]", the memfd holding the records of immutable mounts) and start answering. */
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

/* CAP_SYS_ADMIN in the effective set of @pid (a mount answer's caller). */
gboolean svfs_caller_has_sys_admin (pid_t pid);

/* Immutable initial mounts (svfs-immutable.c).  @listener came with "PID ID[ OPTIONS]": the
 * mounts of PID (the container's init, before its program runs) are the runtime's, kept for
 * every later listener of container ID; "immutable=no" in OPTIONS turns the checks off. */
void svfs_immutable_adopt (int listener, const char *what);
void svfs_immutable_forget (int listener);
/* Across a restart in place: the records in a memfd (inherited; -1 if none), and read back. */
int svfs_immutable_save (void);
void svfs_immutable_load (int fd);
/* The records also live in a root-only file (beside the keeper's socket), so that a daemon
 * started after a kill knows the mounts of the containers whose listeners the keeper gives it
 * back (saved under the old process's fd number @saved_key). */
void svfs_immutable_set_state_file (const char *path);
void svfs_immutable_persist (void);
void svfs_immutable_adopt_kept (int listener, int saved_key);
/* A trapped mount(2) or umount2(2) on @listener (its records' key; @fd: the same listener, or
 * a duplicate of it, for the ioctls): TRUE when answered in @resp (refused, or made here on
 * the caller's behalf), FALSE when the caller's call needs no check.  Thread-safe. */
struct seccomp_notif;
struct seccomp_notif_resp;
gboolean svfs_immutable_answer (int listener, int fd, const struct seccomp_notif *req,
                                struct seccomp_notif_resp *resp);

G_END_DECLS
