/* gc-cmd.c: `sysvisor-runc gc`: free the storage directories (storage.c) of containers that
 * are gone for both the runtime and their client (e.g. after `docker rm`), one line each. */
#include "cli.h"

#include "plugin-host.h"
#include "plugins-conf.h"
#include "storage.h"

#include <stdio.h>

static const struct option gc_options[] = {
  { "dry-run", no_argument, NULL, 'n' },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

int
sv_cmd_gc (SvGlobal *g, int argc, char **argv)
{
  const SvCommand *cmd = sv_cli_find ("gc");
  g_autoptr (SvPluginsConf) conf = sv_plugins_conf_load ("", NULL); /* only the lib dir */
  g_autoptr (SvPluginHost) host = NULL;
  g_autoptr (GPtrArray) orphans = NULL;
  GError *error = NULL;
  gboolean dry_run = FALSE;
  int c, status = 1;

  while ((c = sv_cli_getopt (cmd, argc, argv, gc_options, "n", &status)) != -1)
    if (c == 'n')
      dry_run = TRUE;
    else
      return status;
  if (!sv_cli_need_args (cmd, argc, argv, 0, 0))
    return 1;
  host = sv_plugin_host_new (conf, g->root);
  orphans = sv_storage_orphans (host->host.lib_dir, NULL,
                                dry_run ? SV_STORAGE_LIST : SV_STORAGE_FREE, NULL, &error);
  if (orphans == NULL)
    return sv_cli_fail (error);
  for (guint i = 0; i < orphans->len; i++)
    {
      SvStorageOrphan *o = orphans->pdata[i];
      printf ("%s %s (container %s)\n", dry_run ? "would free" : "freed", o->path, o->id);
    }
  return 0;
}
