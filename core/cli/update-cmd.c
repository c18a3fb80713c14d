/* update-cmd.c: `sysvisor-runc update`: change a container's cgroup limits.  --resources reads
 * an OCI linux.resources object (what containerd sends for `docker update`); the flags fill
 * the same members.  Either is parsed once into the typed limits the cgroup drivers apply.
 * Nothing is saved: the cgroup itself holds the new limits. */
#include "cli.h"

#include "cgroups-resources.h"
#include "container-cgroup.h"
#include "json-util.h"
#include "utils.h"
#include "sv-error.h"
#include "sv-file.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>
#include <unistd.h>

enum
{
  OPT_RESOURCES = 'r',
  OPT_MEMORY = 1000,
  OPT_MEMORY_SWAP,
  OPT_MEMORY_RESERVATION,
  OPT_CPU_SHARES,
  OPT_CPU_QUOTA,
  OPT_CPU_PERIOD,
  OPT_CPU_RT_RUNTIME,
  OPT_CPU_RT_PERIOD,
  OPT_CPUSET_CPUS,
  OPT_CPUSET_MEMS,
  OPT_PIDS_LIMIT,
  OPT_BLKIO_WEIGHT,
};

static const struct option update_options[] = {
  { "resources", required_argument, NULL, OPT_RESOURCES },
  { "memory", required_argument, NULL, OPT_MEMORY },
  { "memory-swap", required_argument, NULL, OPT_MEMORY_SWAP },
  { "memory-reservation", required_argument, NULL, OPT_MEMORY_RESERVATION },
  { "cpu-shares", required_argument, NULL, OPT_CPU_SHARES },
  { "cpu-share", required_argument, NULL, OPT_CPU_SHARES }, /* runc's spelling */
  { "cpu-quota", required_argument, NULL, OPT_CPU_QUOTA },
  { "cpu-period", required_argument, NULL, OPT_CPU_PERIOD },
  { "cpu-rt-runtime", required_argument, NULL, OPT_CPU_RT_RUNTIME },
  { "cpu-rt-period", required_argument, NULL, OPT_CPU_RT_PERIOD },
  { "cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS },
  { "cpuset-mems", required_argument, NULL, OPT_CPUSET_MEMS },
  { "pids-limit", required_argument, NULL, OPT_PIDS_LIMIT },
  { "blkio-weight", required_argument, NULL, OPT_BLKIO_WEIGHT },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

/* Where each flag goes in linux.resources, and how its value reads. */
typedef enum
{
  VALUE_INT,    /* a decimal integer, -1 allowed */
  VALUE_BYTES,  /* an integer with an optional k/m/g/t suffix (powers of 1024), or -1 */
  VALUE_STRING, /* "0-3", "0,1" */
} ValueKind;

static const struct
{
  int opt;
  const char *section;
  const char *member;
  ValueKind kind;
} flag_fields[] = {
  { OPT_MEMORY, "memory", "limit", VALUE_BYTES },
  { OPT_MEMORY_SWAP, "memory", "swap", VALUE_BYTES },
  { OPT_MEMORY_RESERVATION, "memory", "reservation", VALUE_BYTES },
  { OPT_CPU_SHARES, "cpu", "shares", VALUE_INT },
  { OPT_CPU_QUOTA, "cpu", "quota", VALUE_INT },
  { OPT_CPU_PERIOD, "cpu", "period", VALUE_INT },
  { OPT_CPU_RT_RUNTIME, "cpu", "realtimeRuntime", VALUE_INT },
  { OPT_CPU_RT_PERIOD, "cpu", "realtimePeriod", VALUE_INT },
  { OPT_CPUSET_CPUS, "cpu", "cpus", VALUE_STRING },
  { OPT_CPUSET_MEMS, "cpu", "mems", VALUE_STRING },
  { OPT_PIDS_LIMIT, "pids", "limit", VALUE_INT },
  { OPT_BLKIO_WEIGHT, "blockIO", "weight", VALUE_INT },
};

/* "512m", "1G", "1048576", "-1" -> bytes. */
static gboolean
parse_bytes (const char *text, gint64 *out)
{
  char *end = NULL;
  gint64 v, scale = 1;

  if (strcmp (text, "-1") == 0)
    {
      *out = -1;
      return TRUE;
    }
  if (!g_ascii_isdigit (text[0]))
    return FALSE;
  v = g_ascii_strtoll (text, &end, 10);
  switch (g_ascii_tolower (*end))
    {
    case '\0':
      break;
    case 'k':
      scale = 1ll << 10;
      break;
    case 'm':
      scale = 1ll << 20;
      break;
    case 'g':
      scale = 1ll << 30;
      break;
    case 't':
      scale = 1ll << 40;
      break;
    default:
      return FALSE;
    }
  if (*end != '\0')
    {
      end++;
      if (g_ascii_tolower (*end) == 'b')
        end++;
      if (*end != '\0')
        return FALSE;
    }
  if (v < 0 || v > G_MAXINT64 / scale)
    return FALSE;
  *out = v * scale;
  return TRUE;
}

/* Add the value of flag @opt (its text @value) to @res, creating its section as needed. */
static gboolean
add_flag (JsonObject *res, int opt, const char *flag, const char *value, GError **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (flag_fields); i++)
    {
      JsonObject *section;
      gint64 n;

      if (flag_fields[i].opt != opt)
        continue;
      if (!json_object_has_member (res, flag_fields[i].section))
        json_object_set_object_member (res, flag_fields[i].section, json_object_new ());
      section = json_object_get_object_member (res, flag_fields[i].section);
      if (flag_fields[i].kind == VALUE_STRING)
        json_object_set_string_member (section, flag_fields[i].member, value);
      else if (flag_fields[i].kind == VALUE_BYTES
                   ? parse_bytes (value, &n)
                   : g_ascii_string_to_signed (value, 10, -1, G_MAXINT64, &n, NULL))
        json_object_set_int_member (section, flag_fields[i].member, n);
      else
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--%s \"%s\": expected %s", flag, value,
                       flag_fields[i].kind == VALUE_BYTES
                           ? "a number of bytes (e.g. 536870912, 512m, 1g) or -1"
                           : "an integer");
          return FALSE;
        }
      return TRUE;
    }
  g_assert_not_reached ();
}

