/* sysvisor-fs: the daemon's side of the listener keeper (see svfs-keeper.h): start it, attach
 * to it, give it every listener, tell it which notification is being answered. */
#include "svfs-keeper.h"
#include "sv-error.h"
#include "svfs-supervisor.h"

#include "svfs-util.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <linux/kcmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define KEEPER_IO_TIMEOUT_S 5
#define KEEPER_QUIT_TIMEOUT_S 2
#define KEEPER_RETRY_US G_USEC_PER_SEC

static gchar **keeper_argv; /* how to start one */
static gchar *socket_path;
static int conn = -1;
static int page_fd = -1;
static SvfsKeeperPage *page; /* SVFS_KEEPER_SLOTS slots */
static GMutex slots_lock;
static gboolean slot_used[SVFS_KEEPER_SLOTS];
static GArray *known; /* the supervisor's listeners (int), for a new keeper */
static gint64 last_attempt;
static pid_t keeper_pid; /* the connection's peer */
static guint failures;   /* attempts in a row that found no keeper */

/* The page's slots, all free; a page of an older daemon grows to the full size (one slot) or
 * keeps its own (4096 slots: those past ours are freed too, the keeper reads them all). */
static SvfsKeeperPage *
map_slots (int fd)
{
  struct stat st;
  SvfsKeeperPage *p;
  gsize size;

  if (fstat (fd, &st) < 0
      || ((gsize) st.st_size < SVFS_KEEPER_PAGE_SIZE
          && ftruncate (fd, SVFS_KEEPER_PAGE_SIZE) < 0))
    return NULL;
  size = MAX ((gsize) st.st_size, SVFS_KEEPER_PAGE_SIZE);
  p = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED)
    return NULL;
  for (gsize i = 0; i < size / sizeof *p; i++)
    __atomic_store_n (&p[i].listener, -1, __ATOMIC_RELEASE);
  return p;
}

