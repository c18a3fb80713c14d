/* sv-path.h: canonical paths, "is below" and the nearest existing ancestor (libsv-util).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <glib.h>

/* realpath(3) of @path, or only the lexically canonical path (relative to "/") when it does
 * not exist (yet). */
char *sv_path_canonical (const char *path);

/* TRUE when canonical path @path is @dir or lies below it (a trailing '/' of @dir is
 * ignored; an empty or NULL @dir contains nothing; "/" contains every absolute path). */
gboolean sv_path_is_under (const char *path, const char *dir);

/* The lexically canonical @path (relative to "/") if it exists, else its nearest existing
 * ancestor ("/" at the last). */
char *sv_path_nearest_existing (const char *path);
