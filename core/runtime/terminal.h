/* terminal.h: pty for process.terminal, and the runtime side of `run` with a terminal. */
#pragma once

#include <glib.h>
#include <sys/types.h>

/* Receive the pty master a container sends over @sock (the --console-socket protocol). */
int sv_terminal_recv_master (int sock, GError **error);
/* Copy between our stdin/stdout and @master until the container exits (pid @pid), forwarding
 * window size changes.  Puts our tty in raw mode meanwhile.  Returns the exit status. */
int sv_terminal_proxy (int master, pid_t pid, GError **error);
/* Connect to the unix socket at @path (--console-socket). */
int sv_terminal_connect_socket (const char *path, GError **error);
