/* create.c: the flow of one `create`:
 *
 *   load spec and plugins -> state dir -> plugins' prepare (ids) -> cgroup -> clone the init
 *   -> id maps, cgroup, limits -> plugins' attach (mount trees) -> GO -> [hooks] -> READY
 *   -> state.json.  Any failure undoes every step already taken. */
#include "create.h"

#include "cgroups-entry.h"
#include "cgroups-resources.h"
#include "cgroups.h"
#include "hooks.h"
#include "init.h"
#include "process-limits.h"
#include "namespaces.h"
#include "notify-socket.h"
#include "plugin-host.h"
#include "pod.h"
#include "seccomp-agent.h"
#include "sv-seccomp.h"
#include "state.h"
#include "storage.h"
#include "supervisor.h"
#include "syscont-policy.h"
#include "sync.h"
#include "terminal.h"
#include "utils.h"
#include "sv-error.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

/* Until an idmap plugin chooses, a container gets this range. */
#define SV_FALLBACK_HOST_ID 165536
#define SV_FALLBACK_SIZE 65536

typedef struct
{
  const SvCreateOptions *opts;
  SvSpec *spec;
  SvPluginsConf *conf;
  SvPluginHost *plugins;
  SvContainer *c;
  SvCgroup *cgroup;
  SvCgroupEntry cgroup_entry; /* the init's way in; it reads it after GO, until READY */
  SvState *state;
  SvSeccompProgram *seccomp;
  SvSyscontPolicy policy;
  SvPod pod;
  GPtrArray *hierarchies;
  char *fifo;
  char **envp;      /* process.env with LISTEN_FDS/NOTIFY_SOCKET, or NULL */
  guint listen_fds; /* fds 3.. handed to us by socket activation */
  gboolean dir_created;
  gboolean prepared;
  gboolean cgroup_created;
  pid_t child;
  int sync_fd;
  int child_sync_fd;
  int rootfs_dir_fd;
  int fifo_fd;
  int console_fd;
  int host_proc_fd;
  int supervisor_sock; /* the hand-over whose answer create_commit() awaits, or -1 */
  gboolean shared_mm;  /* the init shares our memory until its execve (clone_shared_init) */
} Create;

static void
create_rollback (Create *x)
{
  g_autoptr (GError) local = NULL;

  if (x->child > 0)
    {
      kill (x->child, SIGKILL);
      /* (frozen during create: a frozen task dies only once thawed) */
      if (x->cgroup_created && sv_cgroup_is_frozen (x->cgroup)
          && !sv_cgroup_set_frozen (x->cgroup, FALSE, &local))
        g_clear_error (&local);
      while (waitpid (x->child, NULL, 0) < 0 && errno == EINTR)
        ;
    }
  if (x->cgroup_created && !sv_cgroup_destroy (x->cgroup, &local))
    g_warning ("rollback: %s", local->message);
  if (x->cgroup_created)
    sv_cgroup_undo_create (x->cgroup);
  if (x->prepared)
    {
      sv_storage_release (x->c->host->lib_dir, x->opts->id, x->conf->storage_paths);
      sv_plugin_host_release (x->plugins, x->c);
    }
  g_clear_error (&local);
  if (x->dir_created && !sv_state_remove (x->opts->root, x->opts->id, &local))
    g_warning ("rollback: %s", local->message);
}

static void
create_clear (Create *x)
{
  sv_close_fdp (&x->sync_fd);
  sv_close_fdp (&x->child_sync_fd);
  sv_close_fdp (&x->rootfs_dir_fd);
  sv_close_fdp (&x->fifo_fd);
  if (x->opts->console_sock_fd < 0)
    sv_close_fdp (&x->console_fd);
  sv_close_fdp (&x->host_proc_fd);
  sv_close_fdp (&x->supervisor_sock);
  g_clear_pointer (&x->hierarchies, g_ptr_array_unref);
  g_clear_pointer (&x->seccomp, sv_seccomp_program_free);
  sv_pod_clear (&x->pod);
  g_clear_pointer (&x->state, sv_state_free);
  sv_cgroup_entry_clear (&x->cgroup_entry);
  g_clear_pointer (&x->cgroup, sv_cgroup_free);
  g_clear_pointer (&x->c, sv_container_free);
  g_clear_pointer (&x->plugins, sv_plugin_host_free);
  g_clear_pointer (&x->conf, sv_plugins_conf_free);
  g_clear_pointer (&x->spec, sv_spec_free);
  g_free (x->fifo);
  g_strfreev (x->envp);
}

