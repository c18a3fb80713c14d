/* docker-root.c: the data root of the dockerd that made a container (see docker-root.h). */
#include "docker-root.h"

#include <string.h>
#include <sys/stat.h>

static const char *const docker_files[] = { "hostname", "hosts", "resolv.conf" };

/* DATA when @source is DATA/containers/@id/<one of Docker's files>, else NULL. */
static char *
data_dir_of_source (const char *id, const char *source)
{
  g_autofree char *clean = g_canonicalize_filename (source, "/");
  g_autofree char *file = g_path_get_basename (clean);
  g_autofree char *cdir = g_path_get_dirname (clean);
  g_autofree char *cid = g_path_get_basename (cdir);
  g_autofree char *containers = g_path_get_dirname (cdir);
  g_autofree char *cname = g_path_get_basename (containers);
  gboolean known = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (docker_files); i++)
    known = known || strcmp (file, docker_files[i]) == 0;
  if (!known || strcmp (cid, id) != 0 || strcmp (cname, "containers") != 0)
    return NULL;
  return g_path_get_dirname (containers);
}

/* Is @path strictly below @dir/<driver>/ (a graph driver's directory)? */
static gboolean
rootfs_below (const char *rootfs, const char *dir)
{
  g_autofree char *clean = g_canonicalize_filename (rootfs, "/");
  gsize n = strlen (dir);
  const char *rest;

  if (strncmp (clean, dir, n) != 0 || clean[n] != '/')
    return FALSE;
  rest = clean + n + 1;
  return strchr (rest, '/') != NULL && strncmp (rest, "containers/", 11) != 0;
}

/* "100000.100000": the per-remap directory dockerd makes below its data root. */
static gboolean
is_remap_dir (const char *name)
{
  const char *dot = strchr (name, '.');

  if (dot == NULL || dot == name || dot[1] == '\0')
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if (p != dot && !g_ascii_isdigit (*p))
      return FALSE;
  return TRUE;
}

char *
sv_docker_root_from_paths (const char *id, const char *rootfs, const char *const *bind_sources)
{
  if (id == NULL || rootfs == NULL || bind_sources == NULL)
    return NULL;
  for (guint i = 0; bind_sources[i] != NULL; i++)
    {
      g_autofree char *data = data_dir_of_source (id, bind_sources[i]);
      g_autofree char *base = NULL;
      if (data == NULL || strcmp (data, "/") == 0 || !rootfs_below (rootfs, data))
        continue;
      base = g_path_get_basename (data);
      if (is_remap_dir (base))
        return g_path_get_dirname (data);
      return g_steal_pointer (&data);
    }
  return NULL;
}

gboolean
sv_docker_root_trusted (const char *dir)
{
  struct stat st;

  return stat (dir, &st) == 0 && S_ISDIR (st.st_mode) && st.st_uid == 0
         && (st.st_mode & 0022) == 0;
}
