/* init.c: the container's init, from clone to execve.
 *
 *   wait for the parent (id maps, mount trees) -> into the v1 cgroups (born in cgroup2)
 *   -> become root of the user namespace -> cgroup namespace -> hostname -> rootfs and mounts
 *   -> [hooks] -> pivot_root -> masked and read-only paths -> terminal -> user and
 *   capabilities -> READY -> exec fifo -> execve. */
#include "init.h"
#include "devices.h"
#include "mounts.h"
#include "process.h"
#include "terminal-child.h"

#include "hooks.h"
#include "log.h"
#include "pod.h"
#include "supervisor.h"
#include "sync.h"
#include "utils.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/stat.h>

G_GNUC_NORETURN static void
fail (SvInitConfig *cfg, GError *error)
{
  SvSyncMsg msg = { .type = SV_SYNC_ERROR };

  msg.error_code = error->domain == G_IO_ERROR ? error->code : 0;
  g_strlcpy (msg.text, error->message, sizeof msg.text);
  sv_sync_send (cfg->sync_fd, &msg, NULL, 0);
  _exit (1);
}

/* GO, with the mount trees.  Sharing the runtime's memory (create.c), a failure leaves
 * quietly: no heap until GO, and the runtime is gone or gives up anyway. */
static gboolean
receive_trees (SvInitConfig *cfg, SvInitTrees *t, GError **error)
{
  if (sv_sync_recv (cfg->sync_fd, &t->msg, t->fds, SV_SYNC_MAX_FDS) && t->msg.type == SV_SYNC_GO)
    return TRUE;
  if (cfg->shared_mm)
    _exit (1);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE, "the runtime went away");
  return FALSE;
}

static gboolean
become_root (SvInitConfig *cfg, GError **error)
{
  /* Into its cgroup before its cgroup namespace: born in cgroup2, it writes itself into the
   * v1 hierarchies now (or the runtime moved it before GO: no entry) */
  if (cfg->cgroup_entry != NULL && !sv_cgroup_entry_join_shared (cfg->cgroup_entry, error))
    return FALSE;
  if (setresgid (0, 0, 0) < 0 || setresuid (0, 0, 0) < 0)
    {
      sv_set_error_errno (error, errno, "become root in the user namespace (is id 0 mapped?)");
      return FALSE;
    }
  if (!sv_process_join_session_keyring (error))
    return FALSE;
  if (cfg->new_cgroupns && unshare (CLONE_NEWCGROUP) < 0)
    {
      sv_set_error_errno (error, errno, "create the cgroup namespace");
      return FALSE;
    }
  return !cfg->loopback_up || sv_pod_loopback_up (error);
}

static gboolean
set_names (SvSpec *spec, GError **error)
{
  if (spec->hostname != NULL && spec->hostname[0] != '\0'
      && sethostname (spec->hostname, strlen (spec->hostname)) < 0)
    {
      sv_set_error_errno (error, errno, "hostname \"%s\"", spec->hostname);
      return FALSE;
    }
  if (spec->domainname != NULL && spec->domainname[0] != '\0'
      && setdomainname (spec->domainname, strlen (spec->domainname)) < 0)
    {
      sv_set_error_errno (error, errno, "domainname \"%s\"", spec->domainname);
      return FALSE;
    }
  return TRUE;
}

/* Let the parent run hooks that need the container's namespaces but not yet its root. */
static gboolean
pause_for_hooks (SvInitConfig *cfg, GError **error)
{
  SvSyncMsg msg = { .type = SV_SYNC_HOOKS };

  if (!cfg->hook_pause)
    return TRUE;
  if (!sv_sync_send (cfg->sync_fd, &msg, NULL, 0) || !sv_sync_recv (cfg->sync_fd, &msg, NULL, 0)
      || msg.type != SV_SYNC_CONTINUE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE, "the runtime went away");
      return FALSE;
    }
  return TRUE;
}

/* The highest gid mapped in our user namespace (its gid_map's largest container id). */
static guint64
max_mapped_gid (void)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  guint64 max = 0;

  if (!g_file_get_contents ("/proc/self/gid_map", &text, NULL, NULL))
    return 0;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      guint64 inside, outside, count;
      if (sscanf (lines[i], "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT,
                  &inside, &outside, &count)
              == 3
          && count > 0)
        max = MAX (max, inside + count - 1);
    }
  return max;
}

