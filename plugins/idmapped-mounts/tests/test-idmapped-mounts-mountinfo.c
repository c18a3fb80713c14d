/* Unit tests: mountinfo lookups and an overlay's layers.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "idmapped-mounts-mountinfo.h"

#include <glib/gstdio.h>
#include <string.h>

static void
test_ovl_unescape (void)
{
  g_autofree char *a = sv_idmapped_ovl_unescape ("/a\\,b\\:c\\\\d");
  g_autofree char *b = sv_idmapped_ovl_unescape ("/x\\");

  g_assert_cmpstr (a, ==, "/a,b:c\\d");
  g_assert_cmpstr (b, ==, "/x");
}

static GPtrArray *
strv_array (void)
{
  return g_ptr_array_new_with_free_func (g_free);
}

static void
assert_layers (GPtrArray *got, const char *const *want)
{
  g_assert_cmpuint (got->len, ==, g_strv_length ((char **) want));
  for (guint i = 0; i < got->len; i++)
    g_assert_cmpstr (got->pdata[i], ==, want[i]);
}

static void
test_split_lowerdir (void)
{
  g_autoptr (GPtrArray) lower = strv_array ();
  g_autoptr (GPtrArray) data = strv_array ();
  g_autoptr (GError) error = NULL;
  static const char *const want_lower[] = { "/l/A", "/l/b:c", "/l/d\\e", NULL };
  static const char *const want_data[] = { "/d1", "/d,2", NULL };

  g_assert_true (
      sv_idmapped_split_lowerdir ("/l/A:/l/b\\:c:/l/d\\\\e::/d1:/d\\,2", lower, data, &error));
  g_assert_no_error (error);
  assert_layers (lower, want_lower);
  assert_layers (data, want_data);
}

static void
test_split_lowerdir_bad (void)
{
  static const char *const bad[] = { "", ":/a", "/a:", "/a::", "/a:::/b", "::/a", "/a::/b::/c" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GPtrArray) lower = strv_array ();
      g_autoptr (GPtrArray) data = strv_array ();
      g_autoptr (GError) error = NULL;
      if (sv_idmapped_split_lowerdir (bad[i], lower, data, &error))
        g_error ("\"%s\" accepted", bad[i]);
      g_assert_nonnull (error);
    }
}

static void
test_parse_docker_absolute (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SvIdmappedOverlay) o = sv_idmapped_overlay_parse (
      "rw,lowerdir=/var/lib/docker/overlay2/l/AAA:/var/lib/docker/overlay2/l/BBB,"
      "upperdir=/var/lib/docker/overlay2/abc/diff,workdir=/var/lib/docker/overlay2/abc/work,"
      "index=off,nfs_export=off,redirect_dir=on,uuid=on",
      &error);
  static const char *const want[] = { "/var/lib/docker/overlay2/l/AAA",
                                      "/var/lib/docker/overlay2/l/BBB", NULL };
  static const char *const carried[] = { "redirect_dir=on", "uuid=on", "index=off", NULL };
  g_autoptr (GPtrArray) opts = NULL;

  g_assert_no_error (error);
  assert_layers (o->lower, want);
  g_assert_cmpuint (o->data->len, ==, 0);
  g_assert_cmpstr (o->upper, ==, "/var/lib/docker/overlay2/abc/diff");
  g_assert_cmpstr (o->work, ==, "/var/lib/docker/overlay2/abc/work");
  g_assert_true (sv_idmapped_overlay_resolve (o, "/var/lib/docker/overlay2/abc/merged", &error));
  assert_layers (o->lower, want);
  opts = sv_idmapped_overlay_carried_options (o);
  assert_layers (opts, carried);
}

static void
test_parse_docker_relative (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SvIdmappedOverlay) o =
      sv_idmapped_overlay_parse ("rw,lowerdir=l/AAA:l/BBB,upperdir=abc/diff,workdir=abc/work",
                                 &error);
  g_autoptr (SvIdmappedOverlay) o2 = sv_idmapped_overlay_parse (
      "rw,lowerdir=l/AAA:l/BBB,upperdir=/data/dock\\134\\054er/overlay2/abc/diff,"
      "workdir=/data/dock\\134\\054er/overlay2/abc/work",
      &error);
  static const char *const want[] = { "/data/docker/overlay2/l/AAA",
                                      "/data/docker/overlay2/l/BBB", NULL };
  static const char *const want2[] = { "/data/dock,er/overlay2/l/AAA",
                                       "/data/dock,er/overlay2/l/BBB", NULL };

  g_assert_no_error (error);
  /* all relative: the mount point <home>/<id>/merged anchors them */
  g_assert_true (sv_idmapped_overlay_resolve (o, "/data/docker/overlay2/abc/merged", &error));
  g_assert_no_error (error);
  assert_layers (o->lower, want);
  g_assert_cmpstr (o->upper, ==, "/data/docker/overlay2/abc/diff");
  g_assert_cmpstr (o->work, ==, "/data/docker/overlay2/abc/work");
  /* absolute upperdir <home>/<id>/diff anchors them, whatever the mount point */
  g_assert_true (sv_idmapped_overlay_resolve (o2, "/run/bundle/rootfs", &error));
  g_assert_no_error (error);
  assert_layers (o2->lower, want2);
}