static gboolean
check_process (SvSpec *spec, const SvCreateOptions *opts, GError **error)
{
  SvProcess *p = spec->process;
  gboolean has_console = opts->console_socket != NULL || opts->console_sock_fd >= 0;

  if (p == NULL)
    {
      g_set_error (error, SV_SPEC_ERROR, SV_SPEC_ERROR_MISSING,
                   "%s/config.json: process: required to create a container", spec->bundle);
      return FALSE;
    }
  if (p->terminal && !has_console)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "process.terminal is true but no --console-socket was given; give one, or "
                   "set \"terminal\": false in config.json");
      return FALSE;
    }
  if (!p->terminal && opts->console_socket != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "--console-socket was given but process.terminal is false; drop the flag or "
                   "set \"terminal\": true");
      return FALSE;
    }
  if (p->apparmor_profile != NULL && p->apparmor_profile[0] != '\0'
      && !g_file_test ("/sys/kernel/security/apparmor", G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "process.apparmorProfile \"%s\": AppArmor is not enabled on this host; "
                   "remove the field or enable AppArmor",
                   p->apparmor_profile);
      return FALSE;
    }
  return TRUE;
}

/* What root inside may do: the client's capabilities and seccomp profile widened for a
 * system container unless the user chose them (syscont-policy.c). */
static gboolean
create_apply_policy (Create *x, GError **error)
{
  if (!sv_syscont_policy_init (&x->policy, x->spec->annotations, x->conf, error))
    {
      g_prefix_error (error, "%s/config.json: ", x->spec->bundle);
      return FALSE;
    }
  sv_syscont_widen_caps (x->spec->process, &x->policy);
  return TRUE;
}

/* After the plugins' prepare: whether a syscall supervisor was asked for shapes the profile. */
static gboolean
create_compile_seccomp (Create *x, GError **error)
{
  g_autoptr (JsonObject) seccomp = NULL;

  if (x->spec->seccomp == NULL)
    return TRUE;
  sv_seccomp_agent_wins (&x->c->supervisor, x->spec->seccomp);
  x->policy.supervised_remounts = x->c->supervisor != NULL;
  seccomp = sv_syscont_seccomp (x->spec->seccomp, &x->policy);
  x->seccomp = sv_seccomp_compile (seccomp, "linux.seccomp", error);
  if (x->seccomp == NULL)
    g_prefix_error (error, "%s/config.json: ", x->spec->bundle);
  return x->seccomp != NULL;
}

static gboolean
create_load (Create *x, GError **error)
{
  x->spec = sv_spec_load (x->opts->bundle, error);
  if (x->spec == NULL || !check_process (x->spec, x->opts, error))
    return FALSE;
  if (!sv_pod_resolve (&x->pod, x->spec, x->opts->root, error))
    {
      g_prefix_error (error, "%s/config.json: ", x->spec->bundle);
      return FALSE;
    }
  if (!sv_hooks_validate (x->spec->hooks, error))
    {
      g_prefix_error (error, "%s/config.json: ", x->spec->bundle);
      return FALSE;
    }
  x->conf = sv_plugins_conf_load (sv_plugins_conf_path (x->opts->plugins_conf), error);
  if (x->conf == NULL || !create_apply_policy (x, error))
    return FALSE;
  x->plugins = sv_plugin_host_new (x->conf, x->opts->root);
  return sv_plugin_host_select (x->plugins, x->spec->spec_has_mappings, error);
}

static void
fill_state (Create *x)
{
  SvState *st = g_new0 (SvState, 1);

  st->id = g_strdup (x->opts->id);
  st->dir = sv_state_dir (x->opts->root, x->opts->id);
  st->bundle = g_strdup (x->spec->bundle);
  st->rootfs = g_strdup (x->spec->rootfs);
  st->created = sv_rfc3339_now ();
  st->creator_pid = getpid ();
  st->creator_starttime = sv_proc_starttime (getpid ());
  st->systemd_cgroup = x->opts->systemd_cgroup;
  st->annotations = x->spec->annotations != NULL
                        ? json_node_init_object (json_node_alloc (), x->spec->annotations)
                        : NULL;
  st->hooks =
      x->spec->hooks != NULL ? json_node_init_object (json_node_alloc (), x->spec->hooks) : NULL;
  st->releases_known = TRUE;
  for (int r = 0; r < SV_N_ROLES; r++)
    if (x->plugins->role[r] != NULL)
      {
        st->plugins[r] = g_strdup (x->plugins->role[r]->name);
        st->releases[r] = x->plugins->role[r]->desc->release != NULL;
      }
  st->uid_mappings = g_array_new (FALSE, FALSE, sizeof (SvIdMapping));
  st->gid_mappings = g_array_new (FALSE, FALSE, sizeof (SvIdMapping));
  x->state = st;
}

static gboolean
create_state_dir (Create *x, GError **error)
{
  if (!sv_state_create_dir (x->opts->root, x->opts->id, error))
    return FALSE;
  x->dir_created = TRUE;
  fill_state (x);
  /* The cgroup is recorded before anything exists: a create killed from here on leaves a
   * state that names it, so that delete removes it. */
  x->cgroup = sv_cgroup_new (x->opts->id, x->spec->cgroups_path, x->opts->systemd_cgroup, error);
  if (x->cgroup == NULL)
    return FALSE;
  x->state->cgroup = sv_cgroup_to_json (x->cgroup);
  return sv_state_save (x->opts->root, x->state, error);
}

