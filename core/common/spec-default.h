/* spec-default.h: the default config.json of `sysvisor-runc spec`. */
#pragma once

#include <json-glib/json-glib.h>

/* A runc-shaped default spec for a system container (see docs in README: what differs). */
JsonNode *sv_spec_default (void);
