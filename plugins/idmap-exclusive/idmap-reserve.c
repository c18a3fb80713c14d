/* idmap-reserve.c: idmap-exclusive's transactions on its store: reserve (with the reclaim of
 * ranges whose containers are gone), release, and the read-only look of `check` (see
 * idmap-store.h). */
#include "idmap-store-files.h"

#include "sv-fd.h"

#include <fcntl.h>
#include <gio/gio.h>

/* ---- the reclaim ----
 *
 * Asking whether a holder still exists is the slow part of a reclaim (a container still being
 * created has its state.json read and its creator looked at in /proc).  So a create asks it of
 * its batch of holders before it takes the lock (links are made and removed atomically), and
 * under the lock asks again only those judged gone: only an answer given under the lock frees
 * a range. */

static gboolean
is_requester (const SvIdmapHolder *h, const SvIdmapRequest *req)
{
  return g_strcmp0 (h->state_root, req->state_root) == 0 && g_strcmp0 (h->id, req->id) == 0;
}

/* Without the lock: the holders of the batch that starts at the cursor that look gone.
 * *@advance_out: how far the cursor moves (0 when one batch covers every holder: then there
 * is no cursor to read or move). */
static GPtrArray *
judge_batch (const char *lib_dir, const SvIdmapRequest *req, guint *advance_out)
{
  g_autofree char *dir = sv_idmap_store_path (lib_dir);
  g_autoptr (GPtrArray) holders = sv_idmap_store_holders (dir);
  GPtrArray *gone = g_ptr_array_new_with_free_func ((GDestroyNotify) sv_idmap_holder_free);
  guint batch = MIN (holders->len, SV_IDMAP_RECLAIM_BATCH);
  guint64 first = 0;

  *advance_out = batch < holders->len ? batch : 0;
  if (*advance_out > 0)
    {
      g_autofree char *lock_path = g_build_filename (lib_dir, SV_IDMAP_LOCK_FILE, NULL);
      sv_autofd fd = open (lock_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
      first = sv_idmap_cursor_read (fd);
    }

  for (guint k = 0; k < batch; k++)
    {
      const SvIdmapHolder *h = g_ptr_array_index (holders, (first + k) % holders->len);
      if (!is_requester (h, req) && !req->alive (h->state_root, h->id, req->alive_data))
        g_ptr_array_add (gone, sv_idmap_holder_new (h->state_root, h->id));
    }
  return gone;
}

/* Under the lock: @h, gone, lets go of its range, which is freed when nobody holds it any
 * more.  1 when a range was freed, 0 when not, -1 on an error. */
static int
drop_holder (SvIdmapStore *s, const SvIdmapHolder *h, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (SvIdmapRange) r = sv_idmap_store_find (s, h->state_root, h->id, &local);
  gboolean freed;

  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return -1;
    }
  if (r == NULL)
    return 0;
  sv_idmap_range_let_go (r, h->state_root, h->id);
  freed = !sv_idmap_range_has_holders (r);
  if (freed)
    g_info ("reclaiming host ids %u-%u of container %s (%s): it no longer exists", r->start,
            r->start + (r->size - 1), h->id, h->state_root);
  else
    g_info ("container %s (%s) no longer exists: it no longer holds the range of pod %s", h->id,
            h->state_root, r->id);
  if (freed ? !sv_idmap_store_remove_range (s, r, error)
            : !sv_idmap_store_write_range (s, r, error))
    return -1;
  sv_idmap_store_unlink (s, h->state_root, h->id);
  return freed ? 1 : 0;
}

/* Under the lock: those of @holders that are gone (asked now) let go of their ranges.  How
 * many ranges were freed, or -1 on an error. */
static int
reclaim (SvIdmapStore *s, GPtrArray *holders, const SvIdmapRequest *req, GError **error)
{
  int freed = 0;

  for (guint i = 0; i < holders->len; i++)
    {
      const SvIdmapHolder *h = g_ptr_array_index (holders, i);
      int dropped;
      if (is_requester (h, req) || req->alive (h->state_root, h->id, req->alive_data))
        continue;
      dropped = drop_holder (s, h, error);
      if (dropped < 0)
        return -1;
      freed += dropped;
    }
  return freed;
}

/* ---- reserve ---- */

/* Under the lock: the lowest free slot, looked for again after a reclaim of every holder when
 * none is free. */
static SvIdmapRange *
allocate (SvIdmapStore *s, const SvIdmapRequest *req, GError **error)
{
  g_autoptr (GError) full = NULL;

  for (guint pass = 0; pass < 2; pass++)
    {
      g_autoptr (SvIdmapTable) t = sv_idmap_store_slots (s->dir, error);
      g_autoptr (GPtrArray) all = NULL;
      const SvIdmapRange *r;
      guint i;
      int freed;
      if (t == NULL)
        return NULL;
      g_clear_error (&full);
      r = sv_idmap_table_allocate (t, req->pools, req->n_pools, req->range_size, req->state_root,
                                   req->id, req->exhausted_hint, &full);
      if (r != NULL && g_ptr_array_find (t->ranges, r, &i))
        return g_ptr_array_steal_index (t->ranges, i);
      if (pass > 0 || req->alive == NULL)
        break;
      all = sv_idmap_store_holders (s->dir);
      freed = reclaim (s, all, req, error);
      if (freed < 0)
        return NULL;
      if (freed == 0)
        break;
    }
  g_propagate_error (error, g_steal_pointer (&full));
  return NULL;
}

