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
#include "svfs-serving.h"
#include "svfs-supervisor.h"
#include "svfs-sysctl.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/stat.h>
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

/* The daemon's mount: a FUSE filesystem with sysvisor-fs's tree (a proc/sys directory, which
 * lxcfs, the other FUSE /proc, does not serve).  No read of mountinfo, which costs every create
 * more the more mounts the host has, and no FUSE request when the daemon has marked its lock
 * file as serving this filesystem (svfs-serving.h): a stat of its tree is answered from the
 * attributes the kernel keeps (see served()).  Unmarked, the mount is asked (STATFS): a daemon
 * that died leaves a mount that answers ENOTCONN, not mounted. */
static gboolean
daemon_mounted (const char *mnt)
{
  g_autofree char *canon = g_canonicalize_filename (mnt, "/");
  g_autofree char *sys = g_build_filename (canon, "proc/sys", NULL);
  struct statfs fs;
  struct stat st;

  return (svfs_serving (canon) || (statfs (canon, &fs) == 0 && fs.f_type == FUSE_SUPER_MAGIC))
         && stat (sys, &st) == 0 && S_ISDIR (st.st_mode);
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

/* Whether the daemon's mount has @path.  stat, not access(2) (g_file_test): the kernel answers
 * stat from the attributes it keeps, while every access(2) is a FUSE request (the daemon
 * decides who may write, so it implements ACCESS). */
static gboolean
served (const char *path)
{
  struct stat st;

  return stat (path, &st) == 0;
}

static gboolean
spec_mounts (SvContainer *c, const char *type)
{
  for (guint i = 0; i < sv_container_n_mounts (c); i++)
    if (g_strcmp0 (sv_container_mount_type (c, i), type) == 0)
      return TRUE;
  return FALSE;
}

/* Every file the daemon serves under proc/sys goes over the same /proc/sys file.  The list is
 * the daemon's table (svfs-sysctl.c, built into this plugin too), each entry bound when the
 * daemon's mount has it (an older daemon may serve fewer): a stat of a file whose entry and
 * attributes the kernel keeps (sysvisor-fs gives its fixed tree a day's timeout) costs no
 * FUSE request, where reading the tree's 8 directories cost about 32 on every create. */
static gboolean
add_sysctl_files (SvContainer *c, const char *mnt, GError **error)
{
  guint count;
  const SvfsSysctl *table = svfs_sysctl_table (&count);

  for (guint i = 0; i < count; i++)
    {
      g_autofree char *src = g_build_filename (mnt, "proc/sys", table[i].path, NULL);
      g_autofree char *dst = g_build_filename ("/proc/sys", table[i].path, NULL);
      if (served (src) && !sv_container_add_bind_mount (c, src, dst, FALSE, error))
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
      g_autofree gchar *with_options =
          g_strconcat (address, immutable ? NULL : " immutable=no", NULL);
      sv_container_set_syscall_supervisor (c, with_options);
    }
  /* The core ran the probe (check_daemon) right before this hook. */
  for (guint i = 0; i < G_N_ELEMENTS (served_files); i++)
    {
      g_autofree char *src = g_build_filename (mnt, served_files[i], NULL);
      g_autofree char *dst = g_build_filename ("/", served_files[i], NULL);
      if (!(g_str_has_prefix (served_files[i], "proc/") ? proc : sys) || !served (src))
        continue;
      if (!sv_container_add_bind_mount (c, src, dst, FALSE, error))
        return FALSE;
    }
  g_debug ("fuse-procfs: files of %s bound into container %s", mnt, sv_container_id (c));
  return !proc || add_sysctl_files (c, mnt, error);
}

/* ---- check: the "sysvisor-fs" line of `sysvisor-runc check` ---- */

#define FS_LOG "/var/log/sysvisor-fs.log"

/* The pid in the lock file of the sysvisor-fs that serves @mnt, or NULL. */
static char *
daemon_pid (const char *mnt)
{
  g_autofree char *canon = g_canonicalize_filename (mnt, "/");
  g_autofree char *path = svfs_lock_path (canon);
  g_autofree char *text = NULL;
  pid_t pid;
  guint generation;

  if (!g_file_get_contents (path, &text, NULL, NULL)
      || !svfs_lock_parse (text, &pid, &generation))
    return NULL;
  return g_strdup_printf ("%d", (int) pid);
}

static void
fuse_procfs_check (SvHost *host, SvCheckReport *report)
{
  const char *mnt = mountpoint_of (sv_host_setting (host, "mountpoint"));
  g_autoptr (GError) error = NULL;
  g_autofree char *fix = NULL;
  g_autofree char *pid = NULL;

  if (!check_daemon (mnt, &error))
    {
      fix = g_file_test ("/run/systemd/system", G_FILE_TEST_IS_DIR)
                ? g_strdup ("systemctl start sysvisor")
                : g_strdup_printf ("start it: sysvisor-fs --mountpoint %s --log " FS_LOG
                                   " (./data/install.sh does)",
                                   mnt);
      sv_check_report_add (report, SV_CHECK_FAIL, "sysvisor-fs", fix, "%s", error->message);
      return;
    }
  pid = daemon_pid (mnt);
  sv_check_report_add (report, SV_CHECK_OK, "sysvisor-fs", NULL,
                       "fuse-procfs: fuse.sysvisor-fs is mounted on %s%s%s%s", mnt,
                       pid != NULL ? " (daemon pid " : "", pid != NULL ? pid : "",
                       pid != NULL ? ")" : "");
}

SV_PLUGIN_DEFINE_FIELDS (.name = "fuse-procfs", .role = SV_ROLE_PROCFS,
                         .description =
                             "per-container /proc and /sys files served by sysvisor-fs",
                         .version = SV_PLUGIN_VERSION, .probe = fuse_procfs_probe,
                         .prepare = fuse_procfs_prepare, .check = fuse_procfs_check)
