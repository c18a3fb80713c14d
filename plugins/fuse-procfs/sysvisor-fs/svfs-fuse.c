/* sysvisor-fs: FUSE low-level operations.  Every read answers for the calling process's
 * container (see svfs-files.h); the host and any failure get the host's file. */
#include "svfs-fuse.h"

#include "svfs-cache.h"
#include "svfs-cgroup.h"
#include "svfs-container.h"
#include "svfs-tree.h"
#include "svfs-util.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* How long the kernel may keep a name and its attributes.  The tree is fixed for the life of
 * the mount (a restart in place keeps every inode number; a sysctl the host's kernel lacks has
 * no node), and the attributes never change, so a day: the fuse-procfs plugin's stats of the
 * served files on each create, and the core's open_tree of them, then cost no request. */
#define SVFS_TIMEOUT 86400.0
#define SVFS_NEGATIVE_TIMEOUT 60.0

typedef struct
{
  guint64 ino;
  GBytes *data;
} Handle;

static SvfsSysctlStore *sysctl_store;
static GMutex handles_lock;
static GHashTable *handles; /* guint64 fh -> Handle */
static guint64 next_fh = 1;
static time_t started;
static gint initialized;

static void
handle_free (gpointer p)
{
  Handle *h = p;
  g_bytes_unref (h->data);
  g_free (h);
}

void
svfs_fuse_setup (SvfsSysctlStore *store)
{
  sysctl_store = store;
  started = time (NULL);
  g_autofree gchar *pid_max = g_build_filename (svfs_proc_root (), "sys/kernel/pid_max", NULL);
  guint64 max = 0;
  gboolean unlimited;
  svfs_cache_callers_setup (svfs_read_u64 (pid_max, &max, &unlimited, NULL) ? (guint) max : 0);
  g_mutex_lock (&handles_lock);
  if (!handles)
    handles = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, handle_free);
  g_mutex_unlock (&handles_lock);
}

guint64
svfs_fuse_next_fh (void)
{
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&handles_lock);
  return next_fh;
}

void
svfs_fuse_set_next_fh (guint64 fh)
{
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&handles_lock);
  next_fh = MAX (next_fh, fh);
}

/* Restart hand-over of the open handles' contents: a reader that read part of a file before
 * the restart must get the rest of the same text, not the tail of a newly made one (busybox
 * `read` reads one byte per call).  One "handle FH INO BASE64" line each. */
void
svfs_fuse_save_handles (GString *out)
{
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&handles_lock);
  GHashTableIter it;
  gpointer key, value;
  if (!handles)
    return;
  g_hash_table_iter_init (&it, handles);
  while (g_hash_table_iter_next (&it, &key, &value))
    {
      const Handle *h = value;
      gsize len;
      const guchar *data = g_bytes_get_data (h->data, &len);
      g_autofree gchar *b64 = g_base64_encode (data, len);
      g_string_append_printf (out, "handle %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %s\n",
                              *(const guint64 *) key, h->ino, b64);
    }
}

gboolean
svfs_fuse_load_handle_line (const char *line, GError **error)
{
  g_auto (GStrv) f = g_strsplit (line, " ", 0);
  guint64 fh, ino;
  if (g_strv_length (f) != 4 || !g_str_equal (f[0], "handle")
      || !g_ascii_string_to_unsigned (f[1], 10, 1, G_MAXUINT64, &fh, NULL)
      || !g_ascii_string_to_unsigned (f[2], 10, 1, G_MAXUINT64, &ino, NULL))
    {
      g_set_error (error, SVFS_ERROR, SVFS_ERROR_INVALID_DATA, "bad state line: %.60s", line);
      return FALSE;
    }
  gsize len;
  guchar *data = g_base64_decode (f[3], &len);
  Handle *h = g_new0 (Handle, 1);
  *h = (Handle){ ino, g_bytes_new_take (data, len) };
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&handles_lock);
  if (!handles)
    handles = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, handle_free);
  g_hash_table_replace (handles, g_memdup2 (&fh, sizeof fh), h);
  return TRUE;
}

static void
fill_attr (const SvfsNode *n, struct stat *st)
{
  memset (st, 0, sizeof *st);
  st->st_ino = n->ino;
  st->st_mode = n->kind == SVFS_NODE_DIR      ? S_IFDIR | 0555
                : n->kind == SVFS_NODE_SYSCTL ? S_IFREG | 0644
                                              : S_IFREG | 0444;
  st->st_nlink = n->kind == SVFS_NODE_DIR ? 2 : 1;
  st->st_blksize = 4096;
  /* Contents are made per read (direct_io), but the kernel's splice path, which sendfile
   * uses (busybox cat), stops at i_size: a zero size would read as an empty file. */
  st->st_size = n->kind == SVFS_NODE_DIR ? 0 : 4096;
  st->st_atime = st->st_mtime = st->st_ctime = started;
}

