/* hooks.c: OCI lifecycle hooks. */
#include "hooks.h"

#include "json-util.h"
#include "utils.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const hook_kinds[] = {
  "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
};

typedef struct
{
  char *path;
  char **args;
  char **env;
  gint64 timeout; /* seconds, 0 = none */
} Hook;

static void
hook_clear (Hook *h)
{
  g_free (h->path);
  g_strfreev (h->args);
  g_strfreev (h->env);
}

static gboolean
hook_read (JsonArray *a, const char *path, guint i, Hook *h, GError **error)
{
  g_autofree char *ipath = sv_json_path_index (path, i);
  JsonObject *o = sv_json_array_object (a, path, i, error);

  if (o == NULL || !sv_json_get_string (o, ipath, "path", TRUE, &h->path, error)
      || !sv_json_get_strv (o, ipath, "args", FALSE, &h->args, error)
      || !sv_json_get_strv (o, ipath, "env", FALSE, &h->env, error)
      || !sv_json_get_int64 (o, ipath, "timeout", FALSE, &h->timeout, error))
    return FALSE;
  if (!g_path_is_absolute (h->path))
    {
      g_set_error (error, SV_SPEC_ERROR, SV_SPEC_ERROR_INVALID,
                   "%s.path: \"%s\" is not an absolute path", ipath, h->path);
      return FALSE;
    }
  if (h->timeout < 0 || (json_object_has_member (o, "timeout") && h->timeout == 0))
    {
      g_set_error (error, SV_SPEC_ERROR, SV_SPEC_ERROR_INVALID,
                   "%s.timeout: must be a positive number of seconds", ipath);
      return FALSE;
    }
  return TRUE;
}

gboolean
sv_hooks_validate (JsonObject *hooks, GError **error)
{
  g_autoptr (GList) members = NULL;

  if (hooks == NULL)
    return TRUE;
  members = json_object_get_members (hooks);
  for (GList *l = members; l != NULL; l = l->next)
    {
      g_autofree char *path = sv_json_path ("hooks", l->data);
      JsonArray *a;
      if (!g_strv_contains (hook_kinds, l->data))
        {
          g_set_error (error, SV_SPEC_ERROR, SV_SPEC_ERROR_INVALID,
                       "%s: unknown hook kind; use prestart, createRuntime, createContainer, "
                       "startContainer, poststart or poststop",
                       path);
          return FALSE;
        }
      if (!sv_json_get_array (hooks, "hooks", l->data, FALSE, &a, error))
        return FALSE;
      for (guint i = 0; a != NULL && i < json_array_get_length (a); i++)
        {
          Hook h = { 0 };
          gboolean ok = hook_read (a, path, i, &h, error);
          hook_clear (&h);
          if (!ok)
            return FALSE;
        }
    }
  return TRUE;
}

gboolean
sv_hooks_has (JsonObject *hooks, const char *kind)
{
  JsonNode *n = hooks != NULL ? json_object_get_member (hooks, kind) : NULL;

  return n != NULL && JSON_NODE_HOLDS_ARRAY (n)
         && json_array_get_length (json_node_get_array (n)) > 0;
}

static pid_t
spawn_hook (Hook *h, int stdin_fd, const char *cwd)
{
  char *default_args[] = { h->path, NULL };
  pid_t pid = fork ();

  if (pid != 0)
    return pid;
  dup2 (stdin_fd, STDIN_FILENO);
  /* A hook's output must not end up in the container's stdio pipes: send it to stderr. */
  dup2 (STDERR_FILENO, STDOUT_FILENO);
  if (cwd != NULL && chdir (cwd) < 0)
    _exit (126); /* reported as "exit status 126" (the bundle or rootfs went away) */
  /* No "env" in the hook: the runtime's own environment, as runc (Go's exec.Cmd) does. */
  execve (h->path, h->args != NULL && h->args[0] != NULL ? h->args : default_args,
          h->env != NULL ? h->env : environ);
  _exit (127);
}

