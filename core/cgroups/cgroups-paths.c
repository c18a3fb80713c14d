/* cgroups-paths.c: where the container's cgroup lives: linux.cgroupsPath (systemd's
 * "slice:prefix:name" included) resolved in every hierarchy, and the SvCgroup object's life.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#define G_LOG_DOMAIN "sysvisor"

#include "cgroups-paths.h"

#include "cgroups-hierarchy.h"
#include "cgroups-resources.h"

#include <gio/gio.h>
#include <string.h>

#define SV_CGROUP_DEFAULT_PARENT "/sysvisor"

/* ------------------------------------------------------------------------------------------
 * Where the container's cgroup lives: linux.cgroupsPath
 * ---------------------------------------------------------------------------------------- */

static gboolean
invalid_path (GError **error, const char *path, const char *why)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "linux.cgroupsPath: \"%s\" %s",
               path, why);
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

SvCgroup *
sv_cgroup_alloc (const char *id)
{
  SvCgroup *cg = g_new0 (SvCgroup, 1);

  cg->id = g_strdup (id);
  cg->created = g_ptr_array_new_with_free_func (g_free);
  cg->enabled = g_ptr_array_new_with_free_func (g_free);
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
  cg = sv_cgroup_alloc (id);
  cg->systemd = systemd;
  if (systemd)
    {
      if (!resolve_systemd_path (cg, cgroups_path, error))
        return NULL;
    }
  else
    {
      g_autofree char *dflt = g_strdup_printf (SV_CGROUP_DEFAULT_PARENT "/%s", id);

      cg->path =
          normalize_path (cgroups_path != NULL && *cgroups_path != '\0' ? cgroups_path : dflt,
                          error);
      if (cg->path == NULL)
        return NULL;
    }
  cg->mode = sv_cgroup_detect_mode ();
  cg->mounts = sv_cgroup_discover_mounts (cg->mode, error);
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
  sv_cgroup_resources_unref (cg->pending);
  if (cg->mounts != NULL)
    g_ptr_array_unref (cg->mounts);
  g_ptr_array_unref (cg->created);
  g_ptr_array_unref (cg->enabled);
  g_free (cg);
}
