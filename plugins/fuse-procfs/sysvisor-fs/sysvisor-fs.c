/* sysvisor-fs: command line of the daemon that serves per-container /proc and /sys files.
 *
 *   sysvisor-fs [--mountpoint DIR] [--log FILE] [--log-level LEVEL] [--foreground]
 *               [--pid-file FILE]
 *   sysvisor-fs --restart [--mountpoint DIR]     upgrade/restart in place, no unmount
 *
 * Bad flags: one line "sysvisor-fs: <what>; <fix>" and exit 2; other failures exit 1. */
#include "sv-config.h"
#include "svfs-cgroup.h"
#include "svfs-daemon.h"
#include "svfs-keeper.h"
#include "svfs-log.h"
#include "svfs-util.h"
#include "sv-log.h"

#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static gchar *opt_mountpoint;
static gchar *opt_log;
static gchar *opt_log_level;
static gchar *opt_pid_file;
static gchar *opt_cpu_view;
static gchar *opt_takeover;
static gchar *opt_takeover_supervisor;
static gchar *opt_takeover_keeper;
static gint opt_keeper = -1;
static gboolean opt_foreground;
static gboolean opt_version;
static gboolean opt_restart;

static const GOptionEntry entries[] = {
  { "mountpoint", 'm', 0, G_OPTION_ARG_FILENAME, &opt_mountpoint,
    "Where to mount (default " SV_FS_MOUNTPOINT ")", "DIR" },
  { "log", 'l', 0, G_OPTION_ARG_FILENAME, &opt_log, "Append log records to FILE (default stderr)",
    "FILE" },
  { "pid-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_pid_file,
    "Write the daemon's pid to FILE (for systemd's PIDFile=)", "FILE" },
  { "log-level", 0, 0, G_OPTION_ARG_STRING, &opt_log_level,
    "error, warning (default), info or debug", "LEVEL" },
  { "cpu-view", 0, 0, G_OPTION_ARG_STRING, &opt_cpu_view,
    "CPUs a container sees: cpuset (default: its cpuset, as nproc counts) or quota (also cut "
    "to ceil(quota/period))",
    "VIEW" },
  { "foreground", 'f', 0, G_OPTION_ARG_NONE, &opt_foreground,
    "Do not daemonize (for systemd Type=simple)", NULL },
  { "restart", 0, 0, G_OPTION_ARG_NONE, &opt_restart,
    "Make the running daemon re-execute its (upgraded) binary without unmounting", NULL },
  { "version", 'V', 0, G_OPTION_ARG_NONE, &opt_version, "Print the version and exit", NULL },
  { "takeover", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &opt_takeover, NULL, NULL },
  { "takeover-supervisor", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &opt_takeover_supervisor,
    NULL, NULL },
  { "takeover-keeper", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &opt_takeover_keeper, NULL,
    NULL },
  { "keeper", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &opt_keeper, NULL, NULL },
  { NULL, 0, 0, 0, NULL, NULL, NULL },
};

static const char description[] =
    "Serves proc/{meminfo,cpuinfo,stat,uptime,loadavg,swaps,diskstats},\n"
    "sys/devices/system/cpu/online and proc/sys/... entries as the calling container sees them.\n"
    "\n"
    "Signals: SIGTERM/SIGINT stop and unmount; SIGUSR2 (= --restart) re-executes the binary on\n"
    "disk keeping the FUSE connection, so containers' bind mounts keep working across an\n"
    "upgrade; SIGHUP reopens the log file.  systemd: ExecReload=sysvisor-fs --restart.\n";

static int
usage_error (const char *what, const char *fix)
{
  g_autofree gchar *lower = g_strdup (what);
  lower[0] = g_ascii_tolower (lower[0]);
  fprintf (stderr, "sysvisor-fs: %s; %s\n", lower, fix);
  return 2;
}

static int
fail (const GError *error)
{
  fprintf (stderr, "sysvisor-fs: %s\n", error->message);
  return 1;
}

static gchar *
own_binary (const char *argv0)
{
  g_autofree gchar *exe = g_file_read_link ("/proc/self/exe", NULL);
  if (!exe)
    return g_find_program_in_path (argv0);
  char *deleted = g_strrstr (exe, " (deleted)");
  if (deleted && deleted[strlen (" (deleted)")] == '\0')
    *deleted = '\0';
  return g_steal_pointer (&exe);
}

/* glibc keeps a few freed chunks of each size per thread (its tcache), out of malloc_trim's
 * reach: with them ~1 MB more stayed resident after 50 containers had read (5.1 against 4.0
 * MB in procfs-bench).  Their number is a tunable that glibc reads only when a program
 * starts, so the daemon executes itself once more with it set to 0: same pid, before it
 * does anything else.  A value the user set is kept; nothing else changes if the exec fails. */
