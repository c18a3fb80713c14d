/* sysvisor-fs: a procfs or sysfs mounted inside a container (a nested container's /proc, inner
 * runc, `unshare -p -f --mount-proc`) gets the emulated files too (svfs-procmount.c). */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* The daemon's FUSE mount, whose files are cloned over a new procfs/sysfs. */
void svfs_procmount_set_mountpoint (const char *mountpoint);

/* Whether mount(2) flags @flags create a new filesystem (no bind, remount, move or propagation
 * change), as the kernel reads them (an old MS_MGC_VAL in the high bits is ignored). */
gboolean svfs_procmount_is_new_mount (guint64 flags);

/* "proc" or "sysfs" when the string at @addr in @pid's memory names one; NULL otherwise. */
const char *svfs_procmount_fstype (pid_t pid, guint64 addr);

/* mount(@args[0] source, @args[1] target, @fstype at @args[2], @args[3] flags, @args[4] data)
 * of the trapped caller @pid (who holds CAP_SYS_ADMIN in its user namespace): the mount is
 * made for the caller with the emulated files bound over it; returns 0 or an errno, or -1:
 * let the kernel run the call.  @still_valid (@data) says whether the request is still
 * pending (the pid still names the caller). */
int svfs_procmount_for (pid_t pid, const char *fstype, const unsigned long long *args,
                        gboolean (*still_valid) (gpointer), gpointer data);

G_END_DECLS
