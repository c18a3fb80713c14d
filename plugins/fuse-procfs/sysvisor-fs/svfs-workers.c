/* svfs-workers.c: the threads that answer sysvisor-fs's requests.
 *
 * One worker listens at a time; the others wait on a condition variable.  A request that finds
 * its listener asleep costs a thread wakeup, on a 2-CPU guest most often one on the other CPU.
 * With every worker blocked in read() of /dev/fuse the kernel woke them in turn (first come,
 * first woken): each of a read's four requests (open, read, the read that finds the end,
 * release) woke a different, cache-cold thread.  With one listener the thread that answered a
 * reader's open answers its read too: the daemon's CPU per read under a paced load went from
 * ~145 to ~105 us (bench/README.md, "One listener").
 *
 * A watchdog lets more workers listen when one is not enough: every WINDOW_US while requests
 * come in, if nobody listens now and the listening post was vacant for half of the window or
 * more (the listener is stuck in a slow request, or requests come almost as fast as one thread
 * answers them), it lets one waiting worker listen too.  (Vacant for 90 %: under 50 readers
 * in tight loops one listener then served ~25 % fewer reads than four workers had.)  A worker
 * that has answered a request listens again if nobody listens, else it waits.  After a window
 * without a request, while someone listens, the watchdog sleeps until the next request: an
 * idle daemon is not woken.  (An earlier design
 * handed the listening post over before every render: two thread switches per read, which
 * cost more than they saved.  Here nothing is handed over while one thread keeps up.)
 */
#include "svfs-workers.h"

#include "sv-error.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

#define WINDOW_US 2000
#define WORKER_STACK (256 * 1024)
#define WATCHDOG_STACK (64 * 1024)

typedef struct
{
  SvfsWorkers *pool;
  pthread_t thread;
  gboolean started;
  gint done;
} Worker;

struct SvfsWorkers
{
  SvfsWorkersOps ops;
  gpointer user;
  gint stopping;
  gint listening;    /* workers in receive(), or about to enter it */
  guint listened_us; /* time spent in receive() since the watchdog last looked (capped per call) */
  gint received;     /* requests received so far (wraps) */
  gint watchdog_idle; /* the watchdog sleeps until the next request */
  GMutex lock;
  GCond standby; /* waiting workers */
  guint grants;  /* waiting workers the watchdog let listen that have not gone yet */
  GCond watch;   /* the watchdog's waits */
  pthread_t watchdog;
  gboolean watchdog_started;
  guint n;
  Worker workers[];
};

static void
on_wake (int sig)
{
}

/* The listening post: this worker's if nobody holds it, else once the watchdog lets one more
 * in.  FALSE: the pool stops. */
static gboolean
listen_turn (SvfsWorkers *p)
{
  gboolean granted = FALSE;

  if (g_atomic_int_compare_and_exchange (&p->listening, 0, 1))
    return TRUE;
  g_mutex_lock (&p->lock);
  while (p->grants == 0 && !g_atomic_int_get (&p->stopping))
    g_cond_wait (&p->standby, &p->lock);
  if (p->grants > 0 && !g_atomic_int_get (&p->stopping))
    {
      p->grants--;
      g_atomic_int_inc (&p->listening);
      granted = TRUE;
    }
  g_mutex_unlock (&p->lock);
  return granted;
}

static void
watchdog_wake (SvfsWorkers *p)
{
  g_mutex_lock (&p->lock);
  g_atomic_int_set (&p->watchdog_idle, 0);
  g_cond_signal (&p->watch);
  g_mutex_unlock (&p->lock);
}

static void *
worker_main (void *data)
{
  Worker *w = data;
  SvfsWorkers *p = w->pool;
  sigset_t wake;

  pthread_setname_np (pthread_self (), "svfs-worker");
  sigemptyset (&wake);
  sigaddset (&wake, SVFS_WAKE_SIGNAL);
  pthread_sigmask (SIG_UNBLOCK, &wake, NULL);
  gpointer state = p->ops.worker_new (p->user);
  while (!g_atomic_int_get (&p->stopping) && listen_turn (p))
    {
      gint64 t0 = g_get_monotonic_time ();
      int res = p->ops.receive (state);
      g_atomic_int_add (&p->listened_us, (guint) MIN (g_get_monotonic_time () - t0, WINDOW_US));
      g_atomic_int_dec_and_test (&p->listening);
      if (res == -EINTR || res == -EAGAIN)
        continue;
      if (res <= 0)
        {
          if (!g_atomic_int_get (&p->stopping) && p->ops.closed != NULL)
            p->ops.closed (p->user, res);
          break;
        }
      /* A full barrier, then the look at watchdog_idle: see watchdog_sleep. */
      g_atomic_int_inc (&p->received);
      if (g_atomic_int_get (&p->watchdog_idle))
        watchdog_wake (p);
      p->ops.process (state);
    }
  p->ops.worker_free (state);
  g_atomic_int_set (&w->done, 1);
  return NULL;
}

