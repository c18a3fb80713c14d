/* plugins-conf.c: /etc/sysvisor/plugins.conf: which backend fills each role.
 *
 *   [sysvisor]
 *   idmap = auto          # auto | exclusive | dockerremap | none | <name of an installed plugin>
 *   shift = auto          # auto | idmapped-mounts (alias: shiftfs) | none | <name>
 *   procfs = fuse-procfs  # fuse-procfs | none | <name>
 *   honour-capabilities = false  # true: never widen process.capabilities for root
 *   honour-seccomp = false       # true: never widen linux.seccomp
 *   storage-paths = /var/lib/docker /var/lib/containerd ...   # or none (core/runtime/storage.c)
 *   auto-idmap = exclusive            # what idmap = auto picks for a spec without uid mappings
 *   auto-idmap-mapped = dockerremap   # ... for a spec with uid mappings (Docker userns-remap)
 *   auto-shift = idmapped-mounts      # what shift = auto picks (and auto-procfs: procfs)
 *   auto-shift-mapped = none          # ... when the idmap plugin is auto-idmap-mapped's
 *
 *   [idmap-exclusive]     # a plugin's own settings, passed to it
 *   range-size = 65536
 */
#include "plugins-conf.h"

#include "sv-config.h"
#include "utils.h"
#include "sv-error.h"
#include "sv-file.h"

#include <fcntl.h>
#include <string.h>

static const char *const role_names[SV_N_ROLES] = { "idmap", "shift", "procfs" };
static const char *const role_defaults[SV_N_ROLES] = { "auto", "auto", "fuse-procfs" };
/* What `auto` picks by default, per role: {spec without uid mappings, with them}. */
static const char *const auto_defaults[SV_N_ROLES][2] = {
  { "exclusive", "dockerremap" },
  { SV_SHIFT_PLUGIN, "none" },
  { "none", "none" },
};
/* [sysvisor] keys that are settings, not roles (booleans). */
static const char *const setting_names[] = { "honour-capabilities", "honour-seccomp" };

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
  if (role == SV_ROLE_IDMAP
      && (g_strcmp0 (backend, "exclusive") == 0 || g_strcmp0 (backend, "dockerremap") == 0))
    return g_strconcat ("idmap-", backend, NULL);
  if (role == SV_ROLE_SHIFT && g_strcmp0 (backend, SV_SHIFT_ALIAS) == 0)
    return g_strdup (SV_SHIFT_PLUGIN);
  return g_strdup (backend);
}

/* Line [@s, @e) with the whitespace at both ends dropped (as g_strstrip does). */
static void
strip_span (const char **s, const char **e)
{
  while (*s < *e && g_ascii_isspace (**s))
    (*s)++;
  while (*e > *s && g_ascii_isspace ((*e)[-1]))
    (*e)--;
}

/* Whether stripped line [@s, @e) is "key =..." (blanks allowed before the '='). */
static gboolean
span_sets_key (const char *s, const char *e, const char *key)
{
  gsize n = strlen (key);

  if ((gsize) (e - s) < n || strncmp (s, key, n) != 0)
    return FALSE;
  for (s += n; s < e && (*s == ' ' || *s == '\t'); s++)
    ;
  return s < e && *s == '=';
}

/* The 1-based line of "key =" inside [group] of @text (of the "[group]" line itself when @key
 * is NULL), or 0.  Read in place: every role's line is looked up on every load. */
static guint
find_line (const char *text, const char *group, const char *key)
{
  gsize group_len = strlen (group);
  gboolean in_group = FALSE;
  const char *l = text;

  for (guint n = 1;; n++)
    {
      const char *end = strchrnul (l, '\n'), *s = l, *e = end;
      strip_span (&s, &e);
      if (s < e && *s == '[')
        {
          in_group = (gsize) (e - s) == group_len + 2 && strncmp (s + 1, group, group_len) == 0
                     && e[-1] == ']';
          if (key == NULL && in_group)
            return n;
        }
      else if (in_group && key != NULL && span_sets_key (s, e, key))
        return n;
      if (*end == '\0')
        return 0;
      l = end + 1;
    }
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
                       "%s:%u: \"%s\" is set twice in %s; keep one of the two lines", path, i + 1,
                       l, group);
          return FALSE;
        }
    }
  return TRUE;
}

/* The line GKeyFile stops at: the first line whose prefix of the file no longer parses. */
static guint
find_bad_syntax_line (const char *text)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr (GString) prefix = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr (GKeyFile) kf = g_key_file_new ();
      g_string_append (prefix, lines[i]);
      g_string_append_c (prefix, '\n');
      if (!g_key_file_load_from_data (kf, prefix->str, prefix->len, G_KEY_FILE_NONE, NULL))
        return i + 1;
    }
  return g_strv_length (lines);
}

