/* cgroups-hierarchy.c: which cgroup filesystems are mounted (the hierarchies), the
 * mode they make (v1, hybrid, v2), the root override, and the per-hierarchy view of a cgroup.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#define G_LOG_DOMAIN "sysvisor"

#include "cgroups-hierarchy.h"

#include "cgroups-files.h"
#include "sv-error.h"
#include "sv-file.h"
#include "sv-mountinfo.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/statfs.h>
#include <linux/magic.h>

#define SV_CGROUP_MOUNT_BASE "/sys/fs/cgroup"

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
  gsize len = strlen (controller);

  if (sv_cgroup_mount_is_v2 (m))
    return FALSE;
  /* (one of the comma-separated options, read in place: no allocation, see
   * sv_cgroup_freezing) */
  for (const char *p = m->options; p != NULL; p = strchr (p, ','), p = p != NULL ? p + 1 : NULL)
    if (strncmp (p, controller, len) == 0 && (p[len] == ',' || p[len] == '\0'))
      return TRUE;
  return FALSE;
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
  mountpoint = sv_mountinfo_unescape (pre[4]);
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

/* Whether mountinfo line [@line, @end) is of a cgroup or cgroup2 filesystem: its type follows
 * " - " (a blank inside a path is written \040, so the first " - " is the separator). */
static gboolean
is_cgroup_line (const char *line, const char *end)
{
  const char *sep = memmem (line, (gsize) (end - line), " - ", 3);
  gsize rest;

  if (sep == NULL)
    return FALSE;
  sep += 3;
  rest = (gsize) (end - sep);
  return (rest > 7 && memcmp (sep, "cgroup ", 7) == 0)
         || (rest > 8 && memcmp (sep, "cgroup2 ", 8) == 0);
}

GPtrArray *
sv_cgroup_mounts_from_mountinfo (const char *text, gboolean v2_root)
{
  g_autoptr (GPtrArray) mounts =
      g_ptr_array_new_with_free_func ((GDestroyNotify) sv_cgroup_mount_free);
  const char *next;

  /* Only cgroup lines are split: a busy host has hundreds of others (a Docker host: overlays,
   * shm and netns mounts of every container), each ~10 allocations when split. */
  for (const char *line = text; *line != '\0'; line = next)
    {
      const char *end = strchrnul (line, '\n');
      g_autofree char *one = NULL;
      g_autoptr (SvCgroupMount) m = NULL;

      next = *end == '\n' ? end + 1 : end;
      if (!is_cgroup_line (line, end))
        continue;
      one = g_strndup (line, (gsize) (end - line));
      m = mount_from_line (one, v2_root);
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
  g_autoptr (GPtrArray) mounts =
      g_ptr_array_new_with_free_func ((GDestroyNotify) sv_cgroup_mount_free);
  g_autoptr (GPtrArray) names = NULL;

  if (mode == SV_CGROUP_V2)
    {
      g_ptr_array_add (mounts, mount_new ("", "cgroup2", "", root));
      return g_steal_pointer (&mounts);
    }
  names = sv_cgroup_list_subdirs (root, NULL);
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

GPtrArray *
sv_cgroup_discover_mounts (SvCgroupMode mode, GError **error)
{
  const char *root = sv_cgroup_get_root ();
  g_autofree char *text = NULL;
  g_autoptr (GPtrArray) mounts = NULL;

  if (root != NULL)
    mounts = mounts_from_override (root, mode);
  else if ((text = sv_file_read_text ("/proc/self/mountinfo", NULL)) != NULL)
    mounts = sv_cgroup_mounts_from_mountinfo (text, mode == SV_CGROUP_V2);
  else
    {
      sv_set_error_errno (error, errno, "read /proc/self/mountinfo");
      return NULL;
    }
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
