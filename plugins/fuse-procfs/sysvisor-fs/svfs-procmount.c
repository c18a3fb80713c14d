/* sysvisor-fs: a procfs or sysfs mounted inside a container gets the emulated files too.
 *
 * A container started inside a system container (inner Docker's runc, `unshare -p -f
 * --mount-proc`) mounts a fresh procfs, whose meminfo, cpuinfo, uptime... are the host's.  The
 * container's processes trap mount(2) calls that create a filesystem; for "proc" and "sysfs"
 * the supervisor makes the mount for the caller, as the caller would, and binds the daemon's
 * files over the new mount's entries.  Readers of those files are identified by the FUSE layer
 * (their pid namespace and cgroup), so an inner container with its own memory limit sees that
 * limit and its own uptime.
 *
 * How: a forked child clones each served file of the daemon's FUSE mount (open_tree
 * OPEN_TREE_CLONE, still in the daemon's mount namespace), becomes non-dumpable, joins the
 * caller's user, mount, pid and network namespaces and forks (a procfs belongs to the pid
 * namespace of the process that creates it, a sysfs to its network namespace); the grandchild
 * takes the caller's uid/gid, root and working directory, creates the filesystem with the new
 * mount API from the caller's source, data options and flags, attaches it on the caller's
 * target (resolved there, or the caller's own fd for a /proc/self/fd/N target as runc passes),
 * then moves each clone over the matching entry of the new mount (relative to its root fd, so
 * no path can be swapped).  A failure after the attach
 * detaches the new mount again: the caller gets its errno and nothing is left mounted.  When
 * the files cannot be cloned (the FUSE mount is gone), the kernel makes a plain mount.  The
 * daemon waits 10 s at most (a target on a FUSE mount a container serves may never answer),
 * then kills the child (and with it the grandchild) and answers ETIMEDOUT.
 *
 * Other filesystem types, and callers the kernel would refuse, run as the kernel would
 * (CONTINUE).  Like every CONTINUE, the kernel reads the arguments again: a caller racing its
 * own memory can get a plain procfs, which shows no more than the host's files it could read
 * anyway. */
#include "svfs-procmount.h"
#include "svfs-supervisor.h"

#include "svfs-tree.h"
#include "svfs-util.h"
#include "sv-error.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <fcntl.h>
#include <glib.h>
#include <linux/mount.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROCMOUNT_MAX_OPTIONS 64
#define PROCMOUNT_NO_CLONES 255 /* the child's exit code: the served files cannot be cloned */

static gchar *fs_mountpoint;

void
svfs_procmount_set_mountpoint (const char *mountpoint)
{
  g_free (fs_mountpoint);
  fs_mountpoint = g_strdup (mountpoint);
}

gboolean
svfs_procmount_is_new_mount (guint64 flags)
{
  guint64 not_new =
      MS_BIND | MS_REMOUNT | MS_MOVE | MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE;

  flags &= 0xffffffffu;
  if ((flags & 0xffff0000u) == MS_MGC_VAL)
    flags &= 0xffffu;
  return (flags & not_new) == 0;
}

/* ---- what the caller asked for ---- */

typedef struct
{
  const char *fstype; /* "proc" or "sysfs" */
  gchar *source;      /* NULL: none given */
  gchar *target;
  guint64 flags;
  GPtrArray *keys; /* data options: key, and value (NULL for a flag) */
  GPtrArray *values;
  guint64 attr; /* MOUNT_ATTR_* of @flags */
  int ns_flags; /* CLONE_NEW* to join */
  uid_t uid;    /* the caller's effective ids, in its user namespace */
  gid_t gid;
  SvfsCallerCtx caller; /* its thread's pidfd, root and cwd */
  int target_fd;
  GPtrArray *clone_src; /* each served file of the daemon's mount */
  GPtrArray *clone_at;  /* where each goes, relative to the new mount's root */
  GArray *clone_fds;    /* int: its detached clone (made in the child; -1 in the daemon) */
} Request;