void
svfs_keeper_configure (const char *exe, const char *mountpoint, const char *log,
                       const char *log_level, const char *takeover)
{
  GPtrArray *a = g_ptr_array_new ();
  int c, p;

  g_ptr_array_add (a, g_strdup (exe));
  g_ptr_array_add (a, g_strdup ("--keeper=3"));
  g_ptr_array_add (a, g_strdup_printf ("--mountpoint=%s", mountpoint));
  if (log != NULL)
    g_ptr_array_add (a, g_strdup_printf ("--log=%s", log));
  if (log_level != NULL)
    g_ptr_array_add (a, g_strdup_printf ("--log-level=%s", log_level));
  g_ptr_array_add (a, NULL);
  g_strfreev (keeper_argv);
  keeper_argv = (gchar **) g_ptr_array_free (a, FALSE);
  g_free (socket_path);
  socket_path = svfs_keeper_socket_path (mountpoint);
  if (takeover != NULL && sscanf (takeover, "%d,%d", &c, &p) == 2 && c > 2 && p > 2)
    {
      struct ucred cred;
      socklen_t len = sizeof cred;
      conn = c, page_fd = p;
      if (getsockopt (conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
        keeper_pid = cred.pid;
      fcntl (conn, F_SETFD, FD_CLOEXEC);
      fcntl (page_fd, F_SETFD, FD_CLOEXEC);
      page = map_slots (page_fd);
    }
}

/* ---- starting a keeper ---- */

static int
bind_keeper_socket (GError **error)
{
  struct sockaddr_un sun = { .sun_family = AF_UNIX };
  sv_autofd fd = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

  if (strlen (socket_path) >= sizeof sun.sun_path)
    {
      g_set_error (error, SVFS_ERROR, SVFS_ERROR_FILENAME_TOO_LONG, "%s: path too long",
                   socket_path);
      return -1;
    }
  strcpy (sun.sun_path, socket_path);
  unlink (socket_path);
  if (fd < 0 || bind (fd, (struct sockaddr *) &sun, sizeof sun) < 0
      || chmod (socket_path, 0600) < 0 || listen (fd, 8) < 0)
    {
      int saved = errno;
      sv_set_file_error_errno (error, saved, "listen on %s", socket_path);
      return -1;
    }
  return g_steal_fd (&fd);
}

/* In the forked child (the daemon has threads): async-signal-safe calls only.  The keeper is
 * our child in its own session (so systemd still guesses the daemon as the main process); a
 * killed daemon leaves it to init. */
static void G_GNUC_NORETURN
exec_keeper (int sock, const char *exe, char **argv)
{
  sigset_t none;
  int null = open ("/dev/null", O_RDWR);

  setsid ();
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  if (null >= 0)
    dup2 (null, 0), dup2 (null, 1);
  if (sock == 3)
    fcntl (3, F_SETFD, 0);
  else
    dup2 (sock, 3);
  syscall (SYS_close_range, 4U, ~0U, 0U);
  execv (exe, argv);
  _exit (127);
}

static gboolean
spawn_keeper (GError **error)
{
  sv_autofd sock = bind_keeper_socket (error);
  pid_t pid;

  if (sock < 0)
    return FALSE;
  pid = fork ();
  if (pid == 0)
    exec_keeper (sock, keeper_argv[0], keeper_argv);
  if (pid < 0)
    {
      int saved = errno;
      sv_set_file_error_errno (error, saved, "fork");
      return FALSE;
    }
  return TRUE;
}

static int
connect_keeper (void)
{
  struct sockaddr_un sun = { .sun_family = AF_UNIX };
  struct timeval tv = { .tv_sec = KEEPER_IO_TIMEOUT_S };
  sv_autofd fd = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

  g_strlcpy (sun.sun_path, socket_path, sizeof sun.sun_path);
  if (fd < 0 || connect (fd, (struct sockaddr *) &sun, sizeof sun) < 0)
    return -1;
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (getsockopt (fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != 0)
    {
      g_warning ("keeper socket %s: its peer is not root; ignored", socket_path);
      return -1;
    }
  keeper_pid = cred.pid;
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return g_steal_fd (&fd);
}

/* ---- attaching ---- */

static gboolean
same_file (int a, int b)
{
  pid_t self = getpid ();

  return syscall (SYS_kcmp, self, self, KCMP_FILE, a, b) == 0;
}

/* @key: the fd number the listener had in the process that gave it to the keeper. */
static void
take_listener (GArray *listeners, int fd, int key)
{
  for (guint i = 0; i < listeners->len; i++)
    if (same_file (g_array_index (listeners, int, i), fd))
      {
        close (fd);
        return;
      }
  if (!svfs_keeper_is_listener (fd))
    {
      close (fd);
      return;
    }
  g_array_append_val (listeners, fd);
  svfs_immutable_adopt_kept (fd, key);
}

/* "attach": the keeper answers "fd KEY" messages, one per listener it holds, then "end". */
static gboolean
take_back (GArray *listeners, GError **error)
{
  guint before = listeners->len;

  if (!svfs_keeper_send (conn, "attach", -1))
    goto failed;
  for (;;)
    {
      char text[64];
      int fd;
      gssize n = svfs_keeper_recv (conn, text, sizeof text, &fd);
      if (n <= 0)
        goto failed;
      if (g_str_equal (text, "end"))
        break;
      if (fd >= 0)
        take_listener (listeners, fd, g_str_has_prefix (text, "fd ") ? atoi (text + 3) : -1);
    }
  if (listeners->len > before)
    svfs_immutable_persist (); /* under the new fd numbers */
  if (listeners->len > before)
    g_warning ("took back %u listener(s) from the keeper: trapped syscalls are answered "
               "for their containers again",
               listeners->len - before);
  return TRUE;
failed:
  g_set_error (error, SVFS_ERROR, SVFS_ERROR_FAILED, "take the listeners back: %s",
               errno ? sv_strerror (errno) : "the keeper closed the connection");
  return FALSE;
}

static gboolean
ensure_page (GError **error)
{
  if (page != NULL)
    return TRUE;
  page_fd = memfd_create ("sysvisor-fs-keeper", MFD_CLOEXEC);
  if (page_fd < 0 || (page = map_slots (page_fd)) == NULL)
    {
      int saved = errno;
      sv_set_file_error_errno (error, saved, "keeper page");
      return FALSE;
    }
  return TRUE;
}

/* "reset", then one "add KEY" per listener, then the page. */
static gboolean
give_all (GArray *listeners, GError **error)
{
  gboolean ok = svfs_keeper_send (conn, "reset", -1);

  for (guint i = 0; ok && i < listeners->len; i++)
    {
      int fd = g_array_index (listeners, int, i);
      g_autofree gchar *text = g_strdup_printf ("add %d", fd);
      ok = svfs_keeper_send (conn, text, fd);
    }
  if (ok && ensure_page (error))
    ok = svfs_keeper_send (conn, "page", page_fd);
  else if (ok)
    return FALSE;
  if (!ok)
    sv_set_file_error_errno (error, errno, "give the keeper listeners");
  return ok;
}

static void
drop_conn (void)
{
  if (conn >= 0)
    close (conn);
  conn = -1;
  /* Reap it if it was our child (a keeper started before a restart in place is too): it
   * closed the connection while exiting, so it is a zombie within moments. */
  for (guint i = 0; keeper_pid > 0 && i < 20; i++)
    {
      pid_t r = waitpid (keeper_pid, NULL, WNOHANG);
      if (r != 0)
        break;
      g_usleep (5000);
    }
  keeper_pid = 0;
}

void
svfs_keeper_attach (GArray *listeners)
{
  g_autoptr (GError) error = NULL;

  known = listeners;
  if (conn >= 0 || keeper_argv == NULL)
    return;
  last_attempt = g_get_monotonic_time ();
  errno = 0;
  if ((conn = connect_keeper ()) < 0 && spawn_keeper (&error))
    conn = connect_keeper ();
  if (conn < 0)
    {
      if (failures++ == 0)
        g_warning ("no listener keeper (%s): a killed sysvisor-fs would leave trapped syscalls "
                   "failing with ENOSYS; trying again",
                   error != NULL ? error->message : sv_strerror (errno));
      return;
    }
  if (!take_back (listeners, &error) || !give_all (listeners, &error))
    {
      if (failures++ == 0)
        g_warning ("listener keeper: %s; serving without it, trying again", error->message);
      drop_conn ();
      return;
    }
  failures = 0;
}

void
svfs_keeper_add (int listener)
{
  g_autofree gchar *text = g_strdup_printf ("add %d", listener);

  /* Never wait for a stuck keeper: drop it (it exits, seeing us alive) and start another. */
  if (conn >= 0 && !svfs_keeper_send_flags (conn, text, listener, MSG_DONTWAIT))
    {
      g_warning ("listener keeper: %s", sv_strerror (errno));
      svfs_keeper_lost ();
    }
}

int
svfs_keeper_connection (void)
{
  return conn;
}

/* A keeper just lost is replaced at once; without one, the supervisor's poll calls this every
 * second, and attempts back off (1, 2, 4 ... 64 s) while starting one fails. */
void
svfs_keeper_lost (void)
{
  gint64 wait = KEEPER_RETRY_US << MIN (failures, 6);

  if (conn >= 0)
    g_warning ("the listener keeper is gone; starting another");
  drop_conn ();
  if (known != NULL && g_get_monotonic_time () - last_attempt >= wait)
    svfs_keeper_attach (known);
}

/* The slots in use are known here only (the keeper just reads): a slot is written whole
 * (listener last) before the keeper may read it. */
int
svfs_keeper_answering (int listener, guint64 id, guint32 nr)
{
  int slot = -1;

  if (__atomic_load_n (&page, __ATOMIC_ACQUIRE) == NULL)
    return -1;
  g_mutex_lock (&slots_lock);
  for (int i = 0; i < SVFS_KEEPER_SLOTS && slot < 0; i++)
    if (!slot_used[i])
      slot_used[slot = i] = TRUE;
  g_mutex_unlock (&slots_lock);
  if (slot < 0)
    return -1;
  page[slot].id = id;
  page[slot].nr = nr;
  __atomic_store_n (&page[slot].listener, listener, __ATOMIC_RELEASE);
  return slot;
}

void
svfs_keeper_answered (int slot)
{
  if (slot < 0 || page == NULL)
    return;
  __atomic_store_n (&page[slot].listener, -1, __ATOMIC_RELEASE);
  g_mutex_lock (&slots_lock);
  slot_used[slot] = FALSE;
  g_mutex_unlock (&slots_lock);
}

gchar *
svfs_keeper_takeover_arg (void)
{
  if (conn < 0 || page_fd < 0)
    return NULL;
  return g_strdup_printf ("--takeover-keeper=%d,%d", conn, page_fd);
}

void
svfs_keeper_set_inheritable (gboolean on)
{
  if (conn >= 0 && page_fd >= 0)
    {
      fcntl (conn, F_SETFD, on ? 0 : FD_CLOEXEC);
      fcntl (page_fd, F_SETFD, on ? 0 : FD_CLOEXEC);
    }
}

void
svfs_keeper_quit (void)
{
  char c;
  int fd;
  struct timeval tv = { .tv_sec = KEEPER_QUIT_TIMEOUT_S };

  known = NULL;
  if (conn < 0)
    return;
  /* Wait for the keeper to close its end: then it has let every listener go. */
  setsockopt (conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (svfs_keeper_send (conn, "quit", -1) && svfs_keeper_recv (conn, &c, 1, &fd) > 0 && fd >= 0)
    close (fd);
  drop_conn ();
}
