/* idmap-exclusive.c: every container gets its own range of host uids/gids.
 *
 * The ranges are slots of range-size ids carved from the subordinate ids of one user (by
 * default "sysvisor", whose /etc/subuid and /etc/subgid entries the installer writes).  The
 * slot a container holds is recorded under <lib dir>/idmap-exclusive/ (see idmap-store.h)
 * from prepare until release; ranges of containers that no longer exist (a create that
 * crashed, a reboot) are reclaimed by later prepares (each looks at 64 holders in turn, at all
 * of them when no slot is free).  The uid and gid ranges are equal.
 *
 * plugins.conf:
 *   [idmap-exclusive]
 *   user = sysvisor            # whose subordinate ids are handed out
 *   subuid-file = /etc/subuid
 *   subgid-file = /etc/subgid
 *   range-size = 65536         # ids per container
 *
 * A Kubernetes (or Podman) pod holds one range: the sandbox (CRI annotation
 * io.kubernetes.cri.container-type = sandbox; a Podman infra container) reserves it, the pod's
 * other containers (container-type = container, io.kubernetes.cri.sandbox-id = the sandbox;
 * CRI-O's io.kubernetes.cri-o.ContainerType and SandboxID alike) join it, and it is
 * freed when the last of them is released (the core has checked that the sandbox is a live
 * Sysvisor container of the same state root, see core/runtime/pod.c).
 *
 * With `idmap = exclusive` set explicitly, a config.json that carries linux.uidMappings /
 * gidMappings (as Docker's userns-remap writes) has them REPLACED by the container's
 * exclusive range; `idmap = auto` never chooses this plugin for such a spec. */
#include <sysvisor/plugin.h>

#include "idmap-store.h"
#include "sv-file.h"
#include "sv-subid.h"

#include <gio/gio.h>
#include <pwd.h>
#include <unistd.h>

#define DEFAULT_USER "sysvisor"
#define DEFAULT_SUBUID_FILE "/etc/subuid"
#define DEFAULT_SUBGID_FILE "/etc/subgid"
#define DEFAULT_RANGE_SIZE 65536u
#define MAX_RANGE_SIZE 2147483648u

typedef struct
{
  const char *user;
  const char *subuid_file;
  const char *subgid_file;
  guint32 range_size;
  char *user_uid; /* the user's uid as text when the user exists (entries may name it) */
} Config;

static void
config_clear (Config *cfg)
{
  g_clear_pointer (&cfg->user_uid, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Config, config_clear)

/* The core calls probe with the host right before prepare; prepare has no other way to
 * reach the SvHost that sv_host_container_alive() takes (plugin.h has no accessor for it). */
static SvHost *probed_host;

/* In a create, release also runs after a failed probe or prepare: then this process holds no
 * range and must not touch the table again (it may be what failed). */
static gboolean nothing_reserved;

/* The settings of [idmap-exclusive] (from a container hook: its host), checked with the SDK's
 * typed getters: one wording for every bad value. */
static gboolean
config_read (SvHost *host, Config *cfg, GError **error)
{
  const char *v;
  guint64 range;

  v = sv_host_setting (host, "user");
  cfg->user = v != NULL && v[0] != '\0' ? v : DEFAULT_USER;
  if (!sv_host_setting_path (host, "subuid-file", DEFAULT_SUBUID_FILE, &cfg->subuid_file, error)
      || !sv_host_setting_path (host, "subgid-file", DEFAULT_SUBGID_FILE, &cfg->subgid_file,
                                error)
      || !sv_host_setting_uint (host, "range-size", 1, MAX_RANGE_SIZE, DEFAULT_RANGE_SIZE, &range,
                                error))
    return FALSE;
  cfg->range_size = (guint32) range;
  return TRUE;
}

/* Whether an entry of @text (a subordinate id file; NULL: none) names its owner by number
 * (then the user's uid is needed). */
static gboolean
names_by_number (const char *text)
{
  g_auto (GStrv) lines = NULL;

  if (text == NULL)
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_ascii_isdigit (g_strstrip (lines[i])[0]))
      return TRUE;
  return FALSE;
}

/* The user's uid as text, looked up only when an entry may name it so: the name service
 * (nss_systemd and the like) costs more than the rest of the allocation. */
