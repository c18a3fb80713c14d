/* cgroups.c: the dispatcher: the public calls of cgroups.h (create, apply, enter,
 * freeze, kill, destroy, stats), each routed to the driver of the host's mode (cgroups-v1.c,
 * cgroups-v2.c, through cgroups-driver.h) or to systemd (cgroups-systemd.c).  The shared layer
 * lives in cgroups-files.c, -hierarchy.c, -paths.c, -resources.c, -state.c and -stats.c.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#define G_LOG_DOMAIN "sysvisor"

#include "cgroups-driver.h"
#include "cgroups-files.h"
#include "cgroups-hierarchy.h"
#include "cgroups-resources.h"
#include "cgroups-systemd.h"
#include "cgroups-v2.h"
#include "utils.h"
#include "sv-error.h"

#include <gio/gio.h>
#include <signal.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------
 * Lifecycle: dispatch to cgroups-v1.c / cgroups-v2.c
 * ---------------------------------------------------------------------------------------- */

void
sv_cgroup_undo_create (SvCgroup *cg)
{
  for (guint i = cg->created->len; i > 0; i--)
    if (rmdir (cg->created->pdata[i - 1]) < 0 && errno != ENOENT)
      g_debug ("rolling back cgroup %s: %s", (char *) cg->created->pdata[i - 1],
               sv_strerror (errno));
  g_ptr_array_set_size (cg->created, 0);
  sv_cgroup_v2_undo_enabled (cg->enabled);
}

gboolean
sv_cgroup_create (SvCgroup *cg, uid_t owner_uid, gid_t owner_gid, GError **error)
{
  gboolean ok;

  g_ptr_array_set_size (cg->created, 0);
  g_ptr_array_set_size (cg->enabled, 0);
  if (cg->systemd && sv_cgroup_systemd_running ())
    {
      /* systemd makes it, with the init inside: see sv_cgroup_enter(). */
      cg->deferred = TRUE;
      cg->owner_uid = owner_uid;
      cg->owner_gid = owner_gid;
      return TRUE;
    }
  ok = sv_cgroup_driver (cg)->create (cg, owner_uid, owner_gid, error);
  if (!ok)
    sv_cgroup_undo_create (cg);
  return ok;
}

gboolean
sv_cgroup_create_for_pid (SvCgroup *cg, pid_t pid, uid_t owner_uid, gid_t owner_gid,
                          GError **error)
{
  if (!sv_cgroup_create (cg, owner_uid, owner_gid, error))
    return FALSE;
  if (sv_cgroup_enter (cg, pid, error))
    return TRUE;
  if (cg->unit_started)
    sv_cgroup_systemd_stop_unit (cg, NULL);
  cg->unit_started = FALSE;
  sv_cgroup_undo_create (cg);
  return FALSE;
}

gboolean
sv_cgroup_apply (SvCgroup *cg, SvCgroupResources *res, GError **error)
{
  if (cg->deferred)
    {
      /* Kept for the unit's properties and written once systemd made the cgroup. */
      sv_cgroup_resources_unref (cg->pending);
      cg->pending = sv_cgroup_resources_ref (res);
      return TRUE;
    }
  if (!sv_cgroup_driver (cg)->apply (cg, res, error))
    return FALSE;
  /* `update` of a scope systemd made: its properties too, so a daemon-reload keeps them. */
  if (cg->unit_started || (cg->systemd && sv_cgroup_systemd_running ()))
    return sv_cgroup_systemd_set_properties (cg, res, error);
  return TRUE;
}

gboolean
sv_cgroup_enter (SvCgroup *cg, pid_t pid, GError **error)
{
  if (cg->deferred)
    return sv_cgroup_systemd_join (cg, pid, error);
  return sv_cgroup_enter_dirs (cg, pid, error);
}

gboolean
sv_cgroup_set_frozen (SvCgroup *cg, gboolean frozen, GError **error)
{
  return sv_cgroup_driver (cg)->set_frozen (cg, frozen, error);
}

gboolean
sv_cgroup_is_frozen (SvCgroup *cg)
{
  return sv_cgroup_driver (cg)->is_frozen (cg);
}

gboolean
sv_cgroup_refuse_frozen (SvCgroup *cg, GError **error)
{
  const char *dir = NULL;

  if (!sv_cgroup_driver (cg)->freezing (cg, &dir))
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
               "container's cgroup is frozen (%s): its processes, and any new one, are stopped; "
               "thaw it (`sysvisor-runc resume ID`, or write THAWED to freezer.state, 0 to "
               "cgroup.freeze) or choose another linux.cgroupsPath",
               dir);
  return FALSE;
}

gboolean
sv_cgroup_freezing (SvCgroup *cg)
{
  const char *dir = NULL;

  return sv_cgroup_driver (cg)->freezing (cg, &dir);
}

static int
compare_pids (gconstpointer a, gconstpointer b)
{
  pid_t pa = *(const pid_t *) a, pb = *(const pid_t *) b;

  return pa < pb ? -1 : pa > pb;
}

/* On v1 every hierarchy is read and the union taken: a process the container moved between
 * its own sub-cgroups is still found in every hierarchy. */
