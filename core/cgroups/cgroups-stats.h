/* cgroups-stats.h: helpers for runc's "events --stats" objects (cgroups-stats.c), shared by
 * the v1 and v2 drivers. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

/* "key value" lines (memory.stat, cpu.stat) as {"key": value}; NULL when unreadable. */
JsonObject *sv_cgroup_read_keyed (const char *dir, const char *file);
/* JSON has no unsigned 64-bit integers here: values above G_MAXINT64 ("max") are clamped. */
void sv_cgroup_json_set_u64 (JsonObject *o, const char *member, guint64 value);
/* The number in @dir/@file (sv_cgroup_read_u64) as @member of @o; nothing when unreadable. */
void sv_cgroup_json_set_u64_from_file (JsonObject *o, const char *member, const char *dir,
                                       const char *file);
/* Copy @key of @from (sv_cgroup_read_keyed) to @member of @to, times @scale, when present. */
void sv_cgroup_json_copy_key (JsonObject *to, const char *member, JsonObject *from,
                              const char *key, guint64 scale);
