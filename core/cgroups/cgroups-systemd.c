/* cgroups-systemd.c: asking systemd for the container's cgroup (--systemd-cgroup on a host
 * whose init is systemd, cgroup v2 or v1/hybrid), as runc's systemd driver does.
 *
 * A scope cannot exist empty, so nothing is made before the container's init exists:
 * sv_cgroup_create() only notes the owner, sv_cgroup_apply() keeps the limits, and
 * the first sv_cgroup_enter() calls StartTransientUnit over D-Bus (GDBus, from glib's gio)
 * with PIDs=[init], Delegate=yes and the limits systemd has properties for (MemoryMax,
 * CPUQuota, CPUWeight/CPUShares, TasksMax), waits for the job, then makes what systemd does
 * not (the v1 hierarchies it does not manage), delegates the subtree and writes every limit
 * to the cgroup files as well (runc does both).  `delete` stops the unit (StopUnit).
 *
 * When systemd is not the init (no /run/systemd/system), "slice:prefix:name" paths are
 * plain directories that cgroups.c creates itself.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#define G_LOG_DOMAIN "sysvisor"

#include "cgroups-systemd.h"

#include "cgroups-driver.h"
#include "cgroups-v2.h"

#include <gio/gio.h>
#include <string.h>

#define SYSTEMD_BUS_NAME "org.freedesktop.systemd1"
#define SYSTEMD_PATH "/org/freedesktop/systemd1"
#define SYSTEMD_MANAGER "org.freedesktop.systemd1.Manager"
#define SYSTEMD_PRIVATE_SOCKET "/run/systemd/private"
#define SYSTEMD_PRIVATE_BUS "unix:path=" SYSTEMD_PRIVATE_SOCKET
#define JOB_TIMEOUT_MS 30000
#define USEC_PER_SEC G_GUINT64_CONSTANT (1000000)

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
wait_for_job (GMainContext *ctx, JobWatch *watch, const char *job, const char *unit,
              GError **error)
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

/* The system bus, as runc; systemd's own private socket (root only) when no bus daemon
 * answers.  On that peer-to-peer socket signals carry no sender, so none is matched. */
static GDBusConnection *
connect_systemd (GError **error)
{
  g_autoptr (GError) bus_error = NULL;
  g_autoptr (GError) private_error = NULL;
  g_autofree char *addr = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SYSTEM, NULL, &bus_error);
  GDBusConnection *bus = NULL;

  if (addr != NULL)
    bus = g_dbus_connection_new_for_address_sync (
        addr,
        G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
            | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
        NULL, NULL, &bus_error);
  if (bus != NULL)
    return bus;
  bus = g_dbus_connection_new_for_address_sync (SYSTEMD_PRIVATE_BUS,
                                                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT,
                                                NULL, NULL, &private_error);
  if (bus != NULL)
    return bus;
  g_dbus_error_strip_remote_error (bus_error);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
               "systemd does not answer on D-Bus (system bus: %s; %s: %s): start dbus.service "
               "(`systemctl start dbus`), or run without --systemd-cgroup",
               bus_error->message, SYSTEMD_PRIVATE_SOCKET, private_error->message);
  return NULL;
}

