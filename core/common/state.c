/* state.c: a container's persistent state, <root>/<id>/state.json, written atomically. */
#include "state.h"

#include "cgroups.h"
#include "utils.h"
#include "sv-error.h"

#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#define STATE_FILE "state.json"
#define FIFO_FILE "exec.fifo"
#define COMMITTED_FILE "committed"

static const char *const role_keys[3] = { "idmap", "shift", "procfs" };

gboolean
sv_state_validate_id (const char *id, GError **error)
{
  gboolean ok = id != NULL && id[0] != '\0' && strlen (id) <= 1024 && g_strcmp0 (id, ".") != 0
                && g_strcmp0 (id, "..") != 0;

  for (const char *p = id; ok && *p != '\0'; p++)
    ok = g_ascii_isalnum (*p) || strchr ("_+-.", *p) != NULL;
  if (!ok)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "invalid container id \"%s\": use letters, digits, '_', '+', '-' and '.'",
                 id != NULL ? id : "");
  return ok;
}

char *
sv_state_dir (const char *root, const char *id)
{
  return g_build_filename (root, id, NULL);
}

char *
sv_state_fifo_path (const char *root, const char *id)
{
  return g_build_filename (root, id, FIFO_FILE, NULL);
}

gboolean
sv_state_create_dir (const char *root, const char *id, GError **error)
{
  g_autofree char *dir = sv_state_dir (root, id);

  if (g_mkdir_with_parents (root, 0711) < 0)
    {
      sv_set_error_errno (error, errno, "create state root %s (--root)", root);
      return FALSE;
    }
  if (mkdir (dir, 0711) < 0)
    {
      if (errno == EEXIST)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                     "container \"%s\" already exists; delete it first or choose another id", id);
      else
        sv_set_error_errno (error, errno, "create state directory %s", dir);
      return FALSE;
    }
  return TRUE;
}