static gboolean
choose_mappings (Create *x, GError **error)
{
  SvContainer *c = x->c;

  if (c->uid_mappings->len == 0)
    {
      SvIdMapping m = { 0, SV_FALLBACK_HOST_ID, SV_FALLBACK_SIZE };
      g_debug ("no idmap plugin chose mappings: using %u:%u", m.host_id, m.size);
      if (!sv_container_set_mappings (c, &m, 1, &m, 1, error))
        return FALSE;
    }
  if (sv_container_root_uid (c) < 0 || sv_container_root_gid (c) < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "container root (uid/gid 0) is not mapped by linux.uidMappings/gidMappings; "
                   "map container id 0 to a host range");
      return FALSE;
    }
  g_array_unref (x->state->uid_mappings);
  g_array_unref (x->state->gid_mappings);
  x->state->uid_mappings = g_array_copy (c->uid_mappings);
  x->state->gid_mappings = g_array_copy (c->gid_mappings);
  return TRUE;
}

/* linux.resources (parsed with the spec) plus the device rules every container gets, as runc
 * does: the spec's rules (or deny-all), then the standard devices (null, zero, full, random,
 * urandom, tty, ptmx, pts, tun, mknod of any), then the spec's linux.devices. */
static void
add_standard_devices (SvSpec *spec, SvCgroupResources *res)
{
  static const gint64 std[][2] = { { 1, 3 }, { 1, 5 }, { 1, 7 }, { 1, 8 },   { 1, 9 },
                                   { 5, 0 }, { 5, 1 }, { 5, 2 }, { 10, 200 } };

  if (res->devices == NULL)
    sv_cgroup_resources_add_device (res, FALSE, 'a', -1, -1, SV_CGROUP_ACC_ALL);
  sv_cgroup_resources_add_device (res, TRUE, 'c', -1, -1, SV_CGROUP_ACC_MKNOD);
  sv_cgroup_resources_add_device (res, TRUE, 'b', -1, -1, SV_CGROUP_ACC_MKNOD);
  for (guint i = 0; i < G_N_ELEMENTS (std); i++)
    sv_cgroup_resources_add_device (res, TRUE, 'c', std[i][0], std[i][1], SV_CGROUP_ACC_ALL);
  sv_cgroup_resources_add_device (res, TRUE, 'c', 136, -1, SV_CGROUP_ACC_ALL);
  for (guint i = 0; i < spec->devices->len; i++)
    {
      SvDevice *d = g_ptr_array_index (spec->devices, i);

      if (d->type != 'p')
        sv_cgroup_resources_add_device (res, TRUE, d->type, d->major, d->minor,
                                        SV_CGROUP_ACC_ALL);
    }
}

static gboolean
create_cgroup (Create *x, GError **error)
{
  /* A frozen cgroup that exists already is refused before it is touched (nor removed). */
  if (!sv_cgroup_refuse_frozen (x->cgroup, error)
      || !sv_cgroup_create (x->cgroup, (uid_t) sv_container_root_uid (x->c),
                            (gid_t) sv_container_root_gid (x->c), error))
    return FALSE;
  x->cgroup_created = TRUE;
  if (!sv_cgroup_refuse_frozen (x->cgroup, error))
    return FALSE;
  add_standard_devices (x->spec, x->spec->resources);
  if (!sv_cgroup_apply (x->cgroup, x->spec->resources, error))
    return FALSE;
  x->hierarchies = sv_cgroup_hierarchies (x->cgroup);
  return TRUE;
}

/* A container of a pod starts with its sandbox's mappings (an idmap plugin that knows pods
 * keeps them; one that does not is refused by sv_pod_check_mappings). */
static gboolean
pod_mappings (Create *x, GError **error)
{
  SvPod *pod = &x->pod;

  if (pod->role != SV_POD_MEMBER || pod->uid_mappings->len == 0 || x->c->uid_mappings->len > 0)
    return TRUE;
  return sv_container_set_mappings (x->c, (const SvIdMapping *) pod->uid_mappings->data,
                                    pod->uid_mappings->len,
                                    (const SvIdMapping *) pod->gid_mappings->data,
                                    pod->gid_mappings->len, error);
}

static gboolean
create_prepare (Create *x, GError **error)
{
  SvLoadedPlugin *idmap;

  x->c = sv_container_new (&x->plugins->host, x->opts->id, x->spec);
  x->prepared = TRUE;
  if (!pod_mappings (x, error) || !sv_plugin_host_prepare (x->plugins, x->c, error)
      || !create_compile_seccomp (x, error) || !choose_mappings (x, error))
    return FALSE;
  idmap = x->plugins->role[SV_ROLE_IDMAP];
  return sv_pod_check_mappings (&x->pod, idmap != NULL ? idmap->desc->name : NULL,
                                x->c->uid_mappings, x->c->gid_mappings, error)
         && sv_storage_prepare (x->c, x->spec, x->conf->storage_paths, x->opts->root, error)
         && create_cgroup (x, error);
}

