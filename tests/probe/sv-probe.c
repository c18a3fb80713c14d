/* sv-probe: a small static program that integration tests run inside
 * containers to observe what the runtime set up.  Each sub-command prints one
 * line on stdout (cat prints the file).  Several sub-commands may follow one
 * another on one command line; each takes a fixed number of arguments:
 *
 *   sv-probe hostname ids uidmap
 *
 * A failing sub-command prints "error ENAME: message" as its line, the
 * others still run, and the exit status is 1.
 *
 *   owner PATH          uid:gid of PATH (lstat)
 *   mode PATH           permission bits in octal (e.g. 755, 1777)
 *   isatty FD           yes | no
 *   cat FILE            the file's contents
 *   uidmap | gidmap     /proc/self/{uid,gid}_map, fields single-spaced,
 *                       lines joined by "; " ("0 165536 65536")
 *   setgroups           /proc/self/setgroups (allow | deny)
 *   caps [SET]          Cap<SET> hex from /proc/self/status (SET: Eff default,
 *                       Prm, Inh, Bnd, Amb)
 *   nnp                 NoNewPrivs (0 | 1)
 *   seccomp             Seccomp field (0 disabled, 1 strict, 2 filter)
 *   rlimit NAME         soft:hard, e.g. "1024:1024" or "unlimited:unlimited"
 *                       (NAME: NOFILE, NPROC, CORE, ... with or without RLIMIT_)
 *   hostname            the UTS node name
 *   ids                 "uid=U gid=G groups=G1,G2" (groups empty when none)
 *   pid                 getpid()
 *   cwd                 getcwd()
 *   env NAME            value of NAME, or "unset"
 *   umask               current umask in octal
 *   cgroup              /proc/self/cgroup lines joined by "; "
 *   mounts DEST         "FSTYPE MOUNT-OPTIONS SUPER-OPTIONS" of the topmost
 *                       mount at DEST (/proc/self/mountinfo), or error ENOENT
 *   write PATH TEXT     write TEXT (no newline added) to PATH, create/truncate;
 *                       prints "ok"
 *   chown PATH UID GID  prints "ok"
 *   sysctl-get KEY      /proc/sys/KEY (dots or slashes), trailing newline cut
 *   oomscore            /proc/self/oom_score_adj
 *   exit N              exit with status N at once
 *   sleep SECS          sleep (fractions allowed), prints nothing
 *   signal-wait         prints "ready", blocks until SIGTERM/SIGINT/SIGHUP/
 *                       SIGUSR1, prints "got SIGNAME", exits 128+signal
 *                       (143 for SIGTERM); works as PID 1 (signals blocked and
 *                       taken with sigwait)
 *   fds                 every open fd but the one listing them: "N=TARGET" (the
 *                       /proc/self/fd/N link) joined by " "
 *   ptrace PID          PTRACE_ATTACH to PID (detached again at once): "ok" or
 *                       the error
 *   try NAME            make one raw syscall and print "ok" or the error:
 *                       keyctl (join a new session keyring), finit_module
 *                       (of /dev/null), init_module (empty image),
 *                       open_by_handle_at (a handle of /, or a
 *                       forged one of inode 2), kexec_load
 *                       (no segments), swapon (/dev/null), settimeofday (now),
 *                       acct (off), quotactl (Q_SYNC on all), bpf
 *                       (BPF_PROG_LOAD of nothing), iopl (level 3)
 *   key-add RING DESC DATA  add_key "user" DESC=DATA to RING (session | user |
 *                       process | new: a fresh session keyring first); prints
 *                       the key's serial
 *   key-read ID         KEYCTL_READ of key ID (its data)
 *   key-describe ID     KEYCTL_DESCRIBE of key ID ("type;uid;gid;perm;desc")
 *   key-search DESC     request_key "user" DESC (searches the caller's
 *                       keyrings); prints the serial
 *   key-link ID         KEYCTL_LINK of key ID into the session keyring: "ok"
 *   key-session         "SERIAL DESCRIPTION" of the session keyring in force
 *   keyring-exec CMD... join a new session keyring (named sv-host), then exec
 *                       CMD with the rest of the command line (a host whose
 *                       runtime is started with a session keyring: systemd
 *                       units, login sessions)
 *   no-clone3-exec CMD... exec CMD with clone3(2) failing with ENOSYS (a seccomp
 *                       filter under no_new_privs: what Docker's default profile
 *                       and kernels before 5.3 give a runtime)
 *   swap-until A B STOP exchange A and B (renameat2 RENAME_EXCHANGE) in a
 *                       tight loop until the file STOP exists; prints the
 *                       number of exchanges (a racer for mount destinations)
 *   handle PATH         name_to_handle_at of PATH, then open_by_handle_at of
 *                       that handle and read it: "ok N" (bytes read) or error
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <linux/filter.h>
#include <linux/keyctl.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static int failed;

static void
fail_errno (const char *what, int err)
{
  const char *name = strerrorname_np (err);
  printf ("error %s: %s: %s\n", name ? name : "E?", what, strerror (err));
  failed = 1;
}

/* try NAME: one raw syscall, as a process of the container would make it. */
static long
try_syscall (const char *name)
{
  if (strcmp (name, "keyctl") == 0)
    return syscall (SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, 0L);
  if (strcmp (name, "finit_module") == 0)
    return syscall (SYS_finit_module, open ("/dev/null", O_RDONLY | O_CLOEXEC), "", 0);
  if (strcmp (name, "init_module") == 0)
    return syscall (SYS_init_module, "", 0UL, "");
  if (strcmp (name, "open_by_handle_at") == 0)
    {
      struct
      {
        unsigned int bytes;
        int type;
        unsigned char h[128];
      } fh = { .bytes = 128 };
      int mnt;
      /* A forged handle (inode 2, as the classic escape uses) where / gives none. */
      if (syscall (SYS_name_to_handle_at, AT_FDCWD, "/", &fh, &mnt, 0) < 0)
        fh = (__typeof__ (fh)){ .bytes = 8, .type = 1, .h = { 2 } };
      return syscall (SYS_open_by_handle_at, AT_FDCWD, &fh, O_RDONLY);
    }
  if (strcmp (name, "kexec_load") == 0)
    return syscall (SYS_kexec_load, 0UL, 0UL, NULL, 0UL);
  if (strcmp (name, "swapon") == 0)
    return syscall (SYS_swapon, "/dev/null", 0);
  if (strcmp (name, "settimeofday") == 0)
    {
      struct timeval tv;
      gettimeofday (&tv, NULL);
      return syscall (SYS_settimeofday, &tv, NULL);
    }
  if (strcmp (name, "acct") == 0)
    return syscall (SYS_acct, NULL);
  if (strcmp (name, "quotactl") == 0)
    return syscall (SYS_quotactl, 0x800001 /* QCMD(Q_SYNC, USRQUOTA) */, NULL, 0, NULL);
  if (strcmp (name, "bpf") == 0)
    {
      static unsigned char attr[144];
      return syscall (SYS_bpf, 5 /* BPF_PROG_LOAD */, attr, sizeof attr);
    }
  if (strcmp (name, "iopl") == 0)
    return syscall (SYS_iopl, 3);
  /* The supervisor's new-mount trap: the new mount API for proc, and bad pointers. */
  if (strcmp (name, "fsopen-proc") == 0)
    return syscall (SYS_fsopen, "proc", 0);
  if (strcmp (name, "fsopen-tmpfs") == 0)
    return syscall (SYS_fsopen, "tmpfs", 0);
  if (strcmp (name, "mount-proc-bad-target") == 0)
    return syscall (SYS_mount, "proc", (char *) 8, "proc", 0UL, NULL);
  if (strcmp (name, "mount-bad-fstype") == 0)
    return syscall (SYS_mount, "none", "/tmp", (char *) 8, 0UL, NULL);
  /* nr:N: syscall number N with zero arguments (what a filter answers for it) */
  if (strncmp (name, "nr:", 3) == 0)
    return syscall (atol (name + 3), 0L, 0L, 0L, 0L, 0L, 0L);
  errno = ENOSYS;
  return -1;
}

