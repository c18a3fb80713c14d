/* seccomp.c: compile an OCI linux.seccomp object into classic BPF with libseccomp (in the
 * runtime, before clone) and load it in the container's init right before execve.
 *
 * Behaviour in short:
 *  - defaultAction/action: the SCMP_ACT_* names of the OCI spec; errnoRet/defaultErrnoRet only
 *    with SCMP_ACT_ERRNO and SCMP_ACT_TRACE (default EPERM).  SCMP_ACT_NOTIFY rules need
 *    listenerPath: the filter is then loaded with a listener (seccomp-agent.c hands it over).
 *  - a syscall name libseccomp does not know is an error naming the field, unless it is a
 *    real syscall newer than some libseccomp releases (sv_seccomp_recent_syscalls): such a
 *    name is skipped, as runc skips every unknown name.
 *  - a rule whose action equals the default action is skipped (libseccomp refuses it).
 *  - unknown keys of a syscall entry (Docker's "comment", "includes", "excludes") are ignored.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "sysvisor"

#include "sv-seccomp.h"

#include "json-util.h"
#include "sv-fd.h"
#include "sv-error.h"

#include <errno.h>
#include <gio/gio.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <seccomp.h>

#ifndef SECCOMP_FILTER_FLAG_SPEC_ALLOW
#define SECCOMP_FILTER_FLAG_SPEC_ALLOW (1UL << 2)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

/* The largest errno a filter can return: SECCOMP_RET_DATA is 16 bits. */
#define SV_SECCOMP_MAX_RET 0xffffu
#define SV_SECCOMP_MAX_ARG_INDEX 5

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (scmp_filter_ctx, seccomp_release, NULL)

typedef struct
{
  const char *name;
  guint32 action;       /* with the 16 data bits zero */
  gboolean takes_errno; /* errnoRet is the errno (ERRNO) or the tracer's value (TRACE) */
} SvSeccompAction;

