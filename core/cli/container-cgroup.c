/* container-cgroup.c: load a container and open its cgroup, for the commands that act on it. */
#include "container-cgroup.h"

#include "utils.h"

#include <gio/gio.h>

SvCgroup *
sv_cli_container_cgroup (const char *root, const char *id, const char *verb, guint allowed,
                         const char *expected, SvState **state_out, GError **error)
{
  g_autoptr (SvState) st = sv_state_load (root, id, error);
  SvStatus status;
  SvCgroup *cg;

  if (st == NULL)
    return NULL;
  status = sv_state_status (st);
  if ((allowed & SV_STATUS_BIT (status)) == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "cannot %s container \"%s\": it is %s%s%s", verb, id, sv_status_name (status),
                   expected != NULL ? ", not " : "", expected != NULL ? expected : "");
      return NULL;
    }
  if (st->cgroup == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "cannot %s container \"%s\": its state names no cgroup", verb, id);
      return NULL;
    }
  cg = sv_cgroup_from_json (st->cgroup, error);
  if (cg == NULL)
    {
      g_prefix_error (error, "cannot %s container \"%s\": state.json: ", verb, id);
      return NULL;
    }
  if (state_out != NULL)
    *state_out = g_steal_pointer (&st);
  return cg;
}

int
sv_cli_lock_container (const char *root, const char *id, GError **error)
{
  if (!sv_state_validate_id (id, error))
    return -1;
  return sv_state_lock (root, id, error);
}

static const struct option freeze_options[] = {
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

int
sv_cli_set_frozen (SvGlobal *g, const char *name, gboolean frozen, int argc, char **argv)
{
  const SvCommand *cmd = sv_cli_find (name);
  GError *error = NULL;
  g_autoptr (SvCgroup) cg = NULL;
  sv_autofd lock = -1;
  SvStatus from = frozen ? SV_STATUS_RUNNING : SV_STATUS_PAUSED;
  int status = 1;

  if (sv_cli_getopt (cmd, argc, argv, freeze_options, "", &status) != -1)
    return status;
  if (!sv_cli_need_args (cmd, argc, argv, 1, 1))
    return 1;
  lock = sv_cli_lock_container (g->root, argv[optind], &error);
  if (lock < 0)
    return sv_cli_fail (error);
  cg = sv_cli_container_cgroup (g->root, argv[optind], name, SV_STATUS_BIT (from),
                                sv_status_name (from), NULL, &error);
  if (cg == NULL || !sv_cgroup_set_frozen (cg, frozen, &error))
    return sv_cli_fail (error);
  return 0;
}
