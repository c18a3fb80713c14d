/* test-syscont.c: the system-container policy (syscont-policy.c): which capability sets and
 * seccomp profiles are widened, which are honoured, and what a widened profile lets through. */
#include "mount-rules.h"
#include "names.h"
#include "syscont-policy.h"
#include "sv-seccomp.h"

#include <seccomp.h>

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <string.h>
#include <gio/gio.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const SvSyscontPolicy widen = { FALSE, FALSE, FALSE, 0 };

static SvProcess *
root_process (guint64 caps)
{
  SvProcess *p = g_new0 (SvProcess, 1);

  p->additional_gids = g_array_new (FALSE, FALSE, sizeof (guint32));
  p->rlimits = g_array_new (FALSE, FALSE, sizeof (SvRlimit));
  p->has_caps = TRUE;
  for (int s = 0; s < SV_CAP_N_SETS; s++)
    if (s != SV_CAP_AMBIENT && s != SV_CAP_INHERITABLE)
      p->caps[s] = caps;
  return p;
}

static void
test_caps_root_widened (void)
{
  g_autoptr (SvProcess) p = root_process (sv_syscont_client_default_caps ());
  int last = sv_cap_last_cap ();
  guint64 all = last >= 63 ? G_MAXUINT64 : (G_GUINT64_CONSTANT (1) << (last + 1)) - 1;

  g_assert_true (sv_syscont_widen_caps (p, &widen));
  g_assert_cmphex (p->caps[SV_CAP_EFFECTIVE], ==, all);
  g_assert_cmphex (p->caps[SV_CAP_PERMITTED], ==, all);
  g_assert_cmphex (p->caps[SV_CAP_BOUNDING], ==, all);
  g_assert_cmphex (p->caps[SV_CAP_INHERITABLE], ==, 0); /* as host root: empty stays empty */
  g_assert_cmphex (p->caps[SV_CAP_AMBIENT], ==, 0);
}

static void
test_caps_dropped_honoured (void)
{
  guint64 dropped = sv_syscont_client_default_caps () & ~(G_GUINT64_CONSTANT (1) << 13);
  g_autoptr (SvProcess) p = root_process (dropped);
  g_autoptr (SvProcess) none = root_process (0);
  g_autoptr (SvProcess) user = root_process (sv_syscont_client_default_caps ());
  g_autoptr (SvProcess) chosen = root_process (sv_syscont_client_default_caps ());
  const SvSyscontPolicy honour = { TRUE, FALSE, FALSE, 0 };

  user->uid = 1000;
  g_assert_false (sv_syscont_widen_caps (p, &widen));
  g_assert_cmphex (p->caps[SV_CAP_EFFECTIVE], ==, dropped);
  g_assert_false (sv_syscont_widen_caps (none, &widen));
  g_assert_cmphex (none->caps[SV_CAP_EFFECTIVE], ==, 0);
  g_assert_false (sv_syscont_widen_caps (user, &widen));
  g_assert_false (sv_syscont_widen_caps (chosen, &honour));
  g_assert_cmphex (chosen->caps[SV_CAP_EFFECTIVE], ==, sv_syscont_client_default_caps ());
}

/* Podman (annotation io.container.manager = libpod) gives a smaller default set: that set is
 * widened for Podman's containers, and still honoured as a narrowing for Docker's. */
static void
test_caps_podman_default_widened (void)
{
  guint64 podman = sv_syscont_client_default_caps ()
                   & ~(G_GUINT64_CONSTANT (1) << 13 | G_GUINT64_CONSTANT (1) << 27
                       | G_GUINT64_CONSTANT (1) << 29);
  g_autoptr (JsonObject) ann = json_object_new ();
  g_autoptr (SvProcess) p = root_process (podman);
  g_autoptr (SvProcess) docker = root_process (podman);
  SvSyscontPolicy policy;

  g_assert_true (sv_syscont_policy_init (&policy, ann, NULL, NULL));
  g_assert_false (sv_syscont_widen_caps (docker, &policy));
  json_object_set_string_member (ann, "io.container.manager", "libpod");
  g_assert_true (sv_syscont_policy_init (&policy, ann, NULL, NULL));
  g_assert_true (sv_syscont_widen_caps (p, &policy));
  /* NET_ADMIN, which Docker's default has not either */
  g_assert_cmphex (p->caps[SV_CAP_EFFECTIVE] & (G_GUINT64_CONSTANT (1) << 12), !=, 0);
}

