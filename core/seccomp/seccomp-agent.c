/* seccomp-agent.c: hand the listener of a filter with SCMP_ACT_NOTIFY rules to the agent at
 * linux.seccomp.listenerPath, as runc does: one message on a unix stream socket, the JSON state
 * as data, the listener fd as SCM_RIGHTS.  The agent answers the notified calls from then on. */
#include "seccomp-agent.h"

#include "spec.h"
#include "utils.h"

#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

const char *
sv_seccomp_agent_path (JsonObject *seccomp)
{
  JsonNode *n = seccomp != NULL ? json_object_get_member (seccomp, "listenerPath") : NULL;
  const char *path;

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  path = json_node_get_string (n);
  return path[0] != '\0' ? path : NULL;
}

static char *
agent_message (JsonObject *seccomp, pid_t pid, JsonNode *state)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  JsonNode *meta = json_object_get_member (seccomp, "listenerMetadata");

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "ociVersion");
  json_builder_add_string_value (b, SV_OCI_VERSION);
  json_builder_set_member_name (b, "fds");
  json_builder_begin_array (b);
  json_builder_add_string_value (b, "seccompFd");
  json_builder_end_array (b);
  json_builder_set_member_name (b, "pid");
  json_builder_add_int_value (b, pid);
  json_builder_set_member_name (b, "metadata");
  json_builder_add_string_value (b, meta != NULL && JSON_NODE_HOLDS_VALUE (meta)
                                            && json_node_get_value_type (meta) == G_TYPE_STRING
                                        ? json_node_get_string (meta)
                                        : "");
  json_builder_set_member_name (b, "state");
  json_builder_add_value (b, json_node_copy (state));
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

static gboolean
send_with_fd (int sock, const char *text, int fd, GError **error)
{
  struct iovec iov = { .iov_base = (void *) text, .iov_len = strlen (text) };
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } u;
  struct msghdr msg = {
    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf
  };
  struct cmsghdr *cmsg = CMSG_FIRSTHDR (&msg);

  memset (&u, 0, sizeof u);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (cmsg), &fd, sizeof (int));
  while (sendmsg (sock, &msg, MSG_NOSIGNAL) < 0)
    if (errno != EINTR)
      {
        sv_set_error_errno (error, errno, "send the seccomp listener");
        return FALSE;
      }
  return TRUE;
}

gboolean
sv_seccomp_agent_send (JsonObject *seccomp, pid_t pid, JsonNode *state, int fd, GError **error)
{
  const char *path = sv_seccomp_agent_path (seccomp);
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  g_autofree char *text = NULL;
  sv_autofd sock = -1;

  if (path == NULL || strlen (path) >= sizeof addr.sun_path)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "linux.seccomp.listenerPath: missing or too long");
      return FALSE;
    }
  strcpy (addr.sun_path, path);
  sock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0 || connect (sock, (struct sockaddr *) &addr, sizeof addr) < 0)
    {
      sv_set_error_errno (error, errno,
                          "linux.seccomp.listenerPath: connect to the seccomp "
                          "agent at %s (is it listening?)",
                          path);
      return FALSE;
    }
  text = agent_message (seccomp, pid, state);
  if (!send_with_fd (sock, text, fd, error))
    {
      g_prefix_error (error, "linux.seccomp.listenerPath %s: ", path);
      return FALSE;
    }
  return TRUE;
}

void
sv_seccomp_agent_wins (char **supervisor, JsonObject *seccomp)
{
  if (*supervisor == NULL || sv_seccomp_agent_path (seccomp) == NULL)
    return;
  g_warning ("linux.seccomp.listenerPath %s: the seccomp agent given there gets the container's "
             "listener; sysvisor's syscall supervisor (%s: sysinfo, /proc views, read-only "
             "remounts) is off for this container (a filter chain holds one listener)",
             sv_seccomp_agent_path (seccomp), *supervisor);
  g_clear_pointer (supervisor, g_free);
}
