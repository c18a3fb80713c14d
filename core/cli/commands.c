/* commands.c: the table of commands and the helpers they share. */
#include "cli.h"

#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const SvCommand commands[] = {
  { "create", "[command options] <container-id>", "create a container",
    "  --bundle, -b DIR        path to the bundle (default: the current directory)\n"
    "  --console-socket PATH   unix socket that receives the pty master (process.terminal)\n"
    "  --pid-file FILE         write the container's init pid to FILE\n"
    "  --preserve-fds N        pass N more fds (3, 4, ...) to the container\n"
    "  --no-pivot, --no-new-keyring  accepted for runc compatibility (no effect: a new\n"
    "                          session keyring is always joined)\n",
    sv_cmd_create, TRUE, TRUE },
  { "start", "<container-id>", "start a created container (run its process)", "", sv_cmd_start,
    TRUE, FALSE },
  { "run", "[command options] <container-id>", "create and start a container, and wait for it",
    "  --bundle, -b DIR        path to the bundle (default: the current directory)\n"
    "  --console-socket PATH   unix socket that receives the pty master (process.terminal)\n"
    "  --detach, -d            do not wait: leave the container running\n"
    "  --keep                  do not delete the container after it exits\n"
    "  --pid-file FILE         write the container's init pid to FILE\n"
    "  --preserve-fds N        pass N more fds (3, 4, ...) to the container\n"
    "  --no-pivot, --no-new-keyring  accepted for runc compatibility (no effect: a new\n"
    "                          session keyring is always joined)\n",
    sv_cmd_run, TRUE, TRUE },
  { "exec", "[command options] <container-id> <command> [args...]",
    "run a process in a running container",
    "  --process, -p FILE      the process as OCI process.json (the other flags are ignored)\n"
    "  --tty, -t               allocate a pseudo-terminal\n"
    "  --console-socket PATH   unix socket that receives the pty master\n"
    "  --detach, -d            do not wait for the process\n"
    "  --pid-file FILE         write the process's pid to FILE\n"
    "  --cwd DIR               working directory in the container\n"
    "  --env, -e KEY=VALUE     add an environment variable (repeatable)\n"
    "  --user, -u UID[:GID]    run as this user\n"
    "  --additional-gids, -g GID  add a supplementary group (repeatable)\n"
    "  --cap, -c CAP           add a capability (repeatable)\n"
    "  --no-new-privs          set no_new_privs\n"
    "  --apparmor PROFILE      AppArmor profile\n"
    "  --preserve-fds N        pass N more fds (3, 4, ...) to the process\n"
    "  --ignore-paused         exec even if the container is paused\n",
    sv_cmd_exec, TRUE, FALSE },
  { "state", "<container-id>", "print the state of a container (OCI state JSON)", "",
    sv_cmd_state, TRUE, FALSE },
  { "kill", "[command options] <container-id> [signal]",
    "send a signal (default SIGTERM) to a container's init",
    "  --all, -a               send it to every process of the container\n", sv_cmd_kill, TRUE,
    FALSE },
  { "delete", "[command options] <container-id>", "delete a container and its resources",
    "  --force, -f             kill the container first if it is running\n", sv_cmd_delete, TRUE,
    TRUE },
  { "list", "[command options]", "list the containers",
    "  --format, -f table|json output format (default table)\n"
    "  --quiet, -q             print only the ids\n",
    sv_cmd_list, TRUE, FALSE },
  { "spec", "[command options]", "write a default config.json for a system container",
    "  --bundle, -b DIR        where to write config.json (default: the current directory)\n"
    "  --rootless              accepted for runc compatibility (every container has a user "
    "namespace)\n",
    sv_cmd_spec, FALSE, FALSE },
  { "plugins", "[command options]", "show the backend chosen for each role and its health",
    "  --format table|json     output format (default table)\n", sv_cmd_plugins, FALSE, FALSE },
  { "ps", "[command options] <container-id> [ps options]",
    "list the processes of a container (host pids)",
    "  --format, -f table|json table: the lines of the host's ps (with the ps options given\n"
    "                          after the id, default -ef) that are the container's processes;\n"
    "                          json: an array of their host pids\n",
    sv_cmd_ps, TRUE, FALSE },
  { "pause", "<container-id>", "freeze every process of a running container", "", sv_cmd_pause,
    TRUE, FALSE },
  { "resume", "<container-id>", "thaw a paused container", "", sv_cmd_resume, TRUE, FALSE },
  { "update", "[command options] <container-id>", "change the cgroup limits of a container",
    "  --resources, -r FILE|-  an OCI linux.resources JSON object, from FILE or stdin; every\n"
    "                          member it has is applied (not with the flags below)\n"
    "  --memory BYTES          memory limit (512m, 1g, ... or -1 for none)\n"
    "  --memory-swap BYTES     memory+swap limit (-1 for none)\n"
    "  --memory-reservation BYTES  soft memory limit\n"
    "  --cpu-shares N          relative CPU weight (also --cpu-share)\n"
    "  --cpu-quota US          CPU time allowed per period (-1 for none)\n"
    "  --cpu-period US         length of a CFS period\n"
    "  --cpu-rt-runtime US, --cpu-rt-period US  realtime budget and period\n"
    "  --cpuset-cpus LIST      CPUs allowed (e.g. 0-3,6)\n"
    "  --cpuset-mems LIST      memory nodes allowed\n"
    "  --pids-limit N          most processes at once (-1 for none)\n"
    "  --blkio-weight N        block I/O weight, 10-1000\n",
    sv_cmd_update, TRUE, FALSE },
  { "events", "[command options] <container-id>",
    "print a container's cgroup stats and OOM kills as JSON records",
    "  --stats                 print one stats record and exit\n"
    "  --interval DURATION     time between stats records (default 5s; 500ms, 1m, ...);\n"
    "                          runs until the container stops\n",
    sv_cmd_events, TRUE, FALSE },
  { "features", "", "print what this runtime supports (OCI features JSON)", "", sv_cmd_features,
    FALSE, FALSE },
  { "check", "[command options]",
    "check that this host can run system containers, and how it is set up",
    "  --format, -f text|json  one line per check (default), or a JSON array of\n"
    "                          {name, status, detail, fix}; exits 1 when a check fails\n",
    sv_cmd_check, FALSE, FALSE },
  { "gc", "[command options]",
    "free the storage directories of removed containers (/var/lib/docker inside, ...)",
    "  --dry-run, -n           only list what would be freed\n", sv_cmd_gc, TRUE, FALSE },
  { "checkpoint", "<container-id>", "not supported for system containers (refused, with why)", "",
    sv_cmd_checkpoint, FALSE, FALSE },
  { "restore", "<container-id>", "not supported for system containers (refused, with why)", "",
    sv_cmd_restore, FALSE, FALSE },
};

