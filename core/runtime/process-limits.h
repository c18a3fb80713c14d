/* process-limits.h: a container process's rlimits and OOM score, set by the runtime (host root) on
 * the process from outside. */
#pragma once

#include "spec.h"

#include <sys/types.h>

/* process.rlimits and process.oomScoreAdj of @p on @pid.  Where the host withholds
 * CAP_SYS_RESOURCE even from root, a hard limit above ours is capped at ours and a lower
 * OOM score is kept as inherited, each with a warning, instead of failing the container. */
gboolean sv_process_apply_limits (SvProcess *p, pid_t pid, GError **error);
