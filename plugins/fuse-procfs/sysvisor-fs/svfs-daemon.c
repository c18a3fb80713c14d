/* sysvisor-fs: the daemon's life: lock, mount, workers, signals, restart, unmount. */
#include "svfs-daemon.h"
#include "sv-error.h"

#include "svfs-cache.h"
#include "svfs-container.h"
#include "svfs-fuse.h"
#include "svfs-keeper.h"
#include "svfs-loadavg.h"
#include "svfs-lock.h"
#include "svfs-supervisor.h"
#include "svfs-log.h"
#include "svfs-takeover.h"
#include "svfs-tree.h"
#include "svfs-util.h"
#include "svfs-workers.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define SVFS_WORKERS 4

typedef struct
{
  const SvfsDaemonConfig *cfg;
  struct fuse_session *se;
  SvfsSysctlStore *store;
  int lock_fd;
  guint generation;
  SvfsWorkers *workers;
} Daemon;

static SvfsSysctlStore *prune_store;

/* A worker's FUSE side: its session and its own request buffer. */
typedef struct
{
  struct fuse_session *se;
  struct fuse_buf buf;
} FuseWorker;

static gpointer
fuse_worker_new (gpointer se)
{
  FuseWorker *w = g_new0 (FuseWorker, 1);
  w->se = se;
  return w;
}

static void
fuse_worker_free (gpointer data)
{
  FuseWorker *w = data;
  free (w->buf.mem);
  g_free (w);
}

static int
fuse_worker_receive (gpointer data)
{
  FuseWorker *w = data;
  return fuse_session_receive_buf (w->se, &w->buf);
}

/* A request a worker has read is always answered (a restart waits for it). */
static void
fuse_worker_process (gpointer data)
{
  FuseWorker *w = data;
  svfs_takeover_capture (&w->buf);
  fuse_session_process_buf (w->se, &w->buf);
}

static void
fuse_closed (gpointer se, int res)
{
  g_warning ("FUSE connection closed (%s); exiting", res ? sv_strerror (-res) : "unmounted");
  kill (getpid (), SIGTERM);
}

static const SvfsWorkersOps fuse_worker_ops = {
  .worker_new = fuse_worker_new,
  .worker_free = fuse_worker_free,
  .receive = fuse_worker_receive,
  .process = fuse_worker_process,
  .closed = fuse_closed,
};

static gboolean
workers_start (Daemon *d, GError **error)
{
  d->workers = svfs_workers_start (&fuse_worker_ops, d->se, SVFS_WORKERS, error);
  return d->workers != NULL;
}

static void
workers_stop (Daemon *d)
{
  g_clear_pointer (&d->workers, svfs_workers_stop);
}

/* Each 5 s tick: forget what the daemon kept for containers that are gone, and say (debug,
 * when it changed) how many it still knows (tests/soak/leak-check.sh reads that line). */
static void
prune_sysctls (void)
{
  static guint last[3] = { G_MAXUINT, G_MAXUINT, G_MAXUINT };
  guint n = svfs_sysctl_store_prune (prune_store, svfs_pid_alive_since);
  guint now[3] = { svfs_container_prune (), svfs_sysctl_store_size (prune_store),
                   svfs_loadavg_tracked_count () };
  if (n)
    g_debug ("forgot /proc/sys values of %u stopped container(s)", n);
  if (memcmp (now, last, sizeof now) != 0)
    g_debug ("known containers: inits=%u sysctls=%u loadavgs=%u", now[0], now[1], now[2]);
  memcpy (last, now, sizeof now);
}

/* Every 5 s (the loadavg sampler's tick): forget what stopped containers left behind, and
 * give the freed memory back (after 50 containers stopped reading, ~0.8 MB stayed resident
 * as free heap). */
static void
on_tick (void)
{
  prune_sysctls ();
  svfs_read_cache_expire (10 * G_USEC_PER_SEC);
  svfs_cache_sweep ();
  malloc_trim (0);
}

static void
signals_setup (sigset_t *waited)
{
  sigemptyset (waited);
  sigaddset (waited, SIGTERM);
  sigaddset (waited, SIGINT);
  sigaddset (waited, SIGHUP);
  sigaddset (waited, SIGUSR2);
  pthread_sigmask (SIG_BLOCK, waited, NULL);
  signal (SIGPIPE, SIG_IGN);
}

