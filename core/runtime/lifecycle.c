/* lifecycle.c: start, kill and delete of an existing container. */
#include "create.h"
#include "lifecycle.h"
#include "sv-file.h"

#include "cgroups.h"
#include "container.h"
#include "syscont-policy.h"
#include "hooks.h"
#include "notify-socket.h"
#include "plugin-host.h"
#include "state.h"
#include "storage.h"
#include "utils.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static const struct
{
  const char *name;
  int signo;
} signal_names[] = {
  { "HUP", SIGHUP },       { "INT", SIGINT },   { "QUIT", SIGQUIT },     { "ILL", SIGILL },
  { "TRAP", SIGTRAP },     { "ABRT", SIGABRT }, { "IOT", SIGIOT },       { "BUS", SIGBUS },
  { "FPE", SIGFPE },       { "KILL", SIGKILL }, { "USR1", SIGUSR1 },     { "SEGV", SIGSEGV },
  { "USR2", SIGUSR2 },     { "PIPE", SIGPIPE }, { "ALRM", SIGALRM },     { "TERM", SIGTERM },
  { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT },     { "STOP", SIGSTOP },
  { "TSTP", SIGTSTP },     { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },     { "URG", SIGURG },
  { "XCPU", SIGXCPU },     { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
  { "WINCH", SIGWINCH },   { "IO", SIGIO },     { "POLL", SIGPOLL },     { "PWR", SIGPWR },
  { "SYS", SIGSYS },
};

static int
parse_rt_signal (const char *name)
{
  char *end = NULL;
  long off;

  if (strcmp (name, "RTMIN") == 0)
    return SIGRTMIN;
  if (strcmp (name, "RTMAX") == 0)
    return SIGRTMAX;
  if (g_str_has_prefix (name, "RTMIN+"))
    {
      off = strtol (name + 6, &end, 10);
      return *end == '\0' && off >= 0 && SIGRTMIN + off <= SIGRTMAX ? SIGRTMIN + (int) off : -1;
    }
  if (g_str_has_prefix (name, "RTMAX-"))
    {
      off = strtol (name + 6, &end, 10);
      return *end == '\0' && off >= 0 && SIGRTMAX - off >= SIGRTMIN ? SIGRTMAX - (int) off : -1;
    }
  return -1;
}

int
sv_signal_parse (const char *name, GError **error)
{
  g_autofree char *upper = g_ascii_strup (name, -1);
  const char *bare = g_str_has_prefix (upper, "SIG") ? upper + 3 : upper;
  char *end = NULL;
  long n = strtol (name, &end, 10);

  /* 0 sends nothing: a check that the container's init is alive, as with kill(1). */
  if (name[0] != '\0' && *end == '\0' && n >= 0 && n <= SIGRTMAX)
    return (int) n;
  for (guint i = 0; i < G_N_ELEMENTS (signal_names); i++)
    if (strcmp (bare, signal_names[i].name) == 0)
      return signal_names[i].signo;
  if (parse_rt_signal (bare) > 0)
    return parse_rt_signal (bare);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "unknown signal \"%s\"; use a name like TERM, SIGKILL or a number 0-%d", name,
               SIGRTMAX);
  return -1;
}

/* Open the fifo for reading and wait for the init's byte, giving up if the init dies. */
static gboolean
release_init (const SvState *st, GError **error)
{
  g_autofree char *fifo = g_build_filename (st->dir, "exec.fifo", NULL);
  sv_autofd fd = open (fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  char byte;

  if (fd < 0)
    {
      sv_set_error_errno (error, errno, "open %s", fifo);
      return FALSE;
    }
  for (;;)
    {
      struct pollfd p = { fd, POLLIN, 0 };
      int r = poll (&p, 1, 100);
      if (r > 0 && read (fd, &byte, 1) == 1)
        {
          /* (`run`: an init that shares our memory runs from here to its execve) */
          sv_create_wait_init_exec ();
          break;
        }
      if (!sv_proc_alive (st->pid, st->starttime))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "container \"%s\": its init exited before it could start", st->id);
          return FALSE;
        }
    }
  unlink (fifo);
  return TRUE;
}

