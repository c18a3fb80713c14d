/* spec.c: config.json read into an SvSpec, validated, with the system-container overrides. */
#include "spec.h"

#include "cgroups-resources.h"
#include "mount-options.h"
#include "names.h"
#include "process-spec.h"
#include "sync.h"

#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

int sv_namespace_from_name (const char *name);

static gboolean
invalid (GError **error, const char *path, const char *fmt, const char *value)
{
  g_autofree char *what = g_strdup_printf (fmt, value);

  g_set_error (error, SV_SPEC_ERROR, SV_SPEC_ERROR_INVALID, "%s: %s", path, what);
  return FALSE;
}

void
sv_mount_free (SvMount *m)
{
  if (m == NULL)
    return;
  g_free (m->destination);
  g_free (m->type);
  g_free (m->source);
  g_strfreev (m->options);
  g_free (m->data);
  g_free (m);
}

static void
device_free (SvDevice *d)
{
  g_free (d->path);
  g_free (d);
}

static void
namespace_clear (SvNamespace *ns)
{
  g_free (ns->path);
}

void
sv_spec_free (SvSpec *spec)
{
  if (spec == NULL)
    return;
  g_clear_pointer (&spec->root, json_node_unref);
  g_clear_pointer (&spec->resources, sv_cgroup_resources_unref);
  g_free (spec->bundle);
  g_free (spec->oci_version);
  g_free (spec->rootfs);
  g_free (spec->hostname);
  g_free (spec->domainname);
  sv_process_free (spec->process);
  g_clear_pointer (&spec->mounts, g_ptr_array_unref);
  g_clear_pointer (&spec->uid_mappings, g_array_unref);
  g_clear_pointer (&spec->gid_mappings, g_array_unref);
  g_clear_pointer (&spec->namespaces, g_array_unref);
  g_clear_pointer (&spec->devices, g_ptr_array_unref);
  g_strfreev (spec->masked_paths);
  g_strfreev (spec->readonly_paths);
  g_clear_pointer (&spec->sysctl_keys, g_ptr_array_unref);
  g_clear_pointer (&spec->sysctl_values, g_ptr_array_unref);
  g_free (spec->cgroups_path);
  g_free (spec);
}

static char *
resolve_in_bundle (const char *bundle, const char *path)
{
  if (g_path_is_absolute (path))
    return g_canonicalize_filename (path, NULL);
  return g_canonicalize_filename (path, bundle);
}

static gboolean
parse_root (SvSpec *spec, JsonObject *doc, GError **error)
{
  JsonObject *root;
  g_autofree char *path = NULL;

  if (!sv_json_get_object (doc, "", "root", TRUE, &root, error)
      || !sv_json_get_string (root, "root", "path", TRUE, &path, error)
      || !sv_json_get_bool (root, "root", "readonly", &spec->rootfs_readonly, error))
    return FALSE;
  if (path[0] == '\0')
    return invalid (error, "root.path", "is empty; give the rootfs directory, e.g. \"rootfs\"%s",
                    "");
  spec->rootfs = resolve_in_bundle (spec->bundle, path);
  if (!g_file_test (spec->rootfs, G_FILE_TEST_IS_DIR))
    return invalid (error, "root.path",
                    "%s is not a directory; create the root filesystem there or fix the path",
                    spec->rootfs);
  return TRUE;
}

static gboolean
parse_mount (SvSpec *spec, JsonObject *o, const char *ipath, GError **error)
{
  SvMount *m = g_new0 (SvMount, 1);

  g_ptr_array_add (spec->mounts, m);
  if (!sv_json_get_string (o, ipath, "destination", TRUE, &m->destination, error)
      || !sv_json_get_string (o, ipath, "type", FALSE, &m->type, error)
      || !sv_json_get_string (o, ipath, "source", FALSE, &m->source, error)
      || !sv_json_get_strv (o, ipath, "options", FALSE, &m->options, error))
    return FALSE;
  if (m->destination[0] == '\0')
    {
      g_autofree char *dpath = sv_json_path (ipath, "destination");
      return invalid (error, dpath, "is empty; give the path inside the container%s", "");
    }
  if (m->destination[0] != '/')
    {
      /* As runc: a relative destination is relative to the container's root. */
      char *abs = g_strconcat ("/", m->destination, NULL);
      g_free (m->destination);
      m->destination = abs;
    }
  sv_mount_parse_options (m);
  if (m->type == NULL)
    m->type = g_strdup (m->bind ? "bind" : "none");
  if (m->bind)
    {
      g_autofree char *spath = sv_json_path (ipath, "source");
      char *abs;
      if (m->source == NULL || m->source[0] == '\0')
        return invalid (error, spath, "a bind mount needs a source path%s", "");
      abs = resolve_in_bundle (spec->bundle, m->source);
      g_free (m->source);
      m->source = abs;
    }
  return TRUE;
}

