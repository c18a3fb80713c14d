/* delete-cmd.c: `sysvisor-runc delete`. */
#include "cli.h"

#include "lifecycle.h"
#include "state.h"

#include <gio/gio.h>

static const struct option delete_options[] = {
  { "force", no_argument, NULL, 'f' },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

static gboolean
container_exists (const char *root, const char *id)
{
  g_autofree char *dir = sv_state_dir (root, id);

  return g_file_test (dir, G_FILE_TEST_EXISTS);
}

int
sv_cmd_delete (SvGlobal *g, int argc, char **argv)
{
  const SvCommand *cmd = sv_cli_find ("delete");
  GError *error = NULL;
  gboolean force = FALSE;
  int c, status = 1;

  while ((c = sv_cli_getopt (cmd, argc, argv, delete_options, "f", &status)) != -1)
    if (c == 'f')
      force = TRUE;
    else
      return status;
  if (!sv_cli_need_args (cmd, argc, argv, 1, 1))
    return 1;
  if (!sv_lifecycle_delete (g->root, argv[optind], force, g->plugins_conf, &error))
    {
      /* As runc: forcing the delete of a container that is not there is not an error (shims
       * and cleanup scripts delete --force whatever they are unsure of). */
      if (force && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND)
          && !container_exists (g->root, argv[optind]))
        {
          g_clear_error (&error);
          return 0;
        }
      return sv_cli_fail (error);
    }
  return 0;
}
