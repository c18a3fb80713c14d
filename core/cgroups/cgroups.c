/* cgroups.c: what is common to cgroup v1 and v2: finding the hierarchies, resolving
 * linux.cgroupsPath (systemd's "slice:prefix:name" included), parsing linux.resources into
 * checked values, dispatching to cgroups-v1.c / cgroups-v2.c, and the state-file form.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#define G_LOG_DOMAIN "sysvisor"

#include "cgroups-internal.h"

#include "json-util.h"

#include <dirent.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <linux/magic.h>

#define SV_CGROUP_MOUNT_BASE "/sys/fs/cgroup"
#define SV_CGROUP_DEFAULT_PARENT "/sysvisor"
#define SV_CGROUP_STATE_VERSION 1
#define SV_CGROUP_RMDIR_TIMEOUT_MS 1000

/* ------------------------------------------------------------------------------------------
 * Root override
 * ---------------------------------------------------------------------------------------- */

static char *root_override;

void
sv_cgroup_set_root (const char *root)
{
  g_free (root_override);
  root_override = g_strdup (root);
}

const char *
sv_cgroup_get_root (void)
{
  const char *env;

  if (root_override != NULL)
    return root_override;
  env = g_getenv (SV_CGROUP_ROOT_ENV);
  return env != NULL && *env != '\0' ? env : NULL;
}

/* ------------------------------------------------------------------------------------------
 * File helpers
 * ---------------------------------------------------------------------------------------- */

static gboolean set_errno_error (GError **error, int errsv, const char *fmt, ...)
    G_GNUC_PRINTF (3, 4);

static gboolean
set_errno_error (GError **error, int errsv, const char *fmt, ...)
{
  g_autofree char *what = NULL;
  va_list ap;

  va_start (ap, fmt);
  what = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "%s: %s", what,
               g_strerror (errsv));
  return FALSE;
}

gboolean
sv_cgroup_write (const char *dir, const char *file, const char *value, GError **error)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);
  sv_cgroup_autofd int fd = -1;
  gsize len = strlen (value);
  gssize n;

  fd = open (path, O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0)
    return set_errno_error (error, errno, "writing \"%s\" to %s", value, path);
  do
    n = write (fd, value, len);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return set_errno_error (error, errno, "writing \"%s\" to %s", value, path);
  if ((gsize) n != len)
    return set_errno_error (error, EIO, "writing \"%s\" to %s (short write)", value, path);
  return TRUE;
}

char *
sv_cgroup_read (const char *dir, const char *file, GError **error)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autofree char *contents = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &contents, &len, error))
    return NULL;
  while (len > 0 && (contents[len - 1] == '\n' || contents[len - 1] == ' '))
    contents[--len] = '\0';
  return g_steal_pointer (&contents);
}

gboolean
sv_cgroup_read_u64 (const char *dir, const char *file, guint64 *out, GError **error)
{
  g_autofree char *text = sv_cgroup_read (dir, file, error);
  g_autoptr (GError) local = NULL;

  if (text == NULL)
    return FALSE;
  if (g_str_equal (text, "max"))
    {
      *out = G_MAXUINT64;
      return TRUE;
    }
  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, out, &local))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s/%s: \"%s\" is not a number", dir,
                   file, text);
      return FALSE;
    }
  return TRUE;
}

gboolean
sv_cgroup_has_file (const char *dir, const char *file)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);

  return access (path, F_OK) == 0;
}

gboolean
sv_cgroup_mkdir_below (const char *base, const char *rel, GPtrArray *created, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (rel, "/", -1);
  g_autofree char *cur = g_strdup (base);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *next;

      if (*parts[i] == '\0')
        continue;
      next = g_build_filename (cur, parts[i], NULL);
      g_free (cur);
      cur = next;
      if (mkdir (cur, 0755) == 0)
        {
          g_ptr_array_add (created, g_strdup (cur));
          continue;
        }
      if (errno != EEXIST)
        return set_errno_error (error, errno, "creating cgroup %s", cur);
      if (!g_file_test (cur, G_FILE_TEST_IS_DIR))
        return set_errno_error (error, ENOTDIR, "creating cgroup %s", cur);
    }
  return TRUE;
}

gboolean
sv_cgroup_chown_delegated (const char *dir, const char *const *files, uid_t uid, gid_t gid,
                           GError **error)
{
  sv_cgroup_autofd int dfd = -1;

  if (uid == (uid_t) -1 && gid == (gid_t) -1)
    return TRUE;
  dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return set_errno_error (error, errno, "delegating cgroup %s", dir);
  if (fchown (dfd, uid, gid) < 0)
    return set_errno_error (error, errno, "delegating cgroup %s: chown to %d:%d", dir, (int) uid,
                            (int) gid);
  for (guint i = 0; files[i] != NULL; i++)
    {
      if (fchownat (dfd, files[i], uid, gid, AT_SYMLINK_NOFOLLOW) == 0 || errno == ENOENT)
        continue;
      return set_errno_error (error, errno, "delegating cgroup %s: chown %s to %d:%d", dir,
                              files[i], (int) uid, (int) gid);
    }
  return TRUE;
}

/* The names of @dir's subdirectories (the sub-cgroups). */
static GPtrArray *
list_subdirs (const char *dir, GError **error)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  DIR *d = opendir (dir);
  struct dirent *de;

  if (d == NULL)
    {
      set_errno_error (error, errno, "reading cgroup %s", dir);
      return NULL;
    }
  while ((de = readdir (d)) != NULL)
    {
      if (de->d_type != DT_DIR || g_str_equal (de->d_name, ".") || g_str_equal (de->d_name, ".."))
        continue;
      g_ptr_array_add (names, g_strdup (de->d_name));
    }
  closedir (d);
  return g_steal_pointer (&names);
}

gboolean
sv_cgroup_collect_pids (const char *dir, GHashTable *seen, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autofree char *procs = sv_cgroup_read (dir, "cgroup.procs", &local);
  g_autoptr (GPtrArray) subdirs = NULL;
  g_auto (GStrv) lines = NULL;

  if (procs == NULL)
    {
      /* Gone meanwhile, or a threaded v2 sub-cgroup (its cgroup.procs is not readable). */
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT)
          || g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_FAILED))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  lines = g_strsplit (procs, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      guint64 pid;

      if (g_ascii_string_to_unsigned (lines[i], 10, 1, G_MAXINT, &pid, NULL))
        g_hash_table_add (seen, GINT_TO_POINTER ((int) pid));
    }
  subdirs = list_subdirs (dir, error);
  if (subdirs == NULL)
    return FALSE;
  for (guint i = 0; i < subdirs->len; i++)
    {
      g_autofree char *sub = g_build_filename (dir, subdirs->pdata[i], NULL);

      if (!sv_cgroup_collect_pids (sub, seen, error))
        return FALSE;
    }
  return TRUE;
}

/* One depth-first pass; *busy tells whether some rmdir met EBUSY (worth retrying). */
static gboolean
remove_tree_once (const char *dir, gboolean *busy, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GPtrArray) subdirs = list_subdirs (dir, &local);

  if (subdirs == NULL)
    {
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  for (guint i = 0; i < subdirs->len; i++)
    {
      g_autofree char *sub = g_build_filename (dir, subdirs->pdata[i], NULL);

      if (!remove_tree_once (sub, busy, error))
        return FALSE;
    }
  if (rmdir (dir) == 0 || errno == ENOENT)
    return TRUE;
  if (errno == EBUSY)
    {
      *busy = TRUE;
      return set_errno_error (error, EBUSY, "removing cgroup %s (processes still in it?)", dir);
    }
  return set_errno_error (error, errno, "removing cgroup %s", dir);
}

