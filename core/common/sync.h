/* sync.h: the messages the runtime (parent) and the container's init (child) exchange over a
 * SOCK_SEQPACKET socketpair while a container is created. */
#pragma once

#include <glib.h>

typedef enum
{
  /* parent -> child */
  SV_SYNC_GO = 1,          /* id maps written, cgroup joined; carries the mount tree fds */
  SV_SYNC_CONTINUE,        /* hooks ran; go on */
  SV_SYNC_COMMITTED,       /* state.json names the init: it may now outlive the runtime */
  /* child -> parent */
  SV_SYNC_HOOKS,           /* mounts are done, before pivot_root: run createRuntime hooks */
  SV_SYNC_READY,           /* everything is set up; the init now waits on the exec fifo */
  SV_SYNC_ERROR,           /* text: what failed */
  SV_SYNC_ACK,             /* the init no longer dies with the runtime */
  SV_SYNC_LISTENER,        /* carries the listener of the spec's filter (listenerPath): hand it
                            * to the agent, then answer CONTINUE */
} SvSyncType;

#define SV_SYNC_TEXT_MAX 3072

typedef struct
{
  guint32 type;
  gint32 errnum;             /* SV_SYNC_ERROR: errno of the failure, or 0 */
  guint32 n_fds;             /* SV_SYNC_GO: fds that come with the message */
  char text[SV_SYNC_TEXT_MAX]; /* SV_SYNC_ERROR: the message */
} SvSyncMsg;

/* Async-signal-safe.  Returns FALSE on a closed or failed socket. */
gboolean sv_sync_send (int fd, const SvSyncMsg *msg, const int *fds, guint n_fds);
/* Receives one message and up to @max_fds fds (stored in @fds, count in msg->n_fds). */
gboolean sv_sync_recv (int fd, SvSyncMsg *msg, int *fds, guint max_fds);
