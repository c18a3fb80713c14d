/* exec-cmd.c: `sysvisor-runc exec`: run a process in a running container. */
#include "cli.h"

#include "exec.h"
#include "foreground.h"
#include "json-util.h"
#include "names.h"
#include "process-spec.h"
#include "utils.h"

#include <stdlib.h>
#include <sys/prctl.h>

enum
{
  OPT_CONSOLE = 1000,
  OPT_PID_FILE,
  OPT_CWD,
  OPT_NNP,
  OPT_PRESERVE,
  OPT_IGNORE_PAUSED,
  OPT_APPARMOR,
  OPT_IGNORED_ARG,
  OPT_CGROUP,
};

/* runc's status for an exec that failed before the process ran (shims tell it from the
 * process's own exit status by it); a usage mistake is 1, as in runc. */
#define EXEC_FAILED 255

static const struct option exec_options[] = {
  { "process", required_argument, NULL, 'p' },
  { "tty", no_argument, NULL, 't' },
  { "console-socket", required_argument, NULL, OPT_CONSOLE },
  { "detach", no_argument, NULL, 'd' },
  { "pid-file", required_argument, NULL, OPT_PID_FILE },
  { "cwd", required_argument, NULL, OPT_CWD },
  { "env", required_argument, NULL, 'e' },
  { "user", required_argument, NULL, 'u' },
  { "additional-gids", required_argument, NULL, 'g' },
  { "cap", required_argument, NULL, 'c' },
  { "no-new-privs", no_argument, NULL, OPT_NNP },
  { "apparmor", required_argument, NULL, OPT_APPARMOR },
  { "preserve-fds", required_argument, NULL, OPT_PRESERVE },
  { "ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED },
  { "process-label", required_argument, NULL, OPT_IGNORED_ARG },
  { "cgroup", required_argument, NULL, OPT_CGROUP },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

typedef struct
{
  const char *process_file;
  gboolean tty, detach, nnp, ignore_paused;
  const char *console_socket, *pid_file, *cwd, *user, *apparmor;
  GPtrArray *env, *gids, *caps;
  guint preserve_fds;
} ExecArgs;

static void
exec_args_clear (ExecArgs *a)
{
  g_clear_pointer (&a->env, g_ptr_array_unref);
  g_clear_pointer (&a->gids, g_ptr_array_unref);
  g_clear_pointer (&a->caps, g_ptr_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ExecArgs, exec_args_clear)

static gboolean
parse_number (const char *cmd, const char *flag, const char *text, guint *out, int *status)
{
  char *end;
  unsigned long v = strtoul (text, &end, 10);

  if (text[0] == '\0' || text[0] == '-' || *end != '\0' || v > G_MAXUINT32)
    {
      *status = sv_cli_usage (cmd, "%s needs a number, not \"%s\"", flag, text);
      return FALSE;
    }
  *out = (guint) v;
  return TRUE;
}

static gboolean
parse_exec (const SvCommand *cmd, int argc, char **argv, ExecArgs *a, int *status)
{
  int c;

  while ((c = sv_cli_getopt (cmd, argc, argv, exec_options, "+p:tde:u:g:c:", status)) != -1)
    switch (c)
      {
      case 'p':
        a->process_file = optarg;
        break;
      case 't':
        a->tty = TRUE;
        break;
      case 'd':
        a->detach = TRUE;
        break;
      case OPT_CONSOLE:
        a->console_socket = optarg;
        break;
      case OPT_PID_FILE:
        a->pid_file = optarg;
        break;
      case OPT_CWD:
        a->cwd = optarg;
        break;
      case 'e':
        g_ptr_array_add (a->env, g_strdup (optarg));
        break;
      case 'u':
        a->user = optarg;
        break;
      case 'g':
        g_ptr_array_add (a->gids, g_strdup (optarg));
        break;
      case 'c':
        g_ptr_array_add (a->caps, g_strdup (optarg));
        break;
      case OPT_NNP:
        a->nnp = TRUE;
        break;
      case OPT_APPARMOR:
        a->apparmor = optarg;
        break;
      case OPT_IGNORE_PAUSED:
        a->ignore_paused = TRUE;
        break;
      case OPT_IGNORED_ARG:
        break;
      case OPT_CGROUP:
        *status = sv_cli_usage (cmd->name,
                                "--cgroup \"%s\" is not supported: the process always "
                                "joins the container's own cgroup; leave the option out",
                                optarg);
        return FALSE;
      case OPT_PRESERVE:
        if (!parse_number (cmd->name, "--preserve-fds", optarg, &a->preserve_fds, status))
          return FALSE;
        break;
      default:
        return FALSE;
      }
  return TRUE;
}

static SvProcess *
process_from_file (const char *file, GError **error)
{
  g_autoptr (JsonNode) root = sv_json_parse_file (file, error);
  SvProcess *p;

  if (root == NULL)
    return NULL;
  p = sv_process_from_json (json_node_get_object (root), "process", error);
  if (p == NULL)
    g_prefix_error (error, "%s: ", file);
  return p;
}

/* The container's own process object (runc's defaults for exec), with @args instead. */
static SvProcess *
process_from_container (const char *root, const char *id, char **args, GError **error)
{
  g_autoptr (SvSpec) spec = sv_exec_load_spec (root, id, error);
  JsonObject *doc = spec != NULL ? json_node_get_object (spec->root) : NULL;
  g_autoptr (JsonNode) copy = NULL;
  g_autoptr (JsonArray) argv = json_array_new ();
  JsonObject *proc;

  if (spec == NULL && error != NULL && *error != NULL)
    return NULL;
  if (doc != NULL && json_object_has_member (doc, "process"))
    copy = json_node_copy (json_object_get_member (doc, "process"));
  else
    copy = json_node_init_object (json_node_alloc (), json_object_new ());
  proc = json_node_get_object (copy);
  for (guint i = 0; args[i] != NULL; i++)
    json_array_add_string_element (argv, args[i]);
  json_object_set_array_member (proc, "args", g_steal_pointer (&argv));
  json_object_set_boolean_member (proc, "terminal", FALSE);
  return sv_process_from_json (proc, "process", error);
}

static gboolean
apply_user (SvProcess *p, const char *user, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (user, ":", 2);
  char *end;

  p->uid = (guint32) strtoul (parts[0], &end, 10);
  if (parts[0][0] == '\0' || *end != '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "--user \"%s\": give numeric UID[:GID]", user);
      return FALSE;
    }
  if (parts[1] != NULL)
    {
      p->gid = (guint32) strtoul (parts[1], &end, 10);
      if (parts[1][0] == '\0' || *end != '\0')
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "--user \"%s\": give numeric UID[:GID]", user);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
apply_caps (SvProcess *p, GPtrArray *caps, GError **error)
{
  for (guint i = 0; i < caps->len; i++)
    {
      int cap = sv_cap_from_name (caps->pdata[i]);
      if (cap < 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "--cap \"%s\": unknown capability", (char *) caps->pdata[i]);
          return FALSE;
        }
      for (int s = 0; s < SV_CAP_N_SETS; s++)
        if (s != SV_CAP_AMBIENT)
          p->caps[s] |= G_GUINT64_CONSTANT (1) << cap;
    }
  return TRUE;
}

static gboolean
apply_flags (SvProcess *p, ExecArgs *a, GError **error)
{
  g_autoptr (GPtrArray) env = g_ptr_array_new_with_free_func (g_free);

  p->terminal = a->tty;
  if (a->cwd != NULL)
    {
      g_free (p->cwd);
      p->cwd = g_strdup (a->cwd);
    }
  for (guint i = 0; p->env != NULL && p->env[i] != NULL; i++)
    g_ptr_array_add (env, g_strdup (p->env[i]));
  for (guint i = 0; i < a->env->len; i++)
    g_ptr_array_add (env, g_strdup (a->env->pdata[i]));
  g_ptr_array_add (env, NULL);
  g_strfreev (p->env);
  p->env = (char **) g_ptr_array_free (g_steal_pointer (&env), FALSE);
  for (guint i = 0; i < a->gids->len; i++)
    {
      guint32 gid = (guint32) strtoul (a->gids->pdata[i], NULL, 10);
      g_array_append_val (p->additional_gids, gid);
    }
  if (a->nnp)
    p->no_new_privileges = TRUE;
  if (a->apparmor != NULL)
    {
      g_free (p->apparmor_profile);
      p->apparmor_profile = g_strdup (a->apparmor);
    }
  return (a->user == NULL || apply_user (p, a->user, error)) && apply_caps (p, a->caps, error);
}

static SvProcess *
build_process (SvGlobal *g, ExecArgs *a, int argc, char **argv, GError **error)
{
  const char *id = argv[optind];
  g_autoptr (SvProcess) p = NULL;

  if (a->process_file != NULL)
    return process_from_file (a->process_file, error);
  p = process_from_container (g->root, id, argv + optind + 1, error);
  if (p == NULL || !apply_flags (p, a, error))
    return NULL;
  if (p->apparmor_profile != NULL && p->apparmor_profile[0] != '\0'
      && !g_file_test ("/sys/kernel/security/apparmor", G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "AppArmor profile \"%s\" asked for, but AppArmor is not enabled on this "
                   "host; drop it",
                   p->apparmor_profile);
      return NULL;
    }
  return g_steal_pointer (&p);
}

static int
exec_fail (GError *error)
{
  sv_cli_fail (error);
  return EXEC_FAILED;
}

static int
run_exec (SvGlobal *g, ExecArgs *a, SvProcess *p, const char *id)
{
  SvExecOptions o = { .root = g->root,
                      .id = id,
                      .plugins_conf = g->plugins_conf,
                      .process = p,
                      .console_socket = a->console_socket,
                      .console_sock_fd = -1,
                      .pid_file = a->pid_file,
                      .preserve_fds = a->preserve_fds,
                      .ignore_paused = a->ignore_paused };
  GError *error = NULL;
  int sp[2] = { -1, -1 }, status;
  sv_autofd master = -1;
  sigset_t set;
  pid_t pid;

  if (!a->detach)
    {
      /* The process is our grandchild: become its reaper to wait for it. */
      prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
      if (p->terminal && a->console_socket == NULL)
        sv_foreground_console_pair (sp);
      o.console_sock_fd = sp[1];
      sv_foreground_block_signals (&set);
    }
  if (!sv_exec_start (&o, &pid, &error))
    status = exec_fail (error);
  else if (a->detach)
    status = 0;
  else
    {
      master = sv_foreground_take_master (sp[0]);
      status = sv_foreground_wait (pid, master, &set, &error);
      if (status < 0)
        status = exec_fail (error);
    }
  sv_close_fdp (&sp[0]);
  sv_close_fdp (&sp[1]);
  return status;
}

int
sv_cmd_exec (SvGlobal *g, int argc, char **argv)
{
  const SvCommand *cmd = sv_cli_find ("exec");
  g_auto (ExecArgs) a = { .env = g_ptr_array_new_with_free_func (g_free),
                          .gids = g_ptr_array_new_with_free_func (g_free),
                          .caps = g_ptr_array_new_with_free_func (g_free) };
  g_autoptr (SvProcess) p = NULL;
  GError *error = NULL;
  int status = 1;

  if (!parse_exec (cmd, argc, argv, &a, &status))
    return status;
  if (!sv_cli_need_args (cmd, argc, argv, 1, a.process_file != NULL ? 1 : G_MAXINT))
    return 1;
  if (a.process_file == NULL && argc - optind < 2)
    {
      sv_cli_usage ("exec", "give the command to run after the container id, or --process FILE");
      return EXEC_FAILED;
    }
  p = build_process (g, &a, argc, argv, &error);
  if (p == NULL)
    return exec_fail (error);
  return run_exec (g, &a, p, argv[optind]);
}
