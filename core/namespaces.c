/* namespaces.c: the parent's side of namespaces. */
#include "namespaces.h"

#include "utils.h"

#include <fcntl.h>
#include <sched.h>

gboolean
sv_ns_join_paths (SvSpec *spec, SvNsJoin *join, GError **error)
{
  join->n = 0;
  for (guint i = 0; i < spec->namespaces->len; i++)
    {
      SvNamespace *ns = &g_array_index (spec->namespaces, SvNamespace, i);
      g_autofree char *own = NULL;
      sv_autofd target = -1;
      int saved;

      if (ns->path == NULL)
        continue;
      own = g_strdup_printf ("/proc/self/ns/%s",
                             ns->nstype == CLONE_NEWPID ? "pid_for_children"
                             : ns->nstype == CLONE_NEWNET ? "net"
                                                          : sv_namespace_name (ns->nstype));
      target = open (ns->path, O_RDONLY | O_CLOEXEC);
      saved = open (own, O_RDONLY | O_CLOEXEC);
      if (target < 0 || saved < 0 || setns (target, ns->nstype) < 0)
        {
          sv_set_error_errno (error, errno, "join %s namespace %s (linux.namespaces)",
                              sv_namespace_name (ns->nstype), ns->path);
          sv_close_fdp (&saved);
          sv_ns_restore (join);
          return FALSE;
        }
      join->saved[join->n] = saved;
      join->nstype[join->n++] = ns->nstype;
    }
  return TRUE;
}

void
sv_ns_restore (SvNsJoin *join)
{
  while (join->n > 0)
    {
      guint i = --join->n;
      if (setns (join->saved[i], join->nstype[i]) < 0)
        g_warning ("cannot return to our own %s namespace: %s",
                   sv_namespace_name (join->nstype[i]), g_strerror (errno));
      close (join->saved[i]);
    }
}

int
sv_ns_clone_flags (SvSpec *spec)
{
  int flags = 0;

  for (guint i = 0; i < spec->namespaces->len; i++)
    {
      SvNamespace *ns = &g_array_index (spec->namespaces, SvNamespace, i);
      if (ns->path == NULL && ns->nstype != CLONE_NEWCGROUP)
        flags |= ns->nstype;
    }
  return flags;
}

static gboolean
write_map (pid_t pid, const char *file, GArray *maps, GError **error)
{
  g_autoptr (GString) text = g_string_new (NULL);
  g_autofree char *path = g_strdup_printf ("/proc/%d/%s", (int) pid, file);

  for (guint i = 0; i < maps->len; i++)
    {
      SvIdMap *m = &g_array_index (maps, SvIdMap, i);
      g_string_append_printf (text, "%u %u %u\n", m->container_id, m->host_id, m->size);
    }
  if (!sv_write_existing_file (path, text->str, error))
    {
      g_prefix_error (error, "write the container's %s (overlapping or invalid mappings?): ",
                      file);
      return FALSE;
    }
  return TRUE;
}

gboolean
sv_ns_write_maps (pid_t pid, GArray *uid_maps, GArray *gid_maps, GError **error)
{
  return write_map (pid, "uid_map", uid_maps, error) && write_map (pid, "gid_map", gid_maps, error);
}
