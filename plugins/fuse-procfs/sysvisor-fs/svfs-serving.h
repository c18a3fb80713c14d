/* sysvisor-fs: where a daemon's lock file is, what it names, and the mark the daemon keeps on
 * that file while it serves, which lets the fuse-procfs plugin see that the daemon lives
 * without asking it anything.  Shared by the daemon and the plugin (built into both).
 *
 * The mark is two things together: a "dev=MAJOR:MINOR" line in the lock file (the device of
 * the FUSE filesystem the daemon mounted, the same in every mount namespace) and an open file
 * description lock (F_OFD_SETLK, a read lock on the whole file) that the daemon holds while it
 * serves.  The kernel drops the lock when the daemon dies, however it dies; a restart in place
 * keeps it (the lock file's fd survives the exec).  The daemon's flock of the same file (one
 * daemon per mountpoint) is a different kind of lock: the two never conflict. */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* The lock file of the daemon of @mountpoint: in /run/sysvisor-fs, or $SYSVISOR_FS_RUN_DIR
 * when it is set and not empty. */
gchar *svfs_lock_path (const char *mountpoint);

/* The pid and restart generation a lock file's @text names (svfs_lock_write's first two
 * lines), or FALSE. */
gboolean svfs_lock_parse (const char *text, pid_t *pid, guint *generation);

/* In the daemon, once it answers requests: append the dev line of @mountpoint's filesystem to
 * the lock file @lock_fd, then hold the read lock. */
gboolean svfs_serving_mark (int lock_fd, const char *mountpoint, GError **error);
/* In the daemon, when it stops serving (before it unmounts). */
void svfs_serving_unmark (int lock_fd);

/* In the plugin: TRUE when a daemon holds the mark of @mountpoint (an absolute, canonical path)
 * and the filesystem on @mountpoint is the one it marked.  No FUSE request: a stat that trusts
 * the attributes the kernel keeps.  FALSE says only "not known": ask the mount itself. */
gboolean svfs_serving (const char *mountpoint);

G_END_DECLS