/* Each bind mount is a mount tree handed to the init in one message (sync.h): the one limit on
 * them, checked here so that a spec over it is refused before anything is made. */
static gboolean
check_mount_trees (SvSpec *spec, GError **error)
{
  guint n = 0;

  for (guint i = 0; i < spec->mounts->len; i++)
    n += ((SvMount *) g_ptr_array_index (spec->mounts, i))->bind ? 1 : 0;
  if (n <= SV_SPEC_MAX_BIND_MOUNTS)
    return TRUE;
  g_set_error (error, SV_SPEC_ERROR, SV_SPEC_ERROR_INVALID,
               "mounts: %u bind mounts, at most %d are supported; bind a common parent "
               "directory instead of its entries",
               n, SV_SPEC_MAX_BIND_MOUNTS);
  return FALSE;
}

static gboolean
parse_mounts (SvSpec *spec, JsonObject *doc, GError **error)
{
  JsonArray *a;

  if (!sv_json_get_array (doc, "", "mounts", FALSE, &a, error))
    return FALSE;
  for (guint i = 0; a != NULL && i < json_array_get_length (a); i++)
    {
      g_autofree char *ipath = sv_json_path_index ("mounts", i);
      JsonObject *o = sv_json_array_object (a, "mounts", i, error);
      if (o == NULL || !parse_mount (spec, o, ipath, error))
        return FALSE;
    }
  return check_mount_trees (spec, error);
}

static gboolean
parse_idmaps (GArray *out, JsonObject *linux_o, const char *member, GError **error)
{
  g_autofree char *path = sv_json_path ("linux", member);
  JsonArray *a;

  if (!sv_json_get_array (linux_o, "linux", member, FALSE, &a, error))
    return FALSE;
  for (guint i = 0; a != NULL && i < json_array_get_length (a); i++)
    {
      g_autofree char *ipath = sv_json_path_index (path, i);
      JsonObject *o = sv_json_array_object (a, path, i, error);
      SvIdMapping m = { 0 };
      if (o == NULL || !sv_json_get_uint32 (o, ipath, "containerID", TRUE, &m.container_id, error)
          || !sv_json_get_uint32 (o, ipath, "hostID", TRUE, &m.host_id, error)
          || !sv_json_get_uint32 (o, ipath, "size", TRUE, &m.size, error))
        return FALSE;
      if (m.size == 0)
        return invalid (error, ipath, "size is 0; a mapping needs at least one id%s", "");
      g_array_append_val (out, m);
    }
  return TRUE;
}

static gboolean
add_namespace (SvSpec *spec, JsonObject *o, const char *ipath, GError **error)
{
  g_autofree char *type = NULL;
  g_autofree char *path = NULL;
  g_autofree char *tpath = sv_json_path (ipath, "type");
  SvNamespace ns = { 0 };

  if (!sv_json_get_string (o, ipath, "type", TRUE, &type, error)
      || !sv_json_get_string (o, ipath, "path", FALSE, &path, error))
    return FALSE;
  ns.nstype = sv_namespace_from_name (type);
  if (ns.nstype == 0)
    return invalid (error, tpath,
                    "unknown namespace \"%s\"; use pid, network, mount, ipc, uts, user, cgroup "
                    "or time",
                    type);
  if (sv_spec_namespace (spec, ns.nstype) != NULL)
    return invalid (error, tpath, "namespace \"%s\" is listed twice", type);
  if (path != NULL && path[0] != '\0')
    {
      if (ns.nstype == CLONE_NEWUSER || ns.nstype == CLONE_NEWNS || ns.nstype == CLONE_NEWCGROUP)
        {
          g_autofree char *ppath = sv_json_path (ipath, "path");
          return invalid (error, ppath,
                          "joining an existing %s namespace is not supported: a system "
                          "container always gets its own; remove \"path\"",
                          type);
        }
      ns.path = g_steal_pointer (&path);
    }
  g_array_append_val (spec->namespaces, ns);
  return TRUE;
}

