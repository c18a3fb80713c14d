/* sv-daemon-json.h (libsv-util): the one reader of Docker's daemon.json (json-glib): the
 * userns-remap user and group, and the data root (whose files Docker bind-mounts into
 * containers).  idmap-dockerremap and shiftfs read it through here.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#define SV_DOCKER_DAEMON_JSON "/etc/docker/daemon.json"
#define SV_DOCKER_DEFAULT_DATA_ROOT "/var/lib/docker"
#define SV_DOCKER_DEFAULT_REMAP_USER "dockremap"
/* The root node of daemon.json text @text (NUL-terminated; @len bytes of it, or -1: all), of
 * any type; NULL with @error (G_IO_ERROR_INVALID_DATA) holding only the reason ("empty file",
 * json-glib's message, or sv_json_text_check's): the caller names the file and the fix. */
JsonNode *sv_daemon_json_parse (const char *text, gssize len, GError **error);

/* Member @key of @o as a string in *@out (NULL when absent or null); FALSE when it has
 * another type. */
gboolean sv_daemon_json_get_string (JsonObject *o, const char *key, char **out);

typedef struct
{
  char *path;
  gboolean exists;
  char *remap;       /* "userns-remap" as written, NULL when absent or empty */
  char *remap_user;  /* "default" -> dockremap; "user[:group]", "uid[:gid]" */
  char *remap_group; /* the group part, else the user part (as dockerd does) */
  char *data_root;   /* "data-root" (or the older "graph"), else /var/lib/docker */
} SvDockerDaemon;

/* A missing file gives Docker's defaults (->exists FALSE).  Invalid JSON or fields of the wrong
 * type are an error naming the file. */
SvDockerDaemon *sv_docker_daemon_read (const char *path, GError **error);
void sv_docker_daemon_free (SvDockerDaemon *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SvDockerDaemon, sv_docker_daemon_free)
