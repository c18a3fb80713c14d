/* sv-log.h: the log levels every daemon and command names the same way (libsv-util):
 * error, warning, info, debug.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <glib.h>

/* "error" (ERROR, CRITICAL), "warning", "info" (MESSAGE, INFO) or "debug". */
const char *sv_log_level_name (GLogLevelFlags level);

/* The threshold a --log-level name stands for (error = CRITICAL); FALSE for another name. */
gboolean sv_log_level_parse (const char *name, GLogLevelFlags *level);