/* A fuse.sysvisor-fs mount on the mountpoint: stale (its daemon died: ENOTCONN) is detached;
 * alive means another daemon serves it without our lock (other run dir): refuse. */
static gboolean
check_existing_mount (const char *mountpoint, GError **error)
{
  g_autofree gchar *info = svfs_read_file ("/proc/self/mountinfo", NULL, NULL);
  g_auto (GStrv) lines = g_strsplit (info ? info : "", "\n", 0);
  for (guint i = 0; lines[i]; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], " ", 0);
      if (g_strv_length (f) < 5 || !strstr (lines[i], " - fuse.sysvisor-fs "))
        continue;
      g_autofree gchar *mp = g_strcompress (f[4]);
      struct stat st;
      if (!g_str_equal (mp, mountpoint))
        continue;
      if (stat (mountpoint, &st) == 0)
        {
          g_set_error (error, SVFS_ERROR, SVFS_ERROR_BUSY,
                       "%s is already served by another sysvisor-fs; stop it first", mountpoint);
          return FALSE;
        }
      g_warning ("detaching the stale sysvisor-fs mount on %s (its daemon is gone)", mp);
      umount2 (mountpoint, MNT_DETACH);
    }
  return TRUE;
}

static struct fuse_session *
session_new (GError **error)
{
  char *args[] = { "sysvisor-fs", "-o", "allow_other,fsname=sysvisor-fs,subtype=sysvisor-fs",
                   NULL };
  struct fuse_args fargs = FUSE_ARGS_INIT (3, args);
  struct fuse_session *se =
      fuse_session_new (&fargs, svfs_fuse_ops (), sizeof (struct fuse_lowlevel_ops), NULL);
  fuse_opt_free_args (&fargs);
  if (!se)
    g_set_error (error, SVFS_ERROR, SVFS_ERROR_FAILED, "fuse_session_new failed");
  return se;
}

static gboolean
mount_fresh (Daemon *d, GError **error)
{
  const char *mp = d->cfg->mountpoint;
  d->lock_fd = svfs_lock_acquire (mp, error);
  if (d->lock_fd < 0)
    return FALSE;
  if (!check_existing_mount (mp, error))
    return FALSE;
  if (g_mkdir_with_parents (mp, 0755) < 0)
    {
      int saved = errno;
      sv_set_file_error_errno (error, saved, "create mountpoint %s", mp);
      return FALSE;
    }
  d->se = session_new (error);
  if (!d->se)
    return FALSE;
  if (fuse_session_mount (d->se, mp) != 0)
    {
      g_set_error (error, SVFS_ERROR, SVFS_ERROR_FAILED,
                   "mount FUSE on %s failed; is /dev/fuse there and are we root?", mp);
      return FALSE;
    }
  if (fuse_daemonize (d->cfg->foreground) != 0)
    {
      g_set_error (error, SVFS_ERROR, SVFS_ERROR_FAILED, "daemonize failed");
      return FALSE;
    }
  d->generation = 1;
  return TRUE;
}

static gboolean
take_over (Daemon *d, GError **error)
{
  d->lock_fd = d->cfg->takeover_lock_fd;
  fcntl (d->lock_fd, F_SETFD, FD_CLOEXEC);
  fcntl (d->cfg->takeover_fuse_fd, F_SETFD, FD_CLOEXEC);
  gboolean ok = svfs_takeover_load (d->cfg->takeover_state_fd, d->store, &d->generation, error);
  close (d->cfg->takeover_state_fd);
  if (!ok)
    return FALSE;
  d->generation++;
  d->se = session_new (error);
  if (!d->se)
    return FALSE;
  g_autofree gchar *devfd = g_strdup_printf ("/dev/fd/%d", d->cfg->takeover_fuse_fd);
  if (fuse_session_mount (d->se, devfd) != 0)
    {
      g_set_error (error, SVFS_ERROR, SVFS_ERROR_FAILED, "adopt FUSE fd %d failed",
                   d->cfg->takeover_fuse_fd);
      return FALSE;
    }
  return svfs_takeover_replay_init (d->se, error);
}

