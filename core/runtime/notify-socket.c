/* notify-socket.c: socket activation and sd_notify for the container (see notify-socket.h). */
#include "notify-socket.h"

#include "utils.h"

#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static guint
count_listen_fds (void)
{
  const char *fds = g_getenv ("LISTEN_FDS"), *pid = g_getenv ("LISTEN_PID");
  guint64 n, p;

  if (fds == NULL || pid == NULL || !g_ascii_string_to_unsigned (pid, 10, 1, G_MAXINT, &p, NULL)
      || (pid_t) p != getpid () || !g_ascii_string_to_unsigned (fds, 10, 0, 4096, &n, NULL))
    return 0;
  /* Only fds that are open: a number held for the container must not be one that the runtime
   * opens for itself later.  (close-on-exec from here on, as runc: not for our hooks.) */
  for (guint i = 0; i < n; i++)
    if (fcntl (3 + (int) i, F_SETFD, FD_CLOEXEC) < 0)
      {
        g_warning ("LISTEN_FDS=%s, but fd %u is not open: passing %u activation fd(s)", fds,
                   3 + i, i);
        return i;
      }
  return (guint) n;
}

static guint listen_fds = G_MAXUINT;

void
sv_listen_fds_init (void)
{
  if (listen_fds == G_MAXUINT)
    listen_fds = count_listen_fds ();
}

guint
sv_listen_fds (void)
{
  sv_listen_fds_init ();
  return listen_fds;
}

const char *
sv_notify_host (void)
{
  const char *s = g_getenv ("NOTIFY_SOCKET");

  return s != NULL && s[0] != '\0' ? s : NULL;
}

char **
sv_notify_process_env (char **envp, guint listen_fds, gboolean notify)
{
  GPtrArray *env;

  if (listen_fds == 0 && !notify)
    return NULL;
  env = g_ptr_array_new ();
  for (guint i = 0; envp != NULL && envp[i] != NULL; i++)
    g_ptr_array_add (env, g_strdup (envp[i]));
  /* (appended, as runc does: a value the spec sets itself comes first and wins) */
  if (listen_fds > 0)
    {
      g_ptr_array_add (env, g_strdup_printf ("LISTEN_FDS=%u", listen_fds));
      g_ptr_array_add (env, g_strdup ("LISTEN_PID=1"));
    }
  if (notify)
    g_ptr_array_add (env, g_strdup ("NOTIFY_SOCKET=" SV_NOTIFY_SOCKET_IN_CONTAINER));
  g_ptr_array_add (env, NULL);
  return (char **) g_ptr_array_free (env, FALSE);
}

gboolean
sv_notify_prepare (SvContainer *c, const char *state_dir, GError **error)
{
  g_autofree char *dir = g_build_filename (state_dir, "notify", NULL);
  SvExtraMount *m;

  /* 0755 and a 0777 socket: container root is "other" to host root's files. */
  if (mkdir (dir, 0755) < 0 || chmod (dir, 0755) < 0)
    {
      sv_set_error_errno (error, errno, "create %s (for NOTIFY_SOCKET)", dir);
      return FALSE;
    }
  m = g_new0 (SvExtraMount, 1);
  m->source = g_steal_pointer (&dir);
  m->destination = g_strdup (SV_NOTIFY_DIR_IN_CONTAINER);
  m->readonly = TRUE;
  m->tree_fd = -1;
  g_ptr_array_add (c->extra_mounts, m);
  return TRUE;
}