gboolean
sv_cgroup_remove_tree (const char *dir, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + SV_CGROUP_RMDIR_TIMEOUT_MS * 1000;
  gulong delay_us = 5000;

  for (;;)
    {
      g_autoptr (GError) local = NULL;
      gboolean busy = FALSE;

      if (remove_tree_once (dir, &busy, &local))
        return TRUE;
      if (!busy || g_get_monotonic_time () >= deadline)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      g_usleep (delay_us);
      delay_us = MIN (delay_us * 2, 100000);
    }
}

gboolean
sv_cgroup_wait_until (gboolean (*check) (const char *dir, gpointer data), const char *dir,
                      gpointer data, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gulong delay_us = 1000;

  for (;;)
    {
      if (check (dir, data))
        return TRUE;
      if (g_get_monotonic_time () >= deadline)
        return FALSE;
      g_usleep (delay_us);
      delay_us = MIN (delay_us * 2, 50000);
    }
}

/* ------------------------------------------------------------------------------------------
 * Hierarchies: which cgroup filesystems are mounted, and what mode that makes
 * ---------------------------------------------------------------------------------------- */

void
sv_cgroup_mount_free (SvCgroupMount *m)
{
  if (m == NULL)
    return;
  g_free (m->name);
  g_free (m->fstype);
  g_free (m->options);
  g_free (m->mountpoint);
  g_free (m->dir);
  g_free (m);
}

gboolean
sv_cgroup_mount_has (const SvCgroupMount *m, const char *controller)
{
  g_auto (GStrv) opts = NULL;

  if (sv_cgroup_mount_is_v2 (m))
    return FALSE;
  opts = g_strsplit (m->options, ",", -1);
  return g_strv_contains ((const char *const *) opts, controller);
}

static SvCgroupMount *
mount_new (const char *name, const char *fstype, const char *options, const char *mountpoint)
{
  SvCgroupMount *m = g_new0 (SvCgroupMount, 1);

  m->name = g_strdup (name);
  m->fstype = g_strdup (fstype);
  m->options = g_strdup (options);
  m->mountpoint = g_strdup (mountpoint);
  return m;
}

/* Super options of a v1 mount ("rw,nosuid,cpu,cpuacct") -> the controllers and name=. */
static gboolean
is_mount_flag (const char *opt)
{
  static const char *const flags[] = { "rw",
                                       "ro",
                                       "nosuid",
                                       "nodev",
                                       "noexec",
                                       "relatime",
                                       "noatime",
                                       "noprefix",
                                       "xattr",
                                       "clone_children",
                                       "cpuset_v2_mode",
                                       "favordynmods",
                                       "nofavordynmods",
                                       NULL };

  return g_strv_contains (flags, opt) || g_str_has_prefix (opt, "release_agent=");
}

/* name: "cpu,cpuacct", or "systemd" for a named hierarchy; options: mount data for it. */
static SvCgroupMount *
v1_mount_from_options (const char *super_opts, const char *mountpoint)
{
  g_auto (GStrv) opts = g_strsplit (super_opts, ",", -1);
  g_autoptr (GPtrArray) ctrls = g_ptr_array_new ();
  const char *named = NULL;
  g_autofree char *name = NULL;
  g_autofree char *options = NULL;

  for (guint i = 0; opts[i] != NULL; i++)
    {
      if (g_str_has_prefix (opts[i], "name="))
        named = opts[i];
      else if (*opts[i] != '\0' && !is_mount_flag (opts[i]))
        g_ptr_array_add (ctrls, opts[i]);
    }
  g_ptr_array_add (ctrls, NULL);
  name = g_strjoinv (",", (char **) ctrls->pdata);
  if (named == NULL && *name == '\0')
    return NULL;
  if (named == NULL)
    options = g_strdup (name);
  else if (*name == '\0')
    options = g_strdup_printf ("none,%s", named);
  else
    options = g_strdup_printf ("%s,%s", name, named);
  if (*name == '\0')
    {
      g_free (name);
      name = g_strdup (named + strlen ("name="));
    }
  return mount_new (name, "cgroup", options, mountpoint);
}

/* mountinfo escapes blanks in paths as \040. */
static char *
unescape_mountinfo (const char *s)
{
  GString *out = g_string_new (NULL);

  for (const char *p = s; *p != '\0'; p++)
    {
      if (p[0] == '\\' && g_ascii_isdigit (p[1]) && g_ascii_isdigit (p[2])
          && g_ascii_isdigit (p[3]))
        {
          g_string_append_c (out, (char) ((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0')));
          p += 3;
        }
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

static gboolean
mounts_have_name (GPtrArray *mounts, const char *name)
{
  for (guint i = 0; i < mounts->len; i++)
    if (g_str_equal (((SvCgroupMount *) mounts->pdata[i])->name, name))
      return TRUE;
  return FALSE;
}

/* One mountinfo line: "36 25 0:31 / /sys/fs/cgroup/memory rw,relatime shared:1 - cgroup cgroup
 * rw,memory" */
static SvCgroupMount *
mount_from_line (const char *line, gboolean v2_root)
{
  g_auto (GStrv) halves = g_strsplit (line, " - ", 2);
  g_auto (GStrv) pre = NULL;
  g_auto (GStrv) post = NULL;
  g_autofree char *mountpoint = NULL;

  if (halves[0] == NULL || halves[1] == NULL)
    return NULL;
  pre = g_strsplit (halves[0], " ", -1);
  post = g_strsplit (halves[1], " ", 3);
  if (g_strv_length (pre) < 5 || g_strv_length (post) < 3)
    return NULL;
  mountpoint = unescape_mountinfo (pre[4]);
  if (g_str_equal (post[0], "cgroup2"))
    {
      if (v2_root)
        return g_str_equal (mountpoint, SV_CGROUP_MOUNT_BASE)
                   ? mount_new ("", "cgroup2", "", mountpoint)
                   : NULL;
      return mount_new ("unified", "cgroup2", "", mountpoint);
    }
  if (v2_root || !g_str_equal (post[0], "cgroup"))
    return NULL;
  return v1_mount_from_options (post[2], mountpoint);
}

GPtrArray *
sv_cgroup_mounts_from_mountinfo (const char *text, gboolean v2_root)
{
  g_autoptr (GPtrArray) mounts
      = g_ptr_array_new_with_free_func ((GDestroyNotify) sv_cgroup_mount_free);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr (SvCgroupMount) m = mount_from_line (lines[i], v2_root);

      /* The same hierarchy mounted twice (a bind mount): the first one wins. */
      if (m == NULL || mounts_have_name (mounts, m->name))
        continue;
      g_ptr_array_add (mounts, g_steal_pointer (&m));
    }
  return g_steal_pointer (&mounts);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* Root override in v1 form: each subdirectory is a hierarchy named by its controllers. */
static GPtrArray *
mounts_from_override (const char *root, SvCgroupMode mode)
{
  g_autoptr (GPtrArray) mounts
      = g_ptr_array_new_with_free_func ((GDestroyNotify) sv_cgroup_mount_free);
  g_autoptr (GPtrArray) names = NULL;

  if (mode == SV_CGROUP_V2)
    {
      g_ptr_array_add (mounts, mount_new ("", "cgroup2", "", root));
      return g_steal_pointer (&mounts);
    }
  names = list_subdirs (root, NULL);
  if (names == NULL)
    return g_steal_pointer (&mounts);
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = names->pdata[i];
      g_autofree char *mp = g_build_filename (root, name, NULL);

      if (g_str_equal (name, "unified"))
        g_ptr_array_add (mounts, mount_new (name, "cgroup2", "", mp));
      else if (g_str_equal (name, "systemd"))
        g_ptr_array_add (mounts, mount_new (name, "cgroup", "none,name=systemd", mp));
      else
        g_ptr_array_add (mounts, mount_new (name, "cgroup", name, mp));
    }
  return g_steal_pointer (&mounts);
}

SvCgroupMode
sv_cgroup_detect_mode (void)
{
  const char *root = sv_cgroup_get_root ();
  struct statfs st;

  if (root != NULL)
    return sv_cgroup_has_file (root, "cgroup.controllers") ? SV_CGROUP_V2 : SV_CGROUP_V1;
  if (statfs (SV_CGROUP_MOUNT_BASE, &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC)
    return SV_CGROUP_V2;
  return SV_CGROUP_V1;
}

static GPtrArray *
discover_mounts (SvCgroupMode mode, GError **error)
{
  const char *root = sv_cgroup_get_root ();
  g_autofree char *text = NULL;
  g_autoptr (GPtrArray) mounts = NULL;

  if (root != NULL)
    mounts = mounts_from_override (root, mode);
  else if (g_file_get_contents ("/proc/self/mountinfo", &text, NULL, error))
    mounts = sv_cgroup_mounts_from_mountinfo (text, mode == SV_CGROUP_V2);
  else
    return NULL;
  if (mounts->len == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "no cgroup filesystem is mounted under %s; mount cgroup2 (or the v1 "
                   "hierarchies) there first",
                   root != NULL ? root : SV_CGROUP_MOUNT_BASE);
      return NULL;
    }
  return g_steal_pointer (&mounts);
}

SvCgroupMount *
sv_cgroup_find_mount (SvCgroup *cg, const char *controller)
{
  for (guint i = 0; i < cg->mounts->len; i++)
    {
      SvCgroupMount *m = cg->mounts->pdata[i];

      if (cg->mode == SV_CGROUP_V2 || sv_cgroup_mount_has (m, controller))
        return m;
    }
  return NULL;
}

SvCgroupMount *
sv_cgroup_find_unified (SvCgroup *cg)
{
  if (cg->mode == SV_CGROUP_V2)
    return NULL;
  for (guint i = 0; i < cg->mounts->len; i++)
    {
      SvCgroupMount *m = cg->mounts->pdata[i];

      if (sv_cgroup_mount_is_v2 (m))
        return m;
    }
  return NULL;
}

/* ------------------------------------------------------------------------------------------
 * Where the container's cgroup lives: linux.cgroupsPath
 * ---------------------------------------------------------------------------------------- */

static gboolean
invalid_path (GError **error, const char *path, const char *why)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "linux.cgroupsPath: \"%s\" %s", path,
               why);
  return FALSE;
}

/* "a//b/./c/" or "a/b/c" -> "/a/b/c"; ".." is refused so a path cannot leave the hierarchy. */
static char *
normalize_path (const char *path, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (path, "/", -1);
  GString *out = g_string_new (NULL);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (*parts[i] == '\0' || g_str_equal (parts[i], "."))
        continue;
      if (g_str_equal (parts[i], ".."))
        {
          g_string_free (out, TRUE);
          invalid_path (error, path, "must not contain \"..\"");
          return NULL;
        }
      g_string_append_printf (out, "/%s", parts[i]);
    }
  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      invalid_path (error, path, "names the root cgroup; give the container a cgroup of its own");
      return NULL;
    }
  return g_string_free (out, FALSE);
}

