/* cgroups-files.h: the file layer under every cgroup module (cgroups-files.c): one write(2) per
 * value, reads, mkdir below a hierarchy, delegation chown, pids, removal.  Not for other modules. */
#pragma once

#include <errno.h>
#include <glib.h>
#include <sys/types.h>
#include <unistd.h>

#include "sv-fd.h"

/* One write(2) of @value to @dir/@file (cgroup files want the whole value at once). */
gboolean sv_cgroup_write (const char *dir, const char *file, const char *value, GError **error);
/* The same through *@fd, opened on the first write and kept for the next ones (the caller
 * closes it): a v1 devices.allow takes one rule per write(2), and a container's dozen rules
 * need not open the file a dozen times. */
gboolean sv_cgroup_write_kept (const char *dir, const char *file, int *fd, const char *value,
                               GError **error);
/* Contents without the trailing newline. */
char *sv_cgroup_read (const char *dir, const char *file, GError **error);
/* The same into @buf (NUL-terminated, at most @size - 1 bytes), touching no heap: for the
 * freezer checks a runtime makes while an init that shares its memory may run. */
gboolean sv_cgroup_read_small (const char *dir, const char *file, char *buf, gsize size);
/* A single number; "max" reads as G_MAXUINT64. */
gboolean sv_cgroup_read_u64 (const char *dir, const char *file, guint64 *out, GError **error);
gboolean sv_cgroup_has_file (const char *dir, const char *file);
/* mkdir -p below @base (which must exist); appends each directory it made to @created.  With
 * @guard (cgroup v2) each mkdir holds a shared sv_cgroup_lock_subtree of its parent. */
gboolean sv_cgroup_mkdir_below (const char *base, const char *rel, gboolean guard,
                                GPtrArray *created, GError **error);
/* flock(@how) of @dir's cgroup.subtree_control, which every Sysvisor takes on cgroup v2: shared
 * to make a child of @dir, exclusive to turn off a controller it turned on there when no child
 * is left (a concurrent create then either made its child first, and the controller stays on,
 * or finds it off and turns it on).  The fd to close, or -1 with errno set. */
int sv_cgroup_lock_subtree (const char *dir, int how);
/* chown @dir and those of @files that exist (delegation); uid -1 means "leave alone". */
gboolean sv_cgroup_chown_delegated (const char *dir, const char *const *files, uid_t uid,
                                    gid_t gid, GError **error);
/* The names of @dir's subdirectories (the sub-cgroups). */
GPtrArray *sv_cgroup_list_subdirs (const char *dir, GError **error);
/* Every pid in @dir/cgroup.procs and below, added to @seen (a set of GINT_TO_POINTER). */
gboolean sv_cgroup_collect_pids (const char *dir, GHashTable *seen, GError **error);
/* Remove @dir and its sub-cgroups depth-first, retrying EBUSY for about a second.
 * A missing @dir is success. */
gboolean sv_cgroup_remove_tree (const char *dir, GError **error);
/* The same in one pass, no retry: FALSE when something is left (a process, a busy sub-cgroup). */
gboolean sv_cgroup_remove_tree_now (const char *dir);
/* @dir if it exists, else its nearest existing ancestor no higher than @mountpoint (in a
 * static buffer: touches no heap).  A cgroup not made yet is frozen if that one is. */
const char *sv_cgroup_existing_dir (const char *mountpoint, const char *dir);
/* Poll until @check (@dir) returns TRUE or @timeout_ms passes. */
gboolean sv_cgroup_wait_until (gboolean (*check) (const char *dir, gpointer data),
                               const char *dir, gpointer data, guint timeout_ms);