static void
test_parse_relative_unanchored (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SvIdmappedOverlay) o =
      sv_idmapped_overlay_parse ("rw,lowerdir=lower,upperdir=/x/upper,workdir=/x/work", &error);

  g_assert_no_error (error);
  g_assert_false (sv_idmapped_overlay_resolve (o, "/bundle/rootfs", &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "lower"));
  g_assert_nonnull (strstr (error->message, "/bundle/rootfs"));
}

static void
test_parse_new_api (void)
{
  g_autoptr (GError) error = NULL;
  /* lowerdir+ and datadir+ are shown verbatim: a comma is \054, a backslash \134 */
  g_autoptr (SvIdmappedOverlay) o = sv_idmapped_overlay_parse (
      "rw,lowerdir+=/a\\040b\\0541,lowerdir+=/l:2,lowerdir+=/l\\1343,datadir+=/d,"
      "upperdir=/u\\134\\054p,workdir=/w,userxattr,metacopy=on,index=on,volatile",
      &error);
  static const char *const want[] = { "/a b,1", "/l:2", "/l\\3", NULL };
  static const char *const want_data[] = { "/d", NULL };
  static const char *const carried[] = { "userxattr", "metacopy=on", "volatile", "index=off",
                                         NULL };
  g_autoptr (GPtrArray) opts = NULL;

  g_assert_no_error (error);
  assert_layers (o->lower, want);
  assert_layers (o->data, want_data);
  g_assert_cmpstr (o->upper, ==, "/u,p");
  opts = sv_idmapped_overlay_carried_options (o);
  assert_layers (opts, carried);
}

static void
test_parse_readonly_overlay (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SvIdmappedOverlay) o = sv_idmapped_overlay_parse ("ro,lowerdir=/a:/b", &error);
  g_autoptr (GPtrArray) opts = NULL;

  g_assert_no_error (error);
  g_assert_null (o->upper);
  opts = sv_idmapped_overlay_carried_options (o);
  g_assert_cmpuint (opts->len, ==, 0);
}

static void
test_parse_bad (void)
{
  static const char *const bad[] = {
    "rw,upperdir=/u,workdir=/w",  /* no lower */
    "rw,lowerdir=/a,upperdir=/u", /* no workdir */
    "rw,lowerdir=/a,workdir=/w",  /* no upperdir */
    "rw,lowerdir=/a,upperdir=/u,upperdir=/v,workdir=/w",
    "rw,lowerdir=/a:,upperdir=/u,workdir=/w",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (SvIdmappedOverlay) o = sv_idmapped_overlay_parse (bad[i], &error);
      if (o != NULL)
        g_error ("\"%s\" accepted", bad[i]);
      g_assert_nonnull (error);
    }
}

/* ---- lookups in a mountinfo file ---- */

