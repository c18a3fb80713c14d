/* sysvisor-fs: the keeper process (see svfs-keeper.h) and the messages it shares with the
 * daemon.  Single-threaded: one poll over its socket, the daemon's connection and the
 * listeners; while a daemon is attached the listeners are polled for hangup only, so the
 * keeper and the daemon never both read one. */
#include "svfs-keeper.h"

#include "svfs-lock.h"
#include "svfs-util.h"
#include "sv-error.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define KEEPER_IO_TIMEOUT_S 5
#define KEEPER_EXIT_WAIT_MS 2000

/* ---- shared with the daemon ---- */

static gchar *
path_beside_lock (const char *mountpoint, const char *suffix)
{
  g_autofree gchar *lock = svfs_lock_path (mountpoint);

  if (g_str_has_suffix (lock, ".lock"))
    lock[strlen (lock) - strlen (".lock")] = '\0';
  return g_strconcat (lock, suffix, NULL);
}

gchar *
svfs_keeper_socket_path (const char *mountpoint)
{
  return path_beside_lock (mountpoint, ".keeper");
}

gchar *
svfs_keeper_pid_path (const char *mountpoint)
{
  return path_beside_lock (mountpoint, ".keeper.pid");
}

gboolean
svfs_keeper_send (int sock, const char *text, int fd)
{
  return svfs_keeper_send_flags (sock, text, fd, 0);
}

gboolean
svfs_keeper_send_flags (int sock, const char *text, int fd, int flags)
{
  char control[CMSG_SPACE (sizeof (int))] = { 0 };
  struct iovec iov = { .iov_base = (void *) text, .iov_len = strlen (text) };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

  if (fd >= 0)
    {
      struct cmsghdr *cmsg;
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      cmsg = CMSG_FIRSTHDR (&msg);
      cmsg->cmsg_level = SOL_SOCKET;
      cmsg->cmsg_type = SCM_RIGHTS;
      cmsg->cmsg_len = CMSG_LEN (sizeof (int));
      memcpy (CMSG_DATA (cmsg), &fd, sizeof fd);
    }
  return sendmsg (sock, &msg, MSG_NOSIGNAL | flags) == (ssize_t) iov.iov_len;
}

