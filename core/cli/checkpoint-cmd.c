/* checkpoint-cmd.c: `sysvisor-runc checkpoint` and `restore`: refused, with the reason (runc
 * has them, so tools may call them; a clear "not supported" beats "unknown command"). */
#include "cli.h"

#include <gio/gio.h>

static int
refuse (const char *name)
{
  return sv_cli_fail (g_error_new (
      G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
      "%s is not supported: sysvisor-runc does not implement checkpoint/restore (CRIU) of "
      "system containers; stop the container and create it again instead",
      name));
}

int
sv_cmd_checkpoint (SvGlobal *g, int argc, char **argv)
{
  (void) g;
  (void) argc;
  (void) argv;
  return refuse ("checkpoint");
}

int
sv_cmd_restore (SvGlobal *g, int argc, char **argv)
{
  (void) g;
  (void) argc;
  (void) argv;
  return refuse ("restore");
}
