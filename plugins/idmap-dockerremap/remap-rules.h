/* remap-rules.h: the checks idmap-dockerremap makes on a spec written by Docker with
 * userns-remap: its id mappings, and the owner of every bind mount's source.  Pure logic on
 * values (the plugin glue in idmap-dockerremap.c feeds it from the SvContainer accessors). */
#pragma once

#include "sv-subid.h"

#include <glib.h>
#include <sysvisor/plugin.h>

/* linux.uidMappings (@field "linux.uidMappings") must map container ids 0..N-1 without gaps or
 * overlaps, and no host id 0 (container root would be host root, or some container user would
 * own host root's files).  @maps in spec order. */
gboolean sv_remap_check_mappings (const char *field, const SvIdMapping *maps, guint n,
                                  GError **error);

/* NULL when @maps (in spec order) are the ranges of @entries (a user's subordinate entries,
 * sorted by start) laid out from container id 0, as dockerd builds them; else a description
 * of both for a warning. */
char *sv_remap_mappings_mismatch (const SvIdMapping *maps, guint n, GPtrArray *entries);

/* Is @path inside (or equal to) directory @dir?  Both are resolved (symlinks, "..") when they
 * exist, so a symlink inside @dir that points out of it is not inside. */
gboolean sv_remap_path_under (const char *path, const char *dir);

/* The bind-mount rule with remap enabled: the source of bind mount @index (mounted on
 * @destination) must be owned by @uid:@gid (container root's host ids), unless it is under
 * Docker's @data_root.  A missing source is left to the core's own check. */
gboolean sv_remap_check_bind_source (guint index, const char *source, const char *destination,
                                     const char *data_root, gint64 uid, gint64 gid,
                                     GError **error);
