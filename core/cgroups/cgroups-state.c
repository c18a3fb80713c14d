/* cgroups-state.c: the state-file form of a container's cgroup, so that later
 * commands find the same directories.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#define G_LOG_DOMAIN "sysvisor"

#include "cgroups-hierarchy.h"
#include "cgroups-paths.h"
#include "cgroups-resources.h"
#include "json-util.h"

#include <gio/gio.h>

#define SV_CGROUP_STATE_VERSION 1

/* ------------------------------------------------------------------------------------------
 * State file form: {"version":1,"mode":"v1","id":..,"path":..,"systemd":..,"hierarchies":[..]}
 * The hierarchies are stored so that later commands find the same directories even if the
 * host's mounts were shuffled meanwhile.
 * ---------------------------------------------------------------------------------------- */

static JsonNode *
mount_to_json (const SvCgroupMount *m)
{
  JsonObject *o = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (o, "name", m->name);
  json_object_set_string_member (o, "fstype", m->fstype);
  json_object_set_string_member (o, "options", m->options);
  json_object_set_string_member (o, "mountpoint", m->mountpoint);
  json_object_set_string_member (o, "path", m->dir);
  json_node_take_object (node, o);
  return node;
}

JsonNode *
sv_cgroup_to_json (SvCgroup *cg)
{
  JsonObject *o = json_object_new ();
  JsonArray *mounts = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_int_member (o, "version", SV_CGROUP_STATE_VERSION);
  json_object_set_string_member (o, "mode", cg->mode == SV_CGROUP_V2 ? "v2" : "v1");
  json_object_set_string_member (o, "id", cg->id);
  json_object_set_string_member (o, "path", cg->path);
  json_object_set_boolean_member (o, "systemd", cg->systemd);
  if (cg->systemd)
    {
      json_object_set_string_member (o, "slice", cg->slice);
      json_object_set_string_member (o, "unit", cg->unit);
      json_object_set_boolean_member (o, "unitStarted", cg->unit_started);
    }
  for (guint i = 0; i < cg->mounts->len; i++)
    json_array_add_element (mounts, mount_to_json (cg->mounts->pdata[i]));
  json_object_set_array_member (o, "hierarchies", mounts);
  json_node_take_object (node, o);
  return node;
}

/* A required non-empty-or-empty string member; errors read "cgroup.<path>.<member>: ...". */
static gboolean
state_string (JsonObject *o, const char *path, const char *member, gboolean allow_empty,
              char **out, GError **error)
{
  JsonNode *node = json_object_get_member (o, member);

  if (node == NULL || !sv_cgroup_node_is (node, G_TYPE_STRING)
      || (!allow_empty && *json_node_get_string (node) == '\0'))
    return sv_cgroup_invalid_field (error, "%s.%s: expected a%s string", path, member,
                                    allow_empty ? "" : " non-empty");
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
state_mounts (JsonObject *o, SvCgroup *cg, GError **error)
{
  JsonArray *arr;

  if (!sv_cgroup_get_object_array (o, "cgroup", "hierarchies", &arr, error))
    return FALSE;
  if (arr == NULL || json_array_get_length (arr) == 0)
    return sv_cgroup_invalid_field (error, "cgroup.hierarchies: expected a non-empty array");
  cg->mounts = g_ptr_array_new_with_free_func ((GDestroyNotify) sv_cgroup_mount_free);
  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      JsonObject *item = json_array_get_object_element (arr, i);
      g_autofree char *ipath = g_strdup_printf ("cgroup.hierarchies[%u]", i);
      g_autoptr (SvCgroupMount) m = g_new0 (SvCgroupMount, 1);

      if (!state_string (item, ipath, "name", TRUE, &m->name, error)
          || !state_string (item, ipath, "fstype", FALSE, &m->fstype, error)
          || !state_string (item, ipath, "options", TRUE, &m->options, error)
          || !state_string (item, ipath, "mountpoint", FALSE, &m->mountpoint, error)
          || !state_string (item, ipath, "path", FALSE, &m->dir, error))
        return FALSE;
      if (!g_str_equal (m->fstype, "cgroup") && !g_str_equal (m->fstype, "cgroup2"))
        return sv_cgroup_invalid_field (error, "%s.fstype: expected \"cgroup\" or \"cgroup2\"",
                                        ipath);
      g_ptr_array_add (cg->mounts, g_steal_pointer (&m));
    }
  return TRUE;
}

static gboolean
state_header (JsonObject *o, SvCgroup *cg, GError **error)
{
  SvCgroupInt version = { FALSE, 0 };
  g_autofree char *mode = NULL;

  if (!sv_cgroup_get_int (o, "cgroup", "version", 1, SV_CGROUP_STATE_VERSION, FALSE, &version,
                          error)
      || !state_string (o, "cgroup", "mode", FALSE, &mode, error)
      || !state_string (o, "cgroup", "path", FALSE, &cg->path, error)
      || !sv_json_get_bool (o, "cgroup", "systemd", &cg->systemd, error))
    return FALSE;
  if (g_str_equal (mode, "v1"))
    cg->mode = SV_CGROUP_V1;
  else if (g_str_equal (mode, "v2"))
    cg->mode = SV_CGROUP_V2;
  else
    return sv_cgroup_invalid_field (error, "cgroup.mode: expected \"v1\" or \"v2\", not \"%s\"",
                                    mode);
  if (!cg->systemd)
    return TRUE;
  return state_string (o, "cgroup", "slice", FALSE, &cg->slice, error)
         && state_string (o, "cgroup", "unit", FALSE, &cg->unit, error)
         && sv_json_get_bool (o, "cgroup", "unitStarted", &cg->unit_started, error);
}

SvCgroup *
sv_cgroup_from_json (JsonNode *node, GError **error)
{
  g_autoptr (SvCgroup) cg = NULL;
  g_autofree char *id = NULL;
  JsonObject *o;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      sv_cgroup_invalid_field (error, "cgroup: expected an object");
      return NULL;
    }
  o = json_node_get_object (node);
  if (!state_string (o, "cgroup", "id", FALSE, &id, error))
    return NULL;
  cg = sv_cgroup_alloc (id);
  if (!state_header (o, cg, error) || !state_mounts (o, cg, error))
    return NULL;
  return g_steal_pointer (&cg);
}
