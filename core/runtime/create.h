/* create.h: creating a container (the flow of `create`, and the first half of `run`). */
#pragma once

#include "state.h"

#include <glib.h>
#include <sys/types.h>

typedef struct
{
  const char *root; /* --root */
  const char *id;
  const char *bundle;
  const char *pid_file;       /* NULL = none */
  const char *console_socket; /* NULL = none */
  const char *plugins_conf;   /* --plugins-conf, NULL = default */
  gboolean systemd_cgroup;
  guint preserve_fds;
  int console_sock_fd; /* run: our own end instead of console_socket, or -1 */
  /* Called with the committed state, before create frees what it held (NULL: none): `run`
   * starts the container there, so that the freeing overlaps with its first steps; the
   * `create` and `run -d` commands end the process there (nothing is left for them to do). */
  void (*created) (const SvState *state, gpointer data);
  gpointer created_data;
  /* `run`: @created starts the container (and calls sv_create_wait_init_exec()).  Else the
   * process ends in @created, touching no heap (an init that shares its memory may run then:
   * a `start` may come as soon as the state is committed). */
  gboolean starts_itself;
} SvCreateOptions;

/* Create the container; on success its init waits for `start`, and *pid_out is its pid.
 * On failure everything done so far is undone. */
gboolean sv_create_container (const SvCreateOptions *opts, pid_t *pid_out, GError **error);

/* In the process that created the container (`run`), once `start` has taken the init's byte
 * from the exec fifo: let the init go on, and wait for its execve, until which it shares our
 * memory (create.c).  Nothing to do in any other process. */
void sv_create_wait_init_exec (void);
