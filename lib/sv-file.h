/* sv-file.h: whole writes, files replaced atomically, lock files, trees removed (libsv-util).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <glib.h>
#include <sys/types.h>

/* Full-length write/read on a fd, retrying EINTR; async-signal-safe. */
gboolean sv_write_all (int fd, const void *buf, gsize len);
gssize sv_read_all (int fd, void *buf, gsize len);

/* The rest of @fd, read to its end and NUL-terminated (*@len without the NUL); NULL with
 * errno set when a read fails. */
char *sv_read_fd_to_end (int fd, gsize *len);

/* The whole of @path (a /proc, sysfs or cgroup file above all), NUL-terminated (*@len without
 * the NUL), in four system calls: open, the reads up to the end, close.  NULL with errno set
 * when the open or a read fails.  (g_file_get_contents reads a file of st_size 0, as every
 * /proc file is, through stdio: a second fstat and a stream besides.) */
char *sv_file_read_text (const char *path, gsize *len);

/* Read the whole of @path, a file that may not exist.  Absent: TRUE with *@contents NULL,
 * and no GError (that is the usual case of the files read this way, and formatting a
 * strerror loads the C library's iconv).  Otherwise TRUE with the text, NUL-terminated, or
 * FALSE with @error (G_IO_ERROR) "open PATH: ..." or "read PATH: ...".  @flags: extra
 * open(2) flags (O_NOFOLLOW); @fd_out, when not NULL, keeps the open fd (-1 if absent). */
gboolean sv_file_read_optional (const char *path, int flags, char **contents, gsize *len,
                                int *fd_out, GError **error);

typedef enum
{
  SV_WRITE_SYNC = 1 << 0,     /* fsync the temp file before the rename */
  SV_WRITE_NOFOLLOW = 1 << 1, /* refuse a symlink where the temp file goes */
  SV_WRITE_EXCHANGE = 1 << 2, /* trade names with @path, then remove the temp (see below) */
} SvWriteFlags;

/* Replace @path with @len bytes of @data (@len < 0: a string) through a temp file beside it
 * (@tmp_suffix appended to @path; NULL: ".tmp-<pid>") and a rename, so that a reader sees the
 * old file or the new one, never a part.  With SV_WRITE_SYNC the new data is on disk before
 * the rename.  Errors: "create TMP: ...", "write TMP: ...", "rename TMP to PATH: ...". */
gboolean sv_file_replace (const char *path, const char *data, gssize len, mode_t mode,
                          const char *tmp_suffix, SvWriteFlags flags, GError **error);

/* Write @len bytes of @data to @path through a temp file, fsync and rename. */
gboolean sv_write_file_atomic (const char *path, const char *data, gssize len, mode_t mode,
                               GError **error);
/* The same without the fsync: readers never see a partial file, but after a power loss the
 * file may be the old one, or empty (or zeros) where the kernel had not written it yet.  Only
 * for files whose every reader takes an empty file as "never written" (state.json).  The temp
 * file trades names with @path (SV_WRITE_EXCHANGE) instead of being renamed over it: ext4
 * allocates at once the blocks of a file renamed over another (auto_da_alloc), which a
 * short-lived file (a `run`'s state.json) then frees, discarded synchronously on some disks
 * (0.5-0.8 ms a delete on the test VM); the file replaced, now the temp, is removed before
 * its blocks were ever allocated. */
gboolean sv_write_file_replace (const char *path, const char *data, gssize len, mode_t mode,
                                GError **error);

/* Remove directory @path and everything below it (symlinks removed, never followed); a
 * missing entry is no error.  FALSE with @error "remove PATH: ..." naming the first entry that
 * could not go. */
gboolean sv_file_remove_tree (const char *path, GError **error);

/* Open (creating it 0600, never through a symlink) and flock(LOCK_EX) the lock file @path,
 * waiting for the lock.  Returns the fd that holds the lock, or -1 with @error set:
 * "open lock file PATH: ..." or "lock PATH: ...".  With @missing_dir_ok a missing directory
 * is -1 without an error (nothing was ever locked there). */
int sv_lock_file (const char *path, gboolean missing_dir_ok, GError **error);
