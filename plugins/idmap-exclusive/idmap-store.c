/* idmap-store.c: the files of idmap-exclusive's ranges: range files, holder links, the lock,
 * and the conversion of an older release's table (see idmap-store.h). */
#include "idmap-store-files.h"

#include "sv-error.h"
#include "sv-fd.h"
#include "sv-file.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

char *
sv_idmap_store_path (const char *lib_dir)
{
  return g_build_filename (lib_dir, SV_IDMAP_STORE_DIR, NULL);
}

/* ---- names ---- */

char *
sv_idmap_slot_name (guint32 start, guint32 size)
{
  return g_strdup_printf ("%u-%u", start, size);
}

/* A decimal number 1..2^32-1 without leading zeros at *@p, which is moved past it. */
static gboolean
parse_u32 (const char **p, guint32 *out)
{
  const char *q = *p;
  guint64 v = 0;

  if (*q < '1' || *q > '9')
    return FALSE;
  for (; g_ascii_isdigit (*q); q++)
    if ((v = v * 10 + (guint64) (*q - '0')) > G_MAXUINT32)
      return FALSE;
  *out = (guint32) v;
  *p = q;
  return TRUE;
}

/* "<start>-<size>" (and ".json" after it when @json): as sv_idmap_slot_name writes them,
 * nothing else.  (Parsed by hand: with hundreds of range files a create reads every name.) */
gboolean
sv_idmap_slot_parse (const char *name, gboolean json, guint32 *start, guint32 *size)
{
  const char *p = name;

  return parse_u32 (&p, start) && *p++ == '-' && parse_u32 (&p, size)
         && strcmp (p, json ? ".json" : "") == 0;
}

/* The holders' directory of @state_root: 16 hex digits of its SHA-256. */
static char *
root_key (const char *state_root)
{
  g_autofree char *sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, state_root, -1);

  return g_strndup (sum, 16);
}

char *
sv_idmap_range_path (const char *dir, guint32 start, guint32 size)
{
  g_autofree char *slot = sv_idmap_slot_name (start, size);
  g_autofree char *name = g_strconcat (slot, ".json", NULL);

  return g_build_filename (dir, "ranges", name, NULL);
}

static char *
holder_path (const SvIdmapStore *s, const char *state_root, const char *id)
{
  g_autofree char *key = root_key (state_root);

  return g_build_filename (s->dir, "holders", key, id, NULL);
}

/* ---- the lock ---- */

void
sv_idmap_store_close (SvIdmapStore *s)
{
  sv_close_fdp (&s->lock);
  if (s->boosted)
    (void) setpriority (PRIO_PROCESS, 0, s->nice);
  s->boosted = FALSE;
  g_clear_pointer (&s->dir, g_free);
  g_clear_pointer (&s->lib_dir, g_free);
}

/* The lock's holder runs at a higher priority (nice -10 at most) until it lets go.  On a
 * loaded machine a holder preempted by the processes that are not waiting keeps all the
 * waiting creates waiting: with 200 `run -d` at once a critical section of ~2 ms of CPU took
 * a median 210 ms.  Root may raise it; where it may not (a runtime nested in a container),
 * nothing changes. */
static void
boost_holder (SvIdmapStore *s)
{
  errno = 0;
  s->nice = getpriority (PRIO_PROCESS, 0);
  if (errno == 0 && s->nice > -10)
    s->boosted = setpriority (PRIO_PROCESS, 0, -10) == 0;
}

static gboolean
make_dir (const char *path, GError **error)
{
  if (mkdir (path, 0700) == 0 || errno == EEXIST)
    return TRUE;
  sv_set_error_errno (error, errno, "create directory %s", path);
  return FALSE;
}

gboolean
sv_idmap_store_open (SvIdmapStore *s, const char *lib_dir, gboolean create, GError **error)
{
  g_autofree char *lock_path = g_build_filename (lib_dir, SV_IDMAP_LOCK_FILE, NULL);
  g_autofree char *ranges = NULL;
  g_autofree char *holders = NULL;

  *s = (SvIdmapStore){ .lock = -1 };
  if (create && g_mkdir_with_parents (lib_dir, 0700) < 0)
    {
      sv_set_error_errno (error, errno, "create directory %s", lib_dir);
      return FALSE;
    }
  s->lock = sv_lock_file (lock_path, !create, error);
  if (s->lock < 0)
    return FALSE;
  boost_holder (s);
  s->lib_dir = g_strdup (lib_dir);
  s->dir = sv_idmap_store_path (lib_dir);
  ranges = g_build_filename (s->dir, "ranges", NULL);
  holders = g_build_filename (s->dir, "holders", NULL);
  return make_dir (s->dir, error) && make_dir (ranges, error) && make_dir (holders, error);
}

