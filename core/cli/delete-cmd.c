/* delete-cmd.c: `sysvisor-runc delete`. */
#include "cli.h"

#include "lifecycle.h"

static const struct option delete_options[] = {
  { "force", no_argument, NULL, 'f' },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

int
sv_cmd_delete (SvGlobal *g, int argc, char **argv)
{
  const SvCommand *cmd = sv_cli_find ("delete");
  GError *error = NULL;
  gboolean force = FALSE;
  int c, status = 1;

  while ((c = sv_cli_getopt (cmd, argc, argv, delete_options, "f", &status)) != -1)
    if (c == 'f')
      force = TRUE;
    else
      return status;
  if (!sv_cli_need_args (cmd, argc, argv, 1, 1))
    return 1;
  if (!sv_lifecycle_delete (g->root, argv[optind], force, g->plugins_conf, &error))
    return sv_cli_fail (error);
  return 0;
}
