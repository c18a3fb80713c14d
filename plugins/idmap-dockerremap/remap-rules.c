/* remap-rules.c: id mapping and bind-mount checks of idmap-dockerremap (see remap-rules.h). */
#include "remap-rules.h"

#include "sv-path.h"
#include "sv-error.h"

#include <errno.h>
#include <gio/gio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const SvIdMapping *sort_base;

static gint
compare_index_by_container_id (gconstpointer a, gconstpointer b)
{
  guint32 x = sort_base[*(const guint *) a].container_id;
  guint32 y = sort_base[*(const guint *) b].container_id;

  return x < y ? -1 : x > y;
}

/* Indexes of @maps in the order of their container ids. */
static guint *
order_by_container_id (const SvIdMapping *maps, guint n)
{
  guint *order = g_new (guint, n > 0 ? n : 1);

  for (guint i = 0; i < n; i++)
    order[i] = i;
  sort_base = maps;
  qsort (order, n, sizeof (guint), compare_index_by_container_id);
  sort_base = NULL;
  return order;
}

static gboolean
check_no_host_root (const char *field, const SvIdMapping *maps, guint n, GError **error)
{
  for (guint i = 0; i < n; i++)
    {
      const SvIdMapping *m = &maps[i];
      if (m->host_id != 0)
        continue;
      if (m->container_id == 0)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                     "%s[%u] (%u %u %u) maps container root to host root (host id 0): a system "
                     "container's root must never be host root; run dockerd with "
                     "--userns-remap=default (or map container id 0 to an unprivileged range)",
                     field, i, m->container_id, m->host_id, m->size);
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                     "%s[%u] (%u %u %u) maps container id %u to host root (host id 0): the "
                     "container would own host root's files; map only unprivileged host ids",
                     field, i, m->container_id, m->host_id, m->size, m->container_id);
      return FALSE;
    }
  return TRUE;
}

gboolean
sv_remap_check_mappings (const char *field, const SvIdMapping *maps, guint n, GError **error)
{
  g_autofree guint *order = NULL;
  guint64 next = 0;

  if (!check_no_host_root (field, maps, n, error))
    return FALSE;
  order = order_by_container_id (maps, n);
  for (guint k = 0; k < n; k++)
    {
      const SvIdMapping *m = &maps[order[k]];
      if (m->container_id == next)
        {
          next += m->size;
          continue;
        }
      if (k == 0)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                     "%s: the lowest mapped container id is %u (%s[%u]), not 0: the mapped "
                     "container ids must start at 0 and be contiguous; map container ids "
                     "0..N-1 (as dockerd --userns-remap does)",
                     field, m->container_id, field, order[k]);
      else
        g_set_error (
            error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
            "%s: %s[%u] maps container ids from %u but the ids below end at %" G_GUINT64_FORMAT
            " (%s): the mapped container ids must start at 0 and be contiguous; map "
            "container ids 0..N-1 (as dockerd --userns-remap does)",
            field, field, order[k], m->container_id, next - 1,
            m->container_id > next ? "a gap" : "an overlap");
      return FALSE;
    }
  return TRUE;
}

static char *
describe_maps (const SvIdMapping *maps, guint n)
{
  g_autofree guint *order = order_by_container_id (maps, n);
  GString *s = g_string_new (NULL);

  for (guint k = 0; k < n; k++)
    g_string_append_printf (s, "%s%u:%u:%u", k > 0 ? ", " : "", maps[order[k]].container_id,
                            maps[order[k]].host_id, maps[order[k]].size);
  return g_string_free (s, FALSE);
}

static char *
describe_entries (GPtrArray *entries)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < entries->len; i++)
    {
      SvSubidEntry *e = g_ptr_array_index (entries, i);
      g_string_append_printf (s, "%s%s:%u:%u (line %u)", i > 0 ? ", " : "", e->name, e->start,
                              e->count, e->line);
    }
  if (entries->len == 0)
    g_string_append (s, "no entry");
  return g_string_free (s, FALSE);
}

char *
sv_remap_mappings_mismatch (const SvIdMapping *maps, guint n, GPtrArray *entries)
{
  g_autofree guint *order = order_by_container_id (maps, n);
  g_autofree char *have = NULL;
  g_autofree char *want = NULL;
  gboolean same = n == entries->len;

  for (guint k = 0; same && k < n; k++)
    {
      SvSubidEntry *e = g_ptr_array_index (entries, k);
      same = maps[order[k]].host_id == e->start && maps[order[k]].size == e->count;
    }
  if (same)
    return NULL;
  have = describe_maps (maps, n);
  want = describe_entries (entries);
  return g_strdup_printf ("the spec maps (container:host:size) %s, but the remap user's "
                          "subordinate ids are %s",
                          have, want);
}

gboolean
sv_remap_path_under (const char *path, const char *dir)
{
  g_autofree char *p = sv_path_canonical (path);
  g_autofree char *d = sv_path_canonical (dir);

  return sv_path_is_under (p, d);
}

gboolean
sv_remap_check_bind_source (guint index, const char *source, const char *destination,
                            const char *data_root, gint64 uid, gint64 gid, GError **error)
{
  struct stat st;

  if (data_root != NULL && sv_remap_path_under (source, data_root))
    return TRUE;
  if (stat (source, &st) < 0)
    {
      if (errno == ENOENT)
        return TRUE; /* the core reports a missing source with its own fix */
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                   "bind mount -v %s:%s refused: cannot check the owner of %s: %s (mounts[%u])",
                   source, destination, source, sv_strerror (errno), index);
      return FALSE;
    }
  if ((gint64) st.st_uid == uid && (gint64) st.st_gid == gid)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
               "bind mount -v %s:%s refused: %s is owned by %u:%u, but with Docker userns-remap "
               "a bind source must be owned by the remap uid:gid %" G_GINT64_FORMAT
               ":%" G_GINT64_FORMAT " (the host ids of container root; files under Docker's "
               "data root %s are exempt); fix: chown %" G_GINT64_FORMAT ":%" G_GINT64_FORMAT
               " %s (mounts[%u])",
               source, destination, source, (guint) st.st_uid, (guint) st.st_gid, uid, gid,
               data_root != NULL ? data_root : "(none)", uid, gid, source, index);
  return FALSE;
}
