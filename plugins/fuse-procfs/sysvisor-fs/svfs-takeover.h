/* sysvisor-fs: restart without unmounting.  The running daemon re-executes its (possibly
 * upgraded) binary keeping /dev/fuse open: the kernel's connection, and with it every bind
 * mount of our files in containers, never goes away.  The new process gets the fuse fd, the
 * lock fd and a memfd with the state (the FUSE INIT request as the kernel sent it, the
 * /proc/sys values, load averages, the file handle counter, the contents of open handles). */
#pragma once

#include "svfs-sysctl.h"

#include <fuse_lowlevel.h>
#include <glib.h>

G_BEGIN_DECLS

/* Workers hand every request here first; the INIT request is kept. */
void svfs_takeover_capture (const struct fuse_buf *buf);
int svfs_takeover_save (SvfsSysctlStore *store, guint generation, GError **error);
gboolean svfs_takeover_load (int fd, SvfsSysctlStore *store, guint *generation, GError **error);
/* libfuse answers nothing before INIT, which the kernel sends once per mount: feed the new
 * session the recorded INIT (its reply goes to an unknown request id and is dropped). */
gboolean svfs_takeover_replay_init (struct fuse_session *se, GError **error);

G_END_DECLS
