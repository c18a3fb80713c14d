/* events-cmd.c: `sysvisor-runc events`: a container's cgroup stats as runc prints them, one
 * JSON record a line: {"type":"stats","id":ID,"data":{...}} every --interval (or once with
 * --stats), and {"type":"oom","id":ID} whenever the kernel OOM-kills one of its processes. */
#include "cli.h"

#include "container-cgroup.h"
#include "json-util.h"
#include "utils.h"
#include "sv-error.h"

#include <gio/gio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* How often the OOM counter and the init are looked at between two stats records. */
#define EVENTS_TICK_US (250 * G_TIME_SPAN_MILLISECOND)

enum
{
  OPT_INTERVAL = 1000,
  OPT_STATS,
};

static const struct option events_options[] = {
  { "interval", required_argument, NULL, OPT_INTERVAL },
  { "stats", no_argument, NULL, OPT_STATS },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

static const struct
{
  const char *name;
  double us;
} duration_units[] = {
  { "ns", 1e-3 }, { "us", 1 },  { "\xc2\xb5s", 1 }, { "\xce\xbcs", 1 },
  { "ms", 1e3 },  { "s", 1e6 }, { "m", 60e6 },      { "h", 3600e6 },
};

/* One "<number><unit>" of a duration at *p; advances *p.  FALSE if there is none. */
static gboolean
parse_duration_term (const char **p, double *us)
{
  const char *s = *p, *num = s;
  g_autofree char *digits = NULL;
  gsize unit_len = 0;
  double unit = 0;

  while (g_ascii_isdigit (*s) || *s == '.')
    s++;
  if (s == num || (s - num == 1 && *num == '.'))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (duration_units); i++)
    {
      gsize len = strlen (duration_units[i].name);

      /* The longest unit that matches: "ms" before "m". */
      if (len > unit_len && strncmp (s, duration_units[i].name, len) == 0)
        {
          unit_len = len;
          unit = duration_units[i].us;
        }
    }
  if (unit_len == 0)
    return FALSE;
  digits = g_strndup (num, (gsize) (s - num));
  if (strchr (digits, '.') != strrchr (digits, '.'))
    return FALSE; /* "1.2.3s" */
  *us += g_ascii_strtod (digits, NULL) * unit;
  *p = s + unit_len;
  return TRUE;
}

/* Go's time.ParseDuration syntax, as runc reads --interval: "5s", "500ms", "1m30s", "1.5h";
 * the result must be positive.  In microseconds. */
static gboolean
parse_interval (const char *text, gint64 *out_us, GError **error)
{
  const char *p = text;
  double us = 0;

  if (*p == '+')
    p++;
  if (*p == '\0' || strcmp (p, "0") == 0)
    goto bad;
  while (*p != '\0')
    if (!parse_duration_term (&p, &us))
      goto bad;
  if (!isfinite (us) || us < 1 || us > (double) G_MAXINT64 / 2)
    goto bad;
  *out_us = (gint64) us;
  return TRUE;
bad:
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               "--interval \"%s\": expected a positive duration such as 5s, 500ms, 1m or 1m30s",
               text);
  return FALSE;
}

/* Print one record and flush it: a reader sees each as it comes. */
static gboolean
print_record (const char *type, const char *id, JsonNode *data)
{
  g_autoptr (JsonObject) o = json_object_new ();
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *text = NULL;

  json_object_set_string_member (o, "type", type);
  json_object_set_string_member (o, "id", id);
  if (data != NULL)
    json_object_set_member (o, "data", json_node_ref (data));
  json_node_set_object (node, o);
  text = sv_json_to_string (node, FALSE);
  printf ("%s\n", text);
  return fflush (stdout) == 0 && !ferror (stdout);
}

