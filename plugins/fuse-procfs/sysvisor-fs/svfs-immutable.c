/* sysvisor-fs: immutable initial mounts.
 *
 * Root inside a system container holds CAP_SYS_ADMIN in its user namespace, and the kernel
 * does not lock the mounts the runtime made there (they were made inside that namespace):
 * without this, `umount /proc/meminfo` shows the host's file again.  When the supervisor takes
 * a container's first listener (its init, before the user's program runs), it records the
 * init's mount table: those are the runtime's mounts.  A mount is one of them when its
 * superblock, its root in that filesystem and its mount point are those of a recorded one
 * (copies of it in nested mount namespaces count too); when the caller's root is not the
 * container's root mount (a chroot, an inner container), superblock and root alone.  Then:
 *  - umount2 of one: EPERM;
 *  - mount(MS_MOVE) of one: EPERM; any mount (new, bind, move) onto one in /proc or /sys:
 *    EPERM (elsewhere it only covers it: systemd mounts over /dev/shm in a private namespace);
 *  - a remount (bind or not) of one that lifts ro, nosuid, nodev or noexec: EPERM; any other
 *    remount of one changes that mount's flags only (never its superblock): a remount that
 *    changes nothing succeeds and changes nothing, a stricter one (systemd's ProtectSystem=)
 *    succeeds;
 *  - a bind (without MS_REC) of a procfs or sysfs directory with runtime mounts under it:
 *    EPERM (it would show the host's files that those mounts cover).
 * The container's root mount ("/") is not protected: runtimes inside pivot_root and detach
 * their old root, and nothing of the host's lies under it.  Everything else is the
 * container's own.
 *
 * Checks and actions work on fds, so that no path can be swapped between them: a child of
 * the daemon (sharing nothing of its threads' state: no GLib allocation there) joins the
 * caller's user and mount
 * namespaces, root and working directory, resolves each path once into an fd, checks the mount
 * of that fd and acts on the fd (move_mount, mount_setattr, open_tree, a remount through
 * /proc/<child>/fd/N); an unmount goes through the fd of the mount point's parent directory and
 * a name that is not followed if it is a symlink.  Only a new mount (not onto a runtime mount)
 * runs as the kernel would (CONTINUE): making it here would make it in the daemon's pid and
 * network namespaces.  Residual races (README): that CONTINUE, and a mount point renamed from
 * another mount namespace of the container during an unmount. */
#include "svfs-procmount.h"
#include "svfs-util.h"
#include "svfs-supervisor.h"
#include "sv-error.h"
#include "sv-mountinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <limits.h>
#include <linux/mount.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* The child's exit status for "no check needed: let the kernel run the call". */
#define CHILD_CONTINUE 255
#define FLAGS_GUARDED (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)

/* ---- mount tables ---- */

typedef struct
{
  guint64 id, parent;
  gchar *dev, *root, *mountpoint, *options, *fstype;
} MountEntry;

static void
mount_entry_free (gpointer p)
{
  MountEntry *e = p;

  g_free (e->dev);
  g_free (e->root);
  g_free (e->mountpoint);
  g_free (e->options);
  g_free (e->fstype);
  g_free (e);
}

/* One line of mountinfo, split in place (@line is changed): a create's hand-over waits for
 * this parse of every mount of the container. */
static MountEntry *
parse_line (char *line)
{
  char *f[32];
  guint n = 0, sep = 6;
  MountEntry *e;

  for (char *p = line; p != NULL && n < G_N_ELEMENTS (f);)
    {
      f[n++] = p;
      if ((p = strchr (p, ' ')) != NULL)
        *p++ = '\0';
    }
  while (sep < n && strcmp (f[sep], "-") != 0)
    sep++;
  if (n < 7 || sep + 1 >= n)
    return NULL;
  e = g_new0 (MountEntry, 1);
  e->id = g_ascii_strtoull (f[0], NULL, 10);
  e->parent = g_ascii_strtoull (f[1], NULL, 10);
  e->dev = g_strdup (f[2]);
  e->root = sv_mountinfo_unescape (f[3]);
  e->mountpoint = sv_mountinfo_unescape (f[4]);
  e->options = g_strdup (f[5]);
  e->fstype = g_strdup (f[sep + 1]);
  return e;
}