/* The lock file's first 8 bytes: where the next reclaim look starts among the holders. */
guint64
sv_idmap_cursor_read (int lock_fd)
{
  guint64 v = 0;

  return lock_fd >= 0 && pread (lock_fd, &v, sizeof v, 0) == (ssize_t) sizeof v ? v : 0;
}

void
sv_idmap_cursor_write (int lock_fd, guint64 v)
{
  if (pwrite (lock_fd, &v, sizeof v, 0) != (ssize_t) sizeof v)
    g_debug ("cannot save the reclaim cursor: %s", g_strerror (errno));
}

/* ---- range files ---- */

gboolean
sv_idmap_store_write_range (SvIdmapStore *s, const SvIdmapRange *r, GError **error)
{
  g_autofree char *path = sv_idmap_range_path (s->dir, r->start, r->size);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *tmp_name = g_strconcat (".", base, NULL);
  g_autofree char *tmp = g_build_filename (dir, tmp_name, NULL);
  g_autofree char *data = sv_idmap_range_to_data (r);
  sv_autofd fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);

  if (fd < 0 || !sv_write_all (fd, data, strlen (data)))
    {
      sv_set_error_errno (error, errno, "write %s", tmp);
      return FALSE;
    }
  sv_close_fdp (&fd);
  if (rename (tmp, path) < 0)
    {
      sv_set_error_errno (error, errno, "rename %s to %s", tmp, path);
      return FALSE;
    }
  return TRUE;
}

gboolean
sv_idmap_store_remove_range (SvIdmapStore *s, const SvIdmapRange *r, GError **error)
{
  g_autofree char *path = sv_idmap_range_path (s->dir, r->start, r->size);

  if (unlink (path) == 0 || errno == ENOENT)
    return TRUE;
  sv_set_error_errno (error, errno, "remove %s", path);
  return FALSE;
}

/* ---- holder links ---- */

/* holders/<key>.root names @state_root (made when missing). */
static gboolean
link_root (SvIdmapStore *s, const char *state_root, GError **error)
{
  g_autofree char *key = root_key (state_root);
  g_autofree char *name = g_strconcat (key, ".root", NULL);
  g_autofree char *path = g_build_filename (s->dir, "holders", name, NULL);
  g_autofree char *dir = g_build_filename (s->dir, "holders", key, NULL);
  g_autofree char *was = NULL;

  if (symlink (state_root, path) < 0 && errno != EEXIST)
    {
      sv_set_error_errno (error, errno, "create symlink %s", path);
      return FALSE;
    }
  was = g_file_read_link (path, NULL);
  if (g_strcmp0 (was, state_root) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                   "%s names %s, not %s: it was edited; move %s aside once no container runs",
                   path, was != NULL ? was : "nothing", state_root, s->dir);
      return FALSE;
    }
  return make_dir (dir, error);
}

gboolean
sv_idmap_store_link (SvIdmapStore *s, const char *state_root, const char *id,
                     const SvIdmapRange *r, GError **error)
{
  g_autofree char *path = holder_path (s, state_root, id);
  g_autofree char *slot = sv_idmap_slot_name (r->start, r->size);

  if (id[0] == '\0' || strcmp (id, ".") == 0 || strcmp (id, "..") == 0
      || strchr (id, '/') != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "container id \"%s\" cannot name a file in %s: an idmap-exclusive range "
                   "needs an id that is a file name",
                   id, s->dir);
      return FALSE;
    }
  if (!link_root (s, state_root, error))
    return FALSE;
  /* (one left by a process killed before it wrote its range file counts for nothing) */
  if (symlink (slot, path) < 0
      && (errno != EEXIST || unlink (path) < 0 || symlink (slot, path) < 0))
    {
      sv_set_error_errno (error, errno, "create symlink %s", path);
      return FALSE;
    }
  return TRUE;
}

void
sv_idmap_store_unlink (SvIdmapStore *s, const char *state_root, const char *id)
{
  g_autofree char *path = holder_path (s, state_root, id);

  /* (The root's directory and name stay for its next container: removed and made again with
   * every container of a root that holds one at a time, they cost ~1 ms a `run` on ext4.) */
  if (unlink (path) < 0 && errno != ENOENT)
    g_warning ("cannot remove %s: %s", path, g_strerror (errno));
}

