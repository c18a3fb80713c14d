/* host-check.c: the checks of `sysvisor-runc check` (see host-check.h).  Each check is one
 * function that adds one result; the probes that do the real thing (a user namespace, an
 * ID-mapped mount, an overlay over ID-mapped layers) are in host-probe.c, and the plugins are
 * reached only through the plugin host. */
#include "host-check.h"

#include "host-probe.h"
#include "json-util.h"
#include "plugin-host.h"
#include "storage.h"
#include "sv-config.h"
#include "utils.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>

#define DEFAULT_DAEMON_JSON "/etc/docker/daemon.json"
#define DEFAULT_DOCKER_ROOT "/var/lib/docker"
#define SUBID_USER_DEFAULT "sysvisor"
#define RANGE_SIZE_DEFAULT 65536u
#define INSTALLER_SUBID_COUNT 268435456u
#define IDMAP_TABLE_FILE "idmap-exclusive.json"
#define FS_LOG "/var/log/sysvisor-fs.log"

typedef struct
{
  GPtrArray *results;
  SvPluginsConf *conf;
  SvPluginHost *host;
  int userns;                /* scratch user namespace, -1 when none could be made */
  guint kernel_major, kernel_minor;
  const char *daemon_json;   /* Docker's daemon.json */
  JsonNode *docker_node;     /* its content, NULL when missing or unreadable */
  JsonObject *docker;        /* its root object */
  char *docker_error;        /* why it could not be read (NULL: fine or missing) */
  gboolean docker_installed; /* a dockerd binary or a daemon.json exists */
} Ctx;

const char *
sv_check_status_name (SvCheckStatus status)
{
  static const char *const names[] = { "ok", "warn", "fail" };

  return names[status];
}

const char *
sv_host_check_daemon_json_path (void)
{
  const char *env = g_getenv ("SYSVISOR_DOCKER_DAEMON_JSON");

  return env != NULL && env[0] != '\0' ? env : DEFAULT_DAEMON_JSON;
}

static void
result_free (gpointer p)
{
  SvCheckResult *r = p;

  g_free (r->detail);
  g_free (r->fix);
  g_free (r);
}

/* Takes @detail and @fix. */
static void
add (Ctx *x, const char *name, SvCheckStatus status, char *detail, char *fix)
{
  SvCheckResult *r = g_new0 (SvCheckResult, 1);

  r->name = name;
  r->status = status;
  r->detail = detail;
  if (status == SV_CHECK_OK)
    g_free (fix);
  else
    r->fix = fix;
  g_ptr_array_add (x->results, r);
}

/* A plugin setting ([group] key = value) or NULL when absent or empty. */
static char *
setting (Ctx *x, const char *group, const char *key)
{
  char *v = g_key_file_get_string (x->conf->keyfile, group, key, NULL);

  if (v != NULL && g_strstrip (v)[0] == '\0')
    g_clear_pointer (&v, g_free);
  return v;
}

static gboolean
role_is_none (Ctx *x, SvRole role)
{
  return g_strcmp0 (x->conf->backend[role], "none") == 0;
}

static gboolean
systemd_running (void)
{
  return g_file_test ("/run/systemd/system", G_FILE_TEST_IS_DIR);
}