static const SvSeccompAction sv_seccomp_actions[] = {
  { "SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD, FALSE },
  { "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, FALSE },
  { "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, FALSE },
  { "SCMP_ACT_TRAP", SCMP_ACT_TRAP, FALSE },
  { "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO (0), TRUE },
  { "SCMP_ACT_TRACE", SCMP_ACT_TRACE (0), TRUE },
  { "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, FALSE },
  { "SCMP_ACT_LOG", SCMP_ACT_LOG, FALSE },
  { "SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, FALSE },
};

typedef struct
{
  const char *name;
  enum scmp_compare op;
} SvSeccompOperator;

static const SvSeccompOperator sv_seccomp_operators[] = {
  { "SCMP_CMP_NE", SCMP_CMP_NE },
  { "SCMP_CMP_LT", SCMP_CMP_LT },
  { "SCMP_CMP_LE", SCMP_CMP_LE },
  { "SCMP_CMP_EQ", SCMP_CMP_EQ },
  { "SCMP_CMP_GE", SCMP_CMP_GE },
  { "SCMP_CMP_GT", SCMP_CMP_GT },
  { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

/* OCI architecture names and libseccomp's names for them; whether the linked libseccomp
 * knows one is asked at run time (seccomp_arch_resolve_name). */
typedef struct
{
  const char *oci;
  const char *libseccomp;
} SvSeccompArch;

static const SvSeccompArch sv_seccomp_archs[] = {
  { "SCMP_ARCH_X86", "x86" },
  { "SCMP_ARCH_X86_64", "x86_64" },
  { "SCMP_ARCH_X32", "x32" },
  { "SCMP_ARCH_ARM", "arm" },
  { "SCMP_ARCH_AARCH64", "aarch64" },
  { "SCMP_ARCH_MIPS", "mips" },
  { "SCMP_ARCH_MIPS64", "mips64" },
  { "SCMP_ARCH_MIPS64N32", "mips64n32" },
  { "SCMP_ARCH_MIPSEL", "mipsel" },
  { "SCMP_ARCH_MIPSEL64", "mipsel64" },
  { "SCMP_ARCH_MIPSEL64N32", "mipsel64n32" },
  { "SCMP_ARCH_PPC", "ppc" },
  { "SCMP_ARCH_PPC64", "ppc64" },
  { "SCMP_ARCH_PPC64LE", "ppc64le" },
  { "SCMP_ARCH_S390", "s390" },
  { "SCMP_ARCH_S390X", "s390x" },
  { "SCMP_ARCH_PARISC", "parisc" },
  { "SCMP_ARCH_PARISC64", "parisc64" },
  { "SCMP_ARCH_RISCV64", "riscv64" },
  { "SCMP_ARCH_LOONGARCH64", "loongarch64" },
  { "SCMP_ARCH_M68K", "m68k" },
  { "SCMP_ARCH_SH", "sh" },
  { "SCMP_ARCH_SHEB", "sheb" },
};

typedef struct
{
  const char *name;
  unsigned int flag;
  gboolean supported; /* FALSE: known, but only meaningful with seccomp notify */
} SvSeccompFlag;

static const SvSeccompFlag sv_seccomp_flags[] = {
  { "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC, TRUE },
  { "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG, TRUE },
  { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW, TRUE },
  { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, FALSE },
};

/* Real Linux syscalls that a libseccomp release may not know yet (2.5.4 stops before
 * statmount; older 2.5.x releases stop earlier).  Profiles written for newer systems, Docker's
 * default one first, list them; when the linked libseccomp cannot resolve one, its rules are
 * skipped instead of failing the container.  Any other name libseccomp does not know is a
 * mistake in the profile and an error. */
typedef struct
{
  const char *name;
  const char *since; /* the Linux release that added it */
} SvSeccompRecentSyscall;

static const SvSeccompRecentSyscall sv_seccomp_recent_syscalls[] = {
  { "pidfd_send_signal", "5.1" },
  { "io_uring_setup", "5.1" },
  { "io_uring_enter", "5.1" },
  { "io_uring_register", "5.1" },
  { "open_tree", "5.2" },
  { "move_mount", "5.2" },
  { "fsopen", "5.2" },
  { "fsconfig", "5.2" },
  { "fsmount", "5.2" },
  { "fspick", "5.2" },
  { "pidfd_open", "5.3" },
  { "clone3", "5.3" },
  { "openat2", "5.6" },
  { "pidfd_getfd", "5.6" },
  { "faccessat2", "5.8" },
  { "close_range", "5.9" },
  { "process_madvise", "5.10" },
  { "epoll_pwait2", "5.11" },
  { "mount_setattr", "5.12" },
  { "landlock_create_ruleset", "5.13" },
  { "landlock_add_rule", "5.13" },
  { "landlock_restrict_self", "5.13" },
  { "quotactl_fd", "5.14" },
  { "memfd_secret", "5.14" },
  { "process_mrelease", "5.15" },
  { "futex_waitv", "5.16" },
  { "set_mempolicy_home_node", "5.17" },
  { "riscv_hwprobe", "6.4" },
  { "cachestat", "6.5" },
  { "fchmodat2", "6.6" },
  { "map_shadow_stack", "6.6" },
  { "futex_wake", "6.7" },
  { "futex_wait", "6.7" },
  { "futex_requeue", "6.7" },
  { "statmount", "6.8" },
  { "listmount", "6.8" },
  { "lsm_get_self_attr", "6.8" },
  { "lsm_set_self_attr", "6.8" },
  { "lsm_list_modules", "6.8" },
  { "mseal", "6.10" },
  { "uretprobe", "6.11" },
  { "setxattrat", "6.13" },
  { "getxattrat", "6.13" },
  { "listxattrat", "6.13" },
  { "removexattrat", "6.13" },
  { "open_tree_attr", "6.15" },
  { "file_getattr", "6.17" },
  { "file_setattr", "6.17" },
  { "uprobe", "6.18" },
  { "listns", "6.19" },
};

/* ---- errors and typed JSON reads ---------------------------------------------------- */

/* Paths and member look-ups come from json-util.h (so an absent required member fails with
 * SV_SPEC_ERROR_MISSING).  The type checks stay here: their messages read "must be ...", and an
 * integer must be one in the JSON (json-util would also take 1e3). */

static gboolean sv_seccomp_fail (GError **error, int code, const char *path, const char *fmt, ...)
    G_GNUC_PRINTF (4, 5);

/* Sets "PATH: MESSAGE" and returns FALSE. */
static gboolean
sv_seccomp_fail (GError **error, int code, const char *path, const char *fmt, ...)
{
  g_autofree char *msg = NULL;
  va_list ap;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, G_IO_ERROR, code, "%s: %s", path, msg);
  return FALSE;
}

/* The string in @node; NULL (with @error naming @path) when it holds something else. */
static const char *
sv_seccomp_node_string (JsonNode *node, const char *path, GError **error)
{
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  sv_seccomp_fail (error, G_IO_ERROR_INVALID_ARGUMENT, path, "must be a string");
  return NULL;
}

/* A string borrowed from @o; absent: *out untouched. */
static gboolean
sv_seccomp_get_string (JsonObject *o, const char *path, const char *member, gboolean required,
                       const char **out, GError **error)
{
  g_autofree char *p = NULL;
  JsonNode *node;

  if (!sv_json_get_member (o, path, member, required, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  p = sv_json_path (path, member);
  *out = sv_seccomp_node_string (node, p, error);
  return *out != NULL;
}

/* An unsigned integer no larger than @max.  json-glib keeps integers as gint64: with
 * @max == G_MAXUINT64 (argument values) the 64 bits are taken as they are, so values above
 * G_MAXINT64 (written in full in the JSON) come out right. */
static gboolean
sv_seccomp_get_uint (JsonObject *o, const char *path, const char *member, gboolean required,
                     guint64 max, guint64 *out, GError **error)
{
  g_autofree char *p = NULL;
  JsonNode *node;
  gint64 v;

  if (!sv_json_get_member (o, path, member, required, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  p = sv_json_path (path, member);
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return sv_seccomp_fail (error, G_IO_ERROR_INVALID_ARGUMENT, p, "must be an integer");
  v = json_node_get_int (node);
  if (max != G_MAXUINT64 && (v < 0 || (guint64) v > max))
    return sv_seccomp_fail (error, G_IO_ERROR_INVALID_ARGUMENT, p,
                            "%" G_GINT64_FORMAT " is out of range (0 to %" G_GUINT64_FORMAT ")",
                            v, max);
  *out = (guint64) v;
  return TRUE;
}

static gboolean
sv_seccomp_get_array (JsonObject *o, const char *path, const char *member, gboolean required,
                      JsonArray **out, GError **error)
{
  g_autofree char *p = NULL;
  JsonNode *node;

  if (!sv_json_get_member (o, path, member, required, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  p = sv_json_path (path, member);
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return sv_seccomp_fail (error, G_IO_ERROR_INVALID_ARGUMENT, p, "must be an array");
  *out = json_node_get_array (node);
  return TRUE;
}

static JsonObject *
sv_seccomp_array_object (JsonArray *a, guint i, const char *path, GError **error)
{
  JsonNode *node = json_array_get_element (a, i);

  if (JSON_NODE_HOLDS_OBJECT (node))
    return json_node_get_object (node);
  sv_seccomp_fail (error, G_IO_ERROR_INVALID_ARGUMENT, path, "must be an object");
  return NULL;
}

typedef gboolean (*SvSeccompNameFunc) (const char *name, const char *path, gpointer data,
                                       GError **error);

/* Calls @func on each string of the optional array @member of @o, with its path
 * ("linux.seccomp.flags[1]"); stops at the first failure. */
static gboolean
sv_seccomp_each_name (JsonObject *o, const char *path, const char *member, SvSeccompNameFunc func,
                      gpointer data, GError **error)
{
  g_autofree char *array_path = sv_json_path (path, member);
  JsonArray *names = NULL;

  if (!sv_seccomp_get_array (o, path, member, FALSE, &names, error))
    return FALSE;
  for (guint i = 0; names != NULL && i < json_array_get_length (names); i++)
    {
      g_autofree char *p = sv_json_path_index (array_path, i);
      const char *name = sv_seccomp_node_string (json_array_get_element (names, i), p, error);

      if (name == NULL || !func (name, p, data, error))
        return FALSE;
    }
  return TRUE;
}

/* "A, B, C": the names of a table, for the "known: ..." part of an error. */
#define SV_SECCOMP_JOIN_NAMES(table)                                                             \
  ({                                                                                             \
    GString *s_ = g_string_new (NULL);                                                           \
    for (gsize i_ = 0; i_ < G_N_ELEMENTS (table); i_++)                                          \
      g_string_append_printf (s_, "%s%s", i_ > 0 ? ", " : "", (table)[i_].name);                 \
    g_string_free (s_, FALSE);                                                                   \
  })

/* ---- actions ------------------------------------------------------------------------ */

static const SvSeccompAction *
sv_seccomp_lookup_action (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (sv_seccomp_actions); i++)
    if (g_str_equal (sv_seccomp_actions[i].name, name))
      return &sv_seccomp_actions[i];
  return NULL;
}

static gboolean
sv_seccomp_unknown_action (const char *path, const char *name, GError **error)
{
  g_autofree char *known = NULL;

  known = SV_SECCOMP_JOIN_NAMES (sv_seccomp_actions);
  return sv_seccomp_fail (error, G_IO_ERROR_INVALID_ARGUMENT, path,
                          "unknown action \"%s\" (known: %s)", name, known);
}

/* @action_member with its return code @ret_member (defaultAction + defaultErrnoRet, or
 * action + errnoRet) as one libseccomp action value. */
static gboolean
sv_seccomp_parse_action (JsonObject *o, const char *path, const char *action_member,
                         const char *ret_member, guint32 *out, GError **error)
{
  g_autofree char *action_path = sv_json_path (path, action_member);
  g_autofree char *ret_path = sv_json_path (path, ret_member);
  const SvSeccompAction *action;
  const char *name = NULL;
  JsonNode *ret_node = NULL;
  guint64 ret = EPERM;

  if (!sv_seccomp_get_string (o, path, action_member, TRUE, &name, error)
      || !sv_json_get_member (o, path, ret_member, FALSE, &ret_node, error))
    return FALSE;
  action = sv_seccomp_lookup_action (name);
  if (action == NULL)
    return sv_seccomp_unknown_action (action_path, name, error);
  if (!sv_seccomp_get_uint (o, path, ret_member, FALSE, SV_SECCOMP_MAX_RET, &ret, error))
    return FALSE;
  if (!action->takes_errno && ret_node != NULL)
    return sv_seccomp_fail (
        error, G_IO_ERROR_INVALID_ARGUMENT, ret_path,
        "%s takes no return code (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE do); "
        "remove %s",
        name, ret_member);
  *out = action->takes_errno ? action->action | (guint32) ret : action->action;
  return TRUE;
}

/* ---- filter attributes, architectures, flags ----------------------------------------- */

/* listenerPath: the filter is loaded with a listener, handed to the agent there (as runc).
 * SCMP_ACT_NOTIFY needs one, and cannot be the default action (as runc). */
static gboolean
sv_seccomp_check_listener (JsonObject *seccomp, const char *path, guint32 default_action,
                           unsigned int *flags, GError **error)
{
  g_autofree char *p = sv_json_path (path, "defaultAction");
  const char *listener = NULL;

  if (!sv_seccomp_get_string (seccomp, path, "listenerPath", FALSE, &listener, error))
    return FALSE;
  if (default_action == SCMP_ACT_NOTIFY)
    return sv_seccomp_fail (error, G_IO_ERROR_INVALID_ARGUMENT, p,
                            "SCMP_ACT_NOTIFY cannot be the default action; use it in a rule");
  if (listener != NULL && *listener != '\0')
    *flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
  return TRUE;
}

static scmp_filter_ctx
sv_seccomp_new_ctx (guint32 default_action, const char *path, GError **error)
{
  g_auto (scmp_filter_ctx) ctx = seccomp_init (default_action);
  int rc;

  if (ctx == NULL)
    {
      g_autofree char *p = sv_json_path (path, "defaultAction");
      sv_seccomp_fail (error, G_IO_ERROR_NOT_SUPPORTED, p,
                       "libseccomp refuses this action with this kernel (API level %u)",
                       seccomp_api_get ());
      return NULL;
    }
  /* The init sets no_new_privs itself, as process.noNewPrivileges asks. */
  rc = seccomp_attr_set (ctx, SCMP_FLTATR_CTL_NNP, 0);
  if (rc < 0)
    {
      sv_seccomp_fail (error, g_io_error_from_errno (-rc), path,
                       "clearing libseccomp's no_new_privs attribute: %s", sv_strerror (-rc));
      return NULL;
    }
#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 5)
  rc = seccomp_attr_set (ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
  if (rc < 0)
    g_debug ("%s: libseccomp has no SCMP_FLTATR_API_SYSRAWRC: %s", path, sv_strerror (-rc));
#endif
  return g_steal_pointer (&ctx);
}

/* The libseccomp token of an OCI architecture name; 0 when this libseccomp lacks it. */
static guint32
sv_seccomp_arch_token (const char *oci_name, gboolean *known)
{
  for (gsize i = 0; i < G_N_ELEMENTS (sv_seccomp_archs); i++)
    if (g_str_equal (sv_seccomp_archs[i].oci, oci_name))
      {
        *known = TRUE;
        return seccomp_arch_resolve_name (sv_seccomp_archs[i].libseccomp);
      }
  *known = FALSE;
  return 0;
}

/* An SvSeccompNameFunc: adds architecture @name to the filter @ctx. */
static gboolean
sv_seccomp_add_arch (const char *name, const char *path, gpointer ctx, GError **error)
{
  const struct scmp_version *v = seccomp_version ();
  gboolean known;
  guint32 token = sv_seccomp_arch_token (name, &known);
  int rc;

  if (!known)
    return sv_seccomp_fail (error, G_IO_ERROR_INVALID_ARGUMENT, path,
                            "unknown architecture \"%s\" (e.g. SCMP_ARCH_X86_64, SCMP_ARCH_X86, "
                            "SCMP_ARCH_X32, SCMP_ARCH_AARCH64, SCMP_ARCH_ARM)",
                            name);
  if (token == 0)
    return sv_seccomp_fail (error, G_IO_ERROR_NOT_SUPPORTED, path,
                            "architecture %s is not supported by libseccomp %u.%u.%u; remove it",
                            name, v->major, v->minor, v->micro);
  rc = seccomp_arch_add (ctx, token);
  if (rc < 0 && rc != -EEXIST) /* the native architecture is always there */
    return sv_seccomp_fail (error, g_io_error_from_errno (-rc), path, "adding %s: %s", name,
                            sv_strerror (-rc));
  return TRUE;
}

/* TRUE when the running kernel refuses @flag.  Without a filter the call fails before it
 * installs anything: EINVAL for an unknown flag, EFAULT (or EACCES) past the flag check. */
static gboolean
sv_seccomp_kernel_rejects_flag (unsigned int flag)
{
  long rc = syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, NULL);

  return rc < 0 && errno == EINVAL;
}

/* An SvSeccompNameFunc: ORs flag @name into *@flags. */
static gboolean
sv_seccomp_parse_flag (const char *name, const char *path, gpointer flags, GError **error)
{
  g_autofree char *known = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (sv_seccomp_flags); i++)
    {
      const SvSeccompFlag *f = &sv_seccomp_flags[i];

      if (!g_str_equal (f->name, name))
        continue;
      if (!f->supported)
        return sv_seccomp_fail (error, G_IO_ERROR_NOT_SUPPORTED, path,
                                "%s only applies to seccomp notify, which sysvisor-runc does not "
                                "support; remove it",
                                name);
      if (sv_seccomp_kernel_rejects_flag (f->flag))
        return sv_seccomp_fail (error, G_IO_ERROR_NOT_SUPPORTED, path,
                                "%s is not supported by this kernel; remove it", name);
      *(unsigned int *) flags |= f->flag;
      return TRUE;
    }
  known = SV_SECCOMP_JOIN_NAMES (sv_seccomp_flags);
  return sv_seccomp_fail (error, G_IO_ERROR_INVALID_ARGUMENT, path,
                          "unknown flag \"%s\" (known: %s)", name, known);
}

/* ---- syscall rules ------------------------------------------------------------------- */

static gboolean
sv_seccomp_parse_operator (JsonObject *arg, const char *path, enum scmp_compare *out,
                           GError **error)
{
  g_autofree char *p = sv_json_path (path, "op");
  g_autofree char *known = NULL;
  const char *name = NULL;

  if (!sv_seccomp_get_string (arg, path, "op", TRUE, &name, error))
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (sv_seccomp_operators); i++)
    if (g_str_equal (sv_seccomp_operators[i].name, name))
      {
        *out = sv_seccomp_operators[i].op;
        return TRUE;
      }
  known = SV_SECCOMP_JOIN_NAMES (sv_seccomp_operators);
  return sv_seccomp_fail (error, G_IO_ERROR_INVALID_ARGUMENT, p,
                          "unknown operator \"%s\" (known: %s)", name, known);
}

/* One element of args[]: for SCMP_CMP_MASKED_EQ, value is the mask and valueTwo the value
 * the masked argument must equal, which is libseccomp's order too. */
static gboolean
sv_seccomp_parse_arg (JsonObject *arg, const char *path, struct scmp_arg_cmp *out, GError **error)
{
  guint64 index = 0, value = 0, value_two = 0;
  enum scmp_compare op = SCMP_CMP_EQ;

  if (!sv_seccomp_get_uint (arg, path, "index", TRUE, SV_SECCOMP_MAX_ARG_INDEX, &index, error)
      || !sv_seccomp_get_uint (arg, path, "value", TRUE, G_MAXUINT64, &value, error)
      || !sv_seccomp_get_uint (arg, path, "valueTwo", FALSE, G_MAXUINT64, &value_two, error)
      || !sv_seccomp_parse_operator (arg, path, &op, error))
    return FALSE;
  *out = (struct scmp_arg_cmp){
    .arg = (unsigned int) index, .op = op, .datum_a = value, .datum_b = value_two
  };
  return TRUE;
}

/* All the comparisons of one entry.  *@repeated tells whether two of them test the same
 * argument: libseccomp cannot AND those in one rule, so each then becomes a rule of its own
 * (any one matching selects the action), as runc does for Docker's profiles. */
static GArray *
sv_seccomp_parse_args (JsonObject *entry, const char *path, gboolean *repeated, GError **error)
{
  g_autoptr (GArray) cmps = g_array_new (FALSE, TRUE, sizeof (struct scmp_arg_cmp));
  g_autofree char *args_path = sv_json_path (path, "args");
  guint seen = 0;
  JsonArray *args = NULL;

  *repeated = FALSE;
  if (!sv_seccomp_get_array (entry, path, "args", FALSE, &args, error))
    return NULL;
  for (guint i = 0; args != NULL && i < json_array_get_length (args); i++)
    {
      g_autofree char *p = sv_json_path_index (args_path, i);
      JsonObject *arg = sv_seccomp_array_object (args, i, p, error);
      struct scmp_arg_cmp cmp;

      if (arg == NULL || !sv_seccomp_parse_arg (arg, p, &cmp, error))
        return NULL;
      if (seen & (1u << cmp.arg))
        *repeated = TRUE;
      seen |= 1u << cmp.arg;
      g_array_append_val (cmps, cmp);
    }
  return g_steal_pointer (&cmps);
}

static const SvSeccompRecentSyscall *
sv_seccomp_lookup_recent (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (sv_seccomp_recent_syscalls); i++)
    if (g_str_equal (sv_seccomp_recent_syscalls[i].name, name))
      return &sv_seccomp_recent_syscalls[i];
  return NULL;
}

/* The number libseccomp gives @name (a negative pseudo number when the native architecture
 * lacks it but another has it), or __NR_SCMP_ERROR for a recent syscall this libseccomp does
 * not know (its rules are skipped).  Any other unknown name is an error. */
static gboolean
sv_seccomp_resolve (const char *name, const char *path, int *nr, GError **error)
{
  const struct scmp_version *v = seccomp_version ();
  const SvSeccompRecentSyscall *recent;

  *nr = seccomp_syscall_resolve_name (name);
  if (*nr != __NR_SCMP_ERROR)
    return TRUE;
  recent = sv_seccomp_lookup_recent (name);
  if (recent != NULL)
    {
      g_debug ("%s: skipping syscall \"%s\" (Linux %s): libseccomp %u.%u.%u does not know it",
               path, name, recent->since, v->major, v->minor, v->micro);
      return TRUE;
    }
  return sv_seccomp_fail (error, G_IO_ERROR_INVALID_ARGUMENT, path,
                          "unknown syscall \"%s\": neither libseccomp %u.%u.%u nor sysvisor-runc "
                          "knows a system call of that name; fix the name or remove it",
                          name, v->major, v->minor, v->micro);
}

static gboolean
sv_seccomp_add_rules (scmp_filter_ctx ctx, guint32 action, int nr, GArray *cmps,
                      gboolean repeated, const char *name, const char *path, GError **error)
{
  struct scmp_arg_cmp *cmp = (struct scmp_arg_cmp *) (void *) cmps->data;
  int rc = 0;

  if (!repeated)
    rc = seccomp_rule_add_array (ctx, action, nr, cmps->len, cmp);
  for (guint i = 0; repeated && rc == 0 && i < cmps->len; i++)
    rc = seccomp_rule_add_array (ctx, action, nr, 1, &cmp[i]);
  if (rc < 0)
    return sv_seccomp_fail (error, g_io_error_from_errno (-rc), path,
                            "libseccomp refused the rule for syscall \"%s\": %s", name,
                            sv_strerror (-rc));
  return TRUE;
}

typedef struct
{
  scmp_filter_ctx ctx;
  guint32 default_action;
  unsigned int flags;
  int max_known; /* the highest native number the client's rules name, -1: none */
  GArray *named; /* every native number a rule names (int) */
} SvSeccompBuild;

static void
sv_seccomp_note_name (SvSeccompBuild *b, JsonObject *entry, int nr)
{
  const char *comment = json_object_has_member (entry, "comment")
                            ? json_node_get_string (json_object_get_member (entry, "comment"))
                            : NULL;

  if (nr < 0)
    return;
  g_array_append_val (b->named, nr);
  if (g_strcmp0 (comment, SV_SECCOMP_POLICY_COMMENT) != 0)
    b->max_known = MAX (b->max_known, nr);
}

static gboolean
sv_seccomp_add_entry (SvSeccompBuild *b, JsonObject *entry, const char *path, GError **error)
{
  g_autofree char *names_path = sv_json_path (path, "names");
  g_autoptr (GArray) cmps = NULL;
  JsonArray *names = NULL;
  gboolean repeated, same_as_default;
  guint32 action;

  if (!sv_seccomp_get_array (entry, path, "names", TRUE, &names, error)
      || !sv_seccomp_parse_action (entry, path, "action", "errnoRet", &action, error))
    return FALSE;
  if (json_array_get_length (names) == 0)
    return sv_seccomp_fail (error, G_IO_ERROR_INVALID_ARGUMENT, names_path,
                            "must name at least one syscall");
  cmps = sv_seccomp_parse_args (entry, path, &repeated, error);
  if (cmps == NULL)
    return FALSE;
  /* libseccomp refuses (EACCES) a rule whose action is the default one; it would not change
   * what the filter does anyway. */
  if (action == SCMP_ACT_NOTIFY && !(b->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER))
    return sv_seccomp_fail (
        error, G_IO_ERROR_INVALID_ARGUMENT, path,
        "SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath (the unix socket of "
        "the agent that answers the calls); set it or use another action");
  same_as_default = action == b->default_action;
  if (same_as_default)
    g_debug ("%s: the action is the default action; rule skipped", path);
  for (guint i = 0; i < json_array_get_length (names); i++)
    {
      g_autofree char *p = sv_json_path_index (names_path, i);
      const char *name = sv_seccomp_node_string (json_array_get_element (names, i), p, error);
      int nr;

      if (name == NULL || !sv_seccomp_resolve (name, p, &nr, error))
        return FALSE;
      if (nr != __NR_SCMP_ERROR)
        sv_seccomp_note_name (b, entry, nr);
      if (nr == __NR_SCMP_ERROR || same_as_default)
        continue;
      if (!sv_seccomp_add_rules (b->ctx, action, nr, cmps, repeated, name, p, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
sv_seccomp_add_syscalls (SvSeccompBuild *b, JsonObject *seccomp, const char *path, GError **error)
{
  g_autofree char *syscalls_path = sv_json_path (path, "syscalls");
  JsonArray *syscalls = NULL;

  if (!sv_seccomp_get_array (seccomp, path, "syscalls", FALSE, &syscalls, error))
    return FALSE;
  for (guint i = 0; syscalls != NULL && i < json_array_get_length (syscalls); i++)
    {
      g_autofree char *p = sv_json_path_index (syscalls_path, i);
      JsonObject *entry = sv_seccomp_array_object (syscalls, i, p, error);

      if (entry == NULL || !sv_seccomp_add_entry (b, entry, p, error))
        return FALSE;
    }
  return TRUE;
}

/* ---- export ---------------------------------------------------------------------------- */

static gboolean
sv_seccomp_read_program (int fd, SvSeccompProgram *prog, const char *path, GError **error)
{
  off_t size = lseek (fd, 0, SEEK_END);
  gsize n = (gsize) size / sizeof (struct sock_filter);
  g_autofree char *buf = NULL;
  gsize done = 0;

  if (size <= 0 || (gsize) size % sizeof (struct sock_filter) != 0)
    return sv_seccomp_fail (error, G_IO_ERROR_FAILED, path,
                            "libseccomp exported a malformed filter (%jd bytes)",
                            (intmax_t) size);
  if (n > BPF_MAXINSNS)
    return sv_seccomp_fail (error, G_IO_ERROR_INVALID_ARGUMENT, path,
                            "the filter has %" G_GSIZE_FORMAT " instructions, more than the "
                            "kernel's limit of %d; shorten the profile",
                            n, BPF_MAXINSNS);
  buf = g_malloc ((gsize) size);
  while (done < (gsize) size)
    {
      ssize_t r = pread (fd, buf + done, (gsize) size - done, (off_t) done);

      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        return sv_seccomp_fail (error, G_IO_ERROR_FAILED, path, "reading the exported filter: %s",
                                r < 0 ? sv_strerror (errno) : "unexpected end of file");
      done += (gsize) r;
    }
  prog->filter = g_steal_pointer (&buf);
  prog->n_filter = n;
  return TRUE;
}

/* libseccomp 2.5 exports BPF only to a file descriptor: a memfd, then read it back. */
static gboolean
sv_seccomp_export (scmp_filter_ctx ctx, SvSeccompProgram *prog, const char *path, GError **error)
{
  sv_autofd fd = -1;
  int rc;

  fd = memfd_create ("sysvisor-seccomp", MFD_CLOEXEC);
  if (fd < 0)
    return sv_seccomp_fail (error, g_io_error_from_errno (errno), path, "memfd_create: %s",
                            sv_strerror (errno));
  rc = seccomp_export_bpf (ctx, fd);
  if (rc < 0)
    return sv_seccomp_fail (error, g_io_error_from_errno (-rc), path,
                            "libseccomp could not generate the filter: %s", sv_strerror (-rc));
  return sv_seccomp_read_program (fd, prog, path, error);
}

/* ---- ENOSYS for syscalls newer than the profile ------------------------------------------ */

#define SV_X32_SYSCALL_BIT 0x40000000u
#define SV_STUB_MAX_NAMED 200

/* Prepended to the exported program: on the native architecture (not x32), a number above
 * b->max_known that no rule names returns ENOSYS; anything else goes on to libseccomp's
 * program.  BPF jumps are relative, so the program after it is unchanged. */
static gboolean
sv_seccomp_add_enosys_stub (SvSeccompBuild *b, SvSeccompProgram *prog, const char *path,
                            GError **error)
{
  g_autoptr (GArray) above = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr (GArray) stub = g_array_new (FALSE, FALSE, sizeof (struct sock_filter));
  struct sock_filter *all;
  guint n_head, k;

  if (b->max_known < 0 || b->default_action == SCMP_ACT_ALLOW
      || b->default_action == SCMP_ACT_LOG)
    return TRUE;
  for (guint i = 0; i < b->named->len; i++)
    if (g_array_index (b->named, int, i) > b->max_known)
      g_array_append_val (above, g_array_index (b->named, int, i));
  if (above->len > SV_STUB_MAX_NAMED)
    return TRUE;
  k = above->len;
  n_head = 5 + k; /* instructions before the ENOSYS return; the program starts at n_head + 1 */
#define SV_INSN(code, jt, jf, val)                                                               \
  g_array_append_val (stub, ((struct sock_filter){ code, jt, jf, val }))
  SV_INSN (BPF_LD | BPF_W | BPF_ABS, 0, 0, 4); /* arch */
  SV_INSN (BPF_JMP | BPF_JEQ | BPF_K, 0, (guint8) (n_head - 1), seccomp_arch_native ());
  SV_INSN (BPF_LD | BPF_W | BPF_ABS, 0, 0, 0); /* nr */
  SV_INSN (BPF_JMP | BPF_JSET | BPF_K, (guint8) (n_head - 3), 0, SV_X32_SYSCALL_BIT);
  SV_INSN (BPF_JMP | BPF_JGT | BPF_K, 0, (guint8) (n_head - 4), (guint32) b->max_known);
  for (guint i = 0; i < k; i++)
    SV_INSN (BPF_JMP | BPF_JEQ | BPF_K, (guint8) (k - i), 0,
             (guint32) g_array_index (above, int, i));
  SV_INSN (BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | ENOSYS);
#undef SV_INSN
  if (stub->len + prog->n_filter > BPF_MAXINSNS)
    return sv_seccomp_fail (error, G_IO_ERROR_INVALID_ARGUMENT, path,
                            "the filter is longer than the kernel's limit; shorten the profile");
  all = g_new (struct sock_filter, stub->len + prog->n_filter);
  memcpy (all, stub->data, stub->len * sizeof *all);
  memcpy (all + stub->len, prog->filter, prog->n_filter * sizeof *all);
  g_free (prog->filter);
  prog->filter = all;
  prog->n_filter += stub->len;
  return TRUE;
}

/* ---- public API ----------------------------------------------------------------------- */

SvSeccompProgram *
sv_seccomp_compile (JsonObject *seccomp, const char *json_path, GError **error)
{
  const char *path = json_path != NULL ? json_path : "linux.seccomp";
  g_autoptr (SvSeccompProgram) prog = g_new0 (SvSeccompProgram, 1);
  g_auto (scmp_filter_ctx) ctx = NULL;
  guint32 default_action;
  SvSeccompBuild build;

  g_return_val_if_fail (seccomp != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!sv_seccomp_parse_action (seccomp, path, "defaultAction", "defaultErrnoRet",
                                &default_action, error)
      || !sv_seccomp_each_name (seccomp, path, "flags", sv_seccomp_parse_flag, &prog->flags,
                                error)
      || !sv_seccomp_check_listener (seccomp, path, default_action, &prog->flags, error))
    return NULL;
  ctx = sv_seccomp_new_ctx (default_action, path, error);
  if (ctx == NULL
      || !sv_seccomp_each_name (seccomp, path, "architectures", sv_seccomp_add_arch, ctx, error))
    return NULL;
  build = (SvSeccompBuild){ .ctx = ctx,
                            .default_action = default_action,
                            .flags = prog->flags,
                            .max_known = -1,
                            .named = g_array_new (FALSE, FALSE, sizeof (int)) };
  if (!sv_seccomp_add_syscalls (&build, seccomp, path, error)
      || !sv_seccomp_export (ctx, prog, path, error)
      || !sv_seccomp_add_enosys_stub (&build, prog, path, error))
    {
      g_array_unref (build.named);
      return NULL;
    }
  g_array_unref (build.named);
  return g_steal_pointer (&prog);
}

int
sv_seccomp_load (const SvSeccompProgram *prog)
{
  struct sock_fprog fprog;
  long rc;

  if (prog == NULL || prog->filter == NULL || prog->n_filter == 0
      || prog->n_filter > BPF_MAXINSNS)
    return -EINVAL;
  fprog.len = (unsigned short) prog->n_filter;
  fprog.filter = prog->filter;
  rc = syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, prog->flags, &fprog);
  if (prog->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)
    return rc >= 0 ? (int) rc : -errno;
  if (rc == 0)
    return 0;
  if (rc > 0) /* TSYNC: the id of a thread that could not be synchronised */
    return -ESRCH;
  if (errno == ENOSYS && prog->flags == 0
      && prctl (PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0) == 0)
    return 0;
  return -errno;
}

void
sv_seccomp_program_free (SvSeccompProgram *prog)
{
  if (prog == NULL)
    return;
  g_free (prog->filter);
  g_free (prog);
}

char *
sv_seccomp_library_version (void)
{
  const struct scmp_version *v = seccomp_version ();

  return g_strdup_printf ("%u.%u.%u", v->major, v->minor, v->micro);
}

static void
sv_seccomp_features_names (JsonBuilder *b, const char *member, const char *const *names, gsize n)
{
  json_builder_set_member_name (b, member);
  json_builder_begin_array (b);
  for (gsize i = 0; i < n; i++)
    if (names[i] != NULL)
      json_builder_add_string_value (b, names[i]);
  json_builder_end_array (b);
}

JsonNode *
sv_seccomp_features (void)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  const char *names[G_N_ELEMENTS (sv_seccomp_archs)];

  G_STATIC_ASSERT (G_N_ELEMENTS (sv_seccomp_actions) <= G_N_ELEMENTS (names));
  G_STATIC_ASSERT (G_N_ELEMENTS (sv_seccomp_operators) <= G_N_ELEMENTS (names));
  G_STATIC_ASSERT (G_N_ELEMENTS (sv_seccomp_flags) <= G_N_ELEMENTS (names));

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "enabled");
  json_builder_add_boolean_value (b, TRUE);
  for (gsize i = 0; i < G_N_ELEMENTS (sv_seccomp_actions); i++)
    names[i] = sv_seccomp_actions[i].name;
  sv_seccomp_features_names (b, "actions", names, G_N_ELEMENTS (sv_seccomp_actions));
  for (gsize i = 0; i < G_N_ELEMENTS (sv_seccomp_operators); i++)
    names[i] = sv_seccomp_operators[i].name;
  sv_seccomp_features_names (b, "operators", names, G_N_ELEMENTS (sv_seccomp_operators));
  for (gsize i = 0; i < G_N_ELEMENTS (sv_seccomp_archs); i++)
    names[i] = seccomp_arch_resolve_name (sv_seccomp_archs[i].libseccomp) != 0
                   ? sv_seccomp_archs[i].oci
                   : NULL;
  sv_seccomp_features_names (b, "archs", names, G_N_ELEMENTS (sv_seccomp_archs));
  for (gsize i = 0; i < G_N_ELEMENTS (sv_seccomp_flags); i++)
    names[i] = sv_seccomp_flags[i].name;
  sv_seccomp_features_names (b, "knownFlags", names, G_N_ELEMENTS (sv_seccomp_flags));
  for (gsize i = 0; i < G_N_ELEMENTS (sv_seccomp_flags); i++)
    names[i] = sv_seccomp_flags[i].supported
                       && !sv_seccomp_kernel_rejects_flag (sv_seccomp_flags[i].flag)
                   ? sv_seccomp_flags[i].name
                   : NULL;
  sv_seccomp_features_names (b, "supportedFlags", names, G_N_ELEMENTS (sv_seccomp_flags));
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
