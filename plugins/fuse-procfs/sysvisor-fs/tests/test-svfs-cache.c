/* Unit tests of svfs-cache.c: renders kept per (pid namespace, file, cgroup) for their time
 * to live, never shared across keys, never kept when they fail. */
#include "svfs-cache.h"

#include <string.h>

static guint renders;

static gchar *
make_counter (gpointer data, gsize *len)
{
  renders++;
  gchar *out = g_strdup_printf ("%s %u\n", (const char *) data, renders);
  *len = strlen (out);
  return out;
}

static gchar *
make_nothing (gpointer data, gsize *len)
{
  renders++;
  return NULL;
}

static gchar *
text_of (GBytes *b)
{
  gsize len;
  const char *d = g_bytes_get_data (b, &len);
  gchar *out = g_strndup (d, len);
  g_bytes_unref (b);
  return out;
}

static void
test_served_again_within_ttl (void)
{
  SvfsCacheKey k = { 101, 7, "0::/a\n" };
  renders = 0;
  g_autofree gchar *first = text_of (svfs_cache_get (&k, 1000, make_counter, "a"));
  g_autofree gchar *second = text_of (svfs_cache_get (&k, 1000, make_counter, "a"));
  g_assert_cmpstr (first, ==, "a 1\n");
  g_assert_cmpstr (second, ==, "a 1\n");
  g_assert_cmpuint (renders, ==, 1);
}

static void
test_rendered_anew_after_ttl (void)
{
  SvfsCacheKey k = { 102, 7, "0::/b\n" };
  renders = 0;
  g_autofree gchar *first = text_of (svfs_cache_get (&k, 20, make_counter, "b"));
  g_usleep (30 * 1000);
  g_autofree gchar *second = text_of (svfs_cache_get (&k, 20, make_counter, "b"));
  g_assert_cmpstr (first, ==, "b 1\n");
  g_assert_cmpstr (second, ==, "b 2\n");
}

static void
test_keys_never_share (void)
{
  SvfsCacheKey k1 = { 103, 7, "0::/c1\n" }, k2 = { 103, 7, "0::/c2\n" },
               k3 = { 104, 7, "0::/c1\n" }, k4 = { 103, 8, "0::/c1\n" };
  renders = 0;
  g_autofree gchar *a = text_of (svfs_cache_get (&k1, 1000, make_counter, "x"));
  g_autofree gchar *b = text_of (svfs_cache_get (&k2, 1000, make_counter, "x"));
  g_autofree gchar *c = text_of (svfs_cache_get (&k3, 1000, make_counter, "x"));
  g_autofree gchar *d = text_of (svfs_cache_get (&k4, 1000, make_counter, "x"));
  g_assert_cmpuint (renders, ==, 4);
  g_assert_cmpstr (a, !=, b);
  g_assert_cmpstr (a, !=, c);
  g_assert_cmpstr (a, !=, d);
}

static void
test_failure_not_kept (void)
{
  SvfsCacheKey k = { 105, 7, "0::/d\n" };
  renders = 0;
  g_assert_null (svfs_cache_get (&k, 1000, make_nothing, NULL));
  g_assert_null (svfs_cache_get (&k, 1000, make_nothing, NULL));
  g_assert_cmpuint (renders, ==, 2);
  g_autofree gchar *t = text_of (svfs_cache_get (&k, 1000, make_counter, "d"));
  g_assert_cmpstr (t, ==, "d 3\n");
}

static void
test_caller_remembered (void)
{
  guint64 ns = 0;
  gboolean host = TRUE;
  gchar *cg = NULL;
  svfs_cache_callers_setup (32768);
  g_assert_false (svfs_cache_caller_get (4242, &ns, &host, &cg));
  svfs_cache_caller_put (4242, 77, FALSE, "0::/e\n");
  g_assert_true (svfs_cache_caller_get (4242, &ns, &host, &cg));
  g_assert_cmpuint (ns, ==, 77);
  g_assert_false (host);
  g_assert_cmpstr (cg, ==, "0::/e\n");
  g_free (cg);
  svfs_cache_callers_setup (1000); /* small pid_max: nothing new is remembered */
  svfs_cache_caller_put (4343, 78, FALSE, "0::/f\n");
  g_assert_false (svfs_cache_caller_get (4343, &ns, &host, &cg));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cache/served-again-within-ttl", test_served_again_within_ttl);
  g_test_add_func ("/cache/rendered-anew-after-ttl", test_rendered_anew_after_ttl);
  g_test_add_func ("/cache/keys-never-share", test_keys_never_share);
  g_test_add_func ("/cache/failure-not-kept", test_failure_not_kept);
  g_test_add_func ("/cache/caller-remembered-unless-small-pid-max", test_caller_remembered);
  return g_test_run ();
}
