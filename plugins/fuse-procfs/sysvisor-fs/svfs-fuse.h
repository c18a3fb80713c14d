/* sysvisor-fs: the FUSE low-level operations over the static tree. */
#pragma once

#include "svfs-sysctl.h"

#include <fuse_lowlevel.h>
#include <glib.h>

G_BEGIN_DECLS

/* The store of per-container /proc/sys values the operations read and write. */
void svfs_fuse_setup (SvfsSysctlStore *store);
const struct fuse_lowlevel_ops *svfs_fuse_ops (void);
/* TRUE once the session processed FUSE INIT. */
gboolean svfs_fuse_initialized (void);
/* File handles are numbered; a restarted daemon continues the numbering so that a handle
 * still open in the kernel never meets a new one with the same number. */
guint64 svfs_fuse_next_fh (void);
void svfs_fuse_set_next_fh (guint64 fh);

/* The emulated text of /proc/@name for @pid's container, through the same caches as a read of
 * the file (sysinfo(2) answers from it: the same numbers, and a loop of calls costs what a
 * loop of reads does).  NULL with an error for a host process or when it cannot be made. */
gchar *svfs_fuse_proc_text (const char *name, pid_t pid, GError **error);

/* Restart hand-over of the contents of open handles (see svfs-takeover.c). */
void svfs_fuse_save_handles (GString *out);
gboolean svfs_fuse_load_handle_line (const char *line, GError **error);

G_END_DECLS
