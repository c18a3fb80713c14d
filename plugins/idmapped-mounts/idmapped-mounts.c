/* idmapped-mounts.c: the shift plugin on ID-mapped mounts.  The image and the bind mounts appear
 * owned by container root without a single chown, so the cost of shifting does not grow with
 * the image.
 *
 *   probe    ID-mapped mounts work on the lib dir's and Docker's data root's filesystems
 *   check    `sysvisor-runc check`: the "id-mapped mounts: docker" line (Docker's data root;
 *            the lib dir is the core's own line)
 *   prepare  the user guide's bind-mount rules (remap disabled), before anything is mounted
 *   attach   rootfs: a plain directory -> an ID-mapped clone of it; an overlay (Docker's,
 *            mounted by containerd at the rootfs path) -> a new overlay over ID-mapped
 *            clones of its layers; bind mounts -> ID-mapped clones (plain when the
 *            filesystem cannot be ID-mapped)
 *
 * Why the overlay is made here, by host root, and not by the container's init inside the
 * user namespace (measured on Linux 6.18): an overlay mounted by container root cannot read
 * or write trusted.* xattrs, so Docker's opaque directories show the lower layers' files again
 * and removing a lower directory fails with EIO; its layers must also belong to a mount
 * namespace it owns ("failed to clone upperpath": EPERM for trees made by host root).
 * Mounted by host root, with fsuid/fsgid set to container root's host ids for the time of the
 * create, the overlay works on its ID-mapped layers as an id the layers map back to on-disk
 * root, and keeps host root's capabilities for trusted.* xattrs, as Docker's own overlay
 * does.  Files the container creates land on disk as root; a chown to 5:5 lands as 5:5.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <sysvisor/plugin.h>

#include "idmapped-mounts-idmap.h"
#include "idmapped-mounts-mountinfo.h"
#include "idmapped-mounts-rules.h"
#include "idmapped-mounts-scratch-ns.h"
#include "sv-error.h"
#include "sv-fd.h"
#include "sv-mount.h"
#include "sv-path.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

/* The overlay's own work directory, inside the original's (see attach_overlay_upper). */
#define IDMAPPED_WORKDIR "sysvisor"

static const char fs_hint[] = "put it on a filesystem that supports ID-mapped mounts (ext4, "
                              "xfs, btrfs, tmpfs), or set shift = none in plugins.conf and "
                              "chown the rootfs to the container's id range";

/* ---- paths ---- */

static char *
docker_root (SvContainer *c, SvHost *host, GError **error)
{
  const char *root_setting = c != NULL ? sv_container_setting (c, "docker-data-root")
                                       : sv_host_setting (host, "docker-data-root");
  const char *json_setting = c != NULL ? sv_container_setting (c, "docker-daemon-json")
                                       : sv_host_setting (host, "docker-daemon-json");
  g_autofree char *root = NULL;

  if (json_setting == NULL || json_setting[0] == '\0')
    json_setting = sv_host_docker_daemon_json (c != NULL ? sv_container_host (c) : host);

  if (c != NULL && (root_setting == NULL || root_setting[0] == '\0')
      && (root = sv_container_docker_data_root (c)) != NULL)
    return sv_path_canonical (root);
  root = sv_idmapped_docker_data_root (root_setting, json_setting, error);
  if (root == NULL)
    return NULL;
  if (!g_path_is_absolute (root))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "Docker's data root \"%s\" is not an absolute path; fix data-root in %s or "
                   "docker-data-root in the [idmapped-mounts] section of plugins.conf",
                   root, json_setting != NULL ? json_setting : SV_IDMAPPED_DOCKER_DAEMON_JSON);
      return NULL;
    }
  return sv_path_canonical (root);
}

/* ---- probe ---- */

static char *
nearest_existing (const char *path)
{
  g_autofree char *p = sv_path_canonical (path);

  while (!g_file_test (p, G_FILE_TEST_EXISTS) && strcmp (p, "/") != 0)
    {
      char *parent = g_path_get_dirname (p);
      g_free (p);
      p = parent;
    }
  return g_steal_pointer (&p);
}