static gboolean
invalid_slice (GError **error, const char *slice)
{
  return invalid_path (error, slice,
                       "is not a valid systemd slice: expected NAME.slice, NAME without '/', "
                       "without a leading or trailing '-' and without \"--\" (e.g. "
                       "\"system.slice\", \"machine-foo.slice\")");
}

/* systemd nests slices by their dashes: "a-b-c.slice" lives in "a.slice/a-b.slice/". */
char *
sv_cgroup_systemd_expand_slice (const char *slice, GError **error)
{
  g_autofree char *base = NULL;
  GString *out;

  if (!g_str_has_suffix (slice, ".slice") || strchr (slice, '/') != NULL)
    {
      invalid_slice (error, slice);
      return NULL;
    }
  if (g_str_equal (slice, "-.slice"))
    return g_strdup ("");
  base = g_strndup (slice, strlen (slice) - strlen (".slice"));
  if (*base == '\0' || base[0] == '-' || g_str_has_suffix (base, "-")
      || strstr (base, "--") != NULL)
    {
      invalid_slice (error, slice);
      return NULL;
    }
  out = g_string_new (NULL);
  for (const char *p = base; *p != '\0'; p++)
    if (*p == '-')
      g_string_append_printf (out, "/%.*s.slice", (int) (p - base), base);
  g_string_append_printf (out, "/%s", slice);
  return g_string_free (out, FALSE);
}

/* --systemd-cgroup: "slice:prefix:name" -> "<slice expanded>/<prefix>-<name>.scope".  NULL or
 * "" means "system.slice:sysvisor:<id>"; an empty slice means system.slice. */
static gboolean
resolve_systemd_path (SvCgroup *cg, const char *cgroups_path, GError **error)
{
  g_auto (GStrv) fields = NULL;
  g_autofree char *slice_path = NULL;
  const char *slice = "system.slice", *prefix = "sysvisor", *name = cg->id;

  if (cgroups_path != NULL && *cgroups_path != '\0')
    {
      fields = g_strsplit (cgroups_path, ":", -1);
      if (g_strv_length (fields) != 3)
        return invalid_path (error, cgroups_path,
                             "is not of the form \"slice:prefix:name\" that --systemd-cgroup "
                             "expects (e.g. \"system.slice:docker:abc\")");
      slice = *fields[0] != '\0' ? fields[0] : "system.slice";
      prefix = fields[1];
      name = fields[2];
    }
  if (*name == '\0' || strchr (name, '/') != NULL || strchr (prefix, '/') != NULL)
    return invalid_path (error, cgroups_path,
                         "needs a non-empty name, and neither prefix nor name may contain '/'");
  slice_path = sv_cgroup_systemd_expand_slice (slice, error);
  if (slice_path == NULL)
    return FALSE;
  cg->slice = g_strdup (slice);
  if (g_str_has_suffix (name, ".slice"))
    cg->unit = g_strdup (name);
  else if (*prefix == '\0')
    cg->unit = g_strdup_printf ("%s.scope", name);
  else
    cg->unit = g_strdup_printf ("%s-%s.scope", prefix, name);
  cg->path = g_strdup_printf ("%s/%s", slice_path, cg->unit);
  return TRUE;
}

static gboolean
check_id (const char *id, GError **error)
{
  if (id == NULL || *id == '\0' || strchr (id, '/') != NULL || g_str_equal (id, ".")
      || g_str_equal (id, ".."))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "container id \"%s\" cannot name a cgroup (empty, \".\", \"..\" or with '/')",
                   id != NULL ? id : "");
      return FALSE;
    }
  return TRUE;
}

static void
set_mount_dirs (SvCgroup *cg)
{
  for (guint i = 0; i < cg->mounts->len; i++)
    {
      SvCgroupMount *m = cg->mounts->pdata[i];

      g_free (m->dir);
      m->dir = g_build_filename (m->mountpoint, cg->path, NULL);
    }
}

static SvCgroup *
cgroup_alloc (const char *id)
{
  SvCgroup *cg = g_new0 (SvCgroup, 1);

  cg->id = g_strdup (id);
  cg->created = g_ptr_array_new_with_free_func (g_free);
  return cg;
}

