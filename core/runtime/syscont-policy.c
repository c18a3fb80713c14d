/* syscont-policy.c: what root inside a system container may do.
 *
 * A system container's root is an unprivileged user on the host, so it may hold every
 * capability of its own user namespace and the syscalls a host's root uses.  Clients (Docker,
 * containerd) hand in what they give an ordinary container: 14 capabilities and an allow-list
 * seccomp profile without mount, unshare, keyctl, ...  This module widens both, unless the
 * user chose deliberately:
 *  - capabilities: a set that is not a superset of the client's default (something dropped),
 *    the annotation io.sysvisor.honour-capabilities=true, or plugins.conf's
 *    honour-capabilities = true keep the spec's set exactly;
 *  - seccomp: only a profile shaped like the client's default allow-list is widened; another
 *    profile, the annotation io.sysvisor.honour-seccomp=true or plugins.conf's
 *    honour-seccomp = true keep it exactly.
 * And `kill` with SIGTERM to an init that runs systemd delivers SIGRTMIN+3 (systemd's
 * shutdown request) unless io.sysvisor.systemd-stop=false. */
#include "syscont-policy.h"
#include "mount-rules.h"
#include "names.h"
#include "sv-seccomp.h"

#include "utils.h"

#include <fcntl.h>
#include <gio/gio.h>
#include <linux/openat2.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define CAP_BIT(n) (G_GUINT64_CONSTANT (1) << (n))

/* The syscalls a system container needs that clients' default profiles allow only with
 * CAP_SYS_ADMIN (or never).  The kernel checks each against the capabilities of the user
 * namespace that owns the object (mount, uts, ipc, net, user namespaces of the container), so
 * they reach nothing of the host's. */
static const char *const syscont_syscalls[] = {
  /* mounts in the container's own mount namespaces (mount and mount_setattr: see
   * the mount rules of mount-rules.c) */
  "umount",
  "umount2",
  "pivot_root",
  "chroot",
  "fsopen",
  "fsconfig",
  "fsmount",
  "fspick",
  "move_mount",
  "open_tree",
  "open_tree_attr",
  "statmount",
  "listmount",
  /* nested namespaces and containers (any CLONE_NEW* flag) */
  "unshare",
  "setns",
  "clone",
  "clone3",
  /* keyrings: accounted to the container's own (exclusive) host uids */
  "keyctl",
  "add_key",
  "request_key",
  /* its own uts namespace */
  "sethostname",
  "setdomainname",
  /* systemd, udev, mount tools: a handle of a file it can already see; open_by_handle_at,
   * which turns a handle back into a file outside any mount, stays denied */
  "name_to_handle_at",
  /* (reboot stays as the client has it, denied: systemd-shutdown then ends with "Exiting
   * container" and status 0, where an allowed reboot() has the kernel kill the pid
   * namespace's init with SIGINT, status 130) */
  NULL,
};

/* ---- policy ---------------------------------------------------------------------------- */

static gboolean
annotation_bool (JsonObject *annotations, const char *key, gboolean *out, GError **error)
{
  JsonNode *n = annotations != NULL ? json_object_get_member (annotations, key) : NULL;
  const char *v;

  if (n == NULL)
    return TRUE;
  v = JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
          ? json_node_get_string (n)
          : NULL;
  if (g_strcmp0 (v, "true") == 0 || g_strcmp0 (v, "false") == 0)
    {
      *out = g_str_equal (v, "true");
      return TRUE;
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "annotations[\"%s\"]: must be the string \"true\" or \"false\"", key);
  return FALSE;
}

gboolean
sv_syscont_policy_init (SvSyscontPolicy *policy, JsonObject *annotations,
                        const SvPluginsConf *conf, GError **error)
{
  JsonNode *manager =
      annotations != NULL ? json_object_get_member (annotations, "io.container.manager") : NULL;

  policy->honour_capabilities = conf != NULL && conf->honour_capabilities;
  policy->honour_seccomp = conf != NULL && conf->honour_seccomp;
  policy->supervised_remounts = FALSE;
  policy->client_caps = sv_syscont_client_default_caps ();
  /* Podman's default (containers.conf) leaves out NET_RAW, MKNOD and AUDIT_WRITE. */
  if (manager != NULL && JSON_NODE_HOLDS_VALUE (manager)
      && json_node_get_value_type (manager) == G_TYPE_STRING
      && g_strcmp0 (json_node_get_string (manager), "libpod") == 0)
    policy->client_caps &= ~(CAP_BIT (13) | CAP_BIT (27) | CAP_BIT (29));
  return annotation_bool (annotations, SV_ANNOTATION_HONOUR_CAPS, &policy->honour_capabilities,
                          error)
         && annotation_bool (annotations, SV_ANNOTATION_HONOUR_SECCOMP, &policy->honour_seccomp,
                             error);
}

