/* cgroups-stats.c: helpers the v1 and v2 drivers share to build runc's
 * "events --stats" objects from interface files.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#define G_LOG_DOMAIN "sysvisor"

#include "cgroups-stats.h"

#include "cgroups-files.h"

/* ------------------------------------------------------------------------------------------
 * Stats helpers shared by cgroups-v1.c and cgroups-v2.c
 * ---------------------------------------------------------------------------------------- */

void
sv_cgroup_json_set_u64 (JsonObject *o, const char *member, guint64 value)
{
  json_object_set_int_member (o, member, (gint64) MIN (value, (guint64) G_MAXINT64));
}

void
sv_cgroup_json_set_u64_from_file (JsonObject *o, const char *member, const char *dir,
                                  const char *file)
{
  guint64 v;

  if (sv_cgroup_read_u64 (dir, file, &v, NULL))
    sv_cgroup_json_set_u64 (o, member, v);
}

JsonObject *
sv_cgroup_read_keyed (const char *dir, const char *file)
{
  g_autofree char *text = sv_cgroup_read (dir, file, NULL);
  g_auto (GStrv) lines = NULL;
  JsonObject *o;

  if (text == NULL)
    return NULL;
  o = json_object_new ();
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) kv = g_strsplit (lines[i], " ", 2);
      guint64 v;

      if (kv[0] != NULL && kv[1] != NULL
          && g_ascii_string_to_unsigned (kv[1], 10, 0, G_MAXUINT64, &v, NULL))
        sv_cgroup_json_set_u64 (o, kv[0], v);
    }
  return o;
}

void
sv_cgroup_json_copy_key (JsonObject *to, const char *member, JsonObject *from, const char *key,
                         guint64 scale)
{
  if (from == NULL || !json_object_has_member (from, key))
    return;
  sv_cgroup_json_set_u64 (to, member, (guint64) json_object_get_int_member (from, key) * scale);
}
