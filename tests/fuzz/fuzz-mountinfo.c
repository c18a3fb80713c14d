/* fuzz-mountinfo: /proc/self/mountinfo and overlay options as the idmapped-mounts plugin reads them
 * (plugins/idmapped-mounts/idmapped-mounts-mountinfo.c).  Input: a path on the first line, the mountinfo text
 * after it. */
#include "fuzz-util.h"

#include "idmapped-mounts-mountinfo.h"
#include "sv-mountinfo.h"

#include <string.h>

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  return 0;
}

static void
use_overlay (const SvIdmappedMount *m)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SvIdmappedOverlay) o = NULL;

  if (m == NULL || g_strcmp0 (m->fstype, "overlay") != 0 || m->options == NULL)
    return;
  o = sv_idmapped_overlay_parse (m->options, &error);
  if (o == NULL)
    return;
  if (sv_idmapped_overlay_resolve (o, m->target, NULL))
    for (guint i = 0; i < o->lower->len; i++)
      g_assert (g_path_is_absolute (g_ptr_array_index (o->lower, i)));
  g_ptr_array_unref (sv_idmapped_overlay_carried_options (o));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const uint8_t *nl = memchr (data, '\n', size);
  size_t plen = nl != NULL ? (size_t) (nl - data) : size;
  g_autofree char *path = fuzz_strndup (data, plen);
  g_autofree char *text = fuzz_strndup (data, size);
  const char *file =
      fuzz_write ("mountinfo", nl != NULL ? nl + 1 : data, nl != NULL ? size - plen - 1 : 0);
  g_autoptr (SvIdmappedMount) at = NULL;
  g_autoptr (SvIdmappedMount) holder = NULL;
  GPtrArray *below;
  g_autoptr (GPtrArray) lower = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) dlayers = g_ptr_array_new_with_free_func (g_free);

  g_free (sv_mountinfo_unescape (text));
  g_free (sv_idmapped_ovl_unescape (text));
  sv_idmapped_split_lowerdir (path, lower, dlayers, NULL);
  if (!g_path_is_absolute (path))
    return 0;
  if (sv_idmapped_find_mounts (file, path, &at, &holder, NULL))
    {
      use_overlay (at);
      use_overlay (holder);
    }
  below = sv_idmapped_mounts_below (file, path, NULL);
  if (below != NULL)
    g_ptr_array_unref (below);
  return 0;
}
