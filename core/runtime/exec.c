/* exec.c: running another process in an existing container.
 *
 *   runtime --fork--> helper: joins the container's cgroup (born in its cgroup2 directory,
 *   writes itself into the v1 hierarchies: cgroups-entry.h), then all its namespaces at once (setns on a pidfd, user namespace first by the kernel's rules)
 *   --fork--> the process, inside the pid namespace: limits (by the runtime), terminal,
 *   user and capabilities, cwd, READY, seccomp, execve.  The helper exits at once, so the
 *   process is re-parented to the runtime when it is a child subreaper. */
#include "exec.h"

#include "cgroups-entry.h"
#include "cgroups.h"
#include "init.h"
#include "process.h"
#include "terminal-child.h"
#include "log.h"
#include "process-limits.h"
#include "seccomp-agent.h"
#include "state.h"
#include "supervisor.h"
#include "sv-seccomp.h"
#include "sync.h"
#include "syscont-policy.h"
#include "terminal.h"
#include "utils.h"
#include "sv-error.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

typedef struct
{
  const SvExecOptions *opts;
  SvState *state;
  SvCgroup *cgroup;
  SvCgroupEntry cgroup_entry; /* the helper's way into the cgroup */
  SvSeccompProgram *seccomp;
  JsonObject *agent_seccomp; /* linux.seccomp when it names a listenerPath, else NULL */
  int pidfd;
  int ns_flags;
  int sync_fd;
  int child_sync_fd;
  int console_fd;
  pid_t helper;
  pid_t process;
} Exec;

static void
exec_clear (Exec *x)
{
  sv_close_fdp (&x->pidfd);
  sv_close_fdp (&x->sync_fd);
  sv_close_fdp (&x->child_sync_fd);
  if (x->opts->console_sock_fd < 0)
    sv_close_fdp (&x->console_fd);
  g_clear_pointer (&x->state, sv_state_free);
  sv_cgroup_entry_clear (&x->cgroup_entry);
  g_clear_pointer (&x->cgroup, sv_cgroup_free);
  g_clear_pointer (&x->seccomp, sv_seccomp_program_free);
  g_clear_pointer (&x->agent_seccomp, json_object_unref);
}

SvSpec *
sv_exec_load_spec (const char *root, const char *id, GError **error)
{
  g_autoptr (SvState) st = sv_state_load (root, id, error);
  g_autoptr (GError) local = NULL;
  SvSpec *spec;

  if (st == NULL)
    return NULL;
  spec = sv_spec_load (st->bundle, &local);
  if (spec == NULL)
    g_debug ("exec: the container's config.json is not usable (%s): no defaults from it",
             local->message);
  return spec;
}

static gboolean
exec_check_state (Exec *x, GError **error)
{
  SvStatus status;

  x->state = sv_state_load (x->opts->root, x->opts->id, error);
  if (x->state == NULL)
    return FALSE;
  status = sv_state_status (x->state);
  if (status == SV_STATUS_STOPPED || status == SV_STATUS_CREATING
      || (status == SV_STATUS_PAUSED && !x->opts->ignore_paused))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "cannot exec in container \"%s\": it is %s%s", x->opts->id,
                   sv_status_name (status),
                   status == SV_STATUS_PAUSED ? " (resume it, or use --ignore-paused)" : "");
      return FALSE;
    }
  if (x->state->cgroup != NULL)
    {
      x->cgroup = sv_cgroup_from_json (x->state->cgroup, error);
      if (x->cgroup == NULL)
        return FALSE;
    }
  return TRUE;
}

/* The container's seccomp profile applies to every process in it, as with runc; the process's
 * capabilities and that profile follow the same system-container policy as the init's
 * (syscont-policy.c). */
static gboolean
exec_apply_policy (Exec *x, GError **error)
{
  g_autoptr (SvSpec) spec = sv_spec_load (x->state->bundle, NULL);
  g_autoptr (SvPluginsConf) conf = NULL;
  g_autoptr (JsonObject) seccomp = NULL;
  JsonNode *ann = x->state->annotations;
  SvSyscontPolicy policy;

  conf = sv_plugins_conf_load (sv_plugins_conf_path (x->opts->plugins_conf), error);
  if (conf == NULL
      || !sv_syscont_policy_init (&policy,
                                  ann != NULL && JSON_NODE_HOLDS_OBJECT (ann)
                                      ? json_node_get_object (ann)
                                      : NULL,
                                  conf, error))
    return FALSE;
  sv_syscont_widen_caps (x->opts->process, &policy);
  if (spec == NULL || spec->seccomp == NULL)
    return TRUE;
  policy.supervised_remounts = x->state->supervisor != NULL;
  if (sv_seccomp_agent_path (spec->seccomp) != NULL)
    x->agent_seccomp = json_object_ref (spec->seccomp);
  seccomp = sv_syscont_seccomp (spec->seccomp, &policy);
  x->seccomp = sv_seccomp_compile (seccomp, "linux.seccomp", error);
  if (x->seccomp == NULL)
    g_prefix_error (error, "%s/config.json: ", x->state->bundle);
  return x->seccomp != NULL;
}

