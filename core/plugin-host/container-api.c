/* container-api.c: the accessors that plugins use (declared in sysvisor/plugin.h). */
#include "container.h"

#include "state.h"
#include "utils.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

static void
extra_mount_free (SvExtraMount *m)
{
  g_free (m->source);
  g_free (m->destination);
  sv_close_fdp (&m->tree_fd);
  g_free (m);
}

/* The spec, the state and the container hold the same SvIdMapping: a copy, no conversion. */
static GArray *
maps_copy (GArray *maps)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (SvIdMapping));

  if (maps != NULL)
    g_array_append_vals (out, maps->data, maps->len);
  return out;
}

static SvContainer *
container_alloc (SvHost *host, const char *id)
{
  SvContainer *c = g_new0 (SvContainer, 1);

  c->host = host;
  c->id = g_strdup (id);
  c->userns_fd = -1;
  c->rootfs_tree_fd = -1;
  c->extra_mounts = g_ptr_array_new_with_free_func ((GDestroyNotify) extra_mount_free);
  return c;
}

SvContainer *
sv_container_new (SvHost *host, const char *id, SvSpec *spec)
{
  SvContainer *c = container_alloc (host, id);

  c->spec = spec;
  c->bundle = g_strdup (spec->bundle);
  c->rootfs = g_strdup (spec->rootfs);
  c->uid_mappings = maps_copy (spec->uid_mappings);
  c->gid_mappings = maps_copy (spec->gid_mappings);
  c->mount_tree_fds = g_new (int, spec->mounts->len + 1);
  for (guint i = 0; i < spec->mounts->len; i++)
    c->mount_tree_fds[i] = -1;
  return c;
}

SvContainer *
sv_container_new_from_state (SvHost *host, const char *id, const char *bundle, const char *rootfs,
                             GArray *uid_maps, GArray *gid_maps, JsonNode *annotations)
{
  SvContainer *c = container_alloc (host, id);

  c->bundle = g_strdup (bundle);
  c->rootfs = g_strdup (rootfs);
  c->uid_mappings = maps_copy (uid_maps);
  c->gid_mappings = maps_copy (gid_maps);
  c->annotations = annotations != NULL ? json_node_copy (annotations) : NULL;
  return c;
}

void
sv_container_free (SvContainer *c)
{
  if (c == NULL)
    return;
  g_free (c->id);
  g_free (c->bundle);
  g_free (c->rootfs);
  g_clear_pointer (&c->uid_mappings, g_array_unref);
  g_clear_pointer (&c->gid_mappings, g_array_unref);
  sv_close_fdp (&c->rootfs_tree_fd);
  for (guint i = 0; c->spec != NULL && c->mount_tree_fds != NULL && i < c->spec->mounts->len; i++)
    sv_close_fdp (&c->mount_tree_fds[i]);
  g_free (c->mount_tree_fds);
  g_clear_pointer (&c->extra_mounts, g_ptr_array_unref);
  g_free (c->supervisor);
  g_clear_pointer (&c->annotations, json_node_unref);
  g_free (c);
}

/* ---- settings ---- */

const char *
sv_host_setting (SvHost *host, const char *key)
{
  g_autofree char *v = NULL;

  if (host->keyfile == NULL || host->section == NULL)
    return NULL;
  v = g_key_file_get_string (host->keyfile, host->section, key, NULL);
  if (v == NULL)
    return NULL;
  /* Interned so that the pointer stays valid for the process' life, as documented. */
  return g_intern_string (g_strstrip (v));
}

const char *
sv_container_setting (SvContainer *c, const char *key)
{
  return sv_host_setting (c->host, key);
}

const char *
sv_host_lib_dir (SvHost *host)
{
  return host->lib_dir;
}

const char *
sv_container_lib_dir (SvContainer *c)
{
  return c->host->lib_dir;
}

/* Whether the process @pid that started at @starttime has certainly exited: no such pid, a
 * zombie, or a pid reused by a process that started at another time.  A /proc/PID/stat that
 * cannot be read proves nothing: FALSE then. */
static gboolean
process_gone (pid_t pid, guint64 starttime)
{
  if (pid <= 0)
    return TRUE;
  if (sv_proc_alive (pid, starttime))
    return FALSE;
  /* sv_proc_alive is also FALSE when it cannot read /proc: a start time shows it could. */
  return sv_proc_starttime (pid) != 0 || (kill (pid, 0) < 0 && errno == ESRCH);
}

