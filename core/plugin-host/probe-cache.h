/* probe-cache.h: a plugin's probe verdict kept between creates.
 *
 * A probe that declares what it depends on (sv_host_probe_depends_on) is run once; later
 * creates skip it while nothing it depends on has changed: the kernel (boot id, release,
 * user.max_user_namespaces), the plugin file, plugins.conf's contents, the lib dir, and the
 * identity of every declared path (the mount holding it by its never-reused id, its device and
 * inode; a regular file's size, mtime and ctime; or its absence).  Only a passed probe is
 * kept, in <state root>/probe@<plugin>: root-owned, mode 0600, ignored otherwise. */
#pragma once

#include <glib.h>

typedef struct
{
  char *base;       /* what every verdict depends on (see probe-cache.c) */
  GPtrArray *paths; /* declared by the probe (char *) */
} SvProbeKey;

/* The part of the key that does not come from the probe and is the same for every plugin:
 * the kernel, @conf_text (plugins.conf as loaded), @lib_dir.  NULL when it cannot be told. */
char *sv_probe_cache_host_part (const char *conf_text, const char *lib_dir);
/* The part that does not come from the probe: @host_part (NULL: none) and @plugin_path (the
 * .so). */
char *sv_probe_cache_base (const char *host_part, const char *plugin_path);
/* Whether @plugin's verdict stored under @state_root holds for @base. */
gboolean sv_probe_cache_hit (const char *state_root, const char *plugin, const char *base);
/* Keep a passed probe's verdict (best effort: a failure only means probing again). */
void sv_probe_cache_store (const char *state_root, const char *plugin, const char *base,
                           GPtrArray *paths);
/* Forget it (a probe that failed). */
void sv_probe_cache_forget (const char *state_root, const char *plugin);
