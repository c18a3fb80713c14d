/* sv-subid.c: /etc/subuid and /etc/subgid, the checked pool of ids of one user (sv-subid.h). */
#include "sv-subid.h"

#include "sv-file.h"

#include <gio/gio.h>
#include <string.h>

#define SUGGEST_MIN 100000u
#define SUGGEST_ALIGN 65536u

static void
entry_free (SvSubidEntry *e)
{
  g_free (e->name);
  g_free (e);
}

void
sv_subid_file_free (SvSubidFile *f)
{
  if (f == NULL)
    return;
  g_free (f->path);
  g_clear_pointer (&f->entries, g_ptr_array_unref);
  g_free (f);
}

gboolean
sv_subid_entry_is (const SvSubidEntry *e, const char *user, const char *user_uid)
{
  return g_strcmp0 (e->name, user) == 0
         || (user_uid != NULL && g_strcmp0 (e->name, user_uid) == 0);
}

static gboolean
parse_u32 (const char *text, guint64 min, guint64 max, guint64 *out)
{
  return text[0] != '\0' && g_ascii_isdigit (text[0])
         && g_ascii_string_to_unsigned (text, 10, min, max, out, NULL);
}

/* "name:start:count" -> entry; NULL when malformed. */
static SvSubidEntry *
parse_line (const char *line, guint lineno)
{
  g_auto (GStrv) f = g_strsplit (line, ":", -1);
  guint64 start, count;
  SvSubidEntry *e;

  if (g_strv_length (f) != 3 || f[0][0] == '\0' || !parse_u32 (f[1], 0, G_MAXUINT32, &start)
      || !parse_u32 (f[2], 1, G_MAXUINT32, &count) || start + count > (guint64) G_MAXUINT32 + 1)
    return NULL;
  e = g_new0 (SvSubidEntry, 1);
  e->name = g_strdup (f[0]);
  e->start = (guint32) start;
  e->count = (guint32) count;
  e->line = lineno;
  return e;
}

static gboolean
line_names (const char *line, const char *user, const char *user_uid)
{
  const char *colon = strchr (line, ':');
  gsize len = colon != NULL ? (gsize) (colon - line) : strlen (line);

  return (strlen (user) == len && strncmp (line, user, len) == 0)
         || (user_uid != NULL && strlen (user_uid) == len && strncmp (line, user_uid, len) == 0);
}

SvSubidFile *
sv_subid_file_read (const char *path, const char *user, const char *user_uid, GError **error)
{
  g_autofree char *text = NULL;

  if (!sv_file_read_optional (path, 0, &text, NULL, NULL, error))
    return NULL;
  return sv_subid_file_parse (path, text, user, user_uid, error);
}

SvSubidFile *
sv_subid_file_parse (const char *path, const char *text, const char *user, const char *user_uid,
                     GError **error)
{
  g_autoptr (SvSubidFile) f = g_new0 (SvSubidFile, 1);
  g_auto (GStrv) lines = NULL;

  f->path = g_strdup (path);
  f->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  if (text == NULL)
    {
      f->missing = TRUE;
      return g_steal_pointer (&f);
    }
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *l = g_strstrip (lines[i]);
      SvSubidEntry *e;
      if (l[0] == '\0' || l[0] == '#')
        continue;
      e = parse_line (l, i + 1);
      if (e != NULL)
        {
          g_ptr_array_add (f->entries, e);
          continue;
        }
      if (user != NULL && line_names (l, user, user_uid))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "%s:%u: malformed entry \"%s\" for user %s: write '%s:<start>:<count>' "
                       "with decimal numbers, count at least 1, start + count at most 2^32",
                       path, i + 1, l, user, user);
          return NULL;
        }
      g_debug ("%s:%u: skipping malformed line \"%s\"", path, i + 1, l);
    }
  return g_steal_pointer (&f);
}

