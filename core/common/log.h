/* log.h: runc-compatible logging (--log, --log-format text|json, --debug). */
#pragma once

#include <glib.h>

typedef enum
{
  SV_LOG_TEXT,
  SV_LOG_JSON,
} SvLogFormat;

/* Install the GLib log handler.  @path NULL = stderr.  Records are written as
 * {"level":"info","msg":"...","time":"..."} in JSON format (what containerd reads), or as
 * logrus-style text lines. */
gboolean sv_log_setup (const char *path, SvLogFormat format, gboolean debug, GError **error);
gboolean sv_log_parse_format (const char *name, SvLogFormat *out, GError **error);
/* Report the command's final error: one line "sysvisor-runc: MSG" on stderr, plus an
 * error record in the log file when there is one. */
void sv_log_report_error (const GError *error);
/* A warning about a documented override that applies to most specs (e.g. a read-only cgroup
 * mount made writable): a "warning" record in the --log file, on stderr only with --debug,
 * so that a container's own stderr is not sprinkled with it on every run. */
void sv_log_override (const char *fmt, ...) G_GNUC_PRINTF (1, 2);
/* The --log file's fd (-1: none), for a process that closes every fd it does not need. */
int sv_log_fd (void);
/* In the container's init before it waits for `start`: close the --log file and drop further
 * records (nothing of the host stays open in a container; its stdio is the container's). */
void sv_log_detach (void);