static void
fail_msg (const char *msg)
{
  printf ("error EINVAL: %s\n", msg);
  failed = 1;
}

/* Read a whole (small, e.g. /proc) file into a malloc'd NUL-terminated buffer. */
static char *
slurp (const char *path, size_t *len_out)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  size_t cap = 4096, len = 0;
  char *buf = malloc (cap + 1);
  if (!buf)
    {
      close (fd);
      errno = ENOMEM;
      return NULL;
    }
  for (;;)
    {
      if (len == cap)
        {
          char *nb = realloc (buf, cap * 2 + 1);
          if (!nb)
            {
              free (buf);
              close (fd);
              errno = ENOMEM;
              return NULL;
            }
          buf = nb;
          cap *= 2;
        }
      ssize_t n = read (fd, buf + len, cap - len);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          int e = errno;
          free (buf);
          close (fd);
          errno = e;
          return NULL;
        }
      if (n == 0)
        break;
      len += (size_t) n;
    }
  close (fd);
  buf[len] = '\0';
  if (len_out)
    *len_out = len;
  return buf;
}

/* Value of "Key:" in /proc/self/status, whitespace-trimmed. */
static void
status_field (const char *key)
{
  char *buf = slurp ("/proc/self/status", NULL);
  if (!buf)
    {
      fail_errno ("/proc/self/status", errno);
      return;
    }
  size_t klen = strlen (key);
  for (char *line = buf; line && *line;)
    {
      char *nl = strchr (line, '\n');
      if (nl)
        *nl = '\0';
      if (strncmp (line, key, klen) == 0 && line[klen] == ':')
        {
          char *v = line + klen + 1;
          while (*v == ' ' || *v == '\t')
            v++;
          printf ("%s\n", v);
          free (buf);
          return;
        }
      line = nl ? nl + 1 : NULL;
    }
  free (buf);
  printf ("error ENOENT: %s: not in /proc/self/status\n", key);
  failed = 1;
}

