/* run-cmd.c: `sysvisor-runc run`: create + start + wait, and the exit status of the process. */
#include "cli.h"

#include "create.h"
#include "foreground.h"
#include "lifecycle.h"
#include "utils.h"

#include <stdlib.h>

enum
{
  OPT_CONSOLE = 1000,
  OPT_PID_FILE,
  OPT_PRESERVE,
  OPT_IGNORED,
  OPT_KEEP,
};

static const struct option run_options[] = {
  { "bundle", required_argument, NULL, 'b' },
  { "console-socket", required_argument, NULL, OPT_CONSOLE },
  { "pid-file", required_argument, NULL, OPT_PID_FILE },
  { "preserve-fds", required_argument, NULL, OPT_PRESERVE },
  { "detach", no_argument, NULL, 'd' },
  { "keep", no_argument, NULL, OPT_KEEP },
  { "no-pivot", no_argument, NULL, OPT_IGNORED },
  { "no-new-keyring", no_argument, NULL, OPT_IGNORED },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

typedef struct
{
  SvCreateOptions create;
  gboolean detach;
  gboolean keep;
} RunOptions;

static gboolean
parse_run (const SvCommand *cmd, int argc, char **argv, RunOptions *o, int *status)
{
  int c;
  char *end;

  while ((c = sv_cli_getopt (cmd, argc, argv, run_options, "b:d", status)) != -1)
    switch (c)
      {
      case 'b':
        o->create.bundle = optarg;
        break;
      case OPT_CONSOLE:
        o->create.console_socket = optarg;
        break;
      case OPT_PID_FILE:
        o->create.pid_file = optarg;
        break;
      case OPT_PRESERVE:
        o->create.preserve_fds = (guint) strtoul (optarg, &end, 10);
        if (*end != '\0' || optarg[0] == '-')
          {
            *status = sv_cli_usage (cmd->name, "--preserve-fds needs a number, not \"%s\"",
                                    optarg);
            return FALSE;
          }
        break;
      case 'd':
        o->detach = TRUE;
        break;
      case OPT_KEEP:
        o->keep = TRUE;
        break;
      case OPT_IGNORED:
        break;
      default:
        return FALSE;
      }
  return TRUE;
}

static int
run_started (RunOptions *o, pid_t pid, int master, sigset_t *set, GError **error)
{
  if (o->detach)
    return 0;
  return sv_foreground_wait (pid, master, set, error);
}

int
sv_cmd_run (SvGlobal *g, int argc, char **argv)
{
  const SvCommand *cmd = sv_cli_find ("run");
  RunOptions o = { .create = { .root = g->root, .bundle = ".", .plugins_conf = g->plugins_conf,
                               .systemd_cgroup = g->systemd_cgroup, .console_sock_fd = -1 } };
  GError *error = NULL;
  int status = 1, sp[2] = { -1, -1 };
  sv_autofd master = -1;
  sigset_t set;
  pid_t pid;

  if (!parse_run (cmd, argc, argv, &o, &status) || !sv_cli_need_args (cmd, argc, argv, 1, 1))
    return status;
  o.create.id = argv[optind];
  if (o.create.console_socket == NULL && !o.detach)
    sv_foreground_console_pair (sp);
  o.create.console_sock_fd = sp[1];
  sv_foreground_block_signals (&set);
  if (!sv_create_container (&o.create, &pid, &error))
    status = sv_cli_fail (error);
  else
    {
      master = sv_foreground_take_master (sp[0]);
      if (!sv_lifecycle_start (g->root, o.create.id, &error)
          || (status = run_started (&o, pid, master, &set, &error)) < 0)
        {
          status = sv_cli_fail (error);
          error = NULL;
          o.keep = FALSE;
          o.detach = FALSE;
        }
      if (!o.detach && !o.keep && !sv_lifecycle_delete (g->root, o.create.id, TRUE,
                                                        g->plugins_conf, &error))
        sv_cli_fail (error);
    }
  sv_close_fdp (&sp[0]);
  sv_close_fdp (&sp[1]);
  return status;
}