/* For a state that cannot be loaded: only a missing state directory means "no container".
 * Anything else (no state.json, unreadable or invalid JSON, an I/O error) keeps it alive:
 * taking its resources away (its host ids) could hand them to a second container, while
 * keeping them costs nothing until the container is deleted. */
static gboolean
alive_unless_missing (const char *state_root, const char *id, const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    return FALSE;
  g_warning ("container %s (%s) is counted as existing, its resources are kept: %s", id,
             state_root, error->message);
  return TRUE;
}

/* Fail-safe: FALSE only when the container is certainly gone.
 *
 * A state without a pid (still creating) whose creator has exited is a crashed create, but
 * only if it was read after the creator exited: a create that succeeds saves the init's pid
 * in state.json and THEN exits, so a state read before that save and a creator looked at
 * after the exit describe a live container as a crashed one (a reclaiming create preempted
 * between the two reads gave away the range of a container that had just been created).
 * So the state is read again once the creator is seen gone: whatever the creator wrote is
 * visible by then, and it can write nothing more. */
gboolean
sv_host_container_alive (SvHost *host, const char *state_root, const char *id)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SvState) st = NULL;
  g_autoptr (SvState) again = NULL;

  /* Committed: state.json names the init until the directory goes (the answer below too). */
  if (sv_state_committed (state_root, id))
    return TRUE;
  st = sv_state_load (state_root, id, &error);
  if (st == NULL)
    return alive_unless_missing (state_root, id, error);
  if (st->pid > 0 || !process_gone (st->creator_pid, st->creator_starttime))
    return TRUE;
  again = sv_state_load (state_root, id, &error);
  if (again == NULL)
    return alive_unless_missing (state_root, id, error);
  /* Dead only if the same creator is still recorded without a pid; another creator (the id
   * was deleted and created again in between) is left to the next look. */
  return again->pid > 0 || again->creator_pid != st->creator_pid
         || again->creator_starttime != st->creator_starttime;
}

void
sv_host_probe_depends_on (SvHost *host, const char *path)
{
  if (host != NULL && host->probe_deps != NULL && path != NULL && g_path_is_absolute (path))
    g_ptr_array_add (host->probe_deps, g_canonicalize_filename (path, "/"));
}

/* ---- the container ---- */

const char *
sv_container_id (SvContainer *c)
{
  return c->id;
}

SvHost *
sv_container_host (SvContainer *c)
{
  return c->host;
}

const char *
sv_container_bundle (SvContainer *c)
{
  return c->bundle;
}

const char *
sv_container_rootfs (SvContainer *c)
{
  return c->rootfs;
}

gboolean
sv_container_rootfs_readonly (SvContainer *c)
{
  return c->spec != NULL && c->spec->rootfs_readonly;
}

const char *
sv_container_state_root (SvContainer *c)
{
  return c->host->state_root;
}

const char *
sv_container_annotation (SvContainer *c, const char *key)
{
  JsonObject *o;
  JsonNode *n;

  if (c->spec != NULL)
    return sv_spec_annotation (c->spec, key);
  if (c->annotations == NULL || !JSON_NODE_HOLDS_OBJECT (c->annotations))
    return NULL;
  o = json_node_get_object (c->annotations);
  n = json_object_get_member (o, key);
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

/* ---- id mappings ---- */

gboolean
sv_container_spec_has_mappings (SvContainer *c)
{
  return c->spec != NULL && c->spec->spec_has_mappings;
}

const SvIdMapping *
sv_container_uid_mappings (SvContainer *c, guint *n_out)
{
  *n_out = c->uid_mappings->len;
  return (const SvIdMapping *) (gpointer) c->uid_mappings->data;
}

const SvIdMapping *
sv_container_gid_mappings (SvContainer *c, guint *n_out)
{
  *n_out = c->gid_mappings->len;
  return (const SvIdMapping *) (gpointer) c->gid_mappings->data;
}

static gboolean
validate_mappings (const char *what, const SvIdMapping *maps, guint n, GError **error)
{
  if (n == 0 || n > 340)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "%s mappings: %u entries; give 1 to 340", what, n);
      return FALSE;
    }
  for (guint i = 0; i < n; i++)
    if (maps[i].size == 0 || (guint64) maps[i].host_id + maps[i].size > G_MAXUINT32
        || (guint64) maps[i].container_id + maps[i].size > G_MAXUINT32)
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                     "%s mapping %u (%u %u %u) is empty or out of range", what, i,
                     maps[i].container_id, maps[i].host_id, maps[i].size);
        return FALSE;
      }
  return TRUE;
}

