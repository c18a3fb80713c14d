/* host-check.c: the checks of `sysvisor-runc check` (see host-check.h).  Each check of the
 * core is one function that adds one result; the probes that do the real thing (a user
 * namespace, an ID-mapped mount, an overlay over ID-mapped layers) are in host-probe.c.  What
 * is particular to a plugin (its settings, its files, its daemon) the plugin reports itself,
 * through its check hook (sysvisor/plugin.h): the core only gathers those lines. */
#include "host-check.h"

#include "host-probe.h"
#include "json-util.h"
#include "plugin-host.h"
#include "storage.h"
#include "sv-config.h"
#include "utils.h"
#include "sv-error.h"
#include "sv-mount.h"
#include "sv-path.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>

#define DEFAULT_DAEMON_JSON "/etc/docker/daemon.json"

typedef struct
{
  GPtrArray *results;
  SvPluginsConf *conf;
  SvPluginHost *host;
  int userns; /* scratch user namespace, -1 when none could be made */
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

/* The accessor of sysvisor/plugin.h: the same file for every plugin. */
const char *
sv_host_docker_daemon_json (SvHost *host)
{
  return sv_host_check_daemon_json_path ();
}

static void
result_free (gpointer p)
{
  SvCheckResult *r = p;

  g_free (r->name);
  g_free (r->detail);
  g_free (r->fix);
  g_free (r);
}

/* Takes @detail and @fix. */
static void
add_result (GPtrArray *results, const char *name, SvCheckStatus status, char *detail, char *fix)
{
  SvCheckResult *r = g_new0 (SvCheckResult, 1);

  r->name = g_strdup (name);
  r->status = status;
  r->detail = detail;
  if (status == SV_CHECK_OK)
    g_free (fix);
  else
    r->fix = fix;
  g_ptr_array_add (results, r);
}

static void
add (Ctx *x, const char *name, SvCheckStatus status, char *detail, char *fix)
{
  add_result (x->results, name, status, detail, fix);
}

/* What a plugin's check hook writes to (sysvisor/plugin.h). */
struct _SvCheckReport
{
  GPtrArray *results;
};

void
sv_check_report_add (SvCheckReport *report, SvCheckStatus status, const char *name,
                     const char *fix, const char *detail_format, ...)
{
  va_list ap;
  char *detail;

  g_return_if_fail (report != NULL && name != NULL && detail_format != NULL);
  va_start (ap, detail_format);
  detail = g_strdup_vprintf (detail_format, ap);
  va_end (ap);
  if ((int) status < SV_CHECK_OK || status > SV_CHECK_FAIL)
    status = SV_CHECK_FAIL;
  if (status != SV_CHECK_OK && (fix == NULL || fix[0] == '\0'))
    fix = "the plugin gave no fix; see its documentation";
  add_result (report->results, name, status, detail, g_strdup (fix));
}

static gboolean
role_is_none (Ctx *x, SvRole role)
{
  return g_strcmp0 (x->conf->backend[role], "none") == 0;
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
  g_autofree char *dir = sv_path_nearest_existing (canon);
  g_autofree char *fstype = sv_mount_fstype (dir);
  gboolean exists = strcmp (dir, canon) == 0;
  const char *comma = exists ? "" : ",";
  g_autofree char *where = NULL;
  g_autoptr (GError) error = NULL;

  if (exists)
    where = g_strdup_printf ("%s %s (%s)", what, dir, fstype);
  else
    where = g_strdup_printf ("%s %s does not exist yet; %s (%s), which will hold it", what, canon,
                             dir, fstype);
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

static void
check_idmap_mounts (Ctx *x)
{
  SvCheckStatus shift_bad = role_is_none (x, SV_ROLE_SHIFT) ? SV_CHECK_WARN : SV_CHECK_FAIL;

  check_idmap_path (x, "id-mapped mounts: sysvisor", "the lib dir", x->host->host.lib_dir,
                    shift_bad);
}

static void
check_overlay (Ctx *x)
{
  const char *name = "overlay on id-mapped layers";
  const char *lib = x->host->host.lib_dir;
  SvCheckStatus bad = role_is_none (x, SV_ROLE_SHIFT) ? SV_CHECK_WARN : SV_CHECK_FAIL;
  g_autofree char *fstype = sv_mount_fstype (lib);
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
  g_autofree char *fstype = sv_mount_fstype (lib);
  g_autofree char *paths = g_strjoinv (" ", x->conf->storage_paths);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) orphans = NULL;

  if (x->conf->storage_paths[0] == NULL)
    {
      add (x, name, SV_CHECK_OK, g_strdup ("storage-paths = none: no path is backed"), NULL);
      return;
    }
  orphans = sv_storage_orphans (lib, NULL, SV_STORAGE_LIST, NULL, &error);
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
    add (x, "fuse", bad, g_strdup_printf ("/dev/fuse does not open: %s", sv_strerror (errno)),
         g_strdup ("modprobe fuse, and run as root"));
  else
    add (x, "fuse", SV_CHECK_OK,
         g_strdup_printf ("/dev/fuse (%u:%u) opens", major (st.st_rdev), minor (st.st_rdev)),
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

/* What a role left empty means, for its line (the role's own words, not a plugin's). */
static const char *const role_none_detail[SV_N_ROLES] = {
  "no plugin chooses uid/gid mappings: containers keep those of their config.json",
  "the rootfs and bind mounts are not shifted: chown each rootfs to its container's id range",
  "containers see the kernel's own /proc and /sys files",
};

/* A role that no spec gives a plugin: one line saying so. */
static void
check_role_none (Ctx *x, SvRole role)
{
  if (g_strcmp0 (sv_plugin_host_backend (x->host, role, FALSE), "none") != 0
      || g_strcmp0 (sv_plugin_host_backend (x->host, role, TRUE), "none") != 0)
    return;
  add (x, sv_role_name (role), SV_CHECK_OK,
       g_strdup_printf ("%s = %s in plugins.conf: %s", sv_role_name (role),
                        x->conf->backend[role], role_none_detail[role]),
       NULL);
}

/* Every plugin plugins.conf may choose (auto: for specs with and without uid mappings), loaded
 * as create loads it (installed, trusted, of a compatible ABI, filling its role). */
static GPtrArray *
load_candidates (Ctx *x, GString *bad)
{
  GPtrArray *loaded = g_ptr_array_new_with_free_func ((GDestroyNotify) sv_loaded_plugin_free);
  g_autoptr (GPtrArray) tried = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < 2 * SV_N_ROLES; i++)
    {
      SvRole r = (SvRole) (i % SV_N_ROLES);
      const char *backend = sv_plugin_host_backend (x->host, r, i >= SV_N_ROLES);
      g_autofree char *name = sv_plugins_conf_plugin_name (r, backend);
      g_autoptr (GError) error = NULL;
      SvLoadedPlugin *p;

      if (g_strcmp0 (backend, "none") == 0 || str_in (tried, name))
        continue;
      g_ptr_array_add (tried, g_steal_pointer (&name));
      p = sv_plugin_load_for_role (x->host->dir, r, backend, &error);
      if (p == NULL)
        g_string_append_printf (bad, "%s%s", bad->len > 0 ? "; " : "", error->message);
      else
        g_ptr_array_add (loaded, p);
    }
  return loaded;
}

static void
report_loaded (Ctx *x, GPtrArray *loaded, GString *bad)
{
  g_autoptr (GString) names = g_string_new (NULL);

  for (guint i = 0; i < loaded->len; i++)
    {
      SvLoadedPlugin *p = loaded->pdata[i];
      g_string_append_printf (names, "%s%s", i > 0 ? ", " : "", p->desc->name);
      if (p->version != NULL)
        g_string_append_printf (names, " %s", p->version);
    }
  if (bad->len > 0)
    add (x, "plugins", SV_CHECK_FAIL, g_strdup (bad->str),
         g_strdup ("reinstall Sysvisor (./data/install.sh), or name installed plugins in "
                   "plugins.conf"));
  else
    add (x, "plugins", SV_CHECK_OK,
         g_strdup_printf ("%s load from %s", names->len > 0 ? names->str : "none", x->host->dir),
         NULL);
}

/* The plugin's own lines: its check hook, or else one line with its probe's verdict. */
static void
check_plugin (Ctx *x, SvLoadedPlugin *p)
{
  SvCheckReport report = { .results = x->results };
  const char *role = sv_role_name (p->desc->role);
  guint before = x->results->len;
  g_autoptr (GError) error = NULL;

  if (sv_plugin_host_check (x->host, p, &report))
    {
      if (x->results->len == before)
        add (x, p->desc->name, SV_CHECK_OK, g_strdup ("its check reports nothing to say"), NULL);
      return;
    }
  if (sv_plugin_host_probe_plugin (x->host, p, &error))
    add (x, p->desc->name, SV_CHECK_OK,
         g_strdup_printf ("%s (%s)",
                          p->desc->probe != NULL ? "its probe passes"
                                                 : "it has no host requirement to check",
                          p->desc->description != NULL ? p->desc->description : role),
         NULL);
  else
    add (x, p->desc->name, SV_CHECK_FAIL, g_strdup (error->message),
         g_strdup_printf ("as said, or name another %s plugin in plugins.conf", role));
}

static void
check_plugins (Ctx *x)
{
  g_autoptr (GString) bad = g_string_new (NULL);
  g_autoptr (GPtrArray) loaded = load_candidates (x, bad);

  report_loaded (x, loaded, bad);
  for (int r = 0; r < SV_N_ROLES; r++)
    check_role_none (x, (SvRole) r);
  for (guint i = 0; i < loaded->len; i++)
    check_plugin (x, loaded->pdata[i]);
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
  else if (entry == NULL && runtimes != NULL
           && json_object_has_member (runtimes, "sysvisor-runc"))
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

/* The idmap plugin for specs with Docker's mappings is the one `auto` gives specs without
 * any (plugins.conf names it explicitly): it replaces Docker's mappings with its own. */
static gboolean
replaces_docker_mappings (Ctx *x, const char *idmap)
{
  g_autofree char *unmapped =
      sv_plugins_conf_plugin_name (SV_ROLE_IDMAP, x->conf->auto_backend[SV_ROLE_IDMAP][0]);
  g_autofree char *mapped =
      sv_plugins_conf_plugin_name (SV_ROLE_IDMAP, x->conf->auto_backend[SV_ROLE_IDMAP][1]);

  return g_strcmp0 (x->conf->backend[SV_ROLE_IDMAP], "auto") != 0 && strcmp (idmap, unmapped) == 0
         && strcmp (idmap, mapped) != 0;
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
    add (x, name, SV_CHECK_WARN,
         g_strdup_printf ("%s cannot be read (see above)", x->daemon_json),
         g_strdup_printf ("correct %s", x->daemon_json));
  else if (!on)
    add (x, name, SV_CHECK_OK,
         g_strdup_printf ("disabled in %s: Docker's specs carry no uid mappings, so each "
                          "container gets %s (idmap) and %s (shift)",
                          x->daemon_json, idmap, shift),
         NULL);
  else if (replaces_docker_mappings (x, idmap))
    add (x, name, SV_CHECK_WARN,
         g_strdup_printf ("enabled (\"%s\") in %s, but idmap = %s in plugins.conf replaces "
                          "Docker's mappings with its own (%s)",
                          remap, x->daemon_json, x->conf->backend[SV_ROLE_IDMAP], idmap),
         g_strdup_printf ("set idmap = auto (or %s) in plugins.conf to honour Docker's "
                          "mappings",
                          x->conf->auto_backend[SV_ROLE_IDMAP][1]));
  else
    add (x, name, SV_CHECK_OK,
         g_strdup_printf ("enabled (\"%s\") in %s: Docker's specs carry its mappings, so "
                          "containers get %s (idmap) and %s",
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
  check_cgroups (&x);
  check_plugins (&x);
  check_docker_runtime (&x);
  check_docker_remap (&x);
  return ctx_finish (&x);
}

GPtrArray *
sv_host_check_docker (const char *plugins_conf_path)
{
  Ctx x = { 0 };

  ctx_init (&x, plugins_conf_path, NULL);
  check_docker_runtime (&x);
  check_docker_remap (&x);
  return ctx_finish (&x);
}