/* Refuse to re-exec a binary that cannot even print its version (half-copied upgrade, missing
 * library): the old process keeps serving instead of losing the connection. */
static gboolean
preflight (const char *exe, GError **error)
{
  const char *argv[] = { exe, "--version", NULL };
  g_autofree gchar *out = NULL;
  gint status;
  if (!g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out,
                     NULL, &status, error)
      || !g_spawn_check_wait_status (status, error))
    {
      g_prefix_error (error, "%s --version: ", exe);
      return FALSE;
    }
  if (!g_str_has_prefix (out, "sysvisor-fs "))
    {
      g_set_error (error, SVFS_ERROR, SVFS_ERROR_FAILED, "%s is not sysvisor-fs", exe);
      return FALSE;
    }
  return TRUE;
}

static gchar **
restart_argv (const SvfsDaemonConfig *cfg, int fuse_fd, int state_fd, int lock_fd)
{
  GPtrArray *a = g_ptr_array_new ();
  gchar *supervisor = svfs_supervisor_takeover_arg ();
  gchar *keeper = svfs_keeper_takeover_arg ();
  for (guint i = 0; cfg->argv[i]; i++)
    if (!g_str_has_prefix (cfg->argv[i], "--takeover"))
      g_ptr_array_add (a, g_strdup (cfg->argv[i]));
  g_ptr_array_add (a, g_strdup_printf ("--takeover=%d,%d,%d", fuse_fd, state_fd, lock_fd));
  if (supervisor != NULL)
    g_ptr_array_add (a, supervisor);
  if (keeper != NULL)
    g_ptr_array_add (a, keeper);
  g_ptr_array_add (a, NULL);
  return (gchar **) g_ptr_array_free (a, FALSE);
}

static void
set_cloexec (int fd, gboolean on)
{
  fcntl (fd, F_SETFD, on ? FD_CLOEXEC : 0);
}

static void
exec_new_process (Daemon *d, GError **error)
{
  int state_fd = svfs_takeover_save (d->store, d->generation, error);
  if (state_fd < 0)
    return;
  int fds[] = { fuse_session_fd (d->se), state_fd, d->lock_fd };
  for (guint i = 0; i < G_N_ELEMENTS (fds); i++)
    set_cloexec (fds[i], FALSE);
  g_auto (GStrv) argv = restart_argv (d->cfg, fds[0], fds[1], fds[2]);
  svfs_supervisor_set_inheritable (TRUE);
  execv (d->cfg->exe, argv);
  svfs_supervisor_set_inheritable (FALSE);
  int saved = errno;
  sv_set_file_error_errno (error, saved, "exec %s", d->cfg->exe);
  for (guint i = 0; i < G_N_ELEMENTS (fds); i++)
    set_cloexec (fds[i], TRUE);
  close (state_fd);
}

static void
restart (Daemon *d)
{
  g_autoptr (GError) error = NULL;
  if (!preflight (d->cfg->exe, &error))
    {
      g_warning ("restart refused, still serving: %s", error->message);
      return;
    }
  g_info ("restarting in place: re-executing %s", d->cfg->exe);
  workers_stop (d);
  svfs_supervisor_stop ();
  svfs_loadavg_stop ();
  exec_new_process (d, &error);
  /* Only reached when exec failed: serve on. */
  g_warning ("restart failed, still serving: %s", error->message);
  g_clear_error (&error);
  svfs_loadavg_start (on_tick);
  if (!svfs_supervisor_start (d->cfg->mountpoint, NULL, &error) || !workers_start (d, &error))
    {
      g_critical ("%s", error->message);
      kill (getpid (), SIGTERM);
    }
}

static void
serve_signals (Daemon *d, const sigset_t *waited)
{
  for (;;)
    {
      siginfo_t si;
      int sig = sigwaitinfo (waited, &si);
      if (sig == SIGHUP)
        svfs_log_reopen ();
      else if (sig == SIGUSR2)
        restart (d);
      else if (sig == SIGTERM || sig == SIGINT)
        return;
    }
}

static void
teardown (Daemon *d, gboolean takeover)
{
  if (d->se && !takeover)
    fuse_session_unmount (d->se);
  else if (d->se)
    umount2 (d->cfg->mountpoint, MNT_DETACH);
  if (d->se)
    fuse_session_destroy (d->se);
  if (d->lock_fd >= 0)
    close (d->lock_fd);
  prune_store = NULL;
  g_clear_pointer (&d->store, svfs_sysctl_store_free);
}

