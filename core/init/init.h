/* init.h: the container's init process, between clone and execve.
 *
 * The parent prepares everything in an SvInitConfig before clone; the child only reads it.
 * The parent is single-threaded, so the child may allocate; it reports every failure to the
 * parent over the sync socket as one message and exits. */
#pragma once

#include "container.h"
#include "sv-seccomp.h"
#include "cgroups-entry.h"
#include "spec.h"

typedef struct
{
  SvSpec *spec;
  SvProcess *process;
  GPtrArray *extra_mounts;       /* SvExtraMount (destinations) */
  GPtrArray *cgroup_hierarchies; /* SvCgroupHierarchy, may be NULL */
  SvSeccompProgram *seccomp;     /* NULL = none */
  const char *id;                /* for the state given to startContainer hooks */
  JsonObject *hooks;             /* the spec's hooks, or NULL */
  int sync_fd;
  int rootfs_dir_fd;  /* O_PATH of the rootfs directory: where the rootfs is attached */
  int fifo_fd;        /* O_PATH of exec.fifo; -1: exec right away */
  int console_fd;     /* connected --console-socket, or -1 */
  int host_proc_fd;   /* O_PATH of the host's /proc */
  guint preserve_fds; /* fds 3..3+N-1 stay open across exec */
  gboolean new_cgroupns;
  gboolean supervise;      /* load the notifying filter; its listener goes with READY */
  gboolean loopback_up;    /* a pod sandbox's own network namespace: bring up lo */
  gboolean shared_mm;      /* shares the runtime's memory until its execve (create.c) */
  gboolean runtime_starts; /* told at COMMITTED: the runtime (`run`) starts us itself */
  gboolean hook_pause;     /* stop before pivot_root for createRuntime/createContainer hooks */
  char **envp;
  const SvCgroupEntry *cgroup_entry; /* the runtime's: the v1 `tasks` to join after GO, or NULL */
} SvInitConfig;

/* Runs in the child; never returns. */
void sv_init_run (SvInitConfig *cfg) G_GNUC_NORETURN;
