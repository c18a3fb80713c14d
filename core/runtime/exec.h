/* exec.h: running another process in an existing container (`sysvisor-runc exec`). */
#pragma once

#include "spec.h"

#include <glib.h>
#include <sys/types.h>

typedef struct
{
  const char *root;
  const char *id;
  const char *plugins_conf;   /* --plugins-conf, or NULL */
  SvProcess *process;         /* what to run (owned by the caller) */
  const char *console_socket; /* NULL = none */
  int console_sock_fd;        /* our own end for a terminal without --console-socket, or -1 */
  const char *pid_file;
  guint preserve_fds;
  gboolean ignore_paused;
} SvExecOptions;

/* The container's own process settings (config.json of its bundle), to fill an exec'd
 * process's defaults; NULL when the bundle is gone. */
SvSpec *sv_exec_load_spec (const char *root, const char *id, GError **error);

/* Start the process inside the container's namespaces and cgroup.  The caller must be a child
 * subreaper (prctl PR_SET_CHILD_SUBREAPER) to wait for it: the process is its grandchild.
 * *pid_out: its pid on the host. */
gboolean sv_exec_start (const SvExecOptions *opts, pid_t *pid_out, GError **error);