static JsonObject *
member_object (JsonObject *o, const char *name)
{
  JsonNode *n = o != NULL ? json_object_get_member (o, name) : NULL;

  return n != NULL && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

static const char *
member_string (JsonObject *o, const char *name)
{
  JsonNode *n = o != NULL ? json_object_get_member (o, name) : NULL;

  return n != NULL && json_node_get_value_type (n) == G_TYPE_STRING ? json_node_get_string (n)
                                                                     : NULL;
}

/* ---- root, kernel, user namespaces ---- */

static void
check_root (Ctx *x)
{
  if (geteuid () == 0)
    add (x, "root", SV_CHECK_OK, g_strdup ("running as root"), NULL);
  else
    add (x, "root", SV_CHECK_FAIL,
         g_strdup_printf ("running as uid %u: sysvisor-runc must run as root", geteuid ()),
         g_strdup ("run it as root (sudo sysvisor-runc check)"));
}

static void
check_kernel (Ctx *x)
{
  struct utsname u;

  if (uname (&u) < 0 || sscanf (u.release, "%u.%u", &x->kernel_major, &x->kernel_minor) != 2)
    {
      add (x, "kernel", SV_CHECK_WARN, g_strdup ("cannot read the kernel's version"),
           g_strdup ("run on Linux 5.19 or later"));
      return;
    }
  if (x->kernel_major < 5 || (x->kernel_major == 5 && x->kernel_minor < 12))
    add (x, "kernel", SV_CHECK_FAIL,
         g_strdup_printf ("Linux %s has no ID-mapped mounts (5.12), which shifting needs",
                          u.release),
         g_strdup ("upgrade to Linux 5.19 or later, or set shift = none in plugins.conf and "
                   "chown each rootfs to its container's id range"));
  else if (x->kernel_major == 5 && x->kernel_minor < 19)
    add (x, "kernel", SV_CHECK_WARN,
         g_strdup_printf ("Linux %s: ID-mapped mounts work, but overlayfs takes ID-mapped "
                          "layers (Docker's and containerd's images) only from 5.19 on",
                          u.release),
         g_strdup ("upgrade to Linux 5.19 or later"));
  else
    add (x, "kernel", SV_CHECK_OK,
         g_strdup_printf ("Linux %s (5.19 or later: ID-mapped mounts and overlays over "
                          "ID-mapped layers)",
                          u.release),
         NULL);
}

static void
check_userns (Ctx *x)
{
  g_autofree char *max = NULL;
  g_autoptr (GError) error = NULL;

  if (g_file_get_contents ("/proc/sys/user/max_user_namespaces", &max, NULL, NULL))
    g_strstrip (max);
  if (g_strcmp0 (max, "0") == 0)
    {
      add (x, "user namespaces", SV_CHECK_FAIL,
           g_strdup ("user.max_user_namespaces is 0: no user namespace can be made"),
           g_strdup ("sysctl -w user.max_user_namespaces=15000, and set it in /etc/sysctl.d/"));
      return;
    }
  x->userns = sv_probe_scratch_userns (&error);
  if (x->userns < 0)
    add (x, "user namespaces", SV_CHECK_FAIL,
         g_strdup_printf ("cannot make one: %s", error->message),
         g_strdup ("use a kernel with user namespaces (CONFIG_USER_NS) and raise "
                   "user.max_user_namespaces"));
  else
    add (x, "user namespaces", SV_CHECK_OK,
         g_strdup_printf ("max_user_namespaces = %s; making one and writing its id maps works",
                          max != NULL ? max : "?"),
         NULL);
}

/* ---- ID-mapped mounts and overlays ---- */

static char *
idmap_fix (const GError *error, const char *dir)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
    return g_strdup ("upgrade to Linux 5.19 or later (ID-mapped mounts need 5.12)");
  return g_strdup_printf ("keep %s on a filesystem that supports ID-mapped mounts (ext4, xfs, "
                          "btrfs, tmpfs), or set shift = none in plugins.conf and chown each "
                          "rootfs to its container's id range",
                          dir);
}

/* @what @path: "the lib dir /var/lib/sysvisor".  @if_bad: the status when it fails. */
static void
check_idmap_path (Ctx *x, const char *name, const char *what, const char *path,
                  SvCheckStatus if_bad)
{
  g_autofree char *canon = g_canonicalize_filename (path, "/");
  g_autofree char *dir = sv_probe_nearest_existing (canon);
  g_autofree char *fstype = sv_probe_fstype (dir);
  gboolean exists = strcmp (dir, canon) == 0;
  const char *comma = exists ? "" : ",";
  g_autofree char *where = NULL;
  g_autoptr (GError) error = NULL;

  if (exists)
    where = g_strdup_printf ("%s %s (%s)", what, dir, fstype);
  else
    where = g_strdup_printf ("%s %s does not exist yet; %s (%s), which will hold it", what,
                             canon, dir, fstype);
  if (x->userns < 0)
    add (x, name, if_bad, g_strdup_printf ("%s: not probed (no user namespace)", where),
         g_strdup ("make user namespaces work (see above)"));
  else if (!sv_probe_idmap_mount (dir, x->userns, &error))
    add (x, name, if_bad,
         g_strdup_printf ("%s%s cannot be ID-mapped: %s", where, comma, error->message),
         idmap_fix (error, canon));
  else
    add (x, name, SV_CHECK_OK, g_strdup_printf ("%s%s can be ID-mapped", where, comma), NULL);
}

static char *
docker_data_root (Ctx *x)
{
  char *root = setting (x, SV_SHIFT_PLUGIN, "docker-data-root");

  const char *json_root = member_string (x->docker, "data-root");

  if (root != NULL)
    return root;
  return g_strdup (json_root != NULL && json_root[0] != '\0' ? json_root : DEFAULT_DOCKER_ROOT);
}

static void
check_idmap_mounts (Ctx *x)
{
  SvCheckStatus shift_bad = role_is_none (x, SV_ROLE_SHIFT) ? SV_CHECK_WARN : SV_CHECK_FAIL;
  g_autofree char *docker = docker_data_root (x);

  check_idmap_path (x, "id-mapped mounts: sysvisor", "the lib dir", x->host->host.lib_dir,
                    shift_bad);
  check_idmap_path (x, "id-mapped mounts: docker", "Docker's data root", docker,
                    x->docker_installed ? shift_bad : SV_CHECK_WARN);
}