static ino_t
ns_inode (const char *pid, const char *ns)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/ns/%s", pid, ns);
  struct stat st;

  return stat (path, &st) == 0 ? st.st_ino : 0;
}

/* Every namespace of the init that differs from ours (one we share, like the host's network,
 * could not be joined from inside the container's user namespace anyway). */
static gboolean
exec_open_namespaces (Exec *x, GError **error)
{
  static const struct
  {
    const char *name;
    int flag;
  } kinds[] = {
    { "user", CLONE_NEWUSER },     { "mnt", CLONE_NEWNS },  { "pid", CLONE_NEWPID },
    { "ipc", CLONE_NEWIPC },       { "uts", CLONE_NEWUTS }, { "net", CLONE_NEWNET },
    { "cgroup", CLONE_NEWCGROUP },
  };
  g_autofree char *pid = g_strdup_printf ("%d", (int) x->state->pid);

  x->pidfd = (int) syscall (SYS_pidfd_open, x->state->pid, 0);
  if (x->pidfd < 0 || !sv_proc_alive (x->state->pid, x->state->starttime))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "cannot exec in container \"%s\": its init is gone", x->opts->id);
      return FALSE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (ns_inode (pid, kinds[i].name) != ns_inode ("self", kinds[i].name))
      x->ns_flags |= kinds[i].flag;
  return TRUE;
}

static gboolean
exec_open_console (Exec *x, GError **error)
{
  SvProcess *p = x->opts->process;

  if (x->opts->console_sock_fd >= 0)
    x->console_fd = x->opts->console_sock_fd;
  else if (p->terminal)
    {
      if (x->opts->console_socket == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "a terminal was asked for (--tty or process.terminal) but no "
                       "--console-socket was given");
          return FALSE;
        }
      x->console_fd = sv_terminal_connect_socket (x->opts->console_socket, error);
      if (x->console_fd < 0)
        return FALSE;
    }
  else if (x->opts->console_socket != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "--console-socket was given but no terminal was asked for; add --tty");
      return FALSE;
    }
  return sv_sync_pair (&x->sync_fd, &x->child_sync_fd, error);
}

G_GNUC_NORETURN static void
child_fail (int sync_fd, GError *error)
{
  SvSyncMsg msg = { .type = SV_SYNC_ERROR };

  g_strlcpy (msg.text, error->message, sizeof msg.text);
  sv_sync_send (sync_fd, &msg, NULL, 0);
  _exit (1);
}

static gboolean
wait_for (int sync_fd, SvSyncType type)
{
  SvSyncMsg msg = { 0 };

  return sv_sync_recv (sync_fd, &msg, NULL, 0) && msg.type == type;
}

/* As the init's (init.c): the listener of a filter with listenerPath goes to the runtime, which
 * hands it to the agent, before the process makes any call the agent might answer. */
static void
load_notifying_filter (SvInitConfig *cfg)
{
  g_autoptr (GError) error = NULL;
  SvSyncMsg msg = { .type = SV_SYNC_LISTENER, .n_fds = 1 };
  int fd = sv_seccomp_load (cfg->seccomp);

  if (fd < 0)
    {
      sv_set_error_errno (&error, -fd,
                          "load the seccomp filter (linux.seccomp, with "
                          "listenerPath)");
      child_fail (cfg->sync_fd, error);
    }
  cfg->seccomp = NULL;
  if (!sv_sync_send (cfg->sync_fd, &msg, &fd, 1) || !wait_for (cfg->sync_fd, SV_SYNC_CONTINUE))
    _exit (1);
  close (fd);
}