static void
add_mappings (JsonBuilder *b, const char *name, GArray *maps)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; maps != NULL && i < maps->len; i++)
    {
      SvIdMapping *m = &g_array_index (maps, SvIdMapping, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "containerID");
      json_builder_add_int_value (b, m->container_id);
      json_builder_set_member_name (b, "hostID");
      json_builder_add_int_value (b, m->host_id);
      json_builder_set_member_name (b, "size");
      json_builder_add_int_value (b, m->size);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static void
add_string (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

/* "pluginReleases": {"idmap": true, ...}: which roles' plugins delete must load. */
static void
add_releases (JsonBuilder *b, const SvState *st)
{
  json_builder_set_member_name (b, "pluginReleases");
  json_builder_begin_object (b);
  for (guint r = 0; r < G_N_ELEMENTS (role_keys); r++)
    {
      json_builder_set_member_name (b, role_keys[r]);
      json_builder_add_boolean_value (b, st->releases[r]);
    }
  json_builder_end_object (b);
}

static void
add_node (JsonBuilder *b, const char *name, JsonNode *node)
{
  json_builder_set_member_name (b, name);
  if (node != NULL)
    json_builder_add_value (b, json_node_copy (node));
  else
    json_builder_add_null_value (b);
}

static JsonNode *
state_to_json (const SvState *st)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  add_string (b, "id", st->id);
  add_string (b, "bundle", st->bundle);
  add_string (b, "rootfs", st->rootfs);
  add_string (b, "created", st->created);
  add_string (b, "owner", st->owner != NULL ? st->owner : "");
  json_builder_set_member_name (b, "pid");
  json_builder_add_int_value (b, st->pid);
  json_builder_set_member_name (b, "starttime");
  json_builder_add_int_value (b, (gint64) st->starttime);
  json_builder_set_member_name (b, "creatorPid");
  json_builder_add_int_value (b, st->creator_pid);
  json_builder_set_member_name (b, "creatorStarttime");
  json_builder_add_int_value (b, (gint64) st->creator_starttime);
  json_builder_set_member_name (b, "systemdCgroup");
  json_builder_add_boolean_value (b, st->systemd_cgroup);
  add_node (b, "annotations", st->annotations);
  add_node (b, "cgroup", st->cgroup);
  add_node (b, "hooks", st->hooks);
  json_builder_set_member_name (b, "plugins");
  json_builder_begin_object (b);
  for (guint r = 0; r < G_N_ELEMENTS (role_keys); r++)
    add_string (b, role_keys[r], st->plugins[r]);
  json_builder_end_object (b);
  if (st->releases_known)
    add_releases (b, st);
  add_mappings (b, "uidMappings", st->uid_mappings);
  add_mappings (b, "gidMappings", st->gid_mappings);
  if (st->supervisor != NULL)
    add_string (b, "supervisor", st->supervisor);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

gboolean
sv_state_save (const char *root, const SvState *st, GError **error)
{
  g_autoptr (JsonNode) node = state_to_json (st);
  g_autofree char *text = sv_json_to_string (node, FALSE);
  g_autofree char *file = g_build_filename (root, st->id, STATE_FILE, NULL);

  /* No fsync (bench/README.md, "fsyncs"): the state describes processes, which a power loss
   * ends; a state file that loss left empty reads as a create that crashed early. */
  return sv_write_file_replace (file, text, -1, 0600, error);
}

void
sv_state_mark_committed (const char *root, const char *id)
{
  g_autofree char *file = g_build_filename (root, id, COMMITTED_FILE, NULL);
  int fd = open (file, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

  if (fd < 0)
    g_debug ("cannot mark %s: %s", file, sv_strerror (errno));
  else
    close (fd);
}

/* The marks this process has seen (their paths): a create asks about every container twice
 * (idmap-exclusive's reclaim look, the storage orphan scan), one access(2) each. */
static GHashTable *committed_seen;

gboolean
sv_state_committed (const char *root, const char *id)
{
  g_autofree char *file = NULL;

  if (!sv_state_validate_id (id, NULL))
    return FALSE;
  file = g_build_filename (root, id, COMMITTED_FILE, NULL);
  if (committed_seen != NULL && g_hash_table_contains (committed_seen, file))
    return TRUE;
  /* Only a mark seen is remembered: a container without one may commit any moment. */
  if (access (file, F_OK) != 0)
    return FALSE;
  if (committed_seen == NULL)
    committed_seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_add (committed_seen, g_steal_pointer (&file));
  return TRUE;
}

static JsonNode *
member_copy (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);

  return n != NULL && !JSON_NODE_HOLDS_NULL (n) ? json_node_copy (n) : NULL;
}

static gboolean
load_mappings (JsonObject *o, const char *member, GArray *out, GError **error)
{
  JsonArray *a;

  if (!sv_json_get_array (o, "", member, FALSE, &a, error))
    return FALSE;
  for (guint i = 0; a != NULL && i < json_array_get_length (a); i++)
    {
      JsonObject *e = sv_json_array_object (a, member, i, error);
      SvIdMapping m = { 0 };
      if (e == NULL
          || !sv_json_get_uint32 (e, member, "containerID", TRUE, &m.container_id, error)
          || !sv_json_get_uint32 (e, member, "hostID", TRUE, &m.host_id, error)
          || !sv_json_get_uint32 (e, member, "size", TRUE, &m.size, error))
        return FALSE;
      g_array_append_val (out, m);
    }
  return TRUE;
}

static gboolean
releases_from_json (SvState *st, JsonObject *o, GError **error)
{
  JsonObject *releases = NULL;

  if (!sv_json_get_object (o, "", "pluginReleases", FALSE, &releases, error))
    return FALSE;
  st->releases_known = releases != NULL;
  for (guint r = 0; releases != NULL && r < G_N_ELEMENTS (role_keys); r++)
    if (!sv_json_get_bool (releases, "pluginReleases", role_keys[r], &st->releases[r], error))
      return FALSE;
  return TRUE;
}

static gboolean
state_from_json (SvState *st, JsonObject *o, GError **error)
{
  gint64 pid = 0, start = 0, cpid = 0, cstart = 0;
  JsonObject *plugins = NULL;

  if (!sv_json_get_string (o, "", "id", TRUE, &st->id, error)
      || !sv_json_get_string (o, "", "bundle", TRUE, &st->bundle, error)
      || !sv_json_get_string (o, "", "rootfs", FALSE, &st->rootfs, error)
      || !sv_json_get_string (o, "", "created", FALSE, &st->created, error)
      || !sv_json_get_string (o, "", "owner", FALSE, &st->owner, error)
      || !sv_json_get_string (o, "", "supervisor", FALSE, &st->supervisor, error)
      || !sv_json_get_int64 (o, "", "pid", FALSE, &pid, error)
      || !sv_json_get_int64 (o, "", "starttime", FALSE, &start, error)
      || !sv_json_get_int64 (o, "", "creatorPid", FALSE, &cpid, error)
      || !sv_json_get_int64 (o, "", "creatorStarttime", FALSE, &cstart, error)
      || !sv_json_get_bool (o, "", "systemdCgroup", &st->systemd_cgroup, error)
      || !sv_json_get_object (o, "", "plugins", FALSE, &plugins, error)
      || !load_mappings (o, "uidMappings", st->uid_mappings, error)
      || !load_mappings (o, "gidMappings", st->gid_mappings, error)
      || !releases_from_json (st, o, error))
    return FALSE;
  for (guint r = 0; plugins != NULL && r < G_N_ELEMENTS (role_keys); r++)
    if (!sv_json_get_string (plugins, "plugins", role_keys[r], FALSE, &st->plugins[r], error))
      return FALSE;
  st->pid = (pid_t) pid;
  st->starttime = (guint64) start;
  st->creator_pid = (pid_t) cpid;
  st->creator_starttime = (guint64) cstart;
  st->annotations = member_copy (o, "annotations");
  st->cgroup = member_copy (o, "cgroup");
  st->hooks = member_copy (o, "hooks");
  return TRUE;
}

/* Empty, or zeros where a power loss cut the write short (the state is saved without fsync):
 * the same as no state file. */
static gboolean
never_written (const char *data, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if (data[i] != '\0')
      return FALSE;
  return TRUE;
}

static JsonNode *
parse_state_file (const char *root, const char *id, const char *file, GError **error)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  if (!g_file_get_contents (file, &data, &len, error))
    return NULL;
  if (never_written (data, len))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                   "container \"%s\" has an empty state file %s (a create cut short by a "
                   "crash); remove it with `sysvisor-runc --root %s delete --force %s`",
                   id, file, root, id);
      return NULL;
    }
  return sv_json_parse_data (data, (gssize) len, file, error);
}