/* @pid's mount table, paths as seen from its root; NULL if unreadable. */
static GPtrArray *
read_mounts (pid_t pid)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/%d/mountinfo", (int) pid);
  g_autofree gchar *text = svfs_read_file (path, NULL, NULL);
  GPtrArray *a;
  char *next;

  if (text == NULL)
    return NULL;
  a = g_ptr_array_new_with_free_func (mount_entry_free);
  for (char *line = text; line != NULL && *line != '\0'; line = next)
    {
      MountEntry *e;

      if ((next = strchr (line, '\n')) != NULL)
        *next++ = '\0';
      if ((e = parse_line (line)) != NULL)
        g_ptr_array_add (a, e);
    }
  return a;
}

/* ---- the runtime's mounts of each container ---- */

typedef struct
{
  gint refs;
  gchar *id;
  gboolean on;
  pid_t init_pid; /* the init whose mounts these are: a new init of the same ID re-records */
  int init_pidfd;
  GPtrArray *mounts; /* MountEntry */
} Record;

/* The tables and the records' refs are shared by the supervisor's thread (listeners come and
 * go) and its workers (answers): all under tables_lock, never held across a child's run (an
 * answer holds a ref to its record instead).  Recursive: the public calls nest. */
static GRecMutex tables_lock;
static GHashTable *by_listener;  /* fd -> Record */
static GHashTable *by_container; /* id -> Record (not owned) */

static void
record_unref (gpointer p)
{
  Record *r = p;

  if (--r->refs > 0)
    return;
  if (g_hash_table_lookup (by_container, r->id) == r)
    g_hash_table_remove (by_container, r->id);
  if (r->init_pidfd >= 0)
    close (r->init_pidfd);
  g_clear_pointer (&r->mounts, g_ptr_array_unref);
  g_free (r->id);
  g_free (r);
}

/* A pidfd polls readable once its process has exited. */
static gboolean
init_alive (const Record *r)
{
  struct pollfd p = { .fd = r->init_pidfd, .events = POLLIN };

  return r->init_pidfd >= 0 && poll (&p, 1, 0) == 0;
}

static Record *
record_new (pid_t pid, const char *id, char **options)
{
  Record *r = g_new0 (Record, 1);

  r->id = g_strdup (id);
  r->on = TRUE;
  for (guint i = 0; options[i] != NULL; i++)
    if (g_str_equal (options[i], "immutable=no"))
      r->on = FALSE;
  r->init_pid = pid;
  r->init_pidfd = (int) syscall (SYS_pidfd_open, pid, 0);
  r->mounts = read_mounts (pid);
  if (r->mounts == NULL)
    {
      g_warning ("container %s: cannot read the mounts of its init (pid %d): its mounts are "
                 "not kept immutable",
                 id, (int) pid);
      r->on = FALSE;
    }
  return r;
}

static void
tables_init (void)
{
  if (by_listener != NULL)
    return;
  by_listener = g_hash_table_new_full (NULL, NULL, NULL, record_unref);
  by_container = g_hash_table_new (g_str_hash, g_str_equal);
}

static void persist_record (int listener, const Record *r);
static void drop_record_file (int listener);

void
svfs_immutable_adopt (int listener, const char *what)
{
  g_auto (GStrv) w = g_strsplit (what, " ", -1);
  gint64 pid;
  Record *r;

  if (g_strv_length (w) < 2 || !g_ascii_string_to_signed (w[0], 10, 1, G_MAXINT, &pid, NULL))
    return;
  g_rec_mutex_lock (&tables_lock);
  tables_init ();
  r = g_hash_table_lookup (by_container, w[1]);
  if (r == NULL || !init_alive (r))
    {
      r = record_new ((pid_t) pid, w[1], w + 2);
      g_hash_table_replace (by_container, r->id, r);
      g_debug ("container %s: %u mounts of the runtime's kept%s", r->id,
               r->mounts != NULL ? r->mounts->len : 0, r->on ? "" : " (off)");
    }
  r->refs++;
  g_hash_table_replace (by_listener, GINT_TO_POINTER (listener), r);
  persist_record (listener, r);
  g_rec_mutex_unlock (&tables_lock);
}

void
svfs_immutable_forget (int listener)
{
  g_rec_mutex_lock (&tables_lock);
  if (by_listener != NULL)
    g_hash_table_remove (by_listener, GINT_TO_POINTER (listener));
  drop_record_file (listener);
  g_rec_mutex_unlock (&tables_lock);
}

/* ---- across a restart in place: "L FD ON PID ID" lines, each followed by its "M DEV ROOT
 * MOUNTPOINT" lines (mountinfo's escapes), in a memfd the new process reads ---- */

