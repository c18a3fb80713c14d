/* idmap-store.h: where idmap-exclusive keeps the ranges it has handed out: one file per range,
 * so that a create and a delete read and write their own range only, however many containers
 * hold one (the single table of older releases was read and written whole by both: ~10 ms a
 * `run` with 500 containers running, bench/README.md, twentieth round).
 *
 *   <lib dir>/idmap-exclusive.lock              the flock every change is made under
 *   <lib dir>/idmap-exclusive/ranges/<start>-<size>.json
 *                                               a range (idmap-table.h), the record of who
 *                                               holds it; its name is the slot it takes
 *   <lib dir>/idmap-exclusive/holders/<key>.root
 *                                               -> a state root (key: 16 hex digits of its
 *                                               SHA-256)
 *   <lib dir>/idmap-exclusive/holders/<key>/<id>
 *                                               -> "<start>-<size>": container <id> of that
 *                                               root holds that range (owner or pod member)
 *
 * The range files are the record and the holder links their index: a link counts only while
 * the range file it names lists its container.  So a link is made before its range file is
 * written and removed after the range file is rewritten or removed; a process killed between
 * the two leaves a link that counts for nothing (removed when next seen), never a range that
 * no link leads to.  Files are written to a temp file (".<name>") and renamed; no fsync (a
 * range file torn by a power loss before this boot reads as free: see sv_idmap_range_load).
 *
 * A create looks at SV_IDMAP_RECLAIM_BATCH holders (round robin, the next ones each time)
 * and frees the ranges of those that no longer exist; when no slot is free it looks at all
 * of them.  The table of older releases (<lib dir>/idmap-exclusive.json) is converted into
 * this form by the first create or delete that finds it; a table of version 2 with no range
 * takes its place (and is put in a lib dir that had none), which older releases refuse
 * (SV_IDMAP_TABLE_MOVED_VERSION). */
#pragma once

#include "idmap-table.h"
#include "sv-subid.h"

#include <glib.h>

#define SV_IDMAP_STORE_DIR "idmap-exclusive"
#define SV_IDMAP_RECLAIM_BATCH 64

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
} SvIdmapRequest;

char *sv_idmap_store_path (const char *lib_dir);

/* Under the lock: the range the container holds already, or the pod sandbox's range joined,
 * or a new one (after a reclaim). */
gboolean sv_idmap_reserve (const SvIdmapRequest *req, guint32 *start_out, guint32 *size_out,
                           GError **error);
/* Under the lock: the container lets go of its range (freed once nobody holds it).  Nothing
 * to free is success. */
gboolean sv_idmap_release (const char *lib_dir, const char *state_root, const char *id,
                           GError **error);
/* Every range held, read without the lock and changing nothing (`check`): those of the range
 * files and of a table of an older release not converted yet.  The table's path is the
 * store's directory. */
SvIdmapTable *sv_idmap_store_load_all (const char *lib_dir, GError **error);
