/* cgroups-bpf.c: device access on cgroup v2.  There is no devices.allow there: the kernel
 * asks a BPF_PROG_TYPE_CGROUP_DEVICE program attached to the cgroup.  We write that program
 * by hand as raw instructions from the OCI rules, load it with bpf(BPF_PROG_LOAD) and attach
 * it with bpf(BPF_PROG_ATTACH), replacing the program(s) attached before.
 *
 * The program answers per access bit (mknod, read, write): for each bit the request asks
 * for, the last rule that covers the device and that bit decides; a bit no rule covers is
 * denied; the request passes only if every bit it asks for is allowed.  That is exactly the
 * "later rules win, start from deny" reading of linux.resources.devices.  Bits that every
 * rule covers alike (read and write, in the rules every container gets) share one block:
 * their verdicts are the same for any device, and the kernel's verifier, which walks the path
 * to each rule, costs ~0.15 ms a block here (bench/README.md).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#define G_LOG_DOMAIN "sysvisor"

#include "cgroups-bpf.h"

#include "cgroups-files.h"
#include "cgroups-resources.h"
#include "sv-error.h"

#include <fcntl.h>
#include <gio/gio.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>

#define MAX_OLD_PROGS 64

/* Registers: r1 = context on entry, r2 = its access_type word, then these. */
enum
{
  REG_TYPE = 3,   /* BPF_DEVCG_DEV_* */
  REG_ACCESS = 4, /* BPF_DEVCG_ACC_* bits asked for */
  REG_MAJOR = 5,
  REG_MINOR = 6,
};

static struct bpf_insn
insn (guint8 code, guint8 dst, guint8 src, gint16 off, gint32 imm)
{
  struct bpf_insn i = { 0 };

  i.code = code;
  i.dst_reg = dst & 0xf;
  i.src_reg = src & 0xf;
  i.off = off;
  i.imm = imm;
  return i;
}

static void
emit (GArray *prog, struct bpf_insn i)
{
  g_array_append_val (prog, i);
}