static void
append_escaped (GString *s, const char *text)
{
  g_string_append_c (s, ' ');
  for (const char *p = text; *p != '\0'; p++)
    if (*p == ' ' || *p == '\n' || *p == '\\' || *p == '\t')
      g_string_append_printf (s, "\\%03o", (unsigned char) *p);
    else
      g_string_append_c (s, *p);
}

static void
render_record (GString *s, int key, const Record *r)
{
  g_string_append_printf (s, "L %d %d %d", key, r->on, (int) r->init_pid);
  append_escaped (s, r->id);
  g_string_append_c (s, '\n');
  for (guint i = 0; r->mounts != NULL && i < r->mounts->len; i++)
    {
      MountEntry *e = g_ptr_array_index (r->mounts, i);
      g_string_append (s, "M");
      append_escaped (s, e->dev);
      append_escaped (s, e->root);
      append_escaped (s, e->mountpoint);
      g_string_append_c (s, '\n');
    }
}

static GString *
render_records (void)
{
  GString *s = g_string_new (NULL);
  GHashTableIter it;
  gpointer key, value;

  if (by_listener == NULL)
    return s;
  g_hash_table_iter_init (&it, by_listener);
  while (g_hash_table_iter_next (&it, &key, &value))
    render_record (s, GPOINTER_TO_INT (key), value);
  return s;
}

int
svfs_immutable_save (void)
{
  static int saved = -1;
  g_autoptr (GString) s = NULL;

  if (saved >= 0)
    close (saved); /* the last restart's, which did not happen */
  saved = -1;
  g_rec_mutex_lock (&tables_lock);
  if (by_listener != NULL && g_hash_table_size (by_listener) > 0)
    s = render_records ();
  g_rec_mutex_unlock (&tables_lock);
  if (s == NULL)
    return -1;
  saved = memfd_create ("svfs-immutable", 0);
  if (saved >= 0 && write (saved, s->str, s->len) != (ssize_t) s->len)
    {
      close (saved);
      saved = -1;
    }
  return saved;
}

static Record *
load_record (char **f)
{
  Record *r = g_new0 (Record, 1);

  r->id = sv_mountinfo_unescape (f[4]);
  r->on = g_str_equal (f[2], "1");
  r->init_pid = (pid_t) g_ascii_strtoll (f[3], NULL, 10);
  r->init_pidfd = (int) syscall (SYS_pidfd_open, r->init_pid, 0);
  r->mounts = g_ptr_array_new_with_free_func (mount_entry_free);
  return r;
}

/* The records in @text; with @only_key >= 0, only the listener saved as @only_key, kept for
 * @new_key (a listener taken back from the keeper has another fd number). */
static void
load_text (const char *text, int only_key, int new_key)
{
  g_auto (GStrv) lines = g_strsplit (text != NULL ? text : "", "\n", -1);
  Record *r = NULL;

  tables_init ();
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], " ", -1);
      guint n = g_strv_length (f);
      if (n == 5 && g_str_equal (f[0], "L"))
        {
          if (only_key >= 0 && atoi (f[1]) != only_key)
            {
              r = NULL;
              continue;
            }
          r = load_record (f);
          g_hash_table_replace (by_listener,
                                GINT_TO_POINTER (only_key >= 0 ? new_key : atoi (f[1])), r);
          r->refs = 1;
          if (g_hash_table_lookup (by_container, r->id) == NULL)
            g_hash_table_insert (by_container, r->id, r);
        }
      else if (n == 4 && g_str_equal (f[0], "M") && r != NULL)
        {
          MountEntry *e = g_new0 (MountEntry, 1);
          e->dev = sv_mountinfo_unescape (f[1]);
          e->root = sv_mountinfo_unescape (f[2]);
          e->mountpoint = sv_mountinfo_unescape (f[3]);
          g_ptr_array_add (r->mounts, e);
        }
    }
}

void
svfs_immutable_load (int fd)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/self/fd/%d", fd);
  g_autofree gchar *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    g_warning ("immutable mounts: cannot read the records of the last process");
  close (fd);
  g_rec_mutex_lock (&tables_lock);
  load_text (text, -1, -1);
  svfs_immutable_persist ();
  g_rec_mutex_unlock (&tables_lock);
}

/* ---- for a daemon started after a kill: the records in root-only files beside the keeper's
 * socket, one per listener (<keeper>.immutable.d/<fd>), written when its listener comes and
 * removed when it goes: O(1) per container (one file of all of them, rewritten on every
 * change, was 550 kB with 200 containers, written before each hand-over was answered) ----
 *
 * Replaced whole through a rename (a reader sees the old record or the new one), never
 * synced: only a restart of this boot reads them (a power loss ends every container they
 * describe).  The single file of older daemons (<keeper>.immutable) is still read. */