/* The plain (cgroupfs) driver: an absolute or relative path, both taken from the root of
 * every hierarchy.  systemd driver: see resolve_systemd_path().  When systemd is not this
 * host's init, the slices and the scope are plain directories that sv_cgroup_create() makes
 * itself; when it is, sv_cgroup_create_for_pid() asks systemd on v2 (see cgroups-systemd.c). */
SvCgroup *
sv_cgroup_new (const char *id, const char *cgroups_path, gboolean systemd, GError **error)
{
  g_autoptr (SvCgroup) cg = NULL;

  if (!check_id (id, error))
    return NULL;
  cg = cgroup_alloc (id);
  cg->systemd = systemd;
  if (systemd)
    {
      if (!resolve_systemd_path (cg, cgroups_path, error))
        return NULL;
    }
  else
    {
      g_autofree char *dflt = g_strdup_printf (SV_CGROUP_DEFAULT_PARENT "/%s", id);

      cg->path = normalize_path (
          cgroups_path != NULL && *cgroups_path != '\0' ? cgroups_path : dflt, error);
      if (cg->path == NULL)
        return NULL;
    }
  cg->mode = sv_cgroup_detect_mode ();
  cg->mounts = discover_mounts (cg->mode, error);
  if (cg->mounts == NULL)
    return NULL;
  set_mount_dirs (cg);
  return g_steal_pointer (&cg);
}

const char *
sv_cgroup_path (SvCgroup *cg)
{
  return cg->path;
}

void
sv_cgroup_free (SvCgroup *cg)
{
  if (cg == NULL)
    return;
  g_free (cg->id);
  g_free (cg->path);
  g_free (cg->slice);
  g_free (cg->unit);
  sv_cgroup_resources_free (cg->pending);
  if (cg->mounts != NULL)
    g_ptr_array_unref (cg->mounts);
  g_ptr_array_unref (cg->created);
  g_free (cg);
}

/* ------------------------------------------------------------------------------------------
 * linux.resources -> SvCgroupResources: every value checked, with its JSON path, before
 * anything is written
 * ---------------------------------------------------------------------------------------- */

void
sv_cgroup_resources_free (SvCgroupResources *res)
{
  if (res == NULL)
    return;
  g_free (res->json_path);
  g_free (res->cpus);
  g_free (res->mems);
  g_clear_pointer (&res->weight_devices, g_array_unref);
  for (guint i = 0; i < SV_CGROUP_N_THROTTLES; i++)
    g_clear_pointer (&res->throttles[i], g_array_unref);
  if (res->hugepages != NULL)
    for (guint i = 0; i < res->hugepages->len; i++)
      g_free (g_array_index (res->hugepages, SvCgroupHugepage, i).page_size);
  g_clear_pointer (&res->hugepages, g_array_unref);
  g_clear_pointer (&res->devices, g_array_unref);
  if (res->net_prios != NULL)
    for (guint i = 0; i < res->net_prios->len; i++)
      g_free (g_array_index (res->net_prios, SvCgroupNetPrio, i).name);
  g_clear_pointer (&res->net_prios, g_array_unref);
  g_clear_pointer (&res->unified, g_ptr_array_unref);
  g_free (res);
}

static gboolean G_GNUC_PRINTF (2, 3) invalid_field (GError **error, const char *fmt, ...)
{
  g_autofree char *msg = NULL;
  va_list ap;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, msg);
  return FALSE;
}

static gboolean
node_is (JsonNode *node, GType type)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

/* An integer in [min, max]; 0 leaves *out unset when @zero_unset (runc's "not set").  Only an
 * integer in the JSON: sv_json_get_int64 would also take 1e3 or 5.0. */
