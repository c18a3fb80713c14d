/* features-cmd.c: `sysvisor-runc features`: what this runtime implements, in the JSON shape of
 * the OCI runtime features document that `runc features` prints.  Every list comes from the
 * module that implements it (the hook kinds hooks.c accepts, the mount options
 * mount-options.c knows, names.c's capabilities and namespaces, seccomp.c's features), so
 * the document cannot claim more than the code does. */
#include "cli.h"

#include "hooks.h"
#include "json-util.h"
#include "mount-options.h"
#include "names.h"
#include "spec.h"
#include "sv-config.h"
#include "sv-seccomp.h"

#include <sched.h>
#include <stdio.h>
#include <string.h>

#define FEATURES_OCI_VERSION_MIN "1.0.0"

static const struct option features_options[] = {
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

static const char *const hook_candidates[] = {
  "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
};

/* Every mount option name the OCI world uses; only those mount-options.c recognises are
 * listed (an unknown one would be passed to the filesystem as data). */
/* clang-format off */
static const char *const mount_option_candidates[] = {
  "acl", "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "idmap",
  "iversion", "lazytime", "loud", "mand", "noacl", "noatime", "nodev", "nodiratime", "noexec",
  "noiversion", "nolazytime", "nomand", "norelatime", "nostrictatime", "nosuid", "nosymfollow",
  "private", "ratime", "rbind", "rdev", "rdiratime", "relatime", "remount", "rexec", "ridmap",
  "rnoatime", "rnodev", "rnodiratime", "rnoexec", "rnorelatime", "rnostrictatime", "rnosuid",
  "rnosymfollow", "ro", "rprivate", "rrelatime", "rro", "rrw", "rshared", "rslave",
  "rstrictatime", "rsuid", "rsymfollow", "runbindable", "rw", "shared", "silent", "slave",
  "strictatime", "suid", "symfollow", "sync", "tmpcopyup", "unbindable",
};
/* clang-format on */

static const int namespace_candidates[] = {
  CLONE_NEWCGROUP, CLONE_NEWIPC,  CLONE_NEWNS,   CLONE_NEWNET,
  CLONE_NEWPID,    CLONE_NEWTIME, CLONE_NEWUSER, CLONE_NEWUTS,
};

static gboolean
hook_kind_known (const char *kind)
{
  g_autoptr (JsonObject) hooks = json_object_new ();

  json_object_set_array_member (hooks, kind, json_array_new ());
  return sv_hooks_validate (hooks, NULL);
}

static gboolean
mount_option_known (const char *opt)
{
  char *options[] = { (char *) opt, NULL };
  SvMount m = { .options = options };
  gboolean known;

  sv_mount_parse_options (&m);
  known = m.data == NULL;
  g_free (m.data);
  return known;
}

static void
add_strings (JsonBuilder *b, const char *member, GPtrArray *names)
{
  json_builder_set_member_name (b, member);
  json_builder_begin_array (b);
  for (guint i = 0; i < names->len; i++)
    json_builder_add_string_value (b, names->pdata[i]);
  json_builder_end_array (b);
}

static void
add_enabled (JsonBuilder *b, const char *member, gboolean enabled)
{
  json_builder_set_member_name (b, member);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "enabled");
  json_builder_add_boolean_value (b, enabled);
  json_builder_end_object (b);
}

static void
add_bool (JsonBuilder *b, const char *member, gboolean value)
{
  json_builder_set_member_name (b, member);
  json_builder_add_boolean_value (b, value);
}

static void
add_top_lists (JsonBuilder *b)
{
  g_autoptr (GPtrArray) hooks = g_ptr_array_new ();
  g_autoptr (GPtrArray) opts = g_ptr_array_new ();

  for (guint i = 0; i < G_N_ELEMENTS (hook_candidates); i++)
    if (hook_kind_known (hook_candidates[i]))
      g_ptr_array_add (hooks, (char *) hook_candidates[i]);
  for (guint i = 0; i < G_N_ELEMENTS (mount_option_candidates); i++)
    if (mount_option_known (mount_option_candidates[i]))
      g_ptr_array_add (opts, (char *) mount_option_candidates[i]);
  add_strings (b, "hooks", hooks);
  add_strings (b, "mountOptions", opts);
}

/* AppArmor and SELinux: process.apparmorProfile and selinuxLabel are read but not applied,
 * so neither is enabled.  cgroup: both versions and the systemd driver; no rootless
 * (systemd --user) driver, since sysvisor-runc runs as root. */
static void
add_linux (JsonBuilder *b)
{
  g_autoptr (GPtrArray) ns = g_ptr_array_new ();
  g_autoptr (GPtrArray) caps = g_ptr_array_new ();

  for (guint i = 0; i < G_N_ELEMENTS (namespace_candidates); i++)
    if (strcmp (sv_namespace_name (namespace_candidates[i]), "unknown") != 0)
      g_ptr_array_add (ns, (char *) sv_namespace_name (namespace_candidates[i]));
  for (int cap = 0; strcmp (sv_cap_name (cap), "CAP_UNKNOWN") != 0; cap++)
    g_ptr_array_add (caps, (char *) sv_cap_name (cap));
  json_builder_set_member_name (b, "linux");
  json_builder_begin_object (b);
  add_strings (b, "namespaces", ns);
  add_strings (b, "capabilities", caps);
  json_builder_set_member_name (b, "cgroup");
  json_builder_begin_object (b);
  add_bool (b, "v1", TRUE);
  add_bool (b, "v2", TRUE);
  add_bool (b, "systemd", TRUE);
  add_bool (b, "systemdUser", FALSE);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "seccomp");
  json_builder_add_value (b, sv_seccomp_features ());
  add_enabled (b, "apparmor", FALSE);
  add_enabled (b, "selinux", FALSE);
  json_builder_end_object (b);
}

static void
add_annotations (JsonBuilder *b)
{
  g_autofree char *libseccomp = sv_seccomp_library_version ();

  json_builder_set_member_name (b, "annotations");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "io.github.seccomp.libseccomp.version");
  json_builder_add_string_value (b, libseccomp);
  json_builder_set_member_name (b, "io.github.sysvisor.version");
  json_builder_add_string_value (b, SV_VERSION);
  json_builder_end_object (b);
}

int
sv_cmd_features (SvGlobal *g, int argc, char **argv)
{
  const SvCommand *cmd = sv_cli_find ("features");
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;
  int status = 1;

  (void) g;
  if (sv_cli_getopt (cmd, argc, argv, features_options, "", &status) != -1)
    return status;
  if (!sv_cli_need_args (cmd, argc, argv, 0, 0))
    return 1;
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "ociVersionMin");
  json_builder_add_string_value (b, FEATURES_OCI_VERSION_MIN);
  json_builder_set_member_name (b, "ociVersionMax");
  json_builder_add_string_value (b, SV_OCI_VERSION);
  add_top_lists (b);
  add_linux (b);
  add_annotations (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  text = sv_json_to_string (root, TRUE);
  printf ("%s\n", text);
  return 0;
}
