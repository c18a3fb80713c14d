/* state-cmd.c: `sysvisor-runc state`: the OCI state JSON. */
#include "cli.h"

#include "state.h"

#include <stdio.h>

static const struct option state_options[] = {
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

int
sv_cmd_state (SvGlobal *g, int argc, char **argv)
{
  const SvCommand *cmd = sv_cli_find ("state");
  GError *error = NULL;
  g_autoptr (SvState) st = NULL;
  g_autoptr (JsonNode) oci = NULL;
  g_autofree char *text = NULL;
  int status = 1;

  if (sv_cli_getopt (cmd, argc, argv, state_options, "", &status) != -1)
    return status;
  if (!sv_cli_need_args (cmd, argc, argv, 1, 1))
    return 1;
  st = sv_state_load (g->root, argv[optind], &error);
  if (st == NULL)
    return sv_cli_fail (error);
  oci = sv_state_to_oci (st);
  text = sv_json_to_string (oci, TRUE);
  printf ("%s\n", text);
  return 0;
}
