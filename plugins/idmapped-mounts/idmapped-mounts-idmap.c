/* idmapped-mounts-idmap.c: ID-mapped trees and the shifted overlay (see idmapped-mounts-idmap.h).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "idmapped-mounts-idmap.h"

#include "idmapped-mounts-scratch-ns.h"

#include "sv-error.h"
#include "sv-fd.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>

int
sv_idmapped_clone_tree (int dirfd, const char *path, gboolean recursive, GError **error)
{
  int fd = open_tree (dirfd, path,
                      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0)
                          | (path[0] == '\0' ? AT_EMPTY_PATH : 0));

  if (fd < 0)
    sv_set_file_error_errno (error, errno, "clone the mount tree of %s", path);
  return fd;
}

int
sv_idmapped_idmap_tree (int fd, int userns_fd, gboolean recursive)
{
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (guint64) userns_fd };

  if (mount_setattr (fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof attr)
      < 0)
    return errno;
  return 0;
}

/* ---- a throwaway user namespace ----
 *
 * A child cloned into a new user namespace, sharing our memory and fd table and running while
 * we wait (CLONE_VM | CLONE_FILES | CLONE_VFORK: no copy of the runtime's address space, which
 * made a fork the largest cost of a create), maps its own ids (0 -> host 0, the one mapping a
 * process may write for itself), opens its namespace into the shared fd table and exits.  It
 * makes raw system calls only. */

#define SCRATCH_STACK_SIZE (64 * 1024)

typedef struct
{
  int fd;
  int err;
} ScratchResult;

static gboolean
scratch_write (const char *path, const char *text, gsize len)
{
  int fd = (int) syscall (SYS_openat, AT_FDCWD, path, O_WRONLY | O_CLOEXEC);
  gboolean ok = fd >= 0 && syscall (SYS_write, fd, text, len) == (long) len;

  if (fd >= 0)
    syscall (SYS_close, fd);
  return ok;
}

static int
scratch_child (void *arg)
{
  static const char deny[] = "deny", map[] = "0 0 1\n";
  ScratchResult *r = arg;

  if (!scratch_write ("/proc/self/setgroups", deny, sizeof deny - 1)
      || !scratch_write ("/proc/self/uid_map", map, sizeof map - 1)
      || !scratch_write ("/proc/self/gid_map", map, sizeof map - 1))
    {
      r->err = errno;
      return 1;
    }
  r->fd = (int) syscall (SYS_openat, AT_FDCWD, "/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
  r->err = r->fd < 0 ? errno : 0;
  return 0;
}

int
sv_idmapped_scratch_userns (GError **error)
{
  g_autofree char *stack = g_malloc (SCRATCH_STACK_SIZE);
  ScratchResult r = { .fd = -1, .err = EPIPE };
  pid_t pid;

  pid = clone (scratch_child, stack + SCRATCH_STACK_SIZE,
               CLONE_NEWUSER | CLONE_VM | CLONE_FILES | CLONE_VFORK | SIGCHLD, &r);
  if (pid < 0)
    {
      sv_set_file_error_errno (error, errno, "create a user namespace (clone CLONE_NEWUSER)");
      return -1;
    }
  while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
    ;
  if (r.fd < 0)
    sv_set_file_error_errno (error, r.err != 0 ? r.err : EPIPE,
                             "set up a throwaway user namespace");
  return r.fd;
}

/* ---- the overlay ---- */

typedef struct
{
  uid_t fsuid;
  gid_t fsgid;
  struct __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3];
} SavedCreds;

static int
caps_call (long nr, struct __user_cap_data_struct *caps)
{
  struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };

  return (int) syscall (nr, &hdr, caps);
}

static void
restore_creds (SavedCreds *saved)
{
  setfsuid (saved->fsuid);
  setfsgid (saved->fsgid);
  if (caps_call (SYS_capset, saved->caps) < 0)
    g_error ("cannot restore this thread's capabilities: %s", sv_strerror (errno));
}

