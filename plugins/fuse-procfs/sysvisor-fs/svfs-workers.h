/* svfs-workers.h: the threads that answer sysvisor-fs's requests, one listening at a time
 * (svfs-workers.c says why). */
#pragma once

#include <glib.h>
#include <signal.h>

/* Interrupts a worker's receive() when the pool stops (installed without SA_RESTART). */
#define SVFS_WAKE_SIGNAL SIGUSR1

typedef struct
{
  /* A worker's own state (its request buffer), made and freed in the worker's thread. */
  gpointer (*worker_new) (gpointer user);
  void (*worker_free) (gpointer worker);
  /* Waits for the next request: > 0 got one; -EINTR or -EAGAIN got none (a signal); anything
   * else: the source is gone. */
  int (*receive) (gpointer worker);
  /* Answers the request receive() got. */
  void (*process) (gpointer worker);
  /* receive() said the source is gone while the pool was not stopping. */
  void (*closed) (gpointer user, int res);
} SvfsWorkersOps;

typedef struct SvfsWorkers SvfsWorkers;

/* N workers (at least 1) and their watchdog; one worker listens at first. */
SvfsWorkers *svfs_workers_start (const SvfsWorkersOps *ops, gpointer user, guint n,
                                 GError **error);
/* Every request a worker received is answered first. */
void svfs_workers_stop (SvfsWorkers *pool);
