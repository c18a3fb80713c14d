/* fuse-procfs-plugin.c: the procfs role: bind-mounts sysvisor-fs's per-container files over
 * the container's /proc and /sys (after proc and sysfs are mounted, before pivot_root).
 *
 * It also has the container's processes trap sysinfo(2) for sysvisor-fs's syscall supervisor,
 * which answers it as the container's /proc/meminfo, /proc/uptime and /proc/loadavg say, and
 * mounts that create a filesystem: a procfs or sysfs mounted inside (a nested container) gets
 * the same files.
 *
 * Settings ([fuse-procfs] in plugins.conf): mountpoint = DIR (default /var/lib/sysvisorfs);
 * supervise = yes|no (default yes: trap sysinfo(2) and mounts; no: the kernel answers them,
 * host values, and a procfs mounted inside shows the host's files);
 * immutable-mounts = yes|no (default yes: the supervisor refuses unmounting, moving,
 * remounting to lift flags, or mounting over the mounts the runtime made; no: root inside may,
 * as the kernel allows it).  See svfs-immutable.c. */
#include "sv-config.h"
#include "svfs-supervisor.h"
#include "svfs-sysctl.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/statfs.h>
#include <sysvisor/plugin.h>

#define FUSE_SUPER_MAGIC 0x65735546

static const char *const served_files[] = {
  "proc/meminfo", "proc/cpuinfo", "proc/stat",      "proc/uptime",
  "proc/loadavg", "proc/swaps",   "proc/diskstats", "sys/devices/system/cpu/online",
};

static const char *
mountpoint_of (const char *setting)
{
  return setting != NULL && setting[0] != '\0' ? setting : SV_FS_MOUNTPOINT;
}

/* The daemon's mount: a FUSE filesystem whose mountinfo type is fuse.sysvisor-fs. */
static gboolean
daemon_mounted (const char *mnt)
{
  g_autofree char *info = NULL;
  g_autofree char *needle = g_strdup_printf (" %s ", mnt);
  struct statfs st;
  g_auto (GStrv) lines = NULL;

  if (statfs (mnt, &st) < 0 || st.f_type != FUSE_SUPER_MAGIC)
    return FALSE;
  if (!g_file_get_contents ("/proc/self/mountinfo", &info, NULL, NULL))
    return FALSE;
  lines = g_strsplit (info, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], needle) != NULL && strstr (lines[i], " - fuse.sysvisor-fs ") != NULL)
      return TRUE;
  return FALSE;
}

static gboolean
check_daemon (const char *mnt, GError **error)
{
  if (daemon_mounted (mnt))
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
               "sysvisor-fs is not running (no sysvisor-fs mount on %s): start it with "
               "`systemctl start sysvisor` (or `sysvisor-fs --mountpoint %s`), or set procfs = "
               "none in plugins.conf",
               mnt, mnt);
  return FALSE;
}

static gboolean
fuse_procfs_probe (SvHost *host, GError **error)
{
  return check_daemon (mountpoint_of (sv_host_setting (host, "mountpoint")), error);
}

static gboolean
spec_mounts (SvContainer *c, const char *type)
{
  for (guint i = 0; i < sv_container_n_mounts (c); i++)
    if (g_strcmp0 (sv_container_mount_type (c, i), type) == 0)
      return TRUE;
  return FALSE;
}

/* Every file the daemon serves under proc/sys goes over the same /proc/sys file: a daemon of
 * this version or newer (one with per-container copies) serves every entry of the table this
 * plugin is built with, so no walk of its tree is needed (each directory read was four FUSE
 * requests on every create); an older daemon's tree is walked. */