static void
request_free (Request *r)
{
  g_free (r->source);
  g_free (r->target);
  g_clear_pointer (&r->keys, g_ptr_array_unref);
  g_clear_pointer (&r->values, g_ptr_array_unref);
  for (guint i = 0; r->clone_fds != NULL && i < r->clone_fds->len; i++)
    close (g_array_index (r->clone_fds, int, i));
  g_clear_pointer (&r->clone_fds, g_array_unref);
  g_clear_pointer (&r->clone_at, g_ptr_array_unref);
  g_clear_pointer (&r->clone_src, g_ptr_array_unref);
  svfs_caller_ctx_close (&r->caller);
  if (r->target_fd >= 0)
    close (r->target_fd);
  g_free (r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Request, request_free)

/* mount(2)'s data for proc and sysfs: "key=value,flag,...", as the kernel splits it. */
static gboolean
split_options (Request *r, const char *data)
{
  g_auto (GStrv) opts = g_strsplit (data != NULL ? data : "", ",", -1);

  r->keys = g_ptr_array_new_with_free_func (g_free);
  r->values = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; opts[i] != NULL; i++)
    {
      char *eq = strchr (opts[i], '=');
      if (opts[i][0] == '\0' || eq == opts[i])
        continue;
      if (r->keys->len >= PROCMOUNT_MAX_OPTIONS)
        return FALSE;
      g_ptr_array_add (r->keys,
                       eq != NULL ? g_strndup (opts[i], eq - opts[i]) : g_strdup (opts[i]));
      g_ptr_array_add (r->values, eq != NULL ? g_strdup (eq + 1) : NULL);
    }
  g_ptr_array_add (r->keys, NULL);
  return TRUE;
}

/* The caller's namespace of @kind differs from the daemon's (joining one's own network
 * namespace from the caller's user namespace would be refused). */
static gboolean
ns_differs (pid_t pid, const char *kind)
{
  g_autofree gchar *theirs = g_strdup_printf ("/proc/%d/ns/%s", (int) pid, kind);
  g_autofree gchar *ours = g_strdup_printf ("/proc/self/ns/%s", kind);
  struct stat a, b;

  return stat (theirs, &a) == 0 && stat (ours, &b) == 0
         && (a.st_ino != b.st_ino || a.st_dev != b.st_dev);
}

/* The caller's effective uid or gid (@key "Uid"/"Gid" of its status), translated into its user
 * namespace with its @map ("uid_map"/"gid_map"); FALSE if unmapped. */
static gboolean
caller_id (pid_t pid, const char *key, const char *map, guint32 *out)
{
  g_autofree gchar *status_path = g_strdup_printf ("/proc/%d/status", (int) pid);
  g_autofree gchar *map_path = g_strdup_printf ("/proc/%d/%s", (int) pid, map);
  g_autofree gchar *status = NULL, *maps = NULL;
  g_autofree gchar *needle = g_strdup_printf ("\n%s:", key);
  g_auto (GStrv) lines = NULL;
  const char *p;
  guint64 id;

  if (!g_file_get_contents (status_path, &status, NULL, NULL)
      || (p = strstr (status, needle)) == NULL
      || !g_file_get_contents (map_path, &maps, NULL, NULL))
    return FALSE;
  p += strlen (needle);
  g_ascii_strtoull (p, (gchar **) &p, 10); /* real, then effective */
  id = g_ascii_strtoull (p, NULL, 10);
  lines = g_strsplit (maps, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      guint64 inside, outside, count;
      if (sscanf (lines[i], "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT,
                  &inside, &outside, &count)
              == 3
          && id >= outside && id - outside < count)
        {
          *out = (guint32) (inside + (id - outside));
          return TRUE;
        }
    }
  return FALSE;
}

/* ---- the served files, cloned from the daemon's own mount ---- */

static void
collect_files (guint64 dir, const char *prefix, GPtrArray *out)
{
  g_autoptr (GPtrArray) children = svfs_tree_children (dir);

  for (guint i = 0; i < children->len; i++)
    {
      const SvfsNode *n = g_ptr_array_index (children, i);
      if (n->kind == SVFS_NODE_DIR)
        collect_files (n->ino, prefix, out);
      else if (g_str_has_prefix (n->path, prefix))
        g_ptr_array_add (out, (gpointer) n->path);
    }
}

static void
plan_clones (Request *r)
{
  const char *prefix = g_str_equal (r->fstype, "proc") ? "proc/" : "sys/";
  g_autoptr (GPtrArray) paths = g_ptr_array_new ();
  int none = -1;

  r->clone_src = g_ptr_array_new_with_free_func (g_free);
  r->clone_at = g_ptr_array_new_with_free_func (g_free);
  r->clone_fds = g_array_new (FALSE, FALSE, sizeof (int));
  collect_files (SVFS_ROOT_INO, prefix, paths);
  for (guint i = 0; i < paths->len; i++)
    {
      const char *rel = g_ptr_array_index (paths, i);
      g_ptr_array_add (r->clone_src, g_build_filename (fs_mountpoint, rel, NULL));
      g_ptr_array_add (r->clone_at, g_strdup (rel + strlen (prefix)));
      g_array_append_val (r->clone_fds, none);
    }
  g_ptr_array_add (r->clone_at, NULL);
}

