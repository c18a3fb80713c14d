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

/* mount(@args[0] source, @args[1] target, @args[2] fstype, @args[3] flags, @args[4] data) of
 * the trapped caller @pid (who holds CAP_SYS_ADMIN in its user namespace).  For "proc" and
 * "sysfs", the mount is made for the caller with the emulated files bound over it and 0 or an
 * errno is returned; -1 means "not ours" (the kernel should run the call).  @still_valid (@data)
 * says whether the request is still pending (the pid still names the caller). */
int svfs_procmount_for (pid_t pid, const unsigned long long *args, gboolean (*still_valid) (gpointer),
                        gpointer data);

/* fsopen(2) of @pid with the fstype string at @addr: ENOSYS for "proc" and "sysfs" (tools fall
 * back to mount(2), which gets the emulated files), -1 otherwise (the kernel runs it). */
int svfs_procmount_fsopen_for (pid_t pid, guint64 addr);

G_END_DECLS
