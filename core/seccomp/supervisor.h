/* supervisor.h: syscalls answered for the container by a supervising daemon.
 *
 * A procfs plugin names a supervisor (sv_container_set_syscall_supervisor: an abstract unix
 * socket address).  The container's init (and every exec'd process) then loads a seccomp
 * filter whose action for the trapped calls is SECCOMP_RET_USER_NOTIF, and the runtime hands
 * the filter's listener fd to the supervisor, which answers each trapped call (or lets the
 * kernel run it).  The client's own filter still wins: an errno or kill action outranks a
 * notification.  Trapped now: sysinfo(2), and bind remounts that do not ask for read-only. */
#pragma once

#include <glib.h>
#include <sys/types.h>

/* Child side (between clone and execve; async-signal-safe): load the notifying filter.
 * Returns the listener fd (O_CLOEXEC), or -errno. */
int sv_supervisor_load_filter (void);
/* The rule that keeps read-only mounts read-only where no supervisor runs (0 or -errno). */
int sv_supervisor_load_flat_filter (void);

/* Parent side: give @listener (not consumed) of container @id's process @pid to the supervisor
 * at @address, and wait for it to accept it.  @listener < 0: @who (e.g. "the process")
 * inherited another supervisor's filter, which answers its syscalls: a warning, TRUE. */
gboolean sv_supervisor_hand_over (const char *address, int listener, const char *who,
                                  const char *id, pid_t pid, GError **error);
/* The same in two steps, so that the caller works while the supervisor takes the listener:
 * send it (returns the connection, -1 on error, or -2 when @listener < 0 as above: nothing to
 * wait for), then sv_supervisor_await() its answer (closes @sock; -2: TRUE at once). */
int sv_supervisor_send (const char *address, int listener, const char *who, const char *id,
                        pid_t pid, GError **error);
gboolean sv_supervisor_await (const char *address, int sock, GError **error);
