/* idmap-dockerremap.c: honour the uid/gid mappings Docker's userns-remap wrote in config.json.
 *
 * All containers of a remapping dockerd share its range; nothing is allocated and the spec's
 * mappings are used unchanged.  prepare refuses a spec without mappings, mappings that give
 * host id 0 to the container, and mappings whose container ids are not 0..N-1.  It compares
 * the mappings with the remap user's subordinate ids (a mismatch is a warning: dockerd may use
 * other files or flags) and applies the user guide's bind-mount rule for remap enabled: the
 * source of every bind mount is owned by the remap uid:gid, except Docker's own files under
 * its data root (/etc/hosts, /etc/resolv.conf, /etc/hostname, volumes).
 *
 * plugins.conf:
 *   [idmap-dockerremap]
 *   docker-daemon-json = /etc/docker/daemon.json   # userns-remap, data-root
 *   docker-data-root = /var/lib/docker             # overrides the rest
 *
 * Without docker-data-root, the data root is the one of the dockerd that made the container
 * (its rootfs and its hosts/hostname/resolv.conf sources tell it: dockerd --data-root), else
 * daemon.json's.
 *   subuid-file = /etc/subuid
 *   subgid-file = /etc/subgid
 */
#include <sysvisor/plugin.h>

#include "sv-daemon-json.h"
#include "remap-rules.h"
#include "sv-subid.h"

#include <gio/gio.h>
#include <grp.h>
#include <pwd.h>

typedef struct
{
  const char *daemon_json;
  const char *data_root; /* NULL: from daemon.json */
  const char *subuid_file;
  const char *subgid_file;
} Config;

static const char *
setting_or (SvContainer *c, const char *key, const char *fallback)
{
  const char *v = sv_container_setting (c, key);

  return v != NULL && v[0] != '\0' ? v : fallback;
}

static void
config_read (SvContainer *c, Config *cfg)
{
  cfg->daemon_json = setting_or (c, "docker-daemon-json", SV_DOCKER_DAEMON_JSON);
  cfg->data_root = setting_or (c, "docker-data-root", NULL);
  cfg->subuid_file = setting_or (c, "subuid-file", "/etc/subuid");
  cfg->subgid_file = setting_or (c, "subgid-file", "/etc/subgid");
}

static gboolean
check_mappings (SvContainer *c, GError **error)
{
  const SvIdMapping *uids, *gids;
  guint n_uids, n_gids;

  if (!sv_container_spec_has_mappings (c))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "the dockerremap backend needs Docker userns-remap: config.json has no "
                   "linux.uidMappings/gidMappings (dockerd writes them when it runs with "
                   "--userns-remap); use idmap = auto in plugins.conf, which gives such a "
                   "container an exclusive range");
      return FALSE;
    }
  uids = sv_container_uid_mappings (c, &n_uids);
  gids = sv_container_gid_mappings (c, &n_gids);
  return sv_remap_check_mappings ("linux.uidMappings", uids, n_uids, error)
         && sv_remap_check_mappings ("linux.gidMappings", gids, n_gids, error);
}

/* Warn when the mappings are not @name's entries in @path (how dockerd builds them). */
static void
compare_with_subids (SvContainer *c, const char *field, const SvIdMapping *maps, guint n,
                     const char *path, const char *name, const char *numeric)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (SvSubidFile) f = sv_subid_file_read (path, name, numeric, &local);
  g_autoptr (GPtrArray) entries = NULL;
  g_autofree char *mismatch = NULL;

  if (f == NULL)
    {
      g_warning ("container %s: cannot compare %s with Docker's remap range: %s",
                 sv_container_id (c), field, local->message);
      return;
    }
  entries = sv_subid_entries_of (f, name, numeric);
  mismatch = sv_remap_mappings_mismatch (maps, n, entries);
  if (mismatch != NULL)
    g_warning ("container %s: %s do not match Docker's userns-remap (%s in %s): %s; the "
               "container runs with the spec's mappings",
               sv_container_id (c), field, name, path, mismatch);
}

static void
compare_with_docker (SvContainer *c, const Config *cfg, SvDockerDaemon *d)
{
  const SvIdMapping *maps;
  guint n;
  g_autofree char *uid = NULL;
  g_autofree char *gid = NULL;
  struct passwd *pw;
  struct group *gr;

  if (d->remap == NULL)
    {
      g_debug ("%s%s names no userns-remap: not comparing the spec's mappings with it", d->path,
               d->exists ? "" : " (missing)");
      return;
    }
  pw = getpwnam (d->remap_user);
  uid = pw != NULL ? g_strdup_printf ("%u", (guint) pw->pw_uid) : NULL;
  gr = getgrnam (d->remap_group);
  gid = gr != NULL ? g_strdup_printf ("%u", (guint) gr->gr_gid) : NULL;
  maps = sv_container_uid_mappings (c, &n);
  compare_with_subids (c, "linux.uidMappings", maps, n, cfg->subuid_file, d->remap_user, uid);
  maps = sv_container_gid_mappings (c, &n);
  compare_with_subids (c, "linux.gidMappings", maps, n, cfg->subgid_file, d->remap_group, gid);
}

static gboolean
check_bind_mounts (SvContainer *c, const char *data_root, GError **error)
{
  gint64 uid = sv_container_root_uid (c);
  gint64 gid = sv_container_root_gid (c);

  for (guint i = 0; i < sv_container_n_mounts (c); i++)
    {
      if (!sv_container_mount_is_bind (c, i))
        continue;
      if (!sv_remap_check_bind_source (i, sv_container_mount_source (c, i),
                                       sv_container_mount_destination (c, i), data_root, uid, gid,
                                       error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
dockerremap_prepare (SvContainer *c, GError **error)
{
  g_autoptr (SvDockerDaemon) daemon = NULL;
  g_autofree char *maker_root = NULL;
  Config cfg;

  config_read (c, &cfg);
  if (!check_mappings (c, error))
    return FALSE;
  daemon = sv_docker_daemon_read (cfg.daemon_json, error);
  if (daemon == NULL)
    return FALSE;
  compare_with_docker (c, &cfg, daemon);
  if (cfg.data_root == NULL)
    maker_root = sv_container_docker_data_root (c);
  return check_bind_mounts (c,
                            cfg.data_root != NULL ? cfg.data_root
                            : maker_root != NULL  ? maker_root
                                                  : daemon->data_root,
                            error);
}

SV_PLUGIN_DEFINE_FIELDS (.name = "idmap-dockerremap", .role = SV_ROLE_IDMAP,
                         .description = "the uid/gid mappings of config.json, as Docker's "
                                        "userns-remap writes them",
                         .version = SV_PLUGIN_VERSION, .prepare = dockerremap_prepare)