/* Under the lock: container @req->id joins the range of its pod's sandbox. */
static SvIdmapRange *
join (SvIdmapStore *s, const SvIdmapRequest *req, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (SvIdmapRange) r = sv_idmap_store_find (s, req->state_root, req->pod_id, &local);

  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  if (r == NULL || r->owner_released || g_strcmp0 (r->id, req->pod_id) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "pod sandbox %s (%s) holds no id range in %s: create the sandbox with the "
                   "same runtime and idmap plugin before its containers",
                   req->pod_id, req->state_root, s->dir);
      return NULL;
    }
  if (r->members == NULL)
    r->members = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (r->members, g_strdup (req->id));
  if (!sv_idmap_store_link (s, req->state_root, req->id, r, error)
      || !sv_idmap_store_write_range (s, r, error))
    return NULL;
  return g_steal_pointer (&r);
}

static gboolean
check_utf8 (const SvIdmapRequest *req, GError **error)
{
  if (g_utf8_validate (req->state_root, -1, NULL) && g_utf8_validate (req->id, -1, NULL))
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "the state root \"%s\" or container id \"%s\" is not valid UTF-8 (the ranges of "
               "%s are JSON); use a --root path in UTF-8",
               req->state_root, req->id, req->lib_dir);
  return FALSE;
}

gboolean
sv_idmap_reserve (const SvIdmapRequest *req, guint32 *start_out, guint32 *size_out,
                  GError **error)
{
  g_autoptr (GPtrArray) gone = NULL;
  g_autoptr (SvIdmapRange) r = NULL;
  g_autoptr (GError) local = NULL;
  sv_idmap_autostore s = { .lock = -1 };
  gboolean converted = FALSE;
  guint advance = 0;

  if (!check_utf8 (req, error))
    return FALSE;
  if (req->alive != NULL)
    gone = judge_batch (req->lib_dir, req, &advance);
  if (!sv_idmap_store_open (&s, req->lib_dir, TRUE, error)
      || !sv_idmap_store_convert (&s, &converted, error))
    return FALSE;
  /* A table just converted (once, after an upgrade): every holder is looked at, as a create
   * of the older release did. */
  if (converted && gone != NULL)
    {
      g_ptr_array_unref (gone);
      gone = sv_idmap_store_holders (s.dir);
    }
  r = sv_idmap_store_find (&s, req->state_root, req->id, &local);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (r == NULL)
    {
      if (gone != NULL && reclaim (&s, gone, req, error) < 0)
        return FALSE;
      if (advance > 0)
        sv_idmap_cursor_write (s.lock, sv_idmap_cursor_read (s.lock) + advance);
      r = req->pod_id != NULL ? join (&s, req, error) : allocate (&s, req, error);
      if (r == NULL)
        return FALSE;
      if (req->pod_id == NULL
          && (!sv_idmap_store_link (&s, req->state_root, req->id, r, error)
              || !sv_idmap_store_write_range (&s, r, error)))
        return FALSE;
    }
  *start_out = r->start;
  *size_out = r->size;
  return TRUE;
}

/* ---- release ---- */

gboolean
sv_idmap_release (const char *lib_dir, const char *state_root, const char *id, GError **error)
{
  sv_idmap_autostore s = { .lock = -1 };
  g_autoptr (GError) local = NULL;
  g_autoptr (SvIdmapRange) r = NULL;
  gboolean held;

  if (!sv_idmap_store_open (&s, lib_dir, FALSE, &local))
    {
      if (local == NULL)
        return TRUE; /* no lib dir: nothing was ever allocated there */
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (!sv_idmap_store_convert (&s, NULL, error))
    return FALSE;
  r = sv_idmap_store_find (&s, state_root, id, &local);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (r == NULL)
    return TRUE;
  sv_idmap_range_let_go (r, state_root, id);
  held = sv_idmap_range_has_holders (r);
  if (held ? !sv_idmap_store_write_range (&s, r, error)
           : !sv_idmap_store_remove_range (&s, r, error))
    return FALSE;
  sv_idmap_store_unlink (&s, state_root, id);
  return TRUE;
}

/* ---- check ---- */

/* The slots of @t (start and size) replaced by the range files they name, read and checked. */
static gboolean
read_range_files (SvIdmapTable *t, GError **error)
{
  for (guint i = t->ranges->len; i > 0; i--)
    {
      SvIdmapRange *slot = g_ptr_array_index (t->ranges, i - 1);
      g_autofree char *path = sv_idmap_range_path (t->path, slot->start, slot->size);
      g_autoptr (GError) local = NULL;
      SvIdmapRange *r = sv_idmap_range_load (path, &local);
      if (local != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      if (r == NULL)
        g_ptr_array_remove_index (t->ranges, i - 1); /* removed meanwhile, or torn */
      else
        {
          sv_idmap_range_free (slot);
          g_ptr_array_index (t->ranges, i - 1) = r;
        }
    }
  return TRUE;
}

SvIdmapTable *
sv_idmap_store_load_all (const char *lib_dir, GError **error)
{
  g_autofree char *dir = sv_idmap_store_path (lib_dir);
  g_autofree char *legacy = sv_idmap_table_path (lib_dir);
  g_autoptr (SvIdmapTable) old = sv_idmap_table_load (legacy, error);
  g_autoptr (SvIdmapTable) t = NULL;

  if (old == NULL)
    return NULL;
  t = sv_idmap_store_slots (dir, error);
  if (t == NULL || !read_range_files (t, error))
    return NULL;
  while (old->ranges->len > 0)
    g_ptr_array_add (t->ranges, g_ptr_array_steal_index (old->ranges, 0));
  return g_steal_pointer (&t);
}