static void
check_overlay (Ctx *x)
{
  const char *name = "overlay on id-mapped layers";
  const char *lib = x->host->host.lib_dir;
  SvCheckStatus bad = role_is_none (x, SV_ROLE_SHIFT) ? SV_CHECK_WARN : SV_CHECK_FAIL;
  g_autofree char *fstype = sv_probe_fstype (lib);
  g_autoptr (GError) error = NULL;

  if (!g_file_test (lib, G_FILE_TEST_IS_DIR))
    add (x, name, SV_CHECK_WARN,
         g_strdup_printf ("not probed: the lib dir %s does not exist", lib),
         g_strdup ("run ./data/install.sh (it makes the lib dir), or mkdir -m 700 it"));
  else if (x->userns < 0)
    add (x, name, bad, g_strdup ("not probed (no user namespace)"),
         g_strdup ("make user namespaces work (see above)"));
  else if (!sv_probe_idmapped_overlay (lib, x->userns, &error))
    add (x, name, bad,
         g_strdup_printf ("an overlay over ID-mapped layers in %s (%s) fails: %s", lib, fstype,
                          error->message),
         g_strdup (x->kernel_major < 5 || (x->kernel_major == 5 && x->kernel_minor < 19)
                       ? "upgrade to Linux 5.19 or later"
                       : "load overlayfs (modprobe overlay) and keep the lib dir and Docker's "
                         "data root on a filesystem that supports ID-mapped mounts"));
  else
    add (x, name, SV_CHECK_OK,
         g_strdup_printf ("an overlay over two ID-mapped layers in %s (%s) mounts and shows "
                          "their files with shifted owners",
                          lib, fstype),
         NULL);
}

/* ---- storage of inner runtimes (storage.c) ---- */

static void
check_storage (Ctx *x)
{
  const char *name = "storage";
  const char *lib = x->host->host.lib_dir;
  g_autofree char *fstype = sv_probe_fstype (lib);
  g_autofree char *paths = g_strjoinv (" ", x->conf->storage_paths);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) orphans = NULL;

  if (x->conf->storage_paths[0] == NULL)
    {
      add (x, name, SV_CHECK_OK, g_strdup ("storage-paths = none: no path is backed"), NULL);
      return;
    }
  orphans = sv_storage_orphans (lib, SV_STORAGE_LIST, &error);
  if (orphans == NULL)
    add (x, name, SV_CHECK_WARN, g_strdup_printf ("cannot look for orphans: %s", error->message),
         g_strdup ("make the lib dir readable by root"));
  else if (orphans->len > 0)
    add (x, name, SV_CHECK_WARN,
         g_strdup_printf ("%u orphaned director%s under %s/storage (first: %s, container %s)",
                          orphans->len, orphans->len == 1 ? "y" : "ies", lib,
                          ((SvStorageOrphan *) orphans->pdata[0])->path,
                          ((SvStorageOrphan *) orphans->pdata[0])->id),
         g_strdup ("run sysvisor-runc gc (or start any container) to free them"));
  else
    add (x, name, SV_CHECK_OK,
         g_strdup_printf ("%s backed by ID-mapped directories under %s/storage (%s); no "
                          "orphans",
                          paths, lib, fstype),
         NULL);
}

/* ---- FUSE and sysvisor-fs ---- */

static void
check_fuse (Ctx *x)
{
  SvCheckStatus bad = role_is_none (x, SV_ROLE_PROCFS) ? SV_CHECK_WARN : SV_CHECK_FAIL;
  struct stat st;
  sv_autofd fd = -1;

  if (stat ("/dev/fuse", &st) < 0 || !S_ISCHR (st.st_mode))
    {
      add (x, "fuse", bad, g_strdup ("/dev/fuse is missing"),
           g_strdup ("modprobe fuse (and apt-get install fuse3)"));
      return;
    }
  fd = open ("/dev/fuse", O_RDWR | O_CLOEXEC);
  if (fd < 0)
    add (x, "fuse", bad, g_strdup_printf ("/dev/fuse does not open: %s", g_strerror (errno)),
         g_strdup ("modprobe fuse, and run as root"));
  else
    add (x, "fuse", SV_CHECK_OK,
         g_strdup_printf ("/dev/fuse (%u:%u) opens", major (st.st_rdev), minor (st.st_rdev)),
         NULL);
}