static gchar *state_file; /* the older daemons' single file */
static gchar *records_dir;

void
svfs_immutable_set_state_file (const char *path)
{
  g_free (state_file);
  g_free (records_dir);
  state_file = g_strdup (path);
  records_dir = g_strconcat (path, ".d", NULL);
}

static gchar *
record_path (int listener)
{
  return g_strdup_printf ("%s/%d", records_dir, listener);
}

/* Under tables_lock. */
static void
persist_record (int listener, const Record *r)
{
  g_autoptr (GString) s = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = NULL;

  if (records_dir == NULL)
    return;
  if (mkdir (records_dir, 0700) < 0 && errno != EEXIST)
    {
      g_warning ("immutable mounts: keep the records for a restart: create %s: %s", records_dir,
                 sv_strerror (errno));
      return;
    }
  path = record_path (listener);
  render_record (s, listener, r);
  if (!svfs_write_replace (path, s->str, s->len, &error))
    g_warning ("immutable mounts: keep the records for a restart: %s", error->message);
}

static void
drop_record_file (int listener)
{
  g_autofree gchar *path = NULL;

  if (records_dir == NULL)
    return;
  path = record_path (listener);
  if (unlink (path) < 0 && errno != ENOENT)
    g_debug ("immutable mounts: remove %s: %s", path, sv_strerror (errno));
}

/* Every record, under the current fd numbers, and no file of a listener gone (after a restart
 * in place or listeners taken back from the keeper, which renumber them). */
void
svfs_immutable_persist (void)
{
  g_autoptr (GDir) d = NULL;
  GHashTableIter it;
  gpointer key, value;
  const char *name;

  g_rec_mutex_lock (&tables_lock);
  if (records_dir != NULL && (d = g_dir_open (records_dir, 0, NULL)) != NULL)
    while ((name = g_dir_read_name (d)) != NULL)
      {
        gint64 n;
        if (g_ascii_string_to_signed (name, 10, 0, G_MAXINT, &n, NULL)
            && (by_listener == NULL
                || !g_hash_table_contains (by_listener, GINT_TO_POINTER ((int) n))))
          drop_record_file ((int) n);
      }
  if (by_listener != NULL)
    {
      g_hash_table_iter_init (&it, by_listener);
      while (g_hash_table_iter_next (&it, &key, &value))
        persist_record (GPOINTER_TO_INT (key), value);
    }
  if (state_file != NULL)
    unlink (state_file);
  g_rec_mutex_unlock (&tables_lock);
}

void
svfs_immutable_adopt_kept (int listener, int saved_key)
{
  g_autofree gchar *path = records_dir != NULL ? record_path (saved_key) : NULL;
  g_autofree gchar *text = NULL;

  if ((path == NULL || !g_file_get_contents (path, &text, NULL, NULL))
      && (state_file == NULL || !g_file_get_contents (state_file, &text, NULL, NULL)))
    {
      g_warning ("immutable mounts: no records for a listener taken back from the keeper "
                 "(fd %d): its container's mounts are unchecked until it restarts",
                 listener);
      return;
    }
  g_rec_mutex_lock (&tables_lock);
  load_text (text, saved_key, listener);
  g_rec_mutex_unlock (&tables_lock);
}

/* ---- what the child decides (no allocation here: it runs after fork) ---- */

typedef enum
{
  OP_UMOUNT,
  OP_BIND_REMOUNT,
  OP_REMOUNT,
  OP_BIND,
  OP_MOVE,
  OP_NEW,
} Op;

typedef struct
{
  Op op;
  guint64 flags;
  gchar *target, *source, *data;
  int target_fd, source_fd;    /* the caller's own fds, for "/proc/self/fd/N" paths; else -1 */
  const SvfsCallerCtx *caller; /* its pidfd, root and cwd, while it is run for */
  const Record *record;
  GPtrArray *mounts; /* the caller's mount table */
  gboolean framed;   /* child: the caller's root is the container's root mount */
  int self;          /* child: /proc/<child> on the host's procfs */
} Job;

/* Whether @e is one of the runtime's mounts: same superblock and root, and same mount point
 * when the caller's root is the container's root (framed); from another root (chroot, an
 * inner container after pivot_root) mount points do not compare, and superblock and root
 * decide alone.  @protected_only: not the container's root mount. */
static gboolean
is_view (const char *mountpoint)
{
  return strcmp (mountpoint, "/proc") == 0 || strcmp (mountpoint, "/sys") == 0
         || strncmp (mountpoint, "/proc/", 6) == 0 || strncmp (mountpoint, "/sys/", 5) == 0;
}

