/* procfs-read-loop [-r ROUNDS] [-t SECONDS] FILE COUNT [FILE...]
 *
 * Open, read to EOF and close each FILE COUNT times per round, for ROUNDS rounds (default 1),
 * the files taking turns within each round (round r starting with file r mod the number of
 * files), so that a change in the machine's load hits them all alike.  Prints one line per FILE: "reads/s max_us" (max_us: the slowest single
 * open+read+close, in microseconds).
 *
 * With -t SECONDS instead: read the FILEs in turn (no COUNT) for that long and print
 * "reads max_us slow max_blocked_us blocked_slow" (slow: reads that took more than 10 ms;
 * the load test's reader).  A read's time is the reader's own CPU, its wait for a CPU (it was
 * runnable: run-queue time) and the rest, when it slept: for a FUSE file, its wait for the
 * daemon's answers.  max_blocked_us and blocked_slow count that rest alone (the thread's CPU
 * clock and /proc/thread-self/schedstat around each read; a kernel without schedstat counts
 * the run-queue time in it too), so that a reader queued behind 49 others on its CPU is not
 * put down to the daemon.
 * -R RATE paces that reader to RATE reads per second (a read starts at each 1/RATE s tick;
 * a reader that falls behind reads at once, without bursts to catch up): the load test's
 * "same load" for two daemons. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char buf[1 << 16];

static double
now (void)
{
  struct timespec t;
  clock_gettime (CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static int
read_once (const char *path)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  ssize_t n;
  while ((n = read (fd, buf, sizeof buf)) > 0)
    ;
  int saved = errno;
  close (fd);
  errno = saved;
  return n < 0 ? -1 : 0;
}

/* Read PATH COUNT times; add the time taken to *secs, keep the slowest read in *max. */
static int
read_many (const char *path, long count, double *secs, double *max)
{
  for (long i = 0; i < count; i++)
    {
      double a = now ();
      if (read_once (path) < 0)
        {
          fprintf (stderr, "procfs-read-loop: %s: %s\n", path, strerror (errno));
          return -1;
        }
      double d = now () - a;
      *secs += d;
      if (d > *max)
        *max = d;
    }
  return 0;
}

/* This thread's time on a CPU (CLOCK_THREAD_CPUTIME_ID: up to date, unlike schedstat's first
 * field while the thread runs) and waiting for one, runnable (the second field of FD,
 * /proc/thread-self/schedstat, in ns), in seconds. */
static double
cpu_and_queued (int fd)
{
  char text[128];
  unsigned long long cpu, queued = 0;
  struct timespec t;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &t);
  ssize_t n = fd >= 0 ? pread (fd, text, sizeof text - 1, 0) : -1;
  if (n > 0)
    {
      text[n] = 0;
      if (sscanf (text, "%llu %llu", &cpu, &queued) != 2)
        queued = 0;
    }
  return t.tv_sec + t.tv_nsec / 1e9 + queued / 1e9;
}

/* Sleep until @next (CLOCK_MONOTONIC seconds) unless it has passed; the tick after it. */
static double
pace (double next, double period)
{
  double t = now ();
  if (next > t)
    {
      struct timespec ts = { (time_t) next, (long) ((next - (time_t) next) * 1e9) };
      while (clock_nanosleep (CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
      return next + period;
    }
  return t + period;
}

static int
timed (char **files, int nfiles, double seconds, double rate)
{
  double start = now (), end = start + seconds, max = 0, max_blocked = 0;
  double period = rate > 0 ? 1.0 / rate : 0, next = start;
  long reads = 0, slow = 0, blocked_slow = 0;
  int sched = open ("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
  while (now () < end)
    for (int i = 0; i < nfiles; i++)
      {
        double secs = 0, one = 0;
        if (period > 0)
          next = pace (next, period);
        double ran = cpu_and_queued (sched);
        if (read_many (files[i], 1, &secs, &one) < 0)
          return 1;
        double blocked = one - (cpu_and_queued (sched) - ran);
        reads++;
        slow += one > 0.010;
        blocked_slow += blocked > 0.010;
        if (one > max)
          max = one;
        if (blocked > max_blocked)
          max_blocked = blocked;
      }
  printf ("%ld %.0f %ld %.0f %ld\n", reads, max * 1e6, slow, max_blocked * 1e6, blocked_slow);
  return 0;
}

int
main (int argc, char **argv)
{
  long rounds = 1;
  double seconds = 0, rate = 0;
  int opt;
  while ((opt = getopt (argc, argv, "r:t:R:")) != -1)
    if (opt == 'r')
      rounds = strtol (optarg, NULL, 10);
    else if (opt == 't')
      seconds = strtod (optarg, NULL);
    else if (opt == 'R')
      rate = strtod (optarg, NULL);
    else
      goto usage;
  if (seconds > 0 && optind < argc)
    return timed (argv + optind, argc - optind, seconds, rate);
  if (argc - optind < 2 || rounds < 1)
    goto usage;
  long count = strtol (argv[optind + 1], NULL, 10);
  int nfiles = argc - optind - 1;
  const char **files = calloc (nfiles, sizeof *files);
  double *secs = calloc (nfiles, sizeof *secs), *max = calloc (nfiles, sizeof *max);
  files[0] = argv[optind];
  for (int i = 1; i < nfiles; i++)
    files[i] = argv[optind + 1 + i];
  /* Each round starts with the next file: whichever file a round reads first or last is
   * measured faster (2026-12-02: the first-listed of two identical daemons won 12 of 16
   * pairs), so no file may keep a position. */
  for (long r = 0; r < rounds; r++)
    for (int k = 0; k < nfiles; k++)
      {
        int i = (int) ((k + r) % nfiles);
        if (read_many (files[i], count, &secs[i], &max[i]) < 0)
          return 1;
      }
  for (int i = 0; i < nfiles; i++)
    printf ("%.0f %.0f\n", count * rounds / (secs[i] > 0 ? secs[i] : 1e-9), max[i] * 1e6);
  return 0;
usage:
  fprintf (stderr, "usage: procfs-read-loop [-r ROUNDS] FILE COUNT [FILE...]\n"
                   "       procfs-read-loop -t SECONDS [-R RATE] FILE...\n");
  return 2;
}
