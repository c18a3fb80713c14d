/* process-spec.c: the "process" object of config.json (also `exec --process` files). */
#include "process-spec.h"

#include "names.h"

#include <string.h>

static gboolean
invalid (GError **error, const char *path, const char *fmt, const char *value)
{
  g_autofree char *what = g_strdup_printf (fmt, value);

  g_set_error (error, SV_SPEC_ERROR, SV_SPEC_ERROR_INVALID, "%s: %s", path, what);
  return FALSE;
}

static gboolean
parse_user (SvProcess *p, JsonObject *o, const char *path, GError **error)
{
  g_autofree char *upath = sv_json_path (path, "user");
  JsonObject *user;
  JsonArray *gids;

  if (!sv_json_get_object (o, path, "user", FALSE, &user, error))
    return FALSE;
  if (user == NULL)
    return TRUE;
  if (!sv_json_get_uint32 (user, upath, "uid", FALSE, &p->uid, error)
      || !sv_json_get_uint32 (user, upath, "gid", FALSE, &p->gid, error))
    return FALSE;
  if (json_object_has_member (user, "umask"))
    {
      if (!sv_json_get_uint32 (user, upath, "umask", FALSE, &p->umask, error))
        return FALSE;
      p->has_umask = TRUE;
    }
  if (!sv_json_get_array (user, upath, "additionalGids", FALSE, &gids, error))
    return FALSE;
  for (guint i = 0; gids != NULL && i < json_array_get_length (gids); i++)
    {
      JsonNode *e = json_array_get_element (gids, i);
      g_autofree char *gpath = sv_json_path (upath, "additionalGids");
      g_autofree char *ipath = sv_json_path_index (gpath, i);
      if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_INT64
          || json_node_get_int (e) < 0 || json_node_get_int (e) > G_MAXUINT32)
        return invalid (error, ipath, "expected a gid (unsigned integer)%s", "");
      g_array_append_val (p->additional_gids, (guint32){ (guint32) json_node_get_int (e) });
    }
  return TRUE;
}

static gboolean
parse_cap_set (SvProcess *p, JsonObject *caps, const char *path, const char *member, SvCapSet set,
               GError **error)
{
  g_auto (GStrv) names = NULL;
  g_autofree char *spath = sv_json_path (path, member);

  if (!sv_json_get_strv (caps, path, member, FALSE, &names, error))
    return FALSE;
  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    {
      int cap = sv_cap_from_name (names[i]);
      g_autofree char *ipath = sv_json_path_index (spath, i);
      if (cap < 0)
        return invalid (error, ipath,
                        "unknown capability \"%s\"; use a name from capabilities(7), "
                        "e.g. CAP_NET_ADMIN",
                        names[i]);
      if (cap > sv_cap_last_cap ())
        {
          g_warning ("%s: %s is not known to this kernel; ignored", ipath, names[i]);
          continue;
        }
      p->caps[set] |= G_GUINT64_CONSTANT (1) << cap;
    }
  return TRUE;
}

static gboolean
parse_caps (SvProcess *p, JsonObject *o, const char *path, GError **error)
{
  static const char *const sets[SV_CAP_N_SETS] = {
    [SV_CAP_BOUNDING] = "bounding",       [SV_CAP_EFFECTIVE] = "effective",
    [SV_CAP_INHERITABLE] = "inheritable", [SV_CAP_PERMITTED] = "permitted",
    [SV_CAP_AMBIENT] = "ambient",
  };
  g_autofree char *cpath = sv_json_path (path, "capabilities");
  JsonObject *caps;

  if (!sv_json_get_object (o, path, "capabilities", FALSE, &caps, error))
    return FALSE;
  if (caps == NULL)
    return TRUE;
  p->has_caps = TRUE;
  for (int s = 0; s < SV_CAP_N_SETS; s++)
    if (!parse_cap_set (p, caps, cpath, sets[s], (SvCapSet) s, error))
      return FALSE;
  return TRUE;
}

static gboolean
parse_rlimit (SvProcess *p, JsonObject *r, const char *ipath, GError **error)
{
  g_autofree char *type = NULL;
  SvRlimit rl = { 0 };
  g_autofree char *tpath = sv_json_path (ipath, "type");

  if (!sv_json_get_string (r, ipath, "type", TRUE, &type, error)
      || !sv_json_get_uint64 (r, ipath, "soft", &rl.soft, error)
      || !sv_json_get_uint64 (r, ipath, "hard", &rl.hard, error))
    return FALSE;
  rl.resource = sv_rlimit_from_name (type);
  if (rl.resource < 0)
    return invalid (error, tpath, "unknown rlimit \"%s\"; use e.g. RLIMIT_NOFILE", type);
  if (rl.soft > rl.hard)
    return invalid (error, ipath, "soft limit is above the hard limit%s", "");
  for (guint i = 0; i < p->rlimits->len; i++)
    if (g_array_index (p->rlimits, SvRlimit, i).resource == rl.resource)
      return invalid (error, tpath, "%s is given twice", type);
  g_array_append_val (p->rlimits, rl);
  return TRUE;
}