/* The system-container rule: always new user, mount, pid, ipc, uts and cgroup namespaces
 * (paths of pid/ipc/uts are kept: they join a namespace that exists); network as given. */
static void
add_forced_namespaces (SvSpec *spec)
{
  static const int forced[] = { CLONE_NEWUSER, CLONE_NEWNS,  CLONE_NEWPID,
                                CLONE_NEWIPC,  CLONE_NEWUTS, CLONE_NEWCGROUP };

  for (guint i = 0; i < G_N_ELEMENTS (forced); i++)
    if (sv_spec_namespace (spec, forced[i]) == NULL)
      {
        SvNamespace ns = { .nstype = forced[i], .path = NULL };
        g_array_append_val (spec->namespaces, ns);
        g_debug ("system container: added a new %s namespace", sv_namespace_name (forced[i]));
      }
}

static gboolean
parse_namespaces (SvSpec *spec, JsonObject *linux_o, GError **error)
{
  JsonArray *a;

  if (!sv_json_get_array (linux_o, "linux", "namespaces", FALSE, &a, error))
    return FALSE;
  for (guint i = 0; a != NULL && i < json_array_get_length (a); i++)
    {
      g_autofree char *ipath = sv_json_path_index ("linux.namespaces", i);
      JsonObject *o = sv_json_array_object (a, "linux.namespaces", i, error);
      if (o == NULL || !add_namespace (spec, o, ipath, error))
        return FALSE;
    }
  add_forced_namespaces (spec);
  return TRUE;
}

static gboolean
parse_device (SvSpec *spec, JsonObject *o, const char *ipath, GError **error)
{
  g_autofree char *type = NULL;
  SvDevice *d = g_new0 (SvDevice, 1);

  g_ptr_array_add (spec->devices, d);
  d->mode = 0666;
  if (!sv_json_get_string (o, ipath, "path", TRUE, &d->path, error)
      || !sv_json_get_string (o, ipath, "type", TRUE, &type, error)
      || !sv_json_get_int64 (o, ipath, "major", FALSE, &d->major, error)
      || !sv_json_get_int64 (o, ipath, "minor", FALSE, &d->minor, error)
      || !sv_json_get_uint32 (o, ipath, "fileMode", FALSE, &d->mode, error)
      || !sv_json_get_uint32 (o, ipath, "uid", FALSE, &d->uid, error)
      || !sv_json_get_uint32 (o, ipath, "gid", FALSE, &d->gid, error))
    return FALSE;
  if (strlen (type) != 1 || strchr ("cbup", type[0]) == NULL)
    {
      g_autofree char *tpath = sv_json_path (ipath, "type");
      return invalid (error, tpath, "unknown device type \"%s\"; use c, b, u or p", type);
    }
  d->type = type[0] == 'u' ? 'c' : type[0];
  if (d->path[0] != '/' || !g_str_has_prefix (d->path, "/dev/"))
    {
      g_autofree char *ppath = sv_json_path (ipath, "path");
      return invalid (error, ppath, "\"%s\" must be an absolute path under /dev", d->path);
    }
  if ((d->mode & S_IFMT) == 0)
    d->mode |= d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
  return TRUE;
}

