/* terminal.c: the runtime side of terminals: --console-socket, and `run` in a terminal. */
#include "terminal.h"

#include "utils.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>

int
sv_terminal_connect_socket (const char *path, GError **error)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  sv_autofd fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (strlen (path) >= sizeof addr.sun_path)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "--console-socket %s: path too long", path);
      return -1;
    }
  strcpy (addr.sun_path, path);
  if (fd < 0 || connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    {
      sv_set_error_errno (error, errno, "connect to --console-socket %s", path);
      return -1;
    }
  return g_steal_fd (&fd);
}

int
sv_terminal_recv_master (int sock, GError **error)
{
  int fd = -1;

  if (!sv_recv_fds (sock, &fd, 1, error))
    return -1;
  return fd;
}

static void
copy_winsize (int from, int to)
{
  struct winsize ws;

  if (ioctl (from, TIOCGWINSZ, &ws) == 0)
    ioctl (to, TIOCSWINSZ, &ws);
}

/* Returns FALSE when @from reached EOF or failed. */
static gboolean
pump (int from, int to)
{
  char buf[8192];
  ssize_t n = read (from, buf, sizeof buf);

  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return TRUE;
  if (n <= 0)
    return FALSE;
  return sv_write_all (to, buf, (gsize) n);
}

static int
wait_status (pid_t pid, gboolean block)
{
  int status;
  pid_t r = waitpid (pid, &status, block ? 0 : WNOHANG);

  if (r != pid)
    return -1;
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  return 128 + WTERMSIG (status);
}

/* The run process's signals go to the container; SIGWINCH resizes the pty; SIGCHLD ends. */
static int
handle_signal (int sfd, int master, pid_t pid)
{
  struct signalfd_siginfo si;

  if (read (sfd, &si, sizeof si) != sizeof si)
    return -1;
  if (si.ssi_signo == SIGWINCH)
    copy_winsize (STDIN_FILENO, master);
  else if (si.ssi_signo == SIGCHLD)
    return wait_status (pid, FALSE);
  else
    kill (pid, (int) si.ssi_signo);
  return -1;
}

/* The process is gone (SIGCHLD may come before the pty is read): copy what it wrote last. */
static void
drain (int master)
{
  char buf[8192];
  ssize_t n;

  fcntl (master, F_SETFL, fcntl (master, F_GETFL) | O_NONBLOCK);
  while ((n = read (master, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0 && !sv_write_all (STDOUT_FILENO, buf, (gsize) n))
      return;
}

int
sv_terminal_proxy (int master, pid_t pid, GError **error)
{
  struct termios saved, raw;
  gboolean is_tty = tcgetattr (STDIN_FILENO, &saved) == 0;
  sigset_t mask;
  sv_autofd sfd = -1;
  int status = -1;
  gboolean stdin_open = TRUE;

  sigprocmask (SIG_SETMASK, NULL, &mask);
  sfd = signalfd (-1, &mask, SFD_CLOEXEC);
  if (sfd < 0)
    {
      sv_set_error_errno (error, errno, "signalfd");
      return -1;
    }
  if (is_tty)
    {
      raw = saved;
      cfmakeraw (&raw);
      tcsetattr (STDIN_FILENO, TCSANOW, &raw);
      copy_winsize (STDIN_FILENO, master);
    }
  while (status < 0)
    {
      struct pollfd fds[3] = { { sfd, POLLIN, 0 },
                               { master, POLLIN, 0 },
                               { stdin_open ? STDIN_FILENO : -1, POLLIN, 0 } };
      if (poll (fds, 3, -1) < 0 && errno != EINTR)
        break;
      if (fds[0].revents & POLLIN)
        status = handle_signal (sfd, master, pid);
      /* The pty hangs up when the container is gone: reap it unless the signal did. */
      if (status < 0 && (fds[1].revents & (POLLIN | POLLHUP)) && !pump (master, STDOUT_FILENO))
        status = wait_status (pid, TRUE);
      if (fds[2].revents & (POLLIN | POLLHUP))
        stdin_open = pump (STDIN_FILENO, master);
    }
  drain (master);
  if (is_tty)
    tcsetattr (STDIN_FILENO, TCSANOW, &saved);
  return status;
}