static gboolean
get_int (JsonObject *obj, const char *path, const char *member, gint64 min, gint64 max,
         gboolean zero_unset, SvCgroupInt *out, GError **error)
{
  JsonNode *node;
  gint64 v;

  if (!sv_json_get_member (obj, path, member, FALSE, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (!node_is (node, G_TYPE_INT64))
    return invalid_field (error, "%s.%s: expected an integer", path, member);
  v = json_node_get_int (node);
  if (v < min || v > max)
    return invalid_field (error,
                          "%s.%s: %" G_GINT64_FORMAT " is out of range (%" G_GINT64_FORMAT
                          "..%" G_GINT64_FORMAT ")",
                          path, member, v, min, max);
  if (zero_unset && v == 0)
    return TRUE;
  out->set = TRUE;
  out->value = v;
  return TRUE;
}

/* true or false; absent leaves *out unset. */
static gboolean
get_bool (JsonObject *obj, const char *path, const char *member, SvCgroupInt *out, GError **error)
{
  gboolean v = -1; /* neither TRUE nor FALSE: sv_json_get_bool leaves it when absent */

  if (!sv_json_get_bool (obj, path, member, &v, error))
    return FALSE;
  if (v != -1)
    {
      out->set = TRUE;
      out->value = v;
    }
  return TRUE;
}

/* A string; "" leaves *out NULL. */
static gboolean
get_string (JsonObject *obj, const char *path, const char *member, char **out, GError **error)
{
  if (!sv_json_get_string (obj, path, member, FALSE, out, error))
    return FALSE;
  if (*out != NULL && **out == '\0')
    g_clear_pointer (out, g_free);
  return TRUE;
}

/* A member that must be an array of objects (or absent: *out NULL); every element is checked
 * before any is parsed. */
static gboolean
get_object_array (JsonObject *obj, const char *path, const char *member, JsonArray **out,
                  GError **error)
{
  g_autofree char *p = NULL;

  if (!sv_json_get_array (obj, path, member, FALSE, out, error))
    return FALSE;
  if (*out == NULL)
    return TRUE;
  p = sv_json_path (path, member);
  for (guint i = 0; i < json_array_get_length (*out); i++)
    if (sv_json_array_object (*out, p, i, error) == NULL)
      return FALSE;
  return TRUE;
}

static gboolean
parse_memory (JsonObject *mem, const char *path, SvCgroupResources *r, GError **error)
{
  if (!get_int (mem, path, "limit", -1, G_MAXINT64, TRUE, &r->mem_limit, error)
      || !get_int (mem, path, "reservation", -1, G_MAXINT64, TRUE, &r->mem_reservation, error)
      || !get_int (mem, path, "swap", -1, G_MAXINT64, TRUE, &r->mem_swap, error)
      || !get_int (mem, path, "kernel", -1, G_MAXINT64, TRUE, &r->mem_kernel, error)
      || !get_int (mem, path, "kernelTCP", -1, G_MAXINT64, TRUE, &r->mem_kernel_tcp, error)
      || !get_int (mem, path, "swappiness", -1, 100, FALSE, &r->mem_swappiness, error)
      || !get_bool (mem, path, "disableOOMKiller", &r->mem_disable_oom, error)
      || !get_bool (mem, path, "checkBeforeUpdate", &r->mem_check_before_update, error))
    return FALSE;
  if (r->mem_swappiness.set && r->mem_swappiness.value < 0)
    r->mem_swappiness.set = FALSE; /* -1: the kernel's default */
  return TRUE;
}

static gboolean
parse_cpu (JsonObject *cpu, const char *path, SvCgroupResources *r, GError **error)
{
  return get_int (cpu, path, "shares", 0, G_MAXINT64, TRUE, &r->cpu_shares, error)
         && get_int (cpu, path, "quota", -1, G_MAXINT64, TRUE, &r->cpu_quota, error)
         && get_int (cpu, path, "period", 0, G_MAXINT64, TRUE, &r->cpu_period, error)
         && get_int (cpu, path, "burst", 0, G_MAXINT64, FALSE, &r->cpu_burst, error)
         && get_int (cpu, path, "realtimeRuntime", -1, G_MAXINT64, TRUE, &r->cpu_rt_runtime, error)
         && get_int (cpu, path, "realtimePeriod", 0, G_MAXINT64, TRUE, &r->cpu_rt_period, error)
         && get_int (cpu, path, "idle", 0, 1, FALSE, &r->cpu_idle, error)
         && get_string (cpu, path, "cpus", &r->cpus, error)
         && get_string (cpu, path, "mems", &r->mems, error);
}

static gboolean
parse_pids (JsonObject *pids, const char *path, SvCgroupResources *r, GError **error)
{
  if (!get_int (pids, path, "limit", G_MININT64, G_MAXINT64, TRUE, &r->pids_limit, error))
    return FALSE;
  if (r->pids_limit.set && r->pids_limit.value < 0)
    r->pids_limit.value = -1; /* any negative value: unlimited */
  return TRUE;
}

static gboolean
get_major_minor (JsonObject *item, const char *path, gboolean required, gint64 *major,
                 gint64 *minor, GError **error)
{
  SvCgroupInt ma = { FALSE, -1 }, mi = { FALSE, -1 };

  if (!get_int (item, path, "major", required ? 0 : -1, G_MAXINT32, FALSE, &ma, error)
      || !get_int (item, path, "minor", required ? 0 : -1, G_MAXINT32, FALSE, &mi, error))
    return FALSE;
  if (required && (!ma.set || !mi.set))
    return invalid_field (error, "%s: \"major\" and \"minor\" are required", path);
  *major = ma.value;
  *minor = mi.value;
  return TRUE;
}

static gboolean
parse_weight_devices (JsonArray *arr, const char *path, SvCgroupResources *r, GError **error)
{
  r->weight_devices = g_array_new (FALSE, TRUE, sizeof (SvCgroupWeightDevice));
  for (guint i = 0; arr != NULL && i < json_array_get_length (arr); i++)
    {
      JsonObject *item = json_array_get_object_element (arr, i);
      g_autofree char *ipath = g_strdup_printf ("%s.weightDevice[%u]", path, i);
      SvCgroupWeightDevice wd = { 0 };

      if (!get_major_minor (item, ipath, TRUE, &wd.major, &wd.minor, error)
          || !get_int (item, ipath, "weight", 10, 1000, FALSE, &wd.weight, error)
          || !get_int (item, ipath, "leafWeight", 10, 1000, FALSE, &wd.leaf_weight, error))
        return FALSE;
      g_array_append_val (r->weight_devices, wd);
    }
  return TRUE;
}

static const char *const throttle_members[SV_CGROUP_N_THROTTLES] = {
  "throttleReadBpsDevice",
  "throttleWriteBpsDevice",
  "throttleReadIOPSDevice",
  "throttleWriteIOPSDevice",
};

static gboolean
parse_throttles (JsonObject *bio, const char *path, SvCgroupResources *r, GError **error)
{
  for (guint k = 0; k < SV_CGROUP_N_THROTTLES; k++)
    {
      JsonArray *arr;

      if (!get_object_array (bio, path, throttle_members[k], &arr, error))
        return FALSE;
      if (arr == NULL)
        continue;
      r->throttles[k] = g_array_new (FALSE, TRUE, sizeof (SvCgroupThrottle));
      for (guint i = 0; i < json_array_get_length (arr); i++)
        {
          JsonObject *item = json_array_get_object_element (arr, i);
          g_autofree char *ipath = g_strdup_printf ("%s.%s[%u]", path, throttle_members[k], i);
          SvCgroupInt rate = { FALSE, 0 };
          SvCgroupThrottle t = { 0 };

          if (!get_major_minor (item, ipath, TRUE, &t.major, &t.minor, error)
              || !get_int (item, ipath, "rate", 0, G_MAXINT64, FALSE, &rate, error))
            return FALSE;
          t.rate = (guint64) rate.value;
          g_array_append_val (r->throttles[k], t);
        }
    }
  return TRUE;
}

static gboolean
parse_block_io (JsonObject *bio, const char *path, SvCgroupResources *r, GError **error)
{
  JsonArray *wd;

  if (!get_int (bio, path, "weight", 0, 1000, TRUE, &r->blkio_weight, error)
      || !get_int (bio, path, "leafWeight", 0, 1000, TRUE, &r->blkio_leaf_weight, error))
    return FALSE;
  if (r->blkio_weight.set && r->blkio_weight.value < 10)
    return invalid_field (error, "%s.weight: %" G_GINT64_FORMAT " is out of range (10..1000)", path,
                          r->blkio_weight.value);
  if (r->blkio_leaf_weight.set && r->blkio_leaf_weight.value < 10)
    return invalid_field (error, "%s.leafWeight: %" G_GINT64_FORMAT " is out of range (10..1000)",
                          path, r->blkio_leaf_weight.value);
  if (!get_object_array (bio, path, "weightDevice", &wd, error))
    return FALSE;
  if (wd != NULL && !parse_weight_devices (wd, path, r, error))
    return FALSE;
  return parse_throttles (bio, path, r, error);
}

/* "2MB", "1GB", "64KB": it becomes part of a file name, so only digits then letters. */
static gboolean
page_size_is_valid (const char *s)
{
  const char *p = s;

  while (g_ascii_isdigit (*p))
    p++;
  if (p == s || *p == '\0')
    return FALSE;
  while (g_ascii_isalpha (*p))
    p++;
  return *p == '\0';
}

static gboolean
parse_hugepages (JsonArray *arr, const char *path, SvCgroupResources *r, GError **error)
{
  r->hugepages = g_array_new (FALSE, TRUE, sizeof (SvCgroupHugepage));
  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      JsonObject *item = json_array_get_object_element (arr, i);
      g_autofree char *ipath = g_strdup_printf ("%s.hugepageLimits[%u]", path, i);
      g_autofree char *size = NULL;
      SvCgroupInt limit = { FALSE, 0 };
      SvCgroupHugepage hp;

      if (!get_string (item, ipath, "pageSize", &size, error)
          || !get_int (item, ipath, "limit", 0, G_MAXINT64, FALSE, &limit, error))
        return FALSE;
      if (size == NULL || !page_size_is_valid (size))
        return invalid_field (error, "%s.pageSize: expected a size such as \"2MB\" or \"1GB\"",
                              ipath);
      if (!limit.set)
        return invalid_field (error, "%s.limit: required", ipath);
      hp.page_size = g_steal_pointer (&size);
      hp.limit = (guint64) limit.value;
      g_array_append_val (r->hugepages, hp);
    }
  return TRUE;
}

static gboolean
parse_access (const char *access, const char *ipath, guint *out, GError **error)
{
  *out = 0;
  if (access == NULL)
    {
      *out = SV_CGROUP_ACC_ALL;
      return TRUE;
    }
  for (const char *p = access; *p != '\0'; p++)
    {
      if (*p == 'r')
        *out |= SV_CGROUP_ACC_READ;
      else if (*p == 'w')
        *out |= SV_CGROUP_ACC_WRITE;
      else if (*p == 'm')
        *out |= SV_CGROUP_ACC_MKNOD;
      else
        return invalid_field (error, "%s.access: \"%s\" is not made of 'r', 'w' and 'm'", ipath,
                              access);
    }
  return TRUE;
}

static gboolean
parse_device (JsonObject *item, const char *ipath, SvCgroupDevice *dev, GError **error)
{
  g_autofree char *type = NULL;
  g_autofree char *access = NULL;
  SvCgroupInt allow = { FALSE, 0 };

  if (!get_bool (item, ipath, "allow", &allow, error)
      || !get_string (item, ipath, "type", &type, error)
      || !get_string (item, ipath, "access", &access, error)
      || !get_major_minor (item, ipath, FALSE, &dev->major, &dev->minor, error)
      || !parse_access (access, ipath, &dev->access, error))
    return FALSE;
  if (!allow.set)
    return invalid_field (error, "%s.allow: required (true or false)", ipath);
  dev->allow = allow.value != 0;
  if (type == NULL || g_str_equal (type, "a"))
    dev->type = 'a';
  else if (g_str_equal (type, "c") || g_str_equal (type, "u"))
    dev->type = 'c';
  else if (g_str_equal (type, "b"))
    dev->type = 'b';
  else if (g_str_equal (type, "p"))
    dev->type = 'p'; /* fifos are not device-controlled: dropped when applied */
  else
    return invalid_field (error, "%s.type: \"%s\" is not one of \"a\", \"b\", \"c\", \"u\", \"p\"",
                          ipath, type);
  return TRUE;
}

static gboolean
parse_devices (JsonArray *arr, const char *path, SvCgroupResources *r, GError **error)
{
  r->devices = g_array_new (FALSE, TRUE, sizeof (SvCgroupDevice));
  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      g_autofree char *ipath = g_strdup_printf ("%s.devices[%u]", path, i);
      SvCgroupDevice dev = { 0 };

      if (!parse_device (json_array_get_object_element (arr, i), ipath, &dev, error))
        return FALSE;
      if (dev.type != 'p')
        g_array_append_val (r->devices, dev);
    }
  return TRUE;
}