static gboolean
print_stats (SvCgroup *cg, const char *id, GError **error)
{
  g_autoptr (JsonNode) data = sv_cgroup_stats (cg, error);

  if (data == NULL)
    return FALSE;
  if (!print_record ("stats", id, data))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE, "writing to stdout: %s",
                   sv_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

/* The file whose "oom_kill N" line counts the container's OOM kills: memory.oom_control of
 * the v1 memory hierarchy, else memory.events of cgroup v2.  NULL when neither exists. */
static char *
oom_counter_file (SvCgroup *cg)
{
  g_autoptr (GPtrArray) hier = sv_cgroup_hierarchies (cg);

  for (guint i = 0; i < hier->len; i++)
    {
      SvCgroupHierarchy *h = hier->pdata[i];
      g_auto (GStrv) ctrls = g_strsplit (h->name, ",", -1);

      if (strcmp (h->fstype, "cgroup") == 0
          && g_strv_contains ((const char *const *) ctrls, "memory"))
        return g_build_filename (h->host_path, "memory.oom_control", NULL);
    }
  for (guint i = 0; i < hier->len; i++)
    {
      SvCgroupHierarchy *h = hier->pdata[i];
      g_autofree char *file = g_build_filename (h->host_path, "memory.events", NULL);

      if (strcmp (h->fstype, "cgroup2") == 0 && g_file_test (file, G_FILE_TEST_EXISTS))
        return g_steal_pointer (&file);
    }
  return NULL;
}

/* The "oom_kill" count of @file (0 when it cannot be read: an old kernel has no such line). */
static guint64
oom_kills (const char *file)
{
  g_autofree char *text = NULL;
  const char *line;
  guint64 n = 0;

  if (file == NULL || !g_file_get_contents (file, &text, NULL, NULL))
    return 0;
  line = strstr (text, "oom_kill ");
  if (line != NULL && (line == text || line[-1] == '\n'))
    n = g_ascii_strtoull (line + strlen ("oom_kill "), NULL, 10);
  return n;
}

/* Until the container's init is gone: stats every @interval_us, an "oom" record as soon as
 * (within EVENTS_TICK_US) the OOM-kill count grows. */
static gboolean
watch (SvCgroup *cg, const SvState *st, gint64 interval_us, GError **error)
{
  g_autofree char *oom_file = oom_counter_file (cg);
  guint64 kills = oom_kills (oom_file);
  gint64 next_stats = g_get_monotonic_time () + interval_us;

  while (sv_proc_alive (st->pid, st->starttime))
    {
      guint64 now_kills = oom_kills (oom_file);
      gint64 now;

      if (now_kills > kills && !print_record ("oom", st->id, NULL))
        return TRUE; /* nobody reads any more */
      kills = MAX (kills, now_kills);
      now = g_get_monotonic_time ();
      if (now >= next_stats)
        {
          g_autoptr (GError) local = NULL;

          if (!print_stats (cg, st->id, &local))
            {
              if (!sv_proc_alive (st->pid, st->starttime)
                  || g_error_matches (local, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE))
                return TRUE;
              g_propagate_error (error, g_steal_pointer (&local));
              return FALSE;
            }
          next_stats += interval_us * ((now - next_stats) / interval_us + 1);
          now = g_get_monotonic_time ();
        }
      g_usleep ((gulong) CLAMP (next_stats - now, 1000, EVENTS_TICK_US));
    }
  return TRUE;
}

int
sv_cmd_events (SvGlobal *g, int argc, char **argv)
{
  const SvCommand *cmd = sv_cli_find ("events");
  GError *error = NULL;
  g_autoptr (SvCgroup) cg = NULL;
  g_autoptr (SvState) st = NULL;
  gint64 interval_us = 5 * G_TIME_SPAN_SECOND;
  gboolean once = FALSE;
  int c, status = 1;

  while ((c = sv_cli_getopt (cmd, argc, argv, events_options, "", &status)) != -1)
    if (c == OPT_INTERVAL)
      {
        if (!parse_interval (optarg, &interval_us, &error))
          {
            status = sv_cli_usage ("events", "%s", error->message);
            g_clear_error (&error);
            return status;
          }
      }
    else if (c == OPT_STATS)
      once = TRUE;
    else
      return status;
  if (!sv_cli_need_args (cmd, argc, argv, 1, 1))
    return 1;
  cg = sv_cli_container_cgroup (g->root, argv[optind], "read the events of",
                                SV_STATUS_BIT (SV_STATUS_CREATED)
                                    | SV_STATUS_BIT (SV_STATUS_RUNNING)
                                    | SV_STATUS_BIT (SV_STATUS_PAUSED),
                                NULL, &st, &error);
  if (cg == NULL)
    return sv_cli_fail (error);
  if (once ? !print_stats (cg, st->id, &error) : !watch (cg, st, interval_us, &error))
    return sv_cli_fail (error);
  return 0;
}
