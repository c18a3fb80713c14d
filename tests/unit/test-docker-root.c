/* Unit tests: the data root of the dockerd that made a container, from its paths. */
#include "docker-root.h"

#include <glib/gstdio.h>
#include <unistd.h>

#define ID "4f1c0ffee"

static char *
root_of (const char *rootfs, const char *source)
{
  const char *const sources[] = { "/tmp/vol", source, NULL };

  return sv_docker_root_from_paths (ID, rootfs, sources);
}

/* A dockerd with --data-root: its rootfs (overlay2) and its hosts file tell the root. */
static void
test_data_root_flag (void)
{
  g_autofree char *r = root_of ("/srv/dk/overlay2/abc/merged", "/srv/dk/containers/" ID "/hosts");

  g_assert_cmpstr (r, ==, "/srv/dk");
}

/* userns-remap: DATA is ROOT/UID.GID; the daemon's data root is ROOT. */
static void
test_data_root_remap (void)
{
  g_autofree char *r = root_of ("/var/lib/docker-x/100000.100000/overlay2/abc/merged",
                                "/var/lib/docker-x/100000.100000/containers/" ID "/resolv.conf");

  g_assert_cmpstr (r, ==, "/var/lib/docker-x");
}

/* Not Docker's: another container's files, a rootfs elsewhere, other files, no sources. */
static void
test_not_docker (void)
{
  const char *const none[] = { NULL };

  g_assert_null (root_of ("/srv/dk/overlay2/abc/merged", "/srv/dk/containers/other/hosts"));
  g_assert_null (root_of ("/bundle/rootfs", "/srv/dk/containers/" ID "/hosts"));
  g_assert_null (root_of ("/srv/dk/overlay2/abc/merged", "/srv/dk/containers/" ID "/passwd"));
  g_assert_null (root_of ("/srv/dk/containers/" ID "/x", "/srv/dk/containers/" ID "/hosts"));
  g_assert_null (root_of ("/overlay2/a/merged", "/containers/" ID "/hosts"));
  g_assert_null (sv_docker_root_from_paths (ID, "/srv/dk/overlay2/a/merged", none));
}

static void
test_trusted (void)
{
  g_autofree char *dir = g_dir_make_tmp ("sv-docker-root-XXXXXX", NULL);

  g_assert_false (sv_docker_root_trusted ("/nonexistent-sv-docker-root"));
  if (getuid () == 0)
    {
      g_assert_true (sv_docker_root_trusted (dir));
      g_chmod (dir, 0777);
      g_assert_false (sv_docker_root_trusted (dir));
    }
  else
    g_assert_false (sv_docker_root_trusted (dir));
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/docker-root/data-root-flag", test_data_root_flag);
  g_test_add_func ("/docker-root/remap", test_data_root_remap);
  g_test_add_func ("/docker-root/not-docker", test_not_docker);
  g_test_add_func ("/docker-root/trusted", test_trusted);
  return g_test_run ();
}
