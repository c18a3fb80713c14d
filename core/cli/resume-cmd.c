/* resume-cmd.c: `sysvisor-runc resume`: thaw a paused container. */
#include "cli.h"

#include "container-cgroup.h"

int
sv_cmd_resume (SvGlobal *g, int argc, char **argv)
{
  return sv_cli_set_frozen (g, "resume", FALSE, argc, argv);
}
