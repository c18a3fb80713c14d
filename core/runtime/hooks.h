/* hooks.h: OCI lifecycle hooks (prestart, createRuntime, createContainer, startContainer,
 * poststart, poststop): the container's state on stdin, optional timeout, failure = error. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

/* Run every hook of kind @kind ("createRuntime", ...) in @hooks (the spec's "hooks" object,
 * may be NULL).  @state: the OCI state JSON given on each hook's stdin. */
gboolean sv_hooks_run (JsonObject *hooks, const char *kind, JsonNode *state, GError **error);
/* The same, each hook with working directory @cwd (NULL: ours).  Without "env" in the spec a
 * hook gets the runtime's environment (runc's behaviour). */
gboolean sv_hooks_run_in (JsonObject *hooks, const char *kind, JsonNode *state, const char *cwd,
                          GError **error);
gboolean sv_hooks_has (JsonObject *hooks, const char *kind);
/* Validate the hooks object of a spec (paths absolute, timeouts positive). */
gboolean sv_hooks_validate (JsonObject *hooks, GError **error);
