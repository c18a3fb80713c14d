/* idmapped-mounts-rules.c: bind-mount rules (remap disabled) and Docker's data root.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "idmapped-mounts-rules.h"

#include "sv-daemon-json.h"
#include "sv-file.h"
#include "sv-path.h"
#include "sv-error.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

char *
sv_idmapped_daemon_json_data_root (const char *json, GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) local = NULL;
  char *value = NULL;

  root = sv_daemon_json_parse (json, -1, &local);
  if (root == NULL)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s", local->message);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "not a JSON object");
      return NULL;
    }
  /* (a "data-root" that is not a string is left to dockerd: the default here) */
  if (!sv_daemon_json_get_string (json_node_get_object (root), "data-root", &value))
    return NULL;
  return value;
}

char *
sv_idmapped_docker_data_root (const char *data_root_setting, const char *daemon_json_setting,
                              GError **error)
{
  const char *path = daemon_json_setting != NULL && daemon_json_setting[0] != '\0'
                         ? daemon_json_setting
                         : SV_IDMAPPED_DOCKER_DAEMON_JSON;
  g_autofree char *text = NULL;
  g_autofree char *root = NULL;
  g_autoptr (GError) local = NULL;

  if (data_root_setting != NULL && data_root_setting[0] != '\0')
    return g_strdup (data_root_setting);
  if (!sv_file_read_optional (path, 0, &text, NULL, NULL, &local))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   "cannot read Docker's data root from %s: %s; fix the file, or set "
                   "docker-data-root in the [idmapped-mounts] section of plugins.conf",
                   path, local->message);
      return NULL;
    }
  if (text == NULL) /* no daemon.json: Docker's defaults */
    return g_strdup (SV_IDMAPPED_DOCKER_DATA_ROOT);
  root = sv_idmapped_daemon_json_data_root (text, &local);
  if (local != NULL)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "cannot read Docker's data root from %s: %s; fix the file, or set "
                   "docker-data-root in the [idmapped-mounts] section of plugins.conf",
                   path, local->message);
      return NULL;
    }
  if (root == NULL || root[0] == '\0')
    return g_strdup (SV_IDMAPPED_DOCKER_DATA_ROOT);
  return g_steal_pointer (&root);
}

/* ---- the rules ---- */

gboolean
sv_idmapped_path_is_under (const char *path, const char *dir)
{
  return sv_path_is_under (path, dir);
}

/* Is some directory on @source's path (itself included) root-owned with mode 0700? */
static gboolean
has_private_component (const char *source, SvIdmappedStatFunc stat_func, gpointer user_data)
{
  g_autoptr (GString) prefix = g_string_new ("/");
  g_auto (GStrv) parts = g_strsplit (source, "/", -1);
  struct stat st;

  for (guint i = 0;; i++)
    {
      if (stat_func (prefix->str, &st, user_data) == 0 && S_ISDIR (st.st_mode) && st.st_uid == 0
          && (st.st_mode & 07777) == 0700)
        return TRUE;
      while (parts[i] != NULL && parts[i][0] == '\0')
        i++;
      if (parts[i] == NULL)
        return FALSE;
      if (prefix->len > 1)
        g_string_append_c (prefix, '/');
      g_string_append (prefix, parts[i]);
    }
}

gboolean
sv_idmapped_check_bind_source (guint index, const char *source, const char *destination,
                               const char *docker_root, SvIdmappedStatFunc stat_func,
                               gpointer user_data, GError **error)
{
  struct stat st;

  if (sv_idmapped_path_is_under (source, docker_root))
    return TRUE;
  if (stat_func (source, &st, user_data) < 0)
    {
      int errsv = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
                   "bind mount -v %s:%s refused: %s: %s; create it or fix the path (mounts[%u])",
                   source, destination, source, sv_strerror (errsv), index);
      return FALSE;
    }
  if (st.st_uid != 0 || st.st_gid != 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_PERM,
                   "bind mount -v %s:%s refused: %s is owned by %u:%u, but with Docker "
                   "userns-remap disabled a bind source must be owned by root:root; fix: "
                   "chown root:root %s (or use a Docker volume) (mounts[%u])",
                   source, destination, source, (guint) st.st_uid, (guint) st.st_gid, source,
                   index);
      return FALSE;
    }
  if (!has_private_component (source, stat_func, user_data))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_PERM,
                   "bind mount -v %s:%s refused: no directory on the path to %s is owned by "
                   "root with mode 0700, but with Docker userns-remap disabled only host root "
                   "may reach a bind source; fix: move it below such a directory (e.g. /root) "
                   "or chmod 0700 a root-owned directory on its path (or use a Docker volume) "
                   "(mounts[%u])",
                   source, destination, source, index);
      return FALSE;
    }
  return TRUE;
}
