/* main.c: sysvisor-runc's global flags (runc-compatible) and command dispatch. */
#include "cli/cli.h"
#include "log.h"
#include "notify-socket.h"
#include "sv-config.h"
#include "sv-heap.h"

#include <gio/gio.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum
{
  OPT_ROOT = 1000,
  OPT_LOG,
  OPT_LOG_FORMAT,
  OPT_DEBUG,
  OPT_SYSTEMD_CGROUP,
  OPT_PLUGINS_CONF,
  OPT_VERSION,
  OPT_IGNORED,
  OPT_IGNORED_ARG,
};

static const struct option global_options[] = {
  { "root", required_argument, NULL, OPT_ROOT },
  { "log", required_argument, NULL, OPT_LOG },
  { "log-format", required_argument, NULL, OPT_LOG_FORMAT },
  { "debug", no_argument, NULL, OPT_DEBUG },
  { "systemd-cgroup", no_argument, NULL, OPT_SYSTEMD_CGROUP },
  { "plugins-conf", required_argument, NULL, OPT_PLUGINS_CONF },
  { "version", no_argument, NULL, 'v' },
  { "help", no_argument, NULL, 'h' },
  /* runc flags that have no meaning here, accepted so that callers of runc work. */
  { "rootless", required_argument, NULL, OPT_IGNORED_ARG },
  { "criu", required_argument, NULL, OPT_IGNORED_ARG },
  { NULL, 0, NULL, 0 },
};

static void
print_help (void)
{
  guint n;
  const SvCommand *cmds = sv_cli_commands (&n);

  printf ("NAME:\n   sysvisor-runc - run system containers (an OCI runtime)\n\n"
          "USAGE:\n   sysvisor-runc [global options] command [command options] [arguments...]\n\n"
          "COMMANDS:\n");
  for (guint i = 0; i < n; i++)
    printf ("   %-10s %s\n", cmds[i].name, cmds[i].summary);
  printf ("\nGLOBAL OPTIONS:\n"
          "   --root DIR            state directory (default: " SV_DEFAULT_ROOT ")\n"
          "   --log FILE            write log records to FILE (default: stderr)\n"
          "   --log-format FORMAT   text or json (default: text)\n"
          "   --debug               log debug records\n"
          "   --systemd-cgroup      linux.cgroupsPath is \"slice:prefix:name\"\n"
          "   --plugins-conf FILE   backends per role (default: " SV_PLUGINS_CONF ")\n"
          "   --version, -v         print the version\n"
          "   --help, -h            show this help; 'sysvisor-runc COMMAND --help' for one "
          "command\n");
}

static void
print_version (void)
{
  printf ("sysvisor-runc version %s\nspec: 1.0.2\n", SV_VERSION);
}

/* Returns -1 to go on, or the exit status. */
static int
parse_globals (int argc, char **argv, SvGlobal *g)
{
  int c;

  opterr = 0;
  while ((c = getopt_long (argc, argv, "+:hv", global_options, NULL)) != -1)
    switch (c)
      {
      case OPT_ROOT:
        g->root = optarg;
        break;
      case OPT_LOG:
        g->log = optarg;
        break;
      case OPT_LOG_FORMAT:
        g->log_format = optarg;
        break;
      case OPT_DEBUG:
        g->debug = TRUE;
        break;
      case OPT_SYSTEMD_CGROUP:
        g->systemd_cgroup = TRUE;
        break;
      case OPT_PLUGINS_CONF:
        g->plugins_conf = optarg;
        break;
      case OPT_IGNORED_ARG:
        break;
      case 'v':
        print_version ();
        return 0;
      case 'h':
        print_help ();
        return 0;
      case ':':
        return sv_cli_usage (NULL, "option %s needs a value", argv[optind - 1]);
      default:
        return sv_cli_usage (NULL, "unknown global option %s", argv[optind - 1]);
      }
  return -1;
}

/* The heap a create, run or delete is about to use (~130-160 KiB), faulted in with one
 * madvise instead of one page fault per page (sv-heap.h; bench/README.md, fourteenth round).
 * Below glibc's mmap threshold: no malloc setting changes. */
#define SV_CMD_HEAP_BYTES (120 * 1024)

static int
dispatch (SvGlobal *g, int argc, char **argv)
{
  const SvCommand *cmd;
  GError *error = NULL;
  SvLogFormat format = SV_LOG_TEXT;

  if (!sv_log_parse_format (g->log_format, &format, &error)
      || !sv_log_setup (g->log, format, g->debug, &error))
    return sv_cli_fail (error);
  if (optind >= argc)
    {
      print_help ();
      return 1;
    }
  cmd = sv_cli_find (argv[optind]);
  if (cmd == NULL)
    return sv_cli_usage (NULL, "unknown command \"%s\"", argv[optind]);
  if (cmd->warm_heap)
    sv_heap_warm (SV_CMD_HEAP_BYTES);
  if (cmd->needs_root && geteuid () != 0
      && !(argc > optind + 1
           && (!strcmp (argv[optind + 1], "--help") || !strcmp (argv[optind + 1], "-h"))))
    return sv_cli_fail (g_error_new (G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                                     "%s: sysvisor-runc must run as root (try sudo)", cmd->name));
  argv += optind;
  argc -= optind;
  /* 0, not 1: glibc then starts getopt afresh, forgetting the "+" (stop at the first
   * argument) of the global options, so that a command's options may follow its id. */
  optind = 0;
  return cmd->func (g, argc, argv);
}

int
main (int argc, char **argv)
{
  SvGlobal g = { .root = (char *) SV_DEFAULT_ROOT, .log_format = (char *) "text" };
  int status;

  sv_listen_fds_init (); /* (before any fd of ours: see notify-socket.h) */
  /* No setlocale: messages are written as the bytes they are (a UTF-8 path stays UTF-8 in
   * any locale), numbers and dates stay machine-readable as in runc, and loading a UTF-8
   * locale's LC_CTYPE cost every invocation ~150 kB of RSS. */
  status = parse_globals (argc, argv, &g);
  if (status >= 0)
    sv_cli_leave (status);
  sv_cli_leave (dispatch (&g, argc, argv));
}
