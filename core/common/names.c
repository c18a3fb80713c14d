/* names.c: the names the OCI spec uses for capabilities, rlimits and namespaces. */
#include "names.h"
#include "sv-file.h"

#include <sched.h>
#include <string.h>
#include <sys/resource.h>

static const char *const cap_names[] = {
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_DAC_READ_SEARCH",
  "CAP_FOWNER",
  "CAP_FSETID",
  "CAP_KILL",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETPCAP",
  "CAP_LINUX_IMMUTABLE",
  "CAP_NET_BIND_SERVICE",
  "CAP_NET_BROADCAST",
  "CAP_NET_ADMIN",
  "CAP_NET_RAW",
  "CAP_IPC_LOCK",
  "CAP_IPC_OWNER",
  "CAP_SYS_MODULE",
  "CAP_SYS_RAWIO",
  "CAP_SYS_CHROOT",
  "CAP_SYS_PTRACE",
  "CAP_SYS_PACCT",
  "CAP_SYS_ADMIN",
  "CAP_SYS_BOOT",
  "CAP_SYS_NICE",
  "CAP_SYS_RESOURCE",
  "CAP_SYS_TIME",
  "CAP_SYS_TTY_CONFIG",
  "CAP_MKNOD",
  "CAP_LEASE",
  "CAP_AUDIT_WRITE",
  "CAP_AUDIT_CONTROL",
  "CAP_SETFCAP",
  "CAP_MAC_OVERRIDE",
  "CAP_MAC_ADMIN",
  "CAP_SYSLOG",
  "CAP_WAKE_ALARM",
  "CAP_BLOCK_SUSPEND",
  "CAP_AUDIT_READ",
  "CAP_PERFMON",
  "CAP_BPF",
  "CAP_CHECKPOINT_RESTORE",
};

int
sv_cap_from_name (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (cap_names); i++)
    if (g_ascii_strcasecmp (name, cap_names[i]) == 0
        || g_ascii_strcasecmp (name, cap_names[i] + 4) == 0)
      return (int) i;
  return -1;
}

const char *
sv_cap_name (int cap)
{
  if (cap < 0 || cap >= (int) G_N_ELEMENTS (cap_names))
    return "CAP_UNKNOWN";
  return cap_names[cap];
}

int
sv_cap_last_cap (void)
{
  static int last = -1;
  g_autofree char *text = NULL;

  if (last >= 0)
    return last;
  if ((text = sv_file_read_text ("/proc/sys/kernel/cap_last_cap", NULL)) != NULL)
    last = (int) g_ascii_strtoll (text, NULL, 10);
  if (last <= 0)
    last = (int) G_N_ELEMENTS (cap_names) - 1;
  return last;
}

static const struct
{
  const char *name;
  int resource;
} rlimit_names[] = {
  { "RLIMIT_CPU", RLIMIT_CPU },           { "RLIMIT_FSIZE", RLIMIT_FSIZE },
  { "RLIMIT_DATA", RLIMIT_DATA },         { "RLIMIT_STACK", RLIMIT_STACK },
  { "RLIMIT_CORE", RLIMIT_CORE },         { "RLIMIT_RSS", RLIMIT_RSS },
  { "RLIMIT_NPROC", RLIMIT_NPROC },       { "RLIMIT_NOFILE", RLIMIT_NOFILE },
  { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },   { "RLIMIT_AS", RLIMIT_AS },
  { "RLIMIT_LOCKS", RLIMIT_LOCKS },       { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
  { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE }, { "RLIMIT_NICE", RLIMIT_NICE },
  { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },     { "RLIMIT_RTTIME", RLIMIT_RTTIME },
};

int
sv_rlimit_from_name (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (rlimit_names); i++)
    if (strcmp (name, rlimit_names[i].name) == 0)
      return rlimit_names[i].resource;
  return -1;
}

static const struct
{
  const char *name;
  int nstype;
} ns_names[] = {
  { "user", CLONE_NEWUSER },     { "mount", CLONE_NEWNS },  { "pid", CLONE_NEWPID },
  { "ipc", CLONE_NEWIPC },       { "uts", CLONE_NEWUTS },   { "network", CLONE_NEWNET },
  { "cgroup", CLONE_NEWCGROUP }, { "time", CLONE_NEWTIME },
};

int sv_namespace_from_name (const char *name);

int
sv_namespace_from_name (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (ns_names); i++)
    if (strcmp (name, ns_names[i].name) == 0)
      return ns_names[i].nstype;
  return 0;
}

const char *
sv_namespace_name (int nstype)
{
  for (guint i = 0; i < G_N_ELEMENTS (ns_names); i++)
    if (ns_names[i].nstype == nstype)
      return ns_names[i].name;
  return "unknown";
}