/* NOTIFY_SOCKET: the container's READY= goes to the host once it comes; `start` and `run -d`
 * wait for it (MAINPID: the init), a foreground `run` passes it on from a thread (MAINPID:
 * the runtime, which stays).  As runc 1.1. */
static gboolean
forward_notify (const SvState *st, int sock, gboolean foreground, GError **error)
{
  if (sock < 0)
    return TRUE;
  if (foreground)
    {
      sv_notify_forward_in_background (sock);
      return TRUE;
    }
  return sv_notify_forward (sock, st->pid, st->starttime, st->pid, error);
}

gboolean
sv_lifecycle_start (const char *root, const char *id, GError **error)
{
  return sv_lifecycle_start_full (root, id, FALSE, error);
}

gboolean
sv_lifecycle_start_full (const char *root, const char *id, gboolean foreground, GError **error)
{
  g_autoptr (SvState) st = sv_state_load (root, id, error);

  return st != NULL && sv_lifecycle_start_state (st, foreground, error);
}

gboolean
sv_lifecycle_start_state (const SvState *st, gboolean foreground, GError **error)
{
  g_autoptr (JsonNode) oci = NULL;
  g_autoptr (GError) hook_error = NULL;
  SvStatus status;
  int sock;

  status = sv_state_status (st);
  if (status != SV_STATUS_CREATED)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "cannot start container \"%s\": it is %s, not created", st->id,
                   sv_status_name (status));
      return FALSE;
    }
  /* (listening before the process runs: it may notify at once) */
  sock = sv_notify_bind (st->dir, error);
  if (sock < 0 && error != NULL && *error != NULL)
    return FALSE;
  if (!release_init (st, error))
    {
      sv_close_fdp (&sock);
      return FALSE;
    }
  oci = sv_state_to_oci (st);
  /* A poststart hook failure is a warning: the container runs already (OCI). */
  if (st->hooks != NULL
      && !sv_hooks_run (json_node_get_object (st->hooks), "poststart", oci, &hook_error))
    g_warning ("%s", hook_error->message);
  return forward_notify (st, sock, foreground, error);
}

static SvCgroup *
state_cgroup (const SvState *st)
{
  g_autoptr (GError) local = NULL;
  SvCgroup *cg;

  if (st->cgroup == NULL)
    return NULL;
  cg = sv_cgroup_from_json (st->cgroup, &local);
  if (cg == NULL)
    g_warning ("container %s: %s", st->id, local->message);
  return cg;
}

gboolean
sv_lifecycle_kill (const char *root, const char *id, int signo, gboolean all, GError **error)
{
  g_autoptr (SvState) st = sv_state_load (root, id, error);
  g_autoptr (SvCgroup) cg = NULL;
  SvStatus status;

  if (st == NULL)
    return FALSE;
  status = sv_state_status (st);
  cg = state_cgroup (st);
  /* As runc: --all reaches what is left in the cgroup of a stopped container (containerd
   * kills a pod's exited container this way before deleting it). */
  if (all && cg != NULL && status == SV_STATUS_STOPPED)
    {
      g_autoptr (GError) gone = NULL;
      if (!sv_cgroup_kill_all (cg, signo, &gone))
        g_debug ("kill --all of stopped container %s: %s", id, gone->message);
      return TRUE;
    }
  if (all && cg != NULL && status != SV_STATUS_CREATING)
    return sv_cgroup_kill_all (cg, signo, error);
  /* "container not running" is runc's wording, which containerd's shim takes as "already
   * finished" rather than a failure. */
  if (status == SV_STATUS_STOPPED || status == SV_STATUS_CREATING)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "cannot kill container \"%s\": it is %s (container not running)", id,
                   sv_status_name (status));
      return FALSE;
    }
  signo =
      sv_syscont_stop_signal (st->pid, signo,
                              st->annotations != NULL && JSON_NODE_HOLDS_OBJECT (st->annotations)
                                  ? json_node_get_object (st->annotations)
                                  : NULL);
  if (kill (st->pid, signo) < 0)
    {
      sv_set_error_errno (error, errno, "kill container \"%s\" (pid %d)", id, (int) st->pid);
      return FALSE;
    }
  /* A frozen task dies only once thawed: SIGKILL to a paused container must take effect. */
  if (signo == SIGKILL && status == SV_STATUS_PAUSED && cg != NULL)
    return sv_cgroup_set_frozen (cg, FALSE, error);
  return TRUE;
}

