/* plugins-cmd.c: `sysvisor-runc plugins`: each role, its backend, where it was loaded from,
 * the plugin's version, and whether its probe passes on this host. */
#include "cli.h"

#include "json-util.h"
#include "plugin-host.h"

#include <stdio.h>

static const struct option plugins_options[] = {
  { "format", required_argument, NULL, 'f' },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

typedef struct
{
  const char *role;
  const char *configured;
  char *backend;
  char *path;
  char *version; /* the plugin's own ("-": none given, or no plugin) */
  char *probe;   /* "ok" or the failure */
} RoleReport;

static void
report_role (SvPluginsConf *conf, SvRole r, gboolean with_mappings, RoleReport *out)
{
  g_autoptr (SvPluginHost) h = sv_plugin_host_new (conf, "/run/sysvisor-runc");
  g_autoptr (GError) error = NULL;
  const char *backend = sv_plugin_host_backend (h, r, with_mappings);
  g_autofree char *name = sv_plugins_conf_plugin_name (r, backend);

  out->version = g_strdup ("-");
  out->role = sv_role_name (r);
  out->configured = conf->backend[r];
  out->backend = g_strdup (backend);
  if (g_strcmp0 (backend, "none") == 0)
    {
      out->path = g_strdup ("-");
      out->probe = g_strdup ("ok");
      return;
    }
  h->role[r] = sv_plugin_load_for_role (h->dir, r, backend, &error);
  out->path = sv_plugin_find_file (h->dir, name);
  if (h->role[r] != NULL && h->role[r]->version != NULL)
    {
      g_free (out->version);
      out->version = g_strdup (h->role[r]->version);
    }
  if (h->role[r] != NULL)
    sv_plugin_host_probe (h, r, &error);
  out->probe = error != NULL ? g_strdup (error->message) : g_strdup ("ok");
}

static void
print_json (RoleReport *reports, guint n)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_array (b);
  for (guint i = 0; i < n; i++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "role");
      json_builder_add_string_value (b, reports[i].role);
      json_builder_set_member_name (b, "configured");
      json_builder_add_string_value (b, reports[i].configured);
      json_builder_set_member_name (b, "specMappings");
      json_builder_add_boolean_value (b, i >= SV_N_ROLES);
      json_builder_set_member_name (b, "backend");
      json_builder_add_string_value (b, reports[i].backend);
      json_builder_set_member_name (b, "path");
      json_builder_add_string_value (b, reports[i].path);
      json_builder_set_member_name (b, "version");
      if (g_strcmp0 (reports[i].version, "-") != 0)
        json_builder_add_string_value (b, reports[i].version);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "probe");
      json_builder_add_string_value (b, reports[i].probe);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  root = json_builder_get_root (b);
  text = sv_json_to_string (root, TRUE);
  printf ("%s\n", text);
}

static void
print_table (SvPluginsConf *conf, RoleReport *reports, guint n)
{
  printf ("plugins.conf: %s\nplugin directory: %s\n\n",
          conf->path != NULL ? conf->path : "(none: defaults)", sv_plugin_dir ());
  printf ("%-7s %-12s %-26s %-13s %-48s %-9s %s\n", "ROLE", "CONFIGURED", "WHEN", "BACKEND",
          "PLUGIN", "VERSION", "PROBE");
  for (guint i = 0; i < n; i++)
    printf ("%-7s %-12s %-26s %-13s %-48s %-9s %s\n", reports[i].role, reports[i].configured,
            i < SV_N_ROLES ? "spec without uid mappings" : "spec with uid mappings",
            reports[i].backend, reports[i].path, reports[i].version, reports[i].probe);
}

int
sv_cmd_plugins (SvGlobal *g, int argc, char **argv)
{
  const SvCommand *cmd = sv_cli_find ("plugins");
  g_autoptr (SvPluginsConf) conf = NULL;
  GError *error = NULL;
  const char *format = "table";
  RoleReport reports[2 * SV_N_ROLES];
  int c, status = 1;

  while ((c = sv_cli_getopt (cmd, argc, argv, plugins_options, "f:", &status)) != -1)
    if (c == 'f')
      format = optarg;
    else
      return status;
  if (!sv_cli_need_args (cmd, argc, argv, 0, 0))
    return 1;
  if (g_strcmp0 (format, "table") != 0 && g_strcmp0 (format, "json") != 0)
    return sv_cli_usage ("plugins", "unknown --format \"%s\": use table or json", format);
  conf = sv_plugins_conf_load (sv_plugins_conf_path (g->plugins_conf), &error);
  if (conf == NULL)
    return sv_cli_fail (error);
  for (guint i = 0; i < 2 * SV_N_ROLES; i++)
    report_role (conf, (SvRole) (i % SV_N_ROLES), i >= SV_N_ROLES, &reports[i]);
  if (g_strcmp0 (format, "json") == 0)
    print_json (reports, 2 * SV_N_ROLES);
  else
    print_table (conf, reports, 2 * SV_N_ROLES);
  for (guint i = 0; i < 2 * SV_N_ROLES; i++)
    {
      g_free (reports[i].backend);
      g_free (reports[i].path);
      g_free (reports[i].version);
      g_free (reports[i].probe);
    }
  return 0;
}
