/* pod.c: Kubernetes pods of system containers (see pod.h). */
#include "pod.h"

#include "container.h"
#include "names.h"
#include "namespaces.h"
#include "state.h"
#include "utils.h"
#include "sv-error.h"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

/* The annotations that make a container part of a pod: containerd's CRI plugin's, and
 * CRI-O's (which Podman also writes for the containers of a pod; its infra container has
 * no type, and is the sandbox they name). */
static const struct
{
  const char *type;
  const char *sandbox_id;
} pod_keys[] = {
  { "io.kubernetes.cri.container-type", "io.kubernetes.cri.sandbox-id" },
  { "io.kubernetes.cri-o.ContainerType", "io.kubernetes.cri-o.SandboxID" },
};

/* The container type @spec's annotations give ("sandbox", "container") and which family
 * of keys gave it, or NULL. */
static const char *
pod_type (SvSpec *spec, guint *family)
{
  for (guint i = 0; i < G_N_ELEMENTS (pod_keys); i++)
    {
      const char *t = sv_spec_annotation (spec, pod_keys[i].type);
      if (t != NULL)
        {
          *family = i;
          return t;
        }
    }
  return NULL;
}

/* The same from a saved state's annotations. */
static const char *
state_pod_type (SvState *st)
{
  JsonObject *o = st->annotations != NULL && JSON_NODE_HOLDS_OBJECT (st->annotations)
                      ? json_node_get_object (st->annotations)
                      : NULL;

  for (guint i = 0; o != NULL && i < G_N_ELEMENTS (pod_keys); i++)
    {
      JsonNode *n = json_object_get_member (o, pod_keys[i].type);
      if (n != NULL && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
        return json_node_get_string (n);
    }
  return NULL;
}

void
sv_pod_clear (SvPod *pod)
{
  g_clear_pointer (&pod->sandbox_id, g_free);
  g_clear_pointer (&pod->uid_mappings, g_array_unref);
  g_clear_pointer (&pod->gid_mappings, g_array_unref);
  sv_close_fdp (&pod->userns_fd);
}

/* Does the network namespace at @path hold nothing but the loopback? */
static gboolean
netns_only_loopback (const char *path, gboolean *only_lo, GError **error)
{
  sv_autofd target = open (path, O_RDONLY | O_CLOEXEC);
  sv_autofd own = open ("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  struct if_nameindex *ifs;

  if (target < 0 || own < 0 || setns (target, CLONE_NEWNET) < 0)
    {
      sv_set_error_errno (error, errno, "look into network namespace %s (linux.namespaces)",
                          path);
      return FALSE;
    }
  ifs = if_nameindex ();
  if (ifs == NULL)
    sv_set_error_errno (error, errno, "list the interfaces of network namespace %s", path);
  *only_lo = TRUE;
  for (struct if_nameindex *i = ifs; i != NULL && i->if_index != 0; i++)
    if (g_strcmp0 (i->if_name, "lo") != 0)
      *only_lo = FALSE;
  if (ifs != NULL)
    if_freenameindex (ifs);
  if (setns (own, CLONE_NEWNET) < 0)
    g_error ("cannot return to our own network namespace: %s", sv_strerror (errno));
  return ifs != NULL;
}

static gboolean owned_by (const char *path, int userns_fd);

/* The sandbox: the CRI plugin made the network namespace as host root, so root in the pod
 * could not configure it.  With only a loopback in it (no CNI interface to keep), the
 * sandbox makes its own in its user namespace instead; otherwise (or when it is not the
 * host's to begin with) it joins it as given. */
static gboolean
resolve_sandbox (SvPod *pod, SvSpec *spec, GError **error)
{
  sv_autofd host_userns = open ("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
  gboolean only_lo = FALSE;

  pod->role = SV_POD_SANDBOX;
  for (guint i = 0; i < spec->namespaces->len; i++)
    {
      SvNamespace *ns = &g_array_index (spec->namespaces, SvNamespace, i);
      if (ns->nstype != CLONE_NEWNET || ns->path == NULL)
        continue;
      if (host_userns < 0 || !owned_by (ns->path, host_userns))
        return TRUE;
      if (!netns_only_loopback (ns->path, &only_lo, error))
        return FALSE;
      if (!only_lo)
        {
          g_info ("pod sandbox: network namespace %s has interfaces besides lo: joined as "
                  "given (owned by the host's user namespace: root in the pod cannot "
                  "configure it)",
                  ns->path);
          return TRUE;
        }
      g_debug ("pod sandbox: a new network namespace replaces %s (only lo in it)", ns->path);
      g_clear_pointer (&ns->path, g_free);
      pod->own_netns = TRUE;
    }
  return TRUE;
}

/* The sandbox's state: a live Sysvisor container under @root that is not itself a member
 * of a pod (a sandbox, or a Podman infra container). */
static SvState *
load_sandbox (SvPod *pod, const char *key, const char *root, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (SvState) st = sv_state_load (root, pod->sandbox_id, &local);

  if (st == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "annotation %s: pod sandbox \"%s\" is not a Sysvisor container (%s); run "
                   "the whole pod with the sysvisor runtime",
                   key, pod->sandbox_id, local->message);
      return NULL;
    }
  if (g_strcmp0 (state_pod_type (st), "container") == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "annotation %s: container \"%s\" is not a pod sandbox but a container of "
                   "a pod; name the pod's sandbox",
                   key, pod->sandbox_id);
      return NULL;
    }
  if (st->pid <= 0 || !sv_proc_alive (st->pid, st->starttime))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "annotation %s: pod sandbox \"%s\" is not running (%s); start the sandbox "
                   "before its containers",
                   key, pod->sandbox_id, sv_status_name (sv_state_status (st)));
      return NULL;
    }
  return g_steal_pointer (&st);
}

