/* plugins-conf.c: /etc/sysvisor/plugins.conf: which backend fills each role.
 *
 *   [sysvisor]
 *   idmap = auto          # auto | exclusive | dockerremap | <name of an installed plugin>
 *   shift = auto          # auto | shiftfs | none | <name>
 *   procfs = fuse-procfs  # fuse-procfs | none | <name>
 *
 *   [idmap-exclusive]     # a plugin's own settings, passed to it
 *   range-size = 65536
 */
#include "plugins-conf.h"

#include "sv-config.h"

#include <string.h>

static const char *const role_names[SV_N_ROLES] = { "idmap", "shift", "procfs" };
static const char *const role_defaults[SV_N_ROLES] = { "auto", "auto", "fuse-procfs" };

const char *
sv_role_name (SvRole role)
{
  return role >= 0 && role < SV_N_ROLES ? role_names[role] : "unknown";
}

const char *
sv_plugins_conf_path (const char *cli_value)
{
  const char *env = g_getenv ("SYSVISOR_PLUGINS_CONF");

  if (cli_value != NULL && cli_value[0] != '\0')
    return cli_value;
  if (env != NULL && env[0] != '\0')
    return env;
  return SV_PLUGINS_CONF;
}

char *
sv_plugins_conf_plugin_name (SvRole role, const char *backend)
{
  if (role == SV_ROLE_IDMAP && (g_strcmp0 (backend, "exclusive") == 0
                                || g_strcmp0 (backend, "dockerremap") == 0))
    return g_strconcat ("idmap-", backend, NULL);
  return g_strdup (backend);
}

/* The 1-based line of "key =" inside [group] of @text, or 0. */
static guint
find_line (const char *text, const char *group, const char *key)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  gboolean in_group = FALSE;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *l = g_strstrip (g_strdup (lines[i]));
      if (l[0] == '[')
        {
          g_autofree char *want = g_strdup_printf ("[%s]", group);
          in_group = g_strcmp0 (l, want) == 0;
          if (key == NULL && in_group)
            return i + 1;
          continue;
        }
      if (in_group && key != NULL && g_str_has_prefix (l, key))
        {
          const char *rest = l + strlen (key);
          while (*rest == ' ' || *rest == '\t')
            rest++;
          if (*rest == '=')
            return i + 1;
        }
    }
  return 0;
}

/* Reject duplicated keys in one group: GKeyFile would silently keep the last. */
static gboolean
check_duplicates (const char *path, const char *text, GError **error)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *group = g_strdup ("");

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *l = g_strstrip (g_strdup (lines[i]));
      char *eq = strchr (l, '=');
      if (l[0] == '[')
        {
          g_free (group);
          group = g_strdup (l);
          continue;
        }
      if (l[0] == '#' || l[0] == ';' || eq == NULL)
        continue;
      *eq = '\0';
      g_strstrip (l);
      if (!g_hash_table_add (seen, g_strconcat (group, l, NULL)))
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                       "%s:%u: \"%s\" is set twice in %s; keep one line (one backend per role)",
                       path, i + 1, l, group);
          return FALSE;
        }
    }
  return TRUE;
}

/* Locate a GKeyFile syntax error: the first line that is no group, comment or key=value. */
static guint
find_bad_syntax_line (const char *text)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *l = g_strstrip (g_strdup (lines[i]));
      if (l[0] == '\0' || l[0] == '#' || l[0] == ';')
        continue;
      if (l[0] == '[' ? l[strlen (l) - 1] != ']' : strchr (l, '=') == NULL)
        return i + 1;
    }
  return 0;
}

static gboolean
check_main_group (SvPluginsConf *conf, const char *text, GError **error)
{
  g_auto (GStrv) keys = NULL;

  if (!g_key_file_has_group (conf->keyfile, SV_CONF_GROUP))
    return TRUE;
  keys = g_key_file_get_keys (conf->keyfile, SV_CONF_GROUP, NULL, NULL);
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      gboolean known = FALSE;
      for (int r = 0; r < SV_N_ROLES; r++)
        known |= g_strcmp0 (keys[i], role_names[r]) == 0;
      if (!known)
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                       "%s:%u: unknown role \"%s\" in [%s]; the roles are idmap, shift and "
                       "procfs",
                       conf->path, find_line (text, SV_CONF_GROUP, keys[i]), keys[i],
                       SV_CONF_GROUP);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
read_backends (SvPluginsConf *conf, const char *text, GError **error)
{
  for (int r = 0; r < SV_N_ROLES; r++)
    {
      g_autofree char *v = g_key_file_get_string (conf->keyfile, SV_CONF_GROUP, role_names[r],
                                                  NULL);
      if (v == NULL)
        continue;
      g_strstrip (v);
      if (v[0] == '\0' || strchr (v, '/') != NULL || strchr (v, ' ') != NULL)
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                       "%s:%u: \"%s\" is not a backend name for %s; use auto, none or the "
                       "name of a plugin in the plugin directory",
                       conf->path, find_line (text, SV_CONF_GROUP, role_names[r]), v,
                       role_names[r]);
          return FALSE;
        }
      g_free (conf->backend[r]);
      conf->backend[r] = g_steal_pointer (&v);
    }
  return TRUE;
}

static gboolean
parse_text (SvPluginsConf *conf, const char *text, GError **error)
{
  g_autoptr (GError) local = NULL;

  if (!g_key_file_load_from_data (conf->keyfile, text, (gsize) -1, G_KEY_FILE_NONE, &local))
    {
      guint line = find_bad_syntax_line (text);
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE,
                   "%s:%u: %s; write \"[group]\", \"key = value\" or a # comment", conf->path,
                   line, local->message);
      return FALSE;
    }
  return check_duplicates (conf->path, text, error) && check_main_group (conf, text, error)
         && read_backends (conf, text, error);
}

SvPluginsConf *
sv_plugins_conf_load (const char *path, GError **error)
{
  g_autoptr (SvPluginsConf) conf = g_new0 (SvPluginsConf, 1);
  g_autofree char *text = NULL;
  g_autoptr (GError) local = NULL;

  conf->keyfile = g_key_file_new ();
  for (int r = 0; r < SV_N_ROLES; r++)
    conf->backend[r] = g_strdup (role_defaults[r]);
  if (!g_file_get_contents (path, &text, NULL, &local))
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return g_steal_pointer (&conf);
      g_set_error (error, G_FILE_ERROR, local->code, "%s; fix the file's permissions or path "
                   "(--plugins-conf)", local->message);
      return NULL;
    }
  conf->path = g_strdup (path);
  if (!parse_text (conf, text, error))
    return NULL;
  return g_steal_pointer (&conf);
}

void
sv_plugins_conf_free (SvPluginsConf *conf)
{
  if (conf == NULL)
    return;
  g_free (conf->path);
  g_clear_pointer (&conf->keyfile, g_key_file_unref);
  for (int r = 0; r < SV_N_ROLES; r++)
    g_free (conf->backend[r]);
  g_free (conf);
}
