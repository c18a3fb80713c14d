/* spec-cmd.c: `sysvisor-runc spec`: write a default config.json. */
#include "cli.h"

#include "json-util.h"
#include "spec-default.h"
#include "utils.h"

enum
{
  OPT_ROOTLESS = 1000,
};

static const struct option spec_options[] = {
  { "bundle", required_argument, NULL, 'b' },
  { "rootless", no_argument, NULL, OPT_ROOTLESS },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

int
sv_cmd_spec (SvGlobal *g, int argc, char **argv)
{
  const SvCommand *cmd = sv_cli_find ("spec");
  const char *bundle = ".";
  GError *error = NULL;
  g_autofree char *file = NULL;
  g_autofree char *text = NULL;
  g_autoptr (JsonNode) spec = NULL;
  int c, status = 1;

  while ((c = sv_cli_getopt (cmd, argc, argv, spec_options, "b:", &status)) != -1)
    if (c == 'b')
      bundle = optarg;
    else if (c != OPT_ROOTLESS)
      return status;
  if (!sv_cli_need_args (cmd, argc, argv, 0, 0))
    return 1;
  file = g_build_filename (bundle, "config.json", NULL);
  if (g_file_test (file, G_FILE_TEST_EXISTS))
    return sv_cli_fail (
        g_error_new (G_IO_ERROR, G_IO_ERROR_EXISTS, "%s exists already; remove it first", file));
  spec = sv_spec_default ();
  text = sv_json_to_string (spec, TRUE);
  if (!sv_write_file_atomic (file, text, -1, 0644, &error))
    return sv_cli_fail (error);
  return 0;
}
