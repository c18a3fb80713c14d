/* test-idmap-store.c: idmap-exclusive's store: one file per range and a link per holder,
 * reserve and release from many processes and killed ones, the reclaim's batch and its full
 * look on exhaustion, pods, damaged files, the conversion of an older release's table, and the
 * table of version 2 that makes an older release refuse the lib dir. */
#include "idmap-store-files.h"
#include "sv-fd.h"
#include "sv-file.h"

#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SIZE 65536u

static const SvIdPool pool_10[] = { { 196608, 10 * SIZE } };
static const SvIdPool pool_200[] = { { 196608, 200 * SIZE } };

typedef struct
{
  char *dir;    /* the lib dir */
  char *legacy; /* an older release's table */
  char *store;  /* the store's directory */
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("test-idmap-store-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->legacy = sv_idmap_table_path (f->dir);
  f->store = sv_idmap_store_path (f->dir);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_assert_true (sv_file_remove_tree (f->dir, NULL));
  g_free (f->dir);
  g_free (f->legacy);
  g_free (f->store);
}

static gboolean
alive_unless_dead (const char *root, const char *id, gpointer data)
{
  return !g_str_has_prefix (id, "dead");
}

static SvIdmapRequest
request (Fixture *f, const char *root, const char *id)
{
  return (SvIdmapRequest){ .lib_dir = f->dir,
                           .pools = pool_10,
                           .n_pools = 1,
                           .range_size = SIZE,
                           .state_root = root,
                           .id = id,
                           .alive = alive_unless_dead,
                           .exhausted_hint = "grow it" };
}

static guint32
reserve_req (SvIdmapRequest *req)
{
  g_autoptr (GError) error = NULL;
  guint32 start = 0, size = 0;

  g_assert_true (sv_idmap_reserve (req, &start, &size, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (size, ==, SIZE);
  return start;
}

static guint32
reserve (Fixture *f, const char *root, const char *id)
{
  SvIdmapRequest req = request (f, root, id);

  return reserve_req (&req);
}

/* Every range held, as `check` reads them; none overlaps another. */
static SvIdmapTable *
held (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  SvIdmapTable *t = sv_idmap_store_load_all (f->dir, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < t->ranges->len; i++)
    for (guint j = i + 1; j < t->ranges->len; j++)
      {
        const SvIdmapRange *a = g_ptr_array_index (t->ranges, i);
        const SvIdmapRange *b = g_ptr_array_index (t->ranges, j);
        g_assert_true ((guint64) a->start + a->size <= b->start
                       || (guint64) b->start + b->size <= a->start);
      }
  return t;
}

static guint
n_held (Fixture *f)
{
  g_autoptr (SvIdmapTable) t = held (f);

  return t->ranges->len;
}

static char *
range_file (Fixture *f, guint32 start)
{
  g_autofree char *name = g_strdup_printf ("%u-%u.json", start, SIZE);

  return g_build_filename (f->store, "ranges", name, NULL);
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* The names in @dir below the store ("" when it is missing), sorted, space-separated. */
static char *
names_in (Fixture *f, const char *dir)
{
  g_autofree char *path = g_build_filename (f->store, dir, NULL);
  g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

/* holders/<16 hex digits of the root's SHA-256>/<id> */
static char *
holder_link (Fixture *f, const char *root, const char *id)
{
  g_autofree char *sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, root, -1);
  g_autofree char *key = g_strndup (sum, 16);

  return g_build_filename (f->store, "holders", key, id, NULL);
}

static void
test_reserve_idempotent_and_keyed_by_root (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SvIdmapTable) t = NULL;
  g_autoptr (SvIdmapRange) r = NULL;
  g_autofree char *path = NULL;
  g_autofree char *files = NULL;
  guint32 a = reserve (f, "/run/one", "web");
  g_autofree char *link_one = holder_link (f, "/run/one", "web");
  g_autofree char *link_two = holder_link (f, "/run/two", "web");
  g_autofree char *target = NULL;

  g_assert_cmpuint (a, ==, 196608);
  target = g_file_read_link (link_one, NULL);
  g_assert_cmpstr (target, ==, "196608-65536");
  g_assert_cmpuint (reserve (f, "/run/one", "web"), ==, a);
  g_assert_cmpuint (reserve (f, "/run/two", "web"), ==, a + SIZE);
  /* the range file is the record: its object, with "version" */
  path = range_file (f, a);
  r = sv_idmap_range_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (r->id, ==, "web");
  g_assert_cmpstr (r->state_root, ==, "/run/one");
  files = names_in (f, "ranges");
  g_assert_cmpstr (files, ==, "196608-65536.json 262144-65536.json");
  g_assert_true (sv_idmap_release (f->dir, "/run/one", "web", &error));
  g_assert_true (sv_idmap_release (f->dir, "/run/one", "web", &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  t = held (f);
  g_assert_cmpuint (t->ranges->len, ==, 1);
  g_assert_nonnull (sv_idmap_table_find (t, "/run/two", "web"));
  /* /run/one's link went; its root's directory and name stay for its next container */
  g_assert_false (g_file_test (link_one, G_FILE_TEST_IS_SYMLINK));
  g_assert_true (g_file_test (link_two, G_FILE_TEST_IS_SYMLINK));
  g_assert_true (sv_idmap_release (f->dir, "/run/two", "web", &error));
  g_assert_false (g_file_test (link_two, G_FILE_TEST_IS_SYMLINK));
  g_free (files);
  files = names_in (f, "ranges");
  g_assert_cmpstr (files, ==, "");
}

static void
test_reserve_reclaims_dead (Fixture *f, gconstpointer data)
{
  g_autoptr (SvIdmapTable) t = NULL;
  guint32 dead;

  reserve (f, "/run/r", "live");
  dead = reserve (f, "/run/r", "dead-x");
  /* the dead container's slot is the lowest free one: the next create takes it back */
  g_assert_cmpuint (reserve (f, "/run/r", "new"), ==, dead);
  t = held (f);
  g_assert_null (sv_idmap_table_find (t, "/run/r", "dead-x"));
  g_assert_cmpuint (t->ranges->len, ==, 2);
}

/* Holders of ranges reserved with no reclaim (every holder taken for alive). */
static void
fill (Fixture *f, const SvIdPool *pool, const char *prefix, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("%s%u", prefix, i);
      SvIdmapRequest req = request (f, "/run/r", id);
      req.pools = pool;
      req.alive = NULL;
      reserve_req (&req);
    }
}

/* A create looks at a batch of holders, the next batch each time. */
static void
test_reclaim_looks_at_a_batch (Fixture *f, gconstpointer data)
{
  SvIdmapRequest req = request (f, "/run/r", "new1");

  req.pools = pool_200;
  fill (f, pool_200, "dead-", SV_IDMAP_RECLAIM_BATCH + 6);
  reserve_req (&req);
  g_assert_cmpuint (n_held (f), ==, 6 + 1);
  req.id = "new2";
  reserve_req (&req);
  g_assert_cmpuint (n_held (f), ==, 2);
}

/* With no slot free, every holder is looked at: here the one gone is outside the batch (the
 * cursor is set past it). */
static void
test_exhaustion_looks_at_every_holder (Fixture *f, gconstpointer data)
{
  static const SvIdPool pool[] = { { 196608, (SV_IDMAP_RECLAIM_BATCH + 6) * SIZE } };
  g_autofree char *lock_path = g_build_filename (f->dir, SV_IDMAP_LOCK_FILE, NULL);
  g_autoptr (GPtrArray) holders = NULL;
  SvIdmapRequest req = request (f, "/run/r", "new");
  sv_autofd lock = -1;
  guint i;

  fill (f, pool, "live-", SV_IDMAP_RECLAIM_BATCH + 5);
  fill (f, pool, "dead-", 1);
  holders = sv_idmap_store_holders (f->store);
  for (i = 0; i < holders->len; i++)
    if (g_str_has_prefix (((SvIdmapHolder *) g_ptr_array_index (holders, i))->id, "dead-"))
      break;
  g_assert_cmpuint (i, <, holders->len);
  lock = open (lock_path, O_RDWR | O_CLOEXEC);
  sv_idmap_cursor_write (lock, i + 1);
  req.pools = pool;
  reserve_req (&req);
  g_assert_cmpuint (n_held (f), ==, SV_IDMAP_RECLAIM_BATCH + 6);
  {
    g_autoptr (SvIdmapTable) t = held (f);
    g_assert_null (sv_idmap_table_find (t, "/run/r", "dead-0"));
  }
}

static void
test_exhaustion_names_count_and_fix (Fixture *f, gconstpointer data)
{
  static const SvIdPool one[] = { { 196608, SIZE } };
  g_autoptr (GError) error = NULL;
  SvIdmapRequest req = request (f, "/run/r", "new");
  guint32 start, size;

  fill (f, one, "live-", 1);
  req.pools = one;
  g_assert_false (sv_idmap_reserve (&req, &start, &size, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
  g_assert_nonnull (strstr (error->message, "1 containers hold ranges"));
  g_assert_nonnull (strstr (error->message, "; grow it"));
  g_assert_cmpuint (n_held (f), ==, 1);
}

static void
test_release_without_lib_dir (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *missing = g_build_filename (f->dir, "not-there", NULL);

  g_assert_true (sv_idmap_release (missing, "/run/r", "a", &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
}

/* A range file that a person damaged stops its holder's release, naming the file and the
 * fix; one torn by a power loss before this boot (its holder gone with that boot) is free. */
static void
test_damaged_range_file (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = range_file (f, 196608);
  struct timespec up;
  struct timespec before_boot[2];

  fill (f, pool_10, "dead-", 1);
  g_assert_true (g_file_set_contents (path, "{\"version\": 1, \"start\": ", -1, NULL));
  g_assert_false (sv_idmap_release (f->dir, "/run/r", "dead-0", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_true (g_str_has_prefix (error->message, path));
  g_assert_nonnull (strstr (error->message, "remove it"));
  g_assert_cmpint (clock_gettime (CLOCK_BOOTTIME, &up), ==, 0);
  before_boot[0] = before_boot[1] = (struct timespec){ time (NULL) - up.tv_sec - 60, 0 };
  g_assert_cmpint (utimensat (AT_FDCWD, path, before_boot, 0), ==, 0);
  g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "*damaged before this boot*");
  g_assert_cmpuint (reserve (f, "/run/r", "b"), ==, 196608);
  g_test_assert_expected_messages ();
  g_clear_error (&error);
  g_assert_true (sv_idmap_release (f->dir, "/run/r", "dead-0", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_held (f), ==, 1);
}

/* A link whose range file does not list its container (a process killed between the two)
 * counts for nothing: its slot goes to another container, which the first one's release
 * leaves alone. */
static void
test_link_without_range_counts_for_nothing (Fixture *f, gconstpointer data)
{
  g_autofree char *path = range_file (f, reserve (f, "/run/r", "a"));
  g_autoptr (GError) error = NULL;
  g_autoptr (SvIdmapTable) t = NULL;

  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpuint (reserve (f, "/run/r", "b"), ==, 196608);
  /* "a" created again gets a range of its own, not the one its old link names */
  g_assert_cmpuint (reserve (f, "/run/r", "a"), ==, 196608 + SIZE);
  g_assert_true (sv_idmap_release (f->dir, "/run/r", "a", &error));
  g_assert_no_error (error);
  t = held (f);
  g_assert_cmpuint (t->ranges->len, ==, 1);
  g_assert_nonnull (sv_idmap_table_find (t, "/run/r", "b"));
}

/* Children reserve concurrently; no two ranges overlap. */
#define N_PROCS 12
#define PER_PROC 6

static void
test_concurrent_reserve_from_processes (Fixture *f, gconstpointer data)
{
  pid_t pids[N_PROCS];

  for (int p = 0; p < N_PROCS; p++)
    {
      pids[p] = fork ();
      g_assert_cmpint (pids[p], >=, 0);
      if (pids[p] == 0)
        {
          for (int i = 0; i < PER_PROC; i++)
            {
              g_autofree char *id = g_strdup_printf ("p%d-%d", p, i);
              SvIdmapRequest req = request (f, "/run/r", id);
              guint32 s, z;
              req.pools = pool_200;
              if (!sv_idmap_reserve (&req, &s, &z, NULL))
                _exit (1);
            }
          _exit (0);
        }
    }
  for (int p = 0; p < N_PROCS; p++)
    {
      int status;
      g_assert_cmpint (waitpid (pids[p], &status, 0), ==, pids[p]);
      g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    }
  g_assert_cmpuint (n_held (f), ==, N_PROCS * PER_PROC);
}

/* Processes killed at random moments while reserving and releasing never leave a file that
 * does not load, nor a range held twice; every id they used can then be released. */
static void
test_kill_at_random_keeps_store_valid (Fixture *f, gconstpointer data)
{
  for (int round = 0; round < 30; round++)
    {
      pid_t pid = fork ();
      g_assert_cmpint (pid, >=, 0);
      if (pid == 0)
        {
          for (int i = 0;; i++)
            {
              g_autofree char *id = g_strdup_printf ("r%d-%d", round, i % 4);
              SvIdmapRequest req = request (f, "/run/r", id);
              guint32 s, z;
              if (!sv_idmap_reserve (&req, &s, &z, NULL))
                _exit (1);
              if (i % 2 == 1)
                sv_idmap_release (f->dir, "/run/r", id, NULL);
            }
        }
      g_usleep (g_random_int_range (0, 20000));
      kill (pid, SIGKILL);
      waitpid (pid, NULL, 0);
      g_assert_cmpuint (n_held (f), <=, 10);
    }
  for (int round = 0; round < 30; round++)
    for (int i = 0; i < 4; i++)
      {
        g_autofree char *id = g_strdup_printf ("r%d-%d", round, i);
        g_autoptr (GError) error = NULL;
        g_assert_true (sv_idmap_release (f->dir, "/run/r", id, &error));
        g_assert_no_error (error);
      }
  g_assert_cmpuint (n_held (f), ==, 0);
}

/* reserve with pod_id joins the sandbox's range (and is idempotent). */
static void
test_pod_reserve_joins (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  guint32 pod = reserve (f, "/run/r", "sandbox");
  SvIdmapRequest req = request (f, "/run/r", "app");
  SvIdmapRequest dead = request (f, "/run/r", "dead-app");
  g_autoptr (SvIdmapTable) t = NULL;
  guint32 s = 0, z = 0;

  dead.pod_id = "sandbox";
  dead.alive = NULL;
  g_assert_cmpuint (reserve_req (&dead), ==, pod);
  req.pod_id = "sandbox";
  g_assert_cmpuint (reserve_req (&req), ==, pod);
  g_assert_cmpuint (reserve_req (&req), ==, pod);
  /* joining reclaimed the place of the member that is gone */
  t = held (f);
  g_assert_null (sv_idmap_table_find (t, "/run/r", "dead-app"));
  g_assert_nonnull (sv_idmap_table_find (t, "/run/r", "app"));
  req.pod_id = "no-such-sandbox";
  req.id = "app2";
  g_assert_false (sv_idmap_reserve (&req, &s, &z, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "no-such-sandbox"));
  g_clear_error (&error);
  /* the sandbox first: the range stays for its member */
  g_assert_true (sv_idmap_release (f->dir, "/run/r", "sandbox", &error));
  g_assert_cmpuint (reserve (f, "/run/r", "other"), ==, pod + SIZE);
  req.id = "app3";
  req.pod_id = "sandbox";
  g_assert_false (sv_idmap_reserve (&req, &s, &z, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (sv_idmap_release (f->dir, "/run/r", "app", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (reserve (f, "/run/r", "fresh"), ==, pod);
}

/* Holders that no longer exist let go of a pod's range one by one: the sandbox gone first
 * keeps it for its members (ownerReleased), a member gone loses its place, and the range is
 * freed with the last holder. */
static void
test_pod_reclaim_waits_for_every_member (Fixture *f, gconstpointer data)
{
  SvIdmapRequest sandbox = request (f, "/run/r", "dead-sandbox");
  SvIdmapRequest app = request (f, "/run/r", "app");
  SvIdmapRequest dead_app = request (f, "/run/r", "dead-app");
  g_autoptr (GError) error = NULL;
  g_autoptr (SvIdmapTable) t = NULL;
  g_autofree char *path = range_file (f, 196608);
  g_autoptr (SvIdmapRange) r = NULL;
  guint32 pod;

  sandbox.alive = app.alive = dead_app.alive = NULL;
  pod = reserve_req (&sandbox);
  app.pod_id = dead_app.pod_id = "dead-sandbox";
  g_assert_cmpuint (reserve_req (&app), ==, pod);
  g_assert_cmpuint (reserve_req (&dead_app), ==, pod);
  /* a create that reclaims: both dead holders let go, the range stays for app */
  g_assert_cmpuint (reserve (f, "/run/r", "other"), ==, pod + SIZE);
  r = sv_idmap_range_load (path, &error);
  g_assert_no_error (error);
  g_assert_true (r->owner_released);
  g_assert_cmpuint (r->members->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (r->members, 0), ==, "app");
  t = held (f);
  g_assert_null (sv_idmap_table_find (t, "/run/r", "dead-sandbox"));
  g_assert_null (sv_idmap_table_find (t, "/run/r", "dead-app"));
  g_assert_cmpuint (sv_idmap_table_find (t, "/run/r", "app")->start, ==, pod);
  g_assert_true (sv_idmap_release (f->dir, "/run/r", "app", &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (n_held (f), ==, 1);
}

#define LEGACY_TABLE                                                                             \
  "{\"version\": 1, \"ranges\": ["                                                               \
  "{\"start\": 196608, \"size\": 65536, \"stateRoot\": \"/run/r\", \"id\": \"a\"},"              \
  "{\"start\": 262144, \"size\": 65536, \"stateRoot\": \"/run/r\", \"id\": \"s\", "              \
  "\"members\": [\"m1\", \"m2\"]},"                                                              \
  "{\"start\": 327680, \"size\": 65536, \"stateRoot\": \"/run/r\", \"id\": \"t\", "              \
  "\"members\": [\"m3\"], \"ownerReleased\": true}]}"

/* What every older release checks of its table before it reads a range (the first lines of
 * table_from_json since the plugin began): an object with an integer "version", which must be
 * 1, and a "ranges" array.  The table this release leaves must fail that check, and hold no
 * range, or an older release would count from it. */
static void
assert_older_release_refuses (const char *path)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonObject *o;

  g_assert_true (json_parser_load_from_file (parser, path, &error));
  g_assert_no_error (error);
  o = json_node_get_object (json_parser_get_root (parser));
  g_assert_nonnull (o);
  g_assert_cmpint (json_object_get_int_member (o, "version"), ==, SV_IDMAP_TABLE_MOVED_VERSION);
  g_assert_cmpint (SV_IDMAP_TABLE_MOVED_VERSION, !=, SV_IDMAP_TABLE_VERSION);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "ranges")), ==, 0);
}

/* The first reserve in a lib dir puts the version 2 table where older releases look, and it
 * stays through reserves and releases: an older release run on this lib dir refuses it. */
static void
test_moved_table_guards_older_releases (Fixture *f, gconstpointer data)
{
  static const char by_hand[] = "{ \"version\" : 2,\n  \"ranges\" : [ ] }";
  g_autoptr (GError) error = NULL;
  g_autoptr (SvIdmapTable) t = NULL;
  g_autofree char *text = NULL;
  GStatBuf before, after;

  g_assert_false (g_file_test (f->legacy, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (reserve (f, "/run/r", "a"), ==, 196608);
  assert_older_release_refuses (f->legacy);
  g_assert_cmpint (g_stat (f->legacy, &before), ==, 0);
  g_assert_cmpuint (reserve (f, "/run/r", "b"), ==, 262144);
  g_assert_cmpuint (n_held (f), ==, 2); /* (it adds no range to what `check` counts) */
  g_assert_true (sv_idmap_release (f->dir, "/run/r", "a", &error));
  g_assert_true (sv_idmap_release (f->dir, "/run/r", "b", &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (f->legacy, &after), ==, 0);
  g_assert_cmpuint (after.st_ino, ==, before.st_ino); /* written once */
  g_assert_cmpuint (n_held (f), ==, 0);
  /* written by hand in another layout, it is still the version 2 table, not a table to convert */
  g_assert_true (g_file_set_contents (f->legacy, by_hand, -1, NULL));
  t = sv_idmap_table_load (f->legacy, &error);
  g_assert_no_error (error);
  g_assert_true (t->moved);
  g_assert_cmpuint (reserve (f, "/run/r", "c"), ==, 196608);
  g_assert_true (g_file_get_contents (f->legacy, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, by_hand); /* not converted, nor written again */
}

/* An older release's table is read by `check` as it is, and made range files by the first
 * reserve or release, which leaves the version 2 table in its place; its holders keep their
 * ranges. */
static void
test_legacy_table_converted (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  SvIdmapRequest req = request (f, "/run/r", "m1");
  g_autofree char *files = NULL;

  g_assert_true (g_file_set_contents (f->legacy, LEGACY_TABLE, -1, NULL));
  g_assert_cmpuint (n_held (f), ==, 3);
  g_assert_false (g_file_test (f->store, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (reserve (f, "/run/r", "new"), ==, 393216);
  assert_older_release_refuses (f->legacy);
  files = names_in (f, "ranges");
  g_assert_cmpstr (files, ==,
                   "196608-65536.json 262144-65536.json 327680-65536.json 393216-65536.json");
  req.pod_id = "s";
  g_assert_cmpuint (reserve_req (&req), ==, 262144);
  g_assert_cmpuint (reserve (f, "/run/r", "a"), ==, 196608);
  g_assert_true (sv_idmap_release (f->dir, "/run/r", "m3", &error));
  g_assert_true (sv_idmap_release (f->dir, "/run/r", "t", &error)); /* released already */
  g_assert_no_error (error);
  g_assert_cmpuint (n_held (f), ==, 3);
  g_assert_cmpuint (reserve (f, "/run/r", "next"), ==, 327680);
}

static void
test_corrupt_legacy_table_stops_all (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  SvIdmapRequest req = request (f, "/run/r", "a");
  guint32 s, z;

  g_assert_true (g_file_set_contents (f->legacy, "{\"version\": 1, \"ranges\": [", -1, NULL));
  g_assert_false (sv_idmap_reserve (&req, &s, &z, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_true (g_str_has_prefix (error->message, f->legacy));
  g_clear_error (&error);
  g_assert_false (sv_idmap_release (f->dir, "/run/r", "a", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_true (g_file_get_contents (f->legacy, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "{\"version\": 1, \"ranges\": [");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/idmap-store/reserve-idempotent-and-keyed-by-root",
       test_reserve_idempotent_and_keyed_by_root);
  ADD ("/idmap-store/reserve-reclaims-dead-containers", test_reserve_reclaims_dead);
  ADD ("/idmap-store/reclaim-looks-at-a-batch", test_reclaim_looks_at_a_batch);
  ADD ("/idmap-store/exhaustion-looks-at-every-holder", test_exhaustion_looks_at_every_holder);
  ADD ("/idmap-store/exhaustion-names-count-and-fix", test_exhaustion_names_count_and_fix);
  ADD ("/idmap-store/release-without-lib-dir-is-noop", test_release_without_lib_dir);
  ADD ("/idmap-store/damaged-range-file", test_damaged_range_file);
  ADD ("/idmap-store/link-without-range-counts-for-nothing",
       test_link_without_range_counts_for_nothing);
  ADD ("/idmap-store/concurrent-reserve-from-processes", test_concurrent_reserve_from_processes);
  ADD ("/idmap-store/kill-at-random-keeps-store-valid", test_kill_at_random_keeps_store_valid);
  ADD ("/idmap-store/pod-reserve-joins-sandbox-range", test_pod_reserve_joins);
  ADD ("/idmap-store/pod-reclaim-waits-for-every-member",
       test_pod_reclaim_waits_for_every_member);
  ADD ("/idmap-store/moved-table-guards-older-releases", test_moved_table_guards_older_releases);
  ADD ("/idmap-store/legacy-table-converted", test_legacy_table_converted);
  ADD ("/idmap-store/corrupt-legacy-table-stops-all", test_corrupt_legacy_table_stops_all);
#undef ADD
  return g_test_run ();
}
