/* sysvisor-fs: state hand-over between the old and the new process of a restart. */
#include "svfs-takeover.h"
#include "sv-error.h"

#include "svfs-fuse.h"
#include "svfs-loadavg.h"
#include "svfs-util.h"

#include <errno.h>
#include <glib.h>
#include <linux/fuse.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* An id the kernel never hands out (they count up from 0 in steps of 2). */
#define SVFS_REPLAY_UNIQUE 0xfffffffffffffff0ULL

static GMutex init_lock;
static GBytes *init_request;

void
svfs_takeover_capture (const struct fuse_buf *buf)
{
  const struct fuse_in_header *in = buf->mem;
  if (buf->mem == NULL || buf->size < sizeof *in || in->opcode != FUSE_INIT)
    return;
  g_mutex_lock (&init_lock);
  g_clear_pointer (&init_request, g_bytes_unref);
  init_request = g_bytes_new (buf->mem, MIN (buf->size, (gsize) in->len));
  g_mutex_unlock (&init_lock);
}

static gboolean
write_all (int fd, const char *data, gsize len, GError **error)
{
  while (len > 0)
    {
      gssize n = write (fd, data, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          sv_set_file_error_errno (error, saved, "write state");
          return FALSE;
        }
      data += n, len -= n;
    }
  return TRUE;
}

int
svfs_takeover_save (SvfsSysctlStore *store, guint generation, GError **error)
{
  g_autoptr (GString) out = g_string_new ("sysvisor-fs state 1\n");
  g_string_append_printf (out, "generation %u\nfh %" G_GUINT64_FORMAT "\n", generation,
                          svfs_fuse_next_fh ());
  g_mutex_lock (&init_lock);
  if (init_request)
    {
      gsize len;
      const guchar *data = g_bytes_get_data (init_request, &len);
      g_autofree gchar *b64 = g_base64_encode (data, len);
      g_string_append_printf (out, "init %s\n", b64);
    }
  g_mutex_unlock (&init_lock);
  svfs_sysctl_store_save (store, out);
  svfs_loadavg_save (out);
  svfs_fuse_save_handles (out);
  sv_autofd fd = memfd_create ("sysvisor-fs-state", MFD_CLOEXEC);
  if (fd < 0)
    {
      int saved = errno;
      sv_set_file_error_errno (error, saved, "memfd_create");
      return -1;
    }
  if (!write_all (fd, out->str, out->len, error))
    return -1;
  lseek (fd, 0, SEEK_SET);
  return g_steal_fd (&fd);
}

static gboolean
load_line (const char *line, SvfsSysctlStore *store, guint *generation, GError **error)
{
  if (g_str_has_prefix (line, "generation "))
    *generation = (guint) g_ascii_strtoull (line + 11, NULL, 10);
  else if (g_str_has_prefix (line, "fh "))
    svfs_fuse_set_next_fh (g_ascii_strtoull (line + 3, NULL, 10));
  else if (g_str_has_prefix (line, "init "))
    {
      gsize len;
      guchar *data = g_base64_decode (line + 5, &len);
      g_mutex_lock (&init_lock);
      g_clear_pointer (&init_request, g_bytes_unref);
      init_request = g_bytes_new_take (data, len);
      g_mutex_unlock (&init_lock);
    }
  else if (g_str_has_prefix (line, "sysctl "))
    return svfs_sysctl_store_load_line (store, line, error);
  else if (g_str_has_prefix (line, "loadavg "))
    return svfs_loadavg_load_line (line, error);
  else if (g_str_has_prefix (line, "handle "))
    {
      /* A handle lost only means its next read is made again: never fatal. */
      g_autoptr (GError) local = NULL;
      if (!svfs_fuse_load_handle_line (line, &local))
        g_warning ("restart: %s", local->message);
    }
  return TRUE;
}

gboolean
svfs_takeover_load (int fd, SvfsSysctlStore *store, guint *generation, GError **error)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/self/fd/%d", fd);
  g_autofree gchar *text = svfs_read_file (path, NULL, error);
  if (!text)
    return FALSE;
  if (!g_str_has_prefix (text, "sysvisor-fs state 1\n"))
    {
      g_set_error (error, SVFS_ERROR, SVFS_ERROR_INVALID_DATA, "state fd %d: unknown format", fd);
      return FALSE;
    }
  g_auto (GStrv) lines = g_strsplit (text, "\n", 0);
  for (guint i = 1; lines[i]; i++)
    if (*lines[i] && !load_line (lines[i], store, generation, error))
      return FALSE;
  return TRUE;
}

gboolean
svfs_takeover_replay_init (struct fuse_session *se, GError **error)
{
  g_mutex_lock (&init_lock);
  GBytes *init = init_request ? g_bytes_ref (init_request) : NULL;
  g_mutex_unlock (&init_lock);
  if (!init)
    {
      g_set_error (error, SVFS_ERROR, SVFS_ERROR_NOT_FOUND,
                   "the previous process handed over no FUSE INIT request");
      return FALSE;
    }
  gsize len;
  const void *data = g_bytes_get_data (init, &len);
  g_autofree struct fuse_in_header *copy = g_malloc0 (MAX (len, 4096));
  memcpy (copy, data, len);
  copy->unique = SVFS_REPLAY_UNIQUE;
  struct fuse_buf buf = { .size = len, .mem = copy };
  fuse_session_process_buf (se, &buf);
  g_bytes_unref (init);
  if (!svfs_fuse_initialized ())
    {
      g_set_error (error, SVFS_ERROR, SVFS_ERROR_FAILED, "replaying FUSE INIT failed");
      return FALSE;
    }
  return TRUE;
}
