/* kill-cmd.c: `sysvisor-runc kill`. */
#include "cli.h"

#include "lifecycle.h"

#include <signal.h>

static const struct option kill_options[] = {
  { "all", no_argument, NULL, 'a' },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

int
sv_cmd_kill (SvGlobal *g, int argc, char **argv)
{
  const SvCommand *cmd = sv_cli_find ("kill");
  GError *error = NULL;
  gboolean all = FALSE;
  int c, status = 1, signo = SIGTERM;

  while ((c = sv_cli_getopt (cmd, argc, argv, kill_options, "a", &status)) != -1)
    if (c == 'a')
      all = TRUE;
    else
      return status;
  if (!sv_cli_need_args (cmd, argc, argv, 1, 2))
    return 1;
  if (argc - optind == 2 && (signo = sv_signal_parse (argv[optind + 1], &error)) < 0)
    return sv_cli_fail (error);
  if (!sv_lifecycle_kill (g->root, argv[optind], signo, all, &error))
    return sv_cli_fail (error);
  return 0;
}