const SvCommand *
sv_cli_commands (guint *n_out)
{
  *n_out = G_N_ELEMENTS (commands);
  return commands;
}

const SvCommand *
sv_cli_find (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

/* The end of every command: stdio flushed as exit() does, then out without the libraries'
 * destructors (GLib's, GIO's, libselinux's, libmount's, the plugins'...).  None has work left
 * that a finished command needs (no atexit handler of ours, no buffered D-Bus message: the
 * systemd driver's calls are synchronous); each touched a page of its library's code for the
 * first time, which made exit() ~1 ms of a `run` on the test VM (paired runs, bench/README.md,
 * tenth round). */
void
sv_cli_leave (int status)
{
  fflush (NULL);
  _exit (status);
}

int
sv_cli_fail (GError *error)
{
  sv_log_report_error (error);
  g_error_free (error);
  return 1;
}

int
sv_cli_usage (const char *cmd, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;
  GError *error;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  error =
      g_error_new (G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   "%s%s%s; see 'sysvisor-runc %s%s--help'", cmd != NULL ? cmd : "",
                   cmd != NULL ? ": " : "", msg, cmd != NULL ? cmd : "", cmd != NULL ? " " : "");
  return sv_cli_fail (error);
}

int
sv_cli_help (const SvCommand *cmd)
{
  printf ("NAME:\n   sysvisor-runc %s - %s\n\nUSAGE:\n   sysvisor-runc %s %s\n", cmd->name,
          cmd->summary, cmd->name, cmd->usage);
  if (cmd->help[0] != '\0')
    printf ("\nOPTIONS:\n%s", cmd->help);
  printf ("  --help, -h              show this help\n");
  return 0;
}

int
sv_cli_getopt (const SvCommand *cmd, int argc, char **argv, const struct option *longopts,
               const char *shortopts, int *help_status)
{
  /* A leading '+' (stop at the first argument: exec's command has options of its own) must
   * stay first. */
  g_autofree char *shorts = shortopts[0] == '+' ? g_strconcat ("+:h", shortopts + 1, NULL)
                                                : g_strconcat (":h", shortopts, NULL);
  int c;

  opterr = 0;
  c = getopt_long (argc, argv, shorts, longopts, NULL);
  if (c == 'h')
    {
      *help_status = sv_cli_help (cmd);
      return '?';
    }
  if (c == '?')
    {
      const char *bad = argv[optind - 1];
      *help_status = optopt != 0 ? sv_cli_usage (cmd->name, "unknown option -%c", optopt)
                                 : sv_cli_usage (cmd->name, "unknown option %s", bad);
      return '?';
    }
  if (c == ':')
    {
      *help_status = sv_cli_usage (cmd->name, "option %s needs a value", argv[optind - 1]);
      return '?';
    }
  return c;
}

gboolean
sv_cli_need_args (const SvCommand *cmd, int argc, char **argv, int min, int max)
{
  int n = argc - optind;

  if (n < min)
    {
      sv_cli_usage (cmd->name, "%s",
                    min == 1 ? "the container id is missing" : "arguments are missing");
      return FALSE;
    }
  if (n > max)
    {
      sv_cli_usage (cmd->name, "unexpected argument \"%s\"", argv[optind + max]);
      return FALSE;
    }
  return TRUE;
}
