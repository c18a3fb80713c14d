/* pod.h: Kubernetes pods of system containers (README.md, "Using it").
 *
 * A pod is a sandbox (CRI annotation io.kubernetes.cri.container-type = sandbox) plus
 * containers (container-type = container, io.kubernetes.cri.sandbox-id = the sandbox) that
 * join the sandbox's namespaces by path.  CRI-O's io.kubernetes.cri-o.ContainerType and
 * SandboxID say the same; Podman writes them for a pod's containers, naming its infra
 * container (which has no type) as the sandbox.  The sandbox gets the user namespace and the id
 * range; its containers join that user namespace (and keep their own mount namespace, cgroup
 * and /proc view), so root in each owns the pod's network namespace and shared volumes have
 * one owner.  A container of a pod may join only its own sandbox's namespaces. */
#pragma once

#include "spec.h"

#include <sys/types.h>

typedef enum
{
  SV_POD_NONE,    /* not a CRI container: namespaces as the spec says */
  SV_POD_SANDBOX, /* the pod's sandbox: makes the user namespace */
  SV_POD_MEMBER,  /* a container of a pod: joins the sandbox's user namespace */
} SvPodRole;

typedef struct
{
  SvPodRole role;
  char *sandbox_id;     /* member: the sandbox's container id */
  pid_t sandbox_pid;    /* member: the sandbox's init */
  int userns_fd;        /* member: the sandbox's user namespace, or -1 */
  GArray *uid_mappings; /* member: the sandbox's mappings (SvIdMapping), from its state */
  GArray *gid_mappings;
  gboolean own_netns; /* sandbox: a new network namespace owned by its user namespace */
} SvPod;

#define SV_POD_INIT                                                                              \
  {                                                                                              \
    .role = SV_POD_NONE, .userns_fd = -1                                                         \
  }

/* Read the CRI annotations of @spec.  A sandbox whose network namespace (made by the CRI
 * plugin, owned by the host's user namespace) holds nothing but the loopback gets its own
 * network namespace instead (the spec's path is dropped).  A member: its sandbox must be a
 * live Sysvisor container under @root and every namespace @spec names by path must be the
 * sandbox's or one owned by the sandbox's user namespace; anything else is one clear error. */
gboolean sv_pod_resolve (SvPod *pod, SvSpec *spec, const char *root, GError **error);
/* A member's mappings (SvIdMapping of the idmap plugin) must be its sandbox's. */
gboolean sv_pod_check_mappings (SvPod *pod, const char *plugin, GArray *uid_maps,
                                GArray *gid_maps, GError **error);
/* Start @child (which never returns) in the namespaces @spec names by path and the pod's
 * user namespace, with new namespaces @flags (never CLONE_NEWUSER) owned by it, as a child
 * of this process (through a helper: only a single-threaded process that is not the caller
 * can enter a user namespace, and the PID namespace is entered for children only).  Returns
 * its host pid, or -1 with @error. */
pid_t sv_pod_clone_member (SvPod *pod, SvSpec *spec, int flags, void (*child) (gpointer),
                           gpointer data, GError **error);
/* In the sandbox's init, as root of its user namespace: bring up the loopback of the network
 * namespace it made (as CNI's loopback plugin did for the one it replaced). */
gboolean sv_pod_loopback_up (GError **error);
void sv_pod_clear (SvPod *pod);