gssize
svfs_keeper_recv (int sock, char *text, gsize size, int *fd)
{
  char control[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { .iov_base = text, .iov_len = size - 1 };
  struct msghdr msg = {
    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control
  };
  struct cmsghdr *cmsg;
  ssize_t n;

  *fd = -1;
  do
    n = recvmsg (sock, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return -1;
  text[n] = '\0';
  cmsg = CMSG_FIRSTHDR (&msg);
  if (cmsg != NULL && cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS
      && cmsg->cmsg_len == CMSG_LEN (sizeof (int)))
    memcpy (fd, CMSG_DATA (cmsg), sizeof *fd);
  return n;
}

gboolean
svfs_keeper_is_listener (int fd)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/self/fd/%d", fd);
  g_autofree gchar *link = g_file_read_link (path, NULL);

  return g_strcmp0 (link, "anon_inode:seccomp notify") == 0;
}

gboolean
svfs_keeper_peer_is_root (int sock)
{
  struct ucred cred;
  socklen_t len = sizeof cred;

  return getsockopt (sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.uid == 0;
}

void
svfs_keeper_degraded_answer (const struct seccomp_notif *req, struct seccomp_notif_resp *resp)
{
  resp->id = req->id;
  if (req->data.arch != AUDIT_ARCH_X86_64 || req->data.nr == __NR_sysinfo)
    resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  else
    resp->error = -EPERM;
}

/* ---- the keeper ---- */

typedef struct
{
  int key; /* the daemon's fd number of this listener */
  int fd;
} Held;

typedef struct
{
  const char *mountpoint;
  int listen_fd;
  int conn;      /* the attached daemon, -1: none */
  int daemon_fd; /* its pidfd, -1: none */
  gboolean attached_once;
  GArray *held;               /* Held */
  const SvfsKeeperPage *page; /* n_slots slots */
  gsize n_slots;
  struct seccomp_notif_sizes sizes;
} Keeper;

static void
drop_held (Keeper *k, guint i)
{
  close (g_array_index (k->held, Held, i).fd);
  g_array_remove_index_fast (k->held, i);
}

static void
drop_page (Keeper *k)
{
  if (k->page != NULL)
    munmap ((void *) k->page, k->n_slots * sizeof *k->page);
  k->page = NULL;
  k->n_slots = 0;
}

static void
answer_degraded (Keeper *k, int fd, const guint64 *stale_id, guint32 stale_nr)
{
  g_autofree struct seccomp_notif *req = g_malloc0 (MAX (k->sizes.seccomp_notif, sizeof *req));
  g_autofree struct seccomp_notif_resp *resp =
      g_malloc0 (MAX (k->sizes.seccomp_notif_resp, sizeof *resp));

  if (stale_id != NULL)
    {
      req->id = *stale_id;
      req->data.arch = AUDIT_ARCH_X86_64;
      req->data.nr = (int) stale_nr;
    }
  else if (ioctl (fd, SECCOMP_IOCTL_NOTIF_RECV, req) < 0)
    return;
  svfs_keeper_degraded_answer (req, resp);
  if (ioctl (fd, SECCOMP_IOCTL_NOTIF_SEND, resp) == 0)
    {
      if (stale_id != NULL)
        g_info ("keeper: answered the call sysvisor-fs died in (syscall %u)", stale_nr);
    }
  else if (errno != ENOENT) /* ENOENT: answered already, or the caller is gone */
    g_debug ("keeper: answer notification %llu: %s", (unsigned long long) req->id,
             sv_strerror (errno));
}

/* Whether the attached daemon's process still runs.  A killed process closes its fds before
 * its pidfd reports the exit: give it a moment. */
static gboolean
daemon_alive (Keeper *k)
{
  struct pollfd p = { .fd = k->daemon_fd, .events = POLLIN };
  int n;

  if (k->daemon_fd < 0)
    return FALSE;
  do
    n = poll (&p, 1, KEEPER_EXIT_WAIT_MS);
  while (n < 0 && errno == EINTR);
  return n == 0;
}

static void
forget_daemon (Keeper *k)
{
  if (k->conn >= 0)
    close (k->conn);
  if (k->daemon_fd >= 0)
    close (k->daemon_fd);
  k->conn = k->daemon_fd = -1;
}

/* A call the dead daemon was answering (@slot's listener -1: none). */
static void
answer_stale (Keeper *k, const SvfsKeeperPage *slot)
{
  gint32 key = __atomic_load_n (&slot->listener, __ATOMIC_ACQUIRE);
  guint64 id = slot->id;

  if (key < 0)
    return;
  for (guint i = 0; i < k->held->len; i++)
    if (g_array_index (k->held, Held, i).key == key)
      answer_degraded (k, g_array_index (k->held, Held, i).fd, &id, slot->nr);
}

/* The connection closed.  A daemon that still runs dropped us on purpose (it starts another
 * keeper): never answer beside it, exit (FALSE).  A dead one: answer the call it was in (if
 * any), then every call until a daemon is back. */
static gboolean
daemon_gone (Keeper *k, const char *why)
{
  if (daemon_alive (k))
    {
      g_info ("keeper: sysvisor-fs (alive) closed the connection (%s): exiting", why);
      return FALSE;
    }
  forget_daemon (k);
  for (gsize s = 0; s < k->n_slots; s++)
    answer_stale (k, &k->page[s]);
  drop_page (k);
  if (k->held->len > 0)
    g_warning ("keeper: sysvisor-fs is gone (%s): %u listener(s) answered without it until it "
               "is started again (sysinfo: the kernel's values; trapped mounts: EPERM)",
               why, k->held->len);
  return TRUE;
}

static void
hand_back (Keeper *k)
{
  for (guint i = 0; i < k->held->len; i++)
    {
      Held *h = &g_array_index (k->held, Held, i);
      g_autofree gchar *text = g_strdup_printf ("fd %d", h->key);
      if (!svfs_keeper_send (k->conn, text, h->fd))
        {
          g_warning ("keeper: hand listeners back: %s", sv_strerror (errno));
          return;
        }
    }
  if (!svfs_keeper_send (k->conn, "end", -1))
    g_warning ("keeper: hand listeners back: %s", sv_strerror (errno));
  else if (k->held->len > 0)
    g_info ("keeper: sysvisor-fs is back; handed it %u listener(s)", k->held->len);
}

static void
keep (Keeper *k, int key, int fd)
{
  Held h = { .key = key, .fd = fd };

  if (!svfs_keeper_is_listener (fd))
    {
      close (fd);
      return;
    }
  for (guint i = 0; i < k->held->len; i++)
    if (g_array_index (k->held, Held, i).key == key)
      {
        close (g_array_index (k->held, Held, i).fd);
        g_array_index (k->held, Held, i).fd = fd;
        return;
      }
  g_array_append_val (k->held, h);
}

/* The daemon's page: as many slots as it holds (one for an older daemon). */
static void
map_page (Keeper *k, int fd)
{
  struct stat st;
  gsize n = fstat (fd, &st) == 0 && st.st_size > 0 ? (gsize) st.st_size / sizeof *k->page : 0;
  void *p = n > 0 ? mmap (NULL, n * sizeof *k->page, PROT_READ, MAP_SHARED, fd, 0) : MAP_FAILED;

  drop_page (k);
  if (p != MAP_FAILED)
    k->page = p, k->n_slots = n;
  close (fd);
}

/* One message of the attached daemon; FALSE: quit. */
static gboolean
serve_daemon (Keeper *k)
{
  char text[64];
  int fd = -1, key;
  gssize n = svfs_keeper_recv (k->conn, text, sizeof text, &fd);

  if (n <= 0)
    return daemon_gone (k, n == 0 ? "connection closed" : sv_strerror (errno));
  if (g_str_equal (text, "attach"))
    hand_back (k);
  else if (g_str_equal (text, "reset"))
    while (k->held->len > 0)
      drop_held (k, k->held->len - 1);
  else if (sscanf (text, "add %d", &key) == 1 && fd >= 0)
    keep (k, key, g_steal_fd (&fd));
  else if (g_str_equal (text, "page") && fd >= 0)
    map_page (k, g_steal_fd (&fd));
  else if (g_str_equal (text, "quit"))
    return FALSE;
  else
    g_debug ("keeper: unknown message \"%s\"", text);
  if (fd >= 0)
    close (fd);
  return TRUE;
}

static void
accept_daemon (Keeper *k)
{
  struct timeval tv = { .tv_sec = KEEPER_IO_TIMEOUT_S };
  int sock = accept4 (k->listen_fd, NULL, NULL, SOCK_CLOEXEC);

  if (sock < 0)
    return;
  struct ucred cred;
  socklen_t len = sizeof cred;

  if (getsockopt (sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != 0)
    {
      close (sock);
      return;
    }
  setsockopt (sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (k->conn >= 0)
    g_info ("keeper: a new sysvisor-fs replaces the attached one");
  forget_daemon (k);
  k->conn = sock;
  k->daemon_fd = (int) syscall (SYS_pidfd_open, cred.pid, 0);
  k->attached_once = TRUE;
}

static GArray *
keeper_poll_set (Keeper *k)
{
  GArray *p = g_array_sized_new (FALSE, TRUE, sizeof (struct pollfd), k->held->len + 2);
  struct pollfd l = { .fd = k->listen_fd, .events = POLLIN };
  struct pollfd c = { .fd = k->conn, .events = POLLIN };

  g_array_append_val (p, l);
  g_array_append_val (p, c);
  for (guint i = 0; i < k->held->len; i++)
    {
      /* Attached: hangups only (poll always reports them). */
      struct pollfd h = { .fd = g_array_index (k->held, Held, i).fd,
                          .events = k->conn >= 0 ? 0 : POLLIN };
      g_array_append_val (p, h);
    }
  return p;
}

static void
serve_held (Keeper *k, GArray *p)
{
  for (guint i = p->len; i-- > 2;)
    {
      struct pollfd *e = &g_array_index (p, struct pollfd, i);
      if ((e->revents & POLLIN) && k->conn < 0)
        answer_degraded (k, e->fd, NULL, 0);
      else if (e->revents & (POLLHUP | POLLERR | POLLNVAL))
        drop_held (k, i - 2);
    }
}

static void
keeper_setup (Keeper *k)
{
  sigset_t none;
  g_autofree gchar *pid_path = svfs_keeper_pid_path (k->mountpoint);
  g_autofree gchar *pid = g_strdup_printf ("%d\n", (int) getpid ());

  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  signal (SIGPIPE, SIG_IGN);
  prctl (PR_SET_NAME, "svfs-keeper");
  if (chdir ("/") < 0)
    g_debug ("keeper: chdir /: %s", sv_strerror (errno));
  if (!g_file_set_contents (pid_path, pid, -1, NULL))
    g_debug ("keeper: cannot write %s", pid_path);
  fcntl (k->listen_fd, F_SETFD, FD_CLOEXEC);
  syscall (SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &k->sizes);
}

/* The daemon's records, one file per listener (svfs-immutable.c), and their directory. */
static void
remove_records (const char *sock_path)
{
  g_autofree gchar *file = g_strconcat (sock_path, ".immutable", NULL);
  g_autofree gchar *dir = g_strconcat (sock_path, ".immutable.d", NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  unlink (file); /* (an older daemon's single file) */
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree gchar *path = g_build_filename (dir, name, NULL);
      unlink (path);
    }
  rmdir (dir);
}

static void
keeper_cleanup (Keeper *k)
{
  g_autofree gchar *sock_path = svfs_keeper_socket_path (k->mountpoint);
  g_autofree gchar *pid_path = svfs_keeper_pid_path (k->mountpoint);

  g_autofree gchar *pid = svfs_read_file (pid_path, NULL, NULL);

  /* Only if the socket there is still ours (a new keeper may have replaced it). */
  if (pid != NULL && g_ascii_strtoll (pid, NULL, 10) == getpid ())
    {
      unlink (sock_path);
      unlink (pid_path);
      remove_records (sock_path); /* the daemon's immutable-mount records, for a takeover */
    }
  while (k->held->len > 0)
    drop_held (k, k->held->len - 1);
  drop_page (k);
  g_array_unref (k->held);
}

int
svfs_keeper_main (int listen_fd, const char *mountpoint)
{
  Keeper k = { .mountpoint = mountpoint,
               .listen_fd = listen_fd,
               .conn = -1,
               .daemon_fd = -1,
               .held = g_array_new (FALSE, FALSE, sizeof (Held)) };

  keeper_setup (&k);
  g_debug ("keeper of %s started", mountpoint);
  for (;;)
    {
      g_autoptr (GArray) p = keeper_poll_set (&k);
      if (poll ((struct pollfd *) (gpointer) p->data, p->len, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          g_critical ("keeper: poll: %s", sv_strerror (errno));
          break;
        }
      /* A message may change the listeners: the poll set is stale after one. */
      if (g_array_index (p, struct pollfd, 1).revents)
        {
          if (!serve_daemon (&k))
            break;
        }
      else
        {
          serve_held (&k, p);
          if (g_array_index (p, struct pollfd, 0).revents & POLLIN)
            accept_daemon (&k);
        }
      if (k.attached_once && k.conn < 0 && k.held->len == 0)
        {
          g_info ("keeper: no sysvisor-fs and no listener left: exiting");
          break;
        }
    }
  keeper_cleanup (&k);
  return 0;
}
