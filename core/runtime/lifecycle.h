/* lifecycle.h: start, kill and delete of an existing container (shared by the CLI commands
 * and by `run`). */
#pragma once

#include "state.h"

#include <glib.h>

gboolean sv_lifecycle_start (const char *root, const char *id, GError **error);
/* The same; @foreground: the runtime stays with the container (`run`), see notify-socket.h. */
gboolean sv_lifecycle_start_full (const char *root, const char *id, gboolean foreground,
                                  GError **error);
/* The same for a state in hand (`run`, right after its create committed it). */
gboolean sv_lifecycle_start_state (const SvState *st, gboolean foreground, GError **error);
/* @signo: the signal; @all: every process of the container (its cgroup). */
gboolean sv_lifecycle_kill (const char *root, const char *id, int signo, gboolean all,
                            GError **error);
/* Removes the container: its processes (with @force, or when only created), cgroup, the
 * plugins' resources (ids), then poststop hooks and the state directory. */
gboolean sv_lifecycle_delete (const char *root, const char *id, gboolean force,
                              const char *plugins_conf, GError **error);
/* Parse "KILL", "SIGKILL", "9" into a signal number. */
int sv_signal_parse (const char *name, GError **error);