/* /proc/sys value for a container: what it wrote, else NULL (the host's value). */
static gchar *
sysctl_value (const SvfsNode *n, SvfsCaller *c, GError **error)
{
  if (!svfs_caller_resolve_init (c, error))
    return NULL;
  SvfsContainerKey key = svfs_caller_key (c);
  return svfs_sysctl_store_get (sysctl_store, &key, n->sysctl->path);
}

static gchar *
host_content (const SvfsNode *n, gsize *len)
{
  g_autoptr (GError) error = NULL;
  gchar *out = svfs_read_file (n->host_path, len, &error);
  if (!out && n->kind == SVFS_NODE_SYSCTL)
    {
      out = g_strdup (n->sysctl->fallback);
      *len = strlen (out);
    }
  else if (!out)
    g_warning ("%s: %s", n->path, error->message);
  return out;
}

typedef struct
{
  const SvfsNode *n;
  SvfsCaller *c;
  GError **error;
} Render;

static gchar *
render_text (gpointer data, gsize *len)
{
  Render *r = data;
  gchar *out = r->n->render (r->c, r->error);
  if (!out)
    return NULL;
  /* Kept for the file's time to live: without the slack of the GString it was made in,
   * which is sized for the host's text (cpuinfo of every host CPU, stat with its long intr
   * line): 0.7 MB of the heap under 50 containers' reads. */
  *len = strlen (out);
  return g_realloc (out, *len + 1);
}

/* An emulated file's text for the caller's view, rendered at most once per time to live. */
static GBytes *
rendered (const SvfsNode *n, SvfsCaller *c, const char *cgroup, GError **error)
{
  SvfsCacheKey key = { c->pidns, n->ino, cgroup };
  Render r = { n, c, error };
  svfs_cgroup_hint (c->pid, cgroup);
  GBytes *out = svfs_cache_get (&key, n->ttl_ms, render_text, &r);
  svfs_cgroup_hint (0, NULL);
  return out;
}

/* svfs_caller_identify plus the caller's cgroup text, remembered briefly (svfs-cache.h). */
static gboolean
identify (pid_t pid, SvfsCaller *c, gchar **cgroup, GError **error)
{
  memset (c, 0, sizeof *c);
  c->pid = pid;
  if (pid > 0 && svfs_cache_caller_get (pid, &c->pidns, &c->is_host, cgroup))
    return TRUE;
  if (!svfs_caller_identify (pid, c, error))
    return FALSE;
  if (!c->is_host)
    {
      g_autofree gchar *path = g_strdup_printf ("%s/%d/cgroup", svfs_proc_root (), (int) pid);
      *cgroup = svfs_read_file (path, NULL, error);
      if (!*cgroup)
        return FALSE;
    }
  svfs_cache_caller_put (pid, c->pidns, c->is_host, *cgroup);
  return TRUE;
}

static GBytes *
bytes_take (gchar *text)
{
  return text ? g_bytes_new_take (text, strlen (text)) : NULL;
}

static GBytes *
node_content (const SvfsNode *n, pid_t pid)
{
  SvfsCaller c;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *cgroup = NULL;
  GBytes *out = NULL;
  if (identify (pid, &c, &cgroup, &error) && !c.is_host)
    out = n->kind == SVFS_NODE_SYSCTL ? bytes_take (sysctl_value (n, &c, &error))
                                      : rendered (n, &c, cgroup, &error);
  if (out)
    return out;
  if (error)
    g_debug ("%s for pid %d: %s; serving the host's file", n->path, (int) pid, error->message);
  gsize len = 0;
  gchar *host = host_content (n, &len);
  return host ? g_bytes_new_take (host, len) : NULL;
}

gchar *
svfs_fuse_proc_text (const char *name, pid_t pid, GError **error)
{
  const SvfsNode *d = svfs_tree_lookup (SVFS_ROOT_INO, "proc");
  const SvfsNode *n = d != NULL ? svfs_tree_lookup (d->ino, name) : NULL;
  g_autofree gchar *cgroup = NULL;
  g_autoptr (GBytes) out = NULL;
  SvfsCaller c;
  gsize len;
  const char *data;

  if (n == NULL || n->kind != SVFS_NODE_FILE)
    {
      g_set_error (error, SVFS_ERROR, SVFS_ERROR_NOT_FOUND, "no emulated /proc/%s", name);
      return NULL;
    }
  if (!identify (pid, &c, &cgroup, error))
    return NULL;
  if (c.is_host)
    {
      g_set_error (error, SVFS_ERROR, SVFS_ERROR_NOT_SUPPORTED, "pid %d is a host process",
                   (int) pid);
      return NULL;
    }
  if ((out = rendered (n, &c, cgroup, error)) == NULL)
    return NULL;
  data = g_bytes_get_data (out, &len);
  return g_strndup (data, len);
}

