/* plugin-host.h: loading backends (GModule) and calling their hooks. */
#pragma once

#include "container.h"
#include "plugins-conf.h"

typedef struct
{
  char *name; /* file stem: "idmap-exclusive" */
  char *path;
  GModule *module;
  const SvPlugin *desc;
  /* The descriptor's ABI 1.3 fields, NULL for a plugin built for an older minor. */
  void (*check) (SvHost *host, SvCheckReport *report);
  const char *version;
} SvLoadedPlugin;

typedef struct
{
  SvPluginsConf *conf;
  char *dir;
  SvHost host;
  SvLoadedPlugin *role[SV_N_ROLES]; /* NULL = none */
  char *probe_host_part;            /* the probe cache's key for every plugin, once read */
} SvPluginHost;

/* The plugin directory: $SYSVISOR_PLUGIN_DIR, else the built-in. */
const char *sv_plugin_dir (void);
/* DIR/NAME.so for the first DIR of the ':'-separated @dirs that holds it (the first DIR's
 * path when none does). */
char *sv_plugin_find_file (const char *dirs, const char *name);
/* Open DIR/NAME.so and check it: owner root, not group/other-writable, an ELF shared object
 * with the entry symbol, a descriptor of a compatible ABI. */
SvLoadedPlugin *sv_plugin_load (const char *dir, const char *name, GError **error);
/* The plugin that @backend (a plugins.conf value: "exclusive", a plugin's name) names for
 * @role, loaded (sv_plugin_load) and checked to fill @role.  The one place that says so. */
SvLoadedPlugin *sv_plugin_load_for_role (const char *dir, SvRole role, const char *backend,
                                         GError **error);
void sv_loaded_plugin_free (SvLoadedPlugin *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SvLoadedPlugin, sv_loaded_plugin_free)

SvPluginHost *sv_plugin_host_new (SvPluginsConf *conf, const char *state_root);
/* Resolve "auto" for this spec and load the plugin of each role. */
gboolean sv_plugin_host_select (SvPluginHost *h, gboolean spec_has_mappings, GError **error);
/* Load the plugins recorded in a container's state (delete).  Missing ones are warned about. */
void sv_plugin_host_load_names (SvPluginHost *h, char *const names[SV_N_ROLES]);
/* Which backend a role resolves to for a spec ("none" when the role is off).  `auto` is
 * plugins.conf's data (auto-ROLE, auto-ROLE-mapped): the idmap role by whether the spec has
 * uid mappings, the other roles by whether the idmap plugin is the one for such specs. */
const char *sv_plugin_host_backend (SvPluginHost *h, SvRole role, gboolean spec_has_mappings);

gboolean sv_plugin_host_probe (SvPluginHost *h, SvRole role, GError **error);
/* The probe of @p, a plugin loaded outside the roles (`check`): its settings are its own. */
gboolean sv_plugin_host_probe_plugin (SvPluginHost *h, SvLoadedPlugin *p, GError **error);
/* Run @p's check hook (ABI 1.3) with its settings; FALSE when it has none. */
gboolean sv_plugin_host_check (SvPluginHost *h, SvLoadedPlugin *p, SvCheckReport *report);
/* Run the hook of every loaded plugin, in role order (prepare runs each plugin's probe
 * first).  On failure, the caller rolls back with sv_plugin_host_release (every plugin). */
gboolean sv_plugin_host_prepare (SvPluginHost *h, SvContainer *c, GError **error);
gboolean sv_plugin_host_attach (SvPluginHost *h, SvContainer *c, GError **error);
void sv_plugin_host_release (SvPluginHost *h, SvContainer *c);
void sv_plugin_host_free (SvPluginHost *h);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SvPluginHost, sv_plugin_host_free)
