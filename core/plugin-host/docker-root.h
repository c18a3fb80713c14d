/* docker-root.h: the data root of the dockerd that made a container, told by the paths Docker
 * put in its config.json (a dockerd started with --data-root, whatever daemon.json says).
 * Plain paths and stat; plugins reach it through the SDK's sv_container_docker_data_root
 * (plugin-sdk.c), which idmap-dockerremap and shiftfs both use. */
#pragma once

#include <glib.h>

/* Docker (20.10, graph drivers) binds DATA/containers/ID/{hostname,hosts,resolv.conf} into
 * container ID and gives it a rootfs below DATA/DRIVER/ (overlay2/LAYER/merged); with
 * userns-remap DATA is ROOT/UID.GID.  Returns ROOT (the daemon's --data-root) when one of
 * @bind_sources (NULL-terminated) and @rootfs agree on DATA, else NULL (not made by Docker). */
char *sv_docker_root_from_paths (const char *id, const char *rootfs,
                                 const char *const *bind_sources);

/* Is @dir a directory owned by host root that only root may write (as dockerd makes its data
 * root)?  A path that only looks like Docker's must not widen an exemption. */
gboolean sv_docker_root_trusted (const char *dir);
