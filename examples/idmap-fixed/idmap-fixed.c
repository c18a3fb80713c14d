/* idmap-fixed.c: an example Sysvisor plugin, the one docs/PLUGINS.md walks through.
 *
 * The idmap role: every container gets the same uid/gid range, taken from plugins.conf.
 *
 *   [sysvisor]
 *   idmap = idmap-fixed
 *
 *   [idmap-fixed]
 *   host-id = 300000   # container id 0 maps to this host id (required, never 0)
 *   size = 65536       # number of ids (default 65536)
 *
 * All containers share the range (as with Docker's userns-remap): use it where that is what
 * you want, and idmap-exclusive where containers must be isolated from each other.
 *
 * Build it out of tree and install it:  make && make install   (see the Makefile)
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#define G_LOG_DOMAIN "sysvisor-idmap-fixed"

#include <sysvisor/plugin.h>

#define DEFAULT_SIZE 65536

typedef const char *(*SettingFunc) (gpointer obj, const char *key);

/* One number of the [idmap-fixed] section, between @min and @max; @fallback when absent
 * (0: the key is required). */
static gboolean
read_number (SettingFunc get, gpointer obj, const char *key, guint64 fallback, guint64 min,
             guint64 max, guint32 *out, GError **error)
{
  const char *text = get (obj, key);
  guint64 v = fallback;

  if (text == NULL && fallback == 0)
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                   "plugins.conf [idmap-fixed] has no %s; add \"%s = <first host id>\" "
                   "(e.g. 300000)",
                   key, key);
      return FALSE;
    }
  if (text != NULL && !g_ascii_string_to_unsigned (text, 10, min, max, &v, NULL))
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "plugins.conf [idmap-fixed] %s = \"%s\": give a number from %" G_GUINT64_FORMAT
                   " to %" G_GUINT64_FORMAT,
                   key, text, min, max);
      return FALSE;
    }
  *out = (guint32) v;
  return TRUE;
}

/* The range from the settings.  Host id 0 is refused: container root must not be host root. */
static gboolean
read_range (SettingFunc get, gpointer obj, SvIdMapping *m, GError **error)
{
  m->container_id = 0;
  if (!read_number (get, obj, "host-id", 0, 1, G_MAXUINT32 - 1, &m->host_id, error)
      || !read_number (get, obj, "size", DEFAULT_SIZE, 1, G_MAXUINT32, &m->size, error))
    return FALSE;
  if ((guint64) m->host_id + m->size > G_MAXUINT32)
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "plugins.conf [idmap-fixed]: host-id %u + size %u passes the last id "
                   "(%u); lower one of them",
                   m->host_id, m->size, G_MAXUINT32 - 1);
      return FALSE;
    }
  return TRUE;
}

static const char *
host_setting (gpointer host, const char *key)
{
  return sv_host_setting (host, key);
}

static const char *
container_setting (gpointer c, const char *key)
{
  return sv_container_setting (c, key);
}

/* probe: can this host run the plugin?  Here: are the settings usable. */
static gboolean
fixed_probe (SvHost *host, GError **error)
{
  SvIdMapping m;

  return read_range (host_setting, host, &m, error);
}

/* prepare: before the container's processes exist, choose its mappings. */
static gboolean
fixed_prepare (SvContainer *c, GError **error)
{
  SvIdMapping m;

  if (!read_range (container_setting, c, &m, error))
    return FALSE;
  if (sv_container_spec_has_mappings (c))
    g_info ("container %s: idmap-fixed replaces the mappings of config.json",
            sv_container_id (c));
  g_debug ("container %s: host ids %u-%u", sv_container_id (c), m.host_id,
           m.host_id + (m.size - 1));
  return sv_container_set_mappings (c, &m, 1, &m, 1, error);
}

/* release: delete, or the rollback of a failed create.  Nothing was allocated, so there is
 * nothing to free; a plugin that allocates frees it here, idempotently, and never fails. */
static void
fixed_release (SvContainer *c)
{
  g_debug ("container %s: nothing to free", sv_container_id (c));
}

SV_PLUGIN_DEFINE ("idmap-fixed", SV_ROLE_IDMAP, "one fixed uid/gid range for every container",
                  fixed_probe, fixed_prepare, NULL, fixed_release)