/* This thread only (fsuid and capabilities are per thread): fsuid/fsgid @uid/@gid, and the
 * capabilities that changing fsuid away from 0 drops (chown, dac_override, fowner...) raised
 * again from the permitted set. */
static gboolean
become_creator (uid_t uid, gid_t gid, SavedCreds *saved, GError **error)
{
  struct __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3];

  if (caps_call (SYS_capget, saved->caps) < 0)
    {
      sv_set_file_error_errno (error, errno, "capget");
      return FALSE;
    }
  saved->fsgid = (gid_t) setfsgid (gid);
  saved->fsuid = (uid_t) setfsuid (uid);
  memcpy (caps, saved->caps, sizeof caps);
  for (guint i = 0; i < G_N_ELEMENTS (caps); i++)
    caps[i].effective = caps[i].permitted;
  if ((uid_t) setfsuid ((uid_t) -1) != uid || (gid_t) setfsgid ((gid_t) -1) != gid
      || caps_call (SYS_capset, caps) < 0)
    {
      int errsv = errno;
      restore_creds (saved);
      sv_set_file_error_errno (error, errsv ? errsv : EPERM,
                               "take the credentials %u:%u to create the overlay", uid, gid);
      return FALSE;
    }
  return TRUE;
}

static gboolean
set_layer (int fsfd, const char *key, int fd, GError **error)
{
  g_autofree char *path = NULL;

  if (fsconfig (fsfd, FSCONFIG_SET_FD, key, NULL, fd) == 0)
    return TRUE;
  /* Kernels that take layers only as paths: name the tree through /proc. */
  path = g_strdup_printf ("/proc/self/fd/%d", fd);
  if (fsconfig (fsfd, FSCONFIG_SET_STRING, key, path, 0) == 0)
    return TRUE;
  sv_set_file_error_errno (error, errno, "overlay: set %s", key);
  return FALSE;
}

/* Option @opt's key (newly allocated) and, in @value_out, its value: "key=value", or "key" (a
 * flag: NULL). */
static char *
option_key (const char *opt, const char **value_out)
{
  const char *eq = strchr (opt, '=');

  *value_out = eq != NULL ? eq + 1 : NULL;
  return g_strndup (opt, eq != NULL ? (gsize) (eq - opt) : strlen (opt));
}

static gboolean
set_options (int fsfd, GPtrArray *options, GError **error)
{
  for (guint i = 0; options != NULL && i < options->len; i++)
    {
      const char *opt = options->pdata[i], *value;
      g_autofree char *key = option_key (opt, &value);
      int r = value != NULL ? fsconfig (fsfd, FSCONFIG_SET_STRING, key, value, 0)
                            : fsconfig (fsfd, FSCONFIG_SET_FLAG, key, NULL, 0);
      if (r < 0)
        {
          sv_set_file_error_errno (error, errno, "overlay: option %s", opt);
          return FALSE;
        }
    }
  return TRUE;
}

/* The kernel's own words about a failed fsconfig: its "e " messages, joined. */
static char *
fs_context_errors (int fsfd)
{
  g_autoptr (GString) out = g_string_new (NULL);
  char buf[1024];
  ssize_t n;

  while ((n = read (fsfd, buf, sizeof buf - 1)) > 0)
    {
      buf[n] = '\0';
      if (buf[0] != 'e' || buf[1] != ' ')
        continue;
      if (out->len > 0)
        g_string_append (out, "; ");
      g_string_append (out, buf + 2);
    }
  return out->len > 0 ? g_string_free (g_steal_pointer (&out), FALSE) : NULL;
}

/* The error of a failed overlay create (@errsv) on context @fsfd (-1: none), with the kernel's
 * own words when it has some; @what names the create. */