/* The process itself, inside every namespace of the container. */
G_GNUC_NORETURN static void
process_main (Exec *x)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  SvProcess *p = x->opts->process;
  SvInitConfig cfg = { .process = p,
                       .seccomp = x->seccomp,
                       .console_fd = x->console_fd,
                       .preserve_fds = x->opts->preserve_fds,
                       .envp = p->env,
                       .sync_fd = x->child_sync_fd };
  SvSyncMsg ready = { .type = SV_SYNC_READY };
  int listener = -1, flat;
  gboolean cwd_done = FALSE;

  if (!wait_for (cfg.sync_fd, SV_SYNC_CONTINUE))
    _exit (1);
  /* Root of the container's user namespace, as the init is, before anything is made for the
   * process (its pty would be owned by host root, unmapped: nobody). */
  if ((x->ns_flags & CLONE_NEWUSER) && (setresgid (0, 0, 0) < 0 || setresuid (0, 0, 0) < 0))
    g_debug ("exec: container root is not mapped: %s", sv_strerror (errno));
  if (!sv_process_join_session_keyring (&error))
    child_fail (cfg.sync_fd, error);
  if (p->terminal && !sv_terminal_setup_child (&cfg, &error))
    child_fail (cfg.sync_fd, error);
  /* As the init's: before the client's filter and the capability drop. */
  /* EBUSY: a filter of this process has a listener already (a runtime nested in a
   * supervised container): that filter's supervisor answers the calls. */
  if (x->state->supervisor != NULL && (listener = sv_supervisor_load_filter ()) < 0
      && listener != -EBUSY)
    {
      sv_set_error_errno (&error, -listener, "load the syscall supervisor's seccomp filter");
      child_fail (cfg.sync_fd, error);
    }
  if (x->state->supervisor == NULL && (flat = sv_supervisor_load_flat_filter ()) < 0)
    {
      sv_set_error_errno (&error, -flat,
                          "load the seccomp rule that keeps read-only mounts read-only");
      child_fail (cfg.sync_fd, error);
    }
  if (cfg.seccomp != NULL && !p->no_new_privileges && sv_seccomp_notifies (cfg.seccomp))
    load_notifying_filter (&cfg);
  if (cfg.seccomp != NULL && !p->no_new_privileges)
    {
      int err = sv_seccomp_load (cfg.seccomp);
      if (err < 0)
        {
          sv_set_error_errno (&error, -err, "load the seccomp filter (linux.seccomp)");
          child_fail (cfg.sync_fd, error);
        }
      cfg.seccomp = NULL;
    }
  if (!sv_process_chdir_privileged (p, &cwd_done, &error) || !sv_process_set_user_caps (p, &error)
      || (!cwd_done && !sv_process_chdir (p, &error)))
    child_fail (cfg.sync_fd, error);
  path = sv_process_find_exec (p, p->env, &error);
  if (path == NULL)
    child_fail (cfg.sync_fd, error);
  if (cfg.seccomp != NULL && sv_seccomp_notifies (cfg.seccomp))
    load_notifying_filter (&cfg);
  ready.n_fds = listener >= 0 ? 1 : 0;
  if (!sv_sync_send (cfg.sync_fd, &ready, &listener, ready.n_fds))
    _exit (1);
  if (listener >= 0)
    close (listener);
  close (cfg.sync_fd);
  sv_process_exec (&cfg, path);
}

/* The helper: joins the namespaces, forks the process into the pid namespace, reports it. */
G_GNUC_NORETURN static void
helper_main (Exec *x)
{
  g_autoptr (GError) error = NULL;
  SvSyncMsg msg = { .type = SV_SYNC_ACK };
  pid_t pid;

  close (x->sync_fd);
  prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  {
    int keep[4 + SV_CGROUP_ENTRY_MAX] = { x->child_sync_fd, x->pidfd, x->console_fd,
                                          sv_log_fd () };
    guint n = 4;
    for (guint i = 0; i < x->cgroup_entry.n_tasks; i++)
      keep[n++] = x->cgroup_entry.tasks_fds[i];
    sv_close_fds_except (x->opts->preserve_fds, keep, n);
  }
  if (!wait_for (x->child_sync_fd, SV_SYNC_GO))
    _exit (1);
  if (!sv_cgroup_entry_join_self (&x->cgroup_entry, &error))
    child_fail (x->child_sync_fd, error);
  if (x->ns_flags != 0 && setns (x->pidfd, x->ns_flags) < 0)
    {
      sv_set_error_errno (&error, errno, "join the container's namespaces");
      child_fail (x->child_sync_fd, error);
    }
  pid = fork ();
  if (pid == 0)
    process_main (x);
  if (pid < 0)
    {
      sv_set_error_errno (&error, errno, "fork in the container");
      child_fail (x->child_sync_fd, error);
    }
  msg.pid = pid;
  sv_sync_send (x->child_sync_fd, &msg, NULL, 0);
  _exit (0);
}

