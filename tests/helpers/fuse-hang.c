/* tests/helpers/fuse-hang.c - trapped calls that hang, and calls that must not wait for them
 * (tests/integration/procfs-supervisor-hang.sh).  Static, so it runs in any rootfs.
 *
 *   fuse-hang hang DIR    mount a FUSE filesystem on DIR that nobody serves (its requests
 *                         wait for ever), print "mounted", then umount2(DIR/x): resolving
 *                         DIR/x hangs.  Prints "umount2 rc R errno E ms T" once answered.
 *   fuse-hang quick DIR   sysinfo(), then mount("t", DIR, "tmpfs"): prints
 *                         "sysinfo rc R ms T" and "mount rc R errno E ms T". */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

static long
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int
hang (const char *dir)
{
  char opts[128], path[4096];
  int fd = open ("/dev/fuse", O_RDWR | O_CLOEXEC);
  long t0;
  int r;

  if (fd < 0)
    {
      printf ("open /dev/fuse: %s\n", strerror (errno));
      return 1;
    }
  /* allow_other: the supervisor's child (in the container's user namespace, with other ids)
   * may look paths up in it too, and then waits like anyone else. */
  snprintf (opts, sizeof opts, "fd=%d,rootmode=40755,user_id=0,group_id=0,allow_other", fd);
  if (mount ("hang", dir, "fuse", MS_NOSUID | MS_NODEV, opts) < 0)
    {
      printf ("mount fuse: %s\n", strerror (errno));
      return 1;
    }
  printf ("mounted\n");
  fflush (stdout);
  snprintf (path, sizeof path, "%s/x", dir);
  t0 = now_ms ();
  r = (int) syscall (SYS_umount2, path, 0);
  printf ("umount2 rc %d errno %d ms %ld\n", r, r < 0 ? errno : 0, now_ms () - t0);
  fflush (stdout);
  close (fd); /* aborts the connection: nothing waits on it any more */
  return 0;
}

static int
quick (const char *dir)
{
  struct sysinfo si;
  long t0 = now_ms ();
  int r = sysinfo (&si);

  printf ("sysinfo rc %d ms %ld\n", r, now_ms () - t0);
  t0 = now_ms ();
  r = mount ("t", dir, "tmpfs", 0, NULL);
  printf ("mount rc %d errno %d ms %ld\n", r, r < 0 ? errno : 0, now_ms () - t0);
  return 0;
}

int
main (int argc, char **argv)
{
  if (argc == 3 && strcmp (argv[1], "hang") == 0)
    return hang (argv[2]);
  if (argc == 3 && strcmp (argv[1], "quick") == 0)
    return quick (argv[2]);
  fprintf (stderr, "usage: fuse-hang hang DIR | fuse-hang quick DIR\n");
  return 2;
}
