/* idmapped-mounts-mountinfo.c: mounts from mountinfo (libmount) and an overlay's layers.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "idmapped-mounts-mountinfo.h"

#include "idmapped-mounts-rules.h"
#include "sv-error.h"
#include "sv-file.h"
#include "sv-mountinfo.h"

#include <errno.h>
#include <libmount.h>
#include <stdio.h>
#include <string.h>

#define PROC_MOUNTINFO "/proc/self/mountinfo"

void
sv_idmapped_mount_free (SvIdmappedMount *m)
{
  if (m == NULL)
    return;
  g_free (m->target);
  g_free (m->fstype);
  g_free (m->options);
  g_free (m);
}

void
sv_idmapped_overlay_free (SvIdmappedOverlay *o)
{
  if (o == NULL)
    return;
  g_ptr_array_unref (o->lower);
  g_ptr_array_unref (o->data);
  g_ptr_array_unref (o->extra);
  g_free (o->upper);
  g_free (o->work);
  g_free (o);
}

/* ---- escapes ---- */

char *
sv_idmapped_ovl_unescape (const char *s)
{
  GString *out = g_string_sized_new (strlen (s));

  for (; *s != '\0'; s++)
    {
      if (*s == '\\')
        {
          s++;
          if (*s == '\0')
            break;
        }
      g_string_append_c (out, *s);
    }
  return g_string_free (out, FALSE);
}

/* ---- finding mounts ---- */

typedef struct
{
  char *text;
  struct libmnt_table *table;
} MountTable;

static void
mount_table_clear (MountTable *t)
{
  if (t->table != NULL)
    mnt_unref_table (t->table);
  g_free (t->text);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MountTable, mount_table_clear)

/* @path as mountinfo writes a mount's target: blank, tab, newline and backslash in octal. */
static char *
mangle (const char *path)
{
  GString *out = g_string_sized_new (strlen (path));

  for (const char *c = path; *c != '\0'; c++)
    if (strchr (" \t\n\\", *c) != NULL)
      g_string_append_printf (out, "\\%03o", (unsigned char) *c);
    else
      g_string_append_c (out, *c);
  return g_string_free (out, FALSE);
}

/* Whether mountinfo line [@line, @end) may matter to a lookup of the mounts at or holding the
 * path whose mangled form is @mangled: its target (the fifth field, mangled alike) is that path
 * or an ancestor of it.  A line without five fields is kept: libmount judges it. */
static gboolean
on_the_way (const char *line, const char *end, const char *mangled)
{
  const char *f = line;
  const char *fe;
  gsize n;

  for (int i = 0; i < 4; i++)
    {
      if ((f = memchr (f, ' ', (gsize) (end - f))) == NULL)
        return TRUE;
      f++;
    }
  if ((fe = memchr (f, ' ', (gsize) (end - f))) == NULL)
    return TRUE;
  n = (gsize) (fe - f);
  if (n == 1 && f[0] == '/')
    return TRUE;
  return strncmp (mangled, f, n) == 0 && (mangled[n] == '\0' || mangled[n] == '/');
}

/* The lines of @text that may matter to a lookup of @path (see on_the_way). */
static char *
lines_on_the_way (const char *text, const char *path)
{
  g_autofree char *mangled = mangle (path);
  GString *out = g_string_new (NULL);
  const char *next;

  for (const char *line = text; *line != '\0'; line = next)
    {
      const char *end = strchrnul (line, '\n');
      next = *end == '\n' ? end + 1 : end;
      if (on_the_way (line, end, mangled))
        g_string_append_len (out, line, next - line);
    }
  return g_string_free (out, FALSE);
}

/* One read of the file, seen both by libmount and by raw_options_of (): the two agree.  With
 * @on_path, only the lines of the mounts at @on_path and its ancestors: a busy host has hundreds
 * of others (a Docker host: every container's overlay, shm and netns mounts), which libmount
 * would parse on every create (~4 us a line here). */
static gboolean
mount_table_load (MountTable *t, const char *mountinfo, const char *on_path, GError **error)
{
  const char *path = mountinfo != NULL ? mountinfo : PROC_MOUNTINFO;
  gsize len = 0;
  FILE *f;
  int rc;

  if ((t->text = sv_file_read_text (path, &len)) == NULL)
    {
      sv_set_file_error_errno (error, errno, "read %s", path);
      return FALSE;
    }
  if (on_path != NULL)
    {
      char *all = t->text;
      t->text = lines_on_the_way (all, on_path);
      len = strlen (t->text);
      g_free (all);
    }
  t->table = mnt_new_table ();
  f = len > 0 ? fmemopen (t->text, len, "r") : NULL;
  rc = f != NULL ? mnt_table_parse_stream (t->table, f, path) : (len == 0 ? 0 : -errno);
  if (f != NULL)
    fclose (f);
  if (rc < 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "cannot parse %s: %s", path,
                   sv_strerror (-rc));
      return FALSE;
    }
  return TRUE;
}