/* Kills the init and waits (10 s at most) until it is dead: woken by its pidfd the moment it
 * exits; /proc is polled every 10 ms only where pidfds are missing (before Linux 5.3). */
static void
kill_init_and_wait (const SvState *st)
{
  sv_autofd pidfd = st->pid > 0 ? (int) syscall (SYS_pidfd_open, st->pid, 0) : -1;
  struct pollfd p = { pidfd, POLLIN, 0 };
  int r;

  /* (the pidfd, opened before the check, names the init that the check found) */
  if (!sv_proc_alive (st->pid, st->starttime))
    return;
  if (pidfd < 0)
    {
      kill (st->pid, SIGKILL);
      for (int i = 0; i < 1000 && sv_proc_alive (st->pid, st->starttime); i++)
        g_usleep (10000);
      return;
    }
  syscall (SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
  do
    r = poll (&p, 1, 10000);
  while (r < 0 && errno == EINTR);
}

/* Whether live init @pid is pid 1 of a pid namespace of its own (the last of the NSpid line
 * of its status, which has one per namespace it is in): then its death takes every process of
 * that namespace with it, the kernel kills them. */
static gboolean
init_reaps_its_namespace (pid_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int) pid);
  g_autofree char *text = NULL;
  g_autofree char *nspid = NULL;
  g_auto (GStrv) ids = NULL;
  const char *line;
  guint n;

  if ((text = sv_file_read_text (path, NULL)) == NULL
      || (line = strstr (text, "\nNSpid:")) == NULL)
    return FALSE;
  line += strlen ("\nNSpid:");
  nspid = g_strndup (line, strcspn (line, "\n"));
  ids = g_strsplit_set (g_strstrip (nspid), "\t ", -1);
  n = g_strv_length (ids);
  return n >= 2 && strcmp (ids[n - 1], "1") == 0;
}

/* Every process of the container killed, the init last seen dead (and the cgroup removed
 * when that showed it empty).  A cgroup v1 is frozen
 * around the kill (so that nothing forks past it), which costs ~5 ms; an init that is pid 1 of
 * its own namespace (the usual container) is killed first instead, which the kernel makes the
 * end of every process of the namespace, and only what the cgroup still holds after that (a
 * process that joined it from outside) is killed the frozen way. */