/* The pid in the lock file of the sysvisor-fs that serves @mountpoint (NULL if none). */
static char *
fs_daemon_pid (const char *mountpoint)
{
  const char *env = g_getenv ("SYSVISOR_FS_RUN_DIR");
  const char *dir = env != NULL && env[0] != '\0' ? env : "/run/sysvisor-fs";
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_autofree char *want = g_strdup_printf ("mountpoint=%s", mountpoint);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *text = NULL;
      g_auto (GStrv) lines = NULL;
      gboolean match = FALSE;
      const char *pid = NULL;

      if (!g_str_has_suffix (name, ".lock") || !g_file_get_contents (path, &text, NULL, NULL))
        continue;
      lines = g_strsplit (text, "\n", -1);
      for (guint i = 0; lines[i] != NULL; i++)
        {
          match = match || strcmp (lines[i], want) == 0;
          if (g_str_has_prefix (lines[i], "pid="))
            pid = lines[i] + 4;
        }
      if (match && pid != NULL)
        return g_strdup (pid);
    }
  return NULL;
}

static void
check_sysvisor_fs (Ctx *x)
{
  const char *backend = x->conf->backend[SV_ROLE_PROCFS];
  g_autofree char *plugin = sv_plugins_conf_plugin_name (SV_ROLE_PROCFS, backend);
  g_autofree char *mnt = NULL;
  g_autofree char *pid = NULL;
  g_autoptr (GError) error = NULL;

  if (role_is_none (x, SV_ROLE_PROCFS) || g_strcmp0 (backend, "auto") == 0)
    {
      add (x, "sysvisor-fs", SV_CHECK_OK,
           g_strdup_printf ("procfs = %s in plugins.conf: containers see the kernel's own /proc "
                            "and /sys files",
                            backend),
           NULL);
      return;
    }
  mnt = setting (x, plugin, "mountpoint");
  if (mnt == NULL)
    mnt = g_strdup (SV_FS_MOUNTPOINT);
  x->host->role[SV_ROLE_PROCFS] = sv_plugin_load (x->host->dir, plugin, &error);
  if (x->host->role[SV_ROLE_PROCFS] == NULL
      || !sv_plugin_host_probe (x->host, SV_ROLE_PROCFS, &error))
    {
      add (x, "sysvisor-fs", SV_CHECK_FAIL, g_strdup (error->message),
           systemd_running ()
               ? g_strdup ("systemctl start sysvisor")
               : g_strdup_printf ("start it: sysvisor-fs --mountpoint %s --log " FS_LOG
                                  " (./data/install.sh does)",
                                  mnt));
      return;
    }
  pid = fs_daemon_pid (mnt);
  add (x, "sysvisor-fs", SV_CHECK_OK,
       g_strdup_printf ("%s: fuse.sysvisor-fs is mounted on %s%s%s%s", plugin, mnt,
                        pid != NULL ? " (daemon pid " : "", pid != NULL ? pid : "",
                        pid != NULL ? ")" : ""),
       NULL);
}

/* ---- cgroups ---- */

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static char *
v1_controllers (void)
{
  g_autoptr (GDir) d = g_dir_open ("/sys/fs/cgroup", 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  struct statfs sf;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename ("/sys/fs/cgroup", name, NULL);
      if (statfs (p, &sf) == 0 && sf.f_type == CGROUP_SUPER_MAGIC
          && !g_file_test (p, G_FILE_TEST_IS_SYMLINK))
        g_ptr_array_add (names, g_strdup (name));
    }
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (", ", (char **) names->pdata);
}

