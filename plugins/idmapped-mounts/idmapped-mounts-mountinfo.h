/* idmapped-mounts-mountinfo.h: finding the mount under a path and reading an overlay's layers from
 * /proc/self/mountinfo.
 *
 * The layers come from the raw (still octal-escaped) super-block options: once unescaped a
 * comma inside a path cannot be told from a separator, so libmount locates the mount and the
 * option field of that mount's line is split here.  Overlay shows "lowerdir=", "upperdir=" and
 * "workdir=" as they were given, with its own backslash escapes (\, \: \\); "lowerdir+=" and
 * "datadir+=" (new mount API) verbatim.  Paths may be relative: Docker's overlay2 driver
 * mounts from its home directory with "l/ABC:l/DEF" and "<id>/diff" when the option string
 * would not fit in a page.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <glib.h>

typedef struct
{
  int id;       /* mount id (field 1) */
  char *target; /* mount point, unescaped */
  char *fstype;
  char *options; /* super-block options, raw (octal escapes kept) */
} SvIdmappedMount;

void sv_idmapped_mount_free (SvIdmappedMount *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SvIdmappedMount, sv_idmapped_mount_free)

/* From one read of the mountinfo file @mountinfo (NULL: /proc/self/mountinfo): *@at, the
 * topmost mount whose mount point is exactly @path (canonical; NULL when @path is no mount
 * point), and *@holder, the topmost mount holding @path (its mount point is @path or the
 * nearest ancestor). */
gboolean sv_idmapped_find_mounts (const char *mountinfo, const char *path, SvIdmappedMount **at,
                                  SvIdmappedMount **holder, GError **error);
/* Canonical mount points of every mount strictly below @path, in mountinfo order. */
GPtrArray *sv_idmapped_mounts_below (const char *mountinfo, const char *path, GError **error);

/* Overlay's backslash escapes undone: "\x" -> "x". */
char *sv_idmapped_ovl_unescape (const char *s);

typedef struct
{
  GPtrArray *lower; /* char *, topmost first */
  GPtrArray *data;  /* data-only lower layers (after "::", or datadir+) */
  char *upper;      /* NULL: a read-only overlay */
  char *work;
  GPtrArray *extra; /* further options, unescaped, "key" or "key=value" */
} SvIdmappedOverlay;

void sv_idmapped_overlay_free (SvIdmappedOverlay *o);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SvIdmappedOverlay, sv_idmapped_overlay_free)

/* Split a "lowerdir=" value at unescaped ':' ("::" starts the data-only layers) and unescape
 * each path.  FALSE on an empty layer or a data layer without a lower one. */
gboolean sv_idmapped_split_lowerdir (const char *value, GPtrArray *lower, GPtrArray *data,
                                     GError **error);

/* Parse the raw super-block options of an overlay mount. */
SvIdmappedOverlay *sv_idmapped_overlay_parse (const char *raw_options, GError **error);

/* Make relative layer paths absolute.  Docker's overlay2 layout anchors them: the absolute
 * upperdir ".../overlay2/<id>/diff", or else the mount point ".../overlay2/<id>/merged",
 * gives the directory ".../overlay2" they are relative to. */
gboolean sv_idmapped_overlay_resolve (SvIdmappedOverlay *o, const char *target, GError **error);

/* The options the shifted overlay is mounted with: the original's that matter for reading its
 * layers the same way (redirect_dir, metacopy, xino, uuid, userxattr, volatile, verity), plus
 * index=off (the upper directory stays in use by the original mount, which an index forbids).
 * Each element "key" or "key=value". */
GPtrArray *sv_idmapped_overlay_carried_options (SvIdmappedOverlay *o);