/* Print a file with runs of blanks squeezed and lines joined by "; ". */
static void
condensed (const char *path)
{
  char *buf = slurp (path, NULL);
  if (!buf)
    {
      fail_errno (path, errno);
      return;
    }
  int first_line = 1;
  for (char *line = buf; line && *line;)
    {
      char *nl = strchr (line, '\n');
      if (nl)
        *nl = '\0';
      char *save = NULL;
      int first_word = 1;
      for (char *w = strtok_r (line, " \t", &save); w; w = strtok_r (NULL, " \t", &save))
        {
          if (first_word && !first_line)
            fputs ("; ", stdout);
          if (!first_word)
            fputc (' ', stdout);
          fputs (w, stdout);
          first_word = 0;
          first_line = 0;
        }
      line = nl ? nl + 1 : NULL;
    }
  fputc ('\n', stdout);
  free (buf);
}

/* Print a file's first line (or all of it, lines joined by "; ") without trailing newline. */
static void
one_line (const char *path)
{
  size_t len;
  char *buf = slurp (path, &len);
  if (!buf)
    {
      fail_errno (path, errno);
      return;
    }
  while (len > 0 && buf[len - 1] == '\n')
    buf[--len] = '\0';
  for (char *p = buf; *p; p++)
    if (*p == '\n')
      {
        fputs ("; ", stdout);
        continue;
      }
    else
      fputc (*p, stdout);
  fputc ('\n', stdout);
  free (buf);
}

static const struct
{
  const char *name;
  int resource;
} rlimits[] = {
  { "AS", RLIMIT_AS },
  { "CORE", RLIMIT_CORE },
  { "CPU", RLIMIT_CPU },
  { "DATA", RLIMIT_DATA },
  { "FSIZE", RLIMIT_FSIZE },
  { "LOCKS", RLIMIT_LOCKS },
  { "MEMLOCK", RLIMIT_MEMLOCK },
  { "MSGQUEUE", RLIMIT_MSGQUEUE },
  { "NICE", RLIMIT_NICE },
  { "NOFILE", RLIMIT_NOFILE },
  { "NPROC", RLIMIT_NPROC },
  { "RSS", RLIMIT_RSS },
  { "RTPRIO", RLIMIT_RTPRIO },
  { "RTTIME", RLIMIT_RTTIME },
  { "SIGPENDING", RLIMIT_SIGPENDING },
  { "STACK", RLIMIT_STACK },
};

static void
print_rlim (rlim_t v)
{
  if (v == RLIM_INFINITY)
    fputs ("unlimited", stdout);
  else
    printf ("%llu", (unsigned long long) v);
}

static void
do_rlimit (const char *name)
{
  if (strncmp (name, "RLIMIT_", 7) == 0)
    name += 7;
  for (size_t i = 0; i < sizeof rlimits / sizeof rlimits[0]; i++)
    if (strcasecmp (name, rlimits[i].name) == 0)
      {
        struct rlimit rl;
        if (getrlimit (rlimits[i].resource, &rl) < 0)
          {
            fail_errno ("getrlimit", errno);
            return;
          }
        print_rlim (rl.rlim_cur);
        fputc (':', stdout);
        print_rlim (rl.rlim_max);
        fputc ('\n', stdout);
        return;
      }
  fail_msg ("unknown rlimit name");
}