/* Field 3 after the " - " separator (the super-block options) of the line of mount @id. */
static char *
raw_options_of (const char *text, int id)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) fields = NULL;
      const char *sep = strstr (lines[i], " - ");
      char *end = NULL;
      if (sep == NULL || g_ascii_strtoll (lines[i], &end, 10) != id || end == lines[i])
        continue;
      fields = g_strsplit (sep + 3, " ", 4);
      if (g_strv_length (fields) < 3)
        return NULL;
      return g_strdup (fields[2]);
    }
  return NULL;
}

static SvIdmappedMount *
mount_from_fs (MountTable *t, struct libmnt_fs *fs)
{
  SvIdmappedMount *m = g_new0 (SvIdmappedMount, 1);

  m->id = mnt_fs_get_id (fs);
  m->target = g_strdup (mnt_fs_get_target (fs));
  m->fstype = g_strdup (mnt_fs_get_fstype (fs));
  m->options = raw_options_of (t->text, m->id);
  if (m->options == NULL)
    m->options = g_strdup ("");
  return m;
}

/* The topmost mount at @path or, walking up, at its nearest ancestor (not
 * mnt_table_find_mountpoint: that one wants @path to exist). */
static struct libmnt_fs *
holder_of (MountTable *t, const char *path)
{
  g_autofree char *p = g_strdup (path);
  struct libmnt_fs *fs;

  while ((fs = mnt_table_find_target (t->table, p, MNT_ITER_BACKWARD)) == NULL)
    {
      char *parent = g_path_get_dirname (p);
      gboolean top = strcmp (parent, p) == 0;
      g_free (p);
      p = parent;
      if (top)
        return NULL;
    }
  return fs;
}

gboolean
sv_idmapped_find_mounts (const char *mountinfo, const char *path, SvIdmappedMount **at,
                         SvIdmappedMount **holder, GError **error)
{
  g_auto (MountTable) t = { 0 };
  struct libmnt_fs *fs;

  *at = *holder = NULL;
  if (!mount_table_load (&t, mountinfo, path, error))
    return FALSE;
  fs = holder_of (&t, path);
  if (fs == NULL)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "no mount holds %s in %s", path,
                   mountinfo != NULL ? mountinfo : PROC_MOUNTINFO);
      return FALSE;
    }
  *holder = mount_from_fs (&t, fs);
  if (g_strcmp0 ((*holder)->target, path) == 0)
    *at = mount_from_fs (&t, fs);
  return TRUE;
}

GPtrArray *
sv_idmapped_mounts_below (const char *mountinfo, const char *path, GError **error)
{
  g_auto (MountTable) t = { 0 };
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  struct libmnt_iter *it;
  struct libmnt_fs *fs;

  if (!mount_table_load (&t, mountinfo, NULL, error))
    return NULL;
  it = mnt_new_iter (MNT_ITER_FORWARD);
  while (mnt_table_next_fs (t.table, it, &fs) == 0)
    {
      const char *target = mnt_fs_get_target (fs);
      if (target != NULL && strcmp (target, path) != 0
          && sv_idmapped_path_is_under (target, path))
        g_ptr_array_add (out, g_strdup (target));
    }
  mnt_free_iter (it);
  return g_steal_pointer (&out);
}

/* ---- overlay options ---- */

gboolean
sv_idmapped_split_lowerdir (const char *value, GPtrArray *lower, GPtrArray *data, GError **error)
{
  g_autoptr (GString) cur = g_string_new (NULL);
  gboolean in_data = FALSE;
  const char *s = value;

  for (;; s++)
    {
      if (*s == '\\' && s[1] != '\0')
        {
          g_string_append_c (cur, *s++);
          g_string_append_c (cur, *s);
          continue;
        }
      if (*s != ':' && *s != '\0')
        {
          g_string_append_c (cur, *s);
          continue;
        }
      if (cur->len == 0)
        {
          /* "::" separates the data-only layers, once, after a lower layer */
          if (*s == ':' && !in_data && lower->len > 0 && s > value && s[-1] == ':')
            {
              in_data = TRUE;
              continue;
            }
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                       "overlay lowerdir \"%s\": empty layer", value);
          return FALSE;
        }
      g_ptr_array_add (in_data ? data : lower, sv_idmapped_ovl_unescape (cur->str));
      g_string_truncate (cur, 0);
      if (*s == '\0')
        return TRUE;
    }
}

static gboolean
set_once (char **slot, char *value, const char *key, GError **error)
{
  if (*slot != NULL)
    {
      g_free (value);
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "overlay option %s given twice", key);
      return FALSE;
    }
  *slot = value;
  return TRUE;
}