static gboolean
parse_devices (SvSpec *spec, JsonObject *linux_o, GError **error)
{
  JsonArray *a;

  if (!sv_json_get_array (linux_o, "linux", "devices", FALSE, &a, error))
    return FALSE;
  for (guint i = 0; a != NULL && i < json_array_get_length (a); i++)
    {
      g_autofree char *ipath = sv_json_path_index ("linux.devices", i);
      JsonObject *o = sv_json_array_object (a, "linux.devices", i, error);
      if (o == NULL || !parse_device (spec, o, ipath, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
parse_sysctl (SvSpec *spec, JsonObject *linux_o, GError **error)
{
  JsonObject *o;
  g_autoptr (GList) members = NULL;

  if (!sv_json_get_object (linux_o, "linux", "sysctl", FALSE, &o, error))
    return FALSE;
  if (o == NULL)
    return TRUE;
  members = json_object_get_members (o);
  for (GList *l = members; l != NULL; l = l->next)
    {
      g_autofree char *value = NULL;
      if (!sv_json_get_string (o, "linux.sysctl", l->data, TRUE, &value, error))
        return FALSE;
      if (strstr (l->data, "..") != NULL || ((char *) l->data)[0] == '/')
        return invalid (error, "linux.sysctl", "\"%s\" is not a sysctl name", l->data);
      g_ptr_array_add (spec->sysctl_keys, g_strdup (l->data));
      g_ptr_array_add (spec->sysctl_values, g_steal_pointer (&value));
    }
  return TRUE;
}

static gboolean
parse_propagation (SvSpec *spec, JsonObject *linux_o, GError **error)
{
  g_autofree char *prop = NULL;
  SvMount probe = { 0 };
  char *opts[] = { NULL, NULL };

  if (!sv_json_get_string (linux_o, "linux", "rootfsPropagation", FALSE, &prop, error))
    return FALSE;
  if (prop == NULL || prop[0] == '\0')
    return TRUE;
  opts[0] = prop;
  probe.options = opts;
  sv_mount_parse_options (&probe);
  probe.options = NULL;
  g_free (probe.data);
  if (probe.propagation == 0 || probe.flags != 0 || probe.data != NULL)
    return invalid (error, "linux.rootfsPropagation",
                    "unknown propagation \"%s\"; use shared, slave, private or unbindable "
                    "(optionally with an r prefix)",
                    prop);
  spec->rootfs_propagation = probe.propagation;
  return TRUE;
}

/* The system-container rule: /proc/sys stays writable.  In a user namespace root can only
 * write the sysctls its own namespaces hold (the others belong to host root), and systemd or
 * dockerd inside need to write those (runc's and Docker's default specs make it read-only). */
static void
drop_readonly_proc_sys (SvSpec *spec)
{
  guint j = 0;

  for (guint i = 0; spec->readonly_paths != NULL && spec->readonly_paths[i] != NULL; i++)
    {
      if (g_strcmp0 (spec->readonly_paths[i], "/proc/sys") == 0)
        {
          g_debug ("system container: /proc/sys stays writable");
          g_free (spec->readonly_paths[i]);
          continue;
        }
      spec->readonly_paths[j++] = spec->readonly_paths[i];
    }
  if (spec->readonly_paths != NULL)
    spec->readonly_paths[j] = NULL;
}

/* linux.resources, parsed once here into the typed form create hands to the cgroup drivers. */
static gboolean
parse_resources (SvSpec *spec, JsonObject *linux_o, GError **error)
{
  JsonObject *resources = NULL;

  if (linux_o != NULL
      && !sv_json_get_object (linux_o, "linux", "resources", FALSE, &resources, error))
    return FALSE;
  spec->resources = sv_cgroup_resources_parse (resources, "linux.resources", error);
  return spec->resources != NULL;
}

static gboolean
parse_linux (SvSpec *spec, JsonObject *doc, GError **error)
{
  JsonObject *linux_o = NULL;

  if (!sv_json_get_object (doc, "", "linux", FALSE, &linux_o, error))
    return FALSE;
  if (!parse_idmaps (spec->uid_mappings, linux_o, "uidMappings", error)
      || !parse_idmaps (spec->gid_mappings, linux_o, "gidMappings", error)
      || !parse_namespaces (spec, linux_o, error) || !parse_devices (spec, linux_o, error)
      || !parse_sysctl (spec, linux_o, error) || !parse_propagation (spec, linux_o, error)
      || !sv_json_get_strv (linux_o, "linux", "maskedPaths", FALSE, &spec->masked_paths, error)
      || !sv_json_get_strv (linux_o, "linux", "readonlyPaths", FALSE, &spec->readonly_paths,
                            error)
      || !sv_json_get_string (linux_o, "linux", "cgroupsPath", FALSE, &spec->cgroups_path, error)
      || !parse_resources (spec, linux_o, error)
      || !sv_json_get_object (linux_o, "linux", "seccomp", FALSE, &spec->seccomp, error))
    return FALSE;
  if ((spec->uid_mappings->len == 0) != (spec->gid_mappings->len == 0))
    return invalid (error,
                    spec->uid_mappings->len == 0 ? "linux.uidMappings" : "linux.gidMappings",
                    "is missing while the other mapping is given; give both or neither%s", "");
  spec->spec_has_mappings = spec->uid_mappings->len > 0;
  drop_readonly_proc_sys (spec);
  return TRUE;
}

static gboolean
parse_version (SvSpec *spec, JsonObject *doc, GError **error)
{
  if (!sv_json_get_string (doc, "", "ociVersion", TRUE, &spec->oci_version, error))
    return FALSE;
  if (!g_str_has_prefix (spec->oci_version, "1."))
    return invalid (error, "ociVersion",
                    "\"%s\" is not supported; sysvisor-runc reads version 1.x specs",
                    spec->oci_version);
  return TRUE;
}

static gboolean
parse_top_level (SvSpec *spec, JsonObject *doc, GError **error)
{
  JsonObject *process = NULL;

  if (!parse_version (spec, doc, error) || !parse_root (spec, doc, error))
    return FALSE;
  if (!sv_json_get_object (doc, "", "process", FALSE, &process, error))
    return FALSE;
  if (process != NULL)
    {
      spec->process = sv_process_from_json (process, "process", error);
      if (spec->process == NULL)
        return FALSE;
    }
  return sv_json_get_string (doc, "", "hostname", FALSE, &spec->hostname, error)
         && sv_json_get_string (doc, "", "domainname", FALSE, &spec->domainname, error)
         && parse_mounts (spec, doc, error) && parse_linux (spec, doc, error)
         && sv_json_get_object (doc, "", "hooks", FALSE, &spec->hooks, error)
         && sv_json_get_object (doc, "", "annotations", FALSE, &spec->annotations, error);
}

SvSpec *
sv_spec_from_json (JsonNode *root, const char *bundle, GError **error)
{
  g_autoptr (SvSpec) spec = g_new0 (SvSpec, 1);

  spec->root = json_node_ref (root);
  spec->bundle = g_canonicalize_filename (bundle, NULL);
  spec->mounts = g_ptr_array_new_with_free_func ((GDestroyNotify) sv_mount_free);
  spec->uid_mappings = g_array_new (FALSE, FALSE, sizeof (SvIdMapping));
  spec->gid_mappings = g_array_new (FALSE, FALSE, sizeof (SvIdMapping));
  spec->namespaces = g_array_new (FALSE, FALSE, sizeof (SvNamespace));
  g_array_set_clear_func (spec->namespaces, (GDestroyNotify) namespace_clear);
  spec->devices = g_ptr_array_new_with_free_func ((GDestroyNotify) device_free);
  spec->sysctl_keys = g_ptr_array_new_with_free_func (g_free);
  spec->sysctl_values = g_ptr_array_new_with_free_func (g_free);
  /* state.json records the bundle (and the rootfs under it) as JSON text: a path that is not
   * UTF-8 would be written as a state no command could read back. */
  if (!g_utf8_validate (spec->bundle, -1, NULL))
    {
      g_set_error (error, SV_SPEC_ERROR, SV_SPEC_ERROR_INVALID,
                   "the bundle's path is not valid UTF-8; rename the bundle directory");
      return NULL;
    }
  if (!parse_top_level (spec, json_node_get_object (root), error))
    return NULL;
  return g_steal_pointer (&spec);
}

SvSpec *
sv_spec_load (const char *bundle, GError **error)
{
  g_autofree char *file = g_build_filename (bundle, "config.json", NULL);
  g_autoptr (JsonNode) root = NULL;
  SvSpec *spec;

  if (!g_file_test (file, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "%s: no such file; create it with `sysvisor-runc spec --bundle %s`", file,
                   bundle);
      return NULL;
    }
  root = sv_json_parse_file (file, error);
  if (root == NULL)
    return NULL;
  spec = sv_spec_from_json (root, bundle, error);
  if (spec == NULL)
    g_prefix_error (error, "%s: ", file);
  return spec;
}

const SvNamespace *
sv_spec_namespace (SvSpec *spec, int nstype)
{
  for (guint i = 0; i < spec->namespaces->len; i++)
    if (g_array_index (spec->namespaces, SvNamespace, i).nstype == nstype)
      return &g_array_index (spec->namespaces, SvNamespace, i);
  return NULL;
}

const char *
sv_spec_annotation (SvSpec *spec, const char *key)
{
  JsonNode *n;

  if (spec->annotations == NULL)
    return NULL;
  n = json_object_get_member (spec->annotations, key);
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}