static gboolean
probe_path (SvHost *host, int userns, const char *what, const char *path, GError **error)
{
  g_autofree char *dir = nearest_existing (path);
  sv_autofd tree = open_tree (AT_FDCWD, dir, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  int err = tree >= 0 ? sv_idmapped_idmap_tree (tree, userns, FALSE) : errno;
  g_autofree char *fstype = NULL;

  sv_host_probe_depends_on (host, path);
  sv_host_probe_depends_on (host, dir);

  if (err == 0)
    return TRUE;
  if (err == ENOSYS)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOSYS,
                   "this kernel has no ID-mapped mounts (%s: %s); Linux 5.12 or later is "
                   "needed, or set shift = none in plugins.conf and chown the rootfs",
                   tree < 0 ? "open_tree" : "mount_setattr", sv_strerror (err));
      return FALSE;
    }
  fstype = sv_mount_fstype (dir);
  if (err == EINVAL)
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOSYS,
                 "%s %s is on a %s filesystem, which this kernel cannot ID-map "
                 "(mount_setattr MOUNT_ATTR_IDMAP: %s); %s",
                 what, dir, fstype, sv_strerror (err), fs_hint);
  else
    sv_set_file_error_errno (error, err, "ID-map %s %s (%s)", what, dir, fstype);
  return FALSE;
}

/* The probe's verdict holds while the file naming Docker's data root is unchanged (the
 * settings themselves are plugins.conf's, which the core watches). */
static void
declare_docker_settings (SvHost *host)
{
  const char *root = sv_host_setting (host, "docker-data-root");
  const char *json = sv_host_setting (host, "docker-daemon-json");

  if (root != NULL && root[0] != '\0')
    return;
  sv_host_probe_depends_on (host, json != NULL && json[0] != '\0'
                                      ? json
                                      : sv_host_docker_daemon_json (host));
}

static gboolean
idmapped_probe (SvHost *host, GError **error)
{
  sv_autofd userns = sv_idmapped_scratch_userns (error);
  g_autofree char *docker = NULL;
  g_autoptr (GError) local = NULL;

  if (userns < 0)
    {
      g_prefix_error (error, "ID-mapped mounts need user namespaces: ");
      return FALSE;
    }
  if (!probe_path (host, userns, "the lib dir", sv_host_lib_dir (host), error))
    return FALSE;
  declare_docker_settings (host);
  /* (a daemon.json that cannot be read is prepare's error, about the container) */
  docker = docker_root (NULL, host, &local);
  if (docker == NULL)
    {
      g_debug ("probe: Docker's data root not probed: %s", local->message);
      return TRUE;
    }
  sv_host_probe_depends_on (host, docker); /* probed again once it appears */
  return !g_file_test (docker, G_FILE_TEST_IS_DIR)
         || probe_path (host, userns, "Docker's data root", docker, error);
}

/* ---- prepare: the bind-mount rules ---- */

static int
stat_host (const char *path, struct stat *st, gpointer user_data)
{
  return stat (path, st);
}

static gboolean
idmapped_prepare (SvContainer *c, GError **error)
{
  g_autofree char *docker = docker_root (c, NULL, error);

  if (docker == NULL)
    return FALSE;
  for (guint i = 0; i < sv_container_n_mounts (c); i++)
    {
      const char *source = sv_container_mount_source (c, i);
      g_autofree char *real = NULL;
      if (!sv_container_mount_is_bind (c, i))
        continue;
      real = realpath (source, NULL);
      if (real == NULL)
        {
          int errsv = errno;
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
                       "bind mount -v %s:%s refused: %s: %s; create it or fix the path "
                       "(mounts[%u])",
                       source, sv_container_mount_destination (c, i), source, sv_strerror (errsv),
                       i);
          return FALSE;
        }
      if (!sv_idmapped_check_bind_source (i, real, sv_container_mount_destination (c, i), docker,
                                          stat_host, NULL, error))
        {
          free (g_steal_pointer (&real));
          return FALSE;
        }
      free (g_steal_pointer (&real));
    }
  return TRUE;
}

/* ---- attach: trees ---- */

static void
close_fd_element (gpointer p)
{
  sv_close_fdp (p);
}

static GArray *
fd_array_new (void)
{
  GArray *a = g_array_new (FALSE, FALSE, sizeof (int));

  g_array_set_clear_func (a, close_fd_element);
  return a;
}

