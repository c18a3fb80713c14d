/* sysvisor-fs: sysinfo(2) for a container, from the same sources as its /proc files, so that
 * `free`, `uptime` and a program calling sysinfo() agree with /proc/meminfo, /proc/uptime and
 * /proc/loadavg inside. */
#include "svfs-files.h"
#include "svfs-supervisor.h"

#include <gio/gio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "Key:   123 kB" of a meminfo text, in bytes; 0 when absent. */
static guint64
meminfo_bytes (const char *text, const char *key)
{
  g_autofree gchar *needle = g_strdup_printf ("\n%s:", key);
  const char *p = strstr (text, needle);

  if (g_str_has_prefix (text, needle + 1))
    p = text + strlen (needle) - 1;
  else if (p != NULL)
    p += strlen (needle);
  else
    return 0;
  return g_ascii_strtoull (p, NULL, 10) * 1024;
}

static gboolean
fill_memory (SvfsCaller *c, struct sysinfo *si, GError **error)
{
  g_autofree gchar *mem = svfs_proc_meminfo (c, error);

  if (mem == NULL)
    return FALSE;
  si->totalram = meminfo_bytes (mem, "MemTotal");
  si->freeram = meminfo_bytes (mem, "MemFree");
  si->sharedram = meminfo_bytes (mem, "Shmem");
  si->bufferram = meminfo_bytes (mem, "Buffers");
  si->totalswap = meminfo_bytes (mem, "SwapTotal");
  si->freeswap = meminfo_bytes (mem, "SwapFree");
  si->totalhigh = si->freehigh = 0;
  si->mem_unit = 1;
  if (si->totalram == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "no MemTotal in meminfo");
      return FALSE;
    }
  return TRUE;
}

/* The uptime of /proc/uptime (not its idle field: sysinfo has none) and "l1 l5 l15
 * running/total last" of /proc/loadavg. */
static gboolean
fill_times (SvfsCaller *c, struct sysinfo *si, GError **error)
{
  gdouble up;
  g_autofree gchar *load = NULL;
  double l[3];
  unsigned running, total;

  if (!svfs_proc_uptime_seconds (c, &up, error) || (load = svfs_proc_loadavg (c, error)) == NULL)
    return FALSE;
  if (sscanf (load, "%lf %lf %lf %u/%u", &l[0], &l[1], &l[2], &running, &total) != 5)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "loadavg \"%s\"", load);
      return FALSE;
    }
  si->uptime = (long) up;
  for (guint i = 0; i < 3; i++)
    si->loads[i] = (unsigned long) (l[i] * (1 << SI_LOAD_SHIFT) + 0.5);
  si->procs = (unsigned short) MIN (total, G_MAXUSHORT);
  return TRUE;
}

gboolean
svfs_sysinfo_for_pid (pid_t pid, struct sysinfo *si, GError **error)
{
  SvfsCaller c;

  memset (si, 0, sizeof *si);
  if (!svfs_caller_identify (pid, &c, error))
    return FALSE;
  if (c.is_host)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "pid %d is a host process",
                   (int) pid);
      return FALSE;
    }
  return fill_memory (&c, si, error) && fill_times (&c, si, error);
}
