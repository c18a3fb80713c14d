/* sysvisor-fs: the syscall supervisor (see svfs-supervisor.h).  One thread polls the socket
 * runtimes hand listeners to and every listener; each notification is answered at once. */
#include "svfs-supervisor.h"
#include "sv-error.h"

#include "svfs-procmount.h"
#include "svfs-keeper.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#define SUPERVISOR_RECV_TIMEOUT_S 2
#define SUPERVISOR_MAX_LISTENERS 65536
#define SUPERVISOR_KEEPER_RETRY_MS 1000

static int listen_fd = -1;
static int wake_fds[2] = { -1, -1 };
static GArray *listeners; /* int */
static GThread *thread;
static struct seccomp_notif_sizes sizes;

/* ---- answering ---- */

static void
answer_sysinfo (int fd, const struct seccomp_notif *req, struct seccomp_notif_resp *resp)
{
  g_autoptr (GError) error = NULL;
  struct sysinfo si;
  struct iovec local = { .iov_base = &si, .iov_len = sizeof si };
  struct iovec remote = { .iov_base = (void *) (uintptr_t) req->data.args[0],
                          .iov_len = sizeof si };

  if (!svfs_sysinfo_for_pid ((pid_t) req->pid, &si, &error))
    {
      g_debug ("sysinfo for pid %u: the kernel answers (%s)", req->pid, error->message);
      resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
      return;
    }
  /* The pid still names the caller (not a recycled one) only while the request is valid. */
  if (ioctl (fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) < 0)
    return;
  if (process_vm_writev ((pid_t) req->pid, &local, 1, &remote, 1, 0) != (ssize_t) sizeof si)
    resp->error = -EFAULT;
}

typedef struct
{
  int fd;
  guint64 id;
} Pending;

static gboolean
still_pending (gpointer data)
{
  Pending *p = data;

  return ioctl (p->fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &p->id) == 0;
}

/* CAP_SYS_ADMIN in the caller's effective set (of its own user namespace). */
gboolean
svfs_caller_has_sys_admin (pid_t pid)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/%d/status", (int) pid);
  g_autofree gchar *text = NULL;
  const char *p;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (p = strstr (text, "\nCapEff:")) == NULL)
    return FALSE;
  return (g_ascii_strtoull (p + strlen ("\nCapEff:"), NULL, 16) >> 21) & 1;
}

static void
answer_bind_remount (int fd, const struct seccomp_notif *req, struct seccomp_notif_resp *resp)
{
  Pending p = { .fd = fd, .id = req->id };
  guint64 flags = req->data.args[3];
  int err;

  /* Not the trapped shape, or a caller the kernel refuses anyway: the kernel answers. */
  if ((flags & (MS_REMOUNT | MS_BIND | MS_RDONLY)) != (MS_REMOUNT | MS_BIND)
      || !svfs_caller_has_sys_admin ((pid_t) req->pid))
    {
      resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
      return;
    }
  err = svfs_remount_for ((pid_t) req->pid, req->data.args[1], flags, still_pending, &p);
  if (err == EPERM)
    g_info ("refused a bind remount without read-only of a read-only mount (pid %u)", req->pid);
  resp->error = -err;
}

/* mount(2) creating a filesystem: a procfs or sysfs gets the emulated files
 * (svfs-procmount.c); anything else, or a caller the kernel refuses, runs as the kernel would.
 * (fsopen(2) answers ENOSYS in the filter itself: tools fall back to mount(2).) */
static void
answer_new_mount (int fd, const struct seccomp_notif *req, struct seccomp_notif_resp *resp)
{
  Pending p = { .fd = fd, .id = req->id };
  const char *fstype = svfs_procmount_fstype ((pid_t) req->pid, req->data.args[2]);
  int err = -1;

  if (fstype != NULL && svfs_caller_has_sys_admin ((pid_t) req->pid))
    err = svfs_procmount_for ((pid_t) req->pid, fstype, req->data.args, still_pending, &p);
  if (err < 0)
    resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  else
    resp->error = -err;
}

/* The answer to @req of @listener (@fd: it or a duplicate) in @resp; may fork and wait for a
 * child (mount, umount2). */