SvIdmapRange *
sv_idmap_store_find (SvIdmapStore *s, const char *state_root, const char *id, GError **error)
{
  g_autofree char *link = holder_path (s, state_root, id);
  g_autofree char *slot = g_file_read_link (link, NULL);
  g_autofree char *path = NULL;
  g_autoptr (SvIdmapRange) r = NULL;
  g_autoptr (GError) local = NULL;
  guint32 start = 0, size = 0;

  if (slot == NULL)
    return NULL;
  if (sv_idmap_slot_parse (slot, FALSE, &start, &size))
    {
      path = sv_idmap_range_path (s->dir, start, size);
      r = sv_idmap_range_load (path, &local);
      if (local != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
    }
  if (r != NULL && r->start == start && r->size == size
      && sv_idmap_range_held_by (r, state_root, id))
    return g_steal_pointer (&r);
  /* A link that counts for nothing; and a range file torn before this boot is free. */
  if (path != NULL && r == NULL && g_file_test (path, G_FILE_TEST_EXISTS))
    (void) unlink (path);
  sv_idmap_store_unlink (s, state_root, id);
  return NULL;
}

/* ---- listing (also without the lock: names and links are made and removed atomically) ---- */

/* The slots the range files of @dir take, as a table of start and size only (the pure logic
 * of idmap-table.c allocates from it), its path @dir. */
SvIdmapTable *
sv_idmap_store_slots (const char *dir, GError **error)
{
  g_autofree char *ranges = g_build_filename (dir, "ranges", NULL);
  g_autoptr (SvIdmapTable) t = sv_idmap_table_new (dir);
  g_autoptr (GError) local = NULL;
  g_autoptr (GDir) d = g_dir_open (ranges, 0, &local);
  const char *name;

  if (d == NULL && !g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", local->message);
      return NULL;
    }
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      SvIdmapRange *r = g_new0 (SvIdmapRange, 1);
      if (!sv_idmap_slot_parse (name, TRUE, &r->start, &r->size))
        {
          sv_idmap_range_free (r);
          continue;
        }
      g_ptr_array_add (t->ranges, r);
    }
  return g_steal_pointer (&t);
}

SvIdmapHolder *
sv_idmap_holder_new (const char *state_root, const char *id)
{
  SvIdmapHolder *h = g_new0 (SvIdmapHolder, 1);

  h->state_root = g_strdup (state_root);
  h->id = g_strdup (id);
  return h;
}

void
sv_idmap_holder_free (SvIdmapHolder *h)
{
  g_free (h->state_root);
  g_free (h->id);
  g_free (h);
}

/* The holders of one root (holders/<key>/), added to @out. */
static void
list_root (const char *holders, const char *name, GPtrArray *out)
{
  g_autofree char *key = g_strndup (name, strlen (name) - strlen (".root"));
  g_autofree char *link = g_build_filename (holders, name, NULL);
  g_autofree char *dir = g_build_filename (holders, key, NULL);
  g_autofree char *root = g_file_read_link (link, NULL);
  g_autoptr (GDir) d = root != NULL ? g_dir_open (dir, 0, NULL) : NULL;
  const char *id;

  while (d != NULL && (id = g_dir_read_name (d)) != NULL)
    {
      g_ptr_array_add (out, sv_idmap_holder_new (root, id));
    }
}

GPtrArray *
sv_idmap_store_holders (const char *dir)
{
  g_autofree char *holders = g_build_filename (dir, "holders", NULL);
  g_autoptr (GDir) d = g_dir_open (holders, 0, NULL);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) sv_idmap_holder_free);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, ".root"))
      list_root (holders, name, out);
  return out;
}

/* ---- an older release's table ---- */

/* Its ranges as range files (links first), then the version 2 table takes its place: a
 * process killed on the way leaves the table, which the next one converts again.  Where there
 * is no table, the version 2 one is put (once): it makes an older release refuse this lib
 * dir instead of taking it for one where no range is held. */
gboolean
sv_idmap_store_convert (SvIdmapStore *s, gboolean *converted, GError **error)
{
  g_autofree char *path = sv_idmap_table_path (s->lib_dir);
  g_autofree char *spare = g_strconcat (path, ".spare", NULL);
  g_autoptr (SvIdmapTable) t = NULL;

  if (converted != NULL)
    *converted = FALSE;
  if (access (path, F_OK) < 0)
    return errno != ENOENT || sv_idmap_table_write_moved (path, error);
  t = sv_idmap_table_load (path, error);
  if (t == NULL)
    return FALSE;
  if (t->moved)
    return TRUE;
  for (guint i = 0; i < t->ranges->len; i++)
    {
      SvIdmapRange *r = g_ptr_array_index (t->ranges, i);
      if (!r->owner_released && !sv_idmap_store_link (s, r->state_root, r->id, r, error))
        return FALSE;
      for (guint m = 0; r->members != NULL && m < r->members->len; m++)
        if (!sv_idmap_store_link (s, r->state_root, g_ptr_array_index (r->members, m), r, error))
          return FALSE;
      if (!sv_idmap_store_write_range (s, r, error))
        return FALSE;
    }
  if (!sv_idmap_table_write_moved (path, error))
    return FALSE;
  (void) unlink (spare);
  if (converted != NULL)
    *converted = TRUE;
  g_info ("%s (%u ranges) is now one file per range under %s", path, t->ranges->len, s->dir);
  return TRUE;
}
