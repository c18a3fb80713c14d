/* mount-rules.h: the one description of the runtime's mount rules (mount-rules.c), read by
 * its three consumers: the syscall supervisor's filter (supervisor.c), the runtime's own
 * one-rule filter where no supervisor runs (supervisor.c), and the widening of a client's
 * seccomp profile (syscont-policy.c). */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <linux/filter.h>

typedef enum
{
  SV_MOUNT_AS_PROFILE = 0, /* not this table's business: the (widened) client's profile decides */
  SV_MOUNT_ALLOW,
  SV_MOUNT_EPERM,  /* refused */
  SV_MOUNT_ENOSYS, /* "not implemented": mount tools fall back on mount(2) */
  SV_MOUNT_NOTIFY, /* the supervisor answers (SECCOMP_RET_USER_NOTIF) */
} SvMountAction;

/* Which consumers carry a rule's action without a supervisor. */
enum
{
  SV_MOUNT_IN_PROFILE = 1 << 0, /* the widened client profile (JSON) */
  SV_MOUNT_IN_FLAT = 1 << 1,    /* the runtime's own filter when no supervisor runs */
};

typedef struct
{
  const char *name; /* "mount": the seccomp profile's name */
  int nr;           /* __NR_mount (x86_64: the filters check only that architecture) */
  /* The rule applies when (args[arg] & mask) == value (low 32 bits); mask 0: always.  The
   * first rule of a syscall that applies wins, as in a BPF program. */
  guint arg;
  guint32 mask, value;
  SvMountAction supervised;   /* in the supervisor's filter */
  SvMountAction unsupervised; /* without a supervisor, in the consumers @where names */
  guint where;                /* SV_MOUNT_IN_* */
} SvMountRule;

/* The table, in order; @n_out its length. */
const SvMountRule *sv_mount_rules (guint *n_out);

typedef enum
{
  SV_MOUNT_FILTER_SUPERVISOR, /* sysinfo and the supervised column, notifying */
  SV_MOUNT_FILTER_FLAT,       /* the rules marked SV_MOUNT_IN_FLAT, unsupervised column */
} SvMountFilter;

#define SV_MOUNT_FILTER_MAX 128

/* The classic BPF program of @which into @code (room for SV_MOUNT_FILTER_MAX); returns its
 * length.  x86_64 only: other architectures are allowed through.  No allocation
 * (async-signal-safe: the init builds it between clone and execve). */
guint sv_mount_rules_filter (SvMountFilter which, struct sock_filter *code);

/* The seccomp-profile (OCI JSON) entries for the rules marked SV_MOUNT_IN_PROFILE: with
 * @supervised, the supervised column (a notified call is allowed here: the supervisor's own
 * filter traps it); without, the unsupervised one, where a refused condition is left to the
 * profile's default action (EPERM in the clients' profiles) by allowing its complement. */
JsonArray *sv_mount_rules_profile (gboolean supervised);
