/* sync.c: parent/child messages during create (see sync.h). */
#include "sync.h"

#include "sv-error.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#define MAX_FDS SV_SYNC_MAX_FDS

gboolean
sv_sync_pair (int *parent_fd, int *child_fd, GError **error)
{
  int sp[2];

  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
    {
      sv_set_error_errno (error, errno, "socketpair");
      return FALSE;
    }
  *parent_fd = sp[0];
  *child_fd = sp[1];
  return TRUE;
}

gboolean
sv_sync_send (int fd, const SvSyncMsg *msg, const int *fds, guint n_fds)
{
  struct iovec iov = { .iov_base = (void *) msg, .iov_len = sizeof *msg };
  union
  {
    char buf[CMSG_SPACE (sizeof (int) * MAX_FDS)];
    struct cmsghdr align;
  } u;
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

  if (n_fds > MAX_FDS)
    return FALSE;
  if (n_fds > 0)
    {
      struct cmsghdr *c;
      memset (u.buf, 0, sizeof u.buf);
      mh.msg_control = u.buf;
      mh.msg_controllen = CMSG_SPACE (sizeof (int) * n_fds);
      c = CMSG_FIRSTHDR (&mh);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN (sizeof (int) * n_fds);
      memcpy (CMSG_DATA (c), fds, sizeof (int) * n_fds);
    }
  for (;;)
    {
      ssize_t n = sendmsg (fd, &mh, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR)
        continue;
      return n == (ssize_t) sizeof *msg;
    }
}

gboolean
sv_sync_recv (int fd, SvSyncMsg *msg, int *fds, guint max_fds)
{
  struct iovec iov = { .iov_base = msg, .iov_len = sizeof *msg };
  union
  {
    char buf[CMSG_SPACE (sizeof (int) * MAX_FDS)];
    struct cmsghdr align;
  } u;
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
  struct cmsghdr *c;
  ssize_t n;

  mh.msg_control = u.buf;
  mh.msg_controllen = sizeof u.buf;
  do
    n = recvmsg (fd, &mh, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n != (ssize_t) sizeof *msg)
    return FALSE;
  msg->text[SV_SYNC_TEXT_MAX - 1] = '\0';
  c = CMSG_FIRSTHDR (&mh);
  if (c == NULL || c->cmsg_type != SCM_RIGHTS)
    return msg->n_fds == 0;
  if ((c->cmsg_len - CMSG_LEN (0)) / sizeof (int) != msg->n_fds || msg->n_fds > max_fds)
    return FALSE;
  memcpy (fds, CMSG_DATA (c), sizeof (int) * msg->n_fds);
  return TRUE;
}

gboolean
sv_sync_add_fd (SvSyncMsg *msg, int *fds, int fd, SvSyncFdKind kind, guint index)
{
  if (msg->n_fds >= SV_SYNC_MAX_FDS)
    return FALSE;
  msg->tags[msg->n_fds].kind = kind;
  msg->tags[msg->n_fds].index = index;
  fds[msg->n_fds++] = fd;
  return TRUE;
}

int
sv_sync_take_fd (const SvSyncMsg *msg, int *fds, SvSyncFdKind kind, guint index)
{
  for (guint i = 0; i < msg->n_fds && i < SV_SYNC_MAX_FDS; i++)
    if (msg->tags[i].kind == kind && msg->tags[i].index == index && fds[i] >= 0)
      {
        int fd = fds[i];

        fds[i] = -1;
        return fd;
      }
  return -1;
}