static void
do_ids (void)
{
  gid_t groups[NGROUPS_MAX];
  int n = getgroups (NGROUPS_MAX, groups);
  if (n < 0)
    {
      fail_errno ("getgroups", errno);
      return;
    }
  printf ("uid=%u gid=%u groups=", (unsigned) getuid (), (unsigned) getgid ());
  for (int i = 0; i < n; i++)
    printf ("%s%u", i ? "," : "", (unsigned) groups[i]);
  fputc ('\n', stdout);
}

/* Undo mountinfo's octal escapes (\040 etc.) in place. */
static void
unescape (char *s)
{
  char *o = s;
  while (*s)
    {
      if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0'
          && s[3] <= '7')
        {
          *o++ = (char) (((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
          s += 4;
        }
      else
        *o++ = *s++;
    }
  *o = '\0';
}

static void
do_mounts (const char *dest)
{
  char *buf = slurp ("/proc/self/mountinfo", NULL);
  if (!buf)
    {
      fail_errno ("/proc/self/mountinfo", errno);
      return;
    }
  char result[4096] = "";
  for (char *line = buf; line && *line;)
    {
      char *nl = strchr (line, '\n');
      if (nl)
        *nl = '\0';
      /* id parent major:minor root mountpoint options [optional...] - fstype source superopts */
      char *fields[16];
      int nf = 0;
      char *save = NULL;
      for (char *w = strtok_r (line, " ", &save); w && nf < 16; w = strtok_r (NULL, " ", &save))
        fields[nf++] = w;
      if (nf >= 10)
        {
          int sep = -1;
          for (int i = 6; i < nf; i++)
            if (strcmp (fields[i], "-") == 0)
              {
                sep = i;
                break;
              }
          unescape (fields[4]);
          if (sep > 0 && sep + 3 < nf + 1 && strcmp (fields[4], dest) == 0)
            snprintf (result, sizeof result, "%s %s %s", fields[sep + 1], fields[5],
                      sep + 3 < nf ? fields[sep + 3] : "");
        }
      line = nl ? nl + 1 : NULL;
    }
  free (buf);
  if (result[0])
    printf ("%s\n", result);
  else
    {
      printf ("error ENOENT: no mount at %s\n", dest);
      failed = 1;
    }
}

static void
do_write (const char *path, const char *text)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      fail_errno (path, errno);
      return;
    }
  size_t len = strlen (text), off = 0;
  while (off < len)
    {
      ssize_t n = write (fd, text + off, len - off);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          fail_errno (path, errno);
          close (fd);
          return;
        }
      off += (size_t) n;
    }
  if (close (fd) < 0)
    {
      fail_errno (path, errno);
      return;
    }
  printf ("ok\n");
}

static void
do_cat (const char *path)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      fail_errno (path, errno);
      return;
    }
  char buf[8192];
  fflush (stdout);
  for (;;)
    {
      ssize_t n = read (fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          fail_errno (path, errno);
          break;
        }
      if (n == 0)
        break;
      fwrite (buf, 1, (size_t) n, stdout);
    }
  close (fd);
}

static int
signal_wait (void)
{
  sigset_t set;
  sigemptyset (&set);
  sigaddset (&set, SIGTERM);
  sigaddset (&set, SIGINT);
  sigaddset (&set, SIGHUP);
  sigaddset (&set, SIGUSR1);
  /* Blocked signals are queued even for a pid namespace's init. */
  sigprocmask (SIG_BLOCK, &set, NULL);
  printf ("ready\n");
  fflush (stdout);
  int sig = 0;
  while (sigwait (&set, &sig) != 0)
    ;
  printf ("got SIG%s\n", sigabbrev_np (sig) ? sigabbrev_np (sig) : "?");
  fflush (stdout);
  return 128 + sig;
}

static int
parse_int (const char *s, long *out)
{
  char *end;
  errno = 0;
  long v = strtol (s, &end, 10);
  if (errno || end == s || *end)
    return -1;
  *out = v;
  return 0;
}