/* @protected_only: not the container's root mount; @views_only: and in /proc or /sys. */
static gboolean
matches (const Job *j, const MountEntry *e, gboolean protected_only, gboolean views_only)
{
  for (guint i = 0; e != NULL && i < j->record->mounts->len; i++)
    {
      const MountEntry *m = g_ptr_array_index (j->record->mounts, i);
      if (strcmp (m->dev, e->dev) == 0 && strcmp (m->root, e->root) == 0
          && (!j->framed || strcmp (m->mountpoint, e->mountpoint) == 0)
          && !(protected_only && strcmp (m->mountpoint, "/") == 0)
          && !(views_only && !is_view (m->mountpoint)))
        return TRUE;
    }
  return FALSE;
}

static gboolean
is_initial (const Job *j, const MountEntry *e)
{
  return matches (j, e, FALSE, FALSE);
}

static gboolean
is_protected (const Job *j, const MountEntry *e)
{
  return matches (j, e, TRUE, FALSE);
}

/* Mounting over a runtime mount is refused where it would change the container's view of
 * /proc and /sys; elsewhere it only covers it (systemd mounts over /dev/shm in a private
 * namespace to build its credentials). */
static gboolean
is_view_protected (const Job *j, const MountEntry *e)
{
  return matches (j, e, TRUE, TRUE);
}

static const MountEntry *
entry_by_id (const Job *j, guint64 id)
{
  for (guint i = 0; i < j->mounts->len; i++)
    if (((MountEntry *) g_ptr_array_index (j->mounts, i))->id == id)
      return g_ptr_array_index (j->mounts, i);
  return NULL;
}

