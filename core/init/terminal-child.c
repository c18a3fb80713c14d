/* terminal-child.c: the container side of process.terminal: a pty from the container's own
 * devpts, whose master goes to the --console-socket and whose slave becomes stdio. */
#include "terminal-child.h"
#include "utils.h"

#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <termios.h>
#include <unistd.h>

static gboolean
bind_console (int ptn, GError **error)
{
  g_autofree char *slave = g_strdup_printf ("/dev/pts/%d", ptn);
  int fd = open ("/dev/console", O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);

  if (fd >= 0)
    close (fd);
  if (mount (slave, "/dev/console", NULL, MS_BIND, NULL) < 0)
    {
      sv_set_error_errno (error, errno, "bind %s on /dev/console", slave);
      return FALSE;
    }
  return TRUE;
}

static gboolean
make_controlling (int slave, GError **error)
{
  setsid ();
  if (ioctl (slave, TIOCSCTTY, 0) < 0)
    {
      sv_set_error_errno (error, errno, "make the pty the controlling terminal");
      return FALSE;
    }
  for (int fd = 0; fd < 3; fd++)
    if (dup2 (slave, fd) < 0)
      {
        sv_set_error_errno (error, errno, "dup2 the pty to fd %d", fd);
        return FALSE;
      }
  return TRUE;
}

gboolean
sv_terminal_setup_child (SvInitConfig *cfg, GError **error)
{
  sv_autofd master = -1;
  sv_autofd slave = -1;
  int unlock = 0, ptn = -1;
  SvProcess *p = cfg->process;

  master = open ("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0 || ioctl (master, TIOCSPTLCK, &unlock) < 0 || ioctl (master, TIOCGPTN, &ptn) < 0)
    {
      sv_set_error_errno (error, errno,
                          "open a pty in the container (/dev/ptmx; is devpts "
                          "mounted on /dev/pts?)");
      return FALSE;
    }
  slave = ioctl (master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0)
    {
      sv_set_error_errno (error, errno, "open the pty's slave");
      return FALSE;
    }
  if (p->console_height > 0 && p->console_width > 0)
    {
      struct winsize ws = { .ws_row = (unsigned short) p->console_height,
                            .ws_col = (unsigned short) p->console_width };
      ioctl (slave, TIOCSWINSZ, &ws);
    }
  if (cfg->spec != NULL && access ("/dev/pts", F_OK) == 0 && !bind_console (ptn, error))
    return FALSE;
  if (!sv_send_fds (cfg->console_fd, &master, 1, error))
    {
      g_prefix_error (error, "--console-socket: ");
      return FALSE;
    }
  /* The socket's work is done: it must not stay open in the container. */
  close (cfg->console_fd);
  cfg->console_fd = -1;
  return make_controlling (slave, error);
}