static void
check_cgroups (Ctx *x)
{
  struct statfs sf;
  g_autofree char *v1 = NULL;

  if (statfs ("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
    {
      add (x, "cgroups", SV_CHECK_OK, g_strdup ("v2 (unified hierarchy on /sys/fs/cgroup)"),
           NULL);
      return;
    }
  v1 = v1_controllers ();
  if (v1[0] == '\0')
    add (x, "cgroups", SV_CHECK_FAIL, g_strdup ("no cgroup filesystem on /sys/fs/cgroup"),
         g_strdup ("mount cgroup2 on /sys/fs/cgroup (mount -t cgroup2 none /sys/fs/cgroup)"));
  else if (statfs ("/sys/fs/cgroup/unified", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
    add (x, "cgroups", SV_CHECK_OK,
         g_strdup_printf ("hybrid: v1 hierarchies (%s) and v2 on /sys/fs/cgroup/unified", v1),
         NULL);
  else
    add (x, "cgroups", SV_CHECK_OK, g_strdup_printf ("v1 (%s)", v1), NULL);
}

/* ---- plugins.conf and the plugins ---- */

static void
check_plugins_conf (Ctx *x, const char *path, const GError *load_error)
{
  if (load_error != NULL)
    add (x, "plugins.conf", SV_CHECK_FAIL,
         g_strdup_printf ("%s (the checks below use the defaults)", load_error->message),
         g_strdup ("correct the line named; `sysvisor-runc plugins` shows what each role "
                   "resolves to"));
  else
    add (x, "plugins.conf", SV_CHECK_OK,
         g_strdup_printf ("%s%s: idmap = %s, shift = %s, procfs = %s", path,
                          x->conf->path == NULL ? " does not exist (the defaults)" : "",
                          x->conf->backend[SV_ROLE_IDMAP], x->conf->backend[SV_ROLE_SHIFT],
                          x->conf->backend[SV_ROLE_PROCFS]),
         NULL);
}

static gboolean
str_in (GPtrArray *a, const char *s)
{
  return g_ptr_array_find_with_equal_func (a, s, g_str_equal, NULL);
}

/* Every plugin plugins.conf may choose (auto: for specs with and without uid mappings) loads:
 * installed, trusted, of a compatible ABI, filling the role it is named for. */
static void
check_plugins (Ctx *x)
{
  g_autoptr (GPtrArray) tried = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) ok = g_ptr_array_new ();
  g_autoptr (GString) bad = g_string_new (NULL);
  g_autofree char *names = NULL;

  for (guint i = 0; i < 2 * SV_N_ROLES; i++)
    {
      SvRole r = (SvRole) (i % SV_N_ROLES);
      const char *backend = sv_plugin_host_backend (x->host, r, i >= SV_N_ROLES);
      g_autofree char *name = sv_plugins_conf_plugin_name (r, backend);
      g_autoptr (GError) error = NULL;
      g_autoptr (SvLoadedPlugin) p = NULL;

      if (g_strcmp0 (backend, "none") == 0 || str_in (tried, name))
        continue;
      g_ptr_array_add (tried, g_strdup (name));
      p = sv_plugin_load (x->host->dir, name, &error);
      if (p != NULL && p->desc->role != r)
        g_set_error (&error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                     "plugin \"%s\" fills the %s role, not %s", name,
                     sv_role_name (p->desc->role), sv_role_name (r));
      if (error != NULL)
        g_string_append_printf (bad, "%s%s", bad->len > 0 ? "; " : "", error->message);
      else
        g_ptr_array_add (ok, tried->pdata[tried->len - 1]);
    }
  g_ptr_array_add (ok, NULL);
  names = g_strjoinv (", ", (char **) ok->pdata);
  if (bad->len > 0)
    add (x, "plugins", SV_CHECK_FAIL, g_strdup (bad->str),
         g_strdup ("reinstall Sysvisor (./data/install.sh), or name installed plugins in "
                   "plugins.conf"));
  else
    add (x, "plugins", SV_CHECK_OK,
         g_strdup_printf ("%s load from %s", names[0] != '\0' ? names : "none", x->host->dir),
         NULL);
}

/* ---- the sysvisor user's subordinate ids (idmap-exclusive) ---- */

typedef struct
{
  guint n;       /* entries of the user */
  guint64 ids;   /* ids in them */
  guint64 slots; /* ranges of range-size ids that fit in them */
  guint64 first; /* lowest start */
  guint64 end;   /* past every entry, of every user */
} SubidSum;

static gboolean
sum_subids (const char *path, const char *user, const char *uid, guint64 range, SubidSum *s,
            GError **error)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;

  *s = (SubidSum){ .first = G_MAXUINT64 };
  if (!g_file_get_contents (path, &text, NULL, error))
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], ":", -1);
      guint64 start, count;

      if (g_strv_length (f) != 3
          || !g_ascii_string_to_unsigned (f[1], 10, 0, G_MAXUINT32, &start, NULL)
          || !g_ascii_string_to_unsigned (f[2], 10, 1, G_MAXUINT32, &count, NULL))
        continue;
      s->end = MAX (s->end, start + count);
      if (strcmp (f[0], user) != 0 && g_strcmp0 (f[0], uid) != 0)
        continue;
      s->n++;
      s->ids += count;
      s->slots += count / range;
      s->first = MIN (s->first, start);
    }
  return TRUE;
}

/* Ranges held in the allocation table (0 when there is no table yet), -1 on error. */
static gint64
held_ranges (const char *path, GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  JsonArray *ranges = NULL;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return 0;
  root = sv_json_parse_file (path, error);
  if (root == NULL
      || !sv_json_get_array (json_node_get_object (root), path, "ranges", TRUE, &ranges, error))
    return -1;
  return json_array_get_length (ranges);
}

typedef struct
{
  char *user;
  char *uid; /* the user's uid as text, NULL when there is no such user */
  char *uid_file;
  char *gid_file;
  guint64 range;
} SubidConfig;

static void
subid_config_clear (SubidConfig *c)
{
  g_free (c->user);
  g_free (c->uid);
  g_free (c->uid_file);
  g_free (c->gid_file);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SubidConfig, subid_config_clear)