/* "auto-shift" or "auto-shift-mapped" -> SV_ROLE_SHIFT; -1 for any other key. */
static int
auto_key_role (const char *key)
{
  if (!g_str_has_prefix (key, "auto-"))
    return -1;
  key += strlen ("auto-");
  for (int r = 0; r < SV_N_ROLES; r++)
    {
      gsize n = strlen (role_names[r]);
      if (strncmp (key, role_names[r], n) == 0
          && (key[n] == '\0' || strcmp (key + n, "-mapped") == 0))
        return r;
    }
  return -1;
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
      gboolean known = g_strcmp0 (keys[i], SV_CONF_STORAGE_PATHS) == 0;
      for (int r = 0; r < SV_N_ROLES; r++)
        known |= g_strcmp0 (keys[i], role_names[r]) == 0 || auto_key_role (keys[i]) >= 0;
      for (guint n = 0; n < G_N_ELEMENTS (setting_names); n++)
        known |= g_strcmp0 (keys[i], setting_names[n]) == 0;
      if (!known)
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                       "%s:%u: unknown role \"%s\" in [%s]; the roles are idmap, shift and "
                       "procfs, the settings honour-capabilities, honour-seccomp, storage-paths "
                       "and auto-ROLE / auto-ROLE-mapped",
                       conf->path, find_line (text, SV_CONF_GROUP, keys[i]), keys[i],
                       SV_CONF_GROUP);
          return FALSE;
        }
    }
  return TRUE;
}

/* What each role takes besides the name of an installed plugin (for the fix in errors). */
static const char *const role_choices[SV_N_ROLES] = {
  "auto, exclusive, dockerremap, none",
  "auto, idmapped-mounts (alias: shiftfs), none",
  "fuse-procfs, none",
};

/* The backends Sysvisor ships, by role: naming one for another role is a mistake we can name. */
static const struct
{
  const char *name;
  SvRole role;
} shipped_backends[] = {
  { "exclusive", SV_ROLE_IDMAP },       { "dockerremap", SV_ROLE_IDMAP },
  { "idmap-exclusive", SV_ROLE_IDMAP }, { "idmap-dockerremap", SV_ROLE_IDMAP },
  { "shiftfs", SV_ROLE_SHIFT },         { "idmapped-mounts", SV_ROLE_SHIFT },
  { "fuse-procfs", SV_ROLE_PROCFS },
};

/* A backend value becomes a file name (NAME.so in the plugin directory). */
static gboolean
is_backend_name (const char *v)
{
  if (!g_ascii_isalnum (v[0]))
    return FALSE;
  for (const char *p = v; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("._+-", *p) == NULL)
      return FALSE;
  return TRUE;
}

static gboolean
check_backend (const SvPluginsConf *conf, SvRole r, const char *v, guint line, GError **error)
{
  if (!is_backend_name (v))
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "%s:%u: \"%s\" is not a backend name for %s; use %s or the name of a "
                   "plugin in the plugin directory (letters, digits, '.', '_', '+', '-')",
                   conf->path, line, v, role_names[r], role_choices[r]);
      return FALSE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (shipped_backends); i++)
    if (g_strcmp0 (v, shipped_backends[i].name) == 0 && shipped_backends[i].role != r)
      {
        const char *its = role_names[shipped_backends[i].role];
        g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                     "%s:%u: \"%s\" is a backend of the %s role, not of %s; use %s = %s, or "
                     "%s = %s",
                     conf->path, line, v, its, role_names[r], its, v, role_names[r],
                     role_choices[r]);
        return FALSE;
      }
  return TRUE;
}

static gboolean
read_backends (SvPluginsConf *conf, const char *text, GError **error)
{
  for (int r = 0; r < SV_N_ROLES; r++)
    {
      g_autoptr (GError) local = NULL;
      g_autofree char *v = NULL;
      guint line = find_line (text, SV_CONF_GROUP, role_names[r]);

      if (!g_key_file_has_key (conf->keyfile, SV_CONF_GROUP, role_names[r], NULL))
        continue;
      v = g_key_file_get_string (conf->keyfile, SV_CONF_GROUP, role_names[r], &local);
      if (v == NULL)
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                       "%s:%u: %s: %s; use %s or the name of a plugin in the plugin directory",
                       conf->path, line, role_names[r], local->message, role_choices[r]);
          return FALSE;
        }
      g_strstrip (v);
      if (!check_backend (conf, (SvRole) r, v, line, error))
        return FALSE;
      g_free (conf->backend[r]);
      conf->backend[r] = g_steal_pointer (&v);
      conf->line[r] = line;
    }
  return TRUE;
}

