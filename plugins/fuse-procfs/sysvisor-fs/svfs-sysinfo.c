/* sysvisor-fs: sysinfo(2) for a container, from the same sources as its /proc files, so that
 * `free`, `uptime` and a program calling sysinfo() agree with /proc/meminfo, /proc/uptime and
 * /proc/loadavg inside. */
#include "svfs-fuse.h"
#include "svfs-supervisor.h"
#include "svfs-error.h"

#include <glib.h>
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
fill_memory (pid_t pid, struct sysinfo *si, GError **error)
{
  g_autofree gchar *mem = svfs_fuse_proc_text ("meminfo", pid, error);

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
      g_set_error (error, SVFS_ERROR, SVFS_ERROR_INVALID_DATA, "no MemTotal in meminfo");
      return FALSE;
    }
  return TRUE;
}

/* "up idle" of /proc/uptime and "l1 l5 l15 running/total last" of /proc/loadavg. */
static gboolean
fill_times (pid_t pid, struct sysinfo *si, GError **error)
{
  g_autofree gchar *up = svfs_fuse_proc_text ("uptime", pid, error);
  g_autofree gchar *load = up != NULL ? svfs_fuse_proc_text ("loadavg", pid, error) : NULL;
  double l[3];
  unsigned running, total;

  if (load == NULL)
    return FALSE;
  if (sscanf (load, "%lf %lf %lf %u/%u", &l[0], &l[1], &l[2], &running, &total) != 5)
    {
      g_set_error (error, SVFS_ERROR, SVFS_ERROR_INVALID_DATA, "loadavg \"%s\"", load);
      return FALSE;
    }
  si->uptime = (long) g_ascii_strtod (up, NULL);
  for (guint i = 0; i < 3; i++)
    si->loads[i] = (unsigned long) (l[i] * (1 << SI_LOAD_SHIFT) + 0.5);
  si->procs = (unsigned short) MIN (total, G_MAXUSHORT);
  return TRUE;
}

/* The texts of the caller's /proc files, as a read of them would get them now (the same
 * caches: a loop of sysinfo() calls costs what a loop of reads does, no cgroup read per
 * call). */
gboolean
svfs_sysinfo_for_pid (pid_t pid, struct sysinfo *si, GError **error)
{
  memset (si, 0, sizeof *si);
  return fill_memory (pid, si, error) && fill_times (pid, si, error);
}
