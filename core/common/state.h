/* state.h: a container's persistent state, <root>/<id>/state.json, written atomically. */
#pragma once

#include "spec.h"

#include <glib.h>
#include <json-glib/json-glib.h>
#include <sys/types.h>

typedef enum
{
  SV_STATUS_CREATING, /* create has not finished (or crashed) */
  SV_STATUS_CREATED,
  SV_STATUS_RUNNING,
  SV_STATUS_PAUSED,
  SV_STATUS_STOPPED,
} SvStatus;

typedef struct
{
  char *id;
  char *dir; /* <root>/<id>; not saved */
  char *bundle;
  char *rootfs;
  char *created;             /* RFC 3339 */
  pid_t pid;                 /* 0 while creating */
  guint64 starttime;         /* field 22 of /proc/PID/stat */
  pid_t creator_pid;         /* the create process, with its start time: a live creator */
  guint64 creator_starttime; /* means "creating", a dead one means "crashed" */
  gboolean systemd_cgroup;
  JsonNode *annotations; /* object or NULL */
  JsonNode *cgroup;      /* sv_cgroup_to_json, or NULL */
  JsonNode *hooks;       /* the spec's hooks object (poststop runs at delete) */
  char *plugins[3];      /* plugin name per SvRole, NULL = none */
  /* Per SvRole: whether its plugin had a release hook when the container was made (delete
   * loads only those).  releases_known is FALSE for a state of a version that did not record
   * it: then delete loads every plugin named. */
  gboolean releases_known;
  gboolean releases[3];
  GArray *uid_mappings; /* SvIdMapping */
  GArray *gid_mappings;
  char *owner;
  char *supervisor; /* address of the syscall supervisor, or NULL (exec loads its filter) */
} SvState;

/* Container ids: letters, digits, '_', '+', '-', '.'; not "." or "..". */
gboolean sv_state_validate_id (const char *id, GError **error);
char *sv_state_dir (const char *root, const char *id);
/* mkdir <root>/<id>; fails clearly if the container exists already. */
gboolean sv_state_create_dir (const char *root, const char *id, GError **error);
gboolean sv_state_save (const char *root, const SvState *st, GError **error);
/* Mark <root>/<id> as committed: its state.json names the init (pid > 0) from now until the
 * directory is removed.  Best effort: without the mark, sv_state_committed is only slower. */
void sv_state_mark_committed (const char *root, const char *id);
/* Whether <root>/<id> carries that mark: a container that exists for the runtime, found with
 * one access(2) instead of a read and parse of state.json (the reclaim scans of every create
 * ask this of every container).  A mark once seen is remembered for the rest of the process,
 * so TRUE may describe a container deleted since: callers take TRUE as "in use, keep its
 * resources", the safe answer, and a later process sees the deletion.  FALSE is asked again
 * every time. */
gboolean sv_state_committed (const char *root, const char *id);
/* G_IO_ERROR_NOT_FOUND: "container ID does not exist". */
SvState *sv_state_load (const char *root, const char *id, GError **error);
/* Remove the state directory and everything in it. */
gboolean sv_state_remove (const char *root, const char *id, GError **error);
/* All ids under @root (sorted). */
GPtrArray *sv_state_list (const char *root, GError **error);

/* Whether delete must load the plugin of @role to run its release hook. */
gboolean sv_state_needs_release (const SvState *st, guint role);

SvStatus sv_state_status (const SvState *st);
const char *sv_status_name (SvStatus s);
/* OCI state JSON (ociVersion, id, status, pid, bundle, annotations [+ created, owner]). */
JsonNode *sv_state_to_oci (const SvState *st);
/* Path of the exec fifo of a container. */
char *sv_state_fifo_path (const char *root, const char *id);

/* An exclusive advisory lock on the container's state directory (fd, or -1 on error). */
int sv_state_lock (const char *root, const char *id, GError **error);

void sv_state_free (SvState *st);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SvState, sv_state_free)
