/* cli.h: sysvisor-runc's commands, one file each. */
#pragma once

#include <getopt.h>
#include <glib.h>

typedef struct
{
  char *root;         /* --root */
  char *log;          /* --log */
  char *log_format;   /* --log-format */
  char *plugins_conf; /* --plugins-conf */
  gboolean debug;
  gboolean systemd_cgroup;
} SvGlobal;

typedef int (*SvCommandFunc) (SvGlobal *g, int argc, char **argv);

typedef struct
{
  const char *name;
  const char *usage; /* "[command options] <container-id>" */
  const char *summary;
  const char *help; /* the options, one per line */
  SvCommandFunc func;
  gboolean needs_root;
  gboolean warm_heap; /* creates or deletes a container: its heap faulted in at once (main.c) */
} SvCommand;

const SvCommand *sv_cli_commands (guint *n_out);
const SvCommand *sv_cli_find (const char *name);

/* The end of a command: stdio flushed, then _exit(@status) (no library destructors). */
G_NORETURN void sv_cli_leave (int status);
/* Report @error as the command's one-line failure; returns the exit status (1). */
int sv_cli_fail (GError *error);
/* A usage mistake: "CMD: MESSAGE; see 'sysvisor-runc CMD --help'", status 1. */
int sv_cli_usage (const char *cmd, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
/* Print the command's --help text. */
int sv_cli_help (const SvCommand *cmd);
/* getopt_long over a command's argv with its options; handles -h/--help and unknown flags.
 * Returns the option, -1 at the end, or '?' (already reported: return 1). */
int sv_cli_getopt (const SvCommand *cmd, int argc, char **argv, const struct option *longopts,
                   const char *shortopts, int *help_status);
/* Exactly @n positional arguments after the options, or a usage error (returns FALSE). */
gboolean sv_cli_need_args (const SvCommand *cmd, int argc, char **argv, int min, int max);

int sv_cmd_create (SvGlobal *g, int argc, char **argv);
int sv_cmd_start (SvGlobal *g, int argc, char **argv);
int sv_cmd_run (SvGlobal *g, int argc, char **argv);
int sv_cmd_exec (SvGlobal *g, int argc, char **argv);
int sv_cmd_state (SvGlobal *g, int argc, char **argv);
int sv_cmd_kill (SvGlobal *g, int argc, char **argv);
int sv_cmd_delete (SvGlobal *g, int argc, char **argv);
int sv_cmd_list (SvGlobal *g, int argc, char **argv);
int sv_cmd_spec (SvGlobal *g, int argc, char **argv);
int sv_cmd_plugins (SvGlobal *g, int argc, char **argv);
int sv_cmd_ps (SvGlobal *g, int argc, char **argv);
int sv_cmd_pause (SvGlobal *g, int argc, char **argv);
int sv_cmd_resume (SvGlobal *g, int argc, char **argv);
int sv_cmd_update (SvGlobal *g, int argc, char **argv);
int sv_cmd_events (SvGlobal *g, int argc, char **argv);
int sv_cmd_features (SvGlobal *g, int argc, char **argv);
int sv_cmd_check (SvGlobal *g, int argc, char **argv);
int sv_cmd_gc (SvGlobal *g, int argc, char **argv);
int sv_cmd_checkpoint (SvGlobal *g, int argc, char **argv);
int sv_cmd_restore (SvGlobal *g, int argc, char **argv);