/* clone3 fails with ENOSYS from here on (x86_64 and aarch64 share its number, 435). */
static int
deny_clone3 (void)
{
  struct sock_filter code[] = {
    BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr)),
    BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1),
    BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
    BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = { .len = sizeof code / sizeof code[0], .filter = code };

  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return -1;
  return prctl (PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

static void
usage (FILE *f)
{
  fputs ("usage: sv-probe CMD [ARGS] [CMD [ARGS]]...\n"
         "  owner PATH | mode PATH | isatty FD | cat FILE | uidmap | gidmap | setgroups\n"
         "  caps [Eff|Prm|Inh|Bnd|Amb] | nnp | seccomp | rlimit NAME | hostname | ids | pid\n"
         "  cwd | env NAME | umask | cgroup | mounts DEST | write PATH TEXT\n"
         "  chown PATH UID GID | sysctl-get KEY | oomscore | exit N | sleep SECS | signal-wait\n"
         "  try NAME | fds | ptrace PID | handle PATH\n"
         "  key-add RING DESC DATA | key-read ID | key-describe ID | key-search DESC\n"
         "  key-link ID | key-session | keyring-exec CMD... | swap-until A B STOP\n"
         "  no-clone3-exec CMD...\n"
         "  notify TEXT (one datagram to $NOTIFY_SOCKET)\n",
         f);
}

/* sysinfo(2) in bytes: "uptime U totalram T freeram F sharedram S bufferram B totalswap TS
 * freeswap FS procs P loads L1 L5 L15" (loads as the kernel's fixed point, 1.0 = 65536). */
static void
do_sysinfo (void)
{
  struct sysinfo si;
  unsigned long long u;

  if (sysinfo (&si) < 0)
    fail_errno ("sysinfo", errno);
  u = si.mem_unit ? si.mem_unit : 1;
  printf ("uptime %ld totalram %llu freeram %llu sharedram %llu bufferram %llu totalswap %llu "
          "freeswap %llu procs %u loads %lu %lu %lu\n",
          si.uptime, si.totalram * u, si.freeram * u, si.sharedram * u, si.bufferram * u,
          si.totalswap * u, si.freeswap * u, (unsigned) si.procs, si.loads[0], si.loads[1],
          si.loads[2]);
}

static void
do_fds (void)
{
  DIR *d = opendir ("/proc/self/fd");
  struct dirent *e;
  const char *sep = "";

  if (d == NULL)
    {
      fail_errno ("/proc/self/fd", errno);
      return;
    }
  while ((e = readdir (d)) != NULL)
    {
      char link[300], target[PATH_MAX];
      ssize_t n;
      if (e->d_name[0] == '.' || atoi (e->d_name) == dirfd (d))
        continue;
      snprintf (link, sizeof link, "/proc/self/fd/%s", e->d_name);
      n = readlink (link, target, sizeof target - 1);
      target[n < 0 ? 0 : n] = '\0';
      printf ("%s%s=%s", sep, e->d_name, target);
      sep = " ";
    }
  printf ("\n");
  closedir (d);
}

/* key-*: the kernel's keyrings, as keyctl(1) would use them (busybox has none). */
static long
key_ring (const char *ring)
{
  if (strcmp (ring, "user") == 0)
    return KEY_SPEC_USER_KEYRING;
  if (strcmp (ring, "process") == 0)
    return KEY_SPEC_PROCESS_KEYRING;
  if (strcmp (ring, "new") == 0 && syscall (SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, 0L) < 0)
    return 0;
  return KEY_SPEC_SESSION_KEYRING;
}

static void
do_key (const char *cmd, char **a)
{
  char buf[4096];
  long id = 0, r;

  if (strcmp (cmd, "key-add") == 0)
    {
      long ring = key_ring (a[0]);
      r = ring == 0 ? -1 : syscall (SYS_add_key, "user", a[1], a[2], strlen (a[2]), ring);
    }
  else if (strcmp (cmd, "key-search") == 0)
    r = syscall (SYS_request_key, "user", a[0], NULL, 0L);
  else if (strcmp (cmd, "key-session") == 0)
    {
      r = syscall (SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0L);
      id = r;
      if (r >= 0)
        r = syscall (SYS_keyctl, KEYCTL_DESCRIBE, id, buf, sizeof buf - 1);
      if (r >= 0)
        {
          buf[r < (long) sizeof buf ? r : (long) sizeof buf - 1] = '\0';
          printf ("%ld %s\n", id, buf);
          return;
        }
    }
  else if (parse_int (a[0], &id) < 0)
    {
      fail_msg ("key: ID must be a number");
      return;
    }
  else if (strcmp (cmd, "key-link") == 0)
    r = syscall (SYS_keyctl, KEYCTL_LINK, id, KEY_SPEC_SESSION_KEYRING);
  else
    {
      r = syscall (SYS_keyctl, strcmp (cmd, "key-read") == 0 ? KEYCTL_READ : KEYCTL_DESCRIBE, id,
                   buf, sizeof buf - 1);
      if (r >= 0)
        {
          buf[r < (long) sizeof buf ? r : (long) sizeof buf - 1] = '\0';
          printf ("%s\n", buf);
          return;
        }
    }
  if (r < 0)
    fail_errno (cmd, errno);
  else if (strcmp (cmd, "key-link") == 0)
    printf ("ok\n");
  else
    printf ("%ld\n", r);
}

static void
do_swap_until (const char *a, const char *b, const char *stop)
{
  unsigned long n = 0;

  while (access (stop, F_OK) < 0)
    for (int i = 0; i < 1000; i++)
      {
        if (syscall (SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, 2 /* RENAME_EXCHANGE */) < 0)
          {
            fail_errno ("renameat2", errno);
            return;
          }
        n++;
      }
  printf ("%lu\n", n);
}

/* handle PATH: the "shocker" pair on a file the caller can name. */
static void
do_handle (const char *path)
{
  struct
  {
    unsigned int bytes;
    int type;
    unsigned char h[128];
  } fh = { .bytes = 128 };
  int mnt, fd;
  char buf[4096];
  ssize_t n;

  if (syscall (SYS_name_to_handle_at, AT_FDCWD, path, &fh, &mnt, 0) < 0)
    {
      fail_errno ("name_to_handle_at", errno);
      return;
    }
  fd = (int) syscall (SYS_open_by_handle_at, AT_FDCWD, &fh, O_RDONLY);
  if (fd < 0)
    {
      fail_errno ("open_by_handle_at", errno);
      return;
    }
  n = read (fd, buf, sizeof buf);
  close (fd);
  if (n < 0)
    fail_errno ("read", errno);
  else
    printf ("ok %zd\n", n);
}

/* sd_notify(3) without libsystemd: TEXT as one datagram to $NOTIFY_SOCKET. */
static void
do_notify (const char *text)
{
  const char *path = getenv ("NOTIFY_SOCKET");
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int fd;

  if (path == NULL || strlen (path) >= sizeof addr.sun_path)
    {
      fail_msg ("notify: NOTIFY_SOCKET is unset or too long");
      return;
    }
  strcpy (addr.sun_path, path);
  if (path[0] == '@')
    addr.sun_path[0] = '\0';
  fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0
      || sendto (fd, text, strlen (text), 0, (struct sockaddr *) &addr,
                 (socklen_t) (offsetof (struct sockaddr_un, sun_path) + strlen (path)))
             < 0)
    fail_errno (path, errno);
  else
    printf ("ok\n");
  if (fd >= 0)
    close (fd);
}

