/* syscont-policy.h: what root inside a system container may do (README.md, "What a system
 * container overrides in config.json"): the client's capability set and allow-list seccomp
 * profile widened for a system container, the user's deliberate choices honoured, SIGTERM
 * turned into systemd's shutdown request. */
#pragma once

#include "plugins-conf.h"
#include "spec.h"

#include <glib.h>
#include <json-glib/json-glib.h>
#include <sys/types.h>

/* Annotations (values "true" or "false"). */
#define SV_ANNOTATION_HONOUR_CAPS "io.sysvisor.honour-capabilities"
#define SV_ANNOTATION_HONOUR_SECCOMP "io.sysvisor.honour-seccomp"
#define SV_ANNOTATION_SYSTEMD_STOP "io.sysvisor.systemd-stop"

typedef struct
{
  gboolean honour_capabilities; /* never widen process.capabilities */
  gboolean honour_seccomp;      /* never widen linux.seccomp */
  gboolean supervised_remounts; /* the syscall supervisor traps bind remounts that could clear
                                 * read-only (supervisor.c): the widened profile allows mount */
  guint64 client_caps;          /* the client's default set (0: Docker's); Podman's when the
                                 * annotation io.container.manager is "libpod" */
} SvSyscontPolicy;

/* From the annotations (may be NULL) over plugins.conf's [sysvisor] settings (may be NULL).
 * A bad annotation value is an error naming it. */
gboolean sv_syscont_policy_init (SvSyscontPolicy *policy, JsonObject *annotations,
                                 const SvPluginsConf *conf, GError **error);

/* The capabilities the client gives an ordinary container (Docker's and containerd's default
 * list of 14). */
guint64 sv_syscont_client_default_caps (void);

/* Root (uid 0) gets every capability of its user namespace in the bounding, effective and
 * permitted sets (and the inheritable set when the client filled it), unless the policy
 * honours the spec or the spec's set is not a superset of the client's default (the user
 * dropped something).  Non-root processes and the ambient set are left as given.  Returns
 * TRUE when @p was widened. */
gboolean sv_syscont_widen_caps (SvProcess *p, const SvSyscontPolicy *policy);

/* TRUE when @seccomp is an allow-list profile shaped like Docker's or containerd's default
 * (the one a client passes when the user chose nothing). */
gboolean sv_syscont_seccomp_is_client_default (JsonObject *seccomp);
/* The profile to compile: a widened copy of @seccomp (a new reference) when it is a client's
 * default allow-list and the policy does not honour it; else a new reference to @seccomp. */
JsonObject *sv_syscont_seccomp (JsonObject *seccomp, const SvSyscontPolicy *policy);
/* The syscalls the widening allows, NULL-terminated (README, tests). */
const char *const *sv_syscont_seccomp_added (void);

/* The signal to deliver to the init @pid for @signo sent by `kill`: SIGRTMIN+3 (systemd's
 * shutdown request) for SIGTERM when the init runs systemd and the annotations do not opt
 * out; else @signo. */
int sv_syscont_stop_signal (pid_t pid, int signo, JsonObject *annotations);
