/* sv-mount.h: what is mounted where a path lies (libsv-util).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <glib.h>

/* The filesystem type of the mount that holds @path, or that holds its nearest existing
 * ancestor when @path does not exist (yet): the mount its statx mount id names in
 * /proc/self/mountinfo, so a mount hidden under another is never the answer.  "unknown" when
 * it cannot be told. */
char *sv_mount_fstype (const char *path);
