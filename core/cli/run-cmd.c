/* run-cmd.c: `sysvisor-runc run`: create + start + wait, and the exit status of the process. */
#include "cli.h"

#include "create-options.h"
#include "create.h"
#include "foreground.h"
#include "lifecycle.h"
#include "utils.h"

#include <stdlib.h>

static const struct option run_options[] = {
  { "bundle", required_argument, NULL, 'b' },
  { "console-socket", required_argument, NULL, SV_OPT_CONSOLE },
  { "pid-file", required_argument, NULL, SV_OPT_PID_FILE },
  { "preserve-fds", required_argument, NULL, SV_OPT_PRESERVE },
  { "detach", no_argument, NULL, 'd' },
  { "keep", no_argument, NULL, SV_OPT_KEEP },
  { "no-pivot", no_argument, NULL, SV_OPT_IGNORED },
  { "no-new-keyring", no_argument, NULL, SV_OPT_IGNORED },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

typedef struct
{
  SvCreateOptions create;
  gboolean detach;
  gboolean keep;
} RunOptions;

static gboolean
parse_run (const SvCommand *cmd, int argc, char **argv, RunOptions *o, int *status)
{
  int c;

  while ((c = sv_cli_getopt (cmd, argc, argv, run_options, "b:d", status)) != -1)
    {
      if (c == 'd')
        o->detach = TRUE;
      else if (c == SV_OPT_KEEP)
        o->keep = TRUE;
      else if (!sv_cli_create_option (cmd, c, &o->create, status))
        return FALSE;
      if (*status != -1)
        return FALSE;
    }
  return TRUE;
}

/* `start`, done from create as soon as the state is committed (SvCreateOptions.created). */
typedef struct
{
  const RunOptions *o;
  int console_end; /* our end of the console pair, or -1 */
  int master;      /* the terminal's master taken from it, or -1 */
  gboolean started;
  GError *error;
} RunStart;

static void
run_start_created (const SvState *state, gpointer data)
{
  RunStart *s = data;

  s->master = sv_foreground_take_master (s->console_end);
  s->started = sv_lifecycle_start_state (state, !s->o->detach, &s->error);
  /* Detached and started: done (see create_committed in create-cmd.c). */
  if (s->started && s->o->detach)
    sv_cli_leave (0);
}

int
sv_cmd_run (SvGlobal *g, int argc, char **argv)
{
  const SvCommand *cmd = sv_cli_find ("run");
  RunOptions o = { .create = { .root = g->root,
                               .bundle = ".",
                               .plugins_conf = g->plugins_conf,
                               .systemd_cgroup = g->systemd_cgroup,
                               .console_sock_fd = -1 } };
  GError *error = NULL;
  int status = -1, sp[2] = { -1, -1 };
  RunStart start = { .o = &o, .master = -1 };
  sv_autofd master = -1;
  sigset_t set;
  pid_t pid;

  if (!parse_run (cmd, argc, argv, &o, &status))
    return status < 0 ? 1 : status;
  if (!sv_cli_need_args (cmd, argc, argv, 1, 1))
    return 1;
  o.create.id = argv[optind];
  if (o.create.console_socket == NULL && !o.detach)
    sv_foreground_console_pair (sp);
  o.create.console_sock_fd = sp[1];
  start.console_end = sp[0];
  o.create.created = run_start_created;
  o.create.created_data = &start;
  o.create.starts_itself = TRUE;
  sv_foreground_block_signals (&set);
  if (!sv_create_container (&o.create, &pid, &error))
    status = sv_cli_fail (error);
  else
    {
      /* (here detached only when start failed: run_start_created left once it started) */
      master = start.master;
      error = start.error;
      if (!start.started || (status = sv_foreground_wait (pid, master, &set, &error)) < 0)
        {
          status = sv_cli_fail (error);
          error = NULL;
          o.keep = FALSE;
        }
      if (!o.keep && !sv_lifecycle_delete (g->root, o.create.id, TRUE, g->plugins_conf, &error))
        sv_cli_fail (error);
    }
  sv_close_fdp (&sp[0]);
  sv_close_fdp (&sp[1]);
  return status;
}
