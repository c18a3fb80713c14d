/* mounts.c: the container's filesystem, made by its init in the new mount namespace: the
 * rootfs (a tree handed over by the parent), the spec's mounts,
 * pivot_root, then masked and read-only paths.  Bind sources always arrive as detached trees
 * made by the parent as host root, so the init never walks host paths it may not reach. */
#include "cgroups.h"
#include "mounts.h"
#include "notify-socket.h"
#include "log.h"
#include "utils.h"
#include "sv-error.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static int
open_in_root (int rootfd, const char *path, int flags)
{
  struct open_how how = {
    .flags = (guint64) (flags | O_CLOEXEC),
    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };

  return (int) syscall (SYS_openat2, rootfd, path, &how, sizeof how);
}

static gboolean
create_component (int rootfd, const char *path, gboolean dir, GError **error)
{
  g_autofree char *parent = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  sv_autofd pfd = open_in_root (rootfd, parent, O_PATH | O_DIRECTORY);
  int r;

  if (pfd < 0)
    {
      sv_set_error_errno (error, errno, "open %s in the rootfs", parent);
      return FALSE;
    }
  if (dir)
    r = mkdirat (pfd, base, 0755);
  else
    {
      int fd = openat (pfd, base, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
      r = fd < 0 ? -1 : close (fd);
    }
  if (r < 0 && errno != EEXIST)
    {
      sv_set_error_errno (error, errno, "create %s in the rootfs", path);
      return FALSE;
    }
  return TRUE;
}

int
sv_open_in_root_create (int rootfd, const char *path, gboolean dir, GError **error)
{
  int fd = open_in_root (rootfd, path, O_PATH);
  g_auto (GStrv) parts = NULL;
  g_autoptr (GString) prefix = g_string_new (NULL);

  if (fd >= 0)
    return fd;
  if (errno != ENOENT)
    {
      sv_set_error_errno (error, errno, "open %s in the rootfs", path);
      return -1;
    }
  /* Most often only the last component is missing (/dev/null in a new /dev): make it in its
   * parent, without walking the path from the top. */
  if (create_component (rootfd, path, dir, NULL))
    {
      fd = open_in_root (rootfd, path, O_PATH);
      if (fd >= 0)
        return fd;
    }
  parts = g_strsplit (path, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      sv_autofd probe = -1;
      if (parts[i][0] == '\0')
        continue;
      g_string_append_printf (prefix, "/%s", parts[i]);
      probe = open_in_root (rootfd, prefix->str, O_PATH);
      if (probe >= 0)
        continue;
      if (!create_component (rootfd, prefix->str, parts[i + 1] != NULL || dir, error))
        return -1;
    }
  fd = open_in_root (rootfd, path, O_PATH);
  if (fd < 0)
    sv_set_error_errno (error, errno, "open %s in the rootfs", path);
  return fd;
}

static char *
fd_path (int fd)
{
  return g_strdup_printf ("/proc/self/fd/%d", fd);
}

/* A tree cloned from a shared mount joins its peer group: mounts made inside the container
 * would show on the host (and pivot_root refuses a shared new root).  Cut it off first. */
static gboolean
set_tree_propagation (int tree_fd, unsigned long propagation, const char *what, GError **error)
{
  struct mount_attr attr = { .propagation = propagation };

  if (mount_setattr (tree_fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
    {
      sv_set_error_errno (error, errno, "set the propagation of %s", what);
      return FALSE;
    }
  return TRUE;
}

static gboolean
attach_tree (int tree_fd, int target_fd, const char *what, GError **error)
{
  if (move_mount (tree_fd, "", target_fd, target_fd == AT_FDCWD ? "." : "",
                  MOVE_MOUNT_F_EMPTY_PATH | (target_fd == AT_FDCWD ? 0 : MOVE_MOUNT_T_EMPTY_PATH))
      < 0)
    {
      sv_set_error_errno (error, errno, "attach %s", what);
      return FALSE;
    }
  return TRUE;
}

gboolean
sv_mounts_attach_rootfs (SvInitConfig *cfg, SvInitTrees *t, int *rootfd_out, GError **error)
{
  int tree;

  if (mount (NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
    {
      sv_set_error_errno (error, errno, "make / a slave mount");
      return FALSE;
    }
  tree = sv_sync_take_fd (&t->msg, t->fds, SV_SYNC_FD_ROOTFS, 0);
  if (tree < 0)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "no rootfs tree received");
      return FALSE;
    }
  /* The parent cloned us with the rootfs directory as our working directory: clone has
   * moved it into our mount namespace (a fd opened before clone still points at the host's
   * mount, where move_mount cannot attach). */
  if (!attach_tree (tree, AT_FDCWD, "the rootfs", error)
      || !set_tree_propagation (tree, MS_SLAVE, "the rootfs", error))
    return FALSE;
  *rootfd_out = tree;
  return TRUE;
}

/* ---- the spec's mounts ---- */

static gboolean
set_propagation (const char *target, unsigned long propagation, GError **error)
{
  if (propagation == 0)
    return TRUE;
  if (mount (NULL, target, NULL, propagation, NULL) < 0)
    {
      sv_set_error_errno (error, errno, "set propagation of %s", target);
      return FALSE;
    }
  return TRUE;
}

static gboolean
set_rec_attrs (int fd, const SvMount *m, GError **error)
{
  struct mount_attr attr = { .attr_set = m->rec_attr_set, .attr_clr = m->rec_attr_clr };

  if (attr.attr_set == 0 && attr.attr_clr == 0)
    return TRUE;
  if (mount_setattr (fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
    {
      sv_set_error_errno (error, errno, "set recursive options on %s", m->destination);
      return FALSE;
    }
  return TRUE;
}

/* @i: the index of @m in the spec's mounts, the tag of its tree. */
static gboolean
mount_bind (SvMount *m, guint i, int rootfd, SvInitTrees *t, GError **error)
{
  sv_autofd tree = sv_sync_take_fd (&t->msg, t->fds, SV_SYNC_FD_BIND_MOUNT, i);
  struct stat st;
  sv_autofd target = -1;
  g_autofree char *tree_path = NULL;

  if (tree < 0 || fstat (tree, &st) < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "bind mount %s: no source tree",
                   m->destination);
      return FALSE;
    }
  target = sv_open_in_root_create (rootfd, m->destination, S_ISDIR (st.st_mode), error);
  if (target < 0 || !attach_tree (tree, target, m->destination, error)
      || !set_tree_propagation (tree, MS_PRIVATE, m->destination, error))
    return FALSE;
  tree_path = fd_path (tree);
  return set_propagation (tree_path, m->propagation, error) && set_rec_attrs (tree, m, error);
}

static gboolean
mount_plain (const char *source, const char *target, const char *type, unsigned long flags,
             const char *data, const char *dest, GError **error)
{
  if (mount (source, target, type, flags, data) < 0)
    {
      sv_set_error_errno (error, errno, "mount %s (%s) on %s", source != NULL ? source : type,
                          type, dest);
      return FALSE;
    }
  return TRUE;
}

/* sysfs can only be mounted by the owner of the network namespace: with the host's network
 * (no new netns), bind the host's /sys instead, read-only with everything under it, as runc
 * does.  The copy is made read-only while still detached: once attached on @target_fd, a path
 * through that fd would name the directory under it, not the new mount. */
static gboolean
mount_sysfs (SvMount *m, const char *target, int target_fd, GError **error)
{
  struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV
                                       | MOUNT_ATTR_NOEXEC };
  sv_autofd tree = -1;

  if (mount ("sysfs", target, "sysfs", m->flags, m->data) == 0)
    return TRUE;
  if (errno != EPERM)
    return mount_plain ("sysfs", target, "sysfs", m->flags, m->data, m->destination, error);
  g_debug ("%s: sysfs needs a network namespace of the container's own; binding the host's "
           "/sys read-only",
           m->destination);
  tree = open_tree (AT_FDCWD, "/sys", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
  if (tree < 0)
    {
      sv_set_error_errno (error, errno,
                          "%s: copy the host's /sys (no network namespace of "
                          "the container's own, so no sysfs of its own)",
                          m->destination);
      return FALSE;
    }
  if (mount_setattr (tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &ro, sizeof ro) < 0)
    {
      sv_set_error_errno (error, errno, "make %s read-only", m->destination);
      return FALSE;
    }
  return attach_tree (tree, target_fd, m->destination, error);
}

/* mqueue belongs to the IPC namespace; when joining a foreign one, fall back to no mount. */
static gboolean
mount_mqueue (SvMount *m, const char *target, GError **error)
{
  if (mount ("mqueue", target, "mqueue", m->flags, m->data) == 0)
    return TRUE;
  if (errno == EPERM)
    {
      g_debug ("mqueue on %s: not the owner of the IPC namespace; skipped", m->destination);
      return TRUE;
    }
  return mount_plain ("mqueue", target, "mqueue", m->flags, m->data, m->destination, error);
}

static gboolean
mount_one_cgroup (SvCgroupHierarchy *h, int dirfd, const char *dest, unsigned long flags,
                  GError **error)
{
  g_autofree char *target = fd_path (dirfd);

  if (mount ("cgroup", target, h->fstype, flags, h->options[0] != '\0' ? h->options : NULL) == 0)
    return TRUE;
  /* Not mountable here (e.g. no cgroup namespace of ours): bind the container's own cgroup. */
  g_debug ("mount %s on %s: %s; binding %s instead", h->fstype, dest, sv_strerror (errno),
           h->host_path);
  return mount_plain (h->host_path, target, NULL, MS_BIND | MS_REC, NULL, dest, error);
}

/* A system container's cgroup mounts are writable: root inside owns its delegated subtree
 * (and only that: the cgroup namespace roots the view at the container's cgroup). */
static gboolean
mount_cgroups (SvInitConfig *cfg, SvMount *m, int rootfd, int target_fd, GError **error)
{
  unsigned long flags =
      (m->flags | MS_NOSUID | MS_NODEV | MS_NOEXEC) & ~(unsigned long) MS_RDONLY;
  g_autofree char *target = fd_path (target_fd);
  GPtrArray *hs = cfg->cgroup_hierarchies;
  sv_autofd tmpfs = -1;

  if (hs == NULL || hs->len == 0)
    return TRUE;
  if (m->flags & MS_RDONLY)
    sv_log_override ("%s: the cgroup mount is made writable, not read-only as the spec asks: a "
                     "system container's root manages its own cgroup subtree (systemd, inner "
                     "runtimes)",
                     m->destination);
  if (hs->len == 1 && ((SvCgroupHierarchy *) hs->pdata[0])->name[0] == '\0')
    return mount_one_cgroup (hs->pdata[0], target_fd, m->destination, flags, error);
  if (!mount_plain ("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755",
                    m->destination, error))
    return FALSE;
  /* The hierarchies' directories are made in that new, empty tmpfs (nothing of the rootfs can
   * be in their way): by name under its root, not by a walk from the rootfs for each. */
  tmpfs = open_in_root (rootfd, m->destination, O_PATH | O_DIRECTORY);
  if (tmpfs < 0)
    {
      sv_set_error_errno (error, errno, "open %s after mounting", m->destination);
      return FALSE;
    }
  for (guint i = 0; i < hs->len; i++)
    {
      SvCgroupHierarchy *h = hs->pdata[i];
      g_autofree char *dest = g_build_filename (m->destination, h->name, NULL);
      sv_autofd dir = -1;
      if (mkdirat (tmpfs, h->name, 0755) < 0
          || (dir = openat (tmpfs, h->name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
        {
          sv_set_error_errno (error, errno, "make %s", dest);
          return FALSE;
        }
      if (!mount_one_cgroup (h, dir, dest, flags, error))
        return FALSE;
    }
  return TRUE;
}

/* As runc: a read-only tmpfs (a read-only /dev above all) is mounted writable, filled (device
 * nodes, /dev/pts, mount points), and made read-only by sv_mounts_finish.  Returns the flags to
 * mount @m with. */
static GPtrArray *readonly_at_finish;

static unsigned long
readonly_later (const SvMount *m)
{
  if (!(m->flags & MS_RDONLY) || g_strcmp0 (m->type, "tmpfs") != 0)
    return m->flags;
  if (readonly_at_finish == NULL)
    readonly_at_finish = g_ptr_array_new ();
  g_ptr_array_add (readonly_at_finish, m->destination);
  return m->flags & ~(unsigned long) MS_RDONLY;
}

static gboolean
mount_other (SvInitConfig *cfg, SvMount *m, int rootfd, GError **error)
{
  sv_autofd target = sv_open_in_root_create (rootfd, m->destination, TRUE, error);
  g_autofree char *path = NULL;
  const char *source = m->source != NULL && m->source[0] != '\0' ? m->source : m->type;

  if (target < 0)
    return FALSE;
  path = fd_path (target);
  if (g_strcmp0 (m->type, "cgroup") == 0 || g_strcmp0 (m->type, "cgroup2") == 0)
    return mount_cgroups (cfg, m, rootfd, target, error);
  if (g_strcmp0 (m->type, "sysfs") == 0)
    {
      if (!mount_sysfs (m, path, target, error))
        return FALSE;
    }
  else if (g_strcmp0 (m->type, "mqueue") == 0)
    {
      if (!mount_mqueue (m, path, error))
        return FALSE;
    }
  else if (!mount_plain (source, path, m->type, readonly_later (m), m->data, m->destination,
                         error))
    return FALSE;
  if (m->propagation == 0 && m->rec_attr_set == 0 && m->rec_attr_clr == 0)
    return TRUE;
  {
    /* The new mount is on top of the target: reopen it to set its options. */
    sv_autofd mnt = open_in_root (rootfd, m->destination, O_PATH);
    g_autofree char *mpath = mnt >= 0 ? fd_path (mnt) : NULL;
    if (mnt < 0)
      {
        sv_set_error_errno (error, errno, "open %s after mounting", m->destination);
        return FALSE;
      }
    return set_propagation (mpath, m->propagation, error) && set_rec_attrs (mnt, m, error);
  }
}

/* A bind mount as `docker run -v` spells it first, the OCI index last (for bundle users). */
static void
name_mount_in_error (GError **error, const SvMount *m, guint i)
{
  char *old;

  if (error == NULL || *error == NULL)
    return;
  old = (*error)->message;
  if (m->bind)
    (*error)->message = g_strdup_printf ("bind mount -v %s:%s: %s (mounts[%u])", m->source,
                                         m->destination, old, i);
  else
    (*error)->message = g_strdup_printf ("%s (mounts[%u])", old, i);
  g_free (old);
}

gboolean
sv_mounts_spec (SvInitConfig *cfg, int rootfd, SvInitTrees *t, GError **error)
{
  for (guint i = 0; i < cfg->spec->mounts->len; i++)
    {
      SvMount *m = g_ptr_array_index (cfg->spec->mounts, i);
      gboolean ok =
          m->bind ? mount_bind (m, i, rootfd, t, error) : mount_other (cfg, m, rootfd, error);
      if (!ok)
        {
          name_mount_in_error (error, m, i);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
is_dir_fd (int fd)
{
  struct stat st;

  return fstat (fd, &st) == 0 && S_ISDIR (st.st_mode);
}

/* After pivot_root: the new root is "/". */
gboolean
sv_mounts_extra (SvInitConfig *cfg, SvInitTrees *t, GError **error)
{
  sv_autofd rootfd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

  for (guint i = 0; cfg->extra_mounts != NULL && i < cfg->extra_mounts->len; i++)
    {
      SvExtraMount *x = g_ptr_array_index (cfg->extra_mounts, i);
      sv_autofd tree = sv_sync_take_fd (&t->msg, t->fds, SV_SYNC_FD_EXTRA_MOUNT, i);
      struct stat st;
      sv_autofd target = -1;

      if (tree < 0 || fstat (tree, &st) < 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "mount on %s: no source tree",
                       x->destination);
          return FALSE;
        }
      /* Nothing can be created in proc or sysfs: a file this kernel or namespace lacks
       * (e.g. a sysctl of an absent module) is skipped. */
      if (g_str_has_prefix (x->destination, "/proc/")
          || g_str_has_prefix (x->destination, "/sys/"))
        {
          target = open_in_root (rootfd, x->destination, O_PATH);
          if (target < 0 && errno == ENOENT)
            {
              g_debug ("%s: absent in the container; not covered", x->destination);
              continue;
            }
        }
      else
        target = sv_open_in_root_create (rootfd, x->destination, S_ISDIR (st.st_mode),
                                         x->optional ? NULL : error);
      /* An optional mount (storage.c) is skipped where its mount point cannot be made (a
       * read-only or foreign-owned rootfs) or is not a directory. */
      if (x->optional && (target < 0 || !is_dir_fd (target)))
        {
          g_debug ("%s: no directory for it in the rootfs; not mounted", x->destination);
          sv_close_fdp (&target);
          continue;
        }
      if (target < 0 && error != NULL && *error == NULL)
        sv_set_error_errno (error, errno, "open %s in the container", x->destination);
      if (target < 0 && g_strcmp0 (x->destination, SV_NOTIFY_DIR_IN_CONTAINER) == 0)
        g_prefix_error (error,
                        "NOTIFY_SOCKET is set, so the container gets %s, but container "
                        "root could not make it (unset NOTIFY_SOCKET, or give the container a "
                        "rootfs or a /run it owns): ",
                        SV_NOTIFY_SOCKET_IN_CONTAINER);
      if (target < 0 || !attach_tree (tree, target, x->destination, error)
          || !set_tree_propagation (tree, MS_PRIVATE, x->destination, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
sv_mounts_pivot (int rootfd, GError **error)
{
  if (fchdir (rootfd) < 0)
    {
      sv_set_error_errno (error, errno, "enter the rootfs");
      return FALSE;
    }
  if (syscall (SYS_pivot_root, ".", ".") < 0)
    {
      sv_set_error_errno (error, errno, "pivot_root");
      return FALSE;
    }
  /* The old root is now stacked under the new one: detach it. */
  if (umount2 (".", MNT_DETACH) < 0 || chdir ("/") < 0)
    {
      sv_set_error_errno (error, errno, "detach the old root");
      return FALSE;
    }
  return TRUE;
}

/* ---- after pivot_root ---- */

static gboolean
mask_path (const char *path, GError **error)
{
  struct stat st;

  if (lstat (path, &st) < 0)
    {
      if (errno == ENOENT || errno == ENOTDIR)
        return TRUE;
      sv_set_error_errno (error, errno, "mask %s", path);
      return FALSE;
    }
  if (S_ISDIR (st.st_mode))
    return mount_plain ("tmpfs", path, "tmpfs", MS_RDONLY, "size=0", path, error);
  return mount_plain ("/dev/null", path, NULL, MS_BIND, NULL, path, error);
}

static gboolean
make_readonly (const char *path, gboolean recursive, GError **error)
{
  struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };

  if (mount_setattr (AT_FDCWD, path, recursive ? AT_RECURSIVE : 0, &ro, sizeof ro) < 0)
    {
      sv_set_error_errno (error, errno, "make %s read-only", path);
      return FALSE;
    }
  return TRUE;
}

static gboolean
readonly_path (const char *path, GError **error)
{
  if (access (path, F_OK) < 0)
    return TRUE;
  return mount_plain (path, path, NULL, MS_BIND | MS_REC, NULL, path, error)
         && make_readonly (path, TRUE, error);
}

gboolean
sv_mounts_masked_readonly (SvInitConfig *cfg, GError **error)
{
  SvSpec *spec = cfg->spec;

  for (guint i = 0; spec->masked_paths != NULL && spec->masked_paths[i] != NULL; i++)
    if (!mask_path (spec->masked_paths[i], error))
      return FALSE;
  for (guint i = 0; spec->readonly_paths != NULL && spec->readonly_paths[i] != NULL; i++)
    if (!readonly_path (spec->readonly_paths[i], error))
      return FALSE;
  return TRUE;
}

gboolean
sv_mounts_finish (SvInitConfig *cfg, GError **error)
{
  SvSpec *spec = cfg->spec;

  for (guint i = 0; readonly_at_finish != NULL && i < readonly_at_finish->len; i++)
    if (!make_readonly (readonly_at_finish->pdata[i], FALSE, error))
      return FALSE;
  if (spec->rootfs_readonly && !make_readonly ("/", FALSE, error))
    return FALSE;
  return set_propagation ("/", spec->rootfs_propagation, error);
}