static const char fixture[] =
    "21 26 0:20 / /proc rw,relatime - proc proc rw\n"
    "26 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard\n"
    "40 26 0:40 / /var/lib/docker/overlay2/abc/merged rw,relatime - overlay overlay "
    "rw,lowerdir=l/AAA:l/BBB,upperdir=abc/diff,workdir=abc/work,index=off\n"
    "41 26 0:41 / /srv/bund\\040le/rootfs rw,relatime - tmpfs tmpfs rw,size=10k\n"
    "42 41 0:42 / /srv/bund\\040le/rootfs rw,relatime - overlay overlay "
    "rw,lowerdir+=/x\\0541,upperdir=/u/up,workdir=/u/wk\n"
    "43 42 0:43 / /srv/bund\\040le/rootfs/proc rw,relatime - proc proc rw\n"
    "44 26 0:44 / /srv/bund\\040le/rootfs2 rw,relatime - tmpfs tmpfs rw\n";

/* @text in a new temporary file, whose path is returned. */
static char *
write_mountinfo (const char *text)
{
  g_autoptr (GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp ("mountinfo-XXXXXX", &path, &error);

  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

static char *
write_fixture (void)
{
  return write_mountinfo (fixture);
}

/* The mount whose mount point is @path, as sv_idmapped_find_mounts reports it. */
static SvIdmappedMount *
find_at (const char *mountinfo, const char *path, GError **error)
{
  SvIdmappedMount *at = NULL;
  g_autoptr (SvIdmappedMount) holder = NULL;

  sv_idmapped_find_mounts (mountinfo, path, &at, &holder, error);
  return at;
}

static void
test_find_mount_at (void)
{
  g_autofree char *mi = write_fixture ();
  g_autoptr (GError) error = NULL;
  g_autoptr (SvIdmappedMount) docker = NULL;
  g_autoptr (SvIdmappedMount) top = NULL;
  g_autoptr (SvIdmappedMount) none = NULL;

  docker = find_at (mi, "/var/lib/docker/overlay2/abc/merged", &error);
  g_assert_no_error (error);
  g_assert_nonnull (docker);
  g_assert_cmpint (docker->id, ==, 40);
  g_assert_cmpstr (docker->fstype, ==, "overlay");
  g_assert_cmpstr (docker->options, ==,
                   "rw,lowerdir=l/AAA:l/BBB,upperdir=abc/diff,workdir=abc/work,index=off");
  /* the topmost of two mounts at one place, its target unescaped, its options raw */
  top = find_at (mi, "/srv/bund le/rootfs", &error);
  g_assert_no_error (error);
  g_assert_cmpint (top->id, ==, 42);
  g_assert_cmpstr (top->target, ==, "/srv/bund le/rootfs");
  g_assert_cmpstr (top->options, ==, "rw,lowerdir+=/x\\0541,upperdir=/u/up,workdir=/u/wk");
  none = find_at (mi, "/srv", &error);
  g_assert_no_error (error);
  g_assert_null (none);
  g_unlink (mi);
}

/* The mount holding @path, as sv_idmapped_find_mounts reports it. */
static SvIdmappedMount *
find_holding (const char *mountinfo, const char *path, GError **error)
{
  g_autoptr (SvIdmappedMount) at = NULL;
  SvIdmappedMount *holder = NULL;

  sv_idmapped_find_mounts (mountinfo, path, &at, &holder, error);
  return holder;
}

static void
test_find_mount_holding_and_below (void)
{
  g_autofree char *mi = write_fixture ();
  g_autoptr (GError) error = NULL;
  g_autoptr (SvIdmappedMount) in_overlay = NULL;
  g_autoptr (SvIdmappedMount) in_root = NULL;
  g_autoptr (GPtrArray) below = NULL;

  in_overlay = find_holding (mi, "/var/lib/docker/overlay2/abc/merged/sub", &error);
  g_assert_no_error (error);
  g_assert_cmpint (in_overlay->id, ==, 40);
  in_root = find_holding (mi, "/srv/other", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (in_root->fstype, ==, "ext4");
  below = sv_idmapped_mounts_below (mi, "/srv/bund le/rootfs", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (below->len, ==, 1);
  g_assert_cmpstr (below->pdata[0], ==, "/srv/bund le/rootfs/proc");
  g_unlink (mi);
}

/* A busy host's mountinfo (the fixture after 300 other containers' overlays and a target that
 * only begins like the one looked up): the same mounts are found, with their raw options. */
static void
test_find_among_other_mounts (void)
{
  g_autoptr (GString) text = g_string_new (fixture);
  g_autoptr (GError) error = NULL;
  g_autoptr (SvIdmappedMount) docker = NULL;
  g_autoptr (SvIdmappedMount) in_overlay = NULL;
  g_autoptr (SvIdmappedMount) top = NULL;
  g_autofree char *mi = NULL;

  for (int i = 0; i < 300; i++)
    g_string_append_printf (text,
                            "%d 26 0:%d / /var/lib/docker/overlay2/c%d/merged rw - overlay "
                            "overlay rw,lowerdir=l/C%d\n",
                            100 + i, 100 + i, i, i);
  g_string_append (text, "45 26 0:45 / /var/lib/docker/overlay2/abc/merge rw - tmpfs t rw\n"
                         "46 26 0:46 / /srv/bund\\040le/root rw - tmpfs t rw");
  mi = write_mountinfo (text->str);
  docker = find_at (mi, "/var/lib/docker/overlay2/abc/merged", &error);
  g_assert_no_error (error);
  g_assert_cmpint (docker->id, ==, 40);
  g_assert_cmpstr (docker->options, ==,
                   "rw,lowerdir=l/AAA:l/BBB,upperdir=abc/diff,workdir=abc/work,index=off");
  in_overlay = find_holding (mi, "/var/lib/docker/overlay2/c7/merged/etc", &error);
  g_assert_no_error (error);
  g_assert_cmpint (in_overlay->id, ==, 107);
  g_assert_cmpstr (in_overlay->options, ==, "rw,lowerdir=l/C7");
  top = find_at (mi, "/srv/bund le/rootfs", &error);
  g_assert_no_error (error);
  g_assert_cmpint (top->id, ==, 42);
  g_unlink (mi);
}

static void
test_missing_mountinfo (void)
{
  g_autoptr (GError) error = NULL;

  g_assert_null (find_at ("/nonexistent/mountinfo", "/", &error));
  g_assert_nonnull (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/shiftfs/mountinfo/overlay-unescape", test_ovl_unescape);
  g_test_add_func ("/shiftfs/overlay/split-lowerdir-escapes-and-data-layers",
                   test_split_lowerdir);
  g_test_add_func ("/shiftfs/overlay/split-lowerdir-empty-layers-refused",
                   test_split_lowerdir_bad);
  g_test_add_func ("/shiftfs/overlay/docker-absolute-layers", test_parse_docker_absolute);
  g_test_add_func ("/shiftfs/overlay/docker-relative-layers-resolved",
                   test_parse_docker_relative);
  g_test_add_func ("/shiftfs/overlay/relative-without-anchor-refused",
                   test_parse_relative_unanchored);
  g_test_add_func ("/shiftfs/overlay/new-api-options-verbatim", test_parse_new_api);
  g_test_add_func ("/shiftfs/overlay/read-only-overlay", test_parse_readonly_overlay);
  g_test_add_func ("/shiftfs/overlay/malformed-refused", test_parse_bad);
  g_test_add_func ("/shiftfs/mountinfo/find-mount-at-topmost-raw-options", test_find_mount_at);
  g_test_add_func ("/shiftfs/mountinfo/mount-holding-and-mounts-below",
                   test_find_mount_holding_and_below);
  g_test_add_func ("/shiftfs/mountinfo/lookups-among-other-mounts", test_find_among_other_mounts);
  g_test_add_func ("/shiftfs/mountinfo/missing-file-is-an-error", test_missing_mountinfo);
  return g_test_run ();
}