/* An ID-mapped clone of @path; -1 with @err_out = EINVAL when its filesystem cannot be
 * ID-mapped (and no @error), -1 with @error on any other failure. */
static int
idmapped_tree (const char *path, int userns, gboolean recursive, int *err_out, GError **error)
{
  sv_autofd fd = sv_idmapped_clone_tree (AT_FDCWD, path, recursive, error);
  int err;

  *err_out = 0;
  if (fd < 0)
    return -1;
  err = sv_idmapped_idmap_tree (fd, userns, recursive);
  if (err == 0)
    {
      int out = fd;
      fd = -1;
      return out;
    }
  *err_out = err;
  if (err != EINVAL)
    sv_set_file_error_errno (error, err, "ID-map %s", path);
  return -1;
}

static int
by_depth (gconstpointer a, gconstpointer b)
{
  const char *pa = *(const char *const *) a, *pb = *(const char *const *) b;
  int da = 0, db = 0;

  for (; *pa != '\0'; pa++)
    da += *pa == '/';
  for (; *pb != '\0'; pb++)
    db += *pb == '/';
  return da - db;
}

/* Whether the mount listed at @path is what @path leads to: a mount hidden by a later mount
 * over one of its parents (or of its own path's parent) is not.  Then @path is missing, or a
 * plain directory of the mount over it. */
