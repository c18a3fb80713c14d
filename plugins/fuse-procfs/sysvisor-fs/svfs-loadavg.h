/* sysvisor-fs: per-container load average, sampled every 5 s like the kernel does. */
#pragma once

#include "svfs-container.h"

#include <glib.h>

G_BEGIN_DECLS

typedef void (*SvfsTickFunc) (void);

/* Start the sampler thread; tick (may be NULL) runs after each 5 s pass. */
void svfs_loadavg_start (SvfsTickFunc tick);
void svfs_loadavg_stop (void);
/* /proc/loadavg for a caller whose init is resolved. */
gchar *svfs_loadavg_render (const SvfsCaller *c, GError **error);
/* How many containers' load averages are tracked (the leak checks watch it). */
guint svfs_loadavg_tracked_count (void);
/* Restart hand-over: "loadavg ..." lines. */
void svfs_loadavg_save (GString *out);
gboolean svfs_loadavg_load_line (const char *line, GError **error);

G_END_DECLS