static void
test_policy_annotations (void)
{
  g_autoptr (JsonObject) ann = json_object_new ();
  g_autoptr (GError) error = NULL;
  SvSyscontPolicy p;

  json_object_set_string_member (ann, SV_ANNOTATION_HONOUR_CAPS, "true");
  g_assert_true (sv_syscont_policy_init (&p, ann, NULL, &error));
  g_assert_true (p.honour_capabilities);
  g_assert_false (p.honour_seccomp);
  json_object_set_string_member (ann, SV_ANNOTATION_HONOUR_SECCOMP, "yes");
  g_assert_false (sv_syscont_policy_init (&p, ann, NULL, &error));
  g_assert_nonnull (strstr (error->message, SV_ANNOTATION_HONOUR_SECCOMP));
}

/* An allow-list in the shape of Docker's default: a big allow rule (every syscall libseccomp
 * knows on this architecture but the ones Docker gates, when @every: all of them),
 * personality(0xffffffff), clone without namespace flags, clone3 answering ENOSYS. */
static JsonObject *
docker_like_profile (gboolean with_personality, gboolean every)
{
  static const char *const gated[] = {
    "mount",         "umount2",           "unshare",      "setns",       "clone", "clone3",
    "mount_setattr", "open_by_handle_at", "finit_module", "personality", NULL
  };
  g_autoptr (GString) names = g_string_new ("\"exit\"");
  g_autofree char *json = NULL;
  JsonNode *root;
  JsonObject *o;

  for (int nr = 0; nr < 470; nr++)
    {
      g_autofree char *name = seccomp_syscall_resolve_num_arch (SCMP_ARCH_NATIVE, nr);
      if (name != NULL && (every || !g_strv_contains (gated, name))
          && !g_str_equal (name, "clone") && !g_str_equal (name, "clone3")
          && !g_str_equal (name, "personality"))
        g_string_append_printf (names, ",\"%s\"", name);
    }
  json = g_strdup_printf (
      "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
      "{\"names\":[%s],\"action\":\"SCMP_ACT_ALLOW\"}%s,"
      "{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,"
      "\"value\":2114060288,\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
      "{\"names\":[\"clone3\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38}]}",
      names->str,
      with_personality ? ",{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ALLOW\","
                         "\"args\":[{\"index\":0,\"value\":4294967295,\"op\":\"SCMP_CMP_EQ\"}]}"
                       : "");
  root = json_from_string (json, NULL);
  g_assert_nonnull (root);
  o = json_object_ref (json_node_get_object (root));
  json_node_unref (root);
  return o;
}

static gboolean
has_rule (JsonObject *profile, const char *name, const char *action, gboolean with_args)
{
  JsonArray *syscalls = json_object_get_array_member (profile, "syscalls");

  for (guint i = 0; i < json_array_get_length (syscalls); i++)
    {
      JsonObject *e = json_array_get_object_element (syscalls, i);
      JsonArray *names = json_object_get_array_member (e, "names");
      gboolean args = json_object_has_member (e, "args");

      if (g_strcmp0 (json_object_get_string_member (e, "action"), action) != 0
          || args != with_args)
        continue;
      for (guint j = 0; j < json_array_get_length (names); j++)
        if (g_strcmp0 (json_array_get_string_element (names, j), name) == 0)
          return TRUE;
    }
  return FALSE;
}

static void
test_seccomp_detect_and_widen (void)
{
  g_autoptr (JsonObject) docker = docker_like_profile (TRUE, FALSE);
  g_autoptr (JsonObject) custom = docker_like_profile (FALSE, FALSE);
  g_autoptr (JsonObject) wide = NULL;
  g_autoptr (JsonObject) same = NULL;
  const SvSyscontPolicy honour = { FALSE, TRUE, FALSE, 0 };

  g_assert_true (sv_syscont_seccomp_is_client_default (docker));
  g_assert_false (sv_syscont_seccomp_is_client_default (custom));
  same = sv_syscont_seccomp (custom, &widen);
  g_assert_true (same == custom);
  g_clear_pointer (&same, json_object_unref);
  same = sv_syscont_seccomp (docker, &honour);
  g_assert_true (same == docker);

  wide = sv_syscont_seccomp (docker, &widen);
  g_assert_true (wide != docker);
  g_assert_true (has_rule (wide, "unshare", "SCMP_ACT_ALLOW", FALSE));
  g_assert_true (has_rule (wide, "clone", "SCMP_ACT_ALLOW", FALSE));
  g_assert_false (has_rule (wide, "clone", "SCMP_ACT_ALLOW", TRUE)); /* the flag filter is gone */
  g_assert_false (has_rule (wide, "clone3", "SCMP_ACT_ERRNO", FALSE)); /* ENOSYS rule gone */
  g_assert_true (has_rule (wide, "mount", "SCMP_ACT_ALLOW", TRUE));
  g_assert_true (has_rule (wide, "mount_setattr", "SCMP_ACT_ERRNO", FALSE));
  g_assert_false (has_rule (wide, "open_by_handle_at", "SCMP_ACT_ALLOW", FALSE));
  g_assert_false (has_rule (wide, "finit_module", "SCMP_ACT_ALLOW", FALSE));
  /* the input is untouched */
  g_assert_true (has_rule (docker, "clone", "SCMP_ACT_ALLOW", TRUE));
  g_assert_false (has_rule (docker, "unshare", "SCMP_ACT_ALLOW", FALSE));
}

