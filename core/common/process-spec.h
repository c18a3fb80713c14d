/* process-spec.h: the "process" object of config.json (process-spec.c). */
#pragma once

#include "spec.h"

/* process.json of `exec --process`, or process of config.json.  @path: "process". */
SvProcess *sv_process_from_json (JsonObject *o, const char *path, GError **error);
