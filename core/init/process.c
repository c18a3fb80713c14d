/* process.c: the container process's identity (user, groups, capabilities, no_new_privs) and
 * its execve.  Runs in the container's init (or an exec'd process) after the mounts. */
#include "process.h"

#include "names.h"
#include "utils.h"
#include "sv-error.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <limits.h>
#include <linux/close_range.h>
#include <linux/keyctl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static int
compare_ints (gconstpointer a, gconstpointer b)
{
  return *(const int *) a - *(const int *) b;
}

void
sv_close_fds_except (guint preserve_fds, const int *keep, guint n_keep)
{
  int sorted[32];
  guint n = 0;
  unsigned int next = 3 + preserve_fds;

  for (guint i = 0; i < n_keep && n < G_N_ELEMENTS (sorted); i++)
    if (keep[i] >= (int) next)
      sorted[n++] = keep[i];
  qsort (sorted, n, sizeof (int), compare_ints);
  for (guint i = 0; i < n; i++)
    {
      if ((unsigned int) sorted[i] > next)
        syscall (SYS_close_range, next, (unsigned int) sorted[i] - 1, 0);
      next = MAX (next, (unsigned int) sorted[i] + 1);
    }
  syscall (SYS_close_range, next, ~0U, 0);
}

static gboolean
drop_bounding (guint64 keep, GError **error)
{
  int last = sv_cap_last_cap ();

  for (int cap = 0; cap <= last; cap++)
    {
      if (keep & (G_GUINT64_CONSTANT (1) << cap))
        continue;
      if (prctl (PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
        {
          sv_set_error_errno (error, errno, "drop %s from the bounding set", sv_cap_name (cap));
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
set_cap_sets (SvProcess *p, GError **error)
{
  struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct data[2];

  for (int i = 0; i < 2; i++)
    {
      data[i].effective = (guint32) (p->caps[SV_CAP_EFFECTIVE] >> (32 * i));
      data[i].permitted = (guint32) (p->caps[SV_CAP_PERMITTED] >> (32 * i));
      data[i].inheritable = (guint32) (p->caps[SV_CAP_INHERITABLE] >> (32 * i));
    }
  if (syscall (SYS_capset, &hdr, data) < 0)
    {
      sv_set_error_errno (error, errno, "set capabilities (process.capabilities)");
      return FALSE;
    }
  /* The kernel takes an ambient capability only if it is permitted and inheritable; like
   * runc, skip the others (runc's own default spec lists ambient without inheritable). */
  for (int cap = 0; cap <= sv_cap_last_cap (); cap++)
    if ((p->caps[SV_CAP_AMBIENT] & (G_GUINT64_CONSTANT (1) << cap))
        && prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
      g_debug ("ambient %s not raised: %s", sv_cap_name (cap), sv_strerror (errno));
  return TRUE;
}

/* As runc: the supplementary groups are process.user.additionalGids, exactly (the primary
 * gid is not added: `user.gid 1000` alone gives no supplementary group). */
static gboolean
set_ids (SvProcess *p, GError **error)
{
  g_autoptr (GArray) gids = g_array_new (FALSE, FALSE, sizeof (gid_t));

  for (guint i = 0; i < p->additional_gids->len; i++)
    g_array_append_val (gids, g_array_index (p->additional_gids, guint32, i));
  if (setgroups (gids->len, (const gid_t *) (gpointer) gids->data) < 0)
    {
      sv_set_error_errno (error, errno, "setgroups (process.user.additionalGids)");
      return FALSE;
    }
  if (setresgid (p->gid, p->gid, p->gid) < 0)
    {
      sv_set_error_errno (error, errno, "setgid %u (process.user.gid; is it mapped?)", p->gid);
      return FALSE;
    }
  if (setresuid (p->uid, p->uid, p->uid) < 0)
    {
      sv_set_error_errno (error, errno, "setuid %u (process.user.uid; is it mapped?)", p->uid);
      return FALSE;
    }
  return TRUE;
}

/* As runc: the process's stdio (its pty, or pipes) is chowned to its uid, the group kept, so
 * that a non-root user can use its terminal; /dev/null, and what the user namespace cannot
 * chown (a host pipe: EPERM, an unmapped gid: EINVAL, a read-only /dev: EROFS), are left. */
static gboolean
fix_stdio_owner (guint32 uid, GError **error)
{
  struct stat null, st;

  if (stat ("/dev/null", &null) < 0)
    null.st_rdev = (dev_t) -1;
  for (int fd = 0; fd < 3; fd++)
    {
      if (fstat (fd, &st) < 0 || st.st_uid == uid
          || (S_ISCHR (st.st_mode) && st.st_rdev == null.st_rdev))
        continue;
      if (fchown (fd, uid, st.st_gid) < 0 && errno != EINVAL && errno != EPERM && errno != EROFS)
        {
          sv_set_error_errno (error, errno, "chown stdio fd %d to uid %u", fd, uid);
          return FALSE;
        }
    }
  return TRUE;
}

/* A session keyring of the container's own, joined as container root: without it the process
 * keeps the session keyring of whoever ran the runtime (a systemd unit's, a login's), and
 * root inside could read, search and add keys of the host's (runc joins one too).  ENOSYS: a
 * kernel without keys has nothing to inherit. */
gboolean
sv_process_join_session_keyring (GError **error)
{
  if (syscall (SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 && errno != ENOSYS)
    {
      sv_set_error_errno (error, errno,
                          "join a new session keyring for the container (keyctl; EDQUOT: the "
                          "container's uid holds too many keys, see /proc/sys/kernel/keys)");
      return FALSE;
    }
  return TRUE;
}

gboolean
sv_process_set_user_caps (SvProcess *p, GError **error)
{
  if (!fix_stdio_owner (p->uid, error))
    return FALSE;
  if (p->has_caps && !drop_bounding (p->caps[SV_CAP_BOUNDING], error))
    return FALSE;
  if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    {
      sv_set_error_errno (error, errno, "prctl(PR_SET_KEEPCAPS)");
      return FALSE;
    }
  if (!set_ids (p, error))
    return FALSE;
  prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0);
  if (p->has_caps && !set_cap_sets (p, error))
    return FALSE;
  if (p->has_umask)
    umask (p->umask);
  if (p->no_new_privileges && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    {
      sv_set_error_errno (error, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
      return FALSE;
    }
  return TRUE;
}

static const char *
env_lookup (char **envp, const char *name)
{
  gsize len = strlen (name);

  for (guint i = 0; envp != NULL && envp[i] != NULL; i++)
    if (strncmp (envp[i], name, len) == 0 && envp[i][len] == '=')
      return envp[i] + len + 1;
  return NULL;
}

static gboolean
is_executable (const char *path)
{
  struct stat st;

  return stat (path, &st) == 0 && S_ISREG (st.st_mode) && access (path, X_OK) == 0;
}

char *
sv_process_find_exec (SvProcess *p, char **envp, GError **error)
{
  const char *cmd = p->args[0];
  const char *path_env = env_lookup (envp, "PATH");
  g_auto (GStrv) dirs = NULL;

  if (strchr (cmd, '/') != NULL)
    {
      if (is_executable (cmd))
        return g_strdup (cmd);
      sv_set_error_errno (error, access (cmd, F_OK) < 0 ? errno : EACCES,
                          "exec: \"%s\" (process.args[0])", cmd);
      return NULL;
    }
  dirs = g_strsplit (path_env != NULL
                         ? path_env
                         : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                     ":", -1);
  for (guint i = 0; dirs[i] != NULL; i++)
    {
      g_autofree char *candidate = g_build_filename (dirs[i][0] ? dirs[i] : ".", cmd, NULL);
      if (is_executable (candidate))
        return g_steal_pointer (&candidate);
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
               "exec: \"%s\": executable file not found in $PATH (process.args[0]); give an "
               "absolute path or fix process.env PATH",
               cmd);
  return NULL;
}

static void
reset_signals (void)
{
  sigset_t all;

  for (int s = 1; s < NSIG; s++)
    signal (s, SIG_DFL);
  sigemptyset (&all);
  sigprocmask (SIG_SETMASK, &all, NULL);
}

/* The home directory of @uid in the container's /etc/passwd, or "/" (runc's default). */
static char *
passwd_home (guint32 uid)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;

  if (!g_file_get_contents ("/etc/passwd", &text, NULL, NULL))
    return g_strdup ("/");
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], ":", 7);
      guint64 id;

      if (g_strv_length (f) >= 6
          && g_ascii_string_to_unsigned (f[2], 10, 0, G_MAXUINT32, &id, NULL) && id == uid
          && f[5][0] != '\0')
        return g_strdup (f[5]);
    }
  return g_strdup ("/");
}

/* As runc: without a (non-empty) HOME in process.env, the user's home from the container's
 * /etc/passwd.  NULL when @envp has one already. */
static char **
env_with_home (char **envp, guint32 uid)
{
  const char *home = env_lookup (envp, "HOME");
  g_autofree char *dir = NULL;
  GPtrArray *env;

  if (home != NULL && home[0] != '\0')
    return NULL;
  dir = passwd_home (uid);
  env = g_ptr_array_new ();
  for (guint i = 0; envp != NULL && envp[i] != NULL; i++)
    if (!g_str_has_prefix (envp[i], "HOME="))
      g_ptr_array_add (env, g_strdup (envp[i]));
  g_ptr_array_add (env, g_strconcat ("HOME=", dir, NULL));
  g_ptr_array_add (env, NULL);
  return (char **) g_ptr_array_free (env, FALSE);
}

/* The directory we are in must be the one the container's root names. */
static gboolean
check_cwd_inside (SvProcess *p, GError **error)
{
  char buf[PATH_MAX];
  struct statx here, there;

  /* Outside the root, getcwd fails (ENOENT); a directory reached through another mount of
   * the rootfs (the runtime's fd of it) has the root's path but not its mount. */
  if (getcwd (buf, sizeof buf) == NULL || buf[0] != '/'
      || statx (AT_FDCWD, ".", 0, STATX_INO | STATX_MNT_ID, &here) < 0
      || statx (AT_FDCWD, buf, 0, STATX_INO | STATX_MNT_ID, &there) < 0
      || here.stx_ino != there.stx_ino || here.stx_dev_major != there.stx_dev_major
      || here.stx_dev_minor != there.stx_dev_minor
      || ((here.stx_mask & there.stx_mask & STATX_MNT_ID) && here.stx_mnt_id != there.stx_mnt_id))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   "process.cwd %s is outside the container's root filesystem; use a "
                   "directory inside it",
                   p->cwd);
      return FALSE;
    }
  return TRUE;
}

gboolean
sv_process_chdir_privileged (SvProcess *p, gboolean *done, GError **error)
{
  *done = FALSE;
  if (chdir (p->cwd) < 0)
    {
      if (errno == EACCES || errno == EPERM)
        return TRUE;
      sv_set_error_errno (error, errno, "process.cwd %s", p->cwd);
      return FALSE;
    }
  *done = TRUE;
  return check_cwd_inside (p, error);
}

gboolean
sv_process_chdir (SvProcess *p, GError **error)
{
  if (chdir (p->cwd) < 0)
    {
      sv_set_error_errno (error, errno, "process.cwd %s (as uid %u)", p->cwd, p->uid);
      return FALSE;
    }
  return check_cwd_inside (p, error);
}

void
sv_process_exec (SvInitConfig *cfg, const char *path)
{
  char **with_home = env_with_home (cfg->envp, cfg->process->uid);
  int err;
  char msg[512];

  reset_signals ();
  /* The fds that pass reach the process whatever their close-on-exec flag (as runc's). */
  for (int fd = 3; fd < 3 + (int) cfg->preserve_fds; fd++)
    fcntl (fd, F_SETFD, 0);
  /* Before the filter, which may not allow close_range. */
  syscall (SYS_close_range, 3 + cfg->preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC);
  /* (without no_new_privs the init loaded it already, while it still had CAP_SYS_ADMIN) */
  if (cfg->seccomp != NULL && (err = sv_seccomp_load (cfg->seccomp)) < 0)
    {
      int n = snprintf (msg, sizeof msg, "sysvisor-runc: load seccomp filter: %s\n",
                        sv_strerror (-err));
      sv_write_all (STDERR_FILENO, msg, (gsize) MAX (n, 0));
      _exit (127);
    }
  execve (path, cfg->process->args, with_home != NULL ? with_home : cfg->envp);
  err = errno;
  {
    int n = snprintf (msg, sizeof msg, "sysvisor-runc: exec %s: %s\n", path, sv_strerror (err));
    sv_write_all (STDERR_FILENO, msg, (gsize) MAX (n, 0));
  }
  _exit (err == ENOENT ? 127 : 126);
}