static void
subid_config_read (Ctx *x, SubidConfig *c)
{
  g_autofree char *range = setting (x, "idmap-exclusive", "range-size");
  struct passwd *pw;

  c->user = setting (x, "idmap-exclusive", "user");
  if (c->user == NULL)
    c->user = g_strdup (SUBID_USER_DEFAULT);
  c->uid_file = setting (x, "idmap-exclusive", "subuid-file");
  if (c->uid_file == NULL)
    c->uid_file = g_strdup ("/etc/subuid");
  c->gid_file = setting (x, "idmap-exclusive", "subgid-file");
  if (c->gid_file == NULL)
    c->gid_file = g_strdup ("/etc/subgid");
  if (range == NULL
      || !g_ascii_string_to_unsigned (range, 10, 1, 2147483648u, &c->range, NULL))
    c->range = RANGE_SIZE_DEFAULT; /* a bad value is the plugin's probe's error */
  pw = getpwnam (c->user);
  c->uid = pw != NULL ? g_strdup_printf ("%u", (guint) pw->pw_uid) : NULL;
}

/* The installer's kind of line for @c->user, past every existing range. */
static char *
subid_line_fix (SubidConfig *c, const SubidSum *su, const SubidSum *sg)
{
  guint64 start = MAX (MAX (su->end, sg->end), 100000);

  start = (start + 65535) / 65536 * 65536;
  return g_strdup_printf ("run ./data/install.sh (it adds them), or add the line %s:%" G_GUINT64_FORMAT
                          ":%u to both %s and %s",
                          c->user, start, INSTALLER_SUBID_COUNT, c->uid_file, c->gid_file);
}

/* The exclusive plugin's own validation: entries equal in both files, no overlap, no id 0, a
 * readable allocation table. */
static gboolean
probe_exclusive (Ctx *x, GError **error)
{
  x->host->role[SV_ROLE_IDMAP] = sv_plugin_load (x->host->dir, "idmap-exclusive", error);
  return x->host->role[SV_ROLE_IDMAP] != NULL
         && sv_plugin_host_probe (x->host, SV_ROLE_IDMAP, error);
}

static void
report_capacity (Ctx *x, SubidConfig *c, const SubidSum *su, const SubidSum *sg)
{
  g_autofree char *table = g_build_filename (x->host->host.lib_dir, IDMAP_TABLE_FILE, NULL);
  g_autofree char *where = NULL;
  g_autoptr (GError) error = NULL;
  guint64 cap = MIN (su->slots, sg->slots), free_slots;
  gint64 held = held_ranges (table, &error);

  if (held < 0)
    {
      add (x, "subordinate ids", SV_CHECK_FAIL, g_strdup (error->message),
           g_strdup_printf ("move %s aside once no container runs", table));
      return;
    }
  free_slots = cap > (guint64) held ? cap - (guint64) held : 0;
  where = su->n == 1 ? g_strdup_printf ("%" G_GUINT64_FORMAT " ids from %" G_GUINT64_FORMAT,
                                        su->ids, su->first)
                     : g_strdup_printf ("%" G_GUINT64_FORMAT " ids in %u entries", su->ids,
                                        su->n);
  add (x, "subordinate ids", free_slots > 0 ? SV_CHECK_OK : SV_CHECK_FAIL,
       g_strdup_printf ("user %s: %s in %s and %s: room for %" G_GUINT64_FORMAT
                        " containers of %" G_GUINT64_FORMAT " ids; %" G_GINT64_FORMAT
                        " held (%s), %" G_GUINT64_FORMAT " free",
                        c->user, where, c->uid_file, c->gid_file, cap, c->range, held, table,
                        free_slots),
       g_strdup_printf ("delete containers, or grow the range of %s in %s and %s (the same "
                        "line in both)",
                        c->user, c->uid_file, c->gid_file));
}

static void
check_subids (Ctx *x)
{
  const char *idmap = x->conf->backend[SV_ROLE_IDMAP];
  g_auto (SubidConfig) c = { 0 };
  g_autoptr (GError) error = NULL;
  SubidSum su, sg;

  if (g_strcmp0 (idmap, "auto") != 0 && g_strcmp0 (idmap, "exclusive") != 0)
    {
      add (x, "subordinate ids", SV_CHECK_OK,
           g_strdup_printf ("idmap = %s in plugins.conf: no exclusive ranges are used", idmap),
           NULL);
      return;
    }
  subid_config_read (x, &c);
  if (!sum_subids (c.uid_file, c.user, c.uid, c.range, &su, &error)
      || !sum_subids (c.gid_file, c.user, c.uid, c.range, &sg, &error))
    add (x, "subordinate ids", SV_CHECK_FAIL, g_strdup (error->message),
         g_strdup ("run ./data/install.sh (it writes /etc/subuid and /etc/subgid)"));
  else if (su.n == 0 || sg.n == 0)
    add (x, "subordinate ids", SV_CHECK_FAIL,
         g_strdup_printf ("user %s has no entry in %s: containers get no exclusive range",
                          c.user, su.n == 0 ? c.uid_file : c.gid_file),
         subid_line_fix (&c, &su, &sg));
  else if (!probe_exclusive (x, &error))
    add (x, "subordinate ids", SV_CHECK_FAIL, g_strdup (error->message),
         g_strdup_printf ("correct the entries of %s in %s and %s as said", c.user, c.uid_file,
                          c.gid_file));
  else
    report_capacity (x, &c, &su, &sg);
}