static gboolean
parse_rlimits (SvProcess *p, JsonObject *o, const char *path, GError **error)
{
  g_autofree char *rpath = sv_json_path (path, "rlimits");
  JsonArray *a;

  if (!sv_json_get_array (o, path, "rlimits", FALSE, &a, error))
    return FALSE;
  for (guint i = 0; a != NULL && i < json_array_get_length (a); i++)
    {
      g_autofree char *ipath = sv_json_path_index (rpath, i);
      JsonObject *r = sv_json_array_object (a, rpath, i, error);
      if (r == NULL || !parse_rlimit (p, r, ipath, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
parse_console (SvProcess *p, JsonObject *o, const char *path, GError **error)
{
  g_autofree char *cpath = sv_json_path (path, "consoleSize");
  JsonObject *size;

  if (!sv_json_get_object (o, path, "consoleSize", FALSE, &size, error))
    return FALSE;
  if (size == NULL)
    return TRUE;
  return sv_json_get_uint32 (size, cpath, "height", FALSE, &p->console_height, error)
         && sv_json_get_uint32 (size, cpath, "width", FALSE, &p->console_width, error);
}

static gboolean
validate_args_env (SvProcess *p, const char *path, GError **error)
{
  g_autofree char *apath = sv_json_path (path, "args");
  g_autofree char *epath = sv_json_path (path, "env");
  g_autofree char *cpath = sv_json_path (path, "cwd");

  if (p->args == NULL || p->args[0] == NULL || p->args[0][0] == '\0')
    return invalid (error, apath, "the command to run is missing; give e.g. [\"sh\"]%s", "");
  for (guint i = 0; p->env != NULL && p->env[i] != NULL; i++)
    if (strchr (p->env[i], '=') == NULL || p->env[i][0] == '=')
      {
        g_autofree char *ipath = sv_json_path_index (epath, i);
        return invalid (error, ipath, "\"%s\" is not of the form KEY=VALUE", p->env[i]);
      }
  if (p->cwd == NULL || p->cwd[0] == '\0')
    {
      g_free (p->cwd);
      p->cwd = g_strdup ("/");
    }
  if (p->cwd[0] != '/')
    return invalid (error, cpath, "\"%s\" is not an absolute path", p->cwd);
  return TRUE;
}

static gboolean
parse_oom (SvProcess *p, JsonObject *o, const char *path, GError **error)
{
  gint64 v = 0;
  g_autofree char *opath = sv_json_path (path, "oomScoreAdj");

  if (!json_object_has_member (o, "oomScoreAdj")
      || JSON_NODE_HOLDS_NULL (json_object_get_member (o, "oomScoreAdj")))
    return TRUE;
  if (!sv_json_get_int64 (o, path, "oomScoreAdj", FALSE, &v, error))
    return FALSE;
  if (v < -1000 || v > 1000)
    {
      g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, v);
      return invalid (error, opath, "%s is out of range -1000..1000", text);
    }
  p->has_oom_score_adj = TRUE;
  p->oom_score_adj = (int) v;
  return TRUE;
}

SvProcess *
sv_process_from_json (JsonObject *o, const char *path, GError **error)
{
  g_autoptr (SvProcess) p = g_new0 (SvProcess, 1);

  p->additional_gids = g_array_new (FALSE, FALSE, sizeof (guint32));
  p->rlimits = g_array_new (FALSE, FALSE, sizeof (SvRlimit));
  if (!sv_json_get_bool (o, path, "terminal", &p->terminal, error)
      || !parse_console (p, o, path, error) || !parse_user (p, o, path, error)
      || !sv_json_get_strv (o, path, "args", TRUE, &p->args, error)
      || !sv_json_get_strv (o, path, "env", FALSE, &p->env, error)
      || !sv_json_get_string (o, path, "cwd", FALSE, &p->cwd, error)
      || !parse_caps (p, o, path, error) || !parse_rlimits (p, o, path, error)
      || !sv_json_get_bool (o, path, "noNewPrivileges", &p->no_new_privileges, error)
      || !parse_oom (p, o, path, error)
      || !sv_json_get_string (o, path, "apparmorProfile", FALSE, &p->apparmor_profile, error)
      || !sv_json_get_string (o, path, "selinuxLabel", FALSE, &p->selinux_label, error)
      || !validate_args_env (p, path, error))
    return NULL;
  return g_steal_pointer (&p);
}

void
sv_process_free (SvProcess *p)
{
  if (p == NULL)
    return;
  g_clear_pointer (&p->additional_gids, g_array_unref);
  g_clear_pointer (&p->rlimits, g_array_unref);
  g_strfreev (p->args);
  g_strfreev (p->env);
  g_free (p->cwd);
  g_free (p->apparmor_profile);
  g_free (p->selinux_label);
  g_free (p);
}