SvState *
sv_state_load (const char *root, const char *id, GError **error)
{
  g_autofree char *file = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (SvState) st = NULL;

  if (!sv_state_validate_id (id, error))
    return NULL;
  file = g_build_filename (root, id, STATE_FILE, NULL);
  if (!g_file_test (file, G_FILE_TEST_EXISTS))
    {
      g_autofree char *dir = sv_state_dir (root, id);
      if (g_file_test (dir, G_FILE_TEST_IS_DIR))
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                     "container \"%s\" has no state file (a create that crashed early); "
                     "remove it with `sysvisor-runc delete --force %s`",
                     id, id);
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "container \"%s\" does not exist",
                     id);
      return NULL;
    }
  node = parse_state_file (root, id, file, error);
  if (node == NULL)
    return NULL;
  st = g_new0 (SvState, 1);
  st->dir = sv_state_dir (root, id);
  st->uid_mappings = g_array_new (FALSE, FALSE, sizeof (SvIdMapping));
  st->gid_mappings = g_array_new (FALSE, FALSE, sizeof (SvIdMapping));
  if (!state_from_json (st, json_node_get_object (node), error))
    {
      g_prefix_error (error, "%s: ", file);
      return NULL;
    }
  /* Saving writes to <root>/<st->id>: an id that is not the directory's would write elsewhere. */
  if (strcmp (st->id, id) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s: names container \"%s\", not \"%s\" (edited, or copied from another "
                   "container's directory): restore the file",
                   file, st->id, id);
      return NULL;
    }
  return g_steal_pointer (&st);
}

