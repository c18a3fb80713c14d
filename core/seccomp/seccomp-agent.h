/* seccomp-agent.h: linux.seccomp.listenerPath: the listener of the container's filter goes to
 * the user's seccomp agent, as runc sends it. */
#pragma once

#include <json-glib/json-glib.h>
#include <sys/types.h>

/* linux.seccomp.listenerPath of @seccomp (may be NULL), or NULL when none is given. */
const char *sv_seccomp_agent_path (JsonObject *seccomp);
/* Connect to @seccomp's listenerPath and send, in one message, runc's "container process
 * state" ({"ociVersion", "fds": ["seccompFd"], "pid", "metadata", "state"}) with @fd. */
gboolean sv_seccomp_agent_send (JsonObject *seccomp, pid_t pid, JsonNode *state, int fd,
                                GError **error);
/* A filter chain holds one listener only (a second one: EBUSY): when the spec names an agent,
 * the runtime's own syscall supervisor (*@supervisor, its address) is off for the container,
 * with a log line.  The agent answers the calls its rules notify. */
void sv_seccomp_agent_wins (char **supervisor, JsonObject *seccomp);
