/* sv-daemon-json.c: Docker's daemon.json, read with json-glib (sv-daemon-json.h). */
#include "sv-daemon-json.h"

#include "sv-file.h"
#include "sv-json-text.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <string.h>

void
sv_docker_daemon_free (SvDockerDaemon *d)
{
  if (d == NULL)
    return;
  g_free (d->path);
  g_free (d->remap);
  g_free (d->remap_user);
  g_free (d->remap_group);
  g_free (d->data_root);
  g_free (d);
}

gboolean
sv_daemon_json_get_string (JsonObject *o, const char *key, char **out)
{
  JsonNode *n = json_object_get_member (o, key);

  *out = NULL;
  if (n == NULL || JSON_NODE_HOLDS_NULL (n))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return FALSE;
  *out = g_strdup (json_node_get_string (n));
  return TRUE;
}

JsonNode *
sv_daemon_json_parse (const char *text, gssize len, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local = NULL;
  gsize n = len < 0 ? strlen (text) : (gsize) len;

  if (!sv_json_text_check (text, n, error))
    return NULL;
  if (!json_parser_load_from_data (parser, text, (gssize) n, &local)
      || json_parser_get_root (parser) == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s",
                   local != NULL ? local->message : "empty file");
      return NULL;
    }
  return json_node_copy (json_parser_get_root (parser));
}

/* As dockerd's parseRemappedRoot: "default" is dockremap:dockremap; a lone user (name or uid)
 * also names the group. */
static void
split_remap (SvDockerDaemon *d)
{
  const char *colon;

  if (g_strcmp0 (d->remap, "default") == 0)
    {
      d->remap_user = g_strdup (SV_DOCKER_DEFAULT_REMAP_USER);
      d->remap_group = g_strdup (SV_DOCKER_DEFAULT_REMAP_USER);
      return;
    }
  colon = strchr (d->remap, ':');
  d->remap_user =
      colon != NULL ? g_strndup (d->remap, (gsize) (colon - d->remap)) : g_strdup (d->remap);
  d->remap_group = g_strdup (colon != NULL && colon[1] != '\0' ? colon + 1 : d->remap_user);
}

static gboolean
read_fields (SvDockerDaemon *d, JsonNode *root, GError **error)
{
  JsonObject *o = JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  g_autofree char *graph = NULL;
  const char *bad = NULL;

  if (o == NULL)
    bad = "the top level";
  else if (!sv_daemon_json_get_string (o, "userns-remap", &d->remap))
    bad = "\"userns-remap\"";
  else if (!sv_daemon_json_get_string (o, "data-root", &d->data_root))
    bad = "\"data-root\"";
  else if (!sv_daemon_json_get_string (o, "graph", &graph))
    bad = "\"graph\"";
  if (bad != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s: %s has the wrong type (dockerd would not start with it); fix the file "
                   "or point [idmap-dockerremap] docker-daemon-json in plugins.conf at "
                   "dockerd's --config-file",
                   d->path, bad);
      return FALSE;
    }
  if (d->remap != NULL && d->remap[0] == '\0')
    g_clear_pointer (&d->remap, g_free);
  if (d->remap != NULL)
    split_remap (d);
  if (d->data_root == NULL || d->data_root[0] == '\0')
    {
      g_free (d->data_root);
      d->data_root = g_steal_pointer (&graph);
    }
  return TRUE;
}

SvDockerDaemon *
sv_docker_daemon_read (const char *path, GError **error)
{
  g_autoptr (SvDockerDaemon) d = g_new0 (SvDockerDaemon, 1);
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) local = NULL;
  g_autofree char *text = NULL;
  gsize len;

  d->path = g_strdup (path);
  if (!sv_file_read_optional (path, 0, &text, &len, NULL, error))
    return NULL;
  if (text != NULL)
    {
      d->exists = TRUE;
      root = sv_daemon_json_parse (text, (gssize) len, &local);
      if (root == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "%s is not valid JSON (%s); fix it (dockerd would not start with it)",
                       path, local->message);
          return NULL;
        }
      if (!read_fields (d, root, error))
        return NULL;
    }
  if (d->data_root == NULL || d->data_root[0] == '\0')
    {
      g_free (d->data_root);
      d->data_root = g_strdup (SV_DOCKER_DEFAULT_DATA_ROOT);
    }
  return g_steal_pointer (&d);
}