/* ---- capabilities ---------------------------------------------------------------------- */

guint64
sv_syscont_client_default_caps (void)
{
  /* CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE NET_RAW
   * SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP */
  return CAP_BIT (0) | CAP_BIT (1) | CAP_BIT (3) | CAP_BIT (4) | CAP_BIT (5) | CAP_BIT (6)
         | CAP_BIT (7) | CAP_BIT (8) | CAP_BIT (10) | CAP_BIT (13) | CAP_BIT (18) | CAP_BIT (27)
         | CAP_BIT (29) | CAP_BIT (31);
}

static guint64
all_caps (void)
{
  int last = sv_cap_last_cap ();

  return last >= 63 ? G_MAXUINT64 : CAP_BIT (last + 1) - 1;
}

gboolean
sv_syscont_widen_caps (SvProcess *p, const SvSyscontPolicy *policy)
{
  guint64 client =
      policy->client_caps != 0 ? policy->client_caps : sv_syscont_client_default_caps ();
  guint64 all = all_caps ();

  if (p == NULL || !p->has_caps || p->uid != 0 || policy->honour_capabilities)
    return FALSE;
  if ((p->caps[SV_CAP_BOUNDING] & client) != client
      || (p->caps[SV_CAP_EFFECTIVE] & client) != client
      || (p->caps[SV_CAP_PERMITTED] & client) != client)
    {
      g_debug ("process.capabilities: not a superset of the client's default; honoured as given");
      return FALSE;
    }
  p->caps[SV_CAP_BOUNDING] = all;
  p->caps[SV_CAP_EFFECTIVE] = all;
  p->caps[SV_CAP_PERMITTED] = all;
  /* Host root has none; a client that filled the set gets every one. */
  if (p->caps[SV_CAP_INHERITABLE] != 0)
    p->caps[SV_CAP_INHERITABLE] = all;
  g_debug ("process.capabilities: root gets every capability of its user namespace");
  return TRUE;
}

/* ---- seccomp --------------------------------------------------------------------------- */

const char *const *
sv_syscont_seccomp_added (void)
{
  return syscont_syscalls;
}

/* mount and mount_setattr: the syscalls whose rules the profile takes from mount-rules.c. */
static gboolean
is_mount_rule_syscall (const char *name)
{
  guint n;
  const SvMountRule *rules = sv_mount_rules (&n);

  for (guint i = 0; i < n; i++)
    if ((rules[i].where & SV_MOUNT_IN_PROFILE) && g_str_equal (rules[i].name, name))
      return TRUE;
  return FALSE;
}

static gboolean
is_syscont_syscall (const char *name)
{
  return g_strv_contains (syscont_syscalls, name) || is_mount_rule_syscall (name);
}