static gboolean
exec_spawn (Exec *x, GError **error)
{
  SvSyncMsg msg = { .type = SV_SYNC_GO };

  if (x->cgroup != NULL && !sv_cgroup_entry_open (x->cgroup, &x->cgroup_entry, error))
    return FALSE;
  x->helper = (pid_t) sv_cgroup_entry_clone (&x->cgroup_entry, 0);
  if (x->helper == 0)
    helper_main (x);
  if (x->helper < 0)
    {
      sv_set_error_errno (error, errno, "fork");
      return FALSE;
    }
  sv_close_fdp (&x->child_sync_fd);
  if (x->cgroup != NULL
      && !sv_cgroup_entry_finish (x->cgroup, &x->cgroup_entry, x->helper, error))
    return FALSE;
  sv_cgroup_entry_clear (&x->cgroup_entry); /* (the helper has its own copy) */
  if (!sv_sync_send (x->sync_fd, &msg, NULL, 0))
    return FALSE;
  if (!sv_sync_recv (x->sync_fd, &msg, NULL, 0) || msg.type != SV_SYNC_ACK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s",
                   msg.type == SV_SYNC_ERROR ? msg.text : "the exec helper died");
      return FALSE;
    }
  x->process = (pid_t) msg.pid;
  return TRUE;
}

/* The next message of the process; a listener it sends on the way goes to the agent. */
static gboolean
exec_recv_past_listener (Exec *x, SvSyncMsg *msg, int *listener, GError **error)
{
  for (;;)
    {
      g_autoptr (JsonNode) st = NULL;
      SvSyncMsg go_on = { .type = SV_SYNC_CONTINUE };
      sv_autofd fd = -1;

      if (!sv_sync_recv (x->sync_fd, msg, listener, 1))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "the process exited before it was ready");
          return FALSE;
        }
      if (msg->type != SV_SYNC_LISTENER)
        return TRUE;
      fd = msg->n_fds == 1 ? *listener : -1;
      st = sv_state_to_oci (x->state);
      if (fd < 0 || x->agent_seccomp == NULL
          || !sv_seccomp_agent_send (x->agent_seccomp, x->process, st, fd, error)
          || !sv_sync_send (x->sync_fd, &go_on, NULL, 0))
        {
          if (error != NULL && *error == NULL)
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "hand the seccomp listener over");
          return FALSE;
        }
    }
}

static gboolean
exec_wait_ready (Exec *x, GError **error)
{
  SvSyncMsg msg = { .type = SV_SYNC_CONTINUE };
  sv_autofd fd = -1;
  int listener = -1;

  if (!sv_process_apply_limits (x->opts->process, x->process, error)
      || !sv_sync_send (x->sync_fd, &msg, NULL, 0))
    return FALSE;
  if (!exec_recv_past_listener (x, &msg, &listener, error))
    return FALSE;
  if (msg.n_fds == 1)
    fd = listener;
  if (msg.type != SV_SYNC_READY)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", msg.text);
      return FALSE;
    }
  if (x->state->supervisor == NULL)
    return TRUE;
  return sv_supervisor_hand_over (x->state->supervisor, fd, "the process", x->state->id,
                                  x->process, error);
}

static gboolean
write_pid_file (const char *file, pid_t pid, GError **error)
{
  g_autofree char *text = g_strdup_printf ("%d", (int) pid);
  g_autofree char *abs = g_canonicalize_filename (file, NULL);

  if (sv_write_file_atomic (abs, text, -1, 0644, error))
    return TRUE;
  g_prefix_error (error, "--pid-file: ");
  return FALSE;
}

gboolean
sv_exec_start (const SvExecOptions *opts, pid_t *pid_out, GError **error)
{
  Exec x = { .opts = opts,
             .cgroup_entry = { .v2_dir_fd = -1 },
             .pidfd = -1,
             .sync_fd = -1,
             .child_sync_fd = -1,
             .console_fd = -1 };
  gboolean ok;

  ok = exec_check_state (&x, error) && exec_apply_policy (&x, error)
       && exec_open_namespaces (&x, error) && exec_open_console (&x, error)
       && exec_spawn (&x, error) && exec_wait_ready (&x, error)
       && (opts->pid_file == NULL || write_pid_file (opts->pid_file, x.process, error));
  if (x.helper > 0)
    while (waitpid (x.helper, NULL, 0) < 0 && errno == EINTR)
      ;
  if (!ok && x.process > 0)
    kill (x.process, SIGKILL);
  *pid_out = x.process;
  exec_clear (&x);
  return ok;
}
