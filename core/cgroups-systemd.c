/* cgroups-systemd.c: asking systemd for the container's cgroup (--systemd-cgroup on a
 * cgroup v2 host whose init is systemd).  The cgroup is a transient scope unit made with
 * StartTransientUnit over D-Bus, with the container's init in it from birth and Delegate=yes
 * so that the subtree is ours; StopUnit removes it.  Limits are still written to the cgroup
 * files directly (not as unit properties), so a `systemctl daemon-reload` may reset the
 * scope's own limits to systemd's idea of them: a known limitation.
 *
 * When systemd is not the init (no /run/systemd/system), "slice:prefix:name" paths are
 * plain directories that cgroups.c creates itself; on v1 hosts too, even with systemd.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#define G_LOG_DOMAIN "sysvisor"

#include "cgroups-internal.h"

#include <gio/gio.h>
#include <string.h>

#define SYSTEMD_BUS_NAME "org.freedesktop.systemd1"
#define SYSTEMD_PATH "/org/freedesktop/systemd1"
#define SYSTEMD_MANAGER "org.freedesktop.systemd1.Manager"
#define JOB_TIMEOUT_MS 30000

gboolean
sv_cgroup_systemd_running (void)
{
  if (sv_cgroup_get_root () != NULL)
    return FALSE;
  return g_file_test ("/run/systemd/system", G_FILE_TEST_IS_DIR);
}

typedef struct
{
  GHashTable *removed; /* job object path -> result ("done", "failed", ...) */
  gboolean timed_out;
} JobWatch;

static void
on_job_removed (GDBusConnection *bus, const char *sender, const char *path, const char *iface,
                const char *signal, GVariant *params, gpointer data)
{
  JobWatch *watch = data;
  const char *job, *unit, *result;
  guint32 id;

  if (!g_variant_is_of_type (params, G_VARIANT_TYPE ("(uoss)")))
    return;
  g_variant_get (params, "(u&o&s&s)", &id, &job, &unit, &result);
  g_hash_table_insert (watch->removed, g_strdup (job), g_strdup (result));
}

static gboolean
on_timeout (gpointer data)
{
  ((JobWatch *) data)->timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* Wait in @ctx until systemd reports @job removed; its result must be "done". */
static gboolean
wait_for_job (GMainContext *ctx, JobWatch *watch, const char *job, const char *unit, GError **error)
{
  GSource *timeout = g_timeout_source_new (JOB_TIMEOUT_MS);
  const char *result;

  g_source_set_callback (timeout, on_timeout, watch, NULL);
  g_source_attach (timeout, ctx);
  while (!g_hash_table_contains (watch->removed, job) && !watch->timed_out)
    g_main_context_iteration (ctx, TRUE);
  g_source_destroy (timeout);
  g_source_unref (timeout);
  result = g_hash_table_lookup (watch->removed, job);
  if (result != NULL && g_str_equal (result, "done"))
    return TRUE;
  g_set_error (error, G_IO_ERROR, result != NULL ? G_IO_ERROR_FAILED : G_IO_ERROR_TIMED_OUT,
               "systemd job for unit %s: %s%s (see `journalctl -u %s`)", unit,
               result != NULL ? "finished with result " : "no answer within 30 s",
               result != NULL ? result : "", unit);
  return FALSE;
}

/* systemd sends job signals only once some client asked; "already subscribed" is fine. */
static void
subscribe (GDBusConnection *bus)
{
  GVariant *reply = g_dbus_connection_call_sync (bus, SYSTEMD_BUS_NAME, SYSTEMD_PATH,
                                                 SYSTEMD_MANAGER, "Subscribe", NULL, NULL,
                                                 G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);

  if (reply != NULL)
    g_variant_unref (reply);
}

/* Call a Manager method that returns a job, and wait for the job to finish. */
static gboolean
run_job (const char *method, GVariant *params, const char *unit, GError **error)
{
  g_autoptr (GMainContext) ctx = g_main_context_new ();
  g_autoptr (GDBusConnection) bus = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GHashTable) removed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  JobWatch watch = { removed, FALSE };
  const char *job;
  gboolean ok = FALSE;
  guint sub;

  g_variant_ref_sink (params);
  g_main_context_push_thread_default (ctx);
  bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, error);
  if (bus != NULL)
    {
      sub = g_dbus_connection_signal_subscribe (
          bus, SYSTEMD_BUS_NAME, SYSTEMD_MANAGER, "JobRemoved", SYSTEMD_PATH, NULL,
          G_DBUS_SIGNAL_FLAGS_NONE, on_job_removed, &watch, NULL);
      subscribe (bus);
      reply = g_dbus_connection_call_sync (bus, SYSTEMD_BUS_NAME, SYSTEMD_PATH, SYSTEMD_MANAGER,
                                           method, params, G_VARIANT_TYPE ("(o)"),
                                           G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
      if (reply != NULL)
        {
          g_variant_get (reply, "(&o)", &job);
          ok = wait_for_job (ctx, &watch, job, unit, error);
        }
      g_dbus_connection_signal_unsubscribe (bus, sub);
    }
  g_main_context_pop_thread_default (ctx);
  g_variant_unref (params);
  return ok;
}

