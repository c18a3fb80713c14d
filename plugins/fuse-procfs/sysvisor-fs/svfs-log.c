/* sysvisor-fs: log writer: "TIME sysvisor-fs[PID]: LEVEL: message" lines. */
#include "svfs-log.h"

#include "sv-error.h"
#include "sv-log.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <string.h>
#include <unistd.h>

static GMutex log_lock;
static gchar *log_path;
static int log_fd = STDERR_FILENO;
static GLogLevelFlags log_threshold = G_LOG_LEVEL_WARNING;

/* GLib's levels grow more verbose with the bit value. */
static GLogLevelFlags
level_bit (GLogLevelFlags level)
{
  return level & G_LOG_LEVEL_MASK & -(level & G_LOG_LEVEL_MASK);
}

static GLogWriterOutput
writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  if (level_bit (level) > log_threshold)
    return G_LOG_WRITER_HANDLED;
  const char *message = "";
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE"))
      message = fields[i].value;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree gchar *stamp = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S");
  g_autofree gchar *line = g_strdup_printf ("%s.%06dZ sysvisor-fs[%d]: %s: %s\n", stamp,
                                            g_date_time_get_microsecond (now), (int) getpid (),
                                            sv_log_level_name (level), message);
  g_mutex_lock (&log_lock);
  gssize unused = write (log_fd, line, strlen (line));
  (void) unused;
  g_mutex_unlock (&log_lock);
  return G_LOG_WRITER_HANDLED;
}

static gboolean
open_log_locked (GError **error)
{
  if (!log_path)
    return TRUE;
  int fd = open (log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0)
    {
      int saved = errno;
      sv_set_file_error_errno (error, saved, "open log %s", log_path);
      return FALSE;
    }
  if (log_fd != STDERR_FILENO)
    close (log_fd);
  log_fd = fd;
  return TRUE;
}

gboolean
svfs_log_setup (const char *file, GLogLevelFlags level, GError **error)
{
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&log_lock);
  log_threshold = level;
  g_free (log_path);
  log_path = g_strdup (file);
  if (!open_log_locked (error))
    return FALSE;
  static gsize installed;
  if (g_once_init_enter (&installed))
    {
      g_log_set_writer_func (writer, NULL, NULL);
      g_once_init_leave (&installed, 1);
    }
  return TRUE;
}

void
svfs_log_reopen (void)
{
  g_autoptr (GError) error = NULL;
  g_mutex_lock (&log_lock);
  gboolean ok = open_log_locked (&error);
  g_mutex_unlock (&log_lock);
  if (!ok)
    g_warning ("%s", error->message);
}
