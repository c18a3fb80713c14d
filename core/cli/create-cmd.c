/* create-cmd.c: `sysvisor-runc create`. */
#include "cli.h"

#include "create.h"

#include <stdlib.h>

enum
{
  OPT_CONSOLE = 1000,
  OPT_PID_FILE,
  OPT_PRESERVE,
  OPT_IGNORED,
};

static const struct option create_options[] = {
  { "bundle", required_argument, NULL, 'b' },
  { "console-socket", required_argument, NULL, OPT_CONSOLE },
  { "pid-file", required_argument, NULL, OPT_PID_FILE },
  { "preserve-fds", required_argument, NULL, OPT_PRESERVE },
  { "no-pivot", no_argument, NULL, OPT_IGNORED },
  { "no-new-keyring", no_argument, NULL, OPT_IGNORED },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

int sv_cli_parse_create (const SvCommand *cmd, int argc, char **argv, SvCreateOptions *o,
                         int *status);

/* Shared by create and run: the options both take.  Returns FALSE when *status is final. */
int
sv_cli_parse_create (const SvCommand *cmd, int argc, char **argv, SvCreateOptions *o, int *status)
{
  int c;
  char *end;

  while ((c = sv_cli_getopt (cmd, argc, argv, create_options, "b:", status)) != -1)
    switch (c)
      {
      case 'b':
        o->bundle = optarg;
        break;
      case OPT_CONSOLE:
        o->console_socket = optarg;
        break;
      case OPT_PID_FILE:
        o->pid_file = optarg;
        break;
      case OPT_PRESERVE:
        o->preserve_fds = (guint) strtoul (optarg, &end, 10);
        if (*end != '\0' || optarg[0] == '-')
          {
            *status = sv_cli_usage (cmd->name, "--preserve-fds needs a number, not \"%s\"",
                                    optarg);
            return FALSE;
          }
        break;
      case OPT_IGNORED:
        break;
      default:
        return FALSE;
      }
  return TRUE;
}

int
sv_cmd_create (SvGlobal *g, int argc, char **argv)
{
  const SvCommand *cmd = sv_cli_find ("create");
  SvCreateOptions o = { .root = g->root, .bundle = ".", .plugins_conf = g->plugins_conf,
                        .systemd_cgroup = g->systemd_cgroup, .console_sock_fd = -1 };
  GError *error = NULL;
  int status = 1;
  pid_t pid;

  if (!sv_cli_parse_create (cmd, argc, argv, &o, &status))
    return status;
  if (!sv_cli_need_args (cmd, argc, argv, 1, 1))
    return 1;
  o.id = argv[optind];
  if (!sv_create_container (&o, &pid, &error))
    return sv_cli_fail (error);
  return 0;
}
