/* mount-rules.c: the runtime's mount rules, one table, three consumers (see mount-rules.h).
 *
 * Mounts the runtime made read-only (a `:ro` volume, readonlyPaths, a read-only rootfs) are
 * not locked by the kernel (they were made inside the container's own user namespace), so
 * root with CAP_SYS_ADMIN could make them writable with a bind remount that does not ask for
 * read-only, or with mount_setattr clearing MOUNT_ATTR_RDONLY.  With a syscall supervisor,
 * every mount and umount2 is trapped: it keeps the runtime's mounts immutable and makes the
 * allowed ones itself, on fds, so that no path can be swapped under its check; the new mount
 * API answers ENOSYS so that mount tools fall back on mount(2) (none of it can get around
 * those checks).  Without one, the bind remount is refused outright (EPERM).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#define G_LOG_DOMAIN "sysvisor"

#include "mount-rules.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/mount.h>
#include <sys/syscall.h>

#ifndef __NR_open_tree_attr
#define __NR_open_tree_attr 467
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif

#define RO_DROP_MASK (MS_REMOUNT | MS_BIND | MS_RDONLY)

static const SvMountRule rules[] = {
  /* A bind remount that does not ask for read-only.  The supervisor refuses it only on a
   * read-only mount (inner runtimes remount their binds). */
  { "mount", __NR_mount, 3, RO_DROP_MASK, MS_REMOUNT | MS_BIND, SV_MOUNT_NOTIFY, SV_MOUNT_EPERM,
    SV_MOUNT_IN_PROFILE | SV_MOUNT_IN_FLAT },
  /* Every other mount(2); a superblock remount (no MS_BIND) is checked by the kernel against
   * the filesystem's owner. */
  { "mount", __NR_mount, 0, 0, 0, SV_MOUNT_NOTIFY, SV_MOUNT_ALLOW, SV_MOUNT_IN_PROFILE },
  { "umount2", __NR_umount2, 0, 0, 0, SV_MOUNT_NOTIFY, SV_MOUNT_AS_PROFILE, 0 },
  /* open_tree only opens a path, unless it clones a tree to attach elsewhere. */
  { "open_tree", __NR_open_tree, 2, OPEN_TREE_CLONE, OPEN_TREE_CLONE, SV_MOUNT_ENOSYS,
    SV_MOUNT_AS_PROFILE, 0 },
  { "open_tree", __NR_open_tree, 0, 0, 0, SV_MOUNT_ALLOW, SV_MOUNT_AS_PROFILE, 0 },
  { "move_mount", __NR_move_mount, 0, 0, 0, SV_MOUNT_ENOSYS, SV_MOUNT_AS_PROFILE, 0 },
  { "fsopen", __NR_fsopen, 0, 0, 0, SV_MOUNT_ENOSYS, SV_MOUNT_AS_PROFILE, 0 },
  { "fsmount", __NR_fsmount, 0, 0, 0, SV_MOUNT_ENOSYS, SV_MOUNT_AS_PROFILE, 0 },
  { "fspick", __NR_fspick, 0, 0, 0, SV_MOUNT_ENOSYS, SV_MOUNT_AS_PROFILE, 0 },
  /* Its attr_clr is out of a filter's sight.  The flat filter leaves it as the client's
   * profile has it: a runtime nested inside needs it to ID-map (README, Security). */
  { "mount_setattr", __NR_mount_setattr, 0, 0, 0, SV_MOUNT_ENOSYS, SV_MOUNT_ENOSYS,
    SV_MOUNT_IN_PROFILE },
  { "open_tree_attr", __NR_open_tree_attr, 0, 0, 0, SV_MOUNT_ENOSYS, SV_MOUNT_AS_PROFILE, 0 },
};

const SvMountRule *
sv_mount_rules (guint *n_out)
{
  *n_out = G_N_ELEMENTS (rules);
  return rules;
}

/* ---- classic BPF ------------------------------------------------------------------------ */

static guint32
bpf_return (SvMountAction action)
{
  switch (action)
    {
    case SV_MOUNT_EPERM:
      return SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA);
    case SV_MOUNT_ENOSYS:
      return SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA);
    case SV_MOUNT_NOTIFY:
      return SECCOMP_RET_USER_NOTIF;
    case SV_MOUNT_AS_PROFILE: /* another filter (the profile) decides: the strictest wins */
    case SV_MOUNT_ALLOW:
    default:
      return SECCOMP_RET_ALLOW;
    }
}

