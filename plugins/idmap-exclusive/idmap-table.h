/* idmap-table.h: the ranges of idmap-exclusive (which host id range each container holds),
 * as JSON, and the logic of handing them out.  Pure logic: no core, no plugin.h, no lock.
 *
 * A range, as kept in its own file by idmap-store.h (with "version": 1) and as an element of
 * the single table of older releases (idmap-exclusive.json, read to convert it):
 *
 *   { "version": 1,
 *     "ranges": [ { "start": 196608, "size": 65536, "stateRoot": "/run/sysvisor-runc",
 *                   "id": "web1", "created": "2026-11-25T04:41:52Z" } ] }
 *
 * A range belongs to a container, named by its state root (--root) and id: two runtimes
 * with different roots may use the same ids.  A Kubernetes pod shares one range: the
 * sandbox's (its "id"), which the pod's other containers join ("members": [ids]); when the
 * sandbox is deleted before them, "ownerReleased": true keeps the range until the last member
 * goes.  Both keys are optional, so ranges without pods read as before.  An SvIdmapTable is
 * a set of ranges in memory: the legacy file's, or those of the range files. */
#pragma once

#include "sv-subid.h"

#include <glib.h>

#define SV_IDMAP_TABLE_FILE "idmap-exclusive.json"
#define SV_IDMAP_LOCK_FILE "idmap-exclusive.lock"
#define SV_IDMAP_TABLE_VERSION 1
/* Where an older release kept its table, this one keeps a table of version 2 with no range
 * once its ranges are range files: every older release reads version 1 only and refuses it
 * ("written by another Sysvisor release; run that release or upgrade"), where it would have
 * read a missing table as no range held and handed out a range a container holds. */
#define SV_IDMAP_TABLE_MOVED_VERSION 2

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
  gboolean moved;    /* the file is the version 2 table above: no range, nothing to convert */
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
/* Put the version 2 table (SV_IDMAP_TABLE_MOVED_VERSION) at @path, atomically. */
gboolean sv_idmap_table_write_moved (const char *path, GError **error);
char *sv_idmap_table_to_data (SvIdmapTable *t);
void sv_idmap_table_free (SvIdmapTable *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SvIdmapTable, sv_idmap_table_free)

/* One range file: NULL without an error when it is missing, or torn by a power loss before
 * this boot (see sv_idmap_table_load); anything but a valid range is an error naming the file
 * and the fix. */
SvIdmapRange *sv_idmap_range_load (const char *path, GError **error);
/* The range file's text: the range's object with "version". */
char *sv_idmap_range_to_data (const SvIdmapRange *r);
void sv_idmap_range_free (SvIdmapRange *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SvIdmapRange, sv_idmap_range_free)
/* Whether container @id of @state_root holds @r: as its owner (not released) or a member. */
gboolean sv_idmap_range_held_by (const SvIdmapRange *r, const char *state_root, const char *id);
gboolean sv_idmap_range_has_holders (const SvIdmapRange *r);
/* @id lets go of @r (as its owner or a member); FALSE when it did not hold it. */
gboolean sv_idmap_range_let_go (SvIdmapRange *r, const char *state_root, const char *id);

/* The range container @id holds, as its owner (not released) or as a pod member. */
const SvIdmapRange *sv_idmap_table_find (SvIdmapTable *t, const char *state_root, const char *id);
/* The lowest free slot: slots are @range_size ids from the start of each pool.  On
 * exhaustion: G_IO_ERROR_NO_SPACE, saying how many containers hold ranges, then @hint. */
const SvIdmapRange *sv_idmap_table_allocate (SvIdmapTable *t, const SvIdPool *pools,
                                             guint n_pools, guint32 range_size,
                                             const char *state_root, const char *id,
                                             const char *hint, GError **error);