/* In a child under the widened filter: a bind remount that clears MS_RDONLY is refused by
 * the filter (EPERM before any permission check), mount_setattr answers ENOSYS, and a bind
 * remount that keeps MS_RDONLY reaches the kernel (EINVAL/ENOENT for a bad path, not the
 * filter's EPERM). */
/* In a child under the widened filter (of a profile that allowed mount outright, as Docker's
 * does with --cap-add SYS_ADMIN): a bind remount that clears MS_RDONLY is refused by the
 * filter (EPERM before any permission check), mount_setattr answers ENOSYS, a bind remount
 * that keeps MS_RDONLY reaches the kernel (ENOENT for a missing path, not EPERM), and unshare
 * is let through (EINVAL for a bad flag, not EPERM). */
static void
test_seccomp_mount_rules (void)
{
  g_autoptr (JsonObject) docker = docker_like_profile (TRUE, TRUE);
  g_autoptr (JsonObject) wide = sv_syscont_seccomp (docker, &widen);
  g_autoptr (GError) error = NULL;
  g_autoptr (SvSeccompProgram) prog = sv_seccomp_compile (wide, "linux.seccomp", &error);
  int status;
  pid_t pid;

  g_assert_no_error (error);
  pid = fork ();
  if (pid == 0)
    {
      int r = 0;
      prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
      if (sv_seccomp_load (prog) < 0)
        _exit (100);
      if (mount ("none", "/nonexistent-sv", NULL, MS_REMOUNT | MS_BIND, NULL) == 0
          || errno != EPERM)
        r |= 1;
      if (syscall (442 /* mount_setattr */, -1, "", 0, NULL, 0) == 0 || errno != ENOSYS)
        r |= 2;
      if (mount ("none", "/nonexistent-sv", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) == 0
          || errno == EPERM)
        r |= 4;
      if (syscall (SYS_unshare, 1 /* not a CLONE_ flag */) == 0 || errno == EPERM)
        r |= 8;
      _exit (r);
    }
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
}

/* ---- the mount rules' filters: the table-built programs answer as the hand-written ones
 * they replaced (kept here as the reference) for every mount-related call and flag mix ---- */

static guint32
run_bpf (const struct sock_filter *code, guint len, const struct seccomp_data *d)
{
  guint32 acc = 0;

  for (guint pc = 0; pc < len; pc++)
    {
      const struct sock_filter *s = &code[pc];

      switch (s->code)
        {
        case BPF_LD | BPF_W | BPF_ABS:
          memcpy (&acc, (const char *) d + s->k, sizeof acc);
          break;
        case BPF_ALU | BPF_AND | BPF_K:
          acc &= s->k;
          break;
        case BPF_JMP | BPF_JEQ | BPF_K:
          pc += acc == s->k ? s->jt : s->jf;
          break;
        case BPF_JMP | BPF_JSET | BPF_K:
          pc += (acc & s->k) ? s->jt : s->jf;
          break;
        case BPF_RET | BPF_K:
          return s->k;
        default:
          g_error ("unexpected BPF opcode %#x at %u", s->code, pc);
        }
    }
  g_error ("the program ran off its end");
}

#define REF_JEQ_TO(nr, label, at) BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, (nr), (label) - (at) -1, 0)
static const struct sock_filter ref_supervisor[] = {
  BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, arch)),
  BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 13 - 2),
  BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr)),
  REF_JEQ_TO (__NR_sysinfo, 18, 3),
  REF_JEQ_TO (__NR_mount, 18, 4),
  REF_JEQ_TO (__NR_umount2, 18, 5),
  REF_JEQ_TO (__NR_open_tree, 14, 6),
  REF_JEQ_TO (__NR_move_mount, 17, 7),
  REF_JEQ_TO (__NR_fsopen, 17, 8),
  REF_JEQ_TO (__NR_fsmount, 17, 9),
  REF_JEQ_TO (__NR_fspick, 17, 10),
  REF_JEQ_TO (__NR_mount_setattr, 17, 11),
  REF_JEQ_TO (467 /* open_tree_attr */, 17, 12),
  BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, args[2])),
  BPF_JUMP (BPF_JMP | BPF_JSET | BPF_K, 1 /* OPEN_TREE_CLONE */, 17 - 16, 0),
  BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
  BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
};
#undef REF_JEQ_TO

