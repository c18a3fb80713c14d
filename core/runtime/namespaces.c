/* namespaces.c: the parent's side of namespaces. */
#include "namespaces.h"

#include "names.h"
#include "utils.h"
#include "sv-error.h"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

/* What the container's root would be refused in a namespace of @nstype that a user namespace
 * other than its own owns, or NULL if the spec asks for nothing of the kind. */
static const char *
needs_ownership (SvSpec *spec, int nstype)
{
  if (nstype == CLONE_NEWUTS && spec->hostname != NULL && spec->hostname[0] != '\0')
    return "set the hostname (\"hostname\" in the spec)";
  if (nstype == CLONE_NEWUTS && spec->domainname != NULL && spec->domainname[0] != '\0')
    return "set the domain name (\"domainname\" in the spec)";
  if (nstype == CLONE_NEWPID)
    for (guint i = 0; i < spec->mounts->len; i++)
      {
        SvMount *m = spec->mounts->pdata[i];
        if (m->type != NULL && strcmp (m->type, "proc") == 0)
          return "mount /proc for it";
      }
  return NULL;
}

/* A namespace that our own user namespace owns is the host's as far as the container is
 * concerned: its root (root of a new, child user namespace) has no capability there, so the
 * init's mount of /proc or sethostname would fail late with a bare EPERM.  Refuse it now. */
static gboolean
check_not_host_owned (SvSpec *spec, const SvNamespace *ns, int target, GError **error)
{
  const char *what = needs_ownership (spec, ns->nstype);
  sv_autofd owner = -1;
  struct stat own, theirs;

  if (what == NULL)
    return TRUE;
  owner = ioctl (target, NS_GET_USERNS);
  if (owner < 0 || fstat (owner, &theirs) < 0 || stat ("/proc/self/ns/user", &own) < 0)
    return TRUE; /* cannot tell: let the kernel decide */
  if (own.st_dev != theirs.st_dev || own.st_ino != theirs.st_ino)
    return TRUE;
  g_set_error (
      error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
      "linux.namespaces: the %s namespace %s belongs to the host's user namespace, where "
      "the container's root is not root and cannot %s; remove \"path\" to give the "
      "container a %s namespace of its own",
      sv_namespace_name (ns->nstype), ns->path, what, sv_namespace_name (ns->nstype));
  return FALSE;
}

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
      own = g_strdup_printf ("/proc/self/ns/%s", ns->nstype == CLONE_NEWPID ? "pid_for_children"
                                                 : ns->nstype == CLONE_NEWNET
                                                     ? "net"
                                                     : sv_namespace_name (ns->nstype));
      target = open (ns->path, O_RDONLY | O_CLOEXEC);
      if (target >= 0 && !check_not_host_owned (spec, ns, target, error))
        {
          sv_ns_restore (join);
          return FALSE;
        }
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
                   sv_namespace_name (join->nstype[i]), sv_strerror (errno));
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
      SvIdMapping *m = &g_array_index (maps, SvIdMapping, i);
      g_string_append_printf (text, "%u %u %u\n", m->container_id, m->host_id, m->size);
    }
  if (!sv_write_existing_file (path, text->str, error))
    {
      g_prefix_error (error,
                      "write the container's %s (overlapping or invalid mappings?): ", file);
      return FALSE;
    }
  return TRUE;
}

gboolean
sv_ns_write_maps (pid_t pid, GArray *uid_maps, GArray *gid_maps, GError **error)
{
  return write_map (pid, "uid_map", uid_maps, error)
         && write_map (pid, "gid_map", gid_maps, error);
}
