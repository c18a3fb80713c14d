/* process-limits.c: a container process's rlimits and OOM score, set from outside by the runtime. */
#include "process-limits.h"

#include "utils.h"

#include <sys/resource.h>

static gboolean
apply_rlimit (pid_t pid, const SvRlimit *r, guint i, GError **error)
{
  enum __rlimit_resource res = (enum __rlimit_resource) r->resource;
  struct rlimit want = { (rlim_t) r->soft, (rlim_t) r->hard }, ours;

  if (prlimit (pid, res, &want, NULL) == 0)
    return TRUE;
  if (errno != EPERM || getrlimit (res, &ours) < 0)
    {
      sv_set_error_errno (error, errno, "process.rlimits[%u]", i);
      return FALSE;
    }
  want.rlim_max = MIN (want.rlim_max, ours.rlim_max);
  want.rlim_cur = MIN (want.rlim_cur, want.rlim_max);
  g_warning ("process.rlimits[%u]: this host does not let root raise the hard limit "
             "(no CAP_SYS_RESOURCE); using %llu:%llu",
             i, (unsigned long long) want.rlim_cur, (unsigned long long) want.rlim_max);
  if (prlimit (pid, res, &want, NULL) < 0)
    {
      sv_set_error_errno (error, errno, "process.rlimits[%u]", i);
      return FALSE;
    }
  return TRUE;
}

static gboolean
apply_oom_score (SvProcess *p, pid_t pid, GError **error)
{
  g_autofree char *path = NULL;
  g_autofree char *value = NULL;
  g_autoptr (GError) local = NULL;

  if (!p->has_oom_score_adj)
    return TRUE;
  path = g_strdup_printf ("/proc/%d/oom_score_adj", (int) pid);
  value = g_strdup_printf ("%d", p->oom_score_adj);
  if (sv_write_existing_file (path, value, &local))
    return TRUE;
  if (!g_error_matches (local, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local), "process.oomScoreAdj: ");
      return FALSE;
    }
  g_warning ("process.oomScoreAdj %s: not permitted on this host (no CAP_SYS_RESOURCE); "
             "keeping the inherited score",
             value);
  return TRUE;
}

gboolean
sv_process_apply_limits (SvProcess *p, pid_t pid, GError **error)
{
  for (guint i = 0; i < p->rlimits->len; i++)
    if (!apply_rlimit (pid, &g_array_index (p->rlimits, SvRlimit, i), i, error))
      return FALSE;
  return apply_oom_score (p, pid, error);
}