gboolean
sv_container_set_mappings (SvContainer *c, const SvIdMapping *uid, guint n_uid,
                           const SvIdMapping *gid, guint n_gid, GError **error)
{
  if (!validate_mappings ("uid", uid, n_uid, error)
      || !validate_mappings ("gid", gid, n_gid, error))
    return FALSE;
  g_array_set_size (c->uid_mappings, 0);
  g_array_append_vals (c->uid_mappings, uid, n_uid);
  g_array_set_size (c->gid_mappings, 0);
  g_array_append_vals (c->gid_mappings, gid, n_gid);
  return TRUE;
}

static gint64
root_of (GArray *maps)
{
  for (guint i = 0; i < maps->len; i++)
    if (g_array_index (maps, SvIdMapping, i).container_id == 0)
      return g_array_index (maps, SvIdMapping, i).host_id;
  return -1;
}

gint64
sv_container_root_uid (SvContainer *c)
{
  return root_of (c->uid_mappings);
}

gint64
sv_container_root_gid (SvContainer *c)
{
  return root_of (c->gid_mappings);
}

/* ---- mounts ---- */

static SvMount *
mount_at (SvContainer *c, guint i)
{
  if (c->spec == NULL || i >= c->spec->mounts->len)
    return NULL;
  return g_ptr_array_index (c->spec->mounts, i);
}

guint
sv_container_n_mounts (SvContainer *c)
{
  return c->spec != NULL ? c->spec->mounts->len : 0;
}

const char *
sv_container_mount_type (SvContainer *c, guint i)
{
  SvMount *m = mount_at (c, i);
  return m != NULL ? m->type : NULL;
}

const char *
sv_container_mount_source (SvContainer *c, guint i)
{
  SvMount *m = mount_at (c, i);
  return m != NULL ? m->source : NULL;
}

const char *
sv_container_mount_destination (SvContainer *c, guint i)
{
  SvMount *m = mount_at (c, i);
  return m != NULL ? m->destination : NULL;
}

gboolean
sv_container_mount_is_bind (SvContainer *c, guint i)
{
  SvMount *m = mount_at (c, i);
  return m != NULL && m->bind;
}

gboolean
sv_container_mount_has_option (SvContainer *c, guint i, const char *option)
{
  SvMount *m = mount_at (c, i);
  return m != NULL && m->options != NULL
         && g_strv_contains ((const char *const *) m->options, option);
}

gboolean
sv_container_add_bind_mount (SvContainer *c, const char *source, const char *destination,
                             gboolean readonly, GError **error)
{
  SvExtraMount *m;

  if (!g_path_is_absolute (source) || !g_path_is_absolute (destination))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "bind mount %s on %s: both paths must be absolute", source, destination);
      return FALSE;
    }
  m = g_new0 (SvExtraMount, 1);
  m->source = g_strdup (source);
  m->destination = g_strdup (destination);
  m->readonly = readonly;
  m->tree_fd = -1;
  g_ptr_array_add (c->extra_mounts, m);
  return TRUE;
}

void
sv_container_set_syscall_supervisor (SvContainer *c, const char *address)
{
  g_free (c->supervisor);
  c->supervisor = g_strdup (address);
}

/* ---- mount trees ---- */

int
sv_container_userns_fd (SvContainer *c)
{
  return c->userns_fd;
}

gboolean
sv_container_set_rootfs_tree (SvContainer *c, int tree_fd, GError **error)
{
  if (tree_fd < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "rootfs tree: invalid fd");
      return FALSE;
    }
  sv_close_fdp (&c->rootfs_tree_fd);
  c->rootfs_tree_fd = tree_fd;
  return TRUE;
}

gboolean
sv_container_set_mount_tree (SvContainer *c, guint i, int tree_fd, GError **error)
{
  if (mount_at (c, i) == NULL || tree_fd < 0)
    {
      sv_close_fdp (&tree_fd);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "mount tree: no mount %u in the spec", i);
      return FALSE;
    }
  sv_close_fdp (&c->mount_tree_fds[i]);
  c->mount_tree_fds[i] = tree_fd;
  return TRUE;
}