/* As runc: socket activation's fds pass (before the --preserve-fds ones), and an sd_notify
 * socket of the container's own is forwarded to the host's (notify-socket.h). */
static gboolean
create_systemd_conventions (Create *x, GError **error)
{
  gboolean notify = sv_notify_host () != NULL;

  x->listen_fds = sv_listen_fds ();
  if (notify && !sv_notify_prepare (x->c, x->state->dir, error))
    return FALSE;
  x->envp = sv_notify_process_env (x->spec->process->env, x->listen_fds, notify);
  return TRUE;
}

static gboolean
open_fifo (Create *x, GError **error)
{
  x->fifo = sv_state_fifo_path (x->opts->root, x->opts->id);
  if (mkfifo (x->fifo, 0622) < 0 || chmod (x->fifo, 0622) < 0)
    {
      sv_set_error_errno (error, errno, "create %s", x->fifo);
      return FALSE;
    }
  x->fifo_fd = open (x->fifo, O_PATH | O_CLOEXEC);
  if (x->fifo_fd < 0)
    {
      sv_set_error_errno (error, errno, "open %s", x->fifo);
      return FALSE;
    }
  return TRUE;
}

static gboolean
create_open_fds (Create *x, GError **error)
{
  if (!open_fifo (x, error))
    return FALSE;
  x->rootfs_dir_fd = open (x->spec->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  x->host_proc_fd = open ("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (x->rootfs_dir_fd < 0 || x->host_proc_fd < 0)
    {
      sv_set_error_errno (error, errno, "open %s",
                          x->rootfs_dir_fd < 0 ? x->spec->rootfs : "/proc");
      return FALSE;
    }
  if (x->opts->console_sock_fd >= 0)
    x->console_fd = x->opts->console_sock_fd;
  else if (x->spec->process->terminal)
    {
      x->console_fd = sv_terminal_connect_socket (x->opts->console_socket, error);
      if (x->console_fd < 0)
        return FALSE;
    }
  return sv_sync_pair (&x->sync_fd, &x->child_sync_fd, error);
}

static void
init_config (Create *x, SvInitConfig *cfg)
{
  *cfg = (SvInitConfig){
    .spec = x->spec,
    .process = x->spec->process,
    .extra_mounts = x->c->extra_mounts,
    .cgroup_hierarchies = x->hierarchies,
    .seccomp = x->seccomp,
    .id = x->opts->id,
    .hooks = x->spec->hooks,
    .sync_fd = x->child_sync_fd,
    .rootfs_dir_fd = x->rootfs_dir_fd,
    .fifo_fd = x->fifo_fd,
    .console_fd = x->console_fd,
    .host_proc_fd = x->host_proc_fd,
    .preserve_fds = x->listen_fds + x->opts->preserve_fds,
    .new_cgroupns = sv_spec_namespace (x->spec, CLONE_NEWCGROUP) != NULL,
    .supervise = x->c->supervisor != NULL,
    .loopback_up = x->pod.own_netns,
    .hook_pause = sv_hooks_has (x->spec->hooks, "prestart")
                  || sv_hooks_has (x->spec->hooks, "createRuntime")
                  || sv_hooks_has (x->spec->hooks, "createContainer"),
    .envp = x->envp != NULL ? x->envp : x->spec->process->env,
    .cgroup_entry = x->cgroup_entry.active ? &x->cgroup_entry : NULL,
  };
}

typedef struct
{
  SvInitConfig *cfg;
  int sync_fd;
} InitStart;

static void
start_init (gpointer data)
{
  InitStart *s = data;

  close (s->sync_fd);
  sv_init_run (s->cfg);
}

/* The init shares our memory from its clone to its execve (CLONE_VM: no page tables copied,
 * no copy-on-write, no code faulted in again; a tenth of a `run`, bench/README.md).  glibc
 * does not know it runs: it shares our heap, our libraries' data and our thread pointer
 * (errno, malloc's cache).  So the two take turns: one runs only while the other is blocked
 * in a system call on the sync socket (or, after ACK, the init on the exec fifo), and neither
 * allocates, frees or logs between its send and its wait.  Its config and stack are ours and
 * must outlive create's frames: they are static (one create per process). */
static struct
{
  SvInitConfig cfg;
  InitStart start;
  int sync_fd; /* our end, once committed: the init's execve closes its own */
  char *stack;
} shared = { .sync_fd = -1 };

#define SHARED_STACK_SIZE (2u << 20)

static int
start_shared_init (void *data)
{
  start_init (data);
  return 0;
}

static long
clone_shared_init (Create *x, SvInitConfig *cfg)
{
  shared.stack = mmap (NULL, SHARED_STACK_SIZE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (shared.stack == MAP_FAILED)
    {
      shared.stack = NULL;
      return -1;
    }
  shared.cfg = *cfg;
  shared.cfg.shared_mm = TRUE;
  shared.start = (InitStart){ &shared.cfg, x->sync_fd };
  /* Born in its cgroup2 cgroup where clone3 allows (cgroups-entry.h) */
  return sv_cgroup_entry_clone_vm (&x->cgroup_entry, sv_ns_clone_flags (x->spec),
                                   start_shared_init, &shared.start, shared.stack,
                                   SHARED_STACK_SIZE);
}

void
sv_create_wait_init_exec (void)
{
  struct pollfd p = { .fd = shared.sync_fd, .events = POLLIN };
  char byte;

  if (shared.sync_fd < 0)
    return;
  /* Our end's EOF tells the init that we are done with the memory until its execve. */
  shutdown (shared.sync_fd, SHUT_WR);
  /* Until the init's end closes (its execve, or its death): POLLHUP once both directions are
   * shut, or a read of 0.  (errno is not read: the init running meanwhile shares it.) */
  for (;;)
    if (poll (&p, 1, -1) > 0
        && ((p.revents & (POLLHUP | POLLERR | POLLNVAL)) || read (shared.sync_fd, &byte, 1) == 0))
      break;
  shared.sync_fd = -1;
  munmap (shared.stack, SHARED_STACK_SIZE);
  shared.stack = NULL;
}

/* Clone the init: with a new user namespace, sharing our memory; or, for a container of a
 * pod, in its sandbox's, forked by a helper process (sv_pod_clone_member). */
static long
clone_init (Create *x, SvInitConfig *cfg, GError **error)
{
  InitStart start = { cfg, x->sync_fd };
  long pid;

  if (x->pod.role == SV_POD_MEMBER)
    return sv_pod_clone_member (&x->pod, x->spec, sv_ns_clone_flags (x->spec), start_init, &start,
                                error);
  pid = clone_shared_init (x, cfg);
  if (pid < 0)
    sv_set_error_errno (error, errno, "clone the container's init");
  return pid;
}

static gboolean
create_spawn (Create *x, GError **error)
{
  SvInitConfig cfg;
  SvNsJoin join = { 0 };
  sv_autofd saved_cwd = -1;
  long pid;

  /* The init that shares our memory is born in its cgroup2 cgroup and writes itself into the
   * v1 ones after GO (cgroups-entry.h); a container of a pod, cloned by a helper in its
   * sandbox's namespaces (pod.c), is moved by us before GO (create_configure_child). */
  x->shared_mm = x->pod.role != SV_POD_MEMBER;
  if (x->shared_mm && !sv_cgroup_entry_open (x->cgroup, &x->cgroup_entry, error))
    return FALSE;
  init_config (x, &cfg);
  if (x->pod.role != SV_POD_MEMBER && !sv_ns_join_paths (x->spec, &join, error))
    return FALSE;
  /* The init attaches the rootfs on its working directory (see mounts.c). */
  saved_cwd = open (".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (saved_cwd < 0 || fchdir (x->rootfs_dir_fd) < 0)
    {
      sv_set_error_errno (error, errno, "enter %s", x->spec->rootfs);
      sv_ns_restore (&join);
      return FALSE;
    }
  pid = clone_init (x, &cfg, error);
  sv_ns_restore (&join);
  if (fchdir (saved_cwd) < 0)
    g_warning ("cannot return to the working directory: %s", sv_strerror (errno));
  if (pid < 0)
    return FALSE;
  x->child = (pid_t) pid;
  sv_close_fdp (&x->child_sync_fd);
  g_debug ("container init is pid %ld", pid);
  return TRUE;
}

static int
clone_tree (const char *path, gboolean recursive, GError **error)
{
  int fd = open_tree (AT_FDCWD, path,
                      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));

  if (fd < 0)
    sv_set_error_errno (error, errno, "clone mount tree of %s", path);
  return fd;
}

static gboolean
set_tree_flags (int fd, unsigned long flags, const char *what, GError **error)
{
  struct mount_attr attr = { 0 };

  if (flags & MS_RDONLY)
    attr.attr_set |= MOUNT_ATTR_RDONLY;
  if (flags & MS_NOSUID)
    attr.attr_set |= MOUNT_ATTR_NOSUID;
  if (flags & MS_NODEV)
    attr.attr_set |= MOUNT_ATTR_NODEV;
  if (flags & MS_NOEXEC)
    attr.attr_set |= MOUNT_ATTR_NOEXEC;
  if (flags & MS_NOATIME)
    attr.attr_set |= MOUNT_ATTR_NOATIME;
  if (attr.attr_set == 0)
    return TRUE;
  if (mount_setattr (fd, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
    {
      sv_set_error_errno (error, errno, "set options of %s", what);
      return FALSE;
    }
  return TRUE;
}

/* An extra mount of storage.c: its files' on-disk ids are the container's ids. */
static gboolean
idmap_tree (int fd, int userns_fd, const char *what, GError **error)
{
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP | MOUNT_ATTR_NODEV,
                             .userns_fd = (guint64) userns_fd };

  if (mount_setattr (fd, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
    {
      sv_set_error_errno (error, errno,
                          "ID-map the storage of %s (mount_setattr MOUNT_ATTR_IDMAP); keep the "
                          "lib dir on a filesystem that supports ID-mapped mounts (ext4, xfs, "
                          "btrfs, tmpfs), or set storage-paths = none in plugins.conf",
                          what);
      return FALSE;
    }
  return TRUE;
}

/* Trees the shift plugin did not provide are plain clones, made here as host root. */
static gboolean
make_default_trees (Create *x, GError **error)
{
  SvContainer *c = x->c;

  if (c->rootfs_tree_fd < 0)
    {
      c->rootfs_tree_fd = clone_tree (c->rootfs, TRUE, error);
      if (c->rootfs_tree_fd < 0)
        return FALSE;
    }
  for (guint i = 0; i < x->spec->mounts->len; i++)
    {
      SvMount *m = g_ptr_array_index (x->spec->mounts, i);
      if (!m->bind)
        continue;
      if (c->mount_tree_fds[i] < 0 && !g_file_test (m->source, G_FILE_TEST_EXISTS))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                       "bind mount -v %s:%s refused: %s does not exist; create it or fix "
                       "the path (mounts[%u].source)",
                       m->source, m->destination, m->source, i);
          return FALSE;
        }
      if (c->mount_tree_fds[i] < 0
          && (c->mount_tree_fds[i] = clone_tree (m->source, m->rbind, error)) < 0)
        return FALSE;
      if (!set_tree_flags (c->mount_tree_fds[i], m->flags, m->destination, error))
        return FALSE;
    }
  for (guint i = 0; i < c->extra_mounts->len; i++)
    {
      SvExtraMount *e = g_ptr_array_index (c->extra_mounts, i);
      e->tree_fd = clone_tree (e->source, FALSE, error);
      if (e->tree_fd < 0
          || (e->idmapped && !idmap_tree (e->tree_fd, c->userns_fd, e->destination, error))
          || !set_tree_flags (e->tree_fd, e->readonly ? MS_RDONLY | MS_NOSUID | MS_NODEV : 0,
                              e->destination, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
send_go (Create *x, GError **error)
{
  SvContainer *c = x->c;
  SvSyncMsg go = { .type = SV_SYNC_GO }, *msg = &go; /* (nothing to free after the send) */
  int fds[SV_SYNC_MAX_FDS];
  gboolean room;

  room = sv_sync_add_fd (msg, fds, c->rootfs_tree_fd, SV_SYNC_FD_ROOTFS, 0);
  for (guint i = 0; room && i < x->spec->mounts->len; i++)
    if (((SvMount *) g_ptr_array_index (x->spec->mounts, i))->bind)
      room = sv_sync_add_fd (msg, fds, c->mount_tree_fds[i], SV_SYNC_FD_BIND_MOUNT, i);
  for (guint i = 0; room && i < c->extra_mounts->len; i++)
    room = sv_sync_add_fd (msg, fds,
                           ((SvExtraMount *) g_ptr_array_index (c->extra_mounts, i))->tree_fd,
                           SV_SYNC_FD_EXTRA_MOUNT, i);
  if (!room)
    {
      /* The spec's share is checked when it is loaded: the plugins asked for too many. */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "the plugins add %u mounts, at most %d fit beside the spec's bind mounts; "
                   "turn off some of their mounts in plugins.conf",
                   c->extra_mounts->len, SV_SYNC_MAX_PLUGIN_TREES);
      return FALSE;
    }
  if (!sv_sync_send (x->sync_fd, msg, fds, msg->n_fds))
    {
      sv_set_error_errno (error, errno ? errno : EPIPE, "hand the mount trees to the init");
      return FALSE;
    }
  return TRUE;
}

static gboolean
create_configure_child (Create *x, GError **error)
{
  char userns[64];
  sv_autofd userns_fd = -1;
  gboolean ok;

  /* A container of a pod is in its sandbox's user namespace, mapped already. */
  snprintf (userns, sizeof userns, "/proc/%d/ns/user", (int) x->child);
  if ((x->pod.role != SV_POD_MEMBER
       && !sv_ns_write_maps (x->child, x->state->uid_mappings, x->state->gid_mappings, error))
      || !sv_cgroup_entry_finish (x->cgroup, &x->cgroup_entry, x->child, error)
      || !sv_process_apply_limits (x->spec->process, x->child, error))
    return FALSE;
  userns_fd = open (userns, O_RDONLY | O_CLOEXEC);
  if (userns_fd < 0)
    {
      sv_set_error_errno (error, errno, "open %s", userns);
      return FALSE;
    }
  x->c->userns_fd = userns_fd;
  ok = sv_plugin_host_attach (x->plugins, x->c, error) && make_default_trees (x, error);
  x->c->userns_fd = -1;
  return ok && send_go (x, error);
}

/* The state given to create's hooks: the init's pid, status "creating" (OCI). */
static JsonNode *
creating_state (Create *x)
{
  JsonNode *node;

  x->state->pid = x->child;
  node = sv_state_to_oci (x->state);
  x->state->pid = 0;
  json_object_set_string_member (json_node_get_object (node), "status", "creating");
  return node;
}

static gboolean
run_create_hooks (Create *x, GError **error)
{
  g_autoptr (JsonNode) st = creating_state (x);
  SvSyncMsg msg = { .type = SV_SYNC_CONTINUE };

  /* Where runc runs them: in the bundle, createContainer in the rootfs. */
  if (!sv_hooks_run_in (x->spec->hooks, "prestart", st, x->spec->bundle, error)
      || !sv_hooks_run_in (x->spec->hooks, "createRuntime", st, x->spec->bundle, error)
      || !sv_hooks_run_in (x->spec->hooks, "createContainer", st, x->spec->rootfs, error))
    return FALSE;
  g_clear_pointer (&st, json_node_unref); /* (before the init runs again) */
  if (!sv_sync_send (x->sync_fd, &msg, NULL, 0))
    {
      sv_set_error_errno (error, EPIPE, "resume the container's init after hooks");
      return FALSE;
    }
  return TRUE;
}

/* READY carries the listener of the supervisor's filter when a plugin asked for one.  It is
 * sent here; its answer is awaited in create_commit(), after the state is saved meanwhile. */
static gboolean
create_hand_over (Create *x, int listener, GError **error)
{
  sv_autofd fd = listener;

  if (x->c->supervisor == NULL)
    return TRUE;
  x->supervisor_sock = sv_supervisor_send (x->c->supervisor, fd, "the container's init",
                                           x->opts->id, x->child, error);
  return x->supervisor_sock != -1;
}

/* The supervisor holds the listener before the init may go on to run the process. */
static gboolean
create_await_supervisor (Create *x, GError **error)
{
  int sock = x->supervisor_sock;

  x->supervisor_sock = -1;
  return x->c->supervisor == NULL || sv_supervisor_await (x->c->supervisor, sock, error);
}

/* A signal that asks `run` (which blocks signals) to stop, pending; or 0. */
static int
stop_signal_pending (void)
{
  static const int stop[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
  sigset_t pending;

  sigpending (&pending);
  for (guint i = 0; i < G_N_ELEMENTS (stop); i++)
    if (sigismember (&pending, stop[i]))
      return stop[i];
  return 0;
}

/* Before we allocate while an init that shares our memory may run: kill it, and wait until
 * it is dead or frozen (a frozen task dies only once thawed, and does not run meanwhile). */
static void
stop_shared_init (Create *x)
{
  const struct timespec ms = { 0, 1000000 };

  if (!x->shared_mm || x->child <= 0)
    return;
  kill (x->child, SIGKILL);
  /* (bounded: killed, it runs no code of ours once it is in the kernel, where a task stuck in
   * an uninterruptible wait stays; a second is long past the kill's interrupt) */
  for (guint i = 0; i < 1000; i++)
    {
      siginfo_t si = { 0 };
      if (waitid (P_PID, (id_t) x->child, &si, WEXITED | WNOHANG | WNOWAIT) < 0
          || si.si_pid == x->child || sv_cgroup_freezing (x->cgroup))
        return;
      nanosleep (&ms, NULL);
    }
}

/* Wait until the init speaks, but give up when the cgroup gets frozen under it or when `run`
 * (which blocks signals) is asked to stop: never an endless wait with signals blocked.  The
 * init may be running meanwhile: with shared memory, nothing here allocates until it is
 * stopped. */
static gboolean
wait_for_init (Create *x, GError **error)
{
  struct pollfd p = { .fd = x->sync_fd, .events = POLLIN };

  while (poll (&p, 1, 200) == 0 || (p.revents == 0 && errno == EINTR))
    {
      int sig = stop_signal_pending ();
      if (sig == 0 && x->shared_mm && !sv_cgroup_freezing (x->cgroup))
        continue;
      stop_shared_init (x);
      if (sig != 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                       "interrupted by %s while the container was created; nothing was left",
                       sigabbrev_np (sig));
          return FALSE;
        }
      if (!sv_cgroup_refuse_frozen (x->cgroup, error))
        return FALSE;
      if (x->shared_mm) /* (thawed meanwhile, but it was killed) */
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                       "container's cgroup was frozen while the container was created; "
                       "nothing was left");
          return FALSE;
        }
    }
  return TRUE;
}

/* linux.seccomp.listenerPath: the init's filter listener goes to the user's agent. */
static gboolean
create_hand_to_agent (Create *x, int listener, GError **error)
{
  sv_autofd fd = listener;
  g_autoptr (JsonNode) st = creating_state (x);
  SvSyncMsg go_on = { .type = SV_SYNC_CONTINUE };

  if (fd < 0 || !sv_seccomp_agent_send (x->spec->seccomp, x->child, st, fd, error))
    return FALSE;
  g_clear_pointer (&st, json_node_unref); /* (before the init runs again) */
  if (!sv_sync_send (x->sync_fd, &go_on, NULL, 0))
    {
      sv_set_error_errno (error, EPIPE, "resume the container's init");
      return FALSE;
    }
  return TRUE;
}

static gboolean
create_wait_ready (Create *x, GError **error)
{
  for (;;)
    {
      SvSyncMsg msg = { 0 };
      int fds[1] = { -1 };
      sv_autofd listener = -1;

      if (!wait_for_init (x, error))
        return FALSE;
      if (!sv_sync_recv (x->sync_fd, &msg, fds, G_N_ELEMENTS (fds)))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "the container's init exited before it was ready");
          return FALSE;
        }
      listener = sv_sync_take_fd (&msg, fds, SV_SYNC_FD_LISTENER, 0);
      if (msg.n_fds == 1 && fds[0] >= 0)
        close (fds[0]); /* an fd with another tag: not for us */
      if (msg.type == SV_SYNC_READY)
        return create_hand_over (x, g_steal_fd (&listener), error);
      if (msg.type == SV_SYNC_ERROR)
        {
          g_set_error_literal (error, G_IO_ERROR, msg.error_code, msg.text);
          return FALSE;
        }
      if (msg.type == SV_SYNC_HOOKS && !run_create_hooks (x, error))
        return FALSE;
      if (msg.type == SV_SYNC_LISTENER
          && !create_hand_to_agent (x, g_steal_fd (&listener), error))
        return FALSE;
    }
}

/* state.json names the init now: tell it to stop dying with us, and wait until it has. */
static gboolean
release_child (Create *x, GError **error)
{
  SvSyncMsg msg = { .type = SV_SYNC_COMMITTED,
                    .pid = x->child,
                    .runtime_starts = x->opts->starts_itself };

  if (!sv_sync_send (x->sync_fd, &msg, NULL, 0) || !wait_for_init (x, error))
    return FALSE;
  if (!sv_sync_recv (x->sync_fd, &msg, NULL, 0) || msg.type != SV_SYNC_ACK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "the container's init exited before it was ready");
      return FALSE;
    }
  return TRUE;
}

static gboolean
create_commit (Create *x, GError **error)
{
  x->state->pid = x->child;
  x->state->starttime = sv_proc_starttime (x->child);
  x->state->supervisor = g_strdup (x->c->supervisor);
  if (!sv_state_save (x->opts->root, x->state, error))
    return FALSE;
  sv_state_mark_committed (x->opts->root, x->opts->id);
  if (!create_await_supervisor (x, error))
    return FALSE;
  /* Before the init is released: from then on it may run (a `start`), sharing our memory. */
  if (x->opts->pid_file != NULL)
    {
      g_autofree char *text = g_strdup_printf ("%d", (int) x->child);
      g_autofree char *abs = g_canonicalize_filename (x->opts->pid_file, NULL);
      if (!sv_write_file_atomic (abs, text, -1, 0644, error))
        {
          g_prefix_error (error, "--pid-file: ");
          return FALSE;
        }
    }
  if (!release_child (x, error))
    return FALSE;
  if (x->shared_mm && x->opts->starts_itself)
    shared.sync_fd = x->sync_fd;
  return TRUE;
}

gboolean
sv_create_container (const SvCreateOptions *opts, pid_t *pid_out, GError **error)
{
  Create x = { .opts = opts,
               .pod = SV_POD_INIT,
               .sync_fd = -1,
               .child_sync_fd = -1,
               .rootfs_dir_fd = -1,
               .fifo_fd = -1,
               .console_fd = -1,
               .host_proc_fd = -1,
               .supervisor_sock = -1,
               .cgroup_entry = { .v2_dir_fd = -1 } };
  gboolean ok;

  ok = sv_state_validate_id (opts->id, error) && create_load (&x, error)
       && create_state_dir (&x, error) && create_prepare (&x, error)
       && create_systemd_conventions (&x, error) && create_open_fds (&x, error)
       && create_spawn (&x, error) && create_configure_child (&x, error)
       && create_wait_ready (&x, error) && create_commit (&x, error);
  if (!ok)
    create_rollback (&x);
  else
    *pid_out = x.child;
  if (ok && opts->created != NULL)
    opts->created (x.state, opts->created_data);
  create_clear (&x);
  return ok;
}