static const char *
flag_name (int opt)
{
  for (guint i = 0; update_options[i].name != NULL; i++)
    if (update_options[i].val == opt)
      return update_options[i].name;
  return "?";
}

/* The --resources object, from @path or from stdin for "-", parsed into typed limits. */
static SvCgroupResources *
read_resources (const char *path, GError **error)
{
  g_autofree char *data = NULL;
  g_autoptr (JsonNode) node = NULL;
  gsize len = 0;

  if (strcmp (path, "-") != 0)
    node = sv_json_parse_file (path, error);
  else if ((data = sv_read_fd_to_end (STDIN_FILENO, &len)) == NULL)
    sv_set_error_errno (error, errno, "reading the resources from stdin");
  else
    node = sv_json_parse_data (data, (gssize) len, "the resources on stdin", error);
  if (node == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "--resources %s: expected a JSON object (an OCI linux.resources), e.g. "
                   "{\"memory\":{\"limit\":536870912}}",
                   path);
      return NULL;
    }
  return sv_cgroup_resources_parse (json_node_get_object (node), "resources", error);
}

int
sv_cmd_update (SvGlobal *g, int argc, char **argv)
{
  const SvCommand *cmd = sv_cli_find ("update");
  GError *error = NULL;
  g_autoptr (JsonObject) flags = json_object_new ();
  g_autoptr (SvCgroupResources) res = NULL;
  g_autoptr (SvCgroup) cg = NULL;
  const char *resources = NULL, *first_flag = NULL;
  sv_autofd lock = -1;
  int c, status = 1;

  while ((c = sv_cli_getopt (cmd, argc, argv, update_options, "r:", &status)) != -1)
    if (c == OPT_RESOURCES)
      resources = optarg;
    else if (c >= OPT_MEMORY && c <= OPT_BLKIO_WEIGHT)
      {
        first_flag = first_flag != NULL ? first_flag : flag_name (c);
        if (!add_flag (flags, c, flag_name (c), optarg, &error))
          {
            status = sv_cli_usage ("update", "%s", error->message);
            g_clear_error (&error);
            return status;
          }
      }
    else
      return status;
  if (!sv_cli_need_args (cmd, argc, argv, 1, 1))
    return 1;
  if (resources != NULL && first_flag != NULL)
    return sv_cli_usage ("update",
                         "--resources and --%s do not go together: put every value "
                         "in the resources object, or use only flags",
                         first_flag);
  if (resources == NULL && first_flag == NULL)
    return sv_cli_usage ("update", "nothing to update: give --resources FILE|- or a flag "
                                   "such as --memory");
  res = resources != NULL ? read_resources (resources, &error)
                          : sv_cgroup_resources_parse (flags, "resources", &error);
  if (res == NULL)
    return sv_cli_fail (error);
  lock = sv_cli_lock_container (g->root, argv[optind], &error);
  if (lock < 0)
    return sv_cli_fail (error);
  cg = sv_cli_container_cgroup (g->root, argv[optind], "update",
                                SV_STATUS_BIT (SV_STATUS_CREATED)
                                    | SV_STATUS_BIT (SV_STATUS_RUNNING)
                                    | SV_STATUS_BIT (SV_STATUS_PAUSED),
                                NULL, NULL, &error);
  if (cg == NULL || !sv_cgroup_apply (cg, res, &error))
    {
      if (cg != NULL)
        g_prefix_error (&error, "cannot update container \"%s\": ", argv[optind]);
      return sv_cli_fail (error);
    }
  return 0;
}