static gboolean
add_sysctl_table (SvContainer *c, const char *mnt, GError **error)
{
  guint count;
  const SvfsSysctl *table = svfs_sysctl_table (&count);

  for (guint i = 0; i < count; i++)
    {
      g_autofree char *src = g_build_filename (mnt, "proc/sys", table[i].path, NULL);
      g_autofree char *dst = g_build_filename ("/proc/sys", table[i].path, NULL);
      if (!sv_container_add_bind_mount (c, src, dst, FALSE, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
add_sysctl_files (SvContainer *c, const char *mnt, const char *rel, GError **error)
{
  g_autofree char *dir = g_build_filename (mnt, rel, NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *sub = g_build_filename (rel, name, NULL);
      g_autofree char *src = g_build_filename (mnt, sub, NULL);
      g_autofree char *dst = g_build_filename ("/", sub, NULL);
      gboolean ok = g_file_test (src, G_FILE_TEST_IS_DIR)
                        ? add_sysctl_files (c, mnt, sub, error)
                        : sv_container_add_bind_mount (c, src, dst, FALSE, error);
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

/* supervise = yes|no: whether sysinfo(2) goes to sysvisor-fs's supervisor. */
static gboolean
want_supervisor (SvContainer *c, gboolean *on, GError **error)
{
  const char *v = sv_container_setting (c, "supervise");

  *on = v == NULL || g_strcmp0 (v, "yes") == 0 || g_strcmp0 (v, "true") == 0;
  if (*on || g_strcmp0 (v, "no") == 0 || g_strcmp0 (v, "false") == 0)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "plugins.conf [fuse-procfs] supervise = %s: use yes (sysinfo(2) answered for the "
               "container) or no (the kernel answers it)",
               v);
  return FALSE;
}

/* immutable-mounts = yes|no: whether the supervisor keeps the runtime's mounts as they are
 * (told to it as the option word after its address). */
static gboolean
want_immutable (SvContainer *c, gboolean *on, GError **error)
{
  const char *v = sv_container_setting (c, "immutable-mounts");

  *on = v == NULL || g_strcmp0 (v, "yes") == 0 || g_strcmp0 (v, "true") == 0;
  if (*on || g_strcmp0 (v, "no") == 0 || g_strcmp0 (v, "false") == 0)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "plugins.conf [fuse-procfs] immutable-mounts = %s: use yes (root inside cannot "
               "unmount or change the runtime's mounts) or no",
               v);
  return FALSE;
}

/* The container's own copies of the emulated files: <mnt>/ct/<name>/ (see svfs-tree.h), so
 * that the kernel may cache their text for this container alone.  The name is the container
 * id (a hash of it when too long for a file name). */
static gchar *
container_view_name (SvContainer *c)
{
  const char *id = sv_container_id (c);
  g_autofree gchar *sum = NULL;

  if (strlen (id) <= 64 && strchr (id, '/') == NULL && id[0] != '.')
    return g_strdup (id);
  sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, id, -1);
  return g_strconcat ("sha256-", sum, NULL);
}

static gboolean
fuse_procfs_prepare (SvContainer *c, GError **error)
{
  const char *mnt = mountpoint_of (sv_container_setting (c, "mountpoint"));
  gboolean proc = spec_mounts (c, "proc"), sys = spec_mounts (c, "sysfs"), supervise, immutable;

  if (!want_supervisor (c, &supervise, error) || !want_immutable (c, &immutable, error))
    return FALSE;
  if (supervise)
    {
      g_autofree gchar *canon = g_canonicalize_filename (mnt, "/");
      g_autofree gchar *address = svfs_supervisor_address (canon);
      g_autofree gchar *with_options
          = g_strconcat (address, immutable ? NULL : " immutable=no", NULL);
      sv_container_set_syscall_supervisor (c, with_options);
    }
  /* The core ran the probe (check_daemon) right before this hook. */
  g_autofree char *views = g_build_filename (mnt, "ct", NULL);
  g_autofree char *view = NULL;
  g_autofree gchar *name = container_view_name (c);
  if (g_file_test (views, G_FILE_TEST_IS_DIR))
    view = g_build_filename (views, name, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (served_files); i++)
    {
      g_autofree char *src = g_build_filename (view ? view : mnt, served_files[i], NULL);
      g_autofree char *dst = g_build_filename ("/", served_files[i], NULL);
      if (!(g_str_has_prefix (served_files[i], "proc/") ? proc : sys)
          || (view == NULL && !g_file_test (src, G_FILE_TEST_EXISTS)))
        continue;
      if (!sv_container_add_bind_mount (c, src, dst, FALSE, error))
        return FALSE;
    }
  g_debug ("fuse-procfs: files of %s bound into container %s", view ? view : mnt,
           sv_container_id (c));
  if (!proc)
    return TRUE;
  return view ? add_sysctl_table (c, mnt, error) : add_sysctl_files (c, mnt, "proc/sys", error);
}

SV_PLUGIN_DEFINE ("fuse-procfs", SV_ROLE_PROCFS,
                  "per-container /proc and /sys files served by sysvisor-fs", fuse_procfs_probe,
                  fuse_procfs_prepare, NULL, NULL)
