/* ps-cmd.c: `sysvisor-runc ps`: the processes of a container, as host pids (json) or as the
 * lines of the host's ps(1) that belong to the container (table). */
#include "cli.h"

#include "container-cgroup.h"
#include "json-util.h"

#include <gio/gio.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

static const struct option ps_options[] = {
  { "format", required_argument, NULL, 'f' },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

/* Where the container id is: the first argument that is neither one of our options nor the
 * value of --format.  What follows it belongs to ps(1), dashes included. */
static int
id_index (int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      const char *a = argv[i];

      if (strcmp (a, "--") == 0)
        return i + 1;
      if (strcmp (a, "-f") == 0 || strcmp (a, "--format") == 0)
        i++;
      else if (a[0] != '-' || a[1] == '\0')
        return i;
    }
  return argc;
}

static void
print_json (GArray *pids)
{
  g_autoptr (JsonArray) a = json_array_sized_new (pids->len);
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_ARRAY);
  g_autofree char *text = NULL;

  for (guint i = 0; i < pids->len; i++)
    json_array_add_int_element (a, g_array_index (pids, pid_t, i));
  json_node_set_array (node, a);
  text = sv_json_to_string (node, FALSE);
  printf ("%s\n", text);
}

/* "-p PID,PID,...": ps's selections add up, so this lists the container's processes even when
 * the user's options select by euid or terminal (`-x`, `-o ...` alone), which a container's
 * processes, running as its own uid range, never match (runc's run as host root). */
static char *
pid_list (GArray *pids)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < pids->len; i++)
    g_string_append_printf (s, "%s%d", i > 0 ? "," : "", (int) g_array_index (pids, pid_t, i));
  return g_string_free (s, FALSE);
}

/* Run ps(1) with @args (and -p @pids) and return its standard output. */
static char *
run_ps (char **args, int n_args, GArray *pids, GError **error)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *shown = NULL;
  g_autofree char *selected = pids->len > 0 ? pid_list (pids) : NULL;
  int wait_status;

  g_ptr_array_add (argv, (char *) "ps");
  for (int i = 0; i < n_args; i++)
    g_ptr_array_add (argv, args[i]);
  if (selected != NULL)
    {
      g_ptr_array_add (argv, (char *) "-p");
      g_ptr_array_add (argv, selected);
    }
  g_ptr_array_add (argv, NULL);
  shown = g_strjoinv (" ", (char **) argv->pdata);
  if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                     &err, &wait_status, error))
    {
      g_prefix_error (error, "running \"%s\": ", shown);
      return NULL;
    }
  if (!WIFEXITED (wait_status) || WEXITSTATUS (wait_status) != 0)
    {
      g_strstrip (err);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "\"%s\" failed (status %d)%s%s", shown,
                   WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : -1,
                   *err != '\0' ? ": " : "", err);
      return NULL;
    }
  return g_steal_pointer (&out);
}

/* The column of PID in ps's header line, or -1. */
static int
pid_column (const char *header)
{
  g_auto (GStrv) cols = g_strsplit_set (header, " \t", -1);
  int n = 0;

  for (guint i = 0; cols[i] != NULL; i++)
    {
      if (*cols[i] == '\0')
        continue;
      if (strcmp (cols[i], "PID") == 0)
        return n;
      n++;
    }
  return -1;
}

/* Field @col of @line (fields separated by blanks) as a pid, or -1. */
static pid_t
line_pid (const char *line, int col)
{
  g_auto (GStrv) fields = g_strsplit_set (line, " \t", -1);
  guint64 pid;
  int n = 0;

  for (guint i = 0; fields[i] != NULL; i++)
    {
      if (*fields[i] == '\0')
        continue;
      if (n++ < col)
        continue;
      return g_ascii_string_to_unsigned (fields[i], 10, 1, G_MAXINT, &pid, NULL) ? (pid_t) pid
                                                                                 : -1;
    }
  return -1;
}

static gboolean
print_table (GArray *pids, char **args, int n_args, GError **error)
{
  char *dflt[] = { (char *) "-ef" };
  g_autofree char *out = run_ps (n_args > 0 ? args : dflt, n_args > 0 ? n_args : 1, pids, error);
  g_autoptr (GHashTable) mine = g_hash_table_new (NULL, NULL);
  g_auto (GStrv) lines = NULL;
  int col;

  if (out == NULL)
    return FALSE;
  lines = g_strsplit (out, "\n", -1);
  col = lines[0] != NULL ? pid_column (lines[0]) : -1;
  if (col < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "the output of ps has no PID column; give ps options that print it (the "
                   "default is -ef; e.g. -o pid,args)");
      return FALSE;
    }
  for (guint i = 0; i < pids->len; i++)
    g_hash_table_add (mine, GINT_TO_POINTER (g_array_index (pids, pid_t, i)));
  printf ("%s\n", lines[0]);
  for (guint i = 1; lines[i] != NULL; i++)
    if (*lines[i] != '\0'
        && g_hash_table_contains (mine, GINT_TO_POINTER (line_pid (lines[i], col))))
      printf ("%s\n", lines[i]);
  return TRUE;
}

/* The host pids in container @id's cgroup; none for a stopped container (runc prints an empty
 * table then): with its init gone, its pid namespace is empty. */
static GArray *
container_pids (const char *root, const char *id, GError **error)
{
  g_autoptr (SvState) st = sv_state_load (root, id, error);
  g_autoptr (SvCgroup) cg = NULL;

  if (st == NULL)
    return NULL;
  if (sv_state_status (st) == SV_STATUS_STOPPED)
    return g_array_new (FALSE, FALSE, sizeof (pid_t));
  cg = sv_cli_container_cgroup (root, id, "list the processes of",
                                SV_STATUS_BIT (SV_STATUS_CREATED)
                                    | SV_STATUS_BIT (SV_STATUS_RUNNING)
                                    | SV_STATUS_BIT (SV_STATUS_PAUSED),
                                NULL, NULL, error);
  return cg != NULL ? sv_cgroup_pids (cg, error) : NULL;
}

int
sv_cmd_ps (SvGlobal *g, int argc, char **argv)
{
  const SvCommand *cmd = sv_cli_find ("ps");
  GError *error = NULL;
  g_autoptr (GArray) pids = NULL;
  const char *format = "table";
  int c, status = 1, id_at = id_index (argc, argv);
  int n_ours = MIN (id_at + 1, argc);

  while ((c = sv_cli_getopt (cmd, n_ours, argv, ps_options, "f:", &status)) != -1)
    if (c == 'f')
      format = optarg;
    else
      return status;
  if (!sv_cli_need_args (cmd, n_ours, argv, 1, 1))
    return 1;
  if (strcmp (format, "table") != 0 && strcmp (format, "json") != 0)
    return sv_cli_usage ("ps", "unknown --format \"%s\": use table or json", format);
  if (strcmp (format, "json") == 0 && argc > n_ours)
    return sv_cli_usage ("ps", "ps options (\"%s\") only go with --format table", argv[n_ours]);
  pids = container_pids (g->root, argv[optind], &error);
  if (pids == NULL)
    return sv_cli_fail (error);
  if (strcmp (format, "json") == 0)
    print_json (pids);
  else if (!print_table (pids, argv + n_ours, argc - n_ours, &error))
    return sv_cli_fail (error);
  return 0;
}
