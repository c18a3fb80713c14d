/* log.c: runc-compatible logging. */
#include "log.h"

#include "sv-log.h"
#include "utils.h"

#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static struct
{
  int fd; /* -1: stderr */
  SvLogFormat format;
  gboolean debug;
  pid_t detached; /* the process that logs no more (the init, before it runs the process), or 0:
                   * a pid, not a flag, as the init may share this memory with the runtime */
} sv_log = { -1, SV_LOG_TEXT, FALSE, 0 };

static gboolean
log_detached (void)
{
  return sv_log.detached != 0 && sv_log.detached == getpid ();
}

gboolean
sv_log_parse_format (const char *name, SvLogFormat *out, GError **error)
{
  if (g_strcmp0 (name, "text") == 0)
    *out = SV_LOG_TEXT;
  else if (g_strcmp0 (name, "json") == 0)
    *out = SV_LOG_JSON;
  else
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "unknown --log-format \"%s\": use text or json", name);
      return FALSE;
    }
  return TRUE;
}

static char *
format_record (const char *level, const char *domain, const char *msg)
{
  g_autofree char *now = sv_rfc3339_now ();
  g_autofree char *full = NULL;

  full = domain != NULL && g_strcmp0 (domain, "sysvisor") != 0
             ? g_strdup_printf ("%s: %s", domain, msg)
             : g_strdup (msg);
  if (sv_log.format == SV_LOG_JSON)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      g_autoptr (JsonNode) root = NULL;
      g_autofree char *text = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "level");
      json_builder_add_string_value (b, level);
      json_builder_set_member_name (b, "msg");
      json_builder_add_string_value (b, full);
      json_builder_set_member_name (b, "time");
      json_builder_add_string_value (b, now);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      text = json_to_string (root, FALSE);
      return g_strconcat (text, "\n", NULL);
    }
  {
    g_autofree char *quoted = g_strescape (full, NULL);
    return g_strdup_printf ("time=\"%s\" level=%s msg=\"%s\"\n", now, level, quoted);
  }
}

static void
write_record (const char *level, const char *domain, const char *msg)
{
  g_autofree char *line = format_record (level, domain, msg);
  int fd = sv_log.fd >= 0 ? sv_log.fd : STDERR_FILENO;

  sv_write_all (fd, line, strlen (line));
}

static void
log_handler (const char *domain, GLogLevelFlags level, const char *msg, gpointer data)
{
  if (log_detached ())
    return;
  if ((level & G_LOG_LEVEL_DEBUG) && !sv_log.debug)
    return;
  if ((level & G_LOG_LEVEL_INFO) && !sv_log.debug && sv_log.fd < 0)
    return;
  write_record (sv_log_level_name (level), domain, msg);
}

void
sv_log_override (const char *fmt, ...)
{
  g_autofree char *msg = NULL;
  va_list ap;

  if ((sv_log.fd < 0 && !sv_log.debug) || log_detached ())
    return;
  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  write_record ("warning", NULL, msg);
}

gboolean
sv_log_setup (const char *path, SvLogFormat format, gboolean debug, GError **error)
{
  sv_log.format = format;
  sv_log.debug = debug;
  if (path != NULL && path[0] != '\0')
    {
      int fd = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
      if (fd < 0)
        {
          sv_set_error_errno (error, errno, "open log file %s (--log)", path);
          return FALSE;
        }
      sv_log.fd = fd;
    }
  g_log_set_default_handler (log_handler, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK);
  return TRUE;
}

void
sv_log_report_error (const GError *error)
{
  g_autofree char *line = g_strdup_printf ("sysvisor-runc: %s\n", error->message);

  if (sv_log.fd >= 0)
    write_record ("error", NULL, error->message);
  sv_write_all (STDERR_FILENO, line, strlen (line));
}

int
sv_log_fd (void)
{
  return sv_log.fd;
}

void
sv_log_detach (void)
{
  /* (our copy of the fd only: the runtime's stays open, and sv_log.fd its number) */
  if (sv_log.fd >= 0)
    close (sv_log.fd);
  sv_log.detached = getpid ();
}