static void
config_resolve_uid (Config *cfg, const char *uid_text, const char *gid_text)
{
  struct passwd *pw;

  if (!names_by_number (uid_text) && !names_by_number (gid_text))
    return;
  pw = getpwnam (cfg->user);
  cfg->user_uid = pw != NULL ? g_strdup_printf ("%u", (guint) pw->pw_uid) : NULL;
}

/* Both subordinate id files, each read once (a missing file reads as empty).  The errors come
 * in the order of the files: subuid's read and parse, then subgid's. */
static gboolean
config_read_files (Config *cfg, SvSubidFile **uids, SvSubidFile **gids, GError **error)
{
  g_autofree char *uid_text = NULL;
  g_autofree char *gid_text = NULL;
  g_autoptr (GError) gid_error = NULL;
  gboolean gid_read;

  if (!sv_file_read_optional (cfg->subuid_file, 0, &uid_text, NULL, NULL, error))
    return FALSE;
  gid_read = sv_file_read_optional (cfg->subgid_file, 0, &gid_text, NULL, NULL, &gid_error);
  config_resolve_uid (cfg, uid_text, gid_text);
  *uids = sv_subid_file_parse (cfg->subuid_file, uid_text, cfg->user, cfg->user_uid, error);
  if (*uids == NULL)
    return FALSE;
  if (!gid_read)
    {
      g_propagate_error (error, g_steal_pointer (&gid_error));
      return FALSE;
    }
  *gids = sv_subid_file_parse (cfg->subgid_file, gid_text, cfg->user, cfg->user_uid, error);
  return *gids != NULL;
}

/* The user's subordinate ids, checked (see sv_subid_user_pools). */
static GArray *
config_pools (Config *cfg, GError **error)
{
  g_autoptr (SvSubidFile) uids = NULL;
  g_autoptr (SvSubidFile) gids = NULL;

  if (!config_read_files (cfg, &uids, &gids, error))
    return NULL;
  return sv_subid_user_pools (uids, gids, cfg->user, cfg->user_uid, cfg->range_size, error);
}

static char *
exhausted_hint (const Config *cfg, GArray *pools)
{
  SvIdPool *last = &g_array_index (pools, SvIdPool, pools->len - 1);
  guint64 grown = MIN ((guint64) last->count * 2, (guint64) G_MAXUINT32 + 1 - last->start);

  return g_strdup_printf ("grow the range of user %s in %s and %s, the same line in both (e.g. "
                          "%s:%u:%" G_GUINT64_FORMAT "; every %u ids more hold one more "
                          "container), or delete containers",
                          cfg->user, cfg->subuid_file, cfg->subgid_file, cfg->user, last->start,
                          grown, cfg->range_size);
}

/* The pools the probe read from the subordinate id files (with the same settings: prepare runs
 * right after it, in the same process), so that prepare does not read both files again. */
static GArray *probed_pools;

static void
probed_clear (void)
{
  g_clear_pointer (&probed_pools, g_array_unref);
}

static gboolean
exclusive_probe (SvHost *host, GError **error)
{
  g_auto (Config) cfg = { 0 };
  g_autoptr (GArray) pools = NULL;
  g_autoptr (SvIdmapTable) table = NULL;
  g_autofree char *path = NULL;

  probed_host = host;
  nothing_reserved = TRUE;
  probed_clear ();
  if (!config_read (host, &cfg, error))
    return FALSE;
  pools = config_pools (&cfg, error);
  if (pools == NULL)
    return FALSE;
  /* An older release's table that is corrupt stops every create (it cannot be converted): say
   * so here, as a host that cannot run the plugin.  No table: one access; the version 2 table
   * this release leaves there: one read, compared, not parsed. */
  path = sv_idmap_table_path (sv_host_lib_dir (host));
  if (access (path, F_OK) == 0 && (table = sv_idmap_table_load (path, error)) == NULL)
    return FALSE;
  probed_pools = g_steal_pointer (&pools);
  return TRUE;
}

static gboolean
container_alive (const char *state_root, const char *id, gpointer host)
{
  return sv_host_container_alive (host, state_root, id);
}

/* The pod sandbox whose range @c joins, or NULL (a sandbox or a container of no pod):
 * containerd's CRI annotations, or CRI-O's (which Podman writes too). */
