/* bench/wait-gone.c - benchmark helper: when did these processes end?
 *
 *   wait-gone PID...
 *
 * Opens a pidfd for every PID (one that no longer exists counts as ended), prints "ready"
 * and then, once every one of them has ended (exited: a zombie counts as ended), the wall
 * clock time of that moment as seconds.microseconds since the epoch (bash's
 * EPOCHREALTIME format) on a line of its own.  Exit status 0, or 2 on a usage or system
 * error.  bench/start-bench.sh uses it to time a parallel `delete -f` until the containers
 * are really gone, so that a runtime whose delete returned before their death would show it
 * (crun's, suspected of it, was measured not to: bench/README.md, twenty-second round).
 * It sleeps in poll(2): it takes no CPU from the teardown it waits for.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

static int
open_pidfd (const char *arg, int *fd_out)
{
  char *end = NULL;
  long pid;

  errno = 0;
  pid = strtol (arg, &end, 10);
  if (errno != 0 || end == arg || *end != '\0' || pid <= 0)
    {
      fprintf (stderr, "wait-gone: '%s' is not a process id\n", arg);
      return -1;
    }
  *fd_out = (int) syscall (SYS_pidfd_open, (pid_t) pid, 0);
  if (*fd_out < 0 && errno != ESRCH)
    {
      perror ("wait-gone: pidfd_open");
      return -1;
    }
  return 0;
}

int
main (int argc, char **argv)
{
  struct pollfd *fds;
  int left = 0;
  struct timeval now;

  if (argc < 2)
    {
      fprintf (stderr, "usage: wait-gone PID...\n");
      return 2;
    }
  fds = calloc ((size_t) argc, sizeof *fds);
  if (fds == NULL)
    return 2;
  for (int i = 1; i < argc; i++)
    {
      int fd;

      if (open_pidfd (argv[i], &fd) < 0)
        return 2;
      if (fd >= 0)
        fds[left++] = (struct pollfd){ .fd = fd, .events = POLLIN };
    }
  printf ("ready\n");
  fflush (stdout);
  while (left > 0)
    {
      if (poll (fds, (nfds_t) left, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          perror ("wait-gone: poll");
          return 2;
        }
      for (int i = 0; i < left;)
        {
          if (fds[i].revents != 0)
            {
              close (fds[i].fd);
              fds[i] = fds[--left];
            }
          else
            i++;
        }
    }
  gettimeofday (&now, NULL);
  printf ("%ld.%06ld\n", (long) now.tv_sec, (long) now.tv_usec);
  free (fds);
  return 0;
}
