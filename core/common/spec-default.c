/* spec-default.c: the default config.json of `sysvisor-runc spec`.  The shape of runc's
 * default spec, with what a system container needs instead: root keeps every capability (of
 * its own user namespace), a writable rootfs, no_new_privs off (setuid tools like sudo work),
 * tmpfs on /run, and every namespace.  No uid mappings: the idmap plugin chooses them. */
#include "spec-default.h"

#include "names.h"
#include "spec.h"

static void
add_strings (JsonBuilder *b, const char *name, const char *const *values)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; values[i] != NULL; i++)
    json_builder_add_string_value (b, values[i]);
  json_builder_end_array (b);
}

static void
add_caps (JsonBuilder *b)
{
  static const char *const sets[] = { "bounding", "effective", "permitted", NULL };

  json_builder_set_member_name (b, "capabilities");
  json_builder_begin_object (b);
  for (guint s = 0; sets[s] != NULL; s++)
    {
      json_builder_set_member_name (b, sets[s]);
      json_builder_begin_array (b);
      for (int cap = 0; cap <= 40; cap++)
        json_builder_add_string_value (b, sv_cap_name (cap));
      json_builder_end_array (b);
    }
  json_builder_end_object (b);
}

static void
add_process (JsonBuilder *b)
{
  static const char *const args[] = { "sh", NULL };
  static const char *const env[] = {
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "TERM=xterm",
    "container=sysvisor",
    NULL,
  };

  json_builder_set_member_name (b, "process");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "terminal");
  json_builder_add_boolean_value (b, TRUE);
  json_builder_set_member_name (b, "user");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "uid");
  json_builder_add_int_value (b, 0);
  json_builder_set_member_name (b, "gid");
  json_builder_add_int_value (b, 0);
  json_builder_end_object (b);
  add_strings (b, "args", args);
  add_strings (b, "env", env);
  json_builder_set_member_name (b, "cwd");
  json_builder_add_string_value (b, "/");
  add_caps (b);
  json_builder_set_member_name (b, "rlimits");
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "RLIMIT_NOFILE");
  json_builder_set_member_name (b, "hard");
  json_builder_add_int_value (b, 1024);
  json_builder_set_member_name (b, "soft");
  json_builder_add_int_value (b, 1024);
  json_builder_end_object (b);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "noNewPrivileges");
  json_builder_add_boolean_value (b, FALSE);
  json_builder_end_object (b);
}

static void
add_mount (JsonBuilder *b, const char *dest, const char *type, const char *source,
           const char *const *options)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "destination");
  json_builder_add_string_value (b, dest);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, type);
  json_builder_set_member_name (b, "source");
  json_builder_add_string_value (b, source);
  add_strings (b, "options", options);
  json_builder_end_object (b);
}

static void
add_mounts (JsonBuilder *b)
{
  static const char *const proc[] = { "nosuid", "noexec", "nodev", NULL };
  static const char *const dev[] = { "nosuid", "strictatime", "mode=755", "size=65536k", NULL };
  static const char *const pts[] = { "nosuid",    "noexec", "newinstance", "ptmxmode=0666",
                                     "mode=0620", "gid=5",  NULL };
  static const char *const shm[] = {
    "nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL
  };
  static const char *const mq[] = { "nosuid", "noexec", "nodev", NULL };
  static const char *const sys[] = { "nosuid", "noexec", "nodev", "ro", NULL };
  static const char *const cg[] = { "nosuid", "noexec", "nodev", "relatime", NULL };
  static const char *const run[] = { "nosuid", "nodev", "mode=755", NULL };

  json_builder_set_member_name (b, "mounts");
  json_builder_begin_array (b);
  add_mount (b, "/proc", "proc", "proc", proc);
  add_mount (b, "/dev", "tmpfs", "tmpfs", dev);
  add_mount (b, "/dev/pts", "devpts", "devpts", pts);
  add_mount (b, "/dev/shm", "tmpfs", "shm", shm);
  add_mount (b, "/dev/mqueue", "mqueue", "mqueue", mq);
  add_mount (b, "/sys", "sysfs", "sysfs", sys);
  add_mount (b, "/sys/fs/cgroup", "cgroup", "cgroup", cg);
  add_mount (b, "/run", "tmpfs", "tmpfs", run);
  json_builder_end_array (b);
}

static void
add_linux (JsonBuilder *b)
{
  static const char *const ns[] = { "pid",   "network", "ipc",  "uts",
                                    "mount", "cgroup",  "user", NULL };
  static const char *const masked[] = {
    "/proc/acpi",
    "/proc/asound",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/sys/firmware",
    "/proc/scsi",
    NULL,
  };
  static const char *const readonly[] = { "/proc/bus", "/proc/fs", "/proc/irq",
                                          "/proc/sysrq-trigger", NULL };

  json_builder_set_member_name (b, "linux");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "namespaces");
  json_builder_begin_array (b);
  for (guint i = 0; ns[i] != NULL; i++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "type");
      json_builder_add_string_value (b, ns[i]);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  add_strings (b, "maskedPaths", masked);
  add_strings (b, "readonlyPaths", readonly);
  json_builder_end_object (b);
}

JsonNode *
sv_spec_default (void)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "ociVersion");
  json_builder_add_string_value (b, SV_OCI_VERSION);
  add_process (b);
  json_builder_set_member_name (b, "root");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "path");
  json_builder_add_string_value (b, "rootfs");
  json_builder_set_member_name (b, "readonly");
  json_builder_add_boolean_value (b, FALSE);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "hostname");
  json_builder_add_string_value (b, "sysvisor");
  add_mounts (b);
  add_linux (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