/* Writes to /proc/sys entries: container root only, never the host (it has /proc/sys). */
static int
may_write (const SvfsNode *n, const struct fuse_ctx *ctx, SvfsCaller *c)
{
  g_autoptr (GError) error = NULL;
  if (n->kind != SVFS_NODE_SYSCTL)
    return EACCES;
  if (!svfs_caller_identify (ctx->pid, c, &error) || c->is_host
      || !svfs_caller_is_root (c, ctx->uid))
    {
      g_debug ("%s: write by pid %d uid %d refused: %s", n->path, (int) ctx->pid, (int) ctx->uid,
               error ? error->message : "not root of a container");
      return EACCES;
    }
  if (!svfs_caller_resolve_init (c, &error))
    {
      g_debug ("%s: write by pid %d: %s", n->path, (int) ctx->pid, error->message);
      return EACCES;
    }
  return 0;
}

static void
op_init (void *userdata, struct fuse_conn_info *conn)
{
  /* Requests are read into memory buffers only: a restart replays INIT from its bytes. */
  conn->want &= ~(FUSE_CAP_SPLICE_READ | FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE);
  g_info ("FUSE protocol %u.%u", conn->proto_major, conn->proto_minor);
  g_atomic_int_set (&initialized, 1);
}

static void
op_lookup (fuse_req_t req, fuse_ino_t parent, const char *name)
{
  const SvfsNode *n = svfs_tree_lookup (parent, name);
  if (!n)
    {
      /* A negative entry the kernel keeps: the plugin's stat of a sysctl this host lacks (not
       * in the tree) costs no request at the next create.  A minute, not a day: a daemon
       * restarted in place with a larger tree serves its new names within it. */
      struct fuse_entry_param none = { .ino = 0, .entry_timeout = SVFS_NEGATIVE_TIMEOUT };
      fuse_reply_entry (req, &none);
      return;
    }
  struct fuse_entry_param e = { .ino = n->ino,
                                .attr_timeout = SVFS_TIMEOUT,
                                .entry_timeout = SVFS_TIMEOUT };
  fill_attr (n, &e.attr);
  fuse_reply_entry (req, &e);
}

static void
op_getattr (fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
  const SvfsNode *n = svfs_tree_get (ino);
  struct stat st;
  if (!n)
    {
      fuse_reply_err (req, ENOENT);
      return;
    }
  fill_attr (n, &st);
  fuse_reply_attr (req, &st, SVFS_TIMEOUT);
}

/* Only truncation of a /proc/sys entry (echo 1 > file opens with O_TRUNC): a no-op. */
static void
op_setattr (fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
            struct fuse_file_info *fi)
{
  const SvfsNode *n = svfs_tree_get (ino);
  SvfsCaller c;
  struct stat st;
  if (!n)
    {
      fuse_reply_err (req, ENOENT);
      return;
    }
  if (to_set
      & ~(FUSE_SET_ATTR_SIZE | FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_ATIME_NOW
          | FUSE_SET_ATTR_MTIME_NOW | FUSE_SET_ATTR_CTIME))
    {
      fuse_reply_err (req, EPERM);
      return;
    }
  int err = may_write (n, fuse_req_ctx (req), &c);
  if (err)
    {
      fuse_reply_err (req, err);
      return;
    }
  fill_attr (n, &st);
  fuse_reply_attr (req, &st, SVFS_TIMEOUT);
}

static void
op_readdir (fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
  const SvfsNode *dir = svfs_tree_get (ino);
  if (!dir || dir->kind != SVFS_NODE_DIR)
    {
      fuse_reply_err (req, dir ? ENOTDIR : ENOENT);
      return;
    }
  g_autoptr (GPtrArray) children = svfs_tree_children (ino);
  g_autofree char *buf = g_malloc0 (size);
  size_t used = 0;
  for (guint i = (guint) off; i < children->len + 2; i++)
    {
      const SvfsNode *n = i < 2 ? dir : g_ptr_array_index (children, i - 2);
      struct stat st;
      fill_attr (n, &st);
      size_t need = fuse_add_direntry (req, buf + used, size - used,
                                       i == 0   ? "."
                                       : i == 1 ? ".."
                                                : n->name,
                                       &st, i + 1);
      if (need > size - used)
        break;
      used += need;
    }
  fuse_reply_buf (req, buf, used);
}

