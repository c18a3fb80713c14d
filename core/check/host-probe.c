/* host-probe.c: real tests of user namespaces, ID-mapped mounts and overlays over ID-mapped
 * layers (see host-probe.h).  The children forked here make raw system calls only. */
#include "host-probe.h"

#include "utils.h"
#include "sv-error.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

static void
reap (pid_t pid)
{
  while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
    ;
}

static gboolean
write_map (pid_t pid, const char *file, GError **error)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/%s", (int) pid, file);
  g_autofree char *map = g_strdup_printf ("0 %d 1", SV_PROBE_MAPPED_ID);

  if (!sv_write_existing_file (path, map, error))
    {
      g_prefix_error (error, "write the scratch user namespace's %s: ", file);
      return FALSE;
    }
  return TRUE;
}

int
sv_probe_scratch_userns (GError **error)
{
  int ready[2], hold[2];
  unsigned char err = 0;
  pid_t pid;
  int fd = -1;

  if (pipe2 (ready, O_CLOEXEC) < 0)
    {
      sv_set_error_errno (error, errno, "pipe");
      return -1;
    }
  if (pipe2 (hold, O_CLOEXEC) < 0)
    {
      sv_set_error_errno (error, errno, "pipe");
      close (ready[0]);
      close (ready[1]);
      return -1;
    }
  pid = fork ();
  if (pid == 0)
    {
      /* The child: a new user namespace, then wait until the parent has mapped and opened it. */
      unsigned char r = unshare (CLONE_NEWUSER) == 0 ? 0 : (unsigned char) errno;
      close (hold[1]); /* or the read below never sees the parent close it */
      if (write (ready[1], &r, 1) == 1)
        (void) !read (hold[0], &r, 1);
      _exit (0);
    }
  close (ready[1]);
  close (hold[0]);
  if (pid < 0)
    {
      sv_set_error_errno (error, errno, "fork");
      close (ready[0]);
      close (hold[1]);
      return -1;
    }
  if (sv_read_all (ready[0], &err, 1) != 1)
    err = EPIPE;
  close (ready[0]);
  if (err != 0)
    sv_set_error_errno (error, err, "create a user namespace (unshare CLONE_NEWUSER)");
  else if (write_map (pid, "uid_map", error) && write_map (pid, "gid_map", error))
    {
      g_autofree char *ns = g_strdup_printf ("/proc/%d/ns/user", (int) pid);
      fd = open (ns, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        sv_set_error_errno (error, errno, "open %s", ns);
    }
  close (hold[1]);
  reap (pid);
  return fd;
}

gboolean
sv_probe_idmap_mount (const char *dir, int userns_fd, GError **error)
{
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (guint64) userns_fd };
  sv_autofd tree = open_tree (AT_FDCWD, dir, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);

  if (tree < 0)
    {
      sv_set_error_errno (error, errno, "open_tree %s", dir);
      return FALSE;
    }
  if (mount_setattr (tree, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
    {
      sv_set_error_errno (error, errno, "mount_setattr MOUNT_ATTR_IDMAP on a clone of %s", dir);
      return FALSE;
    }
  return TRUE;
}

/* ---- the overlay probe ---- */

typedef enum
{
  STEP_UNSHARE = 1,
  STEP_PRIVATE,
  STEP_CHDIR,
  STEP_CLONE,
  STEP_IDMAP,
  STEP_ATTACH,
  STEP_MOUNT,
  STEP_STAT,
  STEP_OWNER,
} OverlayStep;

static const char *const step_names[] = {
  [STEP_UNSHARE] = "unshare CLONE_NEWNS",
  [STEP_PRIVATE] = "make the mounts private",
  [STEP_CHDIR] = "enter the probe directory",
  [STEP_CLONE] = "open_tree a layer",
  [STEP_IDMAP] = "ID-map a layer (mount_setattr MOUNT_ATTR_IDMAP)",
  [STEP_ATTACH] = "attach an ID-mapped layer (move_mount)",
  [STEP_MOUNT] = "mount an overlay over the ID-mapped layers",
  [STEP_STAT] = "stat a file through the overlay",
  [STEP_OWNER] = "see a root-owned file through the overlay as the mapped owner",
};

typedef struct
{
  int step; /* 0: success */
  int err;
  guint32 uid;
} OverlayResult;

static int
idmap_layer (const char *layer, int userns_fd)
{
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (guint64) userns_fd };
  int fd = open_tree (AT_FDCWD, layer, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);

  if (fd < 0)
    return STEP_CLONE;
  if (mount_setattr (fd, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
    return STEP_IDMAP;
  if (move_mount (fd, "", AT_FDCWD, layer, MOVE_MOUNT_F_EMPTY_PATH) < 0)
    return STEP_ATTACH;
  close (fd);
  return 0;
}

/* In the forked child: every path is relative to @dir, so no option string needs escaping. */
static OverlayResult
overlay_child (const char *dir, int userns_fd)
{
  OverlayResult r = { 0 };
  struct stat st;

  if (unshare (CLONE_NEWNS) < 0)
    r.step = STEP_UNSHARE;
  else if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    r.step = STEP_PRIVATE;
  else if (chdir (dir) < 0)
    r.step = STEP_CHDIR;
  else if ((r.step = idmap_layer ("l1", userns_fd)) == 0
           && (r.step = idmap_layer ("l2", userns_fd)) == 0)
    {
      if (mount ("overlay", "m", "overlay", MS_RDONLY, "lowerdir=l1:l2") < 0)
        r.step = STEP_MOUNT;
      else if (stat ("m/probe", &st) < 0)
        r.step = STEP_STAT;
      else if ((r.uid = st.st_uid) != SV_PROBE_MAPPED_ID)
        r.step = STEP_OWNER;
    }
  r.err = r.step != 0 ? errno : 0;
  return r;
}

static gboolean
make_layers (const char *dir, GError **error)
{
  static const char *const subdirs[] = { "l1", "l2", "m" };
  g_autofree char *file = g_build_filename (dir, "l1", "probe", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (subdirs); i++)
    {
      g_autofree char *d = g_build_filename (dir, subdirs[i], NULL);
      if (mkdir (d, 0700) < 0)
        {
          sv_set_error_errno (error, errno, "mkdir %s", d);
          return FALSE;
        }
    }
  return g_file_set_contents (file, "", 0, error);
}

static void
remove_layers (const char *dir)
{
  static const char *const paths[] = { "l1/probe", "l1", "l2", "m", "" };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autofree char *p = g_build_filename (dir, paths[i], NULL);
      if (g_remove (p) < 0 && errno != ENOENT)
        g_debug ("probe: cannot remove %s: %s", p, sv_strerror (errno));
    }
}

static gboolean
run_overlay_child (const char *dir, int userns_fd, GError **error)
{
  OverlayResult r = { .step = -1 };
  sv_autofd rd = -1;
  int p[2];
  pid_t pid;

  if (pipe2 (p, O_CLOEXEC) < 0)
    {
      sv_set_error_errno (error, errno, "pipe");
      return FALSE;
    }
  pid = fork ();
  if (pid == 0)
    {
      r = overlay_child (dir, userns_fd);
      _exit (write (p[1], &r, sizeof r) == sizeof r ? 0 : 1);
    }
  rd = p[0];
  close (p[1]);
  if (pid < 0)
    {
      sv_set_error_errno (error, errno, "fork");
      return FALSE;
    }
  if (sv_read_all (rd, &r, sizeof r) != sizeof r)
    r = (OverlayResult){ .step = STEP_UNSHARE, .err = EPIPE };
  reap (pid);
  if (r.step == 0)
    return TRUE;
  if (r.step == STEP_OWNER)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                 "%s: a file owned by 0 shows as owned by %u, not %u", step_names[r.step], r.uid,
                 SV_PROBE_MAPPED_ID);
  else
    sv_set_error_errno (error, r.err, "%s", step_names[r.step]);
  return FALSE;
}

gboolean
sv_probe_idmapped_overlay (const char *dir, int userns_fd, GError **error)
{
  g_autofree char *tmp = g_build_filename (dir, ".check-overlay-XXXXXX", NULL);
  gboolean ok;

  if (g_mkdtemp_full (tmp, 0700) == NULL)
    {
      sv_set_error_errno (error, errno, "make a probe directory in %s", dir);
      return FALSE;
    }
  ok = make_layers (tmp, error) && run_overlay_child (tmp, userns_fd, error);
  remove_layers (tmp);
  return ok;
}