/* Docker sets net.ipv4.ping_group_range to "0 2147483647"; a user namespace accepts only
 * gids it maps, so the range is clamped to them (what the setting means inside). */
static char *
sysctl_value (const char *key, const char *value)
{
  guint64 lo, hi;

  if (g_strcmp0 (key, "net.ipv4.ping_group_range") != 0
      || sscanf (value, "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, &lo, &hi) != 2)
    return g_strdup (value);
  hi = MIN (hi, max_mapped_gid ());
  lo = MIN (lo, hi);
  return g_strdup_printf ("%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, lo, hi);
}

static gboolean
write_sysctls (SvSpec *spec, GError **error)
{
  for (guint i = 0; i < spec->sysctl_keys->len; i++)
    {
      const char *key = spec->sysctl_keys->pdata[i];
      g_autofree char *rel = g_strdelimit (g_strdup (key), ".", '/');
      g_autofree char *path = g_build_filename ("/proc/sys", rel, NULL);
      g_autofree char *value = sysctl_value (key, spec->sysctl_values->pdata[i]);
      if (!sv_write_existing_file (path, value, error))
        {
          g_prefix_error (error,
                          "linux.sysctl \"%s\" (is it namespaced? only sysctls of the "
                          "container's own namespaces can be set): ",
                          key);
          return FALSE;
        }
    }
  return TRUE;
}

/* As runc: a missing cwd is created by container root once the mounts are in place, before the
 * rootfs, masked and read-only paths become read-only. */
static gboolean
create_cwd (SvProcess *p, GError **error)
{
  struct stat st;

  if (stat (p->cwd, &st) == 0 || errno != ENOENT || g_mkdir_with_parents (p->cwd, 0755) == 0)
    return TRUE;
  sv_set_error_errno (error, errno, "create process.cwd %s", p->cwd);
  return FALSE;
}

static gboolean
setup_filesystem (SvInitConfig *cfg, SvInitTrees *t, GError **error)
{
  sv_autofd rootfd = -1;

  if (!sv_mounts_attach_rootfs (cfg, t, &rootfd, error) || !sv_mounts_spec (cfg, rootfd, t, error)
      || !sv_devices_setup (cfg, rootfd, error) || !pause_for_hooks (cfg, error)
      || !sv_mounts_pivot (rootfd, error) || !sv_devices_symlinks (cfg, error))
    return FALSE;
  if (cfg->process->terminal && cfg->console_fd >= 0 && !sv_terminal_setup_child (cfg, error))
    return FALSE;
  /* Plugin mounts (emulated /proc files) come after masked and read-only paths: they keep
   * their own flags (a writable emulated sysctl under a read-only /proc/sys). */
  return write_sysctls (cfg->spec, error) && create_cwd (cfg->process, error)
         && sv_mounts_masked_readonly (cfg, error) && sv_mounts_extra (cfg, t, error)
         && sv_mounts_finish (cfg, error);
}

/* First thing in the init: every fd the runtime or its caller had, but those the init needs
 * and those --preserve-fds names, is closed (the caller's files, the runtime's O_PATH fds of
 * the bundle, the rootfs and /, its sockets).  Touches no heap (see sv_init_run). */
static void
close_inherited_fds (SvInitConfig *cfg)
{
  int keep[5 + SV_CGROUP_ENTRY_MAX] = { cfg->sync_fd, cfg->fifo_fd, cfg->console_fd,
                                        cfg->host_proc_fd, sv_log_fd () };
  guint n = 5;

  for (guint i = 0; cfg->cgroup_entry != NULL && i < cfg->cgroup_entry->n_tasks; i++)
    keep[n++] = cfg->cgroup_entry->tasks_fds[i];
  sv_close_fds_except (cfg->preserve_fds, keep, n);
  cfg->rootfs_dir_fd = -1; /* (the parent's: it cloned us with it as our cwd) */
}

/* The mount trees are attached: their fds name host paths, none may stay open. */
static void
release_trees (SvInitTrees *t)
{
  /* (those taken, the rootfs and every tree attached, were closed by their users) */
  for (guint i = 0; i < t->msg.n_fds; i++)
    if (t->fds[i] >= 0)
      close (t->fds[i]);
  t->msg.n_fds = 0;
}

/* The exec fifo is reopened through /proc/self/fd at `start`: the container's own /proc when it
 * has one (the host's /proc fd is then closed), else the host's, opened before pivot_root. */
static void
choose_proc_for_fifo (SvInitConfig *cfg)
{
  g_autofree char *link = g_strdup_printf ("/proc/self/fd/%d", cfg->fifo_fd);
  char target[16];

  if (cfg->fifo_fd < 0 || cfg->host_proc_fd < 0 || readlink (link, target, sizeof target) < 0)
    return;
  close (cfg->host_proc_fd);
  cfg->host_proc_fd = -1;
}

/* linux.seccomp.listenerPath: the filter's listener goes to the runtime (which hands it to the
 * agent) at once, before any call the agent might have to answer; as runc does. */
static void
load_notifying_filter (SvInitConfig *cfg)
{
  g_autoptr (GError) error = NULL;
  SvSyncMsg msg = { .type = SV_SYNC_LISTENER };
  int fd = sv_seccomp_load (cfg->seccomp), fds[1];

  if (fd < 0)
    {
      sv_set_error_errno (&error, -fd,
                          "load the seccomp filter (linux.seccomp, with "
                          "listenerPath)");
      fail (cfg, error);
    }
  cfg->seccomp = NULL;
  sv_sync_add_fd (&msg, fds, fd, SV_SYNC_FD_LISTENER, 0);
  if (!sv_sync_send (cfg->sync_fd, &msg, fds, msg.n_fds)
      || !sv_sync_recv (cfg->sync_fd, &msg, NULL, 0) || msg.type != SV_SYNC_CONTINUE)
    _exit (1);
  close (fd);
}

/* Until the runtime has recorded our pid in state.json, a dying runtime must take us with
 * it (nothing could ever find and delete us); once it has, we must outlive it. */
static pid_t
outlive_runtime (SvInitConfig *cfg)
{
  SvSyncMsg msg = { 0 };
  pid_t host_pid;

  if (!sv_sync_recv (cfg->sync_fd, &msg, NULL, 0) || msg.type != SV_SYNC_COMMITTED)
    _exit (1);
  host_pid = (pid_t) msg.pid;
  prctl (PR_SET_PDEATHSIG, 0, 0, 0, 0);
  msg.type = SV_SYNC_ACK;
  cfg->runtime_starts = msg.runtime_starts;
  if (!sv_sync_send (cfg->sync_fd, &msg, NULL, 0))
    _exit (1);
  /* Sharing the memory of a `run`: the socket stays, its close at our execve is what `run`
   * waits for (sv_create_wait_init_exec()). */
  if (!(cfg->shared_mm && cfg->runtime_starts))
    close (cfg->sync_fd);
  return host_pid;
}

/* startContainer hooks run in the container (its namespaces and root), after `start` and
 * before the process; a failing one stops the container. */
static void
run_start_hooks (SvInitConfig *cfg, pid_t host_pid)
{
  g_autoptr (JsonBuilder) b = NULL;
  g_autoptr (JsonNode) state = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *line = NULL;

  if (!sv_hooks_has (cfg->hooks, "startContainer"))
    return;
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "ociVersion");
  json_builder_add_string_value (b, SV_OCI_VERSION);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, cfg->id);
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (b, "running");
  json_builder_set_member_name (b, "pid");
  json_builder_add_int_value (b, host_pid);
  json_builder_set_member_name (b, "bundle");
  json_builder_add_string_value (b, cfg->spec->bundle);
  json_builder_end_object (b);
  state = json_builder_get_root (b);
  if (sv_hooks_run (cfg->hooks, "startContainer", state, &error))
    return;
  line = g_strdup_printf ("sysvisor-runc: %s\n", error->message);
  sv_write_all (STDERR_FILENO, line, strlen (line));
  _exit (1);
}

/* Sharing the memory of a `run`: wait until it is done with it (it shuts its end of the sync
 * socket down to wait for our execve, sv_create_wait_init_exec()).  A `create` touches no
 * heap once it has released us (SvCreateOptions.starts_itself). */
static void
wait_runtime_done (SvInitConfig *cfg)
{
  char byte;
  ssize_t r;
  guint failures = 0;

  if (!(cfg->shared_mm && cfg->runtime_starts))
    return;
  /* Until EOF.  (errno is not read: the runtime running meanwhile shares it; a socket that
   * keeps failing ends us, which is safe, rather than letting us run beside it.) */
  while ((r = read (cfg->sync_fd, &byte, 1)) != 0)
    if (r < 0 && ++failures > 100)
      _exit (1);
  /* (our end stays open: its close at our execve is what `run` waits for) */
}

/* Block until `start` opens the fifo for reading.  The fifo is reached through the host's
 * /proc, opened before pivot_root, so it works even when the container mounts no /proc.
 * Touches no heap until then (see wait_runtime_done). */
static void
wait_for_start (SvInitConfig *cfg)
{
  char rel[64];
  int fd;

  if (cfg->fifo_fd < 0)
    return;
  snprintf (rel, sizeof rel, "%sself/fd/%d", cfg->host_proc_fd >= 0 ? "" : "/proc/",
            cfg->fifo_fd);
  fd = openat (cfg->host_proc_fd >= 0 ? cfg->host_proc_fd : AT_FDCWD, rel, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || !sv_write_all (fd, "0", 1))
    _exit (1);
  close (fd);
  close (cfg->fifo_fd);
  if (cfg->host_proc_fd >= 0)
    close (cfg->host_proc_fd);
}

void
sv_init_run (SvInitConfig *cfg)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *exec_path = NULL;
  SvInitTrees trees = { 0 };
  SvSyncMsg ready = { .type = SV_SYNC_READY };
  pid_t host_pid;
  int listener = -1, flat, fds[1];
  gboolean cwd_done = FALSE;

  prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  close_inherited_fds (cfg);
  if (!receive_trees (cfg, &trees, &error) || !become_root (cfg, &error)
      || !set_names (cfg->spec, &error) || !setup_filesystem (cfg, &trees, &error))
    fail (cfg, error);
  release_trees (&trees);
  /* The supervisor's filter first (root still holds CAP_SYS_ADMIN here), so that the
   * client's filter cannot refuse seccomp(2) to it; the client's errno rules still win. */
  /* EBUSY: a filter of this process has a listener already (a runtime nested in a
   * supervised container): that filter's supervisor answers the calls. */
  if (cfg->supervise && (listener = sv_supervisor_load_filter ()) < 0 && listener != -EBUSY)
    {
      sv_set_error_errno (&error, -listener, "load the syscall supervisor's seccomp filter");
      fail (cfg, error);
    }
  if (!cfg->supervise && (flat = sv_supervisor_load_flat_filter ()) < 0)
    {
      sv_set_error_errno (&error, -flat,
                          "load the seccomp rule that keeps read-only mounts read-only");
      fail (cfg, error);
    }
  /* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: load it before the
   * capabilities go (as runc does); with it, as late as possible (right before execve). */
  if (cfg->seccomp != NULL && !cfg->process->no_new_privileges
      && sv_seccomp_notifies (cfg->seccomp))
    load_notifying_filter (cfg);
  if (cfg->seccomp != NULL && !cfg->process->no_new_privileges)
    {
      int err = sv_seccomp_load (cfg->seccomp);
      if (err < 0)
        {
          sv_set_error_errno (&error, -err, "load the seccomp filter (linux.seccomp)");
          fail (cfg, error);
        }
      cfg->seccomp = NULL;
    }
  /* As runc: cwd entered while still container root (after the client's filter when that is
   * loaded early), again as the user when root was refused. */
  if (!sv_process_chdir_privileged (cfg->process, &cwd_done, &error)
      || !sv_process_set_user_caps (cfg->process, &error)
      || (!cwd_done && !sv_process_chdir (cfg->process, &error)))
    fail (cfg, error);
  exec_path = sv_process_find_exec (cfg->process, cfg->envp, &error);
  if (exec_path == NULL)
    fail (cfg, error);
  /* (with no_new_privs: before READY, not right before execve, to hand the listener over) */
  if (cfg->seccomp != NULL && sv_seccomp_notifies (cfg->seccomp))
    load_notifying_filter (cfg);
  choose_proc_for_fifo (cfg);
  sv_log_detach ();
  if (listener >= 0)
    sv_sync_add_fd (&ready, fds, listener, SV_SYNC_FD_LISTENER, 0);
  if (!sv_sync_send (cfg->sync_fd, &ready, fds, ready.n_fds))
    _exit (1);
  if (listener >= 0)
    close (listener);
  host_pid = outlive_runtime (cfg);
  wait_for_start (cfg);
  wait_runtime_done (cfg);
  run_start_hooks (cfg, host_pid);
  sv_process_exec (cfg, exec_path);
}