static void
reexec_without_tcache (char **argv)
{
  static const char tunable[] = "glibc.malloc.tcache_count=0";
  const char *set = g_getenv ("GLIBC_TUNABLES");
  if (set && strstr (set, "glibc.malloc.tcache_count="))
    return;
  g_autofree gchar *self = g_file_read_link ("/proc/self/exe", NULL);
  if (!self || g_str_has_suffix (self, " (deleted)"))
    return;
  g_autofree gchar *value =
      set && *set ? g_strconcat (set, ":", tunable, NULL) : g_strdup (tunable);
  if (g_setenv ("GLIBC_TUNABLES", value, TRUE))
    execv (self, argv);
}

static gboolean
parse_takeover (const char *text, SvfsDaemonConfig *cfg)
{
  cfg->takeover_fuse_fd = cfg->takeover_state_fd = cfg->takeover_lock_fd = -1;
  if (!text)
    return TRUE;
  return sscanf (text, "%d,%d,%d", &cfg->takeover_fuse_fd, &cfg->takeover_state_fd,
                 &cfg->takeover_lock_fd)
             == 3
         && cfg->takeover_fuse_fd > 2 && cfg->takeover_state_fd > 2 && cfg->takeover_lock_fd > 2;
}

static int
run (char **orig_argv, GLogLevelFlags level)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *mountpoint =
      g_canonicalize_filename (opt_mountpoint ? opt_mountpoint : SV_FS_MOUNTPOINT, NULL);
  g_autofree gchar *log = opt_log ? g_canonicalize_filename (opt_log, NULL) : NULL;
  g_autofree gchar *pid_file = opt_pid_file ? g_canonicalize_filename (opt_pid_file, NULL) : NULL;
  SvfsDaemonConfig cfg = { .mountpoint = mountpoint,
                           .foreground = opt_foreground || opt_takeover,
                           .argv = orig_argv,
                           .exe = own_binary (orig_argv[0]),
                           .takeover_supervisor = opt_takeover ? opt_takeover_supervisor : NULL,
                           .takeover_keeper = opt_takeover_keeper,
                           .log = log,
                           .log_level = opt_log_level,
                           .pid_file = pid_file };
  if (!parse_takeover (opt_takeover, &cfg))
    return usage_error ("bad --takeover value", "it is internal to --restart");
  if (geteuid () != 0)
    {
      fprintf (stderr,
               "sysvisor-fs: must run as root; start it from sysvisor.service or with sudo\n");
      return 1;
    }
  svfs_roots_from_env ();
  gboolean ok = svfs_log_setup (log, level, &error);
  if (ok && opt_keeper > 2)
    {
      g_free (cfg.exe);
      return svfs_keeper_main (opt_keeper, mountpoint);
    }
  if (ok && opt_restart)
    ok = svfs_daemon_request_restart (mountpoint, &error);
  else if (ok)
    ok = svfs_daemon_run (&cfg, &error);
  g_free (cfg.exe);
  if (!ok && opt_takeover)
    g_critical ("restart in place failed: %s", error->message);
  return ok ? 0 : fail (error);
}

int
main (int argc, char **argv)
{
  reexec_without_tcache (argv);
  /* A few small allocations per request, from a handful of threads: one malloc arena per
   * thread would only add resident memory (two arenas: ~0.5 MB more resident under 50
   * containers' reads), and a freed top of the heap goes back at once, not once 128 kB are
   * free. */
  mallopt (M_ARENA_MAX, 1);
  mallopt (M_TOP_PAD, 16 * 1024);
  mallopt (M_TRIM_THRESHOLD, 64 * 1024);
  g_auto (GStrv) orig_argv = g_strdupv (argv);
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- per-container /proc and /sys files");
  g_autoptr (GError) error = NULL;
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_description (ctx, description);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return usage_error (error->message, "run 'sysvisor-fs --help' for the options");
  if (argc > 1)
    {
      g_autofree gchar *what = g_strdup_printf ("unexpected argument '%s'", argv[1]);
      return usage_error (what, "sysvisor-fs takes options only, see 'sysvisor-fs --help'");
    }
  if (opt_version)
    {
      printf ("sysvisor-fs %s\n", SV_VERSION);
      return 0;
    }
  GLogLevelFlags level = G_LOG_LEVEL_WARNING;
  if (opt_log_level && !sv_log_level_parse (opt_log_level, &level))
    {
      g_autofree gchar *what = g_strdup_printf ("unknown --log-level '%s'", opt_log_level);
      return usage_error (what, "use error, warning, info or debug");
    }
  if (opt_cpu_view && !g_str_equal (opt_cpu_view, "cpuset")
      && !g_str_equal (opt_cpu_view, "quota"))
    {
      g_autofree gchar *what = g_strdup_printf ("unknown --cpu-view '%s'", opt_cpu_view);
      return usage_error (what, "use cpuset or quota");
    }
  svfs_cgroup_set_cpu_view_quota (opt_cpu_view != NULL && g_str_equal (opt_cpu_view, "quota"));
  return run (orig_argv, level);
}
