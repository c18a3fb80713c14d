/* terminal-child.h: the container side of process.terminal (terminal-child.c). */
#pragma once

#include "init.h"

gboolean sv_terminal_setup_child (SvInitConfig *cfg, GError **error);
