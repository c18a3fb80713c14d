/* resume-cmd.c: `sysvisor-runc resume`: thaw a paused container. */
#include "cli.h"

#include "container-cgroup.h"
#include "utils.h"

static const struct option resume_options[] = {
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

int
sv_cmd_resume (SvGlobal *g, int argc, char **argv)
{
  const SvCommand *cmd = sv_cli_find ("resume");
  GError *error = NULL;
  g_autoptr (SvCgroup) cg = NULL;
  sv_autofd lock = -1;
  int status = 1;

  if (sv_cli_getopt (cmd, argc, argv, resume_options, "", &status) != -1)
    return status;
  if (!sv_cli_need_args (cmd, argc, argv, 1, 1))
    return 1;
  lock = sv_cli_lock_container (g->root, argv[optind], &error);
  if (lock < 0)
    return sv_cli_fail (error);
  cg = sv_cli_container_cgroup (g->root, argv[optind], "resume", SV_STATUS_BIT (SV_STATUS_PAUSED),
                                "paused", NULL, &error);
  if (cg == NULL || !sv_cgroup_set_frozen (cg, FALSE, &error))
    return sv_cli_fail (error);
  return 0;
}
