/* sysvisor-fs: /proc/sys entries the kernel keeps global but system workloads write.
 * Writes are validated, kept in memory per container and never reach the host. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  const char *path;     /* below proc/sys, e.g. "kernel/panic" */
  guint nfields;        /* integers on the line */
  gint64 min, max;      /* accepted range of each integer */
  const char *fallback; /* served when the host has no such file (module not loaded) */
} SvfsSysctl;

const SvfsSysctl *svfs_sysctl_table (guint *n);
const SvfsSysctl *svfs_sysctl_find (const char *path);
/* Validate a written value against the entry and the host's current value (same number of
 * integers); returns the normalised text ("1\n", "4\t4\t1\t7\n") or NULL with
 * G_IO_ERROR_INVALID_ARGUMENT. */
gchar *svfs_sysctl_normalize (const SvfsSysctl *e, const char *host_value, const char *input,
                              gsize len, GError **error);

/* A container: its pid namespace inode plus its init's start time, so that a recycled
 * namespace inode never inherits another container's values. */
typedef struct
{
  guint64 pidns;
  guint64 init_start;
} SvfsContainerKey;

typedef struct _SvfsSysctlStore SvfsSysctlStore;
typedef gboolean (*SvfsAliveFunc) (gint init_pid, guint64 init_start);

SvfsSysctlStore *svfs_sysctl_store_new (void);
void svfs_sysctl_store_free (SvfsSysctlStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SvfsSysctlStore, svfs_sysctl_store_free)
gchar *svfs_sysctl_store_get (SvfsSysctlStore *store, const SvfsContainerKey *key,
                              const char *path);
void svfs_sysctl_store_set (SvfsSysctlStore *store, const SvfsContainerKey *key, gint init_pid,
                            const char *path, const char *value);
/* Forget containers whose init is gone; returns how many were dropped. */
guint svfs_sysctl_store_prune (SvfsSysctlStore *store, SvfsAliveFunc alive);
guint svfs_sysctl_store_size (SvfsSysctlStore *store);
/* Restart hand-over: one "sysctl ..." line per value. */
void svfs_sysctl_store_save (SvfsSysctlStore *store, GString *out);
gboolean svfs_sysctl_store_load_line (SvfsSysctlStore *store, const char *line, GError **error);

G_END_DECLS