/* "if nr == @nr [and (args[@arg] & @mask) == @value] return @ret", from the syscall number. */
static guint
emit_rule (struct sock_filter *code, guint n, int nr, guint arg, guint32 mask, guint32 value,
           guint32 ret)
{
  struct sock_filter ld_nr =
      BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr));
  struct sock_filter ld_arg =
      BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, args[arg]));
  struct sock_filter and = BPF_STMT (BPF_ALU | BPF_AND | BPF_K, mask);
  struct sock_filter is_value = BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, value, 0, 1);
  struct sock_filter is_nr = BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, (guint32) nr, 0, mask ? 4 : 1);
  struct sock_filter out = BPF_STMT (BPF_RET | BPF_K, ret);

  code[n++] = ld_nr;
  code[n++] = is_nr;
  if (mask != 0)
    {
      code[n++] = ld_arg;
      code[n++] = and;
      code[n++] = is_value;
    }
  code[n++] = out;
  return n;
}

guint
sv_mount_rules_filter (SvMountFilter which, struct sock_filter *code)
{
  struct sock_filter ld_arch =
      BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, arch));
  struct sock_filter allow = BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  guint n = 0, arch_jump;

  code[n++] = ld_arch;
  arch_jump = n++;
  if (which == SV_MOUNT_FILTER_SUPERVISOR) /* sysinfo: the container's memory, uptime, load */
    n = emit_rule (code, n, __NR_sysinfo, 0, 0, 0, SECCOMP_RET_USER_NOTIF);
  for (guint i = 0; i < G_N_ELEMENTS (rules); i++)
    {
      const SvMountRule *r = &rules[i];

      if (which == SV_MOUNT_FILTER_FLAT && !(r->where & SV_MOUNT_IN_FLAT))
        continue;
      n = emit_rule (code, n, r->nr, r->arg, r->mask, r->value,
                     bpf_return (which == SV_MOUNT_FILTER_SUPERVISOR ? r->supervised
                                                                     : r->unsupervised));
    }
  code[n] = allow;
  code[arch_jump] = (struct sock_filter) BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64,
                                                   0, (guint8) (n - arch_jump - 1));
  return n + 1;
}

/* ---- the client's profile (OCI JSON) -------------------------------------------------- */

static JsonObject *
profile_entry (const char *name, SvMountAction action)
{
  JsonObject *e = json_object_new ();
  JsonArray *names = json_array_new ();

  json_array_add_string_element (names, name);
  json_object_set_array_member (e, "names", names);
  if (action == SV_MOUNT_EPERM || action == SV_MOUNT_ENOSYS)
    {
      json_object_set_string_member (e, "action", "SCMP_ACT_ERRNO");
      json_object_set_int_member (e, "errnoRet", action == SV_MOUNT_EPERM ? EPERM : ENOSYS);
    }
  else /* allowed, or notified: the supervisor's own filter traps it */
    json_object_set_string_member (e, "action", "SCMP_ACT_ALLOW");
  return e;
}

/* "Refused when (args[arg] & mask) == value, else allowed": one allow per bit of the mask
 * that differs from the refused value; what none allows falls to the profile's default. */
static void
add_complement (JsonArray *out, const SvMountRule *r)
{
  for (guint bit = 0; bit < 32; bit++)
    {
      guint32 b = 1u << bit;
      JsonObject *e, *cond;
      JsonArray *args;

      if (!(r->mask & b))
        continue;
      e = profile_entry (r->name, SV_MOUNT_ALLOW);
      cond = json_object_new ();
      json_object_set_int_member (cond, "index", r->arg);
      json_object_set_int_member (cond, "value", b);
      json_object_set_int_member (cond, "valueTwo", ~r->value & b);
      json_object_set_string_member (cond, "op", "SCMP_CMP_MASKED_EQ");
      args = json_array_new ();
      json_array_add_object_element (args, cond);
      json_object_set_array_member (e, "args", args);
      json_array_add_object_element (out, e);
    }
}

JsonArray *
sv_mount_rules_profile (gboolean supervised)
{
  JsonArray *out = json_array_new ();

  for (guint i = 0; i < G_N_ELEMENTS (rules); i++)
    {
      const SvMountRule *r = &rules[i],
                        *next = i + 1 < G_N_ELEMENTS (rules) ? &rules[i + 1] : NULL;
      SvMountAction act = supervised ? r->supervised : r->unsupervised;
      gboolean pair = next != NULL && g_str_equal (next->name, r->name);
      SvMountAction next_act = pair ? (supervised ? next->supervised : next->unsupervised) : act;

      if (!(r->where & SV_MOUNT_IN_PROFILE))
        continue;
      /* A profile names a syscall once per action: a refused condition followed by an allow
       * becomes the allows of its complement; the same action twice, one entry. */
      if (r->mask != 0 && act != next_act && next_act == SV_MOUNT_ALLOW)
        add_complement (out, r);
      else
        json_array_add_object_element (out, profile_entry (r->name, act));
      if (pair)
        i++;
    }
  return out;
}