static gboolean
mount_is_reachable (const char *path, gboolean *reachable, GError **error)
{
  struct statx stx;

  *reachable = FALSE;
  if (statx (AT_FDCWD, path, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_BASIC_STATS, &stx) < 0)
    {
      if (errno == ENOENT || errno == ENOTDIR)
        return TRUE;
      sv_set_file_error_errno (error, errno, "stat %s", path);
      return FALSE;
    }
  *reachable = (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) == 0
               || (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
  return TRUE;
}

/* A clone of mount @path for idmapped_tree_each: ID-mapped, or unshifted when its filesystem
 * cannot be.  Appended to @trees, with its point (@top_point + its path under @root); none for
 * a mount hidden under another. */
static gboolean
add_mount_as_is_or_mapped (const char *path, const char *root, int userns, const char *top_point,
                           GArray *trees, GPtrArray *points, GError **error)
{
  gboolean reachable;
  int err, fd;

  if (!mount_is_reachable (path, &reachable, error))
    return FALSE;
  if (!reachable)
    {
      g_debug ("%s is hidden by a mount over it or a parent; left out", path);
      return TRUE;
    }
  if ((fd = idmapped_tree (path, userns, FALSE, &err, error)) < 0 && err != EINVAL)
    return FALSE;
  if (fd < 0)
    {
      g_autofree char *fstype = sv_mount_fstype (path);
      g_debug ("%s (%s) cannot be ID-mapped; it is mounted unshifted", path, fstype);
      if ((fd = sv_idmapped_clone_tree (AT_FDCWD, path, FALSE, error)) < 0)
        return FALSE;
    }
  g_array_append_val (trees, fd);
  g_ptr_array_add (points,
                   g_strconcat (top_point, path + (strcmp (root, "/") != 0 ? strlen (root) : 0),
                                NULL));
  return TRUE;
}

/* mount_setattr ID-maps all of a tree or none of it, and of a detached tree only its top (a
 * mount inside one is "in no namespace of ours"): a recursive bind whose tree holds a
 * filesystem that cannot be ID-mapped (proc, sysfs; tmpfs before Linux 6.3) could be mapped
 * not at all.  So each of its mounts is cloned and ID-mapped on its own (one that cannot be
 * stays unshifted, as a bind of such a filesystem alone does), and the clones are put together
 * again in a scratch mount namespace.  idmapped_tree's return and errors (EINVAL: @path's own
 * mount cannot be ID-mapped). */
static int
idmapped_tree_each (const char *path, int userns, int *err_out, GError **error)
{
  g_autofree char *root = realpath (path, NULL);
  g_autoptr (GPtrArray) below = NULL;
  g_autoptr (GArray) trees = fd_array_new ();
  g_autoptr (GPtrArray) points = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  SvScratchNs ns = { .then = sv_scratch_ns_clone_first, .n_mkdir = 1 };
  const char *scratch = NULL;
  int fd, err;

  *err_out = 0;
  if (root == NULL)
    {
      sv_set_file_error_errno (error, errno, "resolve %s", path);
      return -1;
    }
  if ((fd = idmapped_tree (root, userns, FALSE, err_out, error)) < 0)
    return -1;
  g_array_append_val (trees, fd);
  if ((scratch = sv_scratch_ns_dir (error)) == NULL
      || (below = sv_idmapped_mounts_below (NULL, root, error)) == NULL)
    return -1;
  ns.scratch = scratch;
  g_ptr_array_add (points, g_strdup_printf ("%s/t", scratch));
  g_ptr_array_sort (below, by_depth); /* (stable: mounts stacked on one path keep their order) */
  for (guint i = 0; i < below->len; i++)
    if (g_hash_table_add (seen, below->pdata[i]) /* (of a stack, only the top is reachable) */
        && !add_mount_as_is_or_mapped (below->pdata[i], root, userns, points->pdata[0], trees,
                                       points, error))
      return -1;
  ns.trees = (const int *) (gpointer) trees->data;
  ns.points = (char *const *) points->pdata;
  ns.n_trees = trees->len;
  /* (a failure here is one, whatever its errno: not "cannot be ID-mapped") */
  if ((fd = sv_scratch_ns_run (&ns, &err)) < 0)
    sv_set_file_error_errno (error, err, "put the mounts under %s together again", path);
  return fd;
}

/* Which mount under @root (itself first) cannot be ID-mapped: "<fstype> at <path>". */
static char *
unmappable_mount (const char *root, int userns)
{
  g_autoptr (GPtrArray) below = sv_idmapped_mounts_below (NULL, root, NULL);

  for (guint i = 0; i <= (below != NULL ? below->len : 0); i++)
    {
      const char *p = i == 0 ? root : below->pdata[i - 1];
      sv_autofd fd = open_tree (AT_FDCWD, p, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
      if (fd >= 0 && sv_idmapped_idmap_tree (fd, userns, FALSE) == EINVAL)
        {
          g_autofree char *fstype = sv_mount_fstype (p);
          return g_strdup_printf ("the %s filesystem at %s", fstype, p);
        }
    }
  return g_strdup_printf ("a filesystem under %s", root);
}

static gboolean
attach_plain_rootfs (SvContainer *c, const char *rootfs, int userns, GError **error)
{
  int err;
  int fd = idmapped_tree (rootfs, userns, TRUE, &err, error);
  g_autofree char *culprit = NULL;

  if (fd >= 0)
    return sv_container_set_rootfs_tree (c, fd, error);
  if (err != EINVAL)
    {
      g_prefix_error (error, "rootfs: ");
      return FALSE;
    }
  culprit = unmappable_mount (rootfs, userns);
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOSYS,
               "rootfs %s: %s cannot be ID-mapped (mount_setattr MOUNT_ATTR_IDMAP: %s); %s",
               rootfs, culprit, sv_strerror (EINVAL), fs_hint);
  return FALSE;
}

static gboolean
attach_binds (SvContainer *c, int userns, GError **error)
{
  for (guint i = 0; i < sv_container_n_mounts (c); i++)
    {
      const char *source = sv_container_mount_source (c, i);
      gboolean recursive = sv_container_mount_has_option (c, i, "rbind");
      int err, fd;
      if (!sv_container_mount_is_bind (c, i))
        continue;
      fd = idmapped_tree (source, userns, recursive, &err, error);
      if (fd < 0 && err == EINVAL && recursive)
        fd = idmapped_tree_each (source, userns, &err, error);
      if (fd >= 0)
        {
          if (!sv_container_set_mount_tree (c, i, fd, error))
            return FALSE;
          continue;
        }
      if (err != EINVAL)
        {
          g_prefix_error (error, "mounts[%u]: ", i);
          return FALSE;
        }
      {
        g_autofree char *fstype = sv_mount_fstype (source);
        g_debug ("mounts[%u]: %s (%s) cannot be ID-mapped; it is mounted unshifted", i, source,
                 fstype);
      }
    }
  return TRUE;
}

/* ---- attach: the overlay rootfs ---- */

static gboolean
idmap_layers (GPtrArray *paths, GArray *fds, const char *target, int userns, GError **error)
{
  for (guint i = 0; i < paths->len; i++)
    {
      const char *layer = paths->pdata[i];
      int err;
      int fd = idmapped_tree (layer, userns, FALSE, &err, error);
      if (fd < 0 && err == EINVAL)
        {
          g_autofree char *fstype = sv_mount_fstype (layer);
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOSYS,
                       "overlay rootfs at %s: layer %s is on a %s filesystem, which cannot be "
                       "ID-mapped; %s",
                       target, layer, fstype, fs_hint);
        }
      if (fd < 0)
        return FALSE;
      g_array_append_val (fds, fd);
    }
  return TRUE;
}

