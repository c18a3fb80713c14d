/* sysvisor-fs: log records to --log FILE (or stderr), filtered by --log-level. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean svfs_log_setup (const char *file, GLogLevelFlags level, GError **error);
/* SIGHUP: reopen the log file (after logrotate moved it). */
void svfs_log_reopen (void);

G_END_DECLS