static void
do_ptrace (const char *arg)
{
  long pid;

  if (parse_int (arg, &pid) < 0)
    {
      fail_msg ("ptrace: PID must be a number");
      return;
    }
  if (ptrace (PTRACE_ATTACH, (pid_t) pid, NULL, NULL) < 0)
    {
      fail_errno ("ptrace", errno);
      return;
    }
  waitpid ((pid_t) pid, NULL, __WALL);
  ptrace (PTRACE_DETACH, (pid_t) pid, NULL, NULL);
  printf ("ok\n");
}

/* ---- the sub-commands: each returns CONTINUE, or the status the program exits with ---- */

#define CONTINUE (-1)

static int
cmd_stat (const char *cmd, char **a)
{
  struct stat st;

  if (lstat (a[0], &st) < 0)
    fail_errno (a[0], errno);
  else if (strcmp (cmd, "owner") == 0)
    printf ("%u:%u\n", (unsigned) st.st_uid, (unsigned) st.st_gid);
  else
    printf ("%o\n", (unsigned) (st.st_mode & 07777));
  return CONTINUE;
}

static int
cmd_isatty (const char *cmd, char **a)
{
  long fd;

  (void) cmd;
  if (parse_int (a[0], &fd) < 0)
    fail_msg ("isatty: FD must be a number");
  else
    printf ("%s\n", isatty ((int) fd) ? "yes" : "no");
  return CONTINUE;
}

/* The files one line (or one condensed text) stands for, by sub-command. */
static int
cmd_file (const char *cmd, char **a)
{
  (void) a;
  if (strcmp (cmd, "uidmap") == 0)
    condensed ("/proc/self/uid_map");
  else if (strcmp (cmd, "gidmap") == 0)
    condensed ("/proc/self/gid_map");
  else if (strcmp (cmd, "setgroups") == 0)
    one_line ("/proc/self/setgroups");
  else if (strcmp (cmd, "cgroup") == 0)
    one_line ("/proc/self/cgroup");
  else if (strcmp (cmd, "oomscore") == 0)
    one_line ("/proc/self/oom_score_adj");
  else if (strcmp (cmd, "nnp") == 0)
    status_field ("NoNewPrivs");
  else
    status_field ("Seccomp");
  return CONTINUE;
}