static gboolean
same_file (const char *a, const char *b)
{
  struct stat x, y;

  return stat (a, &x) == 0 && stat (b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

/* Is the namespace at @path owned by the user namespace @userns_fd? */
static gboolean
owned_by (const char *path, int userns_fd)
{
  sv_autofd fd = open (path, O_RDONLY | O_CLOEXEC);
  sv_autofd owner = -1;
  struct stat x, y;

  if (fd < 0 || (owner = ioctl (fd, NS_GET_USERNS)) < 0)
    return FALSE;
  return fstat (owner, &x) == 0 && fstat (userns_fd, &y) == 0 && x.st_dev == y.st_dev
         && x.st_ino == y.st_ino;
}

static const char *
proc_ns_name (int nstype)
{
  return nstype == CLONE_NEWNET ? "net" : sv_namespace_name (nstype);
}

/* Every namespace the member names by path is its sandbox's, or one of the pod's (owned by
 * the pod's user namespace: another container of the pod, for a PID target). */
static gboolean
check_member_paths (SvPod *pod, SvSpec *spec, GError **error)
{
  for (guint i = 0; i < spec->namespaces->len; i++)
    {
      SvNamespace *ns = &g_array_index (spec->namespaces, SvNamespace, i);
      g_autofree char *own = NULL;
      if (ns->path == NULL)
        continue;
      own = g_strdup_printf ("/proc/%d/ns/%s", (int) pod->sandbox_pid, proc_ns_name (ns->nstype));
      if (same_file (ns->path, own) || owned_by (ns->path, pod->userns_fd))
        continue;
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   "linux.namespaces: the %s namespace %s is not one of pod \"%s\" (another "
                   "pod's, or not a Sysvisor container's); a container of a pod joins only its "
                   "own sandbox's namespaces",
                   sv_namespace_name (ns->nstype), ns->path, pod->sandbox_id);
      return FALSE;
    }
  return TRUE;
}

static gboolean
resolve_member (SvPod *pod, SvSpec *spec, guint family, const char *root, GError **error)
{
  const char *key = pod_keys[family].sandbox_id;
  const char *sandbox = sv_spec_annotation (spec, key);
  g_autoptr (SvState) st = NULL;
  g_autofree char *userns = NULL;

  if (sandbox == NULL || sandbox[0] == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "annotations: %s is \"container\" but %s is missing; a container of a pod "
                   "must name its sandbox",
                   pod_keys[family].type, key);
      return FALSE;
    }
  pod->role = SV_POD_MEMBER;
  pod->sandbox_id = g_strdup (sandbox);
  st = load_sandbox (pod, key, root, error);
  if (st == NULL)
    return FALSE;
  pod->sandbox_pid = st->pid;
  userns = g_strdup_printf ("/proc/%d/ns/user", (int) st->pid);
  pod->userns_fd = open (userns, O_RDONLY | O_CLOEXEC);
  if (pod->userns_fd < 0)
    {
      sv_set_error_errno (error, errno, "open the user namespace of pod sandbox \"%s\" (%s)",
                          sandbox, userns);
      return FALSE;
    }
  pod->uid_mappings = g_array_ref (st->uid_mappings);
  pod->gid_mappings = g_array_ref (st->gid_mappings);
  return check_member_paths (pod, spec, error);
}

gboolean
sv_pod_resolve (SvPod *pod, SvSpec *spec, const char *root, GError **error)
{
  guint family = 0;
  const char *type = pod_type (spec, &family);

  if (g_strcmp0 (type, "sandbox") == 0)
    return resolve_sandbox (pod, spec, error);
  if (g_strcmp0 (type, "container") == 0)
    return resolve_member (pod, spec, family, root, error);
  return TRUE;
}