/* Wait for @pid, killing it after @timeout seconds. Returns the wait status or -1. */
static int
wait_hook (pid_t pid, gint64 timeout, gboolean *timed_out)
{
  sv_autofd pidfd = (int) syscall (SYS_pidfd_open, pid, 0);
  int status = 0;

  *timed_out = FALSE;
  if (pidfd >= 0 && timeout > 0)
    {
      struct pollfd p = { pidfd, POLLIN, 0 };
      int r;
      do
        r = poll (&p, 1, (int) MIN (timeout * 1000, G_MAXINT));
      while (r < 0 && errno == EINTR);
      if (r == 0)
        {
          *timed_out = TRUE;
          kill (pid, SIGKILL);
        }
    }
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return -1;
  return status;
}

/* Why a hook with wait status @status failed, in words: "exit status 3", "killed by signal
 * SIGSYS (bad system call)". */
static char *
hook_failure (int status)
{
  const char *abbrev;
  g_autofree char *desc = NULL;

  if (status < 0)
    return g_strdup ("cannot wait for it");
  if (WIFEXITED (status))
    return WEXITSTATUS (status) == 127 ? g_strdup ("cannot execute it (exit status 127)")
                                       : g_strdup_printf ("exit status %d", WEXITSTATUS (status));
  if (!WIFSIGNALED (status))
    return g_strdup_printf ("wait status %d", status);
  abbrev = sigabbrev_np (WTERMSIG (status));
  desc = g_ascii_strdown (strsignal (WTERMSIG (status)), -1);
  return g_strdup_printf ("killed by signal SIG%s (%s)", abbrev != NULL ? abbrev : "?", desc);
}

static gboolean
run_one (Hook *h, const char *kind, guint i, const char *state_text, const char *cwd,
         GError **error)
{
  int pipefd[2];
  pid_t pid;
  int status;
  gboolean timed_out;

  if (pipe2 (pipefd, O_CLOEXEC) < 0)
    {
      sv_set_error_errno (error, errno, "hooks.%s[%u]: pipe", kind, i);
      return FALSE;
    }
  pid = spawn_hook (h, pipefd[0], cwd);
  close (pipefd[0]);
  if (pid < 0)
    {
      close (pipefd[1]);
      sv_set_error_errno (error, errno, "hooks.%s[%u]: fork", kind, i);
      return FALSE;
    }
  signal (SIGPIPE, SIG_IGN);
  sv_write_all (pipefd[1], state_text, strlen (state_text));
  close (pipefd[1]);
  status = wait_hook (pid, h->timeout, &timed_out);
  if (timed_out)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                 "hooks.%s[%u] (%s) timed out after %" G_GINT64_FORMAT " s", kind, i, h->path,
                 h->timeout);
  else if (status < 0 || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      g_autofree char *why = hook_failure (status);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "hooks.%s[%u] (%s) failed: %s", kind, i,
                   h->path, why);
    }
  else
    return TRUE;
  return FALSE;
}

gboolean
sv_hooks_run (JsonObject *hooks, const char *kind, JsonNode *state, GError **error)
{
  return sv_hooks_run_in (hooks, kind, state, NULL, error);
}

gboolean
sv_hooks_run_in (JsonObject *hooks, const char *kind, JsonNode *state, const char *cwd,
                 GError **error)
{
  g_autofree char *state_text = NULL;
  g_autofree char *path = sv_json_path ("hooks", kind);
  JsonArray *a = NULL;

  if (!sv_hooks_has (hooks, kind))
    return TRUE;
  if (!sv_json_get_array (hooks, "hooks", kind, FALSE, &a, error))
    return FALSE;
  state_text = sv_json_to_string (state, FALSE);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      Hook h = { 0 };
      gboolean ok =
          hook_read (a, path, i, &h, error) && run_one (&h, kind, i, state_text, cwd, error);
      hook_clear (&h);
      if (!ok)
        return FALSE;
      g_debug ("hook %s[%u] done", kind, i);
    }
  return TRUE;
}