static void
answer_call (int listener, int fd, const struct seccomp_notif *req,
             struct seccomp_notif_resp *resp)
{
  if (req->data.arch == AUDIT_ARCH_X86_64
      && (req->data.nr == __NR_mount || req->data.nr == __NR_umount2)
      && svfs_immutable_answer (listener, fd, req, resp))
    ; /* answered: the runtime's mounts stay as they are */
  else if (req->data.arch == AUDIT_ARCH_X86_64 && req->data.nr == __NR_sysinfo)
    answer_sysinfo (fd, req, resp);
  else if (req->data.arch == AUDIT_ARCH_X86_64 && req->data.nr == __NR_mount
           && svfs_procmount_is_new_mount (req->data.args[3]))
    answer_new_mount (fd, req, resp);
  else if (req->data.arch == AUDIT_ARCH_X86_64 && req->data.nr == __NR_mount)
    answer_bind_remount (fd, req, resp);
  else
    resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
}

/* ---- calls in flight ----
 * sysinfo is answered at once on the supervisor's thread.  A mount or umount2 forks a child
 * that joins the caller's namespaces and resolves its paths, which can take as long as the
 * container makes it (a FUSE mount it serves and does not answer): each is answered on a
 * thread of its own, so that no container delays another's calls.  A listener with
 * SUPERVISOR_MAX_PER_LISTENER calls in flight is not polled until one ends (its other calls
 * wait, nobody else's); all listeners together have at most SUPERVISOR_MAX_IN_FLIGHT (fewer
 * than the keeper's slots: every call in flight has one, so that the keeper answers it if the
 * daemon dies).  Each job holds a duplicate of its listener: the poll thread may close the
 * original (the container is gone) meanwhile. */

#define SUPERVISOR_MAX_PER_LISTENER 8
#define SUPERVISOR_MAX_IN_FLIGHT 1024
#define SUPERVISOR_BUSY_POLL_MS 50

typedef struct
{
  int listener; /* the poll set's fd: the immutable records' and the keeper's key */
  int fd;       /* a duplicate, for the job's ioctls */
  int slot;     /* the keeper's */
  struct seccomp_notif *req;
} Job;

static GMutex jobs_lock;
static GCond jobs_done;
static GHashTable *in_flight; /* listener fd -> count of its calls in flight */
static guint jobs;

static guint
in_flight_of (int listener)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (in_flight, GINT_TO_POINTER (listener)));
}

