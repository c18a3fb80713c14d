/* sync.h: the messages the runtime (parent) and the container's init (child) exchange over a
 * SOCK_SEQPACKET socketpair while a container is created. */
#pragma once

#include <glib.h>

typedef enum
{
  /* parent -> child */
  SV_SYNC_GO = 1,    /* id maps written, in cgroup2 (or moved by us); carries the mount trees */
  SV_SYNC_CONTINUE,  /* hooks ran; go on */
  SV_SYNC_COMMITTED, /* state.json names the init: it may now outlive the runtime */
  /* child -> parent */
  SV_SYNC_HOOKS,    /* mounts are done, before pivot_root: run createRuntime hooks */
  SV_SYNC_READY,    /* everything is set up; the init now waits on the exec fifo */
  SV_SYNC_ERROR,    /* text: what failed */
  SV_SYNC_ACK,      /* the init no longer dies with the runtime */
  SV_SYNC_LISTENER, /* carries the listener of the spec's filter (listenerPath): hand it
                            * to the agent, then answer CONTINUE */
} SvSyncType;

#define SV_SYNC_TEXT_MAX 3072

/* At most this many fds travel with one message (the kernel's SCM_MAX_FD is 253). */
#define SV_SYNC_MAX_FDS 250
/* Of those, the mount trees that plugins may add (SvExtraMount: emulated /proc files, ...). */
#define SV_SYNC_MAX_PLUGIN_TREES 40
/* The one limit on a spec's bind mounts, checked when config.json is loaded: each is one
 * mount tree handed to the init with the rootfs and the plugins' trees in a single message. */
#define SV_SPEC_MAX_BIND_MOUNTS (SV_SYNC_MAX_FDS - 1 - SV_SYNC_MAX_PLUGIN_TREES)

/* What an fd that comes with a message is: the receiver looks fds up by tag, never by their
 * position in the message. */
typedef enum
{
  SV_SYNC_FD_NONE = 0,
  SV_SYNC_FD_ROOTFS,      /* SV_SYNC_GO: the rootfs tree */
  SV_SYNC_FD_BIND_MOUNT,  /* SV_SYNC_GO: the tree of the spec's mounts[index] */
  SV_SYNC_FD_EXTRA_MOUNT, /* SV_SYNC_GO: the tree of the plugins' extra mount [index] */
  SV_SYNC_FD_LISTENER,    /* SV_SYNC_READY / SV_SYNC_LISTENER: a seccomp listener */
} SvSyncFdKind;

typedef struct
{
  guint32 kind;  /* SvSyncFdKind */
  guint32 index; /* which mount, for the mount kinds; 0 otherwise */
} SvSyncFdTag;

typedef struct
{
  guint32 type;
  gint32 error_code;     /* SV_SYNC_ERROR: the GIOErrorEnum code of the failure, or 0 */
  gint32 pid;            /* SV_SYNC_COMMITTED and exec's ACK: a pid on the host */
  gint32 runtime_starts; /* SV_SYNC_COMMITTED: the runtime starts the init itself (`run`) */
  guint32 n_fds;         /* fds that come with the message, tagged in tags[] */
  SvSyncFdTag tags[SV_SYNC_MAX_FDS];
  char text[SV_SYNC_TEXT_MAX]; /* SV_SYNC_ERROR: the message */
} SvSyncMsg;

/* The socketpair of a create or exec (close-on-exec): @parent_fd stays with the runtime,
 * @child_fd goes to the init or the exec'd process. */
gboolean sv_sync_pair (int *parent_fd, int *child_fd, GError **error);
/* Async-signal-safe.  Returns FALSE on a closed or failed socket. */
gboolean sv_sync_send (int fd, const SvSyncMsg *msg, const int *fds, guint n_fds);
/* Receives one message and up to @max_fds fds (stored in @fds, count in msg->n_fds). */
gboolean sv_sync_recv (int fd, SvSyncMsg *msg, int *fds, guint max_fds);
/* Append @fd tagged @kind/@index to @msg and @fds (room for SV_SYNC_MAX_FDS); FALSE when full. */
gboolean sv_sync_add_fd (SvSyncMsg *msg, int *fds, int fd, SvSyncFdKind kind, guint index);
/* The fd of @msg tagged @kind/@index, taken out of @fds (the caller owns it now), or -1.
 * Async-signal-safe. */
int sv_sync_take_fd (const SvSyncMsg *msg, int *fds, SvSyncFdKind kind, guint index);
