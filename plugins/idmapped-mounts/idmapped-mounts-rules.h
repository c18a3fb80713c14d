/* idmapped-mounts-rules.h: the user guide's bind-mount rules when Docker's userns-remap is disabled,
 * and where Docker keeps its data (whose files are exempt from the rules).
 *
 * Pure functions over paths and a stat callback, so that unit tests need neither root nor
 * real files.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include "sv-daemon-json.h"

#include <glib.h>
#include <sys/stat.h>

#define SV_IDMAPPED_DOCKER_DAEMON_JSON SV_DOCKER_DAEMON_JSON
#define SV_IDMAPPED_DOCKER_DATA_ROOT SV_DOCKER_DEFAULT_DATA_ROOT

/* stat(2)-like: 0 and @st filled, or -1 with errno set. */
typedef int (*SvIdmappedStatFunc) (const char *path, struct stat *st, gpointer user_data);

/* The value of the top-level "data-root" member of a daemon.json text; NULL when the member
 * is absent (no error) or the text is not a JSON object (@error set). */
char *sv_idmapped_daemon_json_data_root (const char *json, GError **error);

/* Docker's data root: @data_root_setting if set; else "data-root" of the daemon.json at
 * @daemon_json_setting (default /etc/docker/daemon.json) when that file exists and has it;
 * else /var/lib/docker. */
char *sv_idmapped_docker_data_root (const char *data_root_setting,
                                    const char *daemon_json_setting, GError **error);

/* TRUE when canonical path @path is @dir or lies below it. */
gboolean sv_idmapped_path_is_under (const char *path, const char *dir);

/* Check bind source @source (canonical: absolute, no symlinks, no . or ..) of mount @index
 * against the remap-disabled rules: owned by root:root, and one directory on its path (the
 * source itself included) owned by root with mode 0700.  Sources at or below @docker_root
 * (canonical, may be NULL) are exempt.  The error is one line, in the words of `docker run`:
 * the mount as -v SOURCE:DESTINATION, the rule, the fix, then the OCI index. */
gboolean sv_idmapped_check_bind_source (guint index, const char *source, const char *destination,
                                        const char *docker_root, SvIdmappedStatFunc stat_func,
                                        gpointer user_data, GError **error);
