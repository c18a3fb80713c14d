/* idmap-table.h: the allocation table of idmap-exclusive: which host id range each container
 * holds.  One JSON file under the lib dir, changed only under an exclusive flock on a lock
 * file beside it and replaced atomically (a spare file written in place, then the two trade
 * names: sv_file_exchange; no fsync: see sv_idmap_table_load),
 * so that creates running in many processes never hand one range to two containers and a
 * crash at any point leaves either the old or the new table.
 *
 *   { "version": 1,
 *     "ranges": [ { "start": 196608, "size": 65536, "stateRoot": "/run/sysvisor-runc",
 *                   "id": "web1", "created": "2026-11-25T04:41:52Z" } ] }
 *
 * A range belongs to a container, named by its state root (--root) and id: two runtimes
 * with different roots may use the same ids.  A Kubernetes pod shares one range: the
 * sandbox's (its "id"), which the pod's other containers join ("members": [ids]); when the
 * sandbox is deleted before them, "ownerReleased": true keeps the range until the last member
 * goes.  Both keys are optional, so ranges without pods read as before.  Pure logic: no core,
 * no plugin.h. */
#pragma once

#include "sv-subid.h"

#include <glib.h>

#define SV_IDMAP_TABLE_FILE "idmap-exclusive.json"
#define SV_IDMAP_LOCK_FILE "idmap-exclusive.lock"
#define SV_IDMAP_TABLE_VERSION 1

typedef struct
{
  guint32 start; /* first host id (uid and gid alike) */
  guint32 size;
  char *state_root;
  char *id;
  char *created;           /* ISO 8601, for people reading the file */
  GPtrArray *members;      /* char*: the pod's other containers that hold it too; may be NULL */
  gboolean owner_released; /* the owner (@id) is deleted; the members still hold the range */
} SvIdmapRange;

typedef struct
{
  char *path;
  GPtrArray *ranges; /* SvIdmapRange, sorted by start */
  guint64 counter;   /* sv_idmap_table_load_held: the lock file's save counter at the read */
} SvIdmapTable;

/* Is container @id under @state_root still there?  FALSE lets its range be reclaimed. */
typedef gboolean (*SvIdmapAliveFunc) (const char *state_root, const char *id, gpointer data);

char *sv_idmap_table_path (const char *lib_dir);

SvIdmapTable *sv_idmap_table_new (const char *path);
/* A missing file is an empty table, and so is one that a power loss tore (empty, zeroed or cut
 * short, and last written before this boot: its containers all ended with that boot).
 * Anything else but a valid table is an error that names the file, what is wrong with it and
 * the fix (the table is never "repaired" by guessing). */
SvIdmapTable *sv_idmap_table_load (const char *path, GError **error);
/* The same, read without the lock (a read that a save overlapped is done again; after a few,
 * once under the lock), also giving the fd it was read from (kept open: -1 when there is no
 * file) and the save counter, by which a later look under the lock tells whether the table
 * is still this one. */
SvIdmapTable *sv_idmap_table_load_held (const char *path, int *fd_out, GError **error);
/* Replace the file atomically (its spare written in place, then the two trade names; no
 * fsync: a power loss may tear it, which the next boot's load starts empty, as every container
 * that held a range ended with it).  Under the lock, sv_idmap_reserve and sv_idmap_release
 * count each save in the lock file first (idmap-table.c, "the save counter"). */
gboolean sv_idmap_table_save (SvIdmapTable *t, GError **error);
char *sv_idmap_table_to_data (SvIdmapTable *t);
void sv_idmap_table_free (SvIdmapTable *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SvIdmapTable, sv_idmap_table_free)

/* The range container @id holds, as its owner (not released) or as a pod member. */
const SvIdmapRange *sv_idmap_table_find (SvIdmapTable *t, const char *state_root, const char *id);
/* Drop the holders (owners, pod members) that @alive says are gone, and the ranges nobody
 * holds any more (never a range @keep_root/@keep_id holds; @keep_id may be NULL).  Returns
 * how many ranges were dropped. */
guint sv_idmap_table_reclaim (SvIdmapTable *t, SvIdmapAliveFunc alive, gpointer data,
                              const char *keep_root, const char *keep_id);
/* The lowest free slot: slots are @range_size ids from the start of each pool.  On
 * exhaustion: G_IO_ERROR_NO_SPACE, saying how many containers hold ranges, then @hint. */
const SvIdmapRange *sv_idmap_table_allocate (SvIdmapTable *t, const SvIdPool *pools,
                                             guint n_pools, guint32 range_size,
                                             const char *state_root, const char *id,
                                             const char *hint, GError **error);
/* Container @member_id joins the range of pod sandbox @pod_id (same state root).  Fails with
 * G_IO_ERROR_NOT_FOUND when the sandbox holds no range. */
const SvIdmapRange *sv_idmap_table_join (SvIdmapTable *t, const char *state_root,
                                         const char *pod_id, const char *member_id,
                                         GError **error);
/* @id lets go of the range it holds (as owner or member); the range itself is removed when
 * nobody holds it any more.  TRUE when the table changed. */
gboolean sv_idmap_table_remove (SvIdmapTable *t, const char *state_root, const char *id);

/* ---- transactions on the file under the lock ---- */

typedef struct
{
  const char *lib_dir; /* created (0700) when missing */
  const SvIdPool *pools;
  guint n_pools;
  guint32 range_size;
  const char *state_root;
  const char *id;
  const char *pod_id;     /* non-NULL: join the range of this pod sandbox instead */
  SvIdmapAliveFunc alive; /* for reclaiming before allocating; NULL: no reclaim */
  gpointer alive_data;
  const char *exhausted_hint; /* the fix, appended to the exhaustion error */
  /* Optional: the table read without the lock a moment ago (the probe's), with the fd it was
   * read from (sv_idmap_table_load_held).  Used instead of reading it again, and under the
   * lock when the file is still that one and no save ran since (its save counter; the open
   * fd keeps its inode from being reused).  Changed by the reserve; the caller frees both. */
  SvIdmapTable *unlocked;
  int unlocked_fd;
} SvIdmapRequest;

/* Lock, load, reclaim, allocate or join the pod's (or find the range the container holds
 * already), save. */
gboolean sv_idmap_reserve (const SvIdmapRequest *req, guint32 *start_out, guint32 *size_out,
                           GError **error);
/* Lock, load, let go of the container's range (freed once nobody holds it), save.  Nothing
 * to free is success. */
gboolean sv_idmap_release (const char *lib_dir, const char *state_root, const char *id,
                           GError **error);
