/* cgroups-bpf.h: devices on cgroup v2: an eBPF program (cgroups-bpf.c). */
#pragma once

#include <glib.h>

/* Raw BPF_PROG_TYPE_CGROUP_DEVICE instructions for @devices (struct bpf_insn, 8 bytes each).
 * Later rules win; what no rule covers is denied. */
GArray *sv_cgroup_bpf_build_devices (GArray *devices, GError **error);
/* Load that program and attach it to the cgroup2 directory @dir, replacing the programs
 * attached there before. */
gboolean sv_cgroup_bpf_apply_devices (const char *dir, GArray *devices, GError **error);