static const char *
member_string (JsonObject *o, const char *member)
{
  JsonNode *n = json_object_get_member (o, member);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

static JsonArray *
member_array (JsonObject *o, const char *member)
{
  JsonNode *n = json_object_get_member (o, member);

  return n != NULL && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

static gboolean
has_args (JsonObject *entry)
{
  JsonArray *args = member_array (entry, "args");

  return args != NULL && json_array_get_length (args) > 0;
}

static gboolean
is_allow_list (JsonObject *seccomp)
{
  static const char *const denying[] = { "SCMP_ACT_ERRNO",        "SCMP_ACT_KILL",
                                         "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
                                         "SCMP_ACT_TRAP",         NULL };
  const char *def = member_string (seccomp, "defaultAction");

  return def != NULL && g_strv_contains (denying, def);
}

static gboolean
names_contain (JsonArray *names, const char *name)
{
  for (guint i = 0; names != NULL && i < json_array_get_length (names); i++)
    {
      JsonNode *n = json_array_get_element (names, i);
      if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
          && g_strcmp0 (json_node_get_string (n), name) == 0)
        return TRUE;
    }
  return FALSE;
}

/* personality(0xffffffff) (query the persona) allowed by an argument rule: a rule every
 * release of Docker's and containerd's default profile has carried, and that a profile
 * written by hand has no reason to. */
static gboolean
is_personality_query_rule (JsonObject *entry)
{
  JsonArray *args = member_array (entry, "args");
  JsonObject *arg0;
  JsonNode *value;

  if (!names_contain (member_array (entry, "names"), "personality") || args == NULL
      || json_array_get_length (args) != 1
      || !JSON_NODE_HOLDS_OBJECT (json_array_get_element (args, 0)))
    return FALSE;
  arg0 = json_array_get_object_element (args, 0);
  value = json_object_get_member (arg0, "value");
  return value != NULL && JSON_NODE_HOLDS_VALUE (value)
         && json_node_get_value_type (value) == G_TYPE_INT64
         && json_node_get_int (value) == G_GINT64_CONSTANT (0xffffffff);
}

gboolean
sv_syscont_seccomp_is_client_default (JsonObject *seccomp)
{
  JsonArray *syscalls = member_array (seccomp, "syscalls");
  gboolean big_allow = FALSE, personality = FALSE;

  if (!is_allow_list (seccomp) || syscalls == NULL)
    return FALSE;
  for (guint i = 0; i < json_array_get_length (syscalls); i++)
    {
      JsonObject *e;
      JsonArray *names;

      if (!JSON_NODE_HOLDS_OBJECT (json_array_get_element (syscalls, i)))
        return FALSE;
      e = json_array_get_object_element (syscalls, i);
      if (g_strcmp0 (member_string (e, "action"), "SCMP_ACT_ALLOW") != 0)
        continue;
      names = member_array (e, "names");
      big_allow |= !has_args (e) && names != NULL && json_array_get_length (names) >= 200;
      personality |= is_personality_query_rule (e);
    }
  return big_allow && personality;
}

/* A copy of @entry without the system-container syscalls (of a plain allow rule: without mount
 * and mount_setattr); NULL when none is left.  Deny rules (Docker's ENOSYS for clone3) and
 * argument-filtered allows (Docker's clone without CLONE_NEW* flags) would shadow the
 * unconditional allow added after them. */
/* mount and mount_setattr follow the mount rules only: stripped from every rule, even a
 * plain allow (Docker's profile with --cap-add SYS_ADMIN). */
static gboolean
strip_name (const char *name, gboolean plain_allow)
{
  if (plain_allow)
    return is_mount_rule_syscall (name);
  return is_syscont_syscall (name);
}

static JsonObject *
entry_without_syscont (JsonObject *entry, gboolean plain_allow)
{
  JsonObject *copy = json_object_new ();
  g_autoptr (JsonArray) kept = json_array_new ();
  JsonArray *names = member_array (entry, "names");
  g_autoptr (GList) members = json_object_get_members (entry);

  for (guint i = 0; names != NULL && i < json_array_get_length (names); i++)
    {
      JsonNode *n = json_array_get_element (names, i);
      if (!(JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
            && strip_name (json_node_get_string (n), plain_allow)))
        json_array_add_element (kept, json_node_copy (n));
    }
  if (json_array_get_length (kept) == 0)
    {
      json_object_unref (copy);
      return NULL;
    }
  for (GList *l = members; l != NULL; l = l->next)
    if (!g_str_equal (l->data, "names"))
      json_object_set_member (copy, l->data,
                              json_node_copy (json_object_get_member (entry, l->data)));
  json_object_set_array_member (copy, "names", g_steal_pointer (&kept));
  return copy;
}

static JsonObject *
syscont_allow_entry (void)
{
  JsonObject *e = json_object_new ();
  JsonArray *names = json_array_new ();

  for (guint i = 0; syscont_syscalls[i] != NULL; i++)
    json_array_add_string_element (names, syscont_syscalls[i]);
  json_object_set_array_member (e, "names", names);
  json_object_set_string_member (e, "action", "SCMP_ACT_ALLOW");
  json_object_set_string_member (e, "comment", SV_SECCOMP_POLICY_COMMENT);
  return e;
}

/* The profile's share of the mount rules (mount-rules.c): without a supervisor a bind remount
 * that does not ask for read-only is refused, and mount_setattr answers ENOSYS; with one, its
 * own filter traps mount and refuses the remount only on a read-only mount. */
static void
add_mount_rules (JsonArray *syscalls, gboolean supervised)
{
  g_autoptr (JsonArray) a = sv_mount_rules_profile (supervised);

  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonObject *rule = json_array_get_object_element (a, i);
      json_object_set_string_member (rule, "comment", SV_SECCOMP_POLICY_COMMENT);
      json_array_add_object_element (syscalls, json_object_ref (rule));
    }
}

