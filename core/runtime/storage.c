/* storage.c: host directories behind the paths where inner runtimes keep their data.
 *
 * overlayfs cannot use the container's own overlay rootfs as an upper layer, so inner
 * dockerd would fall back to vfs and its images would land in the container's upper layer.
 * Instead, each path of plugins.conf's storage-paths (/var/lib/docker, ...) is a bind mount of
 *
 *   <lib dir>/storage/<id>/<path>       e.g. /var/lib/sysvisor/storage/<id>/var/lib/docker
 *
 * ID-mapped to the container's user namespace: on disk, files keep plain ids (container root's
 * are 0:0; nothing is chowned), and inside they are container root's whatever range the
 * container gets on each start.  <lib dir>/storage is 0700, so the setuid files that root
 * inside may write there are out of reach of host users.  A path the spec mounts itself (or a
 * parent or child of it) is the user's: it is not backed.
 *
 * Lifetime.  A directory is keyed by the container id: a container created again under the
 * same id (Docker's stop + start, restart) finds its data.  A runtime is not told when a
 * container is removed (Docker calls delete after every stop), so each directory records its
 * owner in RECORD: the state root (does the runtime still know the id?) and, for Docker, the
 * client's own directory of the container, <data-root>/containers/<id> (found as the source
 * of its /etc/hostname, /etc/hosts or /etc/resolv.conf bind mounts), which exists from
 * `docker create` to `docker rm`.  delete frees the directory unless that owner path exists;
 * with no owner path (sysvisor-runc run, containerd, CRI) delete frees it.  A directory whose
 * container is gone for both is an orphan: every create (64 directories in turn) and
 * `sysvisor-runc gc` free those, and `sysvisor-runc check` reports them.  A freed directory
 * that is still the bare skeleton is kept as a spare for the next create of a new id ("spare
 * trees" below). */
#include "storage.h"

#include "state.h"
#include "utils.h"
#include "sv-error.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STORAGE_DIR "storage"
#define RECORD ".sysvisor-storage"
#define RECORD_GROUP "storage"
#define FREEING_PREFIX ".freeing-"
#define RECORD_TEMP_PREFIX ".record-"
#define SPARE_PREFIX ".spare-"

static char *
storage_top (const char *lib_dir)
{
  return g_build_filename (lib_dir, STORAGE_DIR, NULL);
}

/* Serialises making, reusing and freeing directories (many creates and deletes at once). */
static int
storage_lock (const char *top, GError **error)
{
  g_autofree char *path = g_build_filename (top, ".lock", NULL);

  /* (0700 even if something made it before: root inside writes setuid files below) */
  if (!sv_mkdir_p (top, 0700, error) || chmod (top, 0700) < 0)
    {
      if (error != NULL && *error == NULL)
        sv_set_error_errno (error, errno, "chmod 0700 %s", top);
      return -1;
    }
  return sv_lock_file (path, FALSE, error);
}

/* ---- removing a tree that root inside wrote: never follow a link, never leave the fs ---- */

/* Deeper directories are not descended into: the one at this depth is renamed to the top as a
 * set-aside tree of its own, removed after.  Root inside can nest directories without limit
 * (a 30000-deep tree in /var/lib/docker): one descent would hold a fd and a directory stream
 * per level, and ran out of fds, leaving the whole tree on the host. */
#define REMOVE_MAX_DEPTH 48

typedef struct
{
  int topfd;         /* <lib dir>/storage */
  const char *top;   /* its path */
  dev_t dev;         /* its filesystem: nothing mounted on another is entered */
  guint *budget;     /* entries left to remove (NULL: no limit): spent, the removal stops */
  GPtrArray *asides; /* the set-aside trees, which lifted subtrees join */
} Removal;

static gboolean remove_tree_at (Removal *r, int dirfd, const char *name, guint depth);

