/* sysvisor-fs: rendered text kept briefly per (view, file).
 *
 * A view is what every render function reads for a caller: its pid namespace and its
 * /proc/PID/cgroup text.  Callers that share both get the same text, so a text made for one
 * may be served to the others for the file's time to live (SvfsNode.ttl_ms).  Renders of one
 * (view, file) are serialised and a newer render always replaces an older one: a reader never
 * sees a value go backwards (uptime, the cpu ticks of stat), and never one older than the
 * file's time to live plus one render. */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

typedef struct
{
  guint64 pidns;
  guint64 ino;
  const char *cgroup; /* text of /proc/PID/cgroup */
} SvfsCacheKey;

/* Make the text when the key has none younger than ttl_ms; NULL (and nothing kept) when
 * make fails. */
typedef gchar *(*SvfsCacheMake) (gpointer data, gsize *len);
GBytes *svfs_cache_get (const SvfsCacheKey *key, guint ttl_ms, SvfsCacheMake make, gpointer data);
/* Who a calling pid is, remembered for SVFS_CALLER_TTL_MS so that a reader in a loop costs
 * no /proc lookups: its pid namespace, whether that is the host's, and its /proc/PID/cgroup
 * text (NULL for the host).  A pid cannot be handed to another process within that time: the
 * kernel allocates pids cyclically, so reuse needs pid_max allocations first (≥ 32768: more
 * than 1.5 s of forks on a fast machine); svfs_cache_callers_setup turns this cache off on a host with a smaller
 * pid_max.  A process moved to another cgroup is seen in the new one within that time. */
#define SVFS_CALLER_TTL_MS 250
void svfs_cache_callers_setup (guint pid_max);
gboolean svfs_cache_caller_get (pid_t pid, guint64 *pidns, gboolean *is_host, gchar **cgroup);
void svfs_cache_caller_put (pid_t pid, guint64 pidns, gboolean is_host, const char *cgroup);

/* Drop every expired text and caller now (readers sweep at most once a second, and only
 * while someone reads: the daemon's tick calls this so that memory follows the containers
 * that read now, also once all have stopped). */
void svfs_cache_sweep (void);

/* Entries held (for tests and the benchmark's memory figure). */
guint svfs_cache_size (void);

G_END_DECLS