/* caps [SET]: a SET argument is one of the status fields' three-letter names. */
static int
caps_nargs (int i, int argc, char **argv)
{
  return i + 1 < argc && strlen (argv[i + 1]) == 3
                 && strstr ("Eff Prm Inh Bnd Amb", argv[i + 1]) != NULL
             ? 1
             : 0;
}

static int
cmd_caps (const char *cmd, char **a)
{
  char key[8];

  (void) cmd;
  snprintf (key, sizeof key, "Cap%s", a[0] != NULL ? a[0] : "Eff");
  status_field (key);
  return CONTINUE;
}

static int
cmd_try (const char *cmd, char **a)
{
  (void) cmd;
  if (try_syscall (a[0]) < 0)
    fail_errno (a[0], errno);
  else
    printf ("ok\n");
  return CONTINUE;
}

static int
cmd_hostname (const char *cmd, char **a)
{
  struct utsname u;

  (void) cmd, (void) a;
  if (uname (&u) < 0)
    fail_errno ("uname", errno);
  else
    printf ("%s\n", u.nodename);
  return CONTINUE;
}

static int
cmd_cwd (const char *cmd, char **a)
{
  char buf[PATH_MAX];

  (void) cmd, (void) a;
  if (!getcwd (buf, sizeof buf))
    fail_errno ("getcwd", errno);
  else
    printf ("%s\n", buf);
  return CONTINUE;
}

/* pid, umask, env NAME: values of the process itself. */
static int
cmd_self (const char *cmd, char **a)
{
  if (strcmp (cmd, "pid") == 0)
    printf ("%ld\n", (long) getpid ());
  else if (strcmp (cmd, "env") == 0)
    {
      const char *v = getenv (a[0]);
      printf ("%s\n", v != NULL ? v : "unset");
    }
  else
    {
      mode_t m = umask (0);
      umask (m);
      printf ("%04o\n", (unsigned) m);
    }
  return CONTINUE;
}

static int
cmd_chown (const char *cmd, char **a)
{
  long uid, gid;

  (void) cmd;
  if (parse_int (a[1], &uid) < 0 || parse_int (a[2], &gid) < 0)
    fail_msg ("chown: UID and GID must be numbers");
  else if (lchown (a[0], (uid_t) uid, (gid_t) gid) < 0)
    fail_errno (a[0], errno);
  else
    printf ("ok\n");
  return CONTINUE;
}

static int
cmd_sysctl_get (const char *cmd, char **a)
{
  char path[PATH_MAX];

  (void) cmd;
  snprintf (path, sizeof path, "/proc/sys/%s", a[0][0] == '/' ? a[0] + 1 : a[0]);
  /* dots to slashes, as sysctl(8) does, unless slashes are used */
  if (!strchr (a[0], '/'))
    for (char *p = path + strlen ("/proc/sys/"); *p; p++)
      if (*p == '.')
        *p = '/';
  one_line (path);
  return CONTINUE;
}

static int
cmd_exit (const char *cmd, char **a)
{
  long n;

  (void) cmd;
  if (parse_int (a[0], &n) < 0)
    {
      fail_msg ("exit: N must be a number");
      return CONTINUE;
    }
  fflush (stdout);
  return (int) (n & 0xff);
}

static int
cmd_sleep (const char *cmd, char **a)
{
  char *end;
  double s = strtod (a[0], &end);

  (void) cmd;
  if (end == a[0] || *end || s < 0)
    {
      fail_msg ("sleep: SECS must be a number");
      return CONTINUE;
    }
  struct timespec ts = { (time_t) s, (long) ((s - (double) (time_t) s) * 1e9) };
  fflush (stdout);
  while (nanosleep (&ts, &ts) < 0 && errno == EINTR)
    ;
  return CONTINUE;
}

