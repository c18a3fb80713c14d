/* docker-daemon.h: what idmap-dockerremap needs from Docker's daemon.json: the userns-remap
 * user and group, and the data root (whose files Docker bind-mounts into containers). */
#pragma once

#include <glib.h>

#define SV_DOCKER_DAEMON_JSON "/etc/docker/daemon.json"
#define SV_DOCKER_DEFAULT_DATA_ROOT "/var/lib/docker"
#define SV_DOCKER_DEFAULT_REMAP_USER "dockremap"

typedef struct
{
  char *path;
  gboolean exists;
  char *remap;        /* "userns-remap" as written, NULL when absent or empty */
  char *remap_user;   /* "default" -> dockremap; "user[:group]", "uid[:gid]" */
  char *remap_group;  /* the group part, else the user part (as dockerd does) */
  char *data_root;    /* "data-root" (or the older "graph"), else /var/lib/docker */
} SvDockerDaemon;

/* A missing file gives Docker's defaults (->exists FALSE).  Invalid JSON or fields of the wrong
 * type are an error naming the file. */
SvDockerDaemon *sv_docker_daemon_read (const char *path, GError **error);
void sv_docker_daemon_free (SvDockerDaemon *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SvDockerDaemon, sv_docker_daemon_free)