static void
emit_return (GArray *prog, gint32 verdict)
{
  emit (prog, insn (BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, verdict));
  emit (prog, insn (BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
}

/* Point the jump at @at to @target (offsets count from the next instruction). */
static void
patch_jump (GArray *prog, guint at, guint target)
{
  g_array_index (prog, struct bpf_insn, at).off = (gint16) (target - at - 1);
}

static void
record_jump (GArray *jumps, guint at)
{
  g_array_append_val (jumps, at);
}

/* r3 = type, r4 = access, r5 = major, r6 = minor, from struct bpf_cgroup_dev_ctx. */
static void
emit_prologue (GArray *prog)
{
  emit (prog, insn (BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0));
  emit (prog, insn (BPF_ALU64 | BPF_MOV | BPF_X, REG_TYPE, BPF_REG_2, 0, 0));
  emit (prog, insn (BPF_ALU64 | BPF_AND | BPF_K, REG_TYPE, 0, 0, 0xffff));
  emit (prog, insn (BPF_ALU64 | BPF_MOV | BPF_X, REG_ACCESS, BPF_REG_2, 0, 0));
  emit (prog, insn (BPF_ALU64 | BPF_RSH | BPF_K, REG_ACCESS, 0, 0, 16));
  emit (prog, insn (BPF_LDX | BPF_MEM | BPF_W, REG_MAJOR, BPF_REG_1, 4, 0));
  emit (prog, insn (BPF_LDX | BPF_MEM | BPF_W, REG_MINOR, BPF_REG_1, 8, 0));
}

/* "if reg != imm goto <next rule>": returns the index to patch. */
static guint
emit_mismatch_jump (GArray *prog, guint8 reg, gint32 imm)
{
  emit (prog, insn (BPF_JMP | BPF_JNE | BPF_K, reg, 0, 0, imm));
  return prog->len - 1;
}

/* One rule, for a block's access bits.  Allow jumps to @allowed (recorded for patching); deny
 * returns 0.  Returns FALSE when the rule is unconditional (nothing after it runs). */
static gboolean
emit_rule (GArray *prog, const SvCgroupDevice *dev, GArray *allowed)
{
  guint skips[3], n = 0;

  if (dev->type != 'a')
    skips[n++] = emit_mismatch_jump (prog, REG_TYPE,
                                     dev->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
  if (dev->major >= 0)
    skips[n++] = emit_mismatch_jump (prog, REG_MAJOR, (gint32) dev->major);
  if (dev->minor >= 0)
    skips[n++] = emit_mismatch_jump (prog, REG_MINOR, (gint32) dev->minor);
  if (dev->allow)
    {
      emit (prog, insn (BPF_JMP | BPF_JA, 0, 0, 0, 0));
      record_jump (allowed, prog->len - 1);
    }
  else
    emit_return (prog, 0);
  for (guint i = 0; i < n; i++)
    patch_jump (prog, skips[i], prog->len);
  return n > 0;
}

/* Whether rule @s covers every device rule @r names. */
static gboolean
rule_covers (const SvCgroupDevice *s, const SvCgroupDevice *r)
{
  return (s->type == 'a' || s->type == r->type) && (s->major < 0 || s->major == r->major)
         && (s->minor < 0 || s->minor == r->minor);
}

/* Whether rules @a and @b name a device in common. */
static gboolean
rules_meet (const SvCgroupDevice *a, const SvCgroupDevice *b)
{
  return (a->type == 'a' || b->type == 'a' || a->type == b->type)
         && (a->major < 0 || b->major < 0 || a->major == b->major)
         && (a->minor < 0 || b->minor < 0 || a->minor == b->minor);
}

/* Whether rule @p of @rules (one block's, in order) decides nothing: without it, each of its
 * devices would get the same verdict from the rules before it (or, for a deny, from the
 * default).  The first earlier rule that covers all its devices, and every rule between that
 * meets one of them, must give its verdict.  (For the rules every container gets, the mknod
 * block then keeps "c *:* m" and "b *:* m" and drops the rwm rules of single devices.) */
static gboolean
rule_redundant (GPtrArray *rules, guint p)
{
  const SvCgroupDevice *r = rules->pdata[p];

  for (guint q = p; q > 0; q--)
    {
      const SvCgroupDevice *s = rules->pdata[q - 1];

      if (rules_meet (s, r) && s->allow != r->allow)
        return FALSE;
      if (rule_covers (s, r))
        return TRUE;
    }
  return !r->allow;
}

/* The block deciding the access bits of @bits (bits every rule covers alike); falls through
 * to the next block when they are allowed or none is asked for. */
static void
emit_bit_block (GArray *prog, GArray *devices, guint bits)
{
  g_autoptr (GArray) allowed = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr (GPtrArray) rules = g_ptr_array_new ();
  gboolean reachable = TRUE;

  for (guint i = 0; i < devices->len; i++)
    if (g_array_index (devices, SvCgroupDevice, i).access & bits)
      g_ptr_array_add (rules, &g_array_index (devices, SvCgroupDevice, i));
  /* if (access & bits) run the rules, else skip the block */
  emit (prog, insn (BPF_JMP | BPF_JSET | BPF_K, REG_ACCESS, 0, 1, (gint32) bits));
  emit (prog, insn (BPF_JMP | BPF_JA, 0, 0, 0, 0));
  record_jump (allowed, prog->len - 1);
  for (guint i = rules->len; i > 0 && reachable; i--)
    if (!rule_redundant (rules, i - 1))
      reachable = emit_rule (prog, rules->pdata[i - 1], allowed);
  if (reachable)
    emit_return (prog, 0); /* no rule covers these bits: denied */
  for (guint i = 0; i < allowed->len; i++)
    patch_jump (prog, g_array_index (allowed, guint, i), prog->len);
}

/* Whether every rule of @devices covers access bits @a and @b alike. */
static gboolean
covered_alike (GArray *devices, guint a, guint b)
{
  for (guint i = 0; i < devices->len; i++)
    {
      const SvCgroupDevice *dev = &g_array_index (devices, SvCgroupDevice, i);

      if (!(dev->access & a) != !(dev->access & b))
        return FALSE;
    }
  return TRUE;
}

GArray *
sv_cgroup_bpf_build_devices (GArray *devices, GError **error)
{
  static const guint bits[] = { BPF_DEVCG_ACC_MKNOD, BPF_DEVCG_ACC_READ, BPF_DEVCG_ACC_WRITE };
  g_autoptr (GArray) prog = g_array_new (FALSE, TRUE, sizeof (struct bpf_insn));
  guint done = 0;

  for (guint i = 0; i < devices->len; i++)
    {
      const SvCgroupDevice *dev = &g_array_index (devices, SvCgroupDevice, i);

      if (dev->major > G_MAXINT32 || dev->minor > G_MAXINT32)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "devices[%u]: major/minor out of range", i);
          return NULL;
        }
    }
  emit_prologue (prog);
  for (guint b = 0; b < G_N_ELEMENTS (bits); b++)
    {
      guint block = 0;

      if (done & bits[b])
        continue;
      for (guint o = b; o < G_N_ELEMENTS (bits); o++)
        if (covered_alike (devices, bits[b], bits[o]))
          block |= bits[o];
      emit_bit_block (prog, devices, block);
      done |= block;
    }
  emit_return (prog, 1);
  if (prog->len > BPF_MAXINSNS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "too many device rules (%u): the program would exceed %d instructions",
                   devices->len, BPF_MAXINSNS);
      return NULL;
    }
  return g_steal_pointer (&prog);
}

