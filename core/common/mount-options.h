/* mount-options.h: OCI mount options to mount(2) flags (mount-options.c). */
#pragma once

#include "spec.h"

/* Parse one mount option list into @m's flags/data (used by the spec and by plugins'
 * mounts).  Unknown options go to data. */
void sv_mount_parse_options (SvMount *m);
