/* Unit tests: mount(2) flags as MOUNT_ATTR_* (svfs_mount_attr_of), as the procfs mount and the
 * bind remount answers use them.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "svfs-util.h"

#include <linux/mount.h>
#include <sys/mount.h>

static void
test_flags (void)
{
  g_assert_cmpuint (svfs_mount_attr_of (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, 0), ==,
                    MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
  g_assert_cmpuint (svfs_mount_attr_of (MS_NODIRATIME | MS_NOSYMFOLLOW, 0), ==,
                    MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOSYMFOLLOW);
  /* bind, remount, rec are no attributes */
  g_assert_cmpuint (svfs_mount_attr_of (MS_BIND | MS_REMOUNT | MS_REC, 0), ==, 0);
}

static void
test_atime (void)
{
  /* a new mount leaves the kernel's default; a remount asks for relatime, as mount(2) does */
  g_assert_cmpuint (svfs_mount_attr_of (0, 0), ==, 0);
  g_assert_cmpuint (svfs_mount_attr_of (MS_NOSUID, MOUNT_ATTR_RELATIME), ==,
                    MOUNT_ATTR_NOSUID | MOUNT_ATTR_RELATIME);
  g_assert_cmpuint (svfs_mount_attr_of (MS_NOATIME, MOUNT_ATTR_RELATIME), ==, MOUNT_ATTR_NOATIME);
  g_assert_cmpuint (svfs_mount_attr_of (MS_STRICTATIME, MOUNT_ATTR_RELATIME), ==,
                    MOUNT_ATTR_STRICTATIME);
  /* noatime wins over strictatime, as in the kernel */
  g_assert_cmpuint (svfs_mount_attr_of (MS_NOATIME | MS_STRICTATIME, 0), ==, MOUNT_ATTR_NOATIME);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/svfs/mount-attr/flags", test_flags);
  g_test_add_func ("/svfs/mount-attr/default-atime", test_atime);
  return g_test_run ();
}