/* The canonical path of a layer (the kernel resolved it when the overlay was mounted). */
static gboolean
canonicalize_layer (char **path, const char *target, GError **error)
{
  char *real = realpath (*path, NULL);

  if (real == NULL)
    {
      sv_set_file_error_errno (error, errno, "overlay rootfs at %s: layer %s", target, *path);
      return FALSE;
    }
  g_free (*path);
  *path = g_strdup (real);
  free (real);
  return TRUE;
}

static gboolean
canonicalize_layers (SvIdmappedOverlay *o, const char *target, GError **error)
{
  for (guint i = 0; i < o->lower->len; i++)
    if (!canonicalize_layer ((char **) &o->lower->pdata[i], target, error))
      return FALSE;
  for (guint i = 0; i < o->data->len; i++)
    if (!canonicalize_layer ((char **) &o->data->pdata[i], target, error))
      return FALSE;
  return o->upper == NULL
         || (canonicalize_layer (&o->upper, target, error)
             && canonicalize_layer (&o->work, target, error));
}

static char *
common_ancestor (const char *a, const char *b)
{
  gsize n = 0, last_slash = 0;

  while (a[n] != '\0' && a[n] == b[n])
    {
      if (a[n] == '/')
        last_slash = n;
      n++;
    }
  if ((a[n] == '\0' || a[n] == '/') && (b[n] == '\0' || b[n] == '/'))
    last_slash = n;
  return last_slash == 0 ? g_strdup ("/") : g_strndup (a, last_slash);
}

/* @path (canonical, below @base) opened through tree @tree of @base; it must be the very
 * directory the host sees at @path (no other mount in between). */
static int
open_in_tree (int tree, const char *base, const char *path, GError **error)
{
  const char *rel = path + strlen (base);
  struct open_how how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                          .resolve = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS };
  struct stat want, got;
  int fd;

  while (*rel == '/')
    rel++;
  fd = (int) syscall (SYS_openat2, tree, rel[0] != '\0' ? rel : ".", &how, sizeof how);
  if (fd < 0)
    {
      sv_set_file_error_errno (error, errno, "open %s in the ID-mapped tree of %s", path, base);
      return -1;
    }
  if (stat (path, &want) < 0 || fstat (fd, &got) < 0 || want.st_dev != got.st_dev
      || want.st_ino != got.st_ino)
    {
      close (fd);
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "%s is not on the same mount as %s; upperdir and workdir must share a mount",
                   path, base);
      return -1;
    }
  return fd;
}

/* The shifted overlay keeps its own work directory inside the original's: two overlays may
 * share an upper directory (with index=off) but a work directory is cleaned by each mount. */
static char *
own_workdir (const char *work, GError **error)
{
  g_autofree char *dir = g_build_filename (work, IDMAPPED_WORKDIR, NULL);

  if (mkdir (dir, 0700) < 0 && errno != EEXIST)
    {
      sv_set_file_error_errno (error, errno, "create the overlay work directory %s", dir);
      return NULL;
    }
  return g_steal_pointer (&dir);
}

/* One ID-mapped tree holding both: overlayfs wants upperdir and workdir on one mount.  The
 * caller keeps @tree_out open until the overlay is created: closing it dissolves the detached
 * tree, and the upper and work fds would then name an unmounted mount. */