static gboolean
maps_equal (GArray *plugin_maps, GArray *pod_maps)
{
  if (plugin_maps->len != pod_maps->len)
    return FALSE;
  for (guint i = 0; i < plugin_maps->len; i++)
    {
      SvIdMapping *a = &g_array_index (plugin_maps, SvIdMapping, i);
      SvIdMapping *b = &g_array_index (pod_maps, SvIdMapping, i);
      if (a->container_id != b->container_id || a->host_id != b->host_id || a->size != b->size)
        return FALSE;
    }
  return TRUE;
}

gboolean
sv_pod_check_mappings (SvPod *pod, const char *plugin, GArray *uid_maps, GArray *gid_maps,
                       GError **error)
{
  if (pod->role != SV_POD_MEMBER
      || (maps_equal (uid_maps, pod->uid_mappings) && maps_equal (gid_maps, pod->gid_mappings)))
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
               "the idmap plugin %s gave this container other uid/gid mappings than its pod "
               "sandbox \"%s\" has, but a pod shares one user namespace; use idmap = auto or "
               "exclusive in plugins.conf",
               plugin != NULL ? plugin : "(none)", pod->sandbox_id);
  return FALSE;
}

typedef struct
{
  long pid;       /* the init's pid (host), or -1 */
  char text[512]; /* what failed, when pid < 0 */
} HelperReport;

/* The helper, forked in the host's PID namespace: join the namespaces the spec names by path
 * and the pod's user namespace, clone the init as our parent's child (its pid, as clone
 * returns it, is then a host pid), report, exit. */
G_GNUC_NORETURN static void
member_helper (SvPod *pod, SvSpec *spec, int flags, void (*child) (gpointer), gpointer data,
               int report)
{
  g_autoptr (GError) error = NULL;
  HelperReport r = { 0 };
  SvNsJoin join = { 0 };

  if (!sv_ns_join_paths (spec, &join, &error))
    ; /* reported below */
  else if (setns (pod->userns_fd, CLONE_NEWUSER) < 0)
    sv_set_error_errno (&error, errno, "enter the user namespace of pod sandbox \"%s\"",
                        pod->sandbox_id);
  else
    {
      /* never coming back: the init must not inherit our own namespaces */
      while (join.n > 0)
        close (join.saved[--join.n]);
      r.pid = syscall (SYS_clone, (unsigned long) (CLONE_PARENT | flags | SIGCHLD), NULL, NULL,
                       NULL, NULL);
      if (r.pid == 0)
        {
          close (report);
          child (data);
        }
      if (r.pid < 0)
        sv_set_error_errno (&error, errno, "clone the container's init in pod \"%s\"",
                            pod->sandbox_id);
    }
  if (error != NULL)
    {
      r.pid = -1;
      g_strlcpy (r.text, error->message, sizeof r.text);
    }
  if (write (report, &r, sizeof r) != sizeof r)
    _exit (2);
  _exit (0);
}

pid_t
sv_pod_clone_member (SvPod *pod, SvSpec *spec, int flags, void (*child) (gpointer), gpointer data,
                     GError **error)
{
  HelperReport r = { .pid = -1 };
  int p[2];
  pid_t helper;

  if (pipe2 (p, O_CLOEXEC) < 0)
    {
      sv_set_error_errno (error, errno, "pipe");
      return -1;
    }
  helper = fork ();
  if (helper == 0)
    {
      close (p[0]);
      member_helper (pod, spec, flags & ~CLONE_NEWUSER, child, data, p[1]);
    }
  close (p[1]);
  if (helper < 0)
    sv_set_error_errno (error, errno, "fork");
  else if (read (p[0], &r, sizeof r) != sizeof r)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                 "start the init in the user namespace of pod sandbox \"%s\": the helper died",
                 pod->sandbox_id);
  else if (r.pid < 0)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, r.text);
  close (p[0]);
  while (helper > 0 && waitpid (helper, NULL, 0) < 0 && errno == EINTR)
    ;
  if (helper <= 0 || r.pid <= 0)
    return -1;
  /* The pid goes into cgroups and signals: make sure it is our child as the host sees it. */
  if (sv_proc_ppid ((pid_t) r.pid) != getpid ())
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "the init started in pod \"%s\" (pid %ld) is not a child of this process",
                   pod->sandbox_id, r.pid);
      kill ((pid_t) r.pid, SIGKILL);
      return -1;
    }
  return (pid_t) r.pid;
}

gboolean
sv_pod_loopback_up (GError **error)
{
  sv_autofd s = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct ifreq ifr = { 0 };

  g_strlcpy (ifr.ifr_name, "lo", sizeof ifr.ifr_name);
  if (s < 0 || ioctl (s, SIOCGIFFLAGS, &ifr) < 0)
    {
      sv_set_error_errno (error, errno, "read the flags of the pod's loopback");
      return FALSE;
    }
  ifr.ifr_flags |= IFF_UP;
  if (ioctl (s, SIOCSIFFLAGS, &ifr) < 0)
    {
      sv_set_error_errno (error, errno, "bring up the pod's loopback");
      return FALSE;
    }
  return TRUE;
}
