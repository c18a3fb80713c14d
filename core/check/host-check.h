/* host-check.h: `sysvisor-runc check`: can this host run system containers, and how is it set
 * up?  One result per check: the kernel, user namespaces, ID-mapped mounts and overlays on the
 * lib dir, FUSE, cgroups, the plugins (loading, then each plugin's own lines from its check
 * hook: subordinate ids, Docker's data root, sysvisor-fs, ...), Docker's runtime registration
 * and userns-remap. */
#pragma once

#include "plugins-conf.h"

#include <glib.h>

/* SvCheckStatus is sysvisor/plugin.h's: plugins report lines of their own (their check hook). */
typedef struct
{
  char *name; /* "kernel", "user namespaces", ... */
  SvCheckStatus status;
  char *detail; /* what was found */
  char *fix;    /* what to do about it (NULL when ok) */
} SvCheckResult;

/* Docker's daemon.json: $SYSVISOR_DOCKER_DAEMON_JSON, else /etc/docker/daemon.json. */
const char *sv_host_check_daemon_json_path (void);
/* Run every check.  @plugins_conf_path: the plugins.conf to read (a missing file means the
 * defaults).  Returns the results (SvCheckResult *, in order; free with g_ptr_array_unref). */
GPtrArray *sv_host_check_run (const char *plugins_conf_path);
/* Only the checks of Docker's daemon.json (its runtime registration and userns-remap): what
 * the daemon.json fuzzer (tests/fuzz) drives. */
GPtrArray *sv_host_check_docker (const char *plugins_conf_path);
const char *sv_check_status_name (SvCheckStatus status);