static const struct sock_filter ref_flat[] = {
  BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, arch)),
  BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 5),
  BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr)),
  BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, __NR_mount, 0, 3),
  BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, args[3])),
  BPF_STMT (BPF_ALU | BPF_AND | BPF_K, MS_REMOUNT | MS_BIND | MS_RDONLY),
  BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, MS_REMOUNT | MS_BIND, 1, 0),
  BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
};

static void
compare_filters (SvMountFilter which, const struct sock_filter *ref, guint ref_len)
{
  static const int nrs[] = { __NR_sysinfo,       __NR_mount,  __NR_umount2, __NR_open_tree,
                             __NR_move_mount,    __NR_fsopen, __NR_fsmount, __NR_fspick,
                             __NR_mount_setattr, 467,         __NR_read,    __NR_unshare };
  static const guint64 flags[] = { 0,
                                   MS_BIND,
                                   MS_REMOUNT,
                                   MS_REMOUNT | MS_BIND,
                                   MS_REMOUNT | MS_BIND | MS_RDONLY,
                                   MS_RDONLY | MS_NOSUID,
                                   MS_REMOUNT | MS_BIND | MS_NOSUID,
                                   1 /* OPEN_TREE_CLONE */,
                                   (guint64) -1 };
  static const guint32 arches[] = { AUDIT_ARCH_X86_64, AUDIT_ARCH_I386 };
  struct sock_filter code[SV_MOUNT_FILTER_MAX];
  guint len = sv_mount_rules_filter (which, code);

  g_assert_cmpuint (len, <=, SV_MOUNT_FILTER_MAX);
  for (guint a = 0; a < G_N_ELEMENTS (arches); a++)
    for (guint i = 0; i < G_N_ELEMENTS (nrs); i++)
      for (guint f = 0; f < G_N_ELEMENTS (flags); f++)
        {
          struct seccomp_data d = { .nr = nrs[i], .arch = arches[a] };

          for (guint k = 0; k < 6; k++)
            d.args[k] = flags[f];
          g_assert_cmphex (run_bpf (code, len, &d), ==, run_bpf (ref, ref_len, &d));
        }
}

static void
test_mount_rules_filters_unchanged (void)
{
  compare_filters (SV_MOUNT_FILTER_SUPERVISOR, ref_supervisor, G_N_ELEMENTS (ref_supervisor));
  compare_filters (SV_MOUNT_FILTER_FLAT, ref_flat, G_N_ELEMENTS (ref_flat));
}

/* The profile's mount rules, from the same table: without a supervisor, three allows whose
 * complement (a bind remount without read-only) falls to the profile's default, and
 * mount_setattr ENOSYS; with one, mount allowed (the supervisor traps it). */
static void
test_mount_rules_profile (void)
{
  g_autoptr (JsonArray) plain = sv_mount_rules_profile (FALSE);
  g_autoptr (JsonArray) supervised = sv_mount_rules_profile (TRUE);
  g_autoptr (JsonNode) pn = json_node_init_array (json_node_alloc (), plain);
  g_autoptr (JsonNode) sn = json_node_init_array (json_node_alloc (), supervised);
  g_autofree char *p = json_to_string (pn, FALSE);
  g_autofree char *s = json_to_string (sn, FALSE);

  g_assert_cmpstr (
      p, ==,
      "[{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":3,\"value\":1,"
      "\"valueTwo\":1,\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
      "{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":3,\"value\":32,"
      "\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
      "{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":3,\"value\":"
      "4096,"
      "\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
      "{\"names\":[\"mount_setattr\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38}]");
  g_assert_cmpstr (
      s, ==,
      "[{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_ALLOW\"},"
      "{\"names\":[\"mount_setattr\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38}]");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/syscont/caps/root-widened-to-full-set", test_caps_root_widened);
  g_test_add_func ("/syscont/caps/dropped-nonroot-or-chosen-honoured",
                   test_caps_dropped_honoured);
  g_test_add_func ("/syscont/policy/annotations-read-and-checked", test_policy_annotations);
  g_test_add_func ("/syscont/caps/podman-default-widened", test_caps_podman_default_widened);
  g_test_add_func ("/syscont/seccomp/client-default-detected-and-widened",
                   test_seccomp_detect_and_widen);
  g_test_add_func ("/syscont/seccomp/readonly-mounts-stay-readonly", test_seccomp_mount_rules);
  g_test_add_func ("/syscont/mount-rules/filters-as-before", test_mount_rules_filters_unchanged);
  g_test_add_func ("/syscont/mount-rules/profile-entries", test_mount_rules_profile);
  return g_test_run ();
}