GArray *
sv_cgroup_pids (SvCgroup *cg, GError **error)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
  GArray *pids;
  GHashTableIter iter;
  gpointer key;

  for (guint i = 0; i < cg->mounts->len; i++)
    if (!sv_cgroup_collect_pids (((SvCgroupMount *) cg->mounts->pdata[i])->dir, seen, error))
      return NULL;
  pids = g_array_sized_new (FALSE, FALSE, sizeof (pid_t), g_hash_table_size (seen));
  g_hash_table_iter_init (&iter, seen);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      pid_t pid = GPOINTER_TO_INT (key);

      g_array_append_val (pids, pid);
    }
  g_array_sort (pids, compare_pids);
  return pids;
}

static gboolean
is_populated (const char *dir)
{
  g_autofree char *events = sv_cgroup_read (dir, "cgroup.events", NULL);

  return events != NULL && strstr (events, "populated 1") != NULL;
}

/* The directory whose cgroup.kill reaps the whole container, or NULL. */
static const char *
kill_file_dir (SvCgroup *cg)
{
  SvCgroupMount *m =
      cg->mode == SV_CGROUP_V2 ? cg->mounts->pdata[0] : sv_cgroup_find_unified (cg);

  if (m == NULL || !sv_cgroup_has_file (m->dir, "cgroup.kill"))
    return NULL;
  /* Hybrid: only trust the cgroup2 tree when the container's processes are in it. */
  if (cg->mode == SV_CGROUP_V1 && !is_populated (m->dir))
    return NULL;
  return m->dir;
}

static gboolean
signal_pids (GArray *pids, int signo, GError **error)
{
  for (guint i = 0; i < pids->len; i++)
    {
      pid_t pid = g_array_index (pids, pid_t, i);

      if (kill (pid, signo) < 0 && errno != ESRCH)
        {
          sv_set_error_errno (error, errno, "sending signal %d to process %d", signo, (int) pid);
          return FALSE;
        }
    }
  return TRUE;
}

/* cgroup.kill when the kernel has it (v2, SIGKILL).  Otherwise freeze so nothing forks
 * behind our back, signal every pid, thaw (a frozen task acts on the signal once thawed).
 * A cgroup that was frozen already (a paused container) stays frozen, except after SIGKILL:
 * a task frozen by the v1 freezer does not die until it is thawed, so it is thawed then. */
gboolean
sv_cgroup_kill_all (SvCgroup *cg, int signo, GError **error)
{
  const char *kill_dir = signo == SIGKILL ? kill_file_dir (cg) : NULL;
  gboolean was_frozen = sv_cgroup_is_frozen (cg);
  g_autoptr (GError) freeze_error = NULL;
  g_autoptr (GArray) pids = NULL;
  gboolean frozen, ok;

  if (kill_dir != NULL)
    return sv_cgroup_write (kill_dir, "cgroup.kill", "1", error)
           && (!was_frozen || sv_cgroup_set_frozen (cg, FALSE, error));
  pids = sv_cgroup_pids (cg, error);
  if (pids == NULL || pids->len == 0)
    return pids != NULL; /* nobody inside: nothing can fork behind our back either */
  g_clear_pointer (&pids, g_array_unref);
  frozen = was_frozen || sv_cgroup_set_frozen (cg, TRUE, &freeze_error);
  if (!frozen)
    g_debug ("kill --all without freezing %s first: %s", cg->path, freeze_error->message);
  pids = sv_cgroup_pids (cg, error);
  ok = pids != NULL && signal_pids (pids, signo, error);
  if (frozen && (!was_frozen || signo == SIGKILL)
      && !sv_cgroup_set_frozen (cg, FALSE, ok ? error : NULL))
    ok = FALSE;
  return ok;
}

gboolean
sv_cgroup_destroy (SvCgroup *cg, GError **error)
{
  g_autoptr (GError) first = NULL;

  /* (not a systemd unit's: sv_cgroup_remove_if_empty leaves those) */
  if (cg->removed)
    return TRUE;
  /* Also for a state whose create died before it recorded the unit (a unit already gone is
   * success); not for this process's own create that never got to start it. */
  if ((cg->unit_started || (cg->systemd && !cg->deferred && sv_cgroup_systemd_running ()))
      && !sv_cgroup_systemd_stop_unit (cg, &first))
    g_prefix_error (&first, "stopping systemd unit %s: ", cg->unit);
  for (guint i = 0; i < cg->mounts->len; i++)
    {
      g_autoptr (GError) local = NULL;

      if (!sv_cgroup_remove_tree (((SvCgroupMount *) cg->mounts->pdata[i])->dir, &local)
          && first == NULL)
        first = g_steal_pointer (&local);
    }
  if (first != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&first));
      return FALSE;
    }
  cg->unit_started = FALSE;
  return TRUE;
}

gboolean
sv_cgroup_remove_if_empty (SvCgroup *cg)
{
  /* (a cgroup of a systemd unit goes with its unit: sv_cgroup_destroy) */
  if (cg->unit_started || cg->systemd)
    return FALSE;
  for (guint i = 0; i < cg->mounts->len; i++)
    if (!sv_cgroup_remove_tree_now (((SvCgroupMount *) cg->mounts->pdata[i])->dir))
      return FALSE;
  cg->removed = TRUE;
  return TRUE;
}

JsonNode *
sv_cgroup_stats (SvCgroup *cg, GError **error)
{
  JsonObject *stats;
  JsonNode *node;

  if (!g_file_test (((SvCgroupMount *) cg->mounts->pdata[0])->dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "cgroup %s does not exist", cg->path);
      return NULL;
    }
  stats = sv_cgroup_driver (cg)->stats (cg);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, stats);
  return node;
}