/* With p->lock held.  A worker that received a request after the watchdog's last look may have
 * seen watchdog_idle still 0: set it, then look at the count again (both sequentially
 * consistent, so one of the two sees the other). */
static void
watchdog_sleep (SvfsWorkers *p, gint seen)
{
  g_atomic_int_set (&p->watchdog_idle, 1);
  while (g_atomic_int_get (&p->watchdog_idle) && g_atomic_int_get (&p->received) == seen
         && !g_atomic_int_get (&p->stopping))
    g_cond_wait (&p->watch, &p->lock);
  g_atomic_int_set (&p->watchdog_idle, 0);
  g_atomic_int_and (&p->listened_us, 0);
}

/* With p->lock held, once per window. */
static void
watchdog_look (SvfsWorkers *p, gint *seen)
{
  gint received = g_atomic_int_get (&p->received);
  guint listened = g_atomic_int_and (&p->listened_us, 0);
  gint listening = g_atomic_int_get (&p->listening);

  if (listening == 0 && listened < WINDOW_US / 2)
    {
      if (p->grants == 0)
        {
          p->grants++;
          g_cond_signal (&p->standby);
        }
    }
  else if (received == *seen && listening > 0)
    watchdog_sleep (p, received);
  *seen = g_atomic_int_get (&p->received);
}

static void *
watchdog_main (void *data)
{
  SvfsWorkers *p = data;
  gint seen = g_atomic_int_get (&p->received);

  pthread_setname_np (pthread_self (), "svfs-watchdog");
  g_mutex_lock (&p->lock);
  while (!g_atomic_int_get (&p->stopping))
    {
      gint64 until = g_get_monotonic_time () + WINDOW_US;
      while (!g_atomic_int_get (&p->stopping) && g_cond_wait_until (&p->watch, &p->lock, until))
        ;
      if (!g_atomic_int_get (&p->stopping))
        watchdog_look (p, &seen);
    }
  g_mutex_unlock (&p->lock);
  return NULL;
}

static gboolean
thread_start (pthread_t *thread, gsize stack, void *(*fn) (void *), gpointer data, GError **error)
{
  pthread_attr_t attr;

  pthread_attr_init (&attr);
  pthread_attr_setstacksize (&attr, stack);
  int err = pthread_create (thread, &attr, fn, data);
  pthread_attr_destroy (&attr);
  if (err)
    sv_set_file_error_errno (error, err, "start a worker thread");
  return err == 0;
}

SvfsWorkers *
svfs_workers_start (const SvfsWorkersOps *ops, gpointer user, guint n, GError **error)
{
  struct sigaction sa = { .sa_handler = on_wake };
  SvfsWorkers *p = g_malloc0 (sizeof *p + MAX (n, 1) * sizeof (Worker));

  sigemptyset (&sa.sa_mask);
  sigaction (SVFS_WAKE_SIGNAL, &sa, NULL);
  p->ops = *ops;
  p->user = user;
  p->n = MAX (n, 1);
  g_mutex_init (&p->lock);
  g_cond_init (&p->standby);
  g_cond_init (&p->watch);
  p->watchdog_started = thread_start (&p->watchdog, WATCHDOG_STACK, watchdog_main, p, error);
  for (guint i = 0; p->watchdog_started && i < p->n; i++)
    {
      p->workers[i].pool = p;
      if (!(p->workers[i].started = thread_start (&p->workers[i].thread, WORKER_STACK,
                                                  worker_main, &p->workers[i], error)))
        break;
    }
  if (!p->watchdog_started || !p->workers[p->n - 1].started)
    {
      svfs_workers_stop (p);
      return NULL;
    }
  return p;
}

/* TRUE when every started worker has left its loop. */
static gboolean
workers_wake_all (SvfsWorkers *p)
{
  gboolean all_done = TRUE;

  g_mutex_lock (&p->lock);
  g_cond_broadcast (&p->standby);
  g_cond_broadcast (&p->watch);
  g_mutex_unlock (&p->lock);
  for (guint i = 0; i < p->n; i++)
    if (p->workers[i].started && !g_atomic_int_get (&p->workers[i].done))
      {
        all_done = FALSE;
        pthread_kill (p->workers[i].thread, SVFS_WAKE_SIGNAL);
      }
  return all_done;
}

void
svfs_workers_stop (SvfsWorkers *p)
{
  if (p == NULL)
    return;
  g_atomic_int_set (&p->stopping, 1);
  /* Signal every worker still running each time: one that was answering when signalled may
   * have entered receive() since. */
  while (!workers_wake_all (p))
    g_usleep (2000);
  for (guint i = 0; i < p->n; i++)
    if (p->workers[i].started)
      pthread_join (p->workers[i].thread, NULL);
  if (p->watchdog_started)
    pthread_join (p->watchdog, NULL);
  g_cond_clear (&p->watch);
  g_cond_clear (&p->standby);
  g_mutex_clear (&p->lock);
  g_free (p);
}
