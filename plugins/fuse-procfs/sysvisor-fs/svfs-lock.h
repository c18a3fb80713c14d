/* sysvisor-fs: one daemon per mountpoint, found through a lock file in /run/sysvisor-fs
 * (SYSVISOR_FS_RUN_DIR for tests) that also tells its pid and restart generation. */
#pragma once

#include "svfs-serving.h"

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* Take the lock (fd returned, close-on-exec); if another daemon holds it, fail naming it. */
int svfs_lock_acquire (const char *mountpoint, GError **error);
gboolean svfs_lock_write (int fd, const char *mountpoint, pid_t pid, guint generation,
                          GError **error);
/* The running daemon of MOUNTPOINT; fails when none runs. */
gboolean svfs_lock_read (const char *mountpoint, pid_t *pid, guint *generation, GError **error);

G_END_DECLS
