/* sysvisor-fs: who is calling: the caller's pid namespace, its init, its root uid. */
#pragma once

#include "svfs-sysctl.h"

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

typedef struct
{
  pid_t pid;          /* caller, in the daemon's (host) pid namespace */
  guint64 pidns;      /* inode of the caller's pid namespace */
  gboolean is_host;   /* same pid namespace as the daemon: serve the host's files */
  pid_t init_pid;     /* init of that namespace (host pid), 0 until resolved */
  guint64 init_start; /* its start time, clock ticks after boot */
} SvfsCaller;

/* Record the daemon's own pid namespace; call once before serving. */
gboolean svfs_container_setup (GError **error);
guint64 svfs_container_host_pidns (void);
gboolean svfs_caller_identify (pid_t pid, SvfsCaller *c, GError **error);
/* Find the namespace's init (cached by namespace inode, checked by start time). */
gboolean svfs_caller_resolve_init (SvfsCaller *c, GError **error);
/* Forget dead containers' inits; returns the number of pid namespaces still known. */
guint svfs_container_prune (void);
SvfsContainerKey svfs_caller_key (const SvfsCaller *c);
/* Host root, or a uid that is root in the caller's user namespace. */
gboolean svfs_caller_is_root (const SvfsCaller *c, uid_t uid);
/* TRUE while PID still runs with that start time. */
gboolean svfs_pid_alive_since (gint pid, guint64 start);

G_END_DECLS