/* ---- Docker ---- */

static gboolean
dockerd_installed (void)
{
  g_autofree char *path = g_find_program_in_path ("dockerd");

  return path != NULL || g_file_test ("/usr/bin/dockerd", G_FILE_TEST_IS_EXECUTABLE)
         || g_file_test ("/usr/sbin/dockerd", G_FILE_TEST_IS_EXECUTABLE);
}

static void
load_docker (Ctx *x)
{
  g_autoptr (GError) error = NULL;
  gboolean exists;

  x->daemon_json = sv_host_check_daemon_json_path ();
  exists = g_file_test (x->daemon_json, G_FILE_TEST_EXISTS);
  x->docker_installed = exists || dockerd_installed ();
  if (!exists)
    return;
  x->docker_node = sv_json_parse_file (x->daemon_json, &error);
  if (x->docker_node == NULL)
    x->docker_error = g_strdup (error->message);
  else
    x->docker = json_node_get_object (x->docker_node);
}

/* " (not this sysvisor-runc, /path)" when @path is another file than the running binary. */
static char *
other_binary_note (const char *path)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  struct stat a, b;

  if (self == NULL || stat (path, &a) < 0 || stat (self, &b) < 0
      || (a.st_dev == b.st_dev && a.st_ino == b.st_ino))
    return g_strdup ("");
  return g_strdup_printf (" (not this sysvisor-runc, %s)", self);
}

static void
check_docker_runtime (Ctx *x)
{
  const char *name = "docker runtime";
  g_autofree char *fix = g_strdup_printf (
      "run ./data/install.sh --docker-only, or add \"runtimes\": {\"sysvisor-runc\": "
      "{\"path\": \"%s/sysvisor-runc\"}} to %s; then reload dockerd (systemctl reload docker)",
      SV_SBINDIR, x->daemon_json);
  JsonObject *runtimes = member_object (x->docker, "runtimes");
  JsonObject *entry = member_object (runtimes, "sysvisor-runc");
  const char *path = member_string (entry, "path");
  const char *def = member_string (x->docker, "default-runtime");
  g_autofree char *note = NULL;

  if (!x->docker_installed)
    add (x, name, SV_CHECK_OK,
         g_strdup_printf ("Docker is not installed (no dockerd, no %s): nothing to register",
                          x->daemon_json),
         NULL);
  else if (x->docker_error != NULL)
    add (x, name, SV_CHECK_FAIL, g_strdup (x->docker_error),
         g_strdup_printf ("correct %s (dockerd does not start with it either)", x->daemon_json));
  else if (x->docker == NULL)
    add (x, name, SV_CHECK_WARN,
         g_strdup_printf ("%s does not exist: Docker does not know sysvisor-runc",
                          x->daemon_json),
         g_steal_pointer (&fix));
  else if (entry == NULL && runtimes != NULL && json_object_has_member (runtimes, "sysvisor-runc"))
    add (x, name, SV_CHECK_FAIL,
         g_strdup_printf ("runtimes.sysvisor-runc in %s is not an object with a \"path\"",
                          x->daemon_json),
         g_strdup_printf ("make it {\"path\": \"%s/sysvisor-runc\"}, then reload dockerd "
                          "(systemctl reload docker)",
                          SV_SBINDIR));
  else if (entry == NULL)
    add (x, name, SV_CHECK_WARN,
         g_strdup_printf ("%s has no runtimes.sysvisor-runc: docker run "
                          "--runtime=sysvisor-runc fails",
                          x->daemon_json),
         g_steal_pointer (&fix));
  else if (path == NULL || !g_file_test (path, G_FILE_TEST_IS_EXECUTABLE)
           || g_file_test (path, G_FILE_TEST_IS_DIR))
    add (x, name, SV_CHECK_FAIL,
         g_strdup_printf ("runtimes.sysvisor-runc.path in %s is %s%s%s, not an executable file",
                          x->daemon_json, path != NULL ? "\"" : "missing",
                          path != NULL ? path : "", path != NULL ? "\"" : ""),
         g_strdup_printf ("set it to \"%s/sysvisor-runc\", then reload dockerd (systemctl "
                          "reload docker)",
                          SV_SBINDIR));
  else
    {
      note = other_binary_note (path);
      add (x, name, SV_CHECK_OK,
           g_strdup_printf ("%s: runtimes.sysvisor-runc = %s%s; default runtime: %s",
                            x->daemon_json, path, note,
                            def != NULL ? def : "runc (Docker's own default)"),
           NULL);
    }
}