static int
resolve (const char *path, int caller_fd, gboolean follow)
{
  if (caller_fd >= 0)
    return caller_fd;
  return open (path, O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
}

/* @fd's path from the caller's root into @buf (PATH_MAX), and the entry of its mount. */
static const MountEntry *
locate (const Job *j, int fd, char *buf)
{
  char name[32];
  struct statx stx;
  ssize_t n;

  snprintf (name, sizeof name, "fd/%d", fd);
  n = readlinkat (j->self, name, buf, PATH_MAX - 1);
  if (n < 0 || statx (fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) < 0
      || !(stx.stx_mask & STATX_MNT_ID))
    return NULL;
  buf[n] = '\0';
  return entry_by_id (j, stx.stx_mnt_id);
}

/* The mount an unmount of @fd's location (@path) would take, or a mount over it would cover:
 * the topmost one stacked there.  NULL when none is mounted at @path. */
static const MountEntry *
top_at (const Job *j, const MountEntry *e, const char *path)
{
  const MountEntry *cur = e != NULL && strcmp (e->mountpoint, path) == 0 ? e : NULL;
  guint64 under = e != NULL ? e->id : 0;

  for (gboolean found = e != NULL; found;)
    {
      found = FALSE;
      for (guint i = 0; i < j->mounts->len; i++)
        {
          const MountEntry *m = g_ptr_array_index (j->mounts, i);
          if (m->parent == (cur != NULL ? cur->id : under) && m != cur
              && strcmp (m->mountpoint, path) == 0)
            {
              cur = m;
              found = TRUE;
              break;
            }
        }
    }
  return cur;
}

static gboolean
has_option (const char *options, const char *opt)
{
  gsize n = strlen (opt);

  for (const char *p = options; p != NULL; p = strchr (p, ','), p = p != NULL ? p + 1 : NULL)
    if (strncmp (p, opt, n) == 0 && (p[n] == ',' || p[n] == '\0'))
      return TRUE;
  return FALSE;
}

/* Whether remounting @e with @flags would clear one of its ro, nosuid, nodev, noexec. */
static gboolean
lifts (const MountEntry *e, guint64 flags)
{
  guint64 cur = (has_option (e->options, "ro") ? MS_RDONLY : 0)
                | (has_option (e->options, "nosuid") ? MS_NOSUID : 0)
                | (has_option (e->options, "nodev") ? MS_NODEV : 0)
                | (has_option (e->options, "noexec") ? MS_NOEXEC : 0);

  return (cur & ~flags & FLAGS_GUARDED) != 0;
}

/* A bind remount as the kernel makes it (atime kept when none is asked for), on an fd. */
static int
set_mount_flags (int fd, guint64 flags)
{
  struct mount_attr a = { .attr_clr = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV
                                      | MOUNT_ATTR_NOEXEC };

  a.attr_set = ((flags & MS_RDONLY) ? MOUNT_ATTR_RDONLY : 0)
               | ((flags & MS_NOSUID) ? MOUNT_ATTR_NOSUID : 0)
               | ((flags & MS_NODEV) ? MOUNT_ATTR_NODEV : 0)
               | ((flags & MS_NOEXEC) ? MOUNT_ATTR_NOEXEC : 0);
  if (flags & (MS_NOATIME | MS_RELATIME | MS_STRICTATIME | MS_NODIRATIME))
    {
      a.attr_clr |= MOUNT_ATTR__ATIME | MOUNT_ATTR_NODIRATIME;
      a.attr_set |= (flags & MS_NOATIME)       ? MOUNT_ATTR_NOATIME
                    : (flags & MS_STRICTATIME) ? MOUNT_ATTR_STRICTATIME
                                               : MOUNT_ATTR_RELATIME;
      a.attr_set |= (flags & MS_NODIRATIME) ? MOUNT_ATTR_NODIRATIME : 0;
    }
  return syscall (SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &a, sizeof a) < 0 ? errno : 0;
}

static int
op_umount (Job *j)
{
  char path[PATH_MAX];
  int fd = resolve (j->target, j->target_fd, !(j->flags & UMOUNT_NOFOLLOW)), dir;
  const MountEntry *top;
  const char *name;

  if (fd < 0)
    return errno;
  top = top_at (j, locate (j, fd, path), path);
  if (top == NULL)
    return EINVAL;
  if (is_protected (j, top))
    return EPERM;
  /* Through the parent directory (not this fd, which would make the mount busy). */
  name = strcmp (path, "/") == 0 ? "." : strrchr (path, '/') + 1;
  dir = strcmp (path, "/") == 0 ? open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC)
                                : openat (fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
  close (fd);
  if (dir < 0 || fchdir (dir) < 0)
    return errno;
  close (dir);
  return umount2 (name,
                  (int) (j->flags & ~UMOUNT_NOFOLLOW) | (name[0] == '.' ? 0 : UMOUNT_NOFOLLOW))
                 < 0
             ? errno
             : 0;
}

/* A bind of one of the runtime's mounts anywhere (superblock and root alone). */
static gboolean
is_copy (Job *j, const MountEntry *e)
{
  gboolean framed = j->framed, copy;

  j->framed = FALSE;
  copy = is_initial (j, e);
  j->framed = framed;
  return copy;
}

static int
op_remount (Job *j)
{
  char path[PATH_MAX], fdname[32];
  int fd = resolve (j->target, j->target_fd, TRUE);
  const MountEntry *e;
  gboolean initial;

  if (fd < 0)
    return errno;
  e = locate (j, fd, path);
  if (e == NULL || strcmp (e->mountpoint, path) != 0)
    return EINVAL;
  initial = is_initial (j, e);
  if ((initial || (j->op == OP_REMOUNT && is_copy (j, e))) && lifts (e, j->flags))
    return EPERM; /* (a superblock remount would lift a copy's flags too) */
  /* (as before: a bind remount never makes a read-only mount writable) */
  if (j->op == OP_BIND_REMOUNT && has_option (e->options, "ro") && !(j->flags & MS_RDONLY))
    return EPERM;
  if (j->op == OP_BIND_REMOUNT || initial)
    return set_mount_flags (fd, j->flags);
  /* The container's own mount: its superblock too, through the fd's magic link. */
  snprintf (fdname, sizeof fdname, "fd/%d", fd);
  if (fchdir (j->self) < 0)
    return errno;
  return mount (NULL, fdname, NULL, j->flags, j->data) < 0 ? errno : 0;
}

/* A bind of @src (at @path, without MS_REC) would show what the runtime's mounts under it
 * cover: the host's files, in a procfs or sysfs. */
static gboolean
uncovers (const Job *j, const MountEntry *src, const char *path)
{
  gsize n = strlen (path);

  if (src == NULL || (strcmp (src->fstype, "proc") != 0 && strcmp (src->fstype, "sysfs") != 0))
    return FALSE;
  for (guint i = 0; i < j->mounts->len; i++)
    {
      const MountEntry *m = g_ptr_array_index (j->mounts, i);
      if (m->parent == src->id && is_protected (j, m)
          && (strcmp (path, "/") == 0
              || (strncmp (m->mountpoint, path, n) == 0
                  && (m->mountpoint[n] == '/' || m->mountpoint[n] == '\0'))))
        return TRUE;
    }
  return FALSE;
}

/* Both directories, or neither. */
static gboolean
same_kind (int a, int b)
{
  struct stat sa, sb;

  return fstat (a, &sa) < 0 || fstat (b, &sb) < 0 || S_ISDIR (sa.st_mode) == S_ISDIR (sb.st_mode);
}

static int
op_bind_or_move (Job *j)
{
  char spath[PATH_MAX], tpath[PATH_MAX];
  int src = resolve (j->source, j->source_fd, TRUE), tgt, tree;
  const MountEntry *s, *top;

  if (src < 0 || (tgt = resolve (j->target, j->target_fd, TRUE)) < 0)
    return errno;
  s = locate (j, src, spath);
  top = top_at (j, locate (j, tgt, tpath), tpath);
  if (is_view_protected (j, top)
      && !(j->op == OP_BIND && s == top && strcmp (spath, tpath) == 0)) /* a bind onto itself */
    return EPERM;
  if (j->op == OP_MOVE)
    {
      if (s == NULL || strcmp (s->mountpoint, spath) != 0)
        return EINVAL;
      if (is_protected (j, s))
        return EPERM;
      tree = src;
    }
  else if (!(j->flags & MS_REC) && uncovers (j, s, spath))
    return EPERM;
  else if (!same_kind (src, tgt))
    return ENOTDIR; /* mount(2)'s answer (move_mount's would be EINVAL: runc masks a directory
                       with a tmpfs when binding /dev/null over it fails with ENOTDIR) */
  else if ((tree = (int) syscall (SYS_open_tree, src, "",
                                  OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH
                                      | ((j->flags & MS_REC) ? AT_RECURSIVE : 0)))
           < 0)
    return errno;
  return syscall (SYS_move_mount, tree, "", tgt, "",
                  MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)
                 < 0
             ? errno
             : 0;
}

static int
op_new (Job *j)
{
  char path[PATH_MAX];
  int fd = resolve (j->target, j->target_fd, TRUE);

  if (fd < 0)
    return CHILD_CONTINUE; /* the kernel says why */
  return is_view_protected (j, top_at (j, locate (j, fd, path), path)) ? EPERM : CHILD_CONTINUE;
}

static gboolean
caller_root_is_containers (Job *j)
{
  char path[PATH_MAX];
  int fd = open ("/", O_PATH | O_CLOEXEC);
  const MountEntry *e = fd >= 0 ? locate (j, fd, path) : NULL;
  gboolean framed;

  if (fd >= 0)
    close (fd);
  if (e == NULL || strcmp (e->mountpoint, "/") != 0)
    return FALSE;
  j->framed = TRUE;
  framed = is_initial (j, e);
  j->framed = FALSE;
  return framed;
}

static int
child_main (gpointer data)
{
  Job *j = data;
  int err;

  j->self = open ("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (j->self < 0)
    return errno;
  if ((err = svfs_caller_ctx_enter (j->caller)) != 0)
    return err;
  close (j->caller->rootfd);
  close (j->caller->cwdfd);
  j->framed = caller_root_is_containers (j);
  switch (j->op)
    {
    case OP_UMOUNT:
      return op_umount (j);
    case OP_BIND_REMOUNT:
    case OP_REMOUNT:
      return op_remount (j);
    case OP_BIND:
    case OP_MOVE:
      return op_bind_or_move (j);
    case OP_NEW:
    default:
      return op_new (j);
    }
}

/* ---- the supervisor's side ---- */

static gboolean
classify (const struct seccomp_notif *req, Op *op, guint64 *flags)
{
  guint64 f = req->data.args[req->data.nr == __NR_umount2 ? 1 : 3];

  *flags = f;
  if (req->data.nr == __NR_umount2)
    {
      *op = OP_UMOUNT;
      return TRUE;
    }
  if ((f & MS_MGC_MSK) == MS_MGC_VAL)
    *flags = f &= ~(guint64) MS_MGC_MSK;
  if ((f & (MS_REMOUNT | MS_BIND)) == (MS_REMOUNT | MS_BIND))
    *op = OP_BIND_REMOUNT;
  else if (f & MS_REMOUNT)
    *op = OP_REMOUNT;
  else if (f & MS_BIND)
    *op = OP_BIND;
  else if (f & (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE))
    return FALSE; /* a propagation change: nothing to keep */
  else if (f & MS_MOVE)
    *op = OP_MOVE;
  else
    *op = OP_NEW;
  return TRUE;
}

/* Gather the caller's pidfd, root, cwd and fds; act only while the request is still pending
 * (the pid is still the caller's). */
static int
run_as_caller (int listener, const struct seccomp_notif *req, Job *j)
{
  pid_t pid = (pid_t) req->pid;
  SvfsCallerCtx caller = SVFS_CALLER_CTX_INIT;
  int err = svfs_caller_ctx_open (&caller, pid);

  j->caller = &caller;
  j->target_fd =
      caller.pidfd >= 0 && j->target != NULL ? svfs_caller_fd_of (caller.pidfd, j->target) : -1;
  j->source_fd =
      caller.pidfd >= 0 && j->source != NULL ? svfs_caller_fd_of (caller.pidfd, j->source) : -1;
  j->mounts = read_mounts (pid);
  if (err != 0 || j->mounts == NULL
      || ioctl (listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) < 0)
    err = ESRCH;
  else if (j->target_fd == -2 || j->source_fd == -2)
    err = EBADF;
  else
    err = svfs_run_child (child_main, j);
  for (int *fd = (int[]){ j->target_fd, j->source_fd }, i = 0; i < 2; i++)
    if (fd[i] >= 0)
      close (fd[i]);
  svfs_caller_ctx_close (&caller);
  j->caller = NULL;
  g_clear_pointer (&j->mounts, g_ptr_array_unref);
  return err;
}

/* @listener's record with a ref (NULL: none, or its checks are off). */
static Record *
record_ref (int listener)
{
  Record *r;

  g_rec_mutex_lock (&tables_lock);
  r = by_listener != NULL ? g_hash_table_lookup (by_listener, GINT_TO_POINTER (listener)) : NULL;
  if (r != NULL && r->on)
    r->refs++;
  else
    r = NULL;
  g_rec_mutex_unlock (&tables_lock);
  return r;
}

static void
record_release (Record *r)
{
  g_rec_mutex_lock (&tables_lock);
  record_unref (r);
  g_rec_mutex_unlock (&tables_lock);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Record, record_release)

/* Called from the supervisor's workers, several at once. */
gboolean
svfs_immutable_answer (int listener, int fd, const struct seccomp_notif *req,
                       struct seccomp_notif_resp *resp)
{
  g_autoptr (Record) r = record_ref (listener);
  pid_t pid = (pid_t) req->pid;
  Job j = { .record = r, .self = -1 };
  int err;

  if (r == NULL || !classify (req, &j.op, &j.flags) || !svfs_caller_has_sys_admin (pid))
    return FALSE;
  /* A new procfs or sysfs, even over /proc or /sys (unshare --mount-proc in a nested mount
   * namespace): svfs-procmount.c makes it with the emulated files over it.  It covers the
   * runtime's mount, never uncovers anything the kernel would not show a fresh procfs. */
  if (j.op == OP_NEW && svfs_procmount_fstype (pid, req->data.args[2]) != NULL)
    return FALSE;
  j.target = svfs_read_caller_string (pid, req->data.args[j.op == OP_UMOUNT ? 0 : 1],
                                      SVFS_CALLER_STRING_MAX);
  if (j.op == OP_BIND || j.op == OP_MOVE)
    j.source = svfs_read_caller_string (pid, req->data.args[0], SVFS_CALLER_STRING_MAX);
  if (j.op == OP_REMOUNT && req->data.args[4] != 0)
    j.data = svfs_read_caller_string (pid, req->data.args[4], SVFS_CALLER_STRING_MAX);
  if (j.target == NULL || ((j.op == OP_BIND || j.op == OP_MOVE) && j.source == NULL)
      || (j.op == OP_REMOUNT && req->data.args[4] != 0 && j.data == NULL))
    err = EFAULT;
  else
    err = run_as_caller (fd, req, &j);
  if (err == ETIMEDOUT)
    g_warning ("container %s: the check of %s %s took longer than %d s (its path lookup hangs?): "
               "answered ETIMEDOUT (pid %d)",
               r->id, j.op == OP_UMOUNT ? "unmount of" : "mount on",
               j.target != NULL ? j.target : "?", SVFS_CHILD_DEADLINE_MS / 1000, (int) pid);
  if (err == EPERM)
    g_info ("container %s: refused to %s %s: a mount the runtime made (pid %d)", r->id,
            j.op == OP_UMOUNT ? "unmount"
            : j.op == OP_NEW  ? "mount over"
                              : "change",
            j.target != NULL ? j.target : "?", (int) pid);
  g_free (j.target);
  g_free (j.source);
  g_free (j.data);
  if (err == CHILD_CONTINUE)
    return FALSE;
  resp->error = -err;
  return TRUE;
}
