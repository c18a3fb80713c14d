/* sysvisor-fs: the emulated /sys files. */
#include "svfs-files.h"

#include "svfs-render.h"

gchar *
svfs_sys_cpu_online (SvfsCaller *c, GError **error)
{
  g_autoptr (GArray) cpus = svfs_visible_cpus (c, error);
  return cpus ? svfs_render_online (cpus->len) : NULL;
}
