/* bad-plugin.c: plugins that sysvisor-runc's loader must refuse, one per set of -D flags
 * (tests/plugins/meson.build builds each variant as its own .so):
 *
 *   BAD_NAME="..."             the name in the descriptor (the file is named for the variant)
 *   BAD_ABI_MAJOR, BAD_ABI_MINOR, BAD_STRUCT_SIZE, BAD_ROLE   descriptor fields
 *   BAD_NO_ENTRY               export a misspelt entry symbol instead of sv_plugin_entry
 *   BAD_NULL_DESCRIPTOR        sv_plugin_entry () returns NULL
 *   BAD_SILENT_PROBE           a probe that fails without saying why
 *   BAD_RESERVED               a reserved descriptor slot that is not zero
 *   BAD_MISSING_SYMBOL         calls an accessor no sysvisor-runc exports (bound at load)
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <sysvisor/plugin.h>

#ifndef BAD_NAME
#error "BAD_NAME must be defined"
#endif
#ifndef BAD_ABI_MAJOR
#define BAD_ABI_MAJOR SV_PLUGIN_ABI_MAJOR
#endif
#ifndef BAD_ABI_MINOR
#define BAD_ABI_MINOR SV_PLUGIN_ABI_MINOR
#endif
#ifndef BAD_STRUCT_SIZE
#define BAD_STRUCT_SIZE sizeof (SvPlugin)
#endif
#ifndef BAD_ROLE
#define BAD_ROLE SV_ROLE_IDMAP
#endif

#ifdef BAD_MISSING_SYMBOL
/* An accessor of some future plugin.h: no sysvisor-runc of this ABI exports it. */
gboolean sv_container_from_the_future (SvContainer *c);
#endif

/* Were the loader to accept the plugin, a create would fail here, visibly. */
static gboolean
bad_prepare (SvContainer *c, GError **error)
{
#ifdef BAD_MISSING_SYMBOL
  if (sv_container_from_the_future (c))
    return TRUE;
#endif
  g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
               "the loader accepted the bad plugin \"%s\"", BAD_NAME);
  return FALSE;
}

#ifdef BAD_SILENT_PROBE
static gboolean
bad_probe (SvHost *host, GError **error)
{
  return FALSE;
}
#else
#define bad_probe NULL
#endif

G_GNUC_UNUSED static const SvPlugin descriptor = {
  .abi_major = BAD_ABI_MAJOR,
  .abi_minor = BAD_ABI_MINOR,
  .struct_size = BAD_STRUCT_SIZE,
  .name = BAD_NAME,
  .role = BAD_ROLE,
  .description = "a plugin the loader must refuse",
  .probe = bad_probe,
  .prepare = bad_prepare,
#ifdef BAD_RESERVED
  .reserved = { NULL, NULL, (gpointer) "set" },
#endif
};

#ifdef BAD_NO_ENTRY
G_MODULE_EXPORT const SvPlugin *sv_plugin_entry_v0 (void);
G_MODULE_EXPORT const SvPlugin *
sv_plugin_entry_v0 (void)
{
  return &descriptor;
}
#else
G_MODULE_EXPORT const SvPlugin *sv_plugin_entry (void);
G_MODULE_EXPORT const SvPlugin *
sv_plugin_entry (void)
{
#ifdef BAD_NULL_DESCRIPTOR
  return NULL;
#else
  return &descriptor;
#endif
}
#endif
