/* list-cmd.c: `sysvisor-runc list`. */
#include "cli.h"

#include "state.h"

#include <stdio.h>

static const struct option list_options[] = {
  { "format", required_argument, NULL, 'f' },
  { "quiet", no_argument, NULL, 'q' },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

static void
print_table (GPtrArray *states)
{
  printf ("%-20s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED",
          "OWNER");
  for (guint i = 0; i < states->len; i++)
    {
      SvState *st = states->pdata[i];
      SvStatus s = sv_state_status (st);
      printf ("%-20s %-8d %-10s %-40s %-30s %s\n", st->id, s == SV_STATUS_STOPPED ? 0 : st->pid,
              sv_status_name (s), st->bundle, st->created != NULL ? st->created : "",
              st->owner != NULL && st->owner[0] ? st->owner : "root");
    }
}

static void
print_json (GPtrArray *states)
{
  g_autoptr (JsonArray) a = json_array_new ();
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_ARRAY);
  g_autofree char *text = NULL;

  for (guint i = 0; i < states->len; i++)
    json_array_add_element (a, sv_state_to_oci (states->pdata[i]));
  json_node_set_array (node, a);
  text = sv_json_to_string (node, FALSE);
  printf ("%s\n", text);
}

int
sv_cmd_list (SvGlobal *g, int argc, char **argv)
{
  const SvCommand *cmd = sv_cli_find ("list");
  GError *error = NULL;
  g_autoptr (GPtrArray) ids = NULL;
  g_autoptr (GPtrArray) states = g_ptr_array_new_with_free_func ((GDestroyNotify) sv_state_free);
  const char *format = "table";
  gboolean quiet = FALSE;
  int c, status = 1;

  while ((c = sv_cli_getopt (cmd, argc, argv, list_options, "f:q", &status)) != -1)
    if (c == 'f')
      format = optarg;
    else if (c == 'q')
      quiet = TRUE;
    else
      return status;
  if (!sv_cli_need_args (cmd, argc, argv, 0, 0))
    return 1;
  if (g_strcmp0 (format, "table") != 0 && g_strcmp0 (format, "json") != 0)
    return sv_cli_usage ("list", "unknown --format \"%s\": use table or json", format);
  ids = sv_state_list (g->root, &error);
  if (ids == NULL)
    return sv_cli_fail (error);
  for (guint i = 0; i < ids->len; i++)
    {
      SvState *st = sv_state_load (g->root, ids->pdata[i], NULL);
      if (st != NULL)
        g_ptr_array_add (states, st);
    }
  if (quiet)
    for (guint i = 0; i < states->len; i++)
      printf ("%s\n", ((SvState *) states->pdata[i])->id);
  else if (g_strcmp0 (format, "json") == 0)
    print_json (states);
  else
    print_table (states);
  return 0;
}
