/* start-cmd.c: `sysvisor-runc start`. */
#include "cli.h"

#include "lifecycle.h"

static const struct option start_options[] = {
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

int
sv_cmd_start (SvGlobal *g, int argc, char **argv)
{
  const SvCommand *cmd = sv_cli_find ("start");
  GError *error = NULL;
  int status = 1;

  if (sv_cli_getopt (cmd, argc, argv, start_options, "", &status) != -1)
    return status;
  if (!sv_cli_need_args (cmd, argc, argv, 1, 1))
    return 1;
  if (!sv_lifecycle_start (g->root, argv[optind], &error))
    return sv_cli_fail (error);
  return 0;
}