static gboolean
parse_option (SvIdmappedOverlay *o, const char *raw, GError **error)
{
  const char *eq = strchr (raw, '=');
  g_autofree char *raw_key = eq != NULL ? g_strndup (raw, (gsize) (eq - raw)) : g_strdup (raw);
  g_autofree char *key = sv_mountinfo_unescape (raw_key);
  g_autofree char *value = eq != NULL ? sv_mountinfo_unescape (eq + 1) : NULL;

  if (value == NULL)
    {
      if (strcmp (key, "rw") != 0 && strcmp (key, "ro") != 0)
        g_ptr_array_add (o->extra, g_steal_pointer (&key));
      return TRUE;
    }
  if (strcmp (key, "lowerdir") == 0)
    return sv_idmapped_split_lowerdir (value, o->lower, o->data, error);
  if (strcmp (key, "lowerdir+") == 0)
    g_ptr_array_add (o->lower, g_steal_pointer (&value));
  else if (strcmp (key, "datadir+") == 0)
    g_ptr_array_add (o->data, g_steal_pointer (&value));
  else if (strcmp (key, "upperdir") == 0)
    return set_once (&o->upper, sv_idmapped_ovl_unescape (value), key, error);
  else if (strcmp (key, "workdir") == 0)
    return set_once (&o->work, sv_idmapped_ovl_unescape (value), key, error);
  else
    g_ptr_array_add (o->extra, g_strdup_printf ("%s=%s", key, value));
  return TRUE;
}

SvIdmappedOverlay *
sv_idmapped_overlay_parse (const char *raw_options, GError **error)
{
  g_autoptr (SvIdmappedOverlay) o = g_new0 (SvIdmappedOverlay, 1);
  g_auto (GStrv) opts = g_strsplit (raw_options, ",", -1);

  o->lower = g_ptr_array_new_with_free_func (g_free);
  o->data = g_ptr_array_new_with_free_func (g_free);
  o->extra = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; opts[i] != NULL; i++)
    if (opts[i][0] != '\0' && !parse_option (o, opts[i], error))
      return NULL;
  if (o->lower->len == 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "overlay options \"%s\": no lower layer", raw_options);
      return NULL;
    }
  if ((o->upper == NULL) != (o->work == NULL))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "overlay options \"%s\": upperdir and workdir go together", raw_options);
      return NULL;
    }
  if (o->data->len > 0 && o->lower->len == 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "overlay options \"%s\": data-only layers without a lower layer", raw_options);
      return NULL;
    }
  return g_steal_pointer (&o);
}

/* Docker's overlay2 home (".../overlay2") from ".../overlay2/<id>/<leaf>". */
static char *
docker_home_from (const char *path, const char *leaf)
{
  g_autofree char *base = NULL;
  g_autofree char *id_dir = NULL;

  if (path == NULL || !g_path_is_absolute (path))
    return NULL;
  base = g_path_get_basename (path);
  if (strcmp (base, leaf) != 0)
    return NULL;
  id_dir = g_path_get_dirname (path);
  return strcmp (id_dir, "/") != 0 ? g_path_get_dirname (id_dir) : NULL;
}

static gboolean
resolve_one (char **path, const char *home, const char *target, GError **error)
{
  char *abs;

  if (g_path_is_absolute (*path))
    return TRUE;
  if (home == NULL)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "overlay at %s: layer \"%s\" is a relative path and the directory it is "
                   "relative to cannot be told (neither upperdir nor the mount point follow "
                   "Docker's overlay2 layout <dir>/<id>/diff, <dir>/<id>/merged); mount the "
                   "overlay with absolute layer paths",
                   target, *path);
      return FALSE;
    }
  abs = g_canonicalize_filename (*path, home);
  g_free (*path);
  *path = abs;
  return TRUE;
}

gboolean
sv_idmapped_overlay_resolve (SvIdmappedOverlay *o, const char *target, GError **error)
{
  g_autofree char *home = docker_home_from (o->upper, "diff");

  if (home == NULL)
    home = docker_home_from (target, "merged");
  for (guint i = 0; i < o->lower->len; i++)
    if (!resolve_one ((char **) &o->lower->pdata[i], home, target, error))
      return FALSE;
  for (guint i = 0; i < o->data->len; i++)
    if (!resolve_one ((char **) &o->data->pdata[i], home, target, error))
      return FALSE;
  return (o->upper == NULL || resolve_one (&o->upper, home, target, error))
         && (o->work == NULL || resolve_one (&o->work, home, target, error));
}

GPtrArray *
sv_idmapped_overlay_carried_options (SvIdmappedOverlay *o)
{
  static const char *const carried[] = { "redirect_dir", "metacopy", "xino",   "uuid",
                                         "userxattr",    "volatile", "verity", NULL };
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < o->extra->len; i++)
    {
      const char *opt = o->extra->pdata[i];
      g_autofree char *key = g_strndup (opt, strcspn (opt, "="));
      if (g_strv_contains (carried, key))
        g_ptr_array_add (out, g_strdup (opt));
      else
        g_debug ("overlay option %s not carried over", opt);
    }
  if (o->upper != NULL)
    g_ptr_array_add (out, g_strdup ("index=off"));
  return out;
}