/* auto-ROLE and auto-ROLE-mapped: a backend name or none (not auto). */
static gboolean
read_auto_backends (SvPluginsConf *conf, const char *text, GError **error)
{
  for (int r = 0; r < SV_N_ROLES; r++)
    for (int m = 0; m < 2; m++)
      {
        g_autofree char *key = g_strdup_printf ("auto-%s%s", role_names[r], m ? "-mapped" : "");
        g_autofree char *v = g_key_file_get_value (conf->keyfile, SV_CONF_GROUP, key, NULL);
        guint line = find_line (text, SV_CONF_GROUP, key);

        if (v == NULL)
          continue;
        g_strstrip (v);
        if (g_strcmp0 (v, "auto") == 0)
          {
            g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                         "%s:%u: %s = auto: name the plugin auto picks (or none)", conf->path,
                         line, key);
            return FALSE;
          }
        if (!check_backend (conf, (SvRole) r, v, line, error))
          return FALSE;
        g_free (conf->auto_backend[r][m]);
        conf->auto_backend[r][m] = g_steal_pointer (&v);
      }
  return TRUE;
}

/* A boolean setting of [sysvisor]; absent: *out untouched. */
static gboolean
read_setting (SvPluginsConf *conf, const char *text, const char *key, gboolean *out,
              GError **error)
{
  g_autoptr (GError) local = NULL;
  gboolean v;

  if (!g_key_file_has_key (conf->keyfile, SV_CONF_GROUP, key, NULL))
    return TRUE;
  v = g_key_file_get_boolean (conf->keyfile, SV_CONF_GROUP, key, &local);
  if (local != NULL)
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "%s:%u: %s must be true or false", conf->path,
                   find_line (text, SV_CONF_GROUP, key), key);
      return FALSE;
    }
  *out = v;
  return TRUE;
}

static gboolean
read_settings (SvPluginsConf *conf, const char *text, GError **error)
{
  return read_setting (conf, text, "honour-capabilities", &conf->honour_capabilities, error)
         && read_setting (conf, text, "honour-seccomp", &conf->honour_seccomp, error);
}

/* "/var/lib/x" is inside "/var/lib" (or the same path). */
static gboolean
path_within (const char *path, const char *dir)
{
  gsize n = strlen (dir);

  return strncmp (path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static gboolean
check_storage_path (const SvPluginsConf *conf, char **paths, guint i, guint line, GError **error)
{
  const char *p = paths[i];
  g_autofree char *canon = g_canonicalize_filename (p, "/");

  if (!g_path_is_absolute (p) || g_strcmp0 (canon, p) != 0 || g_strcmp0 (p, "/") == 0)
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "%s:%u: storage-paths: \"%s\" is not a plain absolute path below /; write "
                   "it like /var/lib/docker (no '.', '..', '//' or trailing '/'), or none",
                   conf->path, line, p);
      return FALSE;
    }
  for (guint j = 0; j < i; j++)
    if (path_within (p, paths[j]) || path_within (paths[j], p))
      {
        g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                     "%s:%u: storage-paths: %s and %s overlap; keep the outer one", conf->path,
                     line, paths[j], p);
        return FALSE;
      }
  return TRUE;
}

/* The whitespace-separated words of @v (never NULL). */
static char **
split_words (const char *v)
{
  g_auto (GStrv) parts = g_strsplit_set (v, " \t\r\n\v\f", -1);
  GPtrArray *words = g_ptr_array_new ();

  for (guint i = 0; parts[i] != NULL; i++)
    if (parts[i][0] != '\0')
      g_ptr_array_add (words, g_strdup (parts[i]));
  g_ptr_array_add (words, NULL);
  return (char **) g_ptr_array_free (words, FALSE);
}