static gboolean
parse_network (JsonObject *net, const char *path, SvCgroupResources *r, GError **error)
{
  JsonArray *prios;

  if (!get_int (net, path, "classID", 0, G_MAXUINT32, FALSE, &r->net_class_id, error)
      || !get_object_array (net, path, "priorities", &prios, error))
    return FALSE;
  if (prios == NULL)
    return TRUE;
  r->net_prios = g_array_new (FALSE, TRUE, sizeof (SvCgroupNetPrio));
  for (guint i = 0; i < json_array_get_length (prios); i++)
    {
      JsonObject *item = json_array_get_object_element (prios, i);
      g_autofree char *ipath = g_strdup_printf ("%s.priorities[%u]", path, i);
      SvCgroupNetPrio np = { NULL, 0 };
      SvCgroupInt prio = { FALSE, 0 };

      if (!get_string (item, ipath, "name", &np.name, error)
          || !get_int (item, ipath, "priority", 0, G_MAXUINT32, FALSE, &prio, error))
        {
          g_free (np.name);
          return FALSE;
        }
      if (np.name == NULL || strpbrk (np.name, " \n") != NULL)
        {
          g_free (np.name);
          return invalid_field (error, "%s.name: expected an interface name", ipath);
        }
      np.priority = (guint32) prio.value;
      g_array_append_val (r->net_prios, np);
    }
  return TRUE;
}

/* linux.resources.unified: {"memory.high": "1G"}: the keys are interface files of the
 * container's own cgroup, nothing else. */
static gboolean
parse_unified (JsonObject *unified, const char *path, SvCgroupResources *r, GError **error)
{
  g_autoptr (GList) members = json_object_get_members (unified);

  r->unified = g_ptr_array_new_with_free_func (g_free);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *key = l->data;
      JsonNode *node = json_object_get_member (unified, key);

      if (*key == '\0' || strchr (key, '/') != NULL || g_str_equal (key, ".")
          || g_str_equal (key, ".."))
        return invalid_field (error, "%s[\"%s\"]: not an interface file name of a cgroup", path,
                              key);
      if (!node_is (node, G_TYPE_STRING))
        return invalid_field (error, "%s[\"%s\"]: expected a string", path, key);
      g_ptr_array_add (r->unified, g_strdup (key));
      g_ptr_array_add (r->unified, g_strdup (json_node_get_string (node)));
    }
  return TRUE;
}

/* Sections are parsed in the same order for every call; each named by its JSON member. */
static gboolean
parse_sections (JsonObject *resources, SvCgroupResources *r, GError **error)
{
  const char *path = r->json_path;
  JsonObject *mem, *cpu, *pids, *bio, *net, *unified;
  JsonArray *hp, *devs;

  if (!sv_json_get_object (resources, path, "memory", FALSE, &mem, error)
      || !sv_json_get_object (resources, path, "cpu", FALSE, &cpu, error)
      || !sv_json_get_object (resources, path, "pids", FALSE, &pids, error)
      || !sv_json_get_object (resources, path, "blockIO", FALSE, &bio, error)
      || !sv_json_get_object (resources, path, "network", FALSE, &net, error)
      || !sv_json_get_object (resources, path, "unified", FALSE, &unified, error)
      || !get_object_array (resources, path, "hugepageLimits", &hp, error)
      || !get_object_array (resources, path, "devices", &devs, error))
    return FALSE;
  {
    g_autofree char *mp = sv_json_path (path, "memory");
    g_autofree char *cp = sv_json_path (path, "cpu");
    g_autofree char *pp = sv_json_path (path, "pids");
    g_autofree char *bp = sv_json_path (path, "blockIO");
    g_autofree char *np = sv_json_path (path, "network");
    g_autofree char *up = sv_json_path (path, "unified");

    return (mem == NULL || parse_memory (mem, mp, r, error))
           && (cpu == NULL || parse_cpu (cpu, cp, r, error))
           && (pids == NULL || parse_pids (pids, pp, r, error))
           && (bio == NULL || parse_block_io (bio, bp, r, error))
           && (net == NULL || parse_network (net, np, r, error))
           && (unified == NULL || parse_unified (unified, up, r, error))
           && (hp == NULL || parse_hugepages (hp, path, r, error))
           && (devs == NULL || parse_devices (devs, path, r, error));
  }
}

SvCgroupResources *
sv_cgroup_resources_parse (JsonObject *resources, const char *json_path, GError **error)
{
  g_autoptr (SvCgroupResources) r = g_new0 (SvCgroupResources, 1);

  r->json_path = g_strdup (json_path != NULL ? json_path : "linux.resources");
  if (resources == NULL)
    return g_steal_pointer (&r);
  if (!parse_sections (resources, r, error))
    return NULL;
  if (json_object_has_member (resources, "rdma"))
    g_debug ("%s.rdma: not supported by sysvisor, ignored", r->json_path);
  return g_steal_pointer (&r);
}

gboolean
sv_cgroup_write_field (const SvCgroupResources *res, const char *field, const char *dir,
                       const char *file, const char *value, GError **error)
{
  if (sv_cgroup_write (dir, file, value, error))
    return TRUE;
  g_prefix_error (error, "%s.%s: ", res->json_path, field);
  return FALSE;
}

guint64
sv_cgroup_shares_to_weight (guint64 shares)
{
  shares = CLAMP (shares, 2, 262144);
  return 1 + ((shares - 2) * 9999) / 262142;
}

guint64
sv_cgroup_blkio_to_io_weight (guint64 weight)
{
  weight = CLAMP (weight, 10, 1000);
  return 1 + ((weight - 10) * 9999) / 990;
}

/* ------------------------------------------------------------------------------------------
 * Lifecycle: dispatch to cgroups-v1.c / cgroups-v2.c
 * ---------------------------------------------------------------------------------------- */

/* Undo sv_cgroup_create(): remove what it made, deepest first. */
static void
rollback_created (SvCgroup *cg)
{
  for (guint i = cg->created->len; i > 0; i--)
    if (rmdir (cg->created->pdata[i - 1]) < 0 && errno != ENOENT)
      g_debug ("rolling back cgroup %s: %s", (char *) cg->created->pdata[i - 1],
               g_strerror (errno));
  g_ptr_array_set_size (cg->created, 0);
}

