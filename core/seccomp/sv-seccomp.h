/* seccomp.h: compile an OCI linux.seccomp object with libseccomp in the parent; load the
 * compiled BPF in the container's init right before execve (async-signal-safe). */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

typedef struct
{
  void *filter;       /* struct sock_filter[] */
  gsize n_filter;     /* number of instructions */
  unsigned int flags; /* SECCOMP_FILTER_FLAG_* from linux.seccomp.flags */
} SvSeccompProgram;

/* The "comment" of the rules the system-container policy adds to a client's profile: their
 * syscalls do not count as ones the profile knows (see sv_seccomp_compile). */
#define SV_SECCOMP_POLICY_COMMENT "sysvisor: system container policy"

/* As runc: unless the default action is ALLOW or LOG, a native syscall newer than every one the
 * profile names (not counting the policy's rules) and not named by a rule gets ENOSYS, not the
 * default action (glibc falls back from clone3, faccessat2... on ENOSYS only).
 * @json_path: "linux.seccomp" (used in error messages).  Errors name the field and the fix:
 * unknown syscall name, unknown action, unknown architecture, SCMP_ACT_NOTIFY/listenerPath
 * (not supported). */
SvSeccompProgram *sv_seccomp_compile (JsonObject *seccomp, const char *json_path, GError **error);
/* Async-signal-safe: seccomp(SECCOMP_SET_MODE_FILTER).  Returns 0 or -errno (-EINVAL for a
 * NULL or empty program, -ESRCH when SECCOMP_FILTER_FLAG_TSYNC could not sync a thread). */
int sv_seccomp_load (const SvSeccompProgram *prog);
/* TRUE when the program is loaded with a listener (linux.seccomp.listenerPath): then
 * sv_seccomp_load returns the listener fd. */
#define sv_seccomp_notifies(prog) (((prog)->flags & (1UL << 3)) != 0) /* FLAG_NEW_LISTENER */
void sv_seccomp_program_free (SvSeccompProgram *prog);
/* For `sysvisor-runc features`: {"enabled":true,"actions":[...],"operators":[...],"archs":[...],
 * "knownFlags":[...],"supportedFlags":[...]} like runc's. */
JsonNode *sv_seccomp_features (void);
/* "2.5.4": the linked libseccomp, for `features` annotations (io.github.seccomp.libseccomp.version). */
char *sv_seccomp_library_version (void);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SvSeccompProgram, sv_seccomp_program_free)