static gboolean
is_remote_error (const GError *error, const char *name)
{
  g_autofree char *remote = NULL;

  if (error == NULL || !g_dbus_error_is_remote_error (error))
    return FALSE;
  remote = g_dbus_error_get_remote_error (error);
  return g_strcmp0 (remote, name) == 0;
}

static GVariant *
start_params (SvCgroup *cg, pid_t pid)
{
  GVariantBuilder props;
  guint32 pid32 = (guint32) pid;
  g_autofree char *desc = g_strdup_printf ("sysvisor container %s", cg->id);

  g_variant_builder_init (&props, G_VARIANT_TYPE ("a(sv)"));
  g_variant_builder_add (&props, "(sv)", "Description", g_variant_new_string (desc));
  if (!g_str_equal (cg->slice, "-.slice"))
    g_variant_builder_add (&props, "(sv)", "Slice", g_variant_new_string (cg->slice));
  if (!g_str_has_suffix (cg->unit, ".slice"))
    g_variant_builder_add (
        &props, "(sv)", "PIDs",
        g_variant_new_fixed_array (G_VARIANT_TYPE_UINT32, &pid32, 1, sizeof pid32));
  g_variant_builder_add (&props, "(sv)", "Delegate", g_variant_new_boolean (TRUE));
  g_variant_builder_add (&props, "(sv)", "DefaultDependencies", g_variant_new_boolean (FALSE));
  return g_variant_new ("(ssa(sv)@a(sa(sv)))", cg->unit, "replace", &props,
                        g_variant_new_array (G_VARIANT_TYPE ("(sa(sv))"), NULL, 0));
}

gboolean
sv_cgroup_systemd_start_unit (SvCgroup *cg, pid_t pid, GError **error)
{
  g_autoptr (GError) local = NULL;

  if (run_job ("StartTransientUnit", start_params (cg, pid), cg->unit, &local))
    {
      /* A slice holds no process itself in systemd's model; put it there directly. */
      return !g_str_has_suffix (cg->unit, ".slice") || sv_cgroup_enter (cg, pid, error);
    }
  /* Made before (a retried create): join it, as the plain driver reuses a directory. */
  if (is_remote_error (local, "org.freedesktop.systemd1.UnitExists"))
    return sv_cgroup_enter (cg, pid, error);
  g_dbus_error_strip_remote_error (local);
  g_propagate_prefixed_error (error, g_steal_pointer (&local),
                              "asking systemd for scope %s (linux.cgroupsPath, "
                              "--systemd-cgroup): ",
                              cg->unit);
  return FALSE;
}

gboolean
sv_cgroup_systemd_stop_unit (SvCgroup *cg, GError **error)
{
  g_autoptr (GError) local = NULL;

  if (run_job ("StopUnit", g_variant_new ("(ss)", cg->unit, "replace"), cg->unit, &local))
    return TRUE;
  if (is_remote_error (local, "org.freedesktop.systemd1.NoSuchUnit"))
    return TRUE;
  g_dbus_error_strip_remote_error (local);
  g_propagate_error (error, g_steal_pointer (&local));
  return FALSE;
}