static void
set_create_error (int fsfd, int errsv, const char *what, GError **error)
{
  g_autofree char *why = fsfd >= 0 ? fs_context_errors (fsfd) : NULL;

  if (why != NULL)
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
                 "overlay: create: %s (kernel: %s)", sv_strerror (errsv), why);
  else
    sv_set_file_error_errno (error, errsv, "%s", what);
}

static gboolean
create_as_creator (int fsfd, uid_t uid, gid_t gid, GError **error)
{
  SavedCreds saved;
  int r, errsv;

  if (!become_creator (uid, gid, &saved, error))
    return FALSE;
  r = fsconfig (fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0);
  errsv = errno;
  restore_creds (&saved);
  if (r == 0)
    return TRUE;
  set_create_error (fsfd, errsv, "overlay: create", error);
  return FALSE;
}

/* ---- the overlay, on kernels before 6.15 ----
 *
 * Until Linux 6.15 overlayfs takes only layers that are mounted in the namespace of the task
 * that creates it (clone_private_mount: "failed to clone upperpath"), and before 6.8 it has no
 * "lowerdir+" key: Debian 12's kernel (6.1) refuses the overlay above with EINVAL.  So the
 * layer trees are mounted on a scratch tmpfs in a private mount namespace (scratch-ns) and the
 * overlay is created there from their paths.  The layers' trees die with that namespace; the
 * overlay keeps its own clones of them. */

typedef struct
{
  const char *const *params; /* "key", "value" pairs (value NULL: a flag), NULL-ended */
  uid_t uid;
  gid_t gid;
  struct __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3];
  int fsfd; /* out: the fs context (its messages) */
} OvlCreate;

/* The scratch namespace's last step: create the overlay as its creator (raw system calls). */
static int
ovl_create_step (SvScratchNs *ns)
{
  OvlCreate *a = ns->data;
  struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };

  if ((a->fsfd = (int) syscall (SYS_fsopen, "overlay", FSOPEN_CLOEXEC)) < 0)
    return -1;
  for (guint i = 0; a->params[i] != NULL; i += 2)
    if (syscall (SYS_fsconfig, a->fsfd,
                 a->params[i + 1] != NULL ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, a->params[i],
                 a->params[i + 1], 0)
        < 0)
      return -1;
  /* (the child's own credentials: nothing to restore) */
  syscall (SYS_setfsgid, a->gid);
  syscall (SYS_setfsuid, a->uid);
  if (syscall (SYS_capset, &hdr, a->caps) < 0
      || syscall (SYS_fsconfig, a->fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return -1;
  return (int) syscall (SYS_fsmount, a->fsfd, FSMOUNT_CLOEXEC, 0);
}

/* The child's plan: layer trees to move (lower, data, the upper's), and the overlay's
 * parameters naming them by path: lowerdir "top:...:bottom[::data...]", upperdir and workdir
 * through /proc/self/fd (their fds are inside the moved upper tree), then the options. */
static GPtrArray *
ovl_child_plan (const SvIdmappedOverlayMount *m, const char *scratch, GArray *trees,
                GPtrArray *points)
{
  GPtrArray *params = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) lower = g_string_new (NULL);

  for (guint i = 0; i < m->n_lower + m->n_data; i++)
    {
      gboolean data = i >= m->n_lower;
      char *point = g_strdup_printf ("%s/%c%u", scratch, data ? 'd' : 'l', i);
      int fd = data ? m->data[i - m->n_lower] : m->lower[i];
      g_string_append_printf (lower, "%s%s", i == 0 ? "" : data ? "::" : ":", point);
      g_array_append_val (trees, fd);
      g_ptr_array_add (points, point);
    }
  g_ptr_array_add (params, g_strdup ("lowerdir"));
  g_ptr_array_add (params, g_strdup (lower->str));
  if (m->upper >= 0)
    {
      g_array_append_val (trees, m->upper_tree);
      g_ptr_array_add (points, g_strdup_printf ("%s/u", scratch));
      g_ptr_array_add (params, g_strdup ("upperdir"));
      g_ptr_array_add (params, g_strdup_printf ("/proc/self/fd/%d", m->upper));
      g_ptr_array_add (params, g_strdup ("workdir"));
      g_ptr_array_add (params, g_strdup_printf ("/proc/self/fd/%d", m->work));
    }
  for (guint i = 0; m->options != NULL && i < m->options->len; i++)
    {
      const char *value;
      g_ptr_array_add (params, option_key (m->options->pdata[i], &value));
      g_ptr_array_add (params, g_strdup (value));
    }
  g_ptr_array_add (params, NULL);
  return params;
}

