/* create-options.h: the options that `create` and `run` share. */
#pragma once

#include "cli.h"
#include "create.h"

enum
{
  SV_OPT_CONSOLE = 1000,
  SV_OPT_PID_FILE,
  SV_OPT_PRESERVE,
  SV_OPT_IGNORED,
  SV_OPT_KEEP,
};

/* Handle option @c (from getopt) if it is one of create's: TRUE when it was.  A bad value
 * sets *status to the exit status. */
gboolean sv_cli_create_option (const SvCommand *cmd, int c, SvCreateOptions *o, int *status);