/* storage-paths = PATH... (whitespace-separated) or none. */
static gboolean
read_storage_paths (SvPluginsConf *conf, const char *text, GError **error)
{
  g_autofree char *v =
      g_key_file_get_value (conf->keyfile, SV_CONF_GROUP, SV_CONF_STORAGE_PATHS, NULL);
  guint line = find_line (text, SV_CONF_GROUP, SV_CONF_STORAGE_PATHS);
  g_auto (GStrv) paths = NULL;

  if (v == NULL)
    return TRUE;
  g_strstrip (v);
  g_strfreev (conf->storage_paths);
  conf->storage_paths = NULL;
  if (g_strcmp0 (v, "none") == 0 || v[0] == '\0')
    {
      conf->storage_paths = g_new0 (char *, 1);
      return TRUE;
    }
  /* A plain split (GRegex returns NULL on text that is not UTF-8): empty tokens dropped. */
  paths = split_words (v);
  for (guint i = 0; paths[i] != NULL; i++)
    if (!check_storage_path (conf, paths, i, line, error))
      return FALSE;
  conf->storage_paths = g_steal_pointer (&paths);
  return TRUE;
}

/* [shiftfs], the section of idmapped-mounts under its old name (the user's guide says shiftfs),
 * is read as [idmapped-mounts]; a key set in both is set twice. */
static gboolean
read_section_alias (SvPluginsConf *conf, const char *text, GError **error)
{
  g_auto (GStrv) keys = g_key_file_get_keys (conf->keyfile, SV_SHIFT_ALIAS, NULL, NULL);

  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      g_autofree char *v = NULL;

      if (g_key_file_has_key (conf->keyfile, SV_SHIFT_PLUGIN, keys[i], NULL))
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                       "%s:%u: \"%s\" is set in [%s] and in [%s], which is the same plugin's "
                       "section under its new name; keep one of the two lines",
                       conf->path, find_line (text, SV_SHIFT_ALIAS, keys[i]), keys[i],
                       SV_SHIFT_ALIAS, SV_SHIFT_PLUGIN);
          return FALSE;
        }
      v = g_key_file_get_value (conf->keyfile, SV_SHIFT_ALIAS, keys[i], NULL);
      g_key_file_set_value (conf->keyfile, SV_SHIFT_PLUGIN, keys[i], v);
    }
  g_key_file_remove_group (conf->keyfile, SV_SHIFT_ALIAS, NULL);
  return TRUE;
}

static gboolean
parse_text (SvPluginsConf *conf, const char *text, GError **error)
{
  g_autoptr (GError) local = NULL;

  if (!g_key_file_load_from_data (conf->keyfile, text, (gsize) -1, G_KEY_FILE_NONE, &local))
    {
      guint line = find_bad_syntax_line (text);
      const char *fix =
          g_error_matches (local, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND)
              ? "put the roles under a [sysvisor] line"
              : "write \"[group]\", \"key = value\" or a # comment";
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE, "%s:%u: %s; %s", conf->path,
                   line, local->message, fix);
      return FALSE;
    }
  return check_duplicates (conf->path, text, error) && check_main_group (conf, text, error)
         && read_backends (conf, text, error) && read_auto_backends (conf, text, error)
         && read_settings (conf, text, error) && read_storage_paths (conf, text, error)
         && read_section_alias (conf, text, error);
}

static void
set_unreadable_error (GError **error, int errsv, const char *path, const char *why)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
               "cannot read plugins.conf %s: %s; make it a readable file (chmod 0644), remove "
               "it to use the defaults, or name another with --plugins-conf",
               path, why);
}

/* The text of @path; NULL with no error when it does not exist. */
static char *
read_conf_text (const char *path, GError **error)
{
  sv_autofd fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  char *text;

  if (fd < 0 && errno == ENOENT)
    return NULL;
  if (fd < 0 || (text = sv_read_fd_to_end (fd, NULL)) == NULL)
    {
      set_unreadable_error (error, errno, path, sv_strerror (errno));
      return NULL;
    }
  return text;
}

SvPluginsConf *
sv_plugins_conf_load (const char *path, GError **error)
{
  g_autoptr (SvPluginsConf) conf = g_new0 (SvPluginsConf, 1);
  g_autofree char *text = NULL;
  GError *local = NULL;

  conf->keyfile = g_key_file_new ();
  for (int r = 0; r < SV_N_ROLES; r++)
    {
      conf->backend[r] = g_strdup (role_defaults[r]);
      for (int m = 0; m < 2; m++)
        conf->auto_backend[r][m] = g_strdup (auto_defaults[r][m]);
    }
  conf->storage_paths = g_strsplit (SV_STORAGE_PATHS_DEFAULT, " ", -1);
  text = read_conf_text (path, &local);
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return NULL;
    }
  if (text == NULL)
    return g_steal_pointer (&conf); /* no file: the defaults */
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
    {
      g_free (conf->backend[r]);
      g_free (conf->auto_backend[r][0]);
      g_free (conf->auto_backend[r][1]);
    }
  g_strfreev (conf->storage_paths);
  g_free (conf);
}