/* Call a Manager method that returns a job, and wait for the job to finish. */
static gboolean
run_job (const char *method, GVariant *params, const char *unit, GError **error)
{
  g_autoptr (GMainContext) ctx = g_main_context_new ();
  g_autoptr (GDBusConnection) bus = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GHashTable) removed =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  JobWatch watch = { removed, FALSE };
  const char *job;
  gboolean ok = FALSE;
  guint sub;

  g_variant_ref_sink (params);
  g_main_context_push_thread_default (ctx);
  bus = connect_systemd (error);
  if (bus != NULL)
    {
      sub = g_dbus_connection_signal_subscribe (bus, NULL, SYSTEMD_MANAGER, "JobRemoved",
                                                SYSTEMD_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                on_job_removed, &watch, NULL);
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
      g_dbus_connection_close_sync (bus, NULL, NULL);
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

static void
add_u64 (GVariantBuilder *props, const char *name, guint64 value)
{
  g_variant_builder_add (props, "(sv)", name, g_variant_new_uint64 (value));
}

/* -1 (unlimited) is systemd's infinity. */
static guint64
limit_u64 (gint64 v)
{
  return v < 0 ? G_MAXUINT64 : (guint64) v;
}

/* The limits systemd keeps as unit properties, so that it re-applies ours (not its defaults)
 * when it rewrites the scope's cgroup (daemon-reload); the files get them too afterwards. */
static void
add_resource_props (GVariantBuilder *props, SvCgroup *cg, const SvCgroupResources *res)
{
  if (res->mem_limit.set)
    add_u64 (props, "MemoryMax", limit_u64 (res->mem_limit.value));
  if (res->pids_limit.set)
    add_u64 (props, "TasksMax", limit_u64 (res->pids_limit.value));
  if (res->cpu_shares.set)
    add_u64 (props, cg->mode == SV_CGROUP_V2 ? "CPUWeight" : "CPUShares",
             cg->mode == SV_CGROUP_V2
                 ? sv_cgroup_shares_to_weight ((guint64) res->cpu_shares.value)
                 : (guint64) res->cpu_shares.value);
  if (res->cpu_period.set && res->cpu_period.value > 0)
    add_u64 (props, "CPUQuotaPeriodUSec", (guint64) res->cpu_period.value);
  if (res->cpu_quota.set && res->cpu_quota.value > 0)
    {
      guint64 period = res->cpu_period.set && res->cpu_period.value > 0
                           ? (guint64) res->cpu_period.value
                           : 100000;
      guint64 per_sec = (guint64) res->cpu_quota.value * USEC_PER_SEC / period;

      /* systemd keeps whole percents: round up to 10 ms so the file keeps our quota. */
      add_u64 (props, "CPUQuotaPerSecUSec", (per_sec + 9999) / 10000 * 10000);
    }
}

static GVariant *
start_params (SvCgroup *cg, pid_t pid, const SvCgroupResources *res)
{
  GVariantBuilder props;
  guint32 pid32 = (guint32) pid;
  g_autofree char *desc = g_strdup_printf ("sysvisor container %s", cg->id);

  g_variant_builder_init (&props, G_VARIANT_TYPE ("a(sv)"));
  g_variant_builder_add (&props, "(sv)", "Description", g_variant_new_string (desc));
  if (!g_str_equal (cg->slice, "-.slice"))
    g_variant_builder_add (&props, "(sv)", "Slice", g_variant_new_string (cg->slice));
  if (!g_str_has_suffix (cg->unit, ".slice"))
    g_variant_builder_add (&props, "(sv)", "PIDs",
                           g_variant_new_fixed_array (G_VARIANT_TYPE_UINT32, &pid32, 1,
                                                      sizeof pid32));
  g_variant_builder_add (&props, "(sv)", "Delegate", g_variant_new_boolean (TRUE));
  g_variant_builder_add (&props, "(sv)", "DefaultDependencies", g_variant_new_boolean (FALSE));
  for (const char *const *a =
           (const char *const[]){ "MemoryAccounting", "CPUAccounting", "TasksAccounting", NULL };
       *a != NULL; a++)
    g_variant_builder_add (&props, "(sv)", *a, g_variant_new_boolean (TRUE));
  if (res != NULL)
    add_resource_props (&props, cg, res);
  return g_variant_new ("(ssa(sv)@a(sa(sv)))", cg->unit, "replace", &props,
                        g_variant_new_array (G_VARIANT_TYPE ("(sa(sv))"), NULL, 0));
}

gboolean
sv_cgroup_systemd_start_unit (SvCgroup *cg, pid_t pid, const SvCgroupResources *res,
                              GError **error)
{
  g_autoptr (GError) local = NULL;

  /* (A slice holds no process itself in systemd's model: finish_unit() puts it there.) */
  if (run_job ("StartTransientUnit", start_params (cg, pid, res), cg->unit, &local))
    return TRUE;
  /* Made before (a retried create): join it, as the plain driver reuses a directory. */
  if (is_remote_error (local, "org.freedesktop.systemd1.UnitExists"))
    return TRUE;
  g_dbus_error_strip_remote_error (local);
  g_propagate_prefixed_error (error, g_steal_pointer (&local),
                              "--systemd-cgroup: asking systemd for %s (linux.cgroupsPath): ",
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

/* `update` of a container systemd made a scope for: the new limits become the unit's
 * properties too (runtime only, as runc), so a daemon-reload does not bring the old ones
 * back.  A unit that is not there (the container made plain directories) is left alone. */
gboolean
sv_cgroup_systemd_set_properties (SvCgroup *cg, const SvCgroupResources *res, GError **error)
{
  g_autoptr (GDBusConnection) bus = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) local = NULL;
  GVariantBuilder props;

  g_variant_builder_init (&props, G_VARIANT_TYPE ("a(sv)"));
  add_resource_props (&props, cg, res);
  bus = connect_systemd (&local);
  if (bus != NULL)
    reply = g_dbus_connection_call_sync (bus, SYSTEMD_BUS_NAME, SYSTEMD_PATH, SYSTEMD_MANAGER,
                                         "SetUnitProperties",
                                         g_variant_new ("(sba(sv))", cg->unit, TRUE, &props),
                                         NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &local);
  else
    g_variant_builder_clear (&props);
  if (bus != NULL)
    g_dbus_connection_close_sync (bus, NULL, NULL);
  if (reply != NULL || is_remote_error (local, "org.freedesktop.systemd1.NoSuchUnit"))
    return TRUE;
  g_dbus_error_strip_remote_error (local);
  g_propagate_prefixed_error (error, g_steal_pointer (&local),
                              "--systemd-cgroup: setting the limits of %s: ", cg->unit);
  return FALSE;
}

/* After StartTransientUnit: the hierarchies systemd does not manage (v1: cpuset, freezer,
 * ...) made at the same path, the subtree delegated to container root, @pid in every
 * hierarchy, and the limits written to the files as well. */
static gboolean
finish_unit (SvCgroup *cg, pid_t pid, GError **error)
{
  SvCgroupMount *m = cg->mounts->pdata[0];
  gboolean ok;

  if (cg->mode == SV_CGROUP_V2)
    ok = sv_cgroup_v2_delegate (m->dir, cg->owner_uid, cg->owner_gid, error);
  else
    ok = sv_cgroup_v1_driver.create (cg, cg->owner_uid, cg->owner_gid, error);
  if (!ok || !sv_cgroup_enter_dirs (cg, pid, error))
    return FALSE;
  if (cg->pending == NULL)
    return TRUE;
  return sv_cgroup_driver (cg)->apply (cg, cg->pending, error);
}

gboolean
sv_cgroup_systemd_join (SvCgroup *cg, pid_t pid, GError **error)
{
  if (!sv_cgroup_systemd_start_unit (cg, pid, cg->pending, error))
    return FALSE;
  /* From here a failure is undone by sv_cgroup_destroy(), which stops the unit. */
  cg->unit_started = TRUE;
  if (!finish_unit (cg, pid, error))
    return FALSE;
  g_clear_pointer (&cg->pending, sv_cgroup_resources_unref);
  cg->deferred = FALSE;
  return TRUE;
}