static void
send_answer (int fd, const struct seccomp_notif_resp *resp)
{
  if (ioctl (fd, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 && errno != ENOENT)
    g_debug ("answer notification %llu: %s", (unsigned long long) resp->id, sv_strerror (errno));
}

static gpointer
run_job (gpointer data)
{
  Job *job = data;
  g_autofree struct seccomp_notif_resp *resp =
      g_malloc0 (MAX (sizes.seccomp_notif_resp, sizeof *resp));
  guint n;

  resp->id = job->req->id;
  answer_call (job->listener, job->fd, job->req, resp);
  send_answer (job->fd, resp);
  svfs_keeper_answered (job->slot);
  close (job->fd);
  g_mutex_lock (&jobs_lock);
  n = in_flight_of (job->listener);
  if (n <= 1)
    g_hash_table_remove (in_flight, GINT_TO_POINTER (job->listener));
  else
    g_hash_table_insert (in_flight, GINT_TO_POINTER (job->listener), GUINT_TO_POINTER (n - 1));
  jobs--;
  g_cond_broadcast (&jobs_done);
  g_mutex_unlock (&jobs_lock);
  g_free (job->req);
  g_free (job);
  return NULL;
}

/* Answer @req on a thread of its own; FALSE if none could be started (answer it here). */
static gboolean
start_job (int fd, struct seccomp_notif **req, int slot)
{
  Job *job = g_new0 (Job, 1);
  GThread *t;

  job->listener = fd;
  job->fd = fcntl (fd, F_DUPFD_CLOEXEC, 3);
  job->slot = slot;
  job->req = *req;
  if (job->fd < 0)
    {
      g_free (job);
      return FALSE;
    }
  g_mutex_lock (&jobs_lock);
  g_hash_table_insert (in_flight, GINT_TO_POINTER (fd), GUINT_TO_POINTER (in_flight_of (fd) + 1));
  jobs++;
  g_mutex_unlock (&jobs_lock);
  *req = NULL;
  if ((t = g_thread_try_new ("svfs-answer", run_job, job, NULL)) != NULL)
    {
      g_thread_unref (t);
      return TRUE;
    }
  g_warning ("syscall supervisor: no thread for a trapped call: it is answered in turn");
  run_job (job);
  return TRUE;
}

/* Whether @listener may be polled (FALSE: too many of its calls, or of all, in flight). */
static gboolean
may_take (int listener)
{
  gboolean ok;

  g_mutex_lock (&jobs_lock);
  ok = jobs < SUPERVISOR_MAX_IN_FLIGHT && in_flight_of (listener) < SUPERVISOR_MAX_PER_LISTENER;
  g_mutex_unlock (&jobs_lock);
  return ok;
}

/* Wait until no call is in flight (before a restart in place: the next process would not
 * know them); each ends within its child's deadline. */
static void
drain_jobs (void)
{
  g_mutex_lock (&jobs_lock);
  while (jobs > 0)
    g_cond_wait (&jobs_done, &jobs_lock);
  g_mutex_unlock (&jobs_lock);
}

static void
answer_one (int fd)
{
  g_autofree struct seccomp_notif *req = g_malloc0 (MAX (sizes.seccomp_notif, sizeof *req));
  g_autofree struct seccomp_notif_resp *resp =
      g_malloc0 (MAX (sizes.seccomp_notif_resp, sizeof *resp));
  int slot;

  if (ioctl (fd, SECCOMP_IOCTL_NOTIF_RECV, req) < 0)
    return; /* the caller died, or a signal interrupted it */
  slot = svfs_keeper_answering (fd, req->id, (guint32) req->data.nr);
  if (req->data.arch == AUDIT_ARCH_X86_64
      && (req->data.nr == __NR_mount || req->data.nr == __NR_umount2)
      && start_job (fd, &req, slot))
    return;
  resp->id = req->id;
  answer_call (fd, fd, req, resp);
  send_answer (fd, resp);
  svfs_keeper_answered (slot);
}

/* ---- taking listeners from runtimes ---- */

static gboolean
peer_is_root (int sock)
{
  struct ucred cred;
  socklen_t len = sizeof cred;

  return getsockopt (sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.uid == 0;
}

/* One message "v1 PID ID" with one fd, which must be a seccomp listener. */
static int
receive_listener (int sock, gchar **what)
{
  char text[256], control[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { .iov_base = text, .iov_len = sizeof text - 1 };
  struct msghdr msg = {
    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control
  };
  struct cmsghdr *cmsg;
  ssize_t n = recvmsg (sock, &msg, MSG_CMSG_CLOEXEC);
  g_autofree gchar *link = NULL, *path = NULL;
  int fd = -1;

  if (n <= 0)
    return -1;
  text[n] = '\0';
  cmsg = CMSG_FIRSTHDR (&msg);
  if (cmsg != NULL && cmsg->cmsg_type == SCM_RIGHTS && cmsg->cmsg_len == CMSG_LEN (sizeof (int)))
    memcpy (&fd, CMSG_DATA (cmsg), sizeof fd);
  if (fd < 0 || !g_str_has_prefix (text, "v1 "))
    {
      if (fd >= 0)
        close (fd);
      return -1;
    }
  path = g_strdup_printf ("/proc/self/fd/%d", fd);
  link = g_file_read_link (path, NULL);
  if (g_strcmp0 (link, "anon_inode:seccomp notify") != 0)
    {
      close (fd);
      return -1;
    }
  *what = g_strdup (text + 3);
  return fd;
}

static void
accept_runtime (void)
{
  struct timeval tv = { .tv_sec = SUPERVISOR_RECV_TIMEOUT_S };
  g_autofree gchar *what = NULL;
  int sock = accept4 (listen_fd, NULL, NULL, SOCK_CLOEXEC);
  int fd = -1;

  if (sock < 0)
    return;
  setsockopt (sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt (sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (!peer_is_root (sock))
    send (sock, "only root may hand over listeners", 33, MSG_NOSIGNAL);
  else if (listeners->len >= SUPERVISOR_MAX_LISTENERS)
    send (sock, "too many listeners", 18, MSG_NOSIGNAL);
  else if ((fd = receive_listener (sock, &what)) < 0)
    send (sock, "expected \"v1 PID ID\" and one seccomp listener fd", 48, MSG_NOSIGNAL);
  else
    {
      g_array_append_val (listeners, fd);
      svfs_immutable_adopt (fd, what);
      svfs_keeper_add (fd);
      send (sock, "ok", 2, MSG_NOSIGNAL);
      g_debug ("supervising %s (listener fd %d)", what, fd);
    }
  close (sock);
}

/* ---- the thread ---- */

/* The poll set: the wake pipe, the socket, the keeper connection (-1: none), the listeners. */
#define POLL_LISTENERS 3

static GArray *
poll_set (gboolean *busy)
{
  GArray *p = g_array_sized_new (FALSE, TRUE, sizeof (struct pollfd), listeners->len + 3);
  struct pollfd w = { .fd = wake_fds[0], .events = POLLIN };
  struct pollfd l = { .fd = listen_fd, .events = POLLIN };
  struct pollfd k = { .fd = svfs_keeper_connection (), .events = POLLIN };

  g_array_append_val (p, w);
  g_array_append_val (p, l);
  g_array_append_val (p, k);
  *busy = FALSE;
  for (guint i = 0; i < listeners->len; i++)
    {
      int fd = g_array_index (listeners, int, i);
      /* A negative fd is skipped by poll and keeps the indexes of the listeners. */
      struct pollfd n = { .fd = may_take (fd) ? fd : -1, .events = POLLIN };
      *busy |= n.fd < 0;
      g_array_append_val (p, n);
    }
  return p;
}

/* A listener whose filter no process uses any more reports POLLHUP: forget it. */
static void
serve_listeners (GArray *p)
{
  for (guint i = p->len; i-- > POLL_LISTENERS;)
    {
      struct pollfd *e = &g_array_index (p, struct pollfd, i);
      if (e->revents & POLLIN)
        answer_one (e->fd);
      else if (e->revents & (POLLHUP | POLLERR | POLLNVAL))
        {
          svfs_immutable_forget (e->fd);
          close (e->fd);
          g_array_remove_index_fast (listeners, i - POLL_LISTENERS);
        }
    }
}

static gpointer
supervisor_main (gpointer data)
{
  for (;;)
    {
      gboolean busy;
      g_autoptr (GArray) p = poll_set (&busy);
      /* Without a keeper, wake up now and then to start one; with listeners left out (too
       * many calls in flight), look again soon. */
      int timeout = busy                            ? SUPERVISOR_BUSY_POLL_MS
                    : svfs_keeper_connection () < 0 ? SUPERVISOR_KEEPER_RETRY_MS
                                                    : -1;
      if (poll ((struct pollfd *) (gpointer) p->data, p->len, timeout) < 0)
        {
          if (errno == EINTR)
            continue;
          g_critical ("syscall supervisor: poll: %s", sv_strerror (errno));
          return NULL;
        }
      if (g_array_index (p, struct pollfd, 0).revents)
        return NULL;
      serve_listeners (p);
      /* The keeper sends nothing unasked: anything readable means it is gone. */
      if (g_array_index (p, struct pollfd, 2).revents || svfs_keeper_connection () < 0)
        svfs_keeper_lost ();
      if (g_array_index (p, struct pollfd, 1).revents & POLLIN)
        accept_runtime ();
    }
}

/* ---- life cycle ---- */

static int
listen_on (const char *mountpoint, GError **error)
{
  g_autofree gchar *address = svfs_supervisor_address (mountpoint);
  struct sockaddr_un sun = { .sun_family = AF_UNIX };
  gsize n = strlen (address);
  int fd = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

  memcpy (sun.sun_path, address, n);
  sun.sun_path[0] = '\0'; /* abstract */
  if (fd < 0
      || bind (fd, (struct sockaddr *) &sun, offsetof (struct sockaddr_un, sun_path) + n) < 0
      || listen (fd, 64) < 0)
    {
      int saved = errno;
      sv_set_file_error_errno (error, saved, "syscall supervisor: listen on %s", address);
      if (fd >= 0)
        close (fd);
      return -1;
    }
  return fd;
}

static gboolean
adopt (const char *takeover, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (takeover, ",", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      gint64 fd;
      if (i > 0 && g_str_has_prefix (parts[i], "i=")
          && g_ascii_string_to_signed (parts[i] + 2, 10, 3, G_MAXINT, &fd, NULL))
        {
          svfs_immutable_load ((int) fd); /* the records of immutable mounts */
          continue;
        }
      if (!g_ascii_string_to_signed (parts[i], 10, 3, G_MAXINT, &fd, error))
        {
          g_prefix_error (error, "bad --takeover-supervisor value: ");
          return FALSE;
        }
      fcntl ((int) fd, F_SETFD, FD_CLOEXEC);
      if (i == 0)
        listen_fd = (int) fd;
      else
        g_array_append_val (listeners, fd);
    }
  return listen_fd >= 0;
}

gboolean
svfs_supervisor_start (const char *mountpoint, const char *takeover, GError **error)
{
  if (syscall (SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
    {
      g_warning ("syscall supervisor off: this kernel has no seccomp user notification");
      return TRUE;
    }
  svfs_procmount_set_mountpoint (mountpoint);
  if (listeners == NULL)
    listeners = g_array_new (FALSE, FALSE, sizeof (int));
  if (in_flight == NULL)
    in_flight = g_hash_table_new (NULL, NULL);
  if (listen_fd < 0
      && !(takeover != NULL ? adopt (takeover, error)
                            : (listen_fd = listen_on (mountpoint, error)) >= 0))
    return FALSE;
  if (wake_fds[0] < 0 && pipe2 (wake_fds, O_CLOEXEC) < 0)
    {
      sv_set_file_error_errno (error, errno, "pipe");
      return FALSE;
    }
  svfs_keeper_attach (listeners);
  thread = g_thread_new ("supervisor", supervisor_main, NULL);
  return TRUE;
}

void
svfs_supervisor_stop (void)
{
  char c = 0;

  if (thread == NULL)
    return;
  if (write (wake_fds[1], &c, 1) < 0)
    g_warning ("syscall supervisor: cannot wake its thread: %s", sv_strerror (errno));
  g_thread_join (thread);
  thread = NULL;
  drain_jobs ();
  if (read (wake_fds[0], &c, 1) < 0)
    g_debug ("syscall supervisor: drain wake pipe: %s", sv_strerror (errno));
}

gchar *
svfs_supervisor_takeover_arg (void)
{
  GString *s;
  int immutable;

  if (listen_fd < 0)
    return NULL;
  s = g_string_new ("--takeover-supervisor=");
  g_string_append_printf (s, "%d", listen_fd);
  for (guint i = 0; i < listeners->len; i++)
    g_string_append_printf (s, ",%d", g_array_index (listeners, int, i));
  if ((immutable = svfs_immutable_save ()) >= 0)
    g_string_append_printf (s, ",i=%d", immutable);
  return g_string_free (s, FALSE);
}

void
svfs_supervisor_set_inheritable (gboolean on)
{
  svfs_keeper_set_inheritable (on);
  if (listen_fd >= 0)
    fcntl (listen_fd, F_SETFD, on ? 0 : FD_CLOEXEC);
  for (guint i = 0; listeners != NULL && i < listeners->len; i++)
    fcntl (g_array_index (listeners, int, i), F_SETFD, on ? 0 : FD_CLOEXEC);
}

void
svfs_supervisor_close (void)
{
  svfs_supervisor_stop ();
  svfs_keeper_quit ();
  for (guint i = 0; listeners != NULL && i < listeners->len; i++)
    close (g_array_index (listeners, int, i));
  g_clear_pointer (&listeners, g_array_unref);
  if (listen_fd >= 0)
    close (listen_fd);
  listen_fd = -1;
  for (guint i = 0; i < 2; i++)
    if (wake_fds[i] >= 0)
      close (wake_fds[i]);
  wake_fds[0] = wake_fds[1] = -1;
}