/* The sub-commands that print what a helper above prints. */
static int
cmd_helper (const char *cmd, char **a)
{
  if (strcmp (cmd, "cat") == 0)
    do_cat (a[0]);
  else if (strcmp (cmd, "fds") == 0)
    do_fds ();
  else if (strcmp (cmd, "ptrace") == 0)
    do_ptrace (a[0]);
  else if (strncmp (cmd, "key-", 4) == 0)
    do_key (cmd, a);
  else if (strcmp (cmd, "swap-until") == 0)
    do_swap_until (a[0], a[1], a[2]);
  else if (strcmp (cmd, "handle") == 0)
    do_handle (a[0]);
  else if (strcmp (cmd, "notify") == 0)
    do_notify (a[0]);
  else if (strcmp (cmd, "sysinfo") == 0)
    do_sysinfo ();
  else if (strcmp (cmd, "rlimit") == 0)
    do_rlimit (a[0]);
  else if (strcmp (cmd, "ids") == 0)
    do_ids ();
  else if (strcmp (cmd, "mounts") == 0)
    do_mounts (a[0]);
  else if (strcmp (cmd, "write") == 0)
    do_write (a[0], a[1]);
  else if (strcmp (cmd, "signal-wait") == 0)
    {
      fflush (stdout);
      return signal_wait ();
    }
  else
    usage (stdout);
  return CONTINUE;
}

/* keyring-exec CMD..., no-clone3-exec CMD...: the rest of the line is a command to exec. */
static int
cmd_exec (const char *cmd, char **rest)
{
  if (strcmp (cmd, "keyring-exec") == 0)
    {
      if (syscall (SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, "sv-host") < 0)
        {
          fail_errno ("keyring-exec: join", errno);
          return 127;
        }
    }
  else if (deny_clone3 () < 0)
    {
      fail_errno ("no-clone3-exec: seccomp", errno);
      return 127;
    }
  execvp (rest[0], rest);
  fail_errno (rest[0], errno);
  return 127;
}

static const struct
{
  const char *name;
  int nargs; /* -1: counted by caps_nargs */
  int (*run) (const char *cmd, char **a);
} commands[] = {
  { "owner", 1, cmd_stat },
  { "mode", 1, cmd_stat },
  { "isatty", 1, cmd_isatty },
  { "cat", 1, cmd_helper },
  { "uidmap", 0, cmd_file },
  { "gidmap", 0, cmd_file },
  { "setgroups", 0, cmd_file },
  { "caps", -1, cmd_caps },
  { "nnp", 0, cmd_file },
  { "seccomp", 0, cmd_file },
  { "rlimit", 1, cmd_helper },
  { "hostname", 0, cmd_hostname },
  { "ids", 0, cmd_helper },
  { "pid", 0, cmd_self },
  { "cwd", 0, cmd_cwd },
  { "env", 1, cmd_self },
  { "umask", 0, cmd_self },
  { "cgroup", 0, cmd_file },
  { "mounts", 1, cmd_helper },
  { "write", 2, cmd_helper },
  { "chown", 3, cmd_chown },
  { "sysctl-get", 1, cmd_sysctl_get },
  { "oomscore", 0, cmd_file },
  { "exit", 1, cmd_exit },
  { "sleep", 1, cmd_sleep },
  { "signal-wait", 0, cmd_helper },
  { "help", 0, cmd_helper },
  { "try", 1, cmd_try },
  { "sysinfo", 0, cmd_helper },
  { "fds", 0, cmd_helper },
  { "ptrace", 1, cmd_helper },
  { "key-add", 3, cmd_helper },
  { "key-read", 1, cmd_helper },
  { "key-describe", 1, cmd_helper },
  { "key-search", 1, cmd_helper },
  { "key-link", 1, cmd_helper },
  { "key-session", 0, cmd_helper },
  { "handle", 1, cmd_helper },
  { "keyring-exec", 1, cmd_exec },
  { "swap-until", 3, cmd_helper },
  { "notify", 1, cmd_helper },
  { "no-clone3-exec", 1, cmd_exec },
};

static int
find_command (const char *name)
{
  for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++)
    if (strcmp (name, commands[k].name) == 0)
      return (int) k;
  return -1;
}

int
main (int argc, char **argv)
{
  char *none[3] = { NULL, NULL, NULL };
  int i = 1;

  if (argc < 2)
    {
      usage (stderr);
      return 2;
    }
  while (i < argc)
    {
      const char *cmd = argv[i];
      int k = find_command (cmd), nargs, status;

      if (k < 0)
        {
          fprintf (stderr, "sv-probe: unknown command '%s'\n", cmd);
          usage (stderr);
          return 2;
        }
      nargs = commands[k].nargs < 0 ? caps_nargs (i, argc, argv) : commands[k].nargs;
      if (i + nargs >= argc)
        {
          fprintf (stderr, "sv-probe: '%s' needs %d argument(s)\n", cmd, nargs);
          return 2;
        }
      status = commands[k].run (cmd, nargs > 0 ? argv + i + 1 : none);
      i += 1 + nargs;
      fflush (stdout);
      if (status != CONTINUE)
        return status;
    }
  return failed ? 1 : 0;
}
