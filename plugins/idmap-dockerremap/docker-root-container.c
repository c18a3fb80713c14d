/* docker-root-container.c: sv_docker_root_of_container (docker-root.h), over the plugin API. */
#include <sysvisor/plugin.h>

#include "docker-root.h"

char *
sv_docker_root_of_container (SvContainer *c)
{
  g_autoptr (GPtrArray) sources = g_ptr_array_new ();
  g_autofree char *root = NULL;

  for (guint i = 0; i < sv_container_n_mounts (c); i++)
    if (sv_container_mount_is_bind (c, i))
      g_ptr_array_add (sources, (gpointer) sv_container_mount_source (c, i));
  g_ptr_array_add (sources, NULL);
  root = sv_docker_root_from_paths (sv_container_id (c), sv_container_rootfs (c),
                                    (const char *const *) sources->pdata);
  if (root == NULL || !sv_docker_root_trusted (root))
    return NULL;
  g_debug ("container %s: made by the dockerd whose data root is %s", sv_container_id (c), root);
  return g_steal_pointer (&root);
}
