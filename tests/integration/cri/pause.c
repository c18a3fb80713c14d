/* pause.c: the pod sandbox's process in cri-pods.sh (the pause image is built from it, no
 * registry needed): sleep until SIGTERM or SIGINT, reap children (a PID namespace shared
 * with shareProcessNamespace gives it orphans).  Built with gcc -static. */
#include <signal.h>
#include <stddef.h>
#include <sys/wait.h>
#include <unistd.h>

static void
stop (int sig)
{
  (void) sig;
  _exit (0);
}

static void
reap (int sig)
{
  (void) sig;
  while (waitpid (-1, NULL, WNOHANG) > 0)
    ;
}

int
main (void)
{
  struct sigaction sa = { 0 };

  sa.sa_handler = stop;
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGINT, &sa, NULL);
  sa.sa_handler = reap;
  sa.sa_flags = SA_NOCLDSTOP | SA_RESTART;
  sigaction (SIGCHLD, &sa, NULL);
  for (;;)
    pause ();
}