static gboolean
attach_overlay_upper (SvIdmappedOverlay *o, int userns, int *tree_out, int *upper_fd,
                      int *work_fd, GError **error)
{
  g_autofree char *work = own_workdir (o->work, error);
  g_autofree char *base = NULL;
  int err;
  int tree;

  if (work == NULL)
    return FALSE;
  base = common_ancestor (o->upper, work);
  tree = idmapped_tree (base, userns, FALSE, &err, error);
  if (tree < 0 && err == EINVAL)
    {
      g_autofree char *fstype = sv_mount_fstype (base);
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOSYS,
                   "overlay upperdir %s is on a %s filesystem, which cannot be ID-mapped; %s",
                   o->upper, fstype, fs_hint);
    }
  if (tree < 0)
    return FALSE;
  *tree_out = tree;
  *upper_fd = open_in_tree (tree, base, o->upper, error);
  if (*upper_fd < 0)
    return FALSE;
  *work_fd = open_in_tree (tree, base, work, error);
  return *work_fd >= 0;
}

static gboolean
attach_overlay_rootfs (SvContainer *c, SvIdmappedMount *m, int userns, GError **error)
{
  g_autoptr (SvIdmappedOverlay) o = sv_idmapped_overlay_parse (m->options, error);
  g_autoptr (GArray) lower = fd_array_new ();
  g_autoptr (GArray) data = fd_array_new ();
  g_autoptr (GPtrArray) options = NULL;
  sv_autofd upper_tree = -1, upper = -1, work = -1;
  SvIdmappedOverlayMount om = { 0 };
  int tree;

  if (o == NULL || !sv_idmapped_overlay_resolve (o, m->target, error)
      || !canonicalize_layers (o, m->target, error)
      || !idmap_layers (o->lower, lower, m->target, userns, error)
      || !idmap_layers (o->data, data, m->target, userns, error)
      || (o->upper != NULL
          && !attach_overlay_upper (o, userns, &upper_tree, &upper, &work, error)))
    return FALSE;
  options = sv_idmapped_overlay_carried_options (o);
  om = (SvIdmappedOverlayMount){ .lower = (int *) (gpointer) lower->data,
                                 .n_lower = lower->len,
                                 .data = (int *) (gpointer) data->data,
                                 .n_data = data->len,
                                 .upper = upper,
                                 .work = work,
                                 .upper_tree = upper_tree,
                                 .options = options,
                                 .creator_uid = (uid_t) sv_container_root_uid (c),
                                 .creator_gid = (gid_t) sv_container_root_gid (c) };
  tree = sv_idmapped_mount_overlay (&om, error);
  if (tree < 0)
    {
      g_prefix_error (error, "overlay rootfs at %s: ", m->target);
      return FALSE;
    }
  g_debug ("rootfs: overlay at %s remade over %u ID-mapped layers%s", m->target, lower->len,
           upper >= 0 ? " and upper dir" : "");
  return sv_container_set_rootfs_tree (c, tree, error);
}

/* Whether @path may be on an overlay: statfs names the filesystem of the mount at @path or of
 * the one holding it, the two mounts attach_rootfs() looks at.  Not on one: a plain directory,
 * and no read of mountinfo (~0.6 ms a create here, more the more mounts the host has). */
static gboolean
maybe_on_overlay (const char *path)
{
  struct statfs fs;

  return statfs (path, &fs) != 0 || fs.f_type == OVERLAYFS_SUPER_MAGIC;
}

static gboolean
attach_rootfs (SvContainer *c, int userns, GError **error)
{
  g_autofree char *rootfs = sv_path_canonical (sv_container_rootfs (c));
  g_autoptr (SvIdmappedMount) at = NULL;
  g_autoptr (SvIdmappedMount) holder = NULL;

  if (!maybe_on_overlay (rootfs))
    return attach_plain_rootfs (c, rootfs, userns, error);
  if (!sv_idmapped_find_mounts (NULL, rootfs, &at, &holder, error))
    return FALSE;
  if (at != NULL && g_strcmp0 (at->fstype, "overlay") == 0)
    return attach_overlay_rootfs (c, at, userns, error);
  if (at == NULL && g_strcmp0 (holder->fstype, "overlay") == 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOSYS,
                   "rootfs %s lies inside the overlay mounted at %s, which cannot be ID-mapped; "
                   "point root.path at the overlay's mount point, or at a plain directory",
                   rootfs, holder->target);
      return FALSE;
    }
  return attach_plain_rootfs (c, rootfs, userns, error);
}