static char *
picked (Ctx *x, SvRole role, gboolean mappings)
{
  return sv_plugins_conf_plugin_name (role, sv_plugin_host_backend (x->host, role, mappings));
}

static void
check_docker_remap (Ctx *x)
{
  const char *name = "docker userns-remap";
  const char *remap = member_string (x->docker, "userns-remap");
  gboolean on = remap != NULL && remap[0] != '\0';
  g_autofree char *idmap = picked (x, SV_ROLE_IDMAP, on);
  g_autofree char *shift = picked (x, SV_ROLE_SHIFT, on);

  if (!x->docker_installed)
    add (x, name, SV_CHECK_OK,
         g_strdup_printf ("Docker is not installed; specs without uid mappings get %s and %s",
                          idmap, shift),
         NULL);
  else if (x->docker_error != NULL)
    add (x, name, SV_CHECK_WARN, g_strdup_printf ("%s cannot be read (see above)", x->daemon_json),
         g_strdup_printf ("correct %s", x->daemon_json));
  else if (!on)
    add (x, name, SV_CHECK_OK,
         g_strdup_printf ("disabled in %s: Docker's specs carry no uid mappings, so each "
                          "container gets %s (an exclusive uid/gid range) and %s (shifting)",
                          x->daemon_json, idmap, shift),
         NULL);
  else if (strcmp (idmap, "idmap-exclusive") == 0)
    add (x, name, SV_CHECK_WARN,
         g_strdup_printf ("enabled (\"%s\") in %s, but idmap = %s in plugins.conf replaces "
                          "Docker's mappings with an exclusive range",
                          remap, x->daemon_json, x->conf->backend[SV_ROLE_IDMAP]),
         g_strdup ("set idmap = auto (or dockerremap) in plugins.conf to honour Docker's "
                   "mappings"));
  else
    add (x, name, SV_CHECK_OK,
         g_strdup_printf ("enabled (\"%s\") in %s: Docker's specs carry its mappings, so "
                          "containers get %s (Docker's range, shared) and %s",
                          remap, x->daemon_json, idmap,
                          strcmp (shift, "none") == 0 ? "no shifting" : shift),
         NULL);
}

/* ---- all of them ---- */

static void
ctx_init (Ctx *x, const char *plugins_conf_path, GError **conf_error)
{
  x->userns = -1;
  x->results = g_ptr_array_new_with_free_func (result_free);
  x->conf = sv_plugins_conf_load (plugins_conf_path, conf_error);
  if (x->conf == NULL)
    x->conf = sv_plugins_conf_load ("", NULL); /* open ("") fails with ENOENT: the defaults */
  x->host = sv_plugin_host_new (x->conf, SV_DEFAULT_ROOT);
  load_docker (x);
}

/* Frees all but the results, which it returns. */
static GPtrArray *
ctx_finish (Ctx *x)
{
  if (x->userns >= 0)
    close (x->userns);
  sv_plugin_host_free (x->host);
  sv_plugins_conf_free (x->conf);
  g_clear_pointer (&x->docker_node, json_node_unref);
  g_free (x->docker_error);
  return x->results;
}

GPtrArray *
sv_host_check_run (const char *plugins_conf_path)
{
  g_autoptr (GError) conf_error = NULL;
  Ctx x = { 0 };

  ctx_init (&x, plugins_conf_path, &conf_error);
  check_root (&x);
  check_plugins_conf (&x, plugins_conf_path, conf_error);
  check_kernel (&x);
  check_userns (&x);
  check_idmap_mounts (&x);
  check_overlay (&x);
  check_storage (&x);
  check_fuse (&x);
  check_sysvisor_fs (&x);
  check_cgroups (&x);
  check_plugins (&x);
  check_subids (&x);
  check_docker_runtime (&x);
  check_docker_remap (&x);
  return ctx_finish (&x);
}

GPtrArray *
sv_host_check_docker (const char *plugins_conf_path)
{
  Ctx x = { 0 };
  g_autofree char *data_root = NULL;

  ctx_init (&x, plugins_conf_path, NULL);
  data_root = docker_data_root (&x); /* as check_idmap_mounts reads it */
  check_docker_runtime (&x);
  check_docker_remap (&x);
  return ctx_finish (&x);
}
