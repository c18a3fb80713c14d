/* foreground.h: a runtime that stays in the foreground with its container process (`run`,
 * `exec` without --detach): signals forwarded to it, a terminal proxied, its exit status. */
#pragma once

#include <glib.h>
#include <signal.h>
#include <sys/types.h>

/* Block the signals we forward (and SIGCHLD) before the process exists; @set receives them. */
void sv_foreground_block_signals (sigset_t *set);
/* A socketpair whose second end stands in for --console-socket (sv[1]); -1s on failure. */
void sv_foreground_console_pair (int sv[2]);
/* The pty master that arrived on @sock during create/exec, or -1 (no terminal). */
int sv_foreground_take_master (int sock);
/* Wait for @pid (our child): proxy the terminal @master (or -1), forward signals.
 * Returns its exit status (128+N when killed by signal N), or -1 with @error. */
int sv_foreground_wait (pid_t pid, int master, sigset_t *set, GError **error);
