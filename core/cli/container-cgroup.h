/* container-cgroup.h: what the commands acting on a live container's cgroup share (ps, pause,
 * resume, update, events). */
#pragma once

#include "cgroups.h"
#include "cli.h"
#include "state.h"

#include <glib.h>

/* One bit per SvStatus, for the @allowed mask below. */
#define SV_STATUS_BIT(s) (1u << (s))

/* Load container @id's state and open its cgroup.  Unless the container's status is in
 * @allowed, fails with "cannot VERB container "ID": it is STATUS[, not EXPECTED]" (@verb:
 * "pause", ...; @expected may be NULL).  @state_out (may be NULL) receives the state. */
SvCgroup *sv_cli_container_cgroup (const char *root, const char *id, const char *verb,
                                   guint allowed, const char *expected, SvState **state_out,
                                   GError **error);
/* Check @id, then take the container's state lock (so that pause, resume and update of one
 * container do not interleave).  The fd to close, or -1 with @error set. */
int sv_cli_lock_container (const char *root, const char *id, GError **error);

/* pause and resume: freeze (@frozen) or thaw the container named by the command's argument.
 * Returns the exit status. */
int sv_cli_set_frozen (SvGlobal *g, const char *name, gboolean frozen, int argc, char **argv);