gboolean
sv_cgroup_create (SvCgroup *cg, uid_t owner_uid, gid_t owner_gid, GError **error)
{
  gboolean ok;

  g_ptr_array_set_size (cg->created, 0);
  if (cg->systemd && sv_cgroup_systemd_running ())
    {
      /* systemd makes it, with the init inside: see sv_cgroup_enter(). */
      cg->deferred = TRUE;
      cg->owner_uid = owner_uid;
      cg->owner_gid = owner_gid;
      return TRUE;
    }
  if (cg->mode == SV_CGROUP_V2)
    ok = sv_cgroup_v2_create (cg, owner_uid, owner_gid, error);
  else
    ok = sv_cgroup_v1_create (cg, owner_uid, owner_gid, error);
  if (!ok)
    rollback_created (cg);
  return ok;
}

gboolean
sv_cgroup_create_for_pid (SvCgroup *cg, pid_t pid, uid_t owner_uid, gid_t owner_gid, GError **error)
{
  if (!sv_cgroup_create (cg, owner_uid, owner_gid, error))
    return FALSE;
  if (sv_cgroup_enter (cg, pid, error))
    return TRUE;
  if (cg->unit_started)
    sv_cgroup_systemd_stop_unit (cg, NULL);
  cg->unit_started = FALSE;
  rollback_created (cg);
  return FALSE;
}

gboolean
sv_cgroup_apply_resources (SvCgroup *cg, JsonObject *resources, const char *json_path,
                           GError **error)
{
  g_autoptr (SvCgroupResources) res = sv_cgroup_resources_parse (resources, json_path, error);

  if (res == NULL)
    return FALSE;
  if (cg->deferred)
    {
      /* Kept for the unit's properties and written once systemd made the cgroup. */
      sv_cgroup_resources_free (cg->pending);
      cg->pending = g_steal_pointer (&res);
      return TRUE;
    }
  if (!(cg->mode == SV_CGROUP_V2 ? sv_cgroup_v2_apply (cg, res, error)
                                  : sv_cgroup_v1_apply (cg, res, error)))
    return FALSE;
  /* `update` of a scope systemd made: its properties too, so a daemon-reload keeps them. */
  if (cg->unit_started || (cg->systemd && sv_cgroup_systemd_running ()))
    return sv_cgroup_systemd_set_properties (cg, res, error);
  return TRUE;
}

gboolean
sv_cgroup_enter (SvCgroup *cg, pid_t pid, GError **error)
{
  if (cg->deferred)
    return sv_cgroup_systemd_join (cg, pid, error);
  return sv_cgroup_enter_dirs (cg, pid, error);
}

gboolean
sv_cgroup_enter_dirs (SvCgroup *cg, pid_t pid, GError **error)
{
  g_autofree char *value = g_strdup_printf ("%d", (int) pid);

  for (guint i = 0; i < cg->mounts->len; i++)
    {
      SvCgroupMount *m = cg->mounts->pdata[i];

      if (!sv_cgroup_write (m->dir, "cgroup.procs", value, error))
        {
          g_prefix_error (error, "moving process %d into cgroup %s: ", (int) pid, cg->path);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
sv_cgroup_set_frozen (SvCgroup *cg, gboolean frozen, GError **error)
{
  if (cg->mode == SV_CGROUP_V2)
    return sv_cgroup_v2_set_frozen_at (((SvCgroupMount *) cg->mounts->pdata[0])->dir, frozen,
                                       error);
  return sv_cgroup_v1_set_frozen (cg, frozen, error);
}

gboolean
sv_cgroup_is_frozen (SvCgroup *cg)
{
  if (cg->mode == SV_CGROUP_V2)
    return sv_cgroup_v2_is_frozen_at (((SvCgroupMount *) cg->mounts->pdata[0])->dir);
  return sv_cgroup_v1_is_frozen (cg);
}

/* Frozen, or on its way there (v1 FREEZING, v2 cgroup.freeze 1 before cgroup.events says so):
 * a task moved in would stop at once. */
static gboolean
freezing (SvCgroup *cg, const char **file_out)
{
  SvCgroupMount *m = cg->mode == SV_CGROUP_V2 ? cg->mounts->pdata[0]
                                               : sv_cgroup_find_mount (cg, "freezer");
  g_autofree char *state = NULL;

  if (m == NULL)
    m = sv_cgroup_find_unified (cg);
  if (m == NULL)
    return FALSE;
  *file_out = m->dir;
  if (!sv_cgroup_mount_is_v2 (m))
    {
      state = sv_cgroup_read (m->dir, "freezer.state", NULL);
      return state != NULL && !g_str_equal (state, "THAWED");
    }
  state = sv_cgroup_read (m->dir, "cgroup.freeze", NULL);
  return (state != NULL && g_str_equal (state, "1")) || sv_cgroup_v2_is_frozen_at (m->dir);
}

gboolean
sv_cgroup_refuse_frozen (SvCgroup *cg, GError **error)
{
  const char *dir = NULL;

  if (!freezing (cg, &dir))
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
               "container's cgroup is frozen (%s): its processes, and any new one, are stopped; "
               "thaw it (`sysvisor-runc resume ID`, or write THAWED to freezer.state, 0 to "
               "cgroup.freeze) or choose another linux.cgroupsPath",
               dir);
  return FALSE;
}

static int
compare_pids (gconstpointer a, gconstpointer b)
{
  pid_t pa = *(const pid_t *) a, pb = *(const pid_t *) b;

  return pa < pb ? -1 : pa > pb;
}

/* On v1 every hierarchy is read and the union taken: a process the container moved between
 * its own sub-cgroups is still found in every hierarchy. */
GArray *
sv_cgroup_pids (SvCgroup *cg, GError **error)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
  GArray *pids;
  GHashTableIter iter;
  gpointer key;

  for (guint i = 0; i < cg->mounts->len; i++)
    if (!sv_cgroup_collect_pids (((SvCgroupMount *) cg->mounts->pdata[i])->dir, seen, error))
      return NULL;
  pids = g_array_sized_new (FALSE, FALSE, sizeof (pid_t), g_hash_table_size (seen));
  g_hash_table_iter_init (&iter, seen);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      pid_t pid = GPOINTER_TO_INT (key);

      g_array_append_val (pids, pid);
    }
  g_array_sort (pids, compare_pids);
  return pids;
}

static gboolean
is_populated (const char *dir)
{
  g_autofree char *events = sv_cgroup_read (dir, "cgroup.events", NULL);

  return events != NULL && strstr (events, "populated 1") != NULL;
}

/* The directory whose cgroup.kill reaps the whole container, or NULL. */
static const char *
kill_file_dir (SvCgroup *cg)
{
  SvCgroupMount *m = cg->mode == SV_CGROUP_V2 ? cg->mounts->pdata[0] : sv_cgroup_find_unified (cg);

  if (m == NULL || !sv_cgroup_has_file (m->dir, "cgroup.kill"))
    return NULL;
  /* Hybrid: only trust the cgroup2 tree when the container's processes are in it. */
  if (cg->mode == SV_CGROUP_V1 && !is_populated (m->dir))
    return NULL;
  return m->dir;
}

static gboolean
signal_pids (GArray *pids, int signo, GError **error)
{
  for (guint i = 0; i < pids->len; i++)
    {
      pid_t pid = g_array_index (pids, pid_t, i);

      if (kill (pid, signo) < 0 && errno != ESRCH)
        return set_errno_error (error, errno, "sending signal %d to process %d", signo, (int) pid);
    }
  return TRUE;
}