static gboolean
stop_all (const SvState *st, SvCgroup *cg, GError **error)
{
  gboolean alive = sv_proc_alive (st->pid, st->starttime);
  gboolean init_first =
      cg != NULL && alive && init_reaps_its_namespace (st->pid) && !sv_cgroup_is_frozen (cg);

  /* The init dead (run's delete, a container that exited): a cgroup left empty is removed
   * at once, nothing to kill. */
  if (cg != NULL && !alive && sv_cgroup_remove_if_empty (cg))
    return TRUE;
  if (cg != NULL && !init_first && !sv_cgroup_kill_all (cg, SIGKILL, error))
    return FALSE;
  kill_init_and_wait (st);
  /* Its namespace died with it: the rmdirs tell whether the cgroup still holds a process
   * that joined it from outside, without reading every hierarchy's processes first. */
  if (init_first && !sv_cgroup_remove_if_empty (cg) && !sv_cgroup_kill_all (cg, SIGKILL, error))
    return FALSE;
  if (sv_proc_alive (st->pid, st->starttime))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   "container \"%s\": its init (pid %d) did not die after SIGKILL", st->id,
                   (int) st->pid);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_deletable (const SvState *st, gboolean force, GError **error)
{
  SvStatus status = sv_state_status (st);

  if (status == SV_STATUS_CREATING && sv_proc_alive (st->creator_pid, st->creator_starttime))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                   "container \"%s\" is being created (by pid %d); wait for it", st->id,
                   (int) st->creator_pid);
      return FALSE;
    }
  if ((status == SV_STATUS_RUNNING || status == SV_STATUS_PAUSED) && !force)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                   "cannot delete container \"%s\": it is %s; stop it first or use --force",
                   st->id, sv_status_name (status));
      return FALSE;
    }
  return TRUE;
}

static void
release_plugins (const SvState *st, const char *root, const char *plugins_conf)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (SvPluginsConf) conf =
      sv_plugins_conf_load (sv_plugins_conf_path (plugins_conf), &local);
  g_autoptr (SvPluginHost) host = NULL;
  g_autoptr (SvContainer) c = NULL;
  char *names[SV_N_ROLES];

  if (conf == NULL)
    {
      g_warning ("%s; releasing with default settings", local->message);
      conf = sv_plugins_conf_load ("/nonexistent", NULL);
    }
  host = sv_plugin_host_new (conf, root);
  /* only the plugins that have something to release: a dlopen each saved */
  for (guint r = 0; r < SV_N_ROLES; r++)
    names[r] = sv_state_needs_release (st, r) ? st->plugins[r] : NULL;
  sv_plugin_host_load_names (host, names);
  c = sv_container_new_from_state (&host->host, st->id, st->bundle, st->rootfs, st->uid_mappings,
                                   st->gid_mappings, st->annotations);
  sv_storage_release (host->host.lib_dir, st->id, conf->storage_paths);
  sv_plugin_host_release (host, c);
}

gboolean
sv_lifecycle_delete (const char *root, const char *id, gboolean force, const char *plugins_conf,
                     GError **error)
{
  g_autoptr (SvState) st = sv_state_load (root, id, error);
  g_autoptr (SvCgroup) cg = NULL;
  g_autoptr (JsonNode) oci = NULL;
  g_autoptr (GError) local = NULL;

  if (st == NULL)
    {
      /* A create that crashed before writing any state: only the directory is left. */
      if (g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT))
        {
          g_clear_error (error);
          return sv_state_remove (root, id, error);
        }
      return FALSE;
    }
  /* A state read while its create was still running may be stale by the time its creator
   * is seen gone: read it again then (the create may have finished, recording the init). */
  if (st->pid <= 0 && !sv_proc_alive (st->creator_pid, st->creator_starttime))
    {
      g_autoptr (SvState) again = sv_state_load (root, id, NULL);
      if (again != NULL)
        {
          sv_state_free (g_steal_pointer (&st));
          st = g_steal_pointer (&again);
        }
    }
  if (!check_deletable (st, force, error))
    return FALSE;
  cg = state_cgroup (st);
  if (!stop_all (st, cg, error))
    return FALSE;
  if (cg != NULL && !sv_cgroup_destroy (cg, &local))
    g_warning ("%s", local->message);
  release_plugins (st, root, plugins_conf);
  g_clear_error (&local);
  /* The state given to poststop hooks is made only when the spec has some. */
  if (st->hooks != NULL && sv_hooks_has (json_node_get_object (st->hooks), "poststop"))
    {
      oci = sv_state_to_oci (st);
      if (!sv_hooks_run (json_node_get_object (st->hooks), "poststop", oci, &local))
        g_warning ("%s", local->message);
    }
  return sv_state_remove (root, id, error);
}
