/* devices.h: device nodes in the container's /dev, made by its init (devices.c). */
#pragma once

#include "init.h"

gboolean sv_devices_setup (SvInitConfig *cfg, int rootfd, GError **error);
gboolean sv_devices_symlinks (SvInitConfig *cfg, GError **error);