/* cgroup.kill when the kernel has it (v2, SIGKILL).  Otherwise freeze so nothing forks
 * behind our back, signal every pid, thaw (a frozen task acts on the signal once thawed).
 * A cgroup that was frozen already (a paused container) stays frozen, except after SIGKILL:
 * a task frozen by the v1 freezer does not die until it is thawed, so it is thawed then. */
gboolean
sv_cgroup_kill_all (SvCgroup *cg, int signo, GError **error)
{
  const char *kill_dir = signo == SIGKILL ? kill_file_dir (cg) : NULL;
  gboolean was_frozen = sv_cgroup_is_frozen (cg);
  g_autoptr (GError) freeze_error = NULL;
  g_autoptr (GArray) pids = NULL;
  gboolean frozen, ok;

  if (kill_dir != NULL)
    return sv_cgroup_write (kill_dir, "cgroup.kill", "1", error)
           && (!was_frozen || sv_cgroup_set_frozen (cg, FALSE, error));
  pids = sv_cgroup_pids (cg, error);
  if (pids == NULL || pids->len == 0)
    return pids != NULL; /* nobody inside: nothing can fork behind our back either */
  g_clear_pointer (&pids, g_array_unref);
  frozen = was_frozen || sv_cgroup_set_frozen (cg, TRUE, &freeze_error);
  if (!frozen)
    g_debug ("kill --all without freezing %s first: %s", cg->path, freeze_error->message);
  pids = sv_cgroup_pids (cg, error);
  ok = pids != NULL && signal_pids (pids, signo, error);
  if (frozen && (!was_frozen || signo == SIGKILL)
      && !sv_cgroup_set_frozen (cg, FALSE, ok ? error : NULL))
    ok = FALSE;
  return ok;
}

gboolean
sv_cgroup_destroy (SvCgroup *cg, GError **error)
{
  g_autoptr (GError) first = NULL;

  /* Also for a state whose create died before it recorded the unit (a unit already gone is
   * success); not for this process's own create that never got to start it. */
  if ((cg->unit_started || (cg->systemd && !cg->deferred && sv_cgroup_systemd_running ()))
      && !sv_cgroup_systemd_stop_unit (cg, &first))
    g_prefix_error (&first, "stopping systemd unit %s: ", cg->unit);
  for (guint i = 0; i < cg->mounts->len; i++)
    {
      g_autoptr (GError) local = NULL;

      if (!sv_cgroup_remove_tree (((SvCgroupMount *) cg->mounts->pdata[i])->dir, &local)
          && first == NULL)
        first = g_steal_pointer (&local);
    }
  if (first != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&first));
      return FALSE;
    }
  cg->unit_started = FALSE;
  return TRUE;
}

JsonNode *
sv_cgroup_stats (SvCgroup *cg, GError **error)
{
  JsonObject *stats;
  JsonNode *node;

  if (!g_file_test (((SvCgroupMount *) cg->mounts->pdata[0])->dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "cgroup %s does not exist", cg->path);
      return NULL;
    }
  stats = cg->mode == SV_CGROUP_V2 ? sv_cgroup_v2_stats (cg) : sv_cgroup_v1_stats (cg);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, stats);
  return node;
}

void
sv_cgroup_hierarchy_free (SvCgroupHierarchy *h)
{
  if (h == NULL)
    return;
  g_free (h->name);
  g_free (h->fstype);
  g_free (h->options);
  g_free (h->host_path);
  g_free (h);
}

GPtrArray *
sv_cgroup_hierarchies (SvCgroup *cg)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) sv_cgroup_hierarchy_free);

  for (guint i = 0; i < cg->mounts->len; i++)
    {
      SvCgroupMount *m = cg->mounts->pdata[i];
      SvCgroupHierarchy *h = g_new0 (SvCgroupHierarchy, 1);

      h->name = g_strdup (m->name);
      h->fstype = g_strdup (m->fstype);
      h->options = g_strdup (m->options);
      h->host_path = g_strdup (m->dir);
      g_ptr_array_add (out, h);
    }
  return out;
}

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
state_string (JsonObject *o, const char *path, const char *member, gboolean allow_empty, char **out,
              GError **error)
{
  JsonNode *node = json_object_get_member (o, member);

  if (node == NULL || !node_is (node, G_TYPE_STRING)
      || (!allow_empty && *json_node_get_string (node) == '\0'))
    return invalid_field (error, "%s.%s: expected a%s string", path, member,
                          allow_empty ? "" : " non-empty");
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
state_mounts (JsonObject *o, SvCgroup *cg, GError **error)
{
  JsonArray *arr;

  if (!get_object_array (o, "cgroup", "hierarchies", &arr, error))
    return FALSE;
  if (arr == NULL || json_array_get_length (arr) == 0)
    return invalid_field (error, "cgroup.hierarchies: expected a non-empty array");
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
        return invalid_field (error, "%s.fstype: expected \"cgroup\" or \"cgroup2\"", ipath);
      g_ptr_array_add (cg->mounts, g_steal_pointer (&m));
    }
  return TRUE;
}

static gboolean
state_header (JsonObject *o, SvCgroup *cg, GError **error)
{
  SvCgroupInt version = { FALSE, 0 };
  g_autofree char *mode = NULL;

  if (!get_int (o, "cgroup", "version", 1, SV_CGROUP_STATE_VERSION, FALSE, &version, error)
      || !state_string (o, "cgroup", "mode", FALSE, &mode, error)
      || !state_string (o, "cgroup", "path", FALSE, &cg->path, error)
      || !sv_json_get_bool (o, "cgroup", "systemd", &cg->systemd, error))
    return FALSE;
  if (g_str_equal (mode, "v1"))
    cg->mode = SV_CGROUP_V1;
  else if (g_str_equal (mode, "v2"))
    cg->mode = SV_CGROUP_V2;
  else
    return invalid_field (error, "cgroup.mode: expected \"v1\" or \"v2\", not \"%s\"", mode);
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
      invalid_field (error, "cgroup: expected an object");
      return NULL;
    }
  o = json_node_get_object (node);
  if (!state_string (o, "cgroup", "id", FALSE, &id, error))
    return NULL;
  cg = cgroup_alloc (id);
  if (!state_header (o, cg, error) || !state_mounts (o, cg, error))
    return NULL;
  return g_steal_pointer (&cg);
}

/* ------------------------------------------------------------------------------------------
 * Stats helpers shared by cgroups-v1.c and cgroups-v2.c
 * ---------------------------------------------------------------------------------------- */

void
sv_cgroup_json_set_u64 (JsonObject *o, const char *member, guint64 value)
{
  json_object_set_int_member (o, member, (gint64) MIN (value, (guint64) G_MAXINT64));
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

/* memory.checkBeforeUpdate: refuse a limit below what the cgroup uses now (@usage_file:
 * memory.usage_in_bytes on v1, memory.current on v2). */
gboolean
sv_cgroup_check_memory_usage (const SvCgroupResources *res, const char *dir,
                              const char *usage_file, GError **error)
{
  guint64 usage;

  if (!res->mem_check_before_update.value || !res->mem_limit.set || res->mem_limit.value < 0)
    return TRUE;
  if (!sv_cgroup_read_u64 (dir, usage_file, &usage, NULL)
      || usage <= (guint64) res->mem_limit.value)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "%s.memory.limit: %" G_GINT64_FORMAT
               " is below the memory in use (%" G_GUINT64_FORMAT "), and checkBeforeUpdate is set",
               res->json_path, res->mem_limit.value, usage);
  return FALSE;
}