static void
op_open (fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
  const SvfsNode *n = svfs_tree_get (ino);
  SvfsCaller c;
  if (!n || n->kind == SVFS_NODE_DIR)
    {
      fuse_reply_err (req, n ? EISDIR : ENOENT);
      return;
    }
  int err = (fi->flags & O_ACCMODE) != O_RDONLY ? may_write (n, fuse_req_ctx (req), &c) : 0;
  if (err)
    {
      fuse_reply_err (req, err);
      return;
    }
  fi->direct_io = 1;
  fi->keep_cache = 0;
  g_mutex_lock (&handles_lock);
  fi->fh = next_fh++;
  g_mutex_unlock (&handles_lock);
  fuse_reply_open (req, fi);
}

/* Content is made at offset 0 and kept for the reads that follow; a handle this process
 * does not know (opened before a restart) is simply made again. */
static void
op_read (fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
  const SvfsNode *n = svfs_tree_get (ino);
  if (!n || n->kind == SVFS_NODE_DIR)
    {
      fuse_reply_err (req, n ? EISDIR : ENOENT);
      return;
    }
  guint64 fh = fi->fh;
  g_autoptr (GBytes) data = NULL;
  g_mutex_lock (&handles_lock);
  Handle *h = g_hash_table_lookup (handles, &fh);
  if (h && off > 0 && h->ino == n->ino)
    data = g_bytes_ref (h->data);
  g_mutex_unlock (&handles_lock);
  if (!data)
    {
      data = node_content (n, fuse_req_ctx (req)->pid);
      if (!data)
        {
          fuse_reply_err (req, EIO);
          return;
        }
      h = g_new0 (Handle, 1);
      *h = (Handle){ n->ino, g_bytes_ref (data) };
      g_mutex_lock (&handles_lock);
      g_hash_table_replace (handles, g_memdup2 (&fh, sizeof fh), h);
      g_mutex_unlock (&handles_lock);
    }
  gsize len;
  const char *bytes = g_bytes_get_data (data, &len);
  gsize start = MIN ((gsize) off, len);
  fuse_reply_buf (req, bytes + start, MIN (size, len - start));
}

static void
op_write (fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
          struct fuse_file_info *fi)
{
  const SvfsNode *n = svfs_tree_get (ino);
  SvfsCaller c;
  g_autoptr (GError) error = NULL;
  int err = n ? may_write (n, fuse_req_ctx (req), &c) : ENOENT;
  if (err || off > 0)
    {
      /* Like the kernel's sysctl files, data past the first write is ignored. */
      err ? fuse_reply_err (req, err) : fuse_reply_write (req, size);
      return;
    }
  gsize host_len;
  g_autofree gchar *host = host_content (n, &host_len);
  g_autofree gchar *value = svfs_sysctl_normalize (n->sysctl, host, buf, size, &error);
  if (!value)
    {
      g_debug ("write to %s by pid %d refused: %s", n->path, (int) c.pid, error->message);
      fuse_reply_err (req, EINVAL);
      return;
    }
  SvfsContainerKey key = svfs_caller_key (&c);
  svfs_sysctl_store_set (sysctl_store, &key, c.init_pid, n->sysctl->path, value);
  g_info ("%s = %s for container pidns %" G_GUINT64_FORMAT " (init %d)", n->path,
          g_strchomp (value), c.pidns, (int) c.init_pid);
  fuse_reply_write (req, size);
}

static void
op_release (fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
  guint64 fh = fi->fh;
  g_mutex_lock (&handles_lock);
  g_hash_table_remove (handles, &fh);
  g_mutex_unlock (&handles_lock);
  fuse_reply_err (req, 0);
}

static void
op_access (fuse_req_t req, fuse_ino_t ino, int mask)
{
  const SvfsNode *n = svfs_tree_get (ino);
  SvfsCaller c;
  if (!n)
    fuse_reply_err (req, ENOENT);
  else if (mask & W_OK)
    fuse_reply_err (req, may_write (n, fuse_req_ctx (req), &c));
  else
    fuse_reply_err (req, 0);
}

static const struct fuse_lowlevel_ops ops = {
  .init = op_init,
  .lookup = op_lookup,
  .getattr = op_getattr,
  .setattr = op_setattr,
  .readdir = op_readdir,
  .open = op_open,
  .read = op_read,
  .write = op_write,
  .release = op_release,
  .access = op_access,
};

gboolean
svfs_fuse_initialized (void)
{
  return g_atomic_int_get (&initialized);
}

const struct fuse_lowlevel_ops *
svfs_fuse_ops (void)
{
  return &ops;
}