static gint
compare_start (gconstpointer a, gconstpointer b)
{
  const SvSubidEntry *x = *(const SvSubidEntry *const *) a;
  const SvSubidEntry *y = *(const SvSubidEntry *const *) b;

  return x->start < y->start ? -1 : x->start > y->start;
}

GPtrArray *
sv_subid_entries_of (SvSubidFile *f, const char *user, const char *user_uid)
{
  GPtrArray *out = g_ptr_array_new ();

  for (guint i = 0; i < f->entries->len; i++)
    if (sv_subid_entry_is (g_ptr_array_index (f->entries, i), user, user_uid))
      g_ptr_array_add (out, g_ptr_array_index (f->entries, i));
  g_ptr_array_sort (out, compare_start);
  return out;
}

static guint64
max_end (SvSubidFile *f, guint64 end)
{
  for (guint i = 0; f != NULL && i < f->entries->len; i++)
    {
      SvSubidEntry *e = g_ptr_array_index (f->entries, i);
      end = MAX (end, (guint64) e->start + e->count);
    }
  return end;
}

guint32
sv_subid_suggest_start (SvSubidFile *uid_file, SvSubidFile *gid_file)
{
  guint64 end = max_end (gid_file, max_end (uid_file, SUGGEST_MIN));

  end = (end + SUGGEST_ALIGN - 1) / SUGGEST_ALIGN * SUGGEST_ALIGN;
  return (guint32) MIN (end, (guint64) G_MAXUINT32 + 1 - SV_SUBID_INSTALLER_COUNT);
}

static void
set_no_range (SvSubidFile *f, SvSubidFile *other, SvSubidFile *uid_file, SvSubidFile *gid_file,
              const char *user, const char *user_uid, GError **error)
{
  g_autoptr (GPtrArray) theirs = sv_subid_entries_of (other, user, user_uid);
  g_autofree char *fix = NULL;

  if (theirs->len > 0)
    {
      /* The other file has the user's entry: the fix is to copy it. */
      SvSubidEntry *e = g_ptr_array_index (theirs, 0);
      fix = g_strdup_printf ("add the line '%s:%u:%u' (as in %s:%u) to %s", e->name, e->start,
                             e->count, other->path, e->line, f->path);
    }
  else
    fix = g_strdup_printf ("add a line '%s:<start>:<count>' to %s and the same to %s (the "
                           "installer adds %s:%u:%u) or run the installer",
                           user, uid_file->path, gid_file->path, user,
                           sv_subid_suggest_start (uid_file, gid_file), SV_SUBID_INSTALLER_COUNT);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no range for user %s in %s%s: %s", user,
               f->path, f->missing ? " (the file does not exist)" : "", fix);
}

/* The subuid and subgid entries of the user must list the same ranges. */
static gboolean
check_equal (SvSubidFile *uid_file, GPtrArray *uids, SvSubidFile *gid_file, GPtrArray *gids,
             const char *user, GError **error)
{
  for (guint i = 0; i < MAX (uids->len, gids->len); i++)
    {
      SvSubidEntry *u = i < uids->len ? g_ptr_array_index (uids, i) : NULL;
      SvSubidEntry *g = i < gids->len ? g_ptr_array_index (gids, i) : NULL;
      g_autofree char *us = NULL, *gs = NULL;
      if (u != NULL && g != NULL && u->start == g->start && u->count == g->count)
        continue;
      us = u != NULL ? g_strdup_printf ("%s:%u has %s:%u:%u", uid_file->path, u->line, u->name,
                                        u->start, u->count)
                     : g_strdup_printf ("%s has no matching entry", uid_file->path);
      gs = g != NULL ? g_strdup_printf ("%s:%u has %s:%u:%u", gid_file->path, g->line, g->name,
                                        g->start, g->count)
                     : g_strdup_printf ("%s has no matching entry", gid_file->path);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "the subordinate uid and gid ranges of user %s differ: %s but %s; a "
                   "container's uid and gid ranges are allocated together, so make the entries "
                   "of %s equal in both files",
                   user, us, gs, user);
      return FALSE;
    }
  return TRUE;
}

