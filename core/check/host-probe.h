/* host-probe.h: real tests of what the kernel lets sysvisor-runc do on this host, for
 * `sysvisor-runc check`: make a user namespace, ID-map a mount, mount an overlay over
 * ID-mapped layers.  Each test does the thing itself and reports errno; nothing is left
 * behind (no mount in the host's mount namespace, no file). */
#pragma once

#include <glib.h>

/* The host uid/gid that id 0 of the scratch user namespace maps to (nobody). */
#define SV_PROBE_MAPPED_ID 65534

/* A fd of a new user namespace whose id 0 maps to host SV_PROBE_MAPPED_ID (one id), made by a
 * short-lived child.  -1 on failure. */
int sv_probe_scratch_userns (GError **error);
/* Clone the mount tree at @dir (open_tree) and ID-map it with @userns_fd (mount_setattr
 * MOUNT_ATTR_IDMAP).  The clone is dropped. */
gboolean sv_probe_idmap_mount (const char *dir, int userns_fd, GError **error);
/* In a child with a private mount namespace: two layer directories made in a temp directory
 * under @dir are ID-mapped with @userns_fd and a read-only overlay is mounted over them; a
 * root-owned file must show through it as owned by SV_PROBE_MAPPED_ID.  The temp directory
 * is removed. */
gboolean sv_probe_idmapped_overlay (const char *dir, int userns_fd, GError **error);