static gboolean
idmapped_attach (SvContainer *c, GError **error)
{
  int userns = sv_container_userns_fd (c);

  if (userns < 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   "no user namespace to ID-map the mounts to");
      return FALSE;
    }
  return attach_rootfs (c, userns, error) && attach_binds (c, userns, error);
}

/* ---- check: can Docker's data root be ID-mapped ---- */

#define CHECK_DOCKER "id-mapped mounts: docker"

static gboolean
docker_installed (SvHost *host)
{
  g_autofree char *dockerd = g_find_program_in_path ("dockerd");
  const char *json = sv_host_setting (host, "docker-daemon-json");

  return dockerd != NULL || g_file_test ("/usr/bin/dockerd", G_FILE_TEST_IS_EXECUTABLE)
         || g_file_test ("/usr/sbin/dockerd", G_FILE_TEST_IS_EXECUTABLE)
         || g_file_test (json != NULL && json[0] != '\0' ? json
                                                         : sv_host_docker_daemon_json (host),
                         G_FILE_TEST_EXISTS);
}

static char *
idmap_fix (int err, const char *dir)
{
  if (err == ENOSYS)
    return g_strdup ("upgrade to Linux 5.19 or later (ID-mapped mounts need 5.12)");
  return g_strdup_printf ("keep %s on a filesystem that supports ID-mapped mounts (ext4, xfs, "
                          "btrfs, tmpfs), or set shift = none in plugins.conf and chown each "
                          "rootfs to its container's id range",
                          dir);
}

/* "Docker's data root DIR (FS)", or where it will be once made. */
static char *
docker_where (const char *root, const char *dir)
{
  g_autofree char *fstype = sv_mount_fstype (dir);

  if (strcmp (root, dir) == 0)
    return g_strdup_printf ("Docker's data root %s (%s)", dir, fstype);
  return g_strdup_printf ("Docker's data root %s does not exist yet; %s (%s), which will hold "
                          "it,",
                          root, dir, fstype);
}

static void
idmapped_check (SvHost *host, SvCheckReport *report)
{
  SvCheckStatus bad = docker_installed (host) ? SV_CHECK_FAIL : SV_CHECK_WARN;
  g_autoptr (GError) error = NULL;
  g_autofree char *root = docker_root (NULL, host, &error);
  g_autofree char *dir = NULL;
  g_autofree char *where = NULL;
  g_autofree char *fix = NULL;
  sv_autofd userns = -1;
  sv_autofd tree = -1;
  int err;

  if (root == NULL) /* daemon.json's own faults are the core's "docker runtime" line */
    root = g_strdup (SV_IDMAPPED_DOCKER_DATA_ROOT);
  dir = nearest_existing (root);
  where = docker_where (root, dir);
  g_clear_error (&error);
  userns = sv_idmapped_scratch_userns (&error);
  if (userns < 0)
    {
      sv_check_report_add (report, bad, CHECK_DOCKER, "make user namespaces work (see above)",
                           "%s not probed (no user namespace: %s)", where, error->message);
      return;
    }
  tree = open_tree (AT_FDCWD, dir, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  err = tree >= 0 ? sv_idmapped_idmap_tree (tree, userns, FALSE) : errno;
  if (err == 0)
    {
      sv_check_report_add (report, SV_CHECK_OK, CHECK_DOCKER, NULL, "%s can be ID-mapped", where);
      return;
    }
  fix = idmap_fix (err, root);
  sv_check_report_add (report, bad, CHECK_DOCKER, fix, "%s cannot be ID-mapped: %s", where,
                       sv_strerror (err));
}

SV_PLUGIN_DEFINE_FIELDS (.name = "idmapped-mounts", .role = SV_ROLE_SHIFT,
                         .description = "image and bind mounts appear owned by container root "
                                        "through ID-mapped mounts (no chown)",
                         .version = SV_PLUGIN_VERSION, .probe = idmapped_probe,
                         .prepare = idmapped_prepare, .attach = idmapped_attach,
                         .check = idmapped_check)