static gboolean
overlaps (const SvSubidEntry *a, const SvSubidEntry *b)
{
  return (guint64) a->start < (guint64) b->start + b->count
         && (guint64) b->start < (guint64) a->start + a->count;
}

/* No entry of the user may include host id 0, nor share ids with any other entry. */
static gboolean
check_exclusive (SvSubidFile *f, GPtrArray *mine, const char *user, const char *user_uid,
                 guint32 suggest, GError **error)
{
  for (guint i = 0; i < mine->len; i++)
    {
      SvSubidEntry *e = g_ptr_array_index (mine, i);
      if (e->start == 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "%s:%u: %s:%u:%u includes host id 0 (root): a container's root would be "
                       "host root; start the range above the host's own ids (e.g. %s:%u:%u)",
                       f->path, e->line, e->name, e->start, e->count, user, suggest, e->count);
          return FALSE;
        }
      for (guint j = 0; j < f->entries->len; j++)
        {
          SvSubidEntry *o = g_ptr_array_index (f->entries, j);
          gboolean same_user = sv_subid_entry_is (o, user, user_uid);
          if (o == e || !overlaps (e, o) || (same_user && o->line < e->line))
            continue;
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "%s:%u: %s:%u:%u overlaps %s:%u: %s:%u:%u (%s): the ids of %s must be "
                       "exclusive; move %s's range (e.g. %s:%u:%u) or remove the other entry",
                       f->path, e->line, e->name, e->start, e->count, f->path, o->line, o->name,
                       o->start, o->count,
                       same_user ? "another entry of the same user" : "another user's range",
                       user, user, user, suggest, e->count);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
check_fits (SvSubidFile *f, GPtrArray *mine, const char *user, guint32 range_size, GError **error)
{
  SvSubidEntry *first = g_ptr_array_index (mine, 0);

  for (guint i = 0; i < mine->len; i++)
    if (((SvSubidEntry *) g_ptr_array_index (mine, i))->count >= range_size)
      return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
               "%s:%u: %s:%u:%u holds fewer ids than one container's range (range-size %u): "
               "grow the count to a multiple of %u in %s and the subgid file (the installer "
               "uses %u), or lower range-size in plugins.conf [idmap-exclusive]",
               f->path, first->line, first->name, first->start, first->count, range_size,
               range_size, f->path, SV_SUBID_INSTALLER_COUNT);
  return FALSE;
}

GArray *
sv_subid_user_pools (SvSubidFile *uid_file, SvSubidFile *gid_file, const char *user,
                     const char *user_uid, guint32 range_size, GError **error)
{
  g_autoptr (GPtrArray) uids = sv_subid_entries_of (uid_file, user, user_uid);
  g_autoptr (GPtrArray) gids = sv_subid_entries_of (gid_file, user, user_uid);
  guint32 suggest = sv_subid_suggest_start (uid_file, gid_file);
  GArray *pools;

  if (uids->len == 0 || gids->len == 0)
    {
      if (uids->len == 0)
        set_no_range (uid_file, gid_file, uid_file, gid_file, user, user_uid, error);
      else
        set_no_range (gid_file, uid_file, uid_file, gid_file, user, user_uid, error);
      return NULL;
    }
  if (!check_equal (uid_file, uids, gid_file, gids, user, error)
      || !check_exclusive (uid_file, uids, user, user_uid, suggest, error)
      || !check_exclusive (gid_file, gids, user, user_uid, suggest, error)
      || !check_fits (uid_file, uids, user, range_size, error))
    return NULL;
  pools = g_array_sized_new (FALSE, FALSE, sizeof (SvIdPool), uids->len);
  for (guint i = 0; i < uids->len; i++)
    {
      SvSubidEntry *e = g_ptr_array_index (uids, i);
      SvIdPool p = { e->start, e->count };
      g_array_append_val (pools, p);
    }
  return pools;
}