static const char *
pod_sandbox_of (SvContainer *c)
{
  static const char *const keys[][2] = {
    { "io.kubernetes.cri.container-type", "io.kubernetes.cri.sandbox-id" },
    { "io.kubernetes.cri-o.ContainerType", "io.kubernetes.cri-o.SandboxID" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      const char *type = sv_container_annotation (c, keys[i][0]);
      const char *sandbox = sv_container_annotation (c, keys[i][1]);
      if (type == NULL)
        continue;
      if (g_strcmp0 (type, "container") != 0 || sandbox == NULL || sandbox[0] == '\0'
          || g_strcmp0 (sandbox, sv_container_id (c)) == 0)
        return NULL;
      return sandbox;
    }
  return NULL;
}

static gboolean
exclusive_prepare (SvContainer *c, GError **error)
{
  g_auto (Config) cfg = { 0 };
  g_autoptr (GArray) pools = NULL;
  g_autofree char *root = g_canonicalize_filename (sv_container_state_root (c), NULL);
  g_autofree char *hint = NULL;
  SvIdmapRequest req = { 0 };
  SvIdMapping m = { 0 };

  if (!config_read (sv_container_host (c), &cfg, error))
    return FALSE;
  pools = probed_pools != NULL ? g_steal_pointer (&probed_pools) : config_pools (&cfg, error);
  if (pools == NULL)
    return FALSE;
  if (sv_container_spec_has_mappings (c))
    g_info ("container %s: idmap = exclusive replaces the linux.uidMappings/gidMappings of "
            "config.json with an exclusive range",
            sv_container_id (c));
  hint = exhausted_hint (&cfg, pools);
  req = (SvIdmapRequest){
    .lib_dir = sv_container_lib_dir (c),
    .pools = (const SvIdPool *) (gpointer) pools->data,
    .n_pools = pools->len,
    .range_size = cfg.range_size,
    .state_root = root,
    .id = sv_container_id (c),
    .pod_id = pod_sandbox_of (c),
    .alive = container_alive,
    .alive_data = probed_host,
    .exhausted_hint = hint,
  };
  gboolean ok;

  nothing_reserved = TRUE;
  ok = sv_idmap_reserve (&req, &m.host_id, &m.size, error);
  probed_clear ();
  if (!ok)
    return FALSE;
  nothing_reserved = FALSE;
  g_debug ("container %s: host ids %u-%u%s%s", sv_container_id (c), m.host_id,
           m.host_id + (m.size - 1), req.pod_id != NULL ? ", those of pod " : "",
           req.pod_id != NULL ? req.pod_id : "");
  return sv_container_set_mappings (c, &m, 1, &m, 1, error);
}

static void
exclusive_release (SvContainer *c)
{
  g_autofree char *root = g_canonicalize_filename (sv_container_state_root (c), NULL);
  g_autoptr (GError) error = NULL;

  if (nothing_reserved)
    return;
  if (!sv_idmap_release (sv_container_lib_dir (c), root, sv_container_id (c), &error))
    g_warning ("container %s: cannot free its host id range: %s", sv_container_id (c),
               error->message);
}

/* ---- check: the "subordinate ids" line of `sysvisor-runc check` ---- */

#define CHECK_NAME "subordinate ids"

/* The user has an entry in both files; else a line with the installer's kind of entry. */
static gboolean
check_has_entries (Config *cfg, SvCheckReport *report, GError **error)
{
  g_autoptr (SvSubidFile) uids = NULL;
  g_autoptr (SvSubidFile) gids = NULL;
  g_autoptr (GPtrArray) uid_entries = NULL;
  g_autoptr (GPtrArray) gid_entries = NULL;
  g_autofree char *fix = NULL;

  if (!config_read_files (cfg, &uids, &gids, error))
    {
      sv_check_report_add (report, SV_CHECK_FAIL, CHECK_NAME,
                           "run ./data/install.sh (it writes /etc/subuid and /etc/subgid)", "%s",
                           (*error)->message);
      return FALSE;
    }
  uid_entries = sv_subid_entries_of (uids, cfg->user, cfg->user_uid);
  gid_entries = sv_subid_entries_of (gids, cfg->user, cfg->user_uid);
  if (uid_entries->len > 0 && gid_entries->len > 0)
    return TRUE;
  fix = g_strdup_printf ("run ./data/install.sh (it adds them), or add the line %s:%u:%u to both "
                         "%s and %s",
                         cfg->user, sv_subid_suggest_start (uids, gids), SV_SUBID_INSTALLER_COUNT,
                         cfg->subuid_file, cfg->subgid_file);
  sv_check_report_add (report, SV_CHECK_FAIL, CHECK_NAME, fix,
                       "user %s has no entry in %s: containers get no exclusive range", cfg->user,
                       uid_entries->len == 0 ? cfg->subuid_file : cfg->subgid_file);
  return FALSE;
}

/* How many ranges the pools hold, and how many the allocation table has handed out. */
static void
check_capacity (Config *cfg, GArray *pools, SvIdmapTable *table, SvCheckReport *report)
{
  guint64 ids = 0, slots = 0, first = G_MAXUINT64, held = table->ranges->len, free_slots;
  g_autofree char *where = NULL;
  g_autofree char *fix = NULL;

  for (guint i = 0; i < pools->len; i++)
    {
      SvIdPool *p = &g_array_index (pools, SvIdPool, i);
      ids += p->count;
      slots += p->count / cfg->range_size;
      first = MIN (first, p->start);
    }
  free_slots = slots > held ? slots - held : 0;
  where = pools->len == 1
              ? g_strdup_printf ("%" G_GUINT64_FORMAT " ids from %" G_GUINT64_FORMAT, ids, first)
              : g_strdup_printf ("%" G_GUINT64_FORMAT " ids in %u entries", ids, pools->len);
  fix = g_strdup_printf ("delete containers, or grow the range of %s in %s and %s (the same line "
                         "in both)",
                         cfg->user, cfg->subuid_file, cfg->subgid_file);
  sv_check_report_add (report, free_slots > 0 ? SV_CHECK_OK : SV_CHECK_FAIL, CHECK_NAME, fix,
                       "user %s: %s in %s and %s: room for %" G_GUINT64_FORMAT
                       " containers of %u ids; %" G_GUINT64_FORMAT
                       " held (%s), %" G_GUINT64_FORMAT " free",
                       cfg->user, where, cfg->subuid_file, cfg->subgid_file, slots,
                       cfg->range_size, held, table->path, free_slots);
}

/* The settings, the user's entries (equal in both files, no overlap, no id 0), the allocation
 * table, and how many containers still fit. */
static void
exclusive_check (SvHost *host, SvCheckReport *report)
{
  g_auto (Config) cfg = { 0 };
  g_autoptr (GArray) pools = NULL;
  g_autoptr (SvIdmapTable) table = NULL;
  g_autofree char *fix = NULL;
  g_autoptr (GError) error = NULL;

  if (!config_read (host, &cfg, &error))
    {
      sv_check_report_add (report, SV_CHECK_FAIL, CHECK_NAME,
                           "correct the [idmap-exclusive] section of plugins.conf as said", "%s",
                           error->message);
      return;
    }
  if (!check_has_entries (&cfg, report, &error))
    return;
  pools = config_pools (&cfg, &error);
  if (pools == NULL)
    {
      fix = g_strdup_printf ("correct the entries of %s in %s and %s as said", cfg.user,
                             cfg.subuid_file, cfg.subgid_file);
      sv_check_report_add (report, SV_CHECK_FAIL, CHECK_NAME, fix, "%s", error->message);
      return;
    }
  table = sv_idmap_store_load_all (sv_host_lib_dir (host), &error);
  if (table == NULL)
    {
      fix = g_strdup (
          "restore or move aside the file it names, once no container with an exclusive "
          "range runs");
      sv_check_report_add (report, SV_CHECK_FAIL, CHECK_NAME, fix, "%s", error->message);
      return;
    }
  check_capacity (&cfg, pools, table, report);
}

SV_PLUGIN_DEFINE_FIELDS (.name = "idmap-exclusive", .role = SV_ROLE_IDMAP,
                         .description = "an exclusive uid/gid range per container, from the "
                                        "subordinate ids of a user",
                         .version = SV_PLUGIN_VERSION, .probe = exclusive_probe,
                         .prepare = exclusive_prepare, .release = exclusive_release,
                         .check = exclusive_check)
