/* bench/syscall-loop.c - time one syscall in a loop (run inside a container by
 * bench/supervisor-bench.sh).  Static, so it runs in any rootfs.
 *
 *   syscall-loop sysinfo N        N sysinfo() calls
 *   syscall-loop remount N PATH   N mount(NULL, PATH, NULL, MS_REMOUNT|MS_BIND|MS_NOSUID)
 *
 * Prints "NAME ns_per_call X failures F" on one line; exits 1 if every call failed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sysinfo.h>
#include <time.h>

static double
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int
main (int argc, char **argv)
{
  long n = argc > 2 ? strtol (argv[2], NULL, 10) : 0, failures = 0;
  int remount = argc > 1 && strcmp (argv[1], "remount") == 0;
  struct sysinfo si;
  double t0;

  if (n <= 0 || (!remount && (argc != 3 || strcmp (argv[1], "sysinfo") != 0))
      || (remount && argc != 4))
    {
      fprintf (stderr, "usage: syscall-loop sysinfo N | syscall-loop remount N PATH\n");
      return 2;
    }
  t0 = now_ns ();
  for (long i = 0; i < n; i++)
    {
      int r = remount ? mount (NULL, argv[3], NULL, MS_REMOUNT | MS_BIND | MS_NOSUID, NULL)
                      : sysinfo (&si);
      if (r != 0)
        {
          if (failures++ == 0)
            perror (argv[1]);
        }
    }
  printf ("%s ns_per_call %.0f failures %ld\n", argv[1], (now_ns () - t0) / n, failures);
  return failures == n;
}