static JsonObject *
widen_profile (JsonObject *seccomp, gboolean supervised)
{
  JsonObject *out = json_object_new ();
  JsonArray *syscalls = json_array_new ();
  JsonArray *old = member_array (seccomp, "syscalls");
  g_autoptr (GList) members = json_object_get_members (seccomp);

  for (GList *l = members; l != NULL; l = l->next)
    if (!g_str_equal (l->data, "syscalls"))
      json_object_set_member (out, l->data,
                              json_node_copy (json_object_get_member (seccomp, l->data)));
  for (guint i = 0; i < json_array_get_length (old); i++)
    {
      JsonObject *e = json_array_get_object_element (old, i);
      gboolean plain_allow =
          g_strcmp0 (member_string (e, "action"), "SCMP_ACT_ALLOW") == 0 && !has_args (e);
      JsonObject *kept = entry_without_syscont (e, plain_allow);

      if (kept != NULL)
        json_array_add_object_element (syscalls, kept);
    }
  json_array_add_object_element (syscalls, syscont_allow_entry ());
  add_mount_rules (syscalls, supervised);
  json_object_set_array_member (out, "syscalls", syscalls);
  return out;
}

JsonObject *
sv_syscont_seccomp (JsonObject *seccomp, const SvSyscontPolicy *policy)
{
  if (policy->honour_seccomp)
    {
      g_debug ("linux.seccomp: honoured as given (" SV_ANNOTATION_HONOUR_SECCOMP ")");
      return json_object_ref (seccomp);
    }
  if (!sv_syscont_seccomp_is_client_default (seccomp))
    {
      g_debug ("linux.seccomp: not a client's default profile; honoured as given");
      return json_object_ref (seccomp);
    }
  g_debug ("linux.seccomp: the client's default allow-list, widened for a system container");
  return widen_profile (seccomp, policy->supervised_remounts);
}

/* ---- systemd stop ---------------------------------------------------------------------- */

/* Whether the executable @pid runs is systemd in its own root (/sbin/init is often a link to
 * it): compared by inode with the systemd binaries, resolved inside the container's root. */
static gboolean
init_runs_systemd (pid_t pid)
{
  static const char *const candidates[] = { "/usr/lib/systemd/systemd", "/lib/systemd/systemd" };
  g_autofree char *exe = g_strdup_printf ("/proc/%d/exe", (int) pid);
  g_autofree char *root = g_strdup_printf ("/proc/%d/root", (int) pid);
  struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
  sv_autofd rootfd = -1;
  struct stat st_exe;

  if (stat (exe, &st_exe) < 0)
    return FALSE;
  rootfd = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
    {
      sv_autofd fd = (int) syscall (SYS_openat2, rootfd, candidates[i], &how, sizeof how);
      struct stat st;

      if (fd >= 0 && fstat (fd, &st) == 0 && st.st_dev == st_exe.st_dev
          && st.st_ino == st_exe.st_ino)
        return TRUE;
    }
  return FALSE;
}

int
sv_syscont_stop_signal (pid_t pid, int signo, JsonObject *annotations)
{
  gboolean translate = TRUE;

  if (signo != SIGTERM)
    return signo;
  if (!annotation_bool (annotations, SV_ANNOTATION_SYSTEMD_STOP, &translate, NULL))
    g_warning ("annotations[\"" SV_ANNOTATION_SYSTEMD_STOP "\"]: not \"true\" or \"false\"; "
               "SIGTERM is sent as systemd's shutdown request");
  if (!translate || !init_runs_systemd (pid))
    return signo;
  g_debug ("the init runs systemd: SIGTERM sent as SIGRTMIN+3 (shutdown)");
  return SIGRTMIN + 3;
}
