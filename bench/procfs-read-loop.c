/* procfs-read-loop FILE N: open, read to EOF and close FILE N times; print "reads/s". */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int
read_once (const char *path, char *buf, size_t size)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  ssize_t n;
  while ((n = read (fd, buf, size)) > 0)
    ;
  int saved = errno;
  close (fd);
  errno = saved;
  return n < 0 ? -1 : 0;
}

int
main (int argc, char **argv)
{
  if (argc != 3)
    {
      fprintf (stderr, "usage: procfs-read-loop FILE COUNT\n");
      return 2;
    }
  long count = strtol (argv[2], NULL, 10);
  static char buf[1 << 16];
  struct timespec a, b;
  clock_gettime (CLOCK_MONOTONIC, &a);
  for (long i = 0; i < count; i++)
    if (read_once (argv[1], buf, sizeof buf) < 0)
      {
        fprintf (stderr, "procfs-read-loop: %s: %s\n", argv[1], strerror (errno));
        return 1;
      }
  clock_gettime (CLOCK_MONOTONIC, &b);
  double secs = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
  printf ("%.0f\n", count / (secs > 0 ? secs : 1e-9));
  return 0;
}
