/* pause-cmd.c: `sysvisor-runc pause`: freeze every process of a running container (the v1
 * freezer, or cgroup.freeze on cgroup v2). */
#include "cli.h"

#include "container-cgroup.h"
#include "utils.h"

static const struct option pause_options[] = {
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

int
sv_cmd_pause (SvGlobal *g, int argc, char **argv)
{
  const SvCommand *cmd = sv_cli_find ("pause");
  GError *error = NULL;
  g_autoptr (SvCgroup) cg = NULL;
  sv_autofd lock = -1;
  int status = 1;

  if (sv_cli_getopt (cmd, argc, argv, pause_options, "", &status) != -1)
    return status;
  if (!sv_cli_need_args (cmd, argc, argv, 1, 1))
    return 1;
  lock = sv_cli_lock_container (g->root, argv[optind], &error);
  if (lock < 0)
    return sv_cli_fail (error);
  cg = sv_cli_container_cgroup (g->root, argv[optind], "pause", SV_STATUS_BIT (SV_STATUS_RUNNING),
                                "running", NULL, &error);
  if (cg == NULL || !sv_cgroup_set_frozen (cg, TRUE, &error))
    return sv_cli_fail (error);
  return 0;
}