/* Tell the fuse-procfs plugin, which checks for a live daemon on every create, that this one
 * serves (svfs-serving.h): without the mark it asks the mount (a STATFS request) instead. */
static void
mark_serving (Daemon *d)
{
  g_autoptr (GError) error = NULL;

  if (!svfs_serving_mark (d->lock_fd, d->cfg->mountpoint, &error))
    g_warning ("serving unmarked (each create asks the mount instead): %s", error->message);
}

/* --pid-file: systemd's PIDFile= names the daemon, not its listener keeper. */
static gboolean
pid_file_write (const SvfsDaemonConfig *cfg, GError **error)
{
  g_autofree gchar *text = g_strdup_printf ("%d\n", (int) getpid ());

  if (cfg->pid_file == NULL || g_file_set_contents (cfg->pid_file, text, -1, error))
    return TRUE;
  g_prefix_error (error, "--pid-file: ");
  return FALSE;
}

gboolean
svfs_daemon_run (const SvfsDaemonConfig *cfg, GError **error)
{
  Daemon d = { .cfg = cfg, .lock_fd = -1 };
  sigset_t waited;
  gboolean takeover = cfg->takeover_fuse_fd >= 0;
  signals_setup (&waited);
  if (!svfs_tree_build (error) || !svfs_container_setup (error))
    return FALSE;
  d.store = prune_store = svfs_sysctl_store_new ();
  svfs_fuse_setup (d.store);
  if (!(takeover ? take_over (&d, error) : mount_fresh (&d, error))
      || !svfs_lock_write (d.lock_fd, cfg->mountpoint, getpid (), d.generation, error)
      || !pid_file_write (cfg, error))
    {
      teardown (&d, takeover);
      return FALSE;
    }
  svfs_loadavg_start (on_tick);
  svfs_keeper_configure (cfg->exe, cfg->mountpoint, cfg->log, cfg->log_level,
                         takeover ? cfg->takeover_keeper : NULL);
  {
    g_autofree gchar *keeper = svfs_keeper_socket_path (cfg->mountpoint);
    g_autofree gchar *records = g_strconcat (keeper, ".immutable", NULL);
    svfs_immutable_set_state_file (records);
  }
  if (!svfs_supervisor_start (cfg->mountpoint, cfg->takeover_supervisor, error)
      || !workers_start (&d, error))
    {
      svfs_supervisor_close ();
      teardown (&d, takeover);
      return FALSE;
    }
  if (!takeover)
    svfs_tree_log_absent_sysctls ();
  mark_serving (&d);
  g_info ("%s %s (generation %u)", takeover ? "restarted in place on" : "serving",
          cfg->mountpoint, d.generation);
  serve_signals (&d, &waited);
  g_info ("stopping: unmounting %s", cfg->mountpoint);
  svfs_serving_unmark (d.lock_fd);
  workers_stop (&d);
  svfs_supervisor_close ();
  svfs_loadavg_stop ();
  teardown (&d, takeover);
  if (cfg->pid_file != NULL)
    unlink (cfg->pid_file);
  return TRUE;
}

gboolean
svfs_daemon_request_restart (const char *mountpoint, GError **error)
{
  pid_t pid, now_pid;
  guint gen, now_gen;
  if (!svfs_lock_read (mountpoint, &pid, &gen, error))
    return FALSE;
  if (kill (pid, SIGUSR2) < 0)
    {
      int saved = errno;
      sv_set_file_error_errno (error, saved, "signal pid %d", (int) pid);
      return FALSE;
    }
  for (guint i = 0; i < 400; i++)
    {
      g_usleep (50000);
      if (svfs_lock_read (mountpoint, &now_pid, &now_gen, NULL) && now_gen > gen)
        return TRUE;
    }
  g_set_error (error, SVFS_ERROR, SVFS_ERROR_TIMED_OUT,
               "sysvisor-fs (pid %d) did not restart within 20 s; it keeps serving with the old "
               "code, see its --log for why",
               (int) pid);
  return FALSE;
}
