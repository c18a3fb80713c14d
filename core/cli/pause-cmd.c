/* pause-cmd.c: `sysvisor-runc pause`: freeze every process of a running container (the v1
 * freezer, or cgroup.freeze on cgroup v2). */
#include "cli.h"

#include "container-cgroup.h"

int
sv_cmd_pause (SvGlobal *g, int argc, char **argv)
{
  return sv_cli_set_frozen (g, "pause", TRUE, argc, argv);
}