/* "/proc/self/fd/N/notify.sock" stays short whatever the length of the state root. */
static gboolean
fill_addr (struct sockaddr_un *addr, socklen_t *len, const char *path)
{
  gsize n = strlen (path);

  memset (addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  if (n == 0 || n >= sizeof addr->sun_path)
    return FALSE;
  memcpy (addr->sun_path, path, n);
  if (path[0] == '@') /* abstract */
    addr->sun_path[0] = '\0';
  *len = (socklen_t) (offsetof (struct sockaddr_un, sun_path) + n);
  return TRUE;
}

int
sv_notify_bind (const char *state_dir, GError **error)
{
  g_autofree char *dir = g_build_filename (state_dir, "notify", NULL);
  g_autofree char *path = NULL;
  sv_autofd dfd = -1, sock = -1;
  struct sockaddr_un addr;
  socklen_t len;

  if (sv_notify_host () == NULL)
    return -1;
  dfd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return -1; /* created without NOTIFY_SOCKET: the container has no socket to notify on */
  path = g_strdup_printf ("/proc/self/fd/%d/notify.sock", dfd);
  unlinkat (dfd, "notify.sock", 0);
  sock = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0 || !fill_addr (&addr, &len, path)
      || bind (sock, (struct sockaddr *) &addr, len) < 0
      || fchmodat (dfd, "notify.sock", 0777, 0) < 0)
    {
      sv_set_error_errno (error, errno, "listen on %s/notify.sock (NOTIFY_SOCKET)", dir);
      return -1;
    }
  return g_steal_fd (&sock);
}

/* The first line of @buf that starts with READY=, or NULL. */
static char *
ready_line (const char *buf)
{
  g_auto (GStrv) lines = g_strsplit (buf, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "READY="))
      return g_strdup (lines[i]);
  return NULL;
}

/* Wait for the container's READY= (NULL when @watch died first). */
static char *
wait_ready (int sock, pid_t watch, guint64 starttime)
{
  char buf[4097];

  for (;;)
    {
      struct pollfd p = { .fd = sock, .events = POLLIN };
      ssize_t n;
      char *line;

      if (poll (&p, 1, 100) <= 0)
        {
          if (!sv_proc_alive (watch, starttime))
            return NULL;
          continue;
        }
      n = recv (sock, buf, sizeof buf - 1, MSG_DONTWAIT);
      if (n < 0)
        continue;
      buf[n] = '\0';
      if ((line = ready_line (buf)) != NULL)
        return line;
    }
}

static gboolean
send_host (int fd, const struct sockaddr_un *addr, socklen_t len, const char *text)
{
  return sendto (fd, text, strlen (text), MSG_NOSIGNAL, (const struct sockaddr *) addr, len)
         == (ssize_t) strlen (text);
}

gboolean
sv_notify_forward (int sock, pid_t watch, guint64 starttime, pid_t mainpid, GError **error)
{
  sv_autofd s = sock, out = -1;
  const char *host = sv_notify_host ();
  g_autofree char *ready = wait_ready (s, watch, starttime);
  g_autofree char *line = NULL, *pid = NULL;
  struct sockaddr_un addr;
  socklen_t len;

  if (ready == NULL || host == NULL)
    return TRUE;
  line = g_strconcat (ready, "\n", NULL);
  pid = g_strdup_printf ("MAINPID=%d\n", (int) mainpid);
  if (!fill_addr (&addr, &len, host))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "NOTIFY_SOCKET %s: not a unix socket path (at most %zu bytes); fix the "
                   "variable or unset it",
                   host, sizeof addr.sun_path - 1);
      return FALSE;
    }
  out = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (out < 0 || !send_host (out, &addr, len, line) || !send_host (out, &addr, len, pid))
    {
      sv_set_error_errno (error, errno, "pass the container's %s on to NOTIFY_SOCKET %s", ready,
                          host);
      return FALSE;
    }
  return TRUE;
}

static gpointer
forward_thread (gpointer data)
{
  g_autoptr (GError) error = NULL;

  if (!sv_notify_forward (GPOINTER_TO_INT (data), getpid (), 0, getpid (), &error))
    g_warning ("%s", error->message);
  return NULL;
}

void
sv_notify_forward_in_background (int sock)
{
  if (sock >= 0)
    g_thread_unref (g_thread_new ("sd-notify", forward_thread, GINT_TO_POINTER (sock)));
}
