/* Unit tests of svfs-workers.c on a pipe of numbered requests: a trickle of requests is answered
 * by one thread, a request stuck in a worker holds no other back, a backlog brings more workers
 * in, an idle pool's watchdog sleeps, and stop ends it all. */
#include "svfs-workers.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define HANG (-1)
#define MAX_ITEMS 512

typedef struct
{
  int fds[2];
  GMutex lock;
  GCond changed;
  gboolean hanging;        /* a HANG request is being answered */
  gboolean release;        /* let it go */
  guint done;              /* requests answered */
  pthread_t by[MAX_ITEMS]; /* the thread that answered request i */
  gint64 at[MAX_ITEMS];    /* when */
  gulong busy_us;          /* what each answer takes */
} Harness;

typedef struct
{
  Harness *h;
  int item;
} State;

static gpointer
state_new (gpointer user)
{
  State *s = g_new0 (State, 1);
  s->h = user;
  return s;
}

static int
receive_item (gpointer data)
{
  State *s = data;
  ssize_t n = read (s->h->fds[0], &s->item, sizeof s->item);
  if (n < 0)
    return -errno;
  return n == sizeof s->item ? 1 : 0;
}

static void
process_item (gpointer data)
{
  State *s = data;
  Harness *h = s->h;

  g_mutex_lock (&h->lock);
  if (s->item == HANG)
    {
      h->hanging = TRUE;
      g_cond_broadcast (&h->changed);
      while (!h->release)
        g_cond_wait (&h->changed, &h->lock);
      h->hanging = FALSE;
      g_mutex_unlock (&h->lock);
      return;
    }
  g_mutex_unlock (&h->lock);
  if (h->busy_us)
    g_usleep (h->busy_us);
  g_mutex_lock (&h->lock);
  g_assert_cmpint (s->item, >=, 0);
  g_assert_cmpint (s->item, <, MAX_ITEMS);
  h->by[s->item] = pthread_self ();
  h->at[s->item] = g_get_monotonic_time ();
  h->done++;
  g_cond_broadcast (&h->changed);
  g_mutex_unlock (&h->lock);
}

static const SvfsWorkersOps ops = {
  .worker_new = state_new,
  .worker_free = g_free,
  .receive = receive_item,
  .process = process_item,
};

static SvfsWorkers *
harness_start (Harness *h)
{
  g_autoptr (GError) error = NULL;

  memset (h, 0, sizeof *h);
  g_assert_no_errno (pipe2 (h->fds, O_CLOEXEC));
  g_mutex_init (&h->lock);
  g_cond_init (&h->changed);
  SvfsWorkers *pool = svfs_workers_start (&ops, h, 4, &error);
  g_assert_no_error (error);
  g_assert_nonnull (pool);
  return pool;
}

static void
harness_stop (Harness *h, SvfsWorkers *pool)
{
  g_mutex_lock (&h->lock);
  h->release = TRUE;
  g_cond_broadcast (&h->changed);
  g_mutex_unlock (&h->lock);
  gint64 t0 = g_get_monotonic_time ();
  svfs_workers_stop (pool);
  g_assert_cmpint (g_get_monotonic_time () - t0, <, 2 * G_USEC_PER_SEC);
  close (h->fds[0]);
  close (h->fds[1]);
  g_cond_clear (&h->changed);
  g_mutex_clear (&h->lock);
}

static void
send_item (Harness *h, int item)
{
  g_assert_cmpint (write (h->fds[1], &item, sizeof item), ==, sizeof item);
}

/* Waits until N requests are answered; FALSE after TIMEOUT_US. */
static gboolean
wait_done (Harness *h, guint n, gint64 timeout_us)
{
  gint64 until = g_get_monotonic_time () + timeout_us;
  gboolean ok = TRUE;

  g_mutex_lock (&h->lock);
  while (h->done < n && ok)
    ok = g_cond_wait_until (&h->changed, &h->lock, until);
  ok = h->done >= n;
  g_mutex_unlock (&h->lock);
  return ok;
}

/* How many of requests 0..N-1 the thread that answered most of them answered. */
static guint
most_by_one_thread (Harness *h, guint n)
{
  guint best = 0;

  for (guint i = 0; i < n; i++)
    {
      guint same = 0;
      for (guint j = 0; j < n; j++)
        same += pthread_equal (h->by[i], h->by[j]) ? 1 : 0;
      best = MAX (best, same);
    }
  return best;
}

static guint
distinct_threads (Harness *h, guint n)
{
  guint distinct = 0;

  for (guint i = 0; i < n; i++)
    {
      gboolean seen = FALSE;
      for (guint j = 0; j < i && !seen; j++)
        seen = pthread_equal (h->by[i], h->by[j]);
      distinct += seen ? 0 : 1;
    }
  return distinct;
}

