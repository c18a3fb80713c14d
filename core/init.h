/* init.h: the container's init process, between clone and execve.
 *
 * The parent prepares everything in an SvInitConfig before clone; the child only reads it.
 * The parent is single-threaded, so the child may allocate; it reports every failure to the
 * parent over the sync socket as one message and exits. */
#pragma once

#include "container.h"
#include "sv-seccomp.h"
#include "spec.h"
#include "sync.h"

typedef struct
{
  SvSpec *spec;
  SvProcess *process;
  GPtrArray *extra_mounts;    /* SvExtraMount (destinations) */
  GPtrArray *cgroup_hierarchies; /* SvCgroupHierarchy, may be NULL */
  SvSeccompProgram *seccomp;  /* NULL = none */
  const char *id;             /* for the state given to startContainer hooks */
  JsonObject *hooks;          /* the spec's hooks, or NULL */
  int sync_fd;
  int rootfs_dir_fd;          /* O_PATH of the rootfs directory: where the rootfs is attached */
  int fifo_fd;                /* O_PATH of exec.fifo; -1: exec right away */
  int console_fd;             /* connected --console-socket, or -1 */
  int host_proc_fd;           /* O_PATH of the host's /proc */
  guint preserve_fds;         /* fds 3..3+N-1 stay open across exec */
  gboolean new_cgroupns;
  gboolean supervise;         /* load the notifying filter; its listener goes with READY */
  gboolean loopback_up;       /* a pod sandbox's own network namespace: bring up lo */
  gboolean hook_pause;        /* stop before pivot_root for createRuntime/createContainer hooks */
  char **envp;
} SvInitConfig;

/* Runs in the child; never returns. */
void sv_init_run (SvInitConfig *cfg) G_GNUC_NORETURN;

/* Pieces used by init.c, in the order they run. */
typedef struct
{
  SvSyncMsg msg;             /* SV_SYNC_GO: msg.n_fds and the tag of each fd */
  int fds[SV_SYNC_MAX_FDS];  /* received from the parent; owned; -1 once taken */
} SvInitTrees;

gboolean sv_mounts_attach_rootfs (SvInitConfig *cfg, SvInitTrees *t, int *rootfd_out,
                                  GError **error);
gboolean sv_mounts_spec (SvInitConfig *cfg, int rootfd, SvInitTrees *t, GError **error);
gboolean sv_mounts_masked_readonly (SvInitConfig *cfg, GError **error);
gboolean sv_mounts_extra (SvInitConfig *cfg, SvInitTrees *t, GError **error);
gboolean sv_mounts_pivot (int rootfd, GError **error);
gboolean sv_mounts_finish (SvInitConfig *cfg, GError **error);
gboolean sv_devices_setup (SvInitConfig *cfg, int rootfd, GError **error);
gboolean sv_devices_symlinks (SvInitConfig *cfg, GError **error);
gboolean sv_terminal_setup_child (SvInitConfig *cfg, GError **error);
gboolean sv_process_set_user_caps (SvProcess *p, GError **error);
gboolean sv_process_join_session_keyring (GError **error);
char *sv_process_find_exec (SvProcess *p, char **envp, GError **error);
/* chdir to process.cwd and check that the directory is inside the container's root: a path
 * through a magic link (/proc/self/fd/N of one of the runtime's own fds) would leave the
 * process outside it (the CVE-2024-21626 class). */
gboolean sv_process_chdir (SvProcess *p, GError **error);
/* As runc: the same, first while still container root (a directory the user cannot enter, like
 * /root for uid 42, works); *@done FALSE when root was refused (try sv_process_chdir as the
 * user). */
gboolean sv_process_chdir_privileged (SvProcess *p, gboolean *done, GError **error);
/* Close every fd from 3 up but the @preserve_fds ones (3..) and the @n_keep in @keep (-1 ok):
 * the caller's and the runtime's fds never reach the container. */
void sv_close_fds_except (guint preserve_fds, const int *keep, guint n_keep);
void sv_process_exec (SvInitConfig *cfg, const char *path) G_GNUC_NORETURN;

/* Open @path under @rootfd (RESOLVE_IN_ROOT), creating missing parents as directories and the
 * last component as a directory or an empty file.  Returns an O_PATH fd. */
int sv_open_in_root_create (int rootfd, const char *path, gboolean dir, GError **error);
