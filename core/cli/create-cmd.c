/* create-cmd.c: `sysvisor-runc create`. */
#include "cli.h"

#include "create-options.h"
#include "create.h"

#include <stdlib.h>

static const struct option create_options[] = {
  { "bundle", required_argument, NULL, 'b' },
  { "console-socket", required_argument, NULL, SV_OPT_CONSOLE },
  { "pid-file", required_argument, NULL, SV_OPT_PID_FILE },
  { "preserve-fds", required_argument, NULL, SV_OPT_PRESERVE },
  { "no-pivot", no_argument, NULL, SV_OPT_IGNORED },
  { "no-new-keyring", no_argument, NULL, SV_OPT_IGNORED },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

/* One option of create (also taken by run): TRUE when @c was one of them and is handled;
 * *status is set when it was bad. */
gboolean
sv_cli_create_option (const SvCommand *cmd, int c, SvCreateOptions *o, int *status)
{
  char *end;

  switch (c)
    {
    case 'b':
      o->bundle = optarg;
      return TRUE;
    case SV_OPT_CONSOLE:
      o->console_socket = optarg;
      return TRUE;
    case SV_OPT_PID_FILE:
      o->pid_file = optarg;
      return TRUE;
    case SV_OPT_PRESERVE:
      o->preserve_fds = (guint) strtoul (optarg, &end, 10);
      if (*end != '\0' || optarg[0] == '-' || optarg[0] == '\0')
        *status = sv_cli_usage (cmd->name, "--preserve-fds needs a number, not \"%s\"", optarg);
      return TRUE;
    case SV_OPT_IGNORED:
      return TRUE;
    default:
      return FALSE;
    }
}

static gboolean
parse_create (const SvCommand *cmd, int argc, char **argv, SvCreateOptions *o, int *status)
{
  int c;

  while ((c = sv_cli_getopt (cmd, argc, argv, create_options, "b:", status)) != -1)
    if (!sv_cli_create_option (cmd, c, o, status) || *status != -1)
      return FALSE;
  return TRUE;
}

/* Committed, the init waiting for `start`: the command is done.  Out at once, without handing
 * back what create held (the spec, the plugins, the cgroup and state structures: ~0.5 ms of
 * a create, for a process about to exit). */
static void
create_committed (const SvState *state, gpointer data)
{
  sv_cli_leave (0);
}

int
sv_cmd_create (SvGlobal *g, int argc, char **argv)
{
  const SvCommand *cmd = sv_cli_find ("create");
  SvCreateOptions o = { .root = g->root,
                        .bundle = ".",
                        .plugins_conf = g->plugins_conf,
                        .systemd_cgroup = g->systemd_cgroup,
                        .console_sock_fd = -1 };
  GError *error = NULL;
  int status = -1;
  pid_t pid;

  if (!parse_create (cmd, argc, argv, &o, &status))
    return status < 0 ? 1 : status;
  if (!sv_cli_need_args (cmd, argc, argv, 1, 1))
    return 1;
  o.id = argv[optind];
  o.created = create_committed;
  if (!sv_create_container (&o, &pid, &error))
    return sv_cli_fail (error);
  return 0;
}