static gboolean
remove_entries (Removal *r, int fd, guint depth)
{
  DIR *d = fdopendir (fd);
  struct dirent *e;
  gboolean done = TRUE;

  if (d == NULL)
    {
      close (fd);
      return TRUE;
    }
  while (done && (e = readdir (d)) != NULL)
    {
      struct stat st;
      if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
        continue;
      if (r->budget != NULL && (*r->budget)-- == 0)
        {
          *r->budget = 0;
          done = FALSE;
        }
      else if (e->d_type == DT_DIR
               || (e->d_type == DT_UNKNOWN
                   && fstatat (dirfd (d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0
                   && S_ISDIR (st.st_mode)))
        done = remove_tree_at (r, dirfd (d), e->d_name, depth + 1);
      else if (unlinkat (dirfd (d), e->d_name, 0) < 0 && errno != ENOENT)
        g_warning ("storage: remove %s: %s", e->d_name, sv_strerror (errno));
    }
  closedir (d);
  return done;
}

/* Directory @name of @dirfd, too deep to descend: renamed to the top, to be removed in turn. */
static void
lift_subtree (Removal *r, int dirfd, const char *name)
{
  static guint serial;
  g_autofree char *lifted =
      g_strdup_printf (FREEING_PREFIX "deep.%d.%u", (int) getpid (), serial++);

  if (renameat (dirfd, name, r->topfd, lifted) < 0)
    {
      g_warning ("storage: cannot lift %s out of a deep tree: %s", name, sv_strerror (errno));
      return;
    }
  g_ptr_array_add (r->asides, g_build_filename (r->top, lifted, NULL));
}

static gboolean
remove_tree_at (Removal *r, int dirfd, const char *name, guint depth)
{
  int fd;
  struct stat st;
  gboolean done = TRUE;

  if (depth >= REMOVE_MAX_DEPTH)
    {
      lift_subtree (r, dirfd, name);
      return TRUE;
    }
  fd = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0 && fstat (fd, &st) == 0 && st.st_dev == r->dev)
    done = remove_entries (r, fd, depth);
  else if (fd >= 0)
    close (fd); /* something is mounted there: leave it (rmdir fails, and says so) */
  if (done && unlinkat (dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
    g_warning ("storage: remove directory %s: %s", name, sv_strerror (errno));
  return done;
}

/* Under the lock: move <top>/<name> aside (so the id is free at once); remove it unlocked. */
static char *
set_aside (const char *top, const char *name)
{
  g_autofree char *from = g_build_filename (top, name, NULL);
  g_autofree char *aside =
      g_strdup_printf ("%s/" FREEING_PREFIX "%s.%d", top, name, (int) getpid ());

  if (rename (from, aside) < 0)
    {
      if (errno != ENOENT)
        g_warning ("storage: cannot free %s: rename: %s", from, sv_strerror (errno));
      return NULL;
    }
  return g_steal_pointer (&aside);
}

/* Remove one set-aside directory unless another process is removing it (it holds a flock on
 * the directory for as long as it does).  FALSE: the budget ran out first. */
static gboolean
remove_aside (Removal *r, const char *aside)
{
  sv_autofd own = open (aside, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

  if (own < 0 || flock (own, LOCK_EX | LOCK_NB) < 0)
    return TRUE;
  return remove_tree_at (r, r->topfd, strrchr (aside, '/') + 1, 0);
}

/* Remove the trees of @asides (full paths under @top), and the subtrees lifted out of them
 * (appended to @asides as they are).  FALSE: *@budget (NULL: no limit) ran out first. */
static gboolean
remove_asides (const char *top, GPtrArray *asides, guint *budget)
{
  sv_autofd topfd = open (top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  Removal r = { topfd, top, 0, budget, asides };
  struct stat st;

  if (topfd < 0 || fstat (topfd, &st) < 0)
    return TRUE;
  r.dev = st.st_dev;
  for (guint i = 0; i < asides->len; i++)
    if (!remove_aside (&r, g_ptr_array_index (asides, i)))
      return FALSE;
  return TRUE;
}

/* ---- spare trees: an untouched one is kept for the next create ---- */

/* A container whose inner runtimes never wrote to their paths leaves its tree as create made
 * it: a few empty directories.  Making and removing those is most of what storage costs a
 * `run` (each a new inode, found past the recently freed ones on an ext4 without a journal;
 * each removal a synchronous discard of its block on a filesystem mounted with `discard`), so
 * up to SPARES_MAX such trees are kept as <top>/.spare-<n> and a create of a new id renames
 * one into place.  Kept is only a tree that holds nothing of its container: directories
 * alone, with the owner (0:0 on disk) and mode create gave them, the inode flags (chattr) and
 * extended attributes (ACLs included) of the tree's top, which root inside never sees; their
 * times are set to now.  A spare keeps its record: a create whose record reads the same (the
 * same state root and no owner path, as every create outside Docker's) takes the spare with
 * no record written, synced and renamed, and its delete unlinks none (each a discard of the
 * record's block); another create writes its own over it.  `gc` removes the spares. */
#define SPARES_MAX 16
#define SPARE_NAME_MAX sizeof (SPARE_PREFIX "4294967295")
#define SPARE_MAX_ENTRIES 32

typedef struct
{
  char **paths; /* the storage paths (/var/lib/docker, ...) */
  dev_t dev;
  int flags;         /* the top's inode flags (FS_IOC_GETFLAGS), what a new directory inherits */
  gboolean flags_ok; /* (FALSE: the filesystem has none) */
  char *xattrs;      /* the top's extended attributes, "name=value\n" each ("" for none) */
  guint entries;
} SpareCheck;

/* The extended attributes of @fd as one text ("" for none); NULL when they cannot be read. */
static char *
xattrs_text (int fd)
{
  char names[1024];
  ssize_t n = flistxattr (fd, names, sizeof names);
  g_autoptr (GString) text = g_string_new (NULL);

  if (n < 0)
    return errno == ENOTSUP ? g_strdup ("") : NULL;
  for (ssize_t i = 0; i < n; i += strlen (names + i) + 1)
    {
      char value[256];
      ssize_t v = fgetxattr (fd, names + i, value, sizeof value);
      if (v < 0)
        return NULL;
      g_string_append_printf (text, "%s=", names + i);
      g_string_append_len (text, value, v);
      g_string_append_c (text, '\n');
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* Whether directory @fd has what create gave it: owner, @mode, the top's flags and xattrs. */
static gboolean
spare_dir_as_made (SpareCheck *k, int fd, mode_t mode)
{
  g_autofree char *xattrs = xattrs_text (fd);
  struct stat st;
  int flags = 0;
  gboolean flags_ok = ioctl (fd, FS_IOC_GETFLAGS, &flags) == 0;

  return fstat (fd, &st) == 0 && S_ISDIR (st.st_mode) && (st.st_mode & 07777) == mode
         && st.st_uid == 0 && st.st_gid == 0 && st.st_dev == k->dev && flags_ok == k->flags_ok
         && flags == k->flags && xattrs != NULL && g_strcmp0 (xattrs, k->xattrs) == 0;
}

typedef enum
{
  SPARE_FOREIGN, /* nothing create makes: root inside made it */
  SPARE_INNER,   /* a parent of a storage path (var, var/lib), which root inside never sees */
  SPARE_LEAF,    /* a storage path: root inside sees it, so it must be empty */
} SparePlace;

/* Where @rel ("var/lib/docker", relative to the tree's top) is in the skeleton of @paths. */
static SparePlace
spare_place (char **paths, const char *rel)
{
  gsize n = strlen (rel);

  for (guint i = 0; paths[i] != NULL; i++)
    if (strncmp (paths[i] + 1, rel, n) == 0)
      {
        if (paths[i][n + 1] == '\0')
          return SPARE_LEAF;
        if (paths[i][n + 1] == '/')
          return SPARE_INNER;
      }
  return SPARE_FOREIGN;
}

static gboolean spare_dir_clean (SpareCheck *k, int dirfd, const char *rel);

/* Whether entry @name of directory @fd (at @rel) is what create made there. */
static gboolean
spare_entry_clean (SpareCheck *k, int fd, const char *rel, const char *name)
{
  g_autofree char *sub = NULL;
  struct stat st;

  if (strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
    return TRUE;
  if (rel[0] == '\0' && strcmp (name, RECORD) == 0)
    return fstatat (fd, RECORD, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG (st.st_mode);
  sub = rel[0] == '\0' ? g_strdup (name) : g_strconcat (rel, "/", name, NULL);
  return ++k->entries <= SPARE_MAX_ENTRIES && spare_dir_clean (k, fd, sub);
}

/* Whether the entries of directory @fd (at @rel; closed here) are the skeleton's directories
 * below it, as create made them.  @rel "" is the top, which also holds the record.  Read with
 * getdents64 itself: a DIR stream costs an fstat and two fcntl more for each directory. */
static gboolean
spare_entries_clean (SpareCheck *k, int fd, const char *rel)
{
  char buf[4096] __attribute__ ((aligned (8)));
  gboolean clean = TRUE;
  ssize_t n;

  while (clean && (n = getdents64 (fd, buf, sizeof buf)) != 0)
    {
      if (n < 0)
        clean = FALSE;
      for (ssize_t off = 0; clean && off < n;)
        {
          const struct dirent64 *e = (const struct dirent64 *) (gpointer) (buf + off);
          off += e->d_reclen;
          clean = spare_entry_clean (k, fd, rel, e->d_name);
        }
    }
  close (fd);
  return clean;
}

/* Whether directory @rel of @dirfd is one the skeleton has, as create made it, and (a storage
 * path) empty; its times are set to now on the way (a tree found otherwise is removed). */
static gboolean
spare_dir_clean (SpareCheck *k, int dirfd, const char *rel)
{
  SparePlace place = spare_place (k->paths, rel);
  const char *name = strrchr (rel, '/') != NULL ? strrchr (rel, '/') + 1 : rel;
  int fd = place == SPARE_FOREIGN
               ? -1
               : openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

  if (fd < 0)
    return FALSE;
  if (!spare_dir_as_made (k, fd, 0755) || futimens (fd, NULL) < 0)
    {
      close (fd);
      return FALSE;
    }
  /* (a storage path: any entry is root inside's, and spare_place finds none below it) */
  return spare_entries_clean (k, fd, rel);
}

/* Whether set-aside tree @fd (its top: 0700, the record and the skeleton of @paths) holds
 * nothing of its container. */
static gboolean
spare_tree_clean (int fd, char **paths)
{
  SpareCheck k = { paths, 0, 0, FALSE, NULL, 0 };
  g_autofree char *xattrs = xattrs_text (fd);
  struct stat st;
  int own;

  if (xattrs == NULL || fstat (fd, &st) < 0 || !S_ISDIR (st.st_mode)
      || (st.st_mode & 07777) != 0700 || st.st_uid != 0 || st.st_gid != 0)
    return FALSE;
  k.dev = st.st_dev;
  k.flags_ok = ioctl (fd, FS_IOC_GETFLAGS, &k.flags) == 0;
  k.xattrs = xattrs;
  own = dup (fd);
  return own >= 0 && spare_entries_clean (&k, own, "") && futimens (fd, NULL) == 0;
}

/* The name of spare slot @n, in @buf (SPARE_NAME_MAX bytes). */
static const char *
spare_name (char *buf, guint n)
{
  g_snprintf (buf, SPARE_NAME_MAX, SPARE_PREFIX "%u", n);
  return buf;
}

/* Renames <@topfd>/@name into the first free spare slot (@into_slot), or the first taken slot
 * to @name (not @into_slot); never over an existing entry.  FALSE: no slot fits, or an error. */
static gboolean
spare_slot_rename (int topfd, const char *name, gboolean into_slot)
{
  for (guint n = 0; n < SPARES_MAX; n++)
    {
      char spare[SPARE_NAME_MAX];
      const char *from = into_slot ? name : spare_name (spare, n);
      const char *to = into_slot ? spare_name (spare, n) : name;
      if (renameat2 (topfd, from, topfd, to, RENAME_NOREPLACE) == 0)
        return TRUE;
      /* (the slot is taken, or empty: try the next) */
      if (errno != (into_slot ? EEXIST : ENOENT))
        return FALSE;
    }
  return FALSE;
}

/* Set-aside tree @aside (a full path under the top, @topfd) kept as a spare if it holds
 * nothing of its container and a slot is free.  FALSE: it is to be removed (or another
 * process is removing it: its flock on the tree tells). */
static gboolean
keep_as_spare (int topfd, const char *aside, char **paths)
{
  const char *name = strrchr (aside, '/') + 1;
  sv_autofd fd = openat (topfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

  return paths != NULL && paths[0] != NULL && fd >= 0 && flock (fd, LOCK_EX | LOCK_NB) == 0
         && spare_tree_clean (fd, paths) && spare_slot_rename (topfd, name, TRUE);
}

/* Under the lock, for a new id: a spare renamed to <top>/@id.  FALSE: none (make one). */
static gboolean
take_spare (const char *top, const char *id)
{
  sv_autofd topfd = open (top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  return topfd >= 0 && faccessat (topfd, id, F_OK, AT_SYMLINK_NOFOLLOW) < 0
         && spare_slot_rename (topfd, id, FALSE);
}

/* Under the lock (gc): every spare set aside, to be removed with @asides. */
static void
set_aside_spares (const char *top, GPtrArray *asides)
{
  for (guint n = 0; n < SPARES_MAX; n++)
    {
      char spare[SPARE_NAME_MAX];
      char *aside;
      if ((aside = set_aside (top, spare_name (spare, n))) != NULL)
        g_ptr_array_add (asides, aside);
    }
}

/* The same in a detached process: a tree of inner images can take long to remove, and neither
 * create nor delete waits for it.  The process keeps none of our fds (the caller's pipes, the
 * locks of other modules): Docker's shim waits for the runtime's stdout to close. */
static void
remove_asides_detached (const char *top, GPtrArray *asides, char **paths)
{
  sv_autofd topfd = open (top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  guint budget = 32;
  pid_t pid;

  for (guint i = asides->len; topfd >= 0 && i > 0; i--)
    if (keep_as_spare (topfd, g_ptr_array_index (asides, i - 1), paths))
      g_ptr_array_remove_index (asides, i - 1);
  sv_close_fdp (&topfd);
  /* Small trees (a container whose inner runtimes stored little: the empty storage paths)
   * are removed at once: two forks cost more than that.  A larger one is left to the
   * detached process from where the removal of the first 32 entries stopped (the
   * skeleton of the default storage-paths is 10). */
  if (remove_asides (top, asides, &budget))
    return;
  pid = fork ();
  if (pid < 0)
    {
      remove_asides (top, asides, NULL);
      return;
    }
  if (pid == 0)
    {
      if (fork () != 0)
        _exit (0);
      setsid ();
      close_range (0, ~0U, 0);
      if (open ("/dev/null", O_RDWR) == 0)
        {
          (void) !dup (0);
          (void) !dup (0);
        }
      remove_asides (top, asides, NULL);
      _exit (0);
    }
  while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
    ;
}

/* ---- the owner record ---- */

/* Docker's directory of this container: <data-root>/containers/<id>, the source directory of
 * the files it bind-mounts (hostname, hosts, resolv.conf).  NULL when not run by Docker. */
static char *
docker_owner (SvSpec *spec, const char *id)
{
  g_autofree char *needle = g_strdup_printf ("/containers/%s/", id);

  for (guint i = 0; i < spec->mounts->len; i++)
    {
      SvMount *m = g_ptr_array_index (spec->mounts, i);
      const char *hit = m->bind && m->source != NULL ? strstr (m->source, needle) : NULL;
      if (hit != NULL)
        return g_strndup (m->source, (hit - m->source) + strlen (needle) - 1);
    }
  return NULL;
}

/* A record to put in place: written and synced before the storage lock (every create takes
 * that lock; an fsync under it made them all wait for the disk), as <top>/.record-<id>.<pid>
 * (a dot name: the orphan scan does not take it for a directory), flocked by its writer until
 * it is renamed into the container's directory under the lock.  One left by a crashed create
 * is not flocked: the next orphan scan removes it. */
typedef struct
{
  char *tmp; /* NULL: the record in place is already this one (Docker's restart): no write */
  int fd;
} PendingRecord;

static void
pending_record_clear (PendingRecord *r)
{
  if (r->tmp != NULL)
    unlink (r->tmp); /* (renamed: nothing there any more) */
  g_clear_pointer (&r->tmp, g_free);
  sv_close_fdp (&r->fd);
}

/* The record of a container of @state_root whose client's owner path is @owner (or none). */
static char *
record_text (const char *state_root, const char *owner)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();

  g_key_file_set_string (kf, RECORD_GROUP, "state-root", state_root);
  if (owner != NULL)
    g_key_file_set_string (kf, RECORD_GROUP, "owner", owner);
  return g_key_file_to_data (kf, NULL, NULL);
}

/* Whether directory @dir holds a record that reads @text. */
static gboolean
record_reads (const char *dir, const char *text)
{
  g_autofree char *path = g_build_filename (dir, RECORD, NULL);
  g_autofree char *old = NULL;

  return g_file_get_contents (path, &old, NULL, NULL) && strcmp (old, text) == 0;
}

/* Whether the spare a create would take now (the first one) holds a record that reads @text. */
static gboolean
first_spare_reads (const char *top, const char *text)
{
  for (guint n = 0; n < SPARES_MAX; n++)
    {
      char spare[SPARE_NAME_MAX];
      g_autofree char *dir = g_build_filename (top, spare_name (spare, n), NULL);
      if (g_file_test (dir, G_FILE_TEST_IS_DIR))
        return record_reads (dir, text);
    }
  return FALSE;
}

static gboolean
record_write_tmp (const char *top, const char *id, const char *text, PendingRecord *r,
                  GError **error)
{
  if (!sv_mkdir_p (top, 0700, error))
    return FALSE;
  r->tmp = g_strdup_printf ("%s/" RECORD_TEMP_PREFIX "%s.%d", top, id, (int) getpid ());
  r->fd = open (r->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (r->fd < 0 || flock (r->fd, LOCK_EX) < 0 || !sv_write_all (r->fd, text, strlen (text)))
    {
      sv_set_error_errno (error, errno, "write %s", r->tmp);
      return FALSE;
    }
  /* Only started here (record_sync waits for it): the orphan scan runs meanwhile. */
  (void) sync_file_range (r->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
  return TRUE;
}

/* No write when the record that will be in place reads @text already: a container created
 * again under its id (only a create of this id writes its record, and only one such create
 * runs at a time), or a new id that takes a spare of the same state root. */
static gboolean
record_write_pending (const char *top, const char *dir, const char *id, const char *text,
                      PendingRecord *r, GError **error)
{
  if (record_reads (dir, text) || first_spare_reads (top, text))
    return TRUE;
  return record_write_tmp (top, id, text, r, error);
}

/* The record is on disk before it is renamed into place: a record that a power loss tore
 * would read as "in use" (fail-safe) and keep its directory for ever. */
static gboolean
record_sync (PendingRecord *r, GError **error)
{
  if (r->tmp != NULL && fsync (r->fd) < 0)
    {
      sv_set_error_errno (error, errno, "write %s", r->tmp);
      return FALSE;
    }
  return TRUE;
}

/* Under the lock, @dir made or taken.  With nothing pending, the record in place is checked:
 * when another create took the spare that record_write_pending() looked at, the one taken
 * may read otherwise (or there was none left), and the record is written here. */
static gboolean
record_put_in_place (PendingRecord *r, const char *top, const char *dir, const char *id,
                     const char *text, GError **error)
{
  g_autofree char *path = g_build_filename (dir, RECORD, NULL);

  if (r->tmp == NULL && record_reads (dir, text))
    return TRUE;
  if (r->tmp == NULL && (!record_write_tmp (top, id, text, r, error) || !record_sync (r, error)))
    return FALSE;
  if (rename (r->tmp, path) < 0)
    {
      sv_set_error_errno (error, errno, "rename %s to %s", r->tmp, path);
      return FALSE;
    }
  g_clear_pointer (&r->tmp, g_free);
  return TRUE;
}

/* Whether the create that wrote pending record @path (".record-<id>.<pid>") is gone: its pid
 * is not running.  (A pid reused since counts as running: the age rule then decides.) */
static gboolean
record_writer_gone (const char *path)
{
  const char *dot = strrchr (path, '.');
  guint64 pid;

  return dot != NULL && g_ascii_string_to_unsigned (dot + 1, 10, 1, G_MAXINT, &pid, NULL)
         && kill ((pid_t) pid, 0) < 0 && errno == ESRCH;
}

/* A pending record that no create holds (its create crashed) is removed: at once when its
 * writer is gone, else once a minute old (which covers a create between making the file and
 * flocking it). */
static void
remove_stale_record (const char *path)
{
  sv_autofd fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  struct stat st;

  if (fd >= 0 && fstat (fd, &st) == 0
      && (record_writer_gone (path) || st.st_mtime + 60 < time (NULL))
      && flock (fd, LOCK_EX | LOCK_NB) == 0)
    unlink (path);
}

/* Whether the container of directory @dir (id @id) still exists for the runtime or its
 * client.  Sets *owner_out to the recorded owner path.  Fail-safe: an unreadable record
 * counts as in use, except when it is missing (a create that died before writing it). */
static gboolean
in_use (const char *dir, const char *id, gboolean check_runtime, char **owner_out)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autofree char *path = g_build_filename (dir, RECORD, NULL);
  g_autofree char *state_root = NULL;
  g_autoptr (GError) error = NULL;

  *owner_out = NULL;
  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &error))
    return !g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  *owner_out = g_key_file_get_string (kf, RECORD_GROUP, "owner", NULL);
  if (*owner_out != NULL && g_file_test (*owner_out, G_FILE_TEST_EXISTS))
    return TRUE;
  state_root = g_key_file_get_string (kf, RECORD_GROUP, "state-root", NULL);
  return check_runtime && state_root != NULL && sv_host_container_alive (NULL, state_root, id);
}

/* ---- the three entry points ---- */

/* Whether the spec mounts something at, above or below @path: then it is the user's. */
static gboolean
user_mounts (SvSpec *spec, const char *path)
{
  gsize n = strlen (path);

  for (guint i = 0; i < spec->mounts->len; i++)
    {
      const char *d = ((SvMount *) g_ptr_array_index (spec->mounts, i))->destination;
      gsize dn = d != NULL ? strlen (d) : 0;
      while (dn > 1 && d[dn - 1] == '/')
        dn--;
      if (dn == 0 || (dn == 1 && d[0] == '/'))
        continue;
      if ((strncmp (d, path, dn) == 0 && (path[dn] == '\0' || path[dn] == '/'))
          || (strncmp (d, path, n) == 0 && d[n] == '/'))
        return TRUE;
    }
  return FALSE;
}

static void
add_mount (SvContainer *c, const char *source, const char *destination)
{
  SvExtraMount *m = g_new0 (SvExtraMount, 1);

  m->source = g_strdup (source);
  m->destination = g_strdup (destination);
  m->idmapped = TRUE;
  m->optional = TRUE;
  m->tree_fd = -1;
  g_ptr_array_add (c->extra_mounts, m);
}

gboolean
sv_storage_prepare (SvContainer *c, SvSpec *spec, char **paths, const char *state_root,
                    GError **error)
{
  g_autofree char *top = storage_top (c->host->lib_dir);
  g_autofree char *dir = g_build_filename (top, c->id, NULL);
  g_autofree char *owner = NULL;
  g_autofree char *text = NULL;
  g_autoptr (GPtrArray) freed = NULL;
  g_autoptr (GError) local = NULL;
  __attribute__ ((cleanup (pending_record_clear))) PendingRecord record = { NULL, -1 };
  sv_autofd lock = -1;
  guint n = 0;

  for (guint i = 0; paths != NULL && paths[i] != NULL; i++)
    n += !user_mounts (spec, paths[i]);
  if (n == 0)
    return TRUE;
  owner = docker_owner (spec, c->id);
  text = record_text (state_root, owner);
  if (!record_write_pending (top, dir, c->id, text, &record, error))
    {
      g_prefix_error (error, "storage of inner runtimes: ");
      return FALSE;
    }
  /* (while the record is written to disk) */
  freed =
      sv_storage_orphans (c->host->lib_dir, state_root, SV_STORAGE_FREE_DETACHED, paths, &local);
  if (freed == NULL)
    g_warning ("storage: looking for orphans: %s", local->message);
  if (!record_sync (&record, error) || (lock = storage_lock (top, error)) < 0
      || !(take_spare (top, c->id) || sv_mkdir_p (dir, 0700, error))
      || !record_put_in_place (&record, top, dir, c->id, text, error))
    {
      g_prefix_error (error, "storage of inner runtimes: ");
      return FALSE;
    }
  /* Recorded: from here a look for orphans finds the directory in use (the container's
   * state directory exists and its creator runs), so its paths are made unlocked. */
  sv_close_fdp (&lock);
  for (guint i = 0; paths[i] != NULL; i++)
    {
      g_autofree char *data = g_build_filename (dir, paths[i], NULL);
      if (user_mounts (spec, paths[i]))
        {
          g_debug ("storage: %s is mounted by the spec: not backed", paths[i]);
          continue;
        }
      if (!sv_mkdir_p (data, 0755, error))
        {
          g_prefix_error (error, "storage for %s: ", paths[i]);
          return FALSE;
        }
      add_mount (c, data, paths[i]);
    }
  return TRUE;
}

void
sv_storage_release (const char *lib_dir, const char *id, char **paths)
{
  g_autofree char *top = storage_top (lib_dir);
  g_autofree char *dir = g_build_filename (top, id, NULL);
  g_autofree char *owner = NULL;
  g_autoptr (GPtrArray) asides = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  char *aside;
  sv_autofd lock = -1;

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    return;
  lock = storage_lock (top, &error);
  if (lock < 0)
    {
      g_warning ("storage: %s", error->message);
      return;
    }
  /* The runtime is deleting it: only the client's owner path may keep it. */
  if (in_use (dir, id, FALSE, &owner))
    {
      g_debug ("storage: %s kept: %s still exists", dir, owner != NULL ? owner : "its record");
      return;
    }
  if ((aside = set_aside (top, id)) != NULL)
    g_ptr_array_add (asides, aside);
  sv_close_fdp (&lock);
  remove_asides_detached (top, asides, paths);
}

static void
orphan_free (gpointer p)
{
  SvStorageOrphan *o = p;

  g_free (o->id);
  g_free (o->path);
  g_free (o->owner);
  g_free (o);
}

/* How many directories a create looks at for orphans: the next ones each time (a cursor in
 * CURSOR_FILE), so that its look costs the same however many containers have storage (one
 * access(2) and a path each, 500 of them ~1.5 ms a create); `gc` and `check` look at all. */
#define ORPHAN_BATCH 64
#define CURSOR_FILE ".orphan-cursor"

/* The first of the @count directories (of @n) this create looks at; the cursor moves past
 * them.  Creates at once may look at the same ones: harmless. */
static guint
orphan_cursor_take (const char *top, guint count, guint n)
{
  g_autofree char *path = g_build_filename (top, CURSOR_FILE, NULL);
  sv_autofd fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  guint64 first = 0, next;

  if (fd < 0 || pread (fd, &first, sizeof first, 0) != (ssize_t) sizeof first)
    first = 0;
  next = first + count;
  if (fd >= 0 && pwrite (fd, &next, sizeof next, 0) != (ssize_t) sizeof next)
    g_debug ("storage: cannot move %s: %s", path, g_strerror (errno));
  return n > 0 ? (guint) (first % n) : 0;
}

/* The names of @top's container directories (not the dot names), handling on the way the
 * set-aside trees (interrupted or being removed: into @asides when not NULL) and the records
 * of creates that crashed. */
static GPtrArray *
list_directories (const char *top, GPtrArray *asides, GError **error)
{
  g_autoptr (GDir) d = g_dir_open (top, 0, error);
  GPtrArray *names;
  const char *name;

  if (d == NULL)
    return NULL;
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = NULL;
      if (name[0] != '.')
        {
          g_ptr_array_add (names, g_strdup (name));
          continue;
        }
      path = g_build_filename (top, name, NULL);
      /* (a removal that was interrupted, or is running: remove_aside tells) */
      if (g_str_has_prefix (name, FREEING_PREFIX) && asides != NULL)
        g_ptr_array_add (asides, g_strdup (path));
      if (g_str_has_prefix (name, RECORD_TEMP_PREFIX) && asides != NULL)
        remove_stale_record (path);
    }
  return names;
}

/* The orphans of @top, looked for without the lock (and the set-aside trees into @asides when
 * not NULL); with @batched, among the next ORPHAN_BATCH directories only.  Whether a
 * directory's container still exists is the slow part (a container being created has its
 * state.json read): under the lock, every create asking it of every directory serialised many
 * creates at once. */
static GPtrArray *
find_orphans (const char *top, const char *live_root, GPtrArray *asides, gboolean batched,
              GError **error)
{
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func (orphan_free);
  g_autoptr (GPtrArray) names = list_directories (top, asides, error);
  guint count, first;

  if (names == NULL)
    return NULL;
  count = batched ? MIN (names->len, ORPHAN_BATCH) : names->len;
  /* (all of them fit in one look: no cursor to read or move) */
  first = count < names->len ? orphan_cursor_take (top, count, names->len) : 0;
  for (guint k = 0; k < count; k++)
    {
      const char *name = g_ptr_array_index (names, (first + k) % names->len);
      g_autofree char *path = g_build_filename (top, name, NULL);
      g_autofree char *owner = NULL;
      SvStorageOrphan *o;
      /* A committed container of @live_root: in use, known with one access(2) (the record's
       * read and parse, for each of 200 containers, cost a create ~1.5 ms).  In use is the
       * safe answer: it only keeps a directory. */
      if ((live_root != NULL && sv_state_committed (live_root, name))
          || !g_file_test (path, G_FILE_TEST_IS_DIR) || in_use (path, name, TRUE, &owner))
        continue;
      o = g_new0 (SvStorageOrphan, 1);
      o->id = g_strdup (name);
      o->path = g_steal_pointer (&path);
      o->owner = g_steal_pointer (&owner);
      g_ptr_array_add (found, o);
    }
  return g_steal_pointer (&found);
}

/* Under the lock: set aside the orphans that are orphans still (a container of that id may
 * have been created since the look); the others leave @found. */
static void
set_aside_orphans (const char *top, GPtrArray *found, GPtrArray *asides)
{
  for (guint i = found->len; i > 0; i--)
    {
      SvStorageOrphan *o = g_ptr_array_index (found, i - 1);
      g_autofree char *owner = NULL;
      char *aside;
      if (in_use (o->path, o->id, TRUE, &owner) || (aside = set_aside (top, o->id)) == NULL)
        {
          g_ptr_array_remove_index (found, i - 1);
          continue;
        }
      g_ptr_array_add (asides, aside);
    }
}

GPtrArray *
sv_storage_orphans (const char *lib_dir, const char *live_root, SvStorageGc mode, char **paths,
                    GError **error)
{
  gboolean free_them = mode != SV_STORAGE_LIST;
  g_autofree char *top = storage_top (lib_dir);
  g_autoptr (GPtrArray) asides = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) found = NULL;
  sv_autofd lock = -1;

  if (!g_file_test (top, G_FILE_TEST_IS_DIR))
    return g_ptr_array_new_with_free_func (orphan_free);
  found = find_orphans (top, live_root, free_them ? asides : NULL,
                        mode == SV_STORAGE_FREE_DETACHED, error);
  if (found == NULL || !free_them)
    return g_steal_pointer (&found);
  if (found->len > 0 || mode == SV_STORAGE_FREE)
    {
      if ((lock = storage_lock (top, error)) < 0)
        return NULL;
      set_aside_orphans (top, found, asides);
      if (mode == SV_STORAGE_FREE)
        set_aside_spares (top, asides);
      sv_close_fdp (&lock);
    }
  if (mode == SV_STORAGE_FREE)
    remove_asides (top, asides, NULL);
  else
    remove_asides_detached (top, asides, paths);
  return g_steal_pointer (&found);
}