/* ---- in the child and the grandchild: only syscalls ---- */

/* fsopen + fsconfig (source, data options, superblock flags) + fsmount: the new mount, detached. */
static int
create_mount (const Request *r, int *mnt)
{
  int fs = (int) syscall (SYS_fsopen, r->fstype, FSOPEN_CLOEXEC);
  static const struct
  {
    guint64 flag;
    const char *name;
  } sb_flags[] = {
    { MS_RDONLY, "ro" },
    { MS_SYNCHRONOUS, "sync" },
    { MS_DIRSYNC, "dirsync" },
    { MS_LAZYTIME, "lazytime" },
  };

  if (fs < 0)
    return errno;
  if (r->source != NULL
      && syscall (SYS_fsconfig, fs, FSCONFIG_SET_STRING, "source", r->source, 0) < 0)
    return errno;
  for (guint i = 0; r->keys->pdata[i] != NULL; i++)
    {
      const char *value = r->values->pdata[i];
      if (syscall (SYS_fsconfig, fs, value != NULL ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG,
                   r->keys->pdata[i], value, 0)
          < 0)
        return errno;
    }
  for (guint i = 0; i < G_N_ELEMENTS (sb_flags); i++)
    if ((r->flags & sb_flags[i].flag)
        && syscall (SYS_fsconfig, fs, FSCONFIG_SET_FLAG, sb_flags[i].name, NULL, 0) < 0)
      return errno;
  if (syscall (SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return errno;
  *mnt = (int) syscall (SYS_fsmount, fs, FSMOUNT_CLOEXEC, r->attr);
  return *mnt < 0 ? errno : 0;
}

/* Each clone over its entry of the new mount (an entry the mount lacks, e.g. with subset=pid,
 * is skipped); on any other failure the new mount is detached again. */
static int
bind_files (const Request *r, int mnt)
{
  for (guint i = 0; i < r->clone_fds->len; i++)
    {
      int err;
      if (syscall (SYS_move_mount, g_array_index (r->clone_fds, int, i), "", mnt,
                   r->clone_at->pdata[i], MOVE_MOUNT_F_EMPTY_PATH)
              == 0
          || errno == ENOENT)
        continue;
      err = errno;
      if (fchdir (mnt) < 0 || umount2 (".", MNT_DETACH) < 0)
        return EIO; /* cannot happen: our own mount, our own user namespace */
      return err;
    }
  return 0;
}

static int
mount_as_caller (const Request *r)
{
  int mnt = -1, target = r->target_fd, err;

  prctl (PR_SET_PDEATHSIG, SIGKILL);
  /* The caller's ids, not host root's: paths resolve with its permissions (caps stay those
   * of its user namespace, as setns gave them). */
  if (setgroups (0, NULL) < 0 && errno != EPERM)
    return errno;
  if (setresgid (r->gid, r->gid, r->gid) < 0 || setresuid (r->uid, r->uid, r->uid) < 0)
    return errno;
  prctl (PR_SET_DUMPABLE, 0);
  if (fchdir (r->caller.rootfd) < 0 || chroot (".") < 0 || fchdir (r->caller.cwdfd) < 0)
    return errno;
  if ((err = create_mount (r, &mnt)) != 0)
    return err;
  if (target < 0 && (target = open (r->target, O_PATH | O_CLOEXEC)) < 0)
    return errno;
  if (syscall (SYS_move_mount, mnt, "", target, "",
               MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)
      < 0)
    return errno;
  return bind_files (r, mnt);
}

/* The child: non-dumpable (container root must not ptrace a process holding the daemon's
 * fds), into the caller's namespaces, then a grandchild inside its pid namespace. */
static int
join_and_fork (gpointer data)
{
  const Request *r = data;
  int status;
  pid_t grandchild;

  prctl (PR_SET_PDEATHSIG, SIGKILL);
  /* Cloned here, not in the daemon's thread: a FUSE lookup that never returns (the daemon
   * restarting) must only cost this child, which the daemon kills after a timeout. */
  for (guint i = 0; i < r->clone_fds->len; i++)
    if ((g_array_index (r->clone_fds, int, i) =
             (int) syscall (SYS_open_tree, AT_FDCWD, r->clone_src->pdata[i],
                            OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC))
        < 0)
      return PROCMOUNT_NO_CLONES;
  if (prctl (PR_SET_DUMPABLE, 0) < 0 || setns (r->caller.pidfd, r->ns_flags) < 0)
    return errno;
  svfs_child_joined ();
  grandchild = fork ();
  if (grandchild == 0)
    _exit (mount_as_caller (r));
  if (grandchild < 0)
    return errno;
  while (waitpid (grandchild, &status, 0) < 0)
    if (errno != EINTR)
      return ECHILD;
  return WIFEXITED (status) ? WEXITSTATUS (status) : EIO;
}

/* ---- in the daemon ---- */

/* The caller's strings and fds; 0, an errno for the caller, or -1 (let the kernel answer). */
static int
read_request (pid_t pid, const unsigned long long *args, Request *r)
{
  g_autofree gchar *data = NULL;

  if ((args[0] != 0
       && (r->source = svfs_read_caller_string (pid, args[0], SVFS_CALLER_STRING_MAX)) == NULL)
      || (r->target = svfs_read_caller_string (pid, args[1], SVFS_CALLER_STRING_MAX)) == NULL
      || (args[4] != 0
          && (data = svfs_read_caller_string (pid, args[4], SVFS_CALLER_STRING_MAX - 1)) == NULL))
    return -1; /* the kernel reports the bad pointer itself */
  if (!split_options (r, data))
    return EINVAL;
  r->flags = args[3];
  r->attr = svfs_mount_attr_of (r->flags, 0);
  if (ns_differs (pid, "user"))
    r->ns_flags |= CLONE_NEWUSER;
  if (ns_differs (pid, "mnt"))
    r->ns_flags |= CLONE_NEWNS;
  if (ns_differs (pid, "pid"))
    r->ns_flags |= CLONE_NEWPID;
  if (ns_differs (pid, "net"))
    r->ns_flags |= CLONE_NEWNET;
  if (!caller_id (pid, "Uid", "uid_map", &r->uid) || !caller_id (pid, "Gid", "gid_map", &r->gid))
    return -1; /* not a process of a user-namespaced container */
  /* The trapped thread's own namespaces and fds (a Go program's mount may come from any
   * thread); kernels before 6.9 name only thread-group leaders. */
  if (svfs_caller_ctx_open (&r->caller, pid) != 0)
    return ESRCH;
  r->target_fd = svfs_caller_fd_of (r->caller.pidfd, r->target);
  if (r->target_fd == -3)
    return -1; /* the kernel makes a plain mount there */
  return r->target_fd == -2 ? EBADF : 0;
}

const char *
svfs_procmount_fstype (pid_t pid, guint64 addr)
{
  g_autofree gchar *fstype = addr != 0 ? svfs_read_caller_string (pid, addr, 64) : NULL;

  if (g_strcmp0 (fstype, "proc") == 0)
    return "proc";
  if (g_strcmp0 (fstype, "sysfs") == 0)
    return "sysfs";
  return NULL;
}

int
svfs_procmount_for (pid_t pid, const char *fstype, const unsigned long long *args,
                    gboolean (*still_valid) (gpointer), gpointer data)
{
  g_autoptr (Request) r = g_new0 (Request, 1);
  int err;

  r->caller = (SvfsCallerCtx) SVFS_CALLER_CTX_INIT;
  r->target_fd = -1;
  r->fstype = fstype;
  if (fs_mountpoint == NULL)
    return -1;
  if ((err = read_request (pid, args, r)) != 0)
    return err;
  /* What was read (and the fds) belong to the caller only while the request is pending. */
  if (!still_valid (data))
    return ESRCH;
  plan_clones (r);
  /* A target on a FUSE mount that a container process serves must not hang the supervisor:
   * killing the child kills the grandchild too (PR_SET_PDEATHSIG). */
  err = svfs_fork_child (join_and_fork, r);
  if (err == PROCMOUNT_NO_CLONES)
    {
      g_warning ("a %s mounted by pid %d gets no emulated files: %s cannot be cloned (is "
                 "sysvisor-fs's mount there?)",
                 r->fstype, (int) pid, fs_mountpoint);
      return -1;
    }
  g_debug ("%s on %s for pid %d: %s", r->fstype, r->target, (int) pid,
           err == 0 ? "mounted with the emulated files" : sv_strerror (err));
  return err;
}
