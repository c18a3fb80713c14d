/* sysvisor-fs: small helpers shared by every module (file reading, fds, roots). */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* sv_autofd, sv_close_fdp: the utility library (lib/sv-fd.h). */
#include "sv-fd.h"

#include "svfs-error.h"

/* Replace @path (0600) with @len bytes of @data through a temp file beside it and a rename:
 * a reader sees the old file or the new one.  No fsync (for files only this boot reads). */
gboolean svfs_write_replace (const char *path, const char *data, gsize len, GError **error);

/* Where the host's /proc, /sys and cgroup trees live.  Tests point them at fake trees
 * through the hidden environment variables SYSVISOR_FS_PROC_ROOT, SYSVISOR_FS_SYS_ROOT and
 * SYSVISOR_FS_CGROUP_ROOT; svfs_roots_configure() must run before any thread starts. */
void svfs_roots_configure (const char *proc_root, const char *sys_root, const char *cgroup_root);
void svfs_roots_from_env (void);
const char *svfs_proc_root (void);
const char *svfs_sys_root (void);
const char *svfs_cgroup_root (void);

/* Whole content of a (pseudo) file, NUL-terminated; works for /proc files of size 0. */
gchar *svfs_read_file (const char *path, gsize *len, GError **error);
/* svfs_read_file keeps host and cgroup files open; close those unused for unused_us. */
void svfs_read_cache_expire (gint64 unused_us);
/* First line of a file as an unsigned integer; "max" (cgroup v2) and values above
 * G_MAXINT64 set *unlimited. */
gboolean svfs_read_u64 (const char *path, guint64 *value, gboolean *unlimited, GError **error);
/* A signed integer file such as cpu.cfs_quota_us (-1 means none). */
gboolean svfs_read_i64 (const char *path, gint64 *value, GError **error);

/* Field 22 of /proc/PID/stat: start time in clock ticks after boot. */
gboolean svfs_pid_start_time (pid_t pid, guint64 *start, GError **error);
/* Inode of /proc/PID/ns/pid (pid == 0: the daemon itself). */
gboolean svfs_pid_ns_inode (pid_t pid, guint64 *inode, GError **error);

/* The MOUNT_ATTR_* flags (mount_setattr, fsmount) of mount(2) flags @ms_flags: rdonly, nosuid,
 * nodev, noexec, noatime / strictatime (else @default_atime: MOUNT_ATTR_RELATIME as a remount
 * would, or 0 to leave the kernel's default), nodiratime, nosymfollow. */
guint64 svfs_mount_attr_of (guint64 ms_flags, guint64 default_atime);

/* Value of "Key:" in a "Key: value" text such as /proc/PID/status or /proc/meminfo. */
const char *svfs_find_key (const char *text, const char *key);

G_END_DECLS