gboolean
sv_state_remove (const char *root, const char *id, GError **error)
{
  g_autofree char *dir = sv_state_dir (root, id);

  return sv_file_remove_tree (dir, error);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

GPtrArray *
sv_state_list (const char *root, GError **error)
{
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GDir) dir = NULL;
  g_autoptr (GError) local = NULL;
  const char *name;

  dir = g_dir_open (root, 0, &local);
  if (dir == NULL)
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return g_steal_pointer (&ids);
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *sub = g_build_filename (root, name, NULL);
      if (g_file_test (sub, G_FILE_TEST_IS_DIR) && sv_state_validate_id (name, NULL))
        g_ptr_array_add (ids, g_strdup (name));
    }
  g_ptr_array_sort (ids, compare_strings);
  return g_steal_pointer (&ids);
}

static gboolean
state_is_paused (const SvState *st)
{
  g_autoptr (SvCgroup) cg = NULL;

  if (st->cgroup == NULL)
    return FALSE;
  cg = sv_cgroup_from_json (st->cgroup, NULL);
  return cg != NULL && sv_cgroup_is_frozen (cg);
}

gboolean
sv_state_needs_release (const SvState *st, guint role)
{
  g_return_val_if_fail (role < G_N_ELEMENTS (role_keys), FALSE);
  return st->plugins[role] != NULL && (!st->releases_known || st->releases[role]);
}

SvStatus
sv_state_status (const SvState *st)
{
  g_autofree char *fifo = NULL;

  if (st->pid <= 0)
    return SV_STATUS_CREATING;
  if (!sv_proc_alive (st->pid, st->starttime))
    return SV_STATUS_STOPPED;
  if (state_is_paused (st))
    return SV_STATUS_PAUSED;
  fifo = g_build_filename (st->dir, FIFO_FILE, NULL);
  return g_file_test (fifo, G_FILE_TEST_EXISTS) ? SV_STATUS_CREATED : SV_STATUS_RUNNING;
}

const char *
sv_status_name (SvStatus s)
{
  switch (s)
    {
    case SV_STATUS_CREATING:
      return "creating";
    case SV_STATUS_CREATED:
      return "created";
    case SV_STATUS_RUNNING:
      return "running";
    case SV_STATUS_PAUSED:
      return "paused";
    case SV_STATUS_STOPPED:
    default:
      return "stopped";
    }
}

JsonNode *
sv_state_to_oci (const SvState *st)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  SvStatus status = sv_state_status (st);

  json_builder_begin_object (b);
  add_string (b, "ociVersion", SV_OCI_VERSION);
  add_string (b, "id", st->id);
  add_string (b, "status", sv_status_name (status));
  json_builder_set_member_name (b, "pid");
  json_builder_add_int_value (b, status == SV_STATUS_STOPPED ? 0 : st->pid);
  add_string (b, "bundle", st->bundle);
  add_string (b, "rootfs", st->rootfs);
  add_string (b, "created", st->created);
  add_string (b, "owner", st->owner != NULL ? st->owner : "");
  json_builder_set_member_name (b, "annotations");
  if (st->annotations != NULL)
    json_builder_add_value (b, json_node_copy (st->annotations));
  else
    {
      json_builder_begin_object (b);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

int
sv_state_lock (const char *root, const char *id, GError **error)
{
  g_autofree char *dir = sv_state_dir (root, id);
  sv_autofd fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0)
    {
      if (errno == ENOENT)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "container \"%s\" does not exist",
                     id);
      else
        sv_set_error_errno (error, errno, "open %s", dir);
      return -1;
    }
  if (flock (fd, LOCK_EX) < 0)
    {
      sv_set_error_errno (error, errno, "lock %s", dir);
      return -1;
    }
  return g_steal_fd (&fd);
}

void
sv_state_free (SvState *st)
{
  if (st == NULL)
    return;
  g_free (st->id);
  g_free (st->dir);
  g_free (st->bundle);
  g_free (st->rootfs);
  g_free (st->created);
  g_free (st->owner);
  g_free (st->supervisor);
  g_clear_pointer (&st->annotations, json_node_unref);
  g_clear_pointer (&st->cgroup, json_node_unref);
  g_clear_pointer (&st->hooks, json_node_unref);
  for (guint r = 0; r < G_N_ELEMENTS (st->plugins); r++)
    g_free (st->plugins[r]);
  g_clear_pointer (&st->uid_mappings, g_array_unref);
  g_clear_pointer (&st->gid_mappings, g_array_unref);
  g_free (st);
}
