/* check-cmd.c: `sysvisor-runc check`: whether this host can run system containers and how
 * it is set up, one line per check (host-check.c), or a JSON array with --format json.
 * Exits 1 when a check fails. */
#include "cli.h"

#include "host-check.h"
#include "json-util.h"
#include "plugins-conf.h"

#include <stdio.h>

static const struct option check_options[] = {
  { "format", required_argument, NULL, 'f' },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

static void
print_text (GPtrArray *results)
{
  for (guint i = 0; i < results->len; i++)
    {
      SvCheckResult *r = results->pdata[i];
      printf ("%s  %s: %s", sv_check_status_name (r->status), r->name, r->detail);
      if (r->fix != NULL)
        printf ("; fix: %s", r->fix);
      printf ("\n");
    }
}

static void
print_json (GPtrArray *results)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_array (b);
  for (guint i = 0; i < results->len; i++)
    {
      SvCheckResult *r = results->pdata[i];
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, r->name);
      json_builder_set_member_name (b, "status");
      json_builder_add_string_value (b, sv_check_status_name (r->status));
      json_builder_set_member_name (b, "detail");
      json_builder_add_string_value (b, r->detail);
      json_builder_set_member_name (b, "fix");
      if (r->fix != NULL)
        json_builder_add_string_value (b, r->fix);
      else
        json_builder_add_null_value (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  root = json_builder_get_root (b);
  text = sv_json_to_string (root, TRUE);
  printf ("%s\n", text);
}

int
sv_cmd_check (SvGlobal *g, int argc, char **argv)
{
  const SvCommand *cmd = sv_cli_find ("check");
  g_autoptr (GPtrArray) results = NULL;
  const char *format = "text";
  int c, status = 1;

  while ((c = sv_cli_getopt (cmd, argc, argv, check_options, "f:", &status)) != -1)
    if (c == 'f')
      format = optarg;
    else
      return status;
  if (!sv_cli_need_args (cmd, argc, argv, 0, 0))
    return 1;
  if (g_strcmp0 (format, "text") != 0 && g_strcmp0 (format, "json") != 0)
    return sv_cli_usage ("check", "unknown --format \"%s\": use text or json", format);
  results = sv_host_check_run (sv_plugins_conf_path (g->plugins_conf));
  if (g_strcmp0 (format, "json") == 0)
    print_json (results);
  else
    print_text (results);
  status = 0;
  for (guint i = 0; i < results->len; i++)
    if (((SvCheckResult *) results->pdata[i])->status == SV_CHECK_FAIL)
      status = 1;
  return status;
}