/* ------------------------------------------------------------------------------------------
 * bpf(2)
 * ---------------------------------------------------------------------------------------- */

static int
sys_bpf (int cmd, union bpf_attr *attr)
{
  return (int) syscall (__NR_bpf, cmd, attr, sizeof (*attr));
}

static int
try_load (GArray *prog, char *log, guint32 log_size)
{
  static char license[] = "Apache-2.0";
  union bpf_attr attr;

  memset (&attr, 0, sizeof attr);
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (guint64) (guintptr) prog->data;
  attr.insn_cnt = prog->len;
  attr.license = (guint64) (guintptr) license;
  attr.log_buf = (guint64) (guintptr) log;
  attr.log_size = log_size;
  attr.log_level = log != NULL ? 1 : 0;
  g_strlcpy (attr.prog_name, "sv_devices", sizeof attr.prog_name);
  return sys_bpf (BPF_PROG_LOAD, &attr);
}

/* Loaded without a verifier log; on failure once more with one, for the error message. */
static int
load_program (GArray *prog, GError **error)
{
  const guint32 log_size = 256 * 1024;
  g_autofree char *log = NULL;
  int fd = try_load (prog, NULL, 0);
  int errsv = errno;

  if (fd >= 0)
    return fd;
  log = g_malloc0 (log_size);
  fd = try_load (prog, log, log_size);
  if (fd >= 0)
    return fd; /* a transient failure */
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
               "loading the device-access BPF program: %s%s%s%s", sv_strerror (errsv),
               errsv == EPERM ? " (needs CAP_BPF/CAP_SYS_ADMIN and a kernel with "
                                "CONFIG_CGROUP_BPF)"
                              : "",
               *log != '\0' ? "; verifier says: " : "", log);
  return -1;
}

/* The ids of the device programs attached to @cgfd, and how they were attached. */
static guint
query_attached (int cgfd, guint32 *ids, guint32 *flags)
{
  union bpf_attr attr;

  memset (&attr, 0, sizeof attr);
  attr.query.target_fd = (guint32) cgfd;
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  attr.query.prog_ids = (guint64) (guintptr) ids;
  attr.query.prog_cnt = MAX_OLD_PROGS;
  if (sys_bpf (BPF_PROG_QUERY, &attr) < 0)
    return 0;
  *flags = attr.query.attach_flags;
  return MIN (attr.query.prog_cnt, MAX_OLD_PROGS);
}

static gboolean
attach_program (int cgfd, int progfd, guint32 flags, const char *dir, GError **error)
{
  union bpf_attr attr;

  memset (&attr, 0, sizeof attr);
  attr.target_fd = (guint32) cgfd;
  attr.attach_bpf_fd = (guint32) progfd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = flags;
  if (sys_bpf (BPF_PROG_ATTACH, &attr) == 0)
    return TRUE;
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
               "attaching the device-access BPF program to %s: %s", dir, sv_strerror (errno));
  return FALSE;
}

static void
detach_program_id (int cgfd, guint32 id)
{
  sv_autofd progfd = -1;
  union bpf_attr attr;

  memset (&attr, 0, sizeof attr);
  attr.prog_id = id;
  progfd = sys_bpf (BPF_PROG_GET_FD_BY_ID, &attr);
  if (progfd < 0)
    return;
  memset (&attr, 0, sizeof attr);
  attr.target_fd = (guint32) cgfd;
  attr.attach_bpf_fd = (guint32) progfd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  if (sys_bpf (BPF_PROG_DETACH, &attr) < 0)
    g_debug ("detaching old device program %u: %s", id, sv_strerror (errno));
}

/* Attach the new program before detaching the old ones, so that there is no moment without
 * a device policy.  Programs attached without BPF_F_ALLOW_MULTI are replaced in one step. */
gboolean
sv_cgroup_bpf_apply_devices (const char *dir, GArray *devices, GError **error)
{
  g_autoptr (GArray) prog = sv_cgroup_bpf_build_devices (devices, error);
  sv_autofd progfd = -1;
  sv_autofd cgfd = -1;
  guint32 ids[MAX_OLD_PROGS], flags = 0;
  guint n_old;

  if (prog == NULL)
    return FALSE;
  cgfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cgfd < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "opening cgroup %s: %s", dir,
                   sv_strerror (errno));
      return FALSE;
    }
  progfd = load_program (prog, error);
  if (progfd < 0)
    return FALSE;
  n_old = query_attached (cgfd, ids, &flags);
  if (n_old > 0 && !(flags & BPF_F_ALLOW_MULTI))
    return attach_program (cgfd, progfd, flags, dir, error);
  if (!attach_program (cgfd, progfd, BPF_F_ALLOW_MULTI, dir, error))
    return FALSE;
  for (guint i = 0; i < n_old; i++)
    detach_program_id (cgfd, ids[i]);
  return TRUE;
}
