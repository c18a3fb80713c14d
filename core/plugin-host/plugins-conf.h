/* plugins-conf.h: /etc/sysvisor/plugins.conf: which backend fills each role. */
#pragma once

#include <glib.h>
#include <sysvisor/plugin.h>

#define SV_CONF_GROUP "sysvisor"
#define SV_CONF_STORAGE_PATHS "storage-paths"
/* The shift plugin Sysvisor ships, and its old name (accepted as shift = and as a section). */
#define SV_SHIFT_PLUGIN "idmapped-mounts"
#define SV_SHIFT_ALIAS "shiftfs"

typedef struct
{
  char *path;                /* the file read, or NULL when the defaults apply */
  GKeyFile *keyfile;         /* never NULL (empty when the file is missing) */
  char *backend[SV_N_ROLES]; /* "auto", "none", or a backend name */
  guint line[SV_N_ROLES];    /* the line of path that sets each role (0: the default) */
  /* What `auto` picks for each role: [0] for a spec without uid mappings, [1] for one whose
   * mappings the idmap plugin honours ([sysvisor] auto-ROLE and auto-ROLE-mapped; data, so
   * that any installed plugin can take part).  Backend names, or "none". */
  char *auto_backend[SV_N_ROLES][2];
  /* [sysvisor] settings of what root inside may do (syscont-policy.c): always honour the
   * spec's capabilities / seccomp profile, never widen them (default FALSE). */
  gboolean honour_capabilities;
  gboolean honour_seccomp;
  char **storage_paths; /* [sysvisor] storage-paths: the container paths backed by host
                              * directories (core/runtime/storage.c); empty for "none" */
} SvPluginsConf;

/* Where plugins.conf is: --plugins-conf, else $SYSVISOR_PLUGINS_CONF, else the built-in. */
const char *sv_plugins_conf_path (const char *cli_value);
/* The paths backed by default (storage-paths in [sysvisor]). */
#define SV_STORAGE_PATHS_DEFAULT                                                                 \
  "/var/lib/docker /var/lib/containerd /var/lib/buildkit /var/lib/kubelet /var/lib/rancher/k3s"

/* A missing file gives the defaults (idmap = auto, shift = auto, procfs = fuse-procfs,
 * auto-idmap = exclusive, auto-idmap-mapped = dockerremap, auto-shift = idmapped-mounts,
 * auto-shift-mapped = none, auto-procfs(-mapped) = none, storage-paths as above).
 * Errors name the file, the line and the fix. */
SvPluginsConf *sv_plugins_conf_load (const char *path, GError **error);
const char *sv_role_name (SvRole role);
/* Plugin file name stems a backend value may name for a role ("exclusive" -> idmap-exclusive,
 * "shiftfs" -> idmapped-mounts). */
char *sv_plugins_conf_plugin_name (SvRole role, const char *backend);
void sv_plugins_conf_free (SvPluginsConf *conf);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SvPluginsConf, sv_plugins_conf_free)