/* A reader's requests one after another, each once the last is answered: the thread that
 * answered one listens for the next (four workers blocked in read() would take turns). */
static void
test_trickle_answered_by_one_thread (void)
{
  Harness h;
  SvfsWorkers *pool = harness_start (&h);

  for (int i = 0; i < 60; i++)
    {
      send_item (&h, i);
      g_assert_true (wait_done (&h, i + 1, 5 * G_USEC_PER_SEC));
      g_usleep (500);
    }
  guint most = most_by_one_thread (&h, 60);
  g_test_message ("one thread answered %u of 60 requests", most);
  g_assert_cmpuint (most, >=, 54);
  harness_stop (&h, pool);
}

/* The listener stuck in one request: the watchdog lets another worker listen, so the next
 * requests are answered while it hangs. */
static void
test_stuck_request_holds_no_other (void)
{
  Harness h;
  SvfsWorkers *pool = harness_start (&h);

  send_item (&h, HANG);
  g_mutex_lock (&h.lock);
  while (!h.hanging)
    g_cond_wait (&h.changed, &h.lock);
  g_mutex_unlock (&h.lock);
  gint64 t0 = g_get_monotonic_time ();
  for (int i = 0; i < 5; i++)
    send_item (&h, i);
  g_assert_true (wait_done (&h, 5, 5 * G_USEC_PER_SEC));
  g_test_message ("5 requests answered %" G_GINT64_FORMAT " us after the stuck one",
                  h.at[4] - t0);
  g_mutex_lock (&h.lock);
  g_assert_true (h.hanging);
  g_mutex_unlock (&h.lock);
  harness_stop (&h, pool);
}

/* 200 requests at once, 2 ms each: more than one worker answers them. */
static void
test_backlog_brings_more_workers (void)
{
  Harness h;
  SvfsWorkers *pool = harness_start (&h);

  h.busy_us = 2000;
  gint64 t0 = g_get_monotonic_time ();
  for (int i = 0; i < 200; i++)
    send_item (&h, i);
  g_assert_true (wait_done (&h, 200, 20 * G_USEC_PER_SEC));
  guint n = distinct_threads (&h, 200);
  g_test_message ("200 x 2 ms answered in %" G_GINT64_FORMAT " ms by %u threads",
                  (g_get_monotonic_time () - t0) / 1000, n);
  g_assert_cmpuint (n, >=, 2);
  harness_stop (&h, pool);
}

/* voluntary_ctxt_switches of this process's thread named NAME, or -1. */
static gint64
thread_switches (const char *name)
{
  g_autoptr (GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  const char *tid;

  while (dir != NULL && (tid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *comm_path = g_strdup_printf ("/proc/self/task/%s/comm", tid);
      g_autofree gchar *status_path = g_strdup_printf ("/proc/self/task/%s/status", tid);
      g_autofree gchar *comm = NULL, *status = NULL;
      if (!g_file_get_contents (comm_path, &comm, NULL, NULL)
          || !g_str_equal (g_strstrip (comm), name)
          || !g_file_get_contents (status_path, &status, NULL, NULL))
        continue;
      const char *v = strstr (status, "\nvoluntary_ctxt_switches:");
      return v ? g_ascii_strtoll (strchr (v, ':') + 1, NULL, 10) : -1;
    }
  return -1;
}

/* After a request, the watchdog looks for a window or two, then sleeps until the next one. */
static void
test_idle_watchdog_sleeps (void)
{
  Harness h;
  SvfsWorkers *pool = harness_start (&h);

  send_item (&h, 0);
  g_assert_true (wait_done (&h, 1, 5 * G_USEC_PER_SEC));
  g_usleep (100 * 1000);
  gint64 before = thread_switches ("svfs-watchdog");
  g_assert_cmpint (before, >=, 0);
  g_usleep (300 * 1000);
  gint64 after = thread_switches ("svfs-watchdog");
  g_test_message ("watchdog woke %" G_GINT64_FORMAT " times in 300 ms of idleness",
                  after - before);
  g_assert_cmpint (after - before, <=, 2);
  /* and it wakes for the next request: a stuck one is still rescued */
  send_item (&h, HANG);
  send_item (&h, 1);
  g_assert_true (wait_done (&h, 2, 5 * G_USEC_PER_SEC));
  harness_stop (&h, pool);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/svfs-workers/trickle-answered-by-one-thread",
                   test_trickle_answered_by_one_thread);
  g_test_add_func ("/svfs-workers/stuck-request-holds-no-other",
                   test_stuck_request_holds_no_other);
  g_test_add_func ("/svfs-workers/backlog-brings-more-workers", test_backlog_brings_more_workers);
  g_test_add_func ("/svfs-workers/idle-watchdog-sleeps", test_idle_watchdog_sleeps);
  return g_test_run ();
}