static int
mount_overlay_in_child (const SvIdmappedOverlayMount *m, GError **error)
{
  g_autoptr (GArray) trees = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr (GPtrArray) points = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) params = NULL;
  OvlCreate a = { .fsfd = -1, .uid = m->creator_uid, .gid = m->creator_gid };
  SvScratchNs ns = { .then = ovl_create_step, .data = &a };
  const char *scratch = sv_scratch_ns_dir (error);
  int mfd, err;

  if (scratch == NULL || caps_call (SYS_capget, a.caps) < 0)
    {
      if (scratch != NULL)
        sv_set_file_error_errno (error, errno, "capget");
      g_prefix_error (error, "overlay: ");
      return -1;
    }
  for (guint i = 0; i < G_N_ELEMENTS (a.caps); i++)
    a.caps[i].effective = a.caps[i].permitted;
  params = ovl_child_plan (m, scratch, trees, points);
  a.params = (const char *const *) params->pdata;
  ns.scratch = scratch;
  ns.trees = (const int *) (gpointer) trees->data;
  ns.points = (char *const *) points->pdata;
  ns.n_trees = ns.n_mkdir = trees->len;
  mfd = sv_scratch_ns_run (&ns, &err);
  if (mfd < 0)
    set_create_error (a.fsfd, err, "overlay: create (layers mounted first)", error);
  sv_close_fdp (&a.fsfd);
  return mfd;
}

/* The overlay from the detached layer trees as they are (Linux 6.15 and later). */
static int
mount_overlay_detached (const SvIdmappedOverlayMount *m, GError **error)
{
  sv_autofd fsfd = fsopen ("overlay", FSOPEN_CLOEXEC);
  int mfd;

  if (fsfd < 0)
    {
      sv_set_file_error_errno (error, errno, "overlay: fsopen");
      return -1;
    }
  for (guint i = 0; i < m->n_lower; i++)
    if (!set_layer (fsfd, "lowerdir+", m->lower[i], error))
      return -1;
  for (guint i = 0; i < m->n_data; i++)
    if (!set_layer (fsfd, "datadir+", m->data[i], error))
      return -1;
  if (m->upper >= 0
      && (!set_layer (fsfd, "upperdir", m->upper, error)
          || !set_layer (fsfd, "workdir", m->work, error)))
    return -1;
  if (!set_options (fsfd, m->options, error)
      || !create_as_creator (fsfd, m->creator_uid, m->creator_gid, error))
    return -1;
  mfd = fsmount (fsfd, FSMOUNT_CLOEXEC, 0);
  if (mfd < 0)
    sv_set_file_error_errno (error, errno, "overlay: fsmount");
  return mfd;
}

int
sv_idmapped_mount_overlay (const SvIdmappedOverlayMount *m, GError **error)
{
  g_autoptr (GError) detached = NULL;
  int mfd = mount_overlay_detached (m, &detached);

  if (mfd >= 0 || !g_error_matches (detached, G_FILE_ERROR, G_FILE_ERROR_INVAL))
    {
      if (mfd < 0)
        g_propagate_error (error, g_steal_pointer (&detached));
      return mfd;
    }
  g_debug ("%s; again with the layers mounted first", detached->message);
  return mount_overlay_in_child (m, error);
}
