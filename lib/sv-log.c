/* sv-log.c: log level names (sv-log.h). */
#include "sv-log.h"

const char *
sv_log_level_name (GLogLevelFlags level)
{
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    return "error";
  if (level & G_LOG_LEVEL_WARNING)
    return "warning";
  if (level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO))
    return "info";
  return "debug";
}

gboolean
sv_log_level_parse (const char *name, GLogLevelFlags *level)
{
  static const struct
  {
    const char *name;
    GLogLevelFlags level;
  } levels[] = {
    { "error", G_LOG_LEVEL_CRITICAL },
    { "warning", G_LOG_LEVEL_WARNING },
    { "info", G_LOG_LEVEL_INFO },
    { "debug", G_LOG_LEVEL_DEBUG },
  };

  for (guint i = 0; i < G_N_ELEMENTS (levels); i++)
    if (g_strcmp0 (name, levels[i].name) == 0)
      {
        *level = levels[i].level;
        return TRUE;
      }
  return FALSE;
}
