/* sysvisor-fs: one function per emulated file, each answering for the caller's container.
 * They return NULL with an error when anything is missing: the FUSE layer then serves the
 * host's file and logs why at debug level. */
#pragma once

#include "svfs-container.h"

#include <glib.h>

G_BEGIN_DECLS

typedef gchar *(*SvfsRenderFn) (SvfsCaller *c, GError **error);

gchar *svfs_proc_meminfo (SvfsCaller *c, GError **error);
gchar *svfs_proc_cpuinfo (SvfsCaller *c, GError **error);
gchar *svfs_proc_stat (SvfsCaller *c, GError **error);
gchar *svfs_proc_uptime (SvfsCaller *c, GError **error);
gchar *svfs_proc_loadavg (SvfsCaller *c, GError **error);
gchar *svfs_proc_swaps (SvfsCaller *c, GError **error);
gchar *svfs_proc_diskstats (SvfsCaller *c, GError **error);
gchar *svfs_sys_cpu_online (SvfsCaller *c, GError **error);

/* Shared by proc and sys files: the CPUs the caller's container may use. */
GArray *svfs_visible_cpus (SvfsCaller *c, GError **error);

G_END_DECLS
