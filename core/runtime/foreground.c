/* foreground.c: a runtime that stays in the foreground with its container process. */
#include "foreground.h"

#include "terminal.h"
#include "utils.h"

#include <fcntl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

void
sv_foreground_block_signals (sigset_t *set)
{
  static const int forwarded[] = { SIGINT,  SIGTERM,  SIGHUP,  SIGQUIT, SIGUSR1,
                                   SIGUSR2, SIGWINCH, SIGCHLD, SIGCONT };

  sigemptyset (set);
  for (guint i = 0; i < G_N_ELEMENTS (forwarded); i++)
    sigaddset (set, forwarded[i]);
  sigprocmask (SIG_BLOCK, set, NULL);
}

void
sv_foreground_console_pair (int sv[2])
{
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    sv[0] = sv[1] = -1;
}

/* The init sent the terminal's master before READY, so it is queued by now, or there is none
 * (process.terminal false): never wait for it.  (A receive timeout, even of 1 µs, is rounded
 * up to a scheduler tick: it cost every `run` without a terminal 4-8 ms.) */
int
sv_foreground_take_master (int sock)
{
  int flags;

  if (sock < 0)
    return -1;
  flags = fcntl (sock, F_GETFL);
  if (flags < 0 || fcntl (sock, F_SETFL, flags | O_NONBLOCK) < 0)
    return -1;
  return sv_terminal_recv_master (sock, NULL);
}

/* Without a terminal: pass our signals on to the process and wait for it. */
static int
forward_and_wait (pid_t pid, sigset_t *set, GError **error)
{
  sv_autofd sfd = signalfd (-1, set, SFD_CLOEXEC);
  struct signalfd_siginfo si;
  int status;

  if (sfd < 0)
    {
      sv_set_error_errno (error, errno, "signalfd");
      return -1;
    }
  for (;;)
    {
      pid_t r = waitpid (pid, &status, WNOHANG);
      if (r == pid)
        return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
      if (r < 0 && errno != EINTR)
        {
          sv_set_error_errno (error, errno, "wait for pid %d", (int) pid);
          return -1;
        }
      if (read (sfd, &si, sizeof si) != sizeof si)
        continue;
      if (si.ssi_signo != SIGCHLD && si.ssi_signo != SIGWINCH)
        kill (pid, (int) si.ssi_signo);
    }
}

int
sv_foreground_wait (pid_t pid, int master, sigset_t *set, GError **error)
{
  if (master >= 0)
    return sv_terminal_proxy (master, pid, error);
  return forward_and_wait (pid, set, error);
}
