/* devices.c: device nodes in the container's /dev.  A user namespace cannot mknod, so every
 * node is a bind mount of the host's node with the same type and number, as in rootless runc. */
#include "devices.h"
#include "mounts.h"
#include "utils.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static const char *const default_devices[] = {
  "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty",
};

static gboolean
spec_mounts_dev (SvSpec *spec)
{
  for (guint i = 0; i < spec->mounts->len; i++)
    {
      SvMount *m = g_ptr_array_index (spec->mounts, i);
      if (g_strcmp0 (m->destination, "/dev") == 0 && !m->bind)
        return TRUE;
    }
  return FALSE;
}

static gboolean
bind_device (int rootfd, const char *host_path, const char *dest, GError **error)
{
  sv_autofd target = sv_open_in_root_create (rootfd, dest, FALSE, error);
  g_autofree char *path = NULL;

  if (target < 0)
    return FALSE;
  path = g_strdup_printf ("/proc/self/fd/%d", target);
  if (mount (host_path, path, NULL, MS_BIND, NULL) < 0)
    {
      sv_set_error_errno (error, errno, "bind device %s on %s", host_path, dest);
      return FALSE;
    }
  return TRUE;
}

static gboolean
same_device (const char *path, const SvDevice *d)
{
  struct stat st;
  mode_t want = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;

  if (stat (path, &st) < 0 || (st.st_mode & S_IFMT) != want)
    return FALSE;
  return d->type == 'p'
         || (major (st.st_rdev) == (unsigned) d->major
             && minor (st.st_rdev) == (unsigned) d->minor);
}

/* The host node for @d: the same path, or udev's /dev/char|block/MAJ:MIN link. */
static char *
host_node_for (const SvDevice *d)
{
  g_autofree char *by_number = NULL;

  if (same_device (d->path, d))
    return g_strdup (d->path);
  by_number = g_strdup_printf ("/dev/%s/%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT,
                               d->type == 'b' ? "block" : "char", d->major, d->minor);
  if (d->type != 'p' && same_device (by_number, d))
    return g_steal_pointer (&by_number);
  return NULL;
}

static gboolean
is_default_device (const char *path)
{
  for (guint i = 0; i < G_N_ELEMENTS (default_devices); i++)
    if (g_strcmp0 (path, default_devices[i]) == 0)
      return TRUE;
  return FALSE;
}

gboolean
sv_devices_setup (SvInitConfig *cfg, int rootfd, GError **error)
{
  SvSpec *spec = cfg->spec;

  if (spec_mounts_dev (spec))
    for (guint i = 0; i < G_N_ELEMENTS (default_devices); i++)
      if (!bind_device (rootfd, default_devices[i], default_devices[i], error))
        return FALSE;
  for (guint i = 0; i < spec->devices->len; i++)
    {
      SvDevice *d = g_ptr_array_index (spec->devices, i);
      g_autofree char *host = NULL;
      if (spec_mounts_dev (spec) && is_default_device (d->path))
        continue;
      /* As runc: /dev/ptmx is always the link to the container's own devpts (a bound host
       * node would open the host's ptys). */
      if (spec_mounts_dev (spec) && g_strcmp0 (d->path, "/dev/ptmx") == 0)
        continue;
      host = host_node_for (d);
      if (host == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                       "linux.devices[%u]: %s (%c %" G_GINT64_FORMAT ":%" G_GINT64_FORMAT
                       "): no such device on the host, and a user namespace cannot create "
                       "device nodes; create it on the host or remove it from the spec",
                       i, d->path, d->type, d->major, d->minor);
          return FALSE;
        }
      if (!bind_device (rootfd, host, d->path, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
sv_devices_symlinks (SvInitConfig *cfg, GError **error)
{
  static const struct
  {
    const char *target;
    const char *link;
  } links[] = {
    { "/proc/self/fd", "/dev/fd" },       { "/proc/self/fd/0", "/dev/stdin" },
    { "/proc/self/fd/1", "/dev/stdout" }, { "/proc/self/fd/2", "/dev/stderr" },
    { "pts/ptmx", "/dev/ptmx" },
  };
  /* Only in a /dev of our own: never write into the image's /dev. */
  if (!spec_mounts_dev (cfg->spec))
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (links); i++)
    if (symlink (links[i].target, links[i].link) < 0 && errno != EEXIST && errno != EROFS)
      {
        sv_set_error_errno (error, errno, "symlink %s -> %s", links[i].link, links[i].target);
        return FALSE;
      }
  if (access ("/proc/kcore", F_OK) == 0 && symlink ("/proc/kcore", "/dev/core") < 0
      && errno != EEXIST && errno != EROFS)
    {
      sv_set_error_errno (error, errno, "symlink /dev/core");
      return FALSE;
    }
  return TRUE;
}
