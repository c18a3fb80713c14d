/* fuzz-plugins-conf: /etc/sysvisor/plugins.conf (core/plugin-host/plugins-conf.c) and the settings read from
 * it (the backend of each role, the [sysvisor] policy). */
#include "fuzz-util.h"

#include "plugins-conf.h"
#include "syscont-policy.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SvPluginsConf) conf = NULL;
  const char *path = fuzz_write ("plugins.conf", data, size);
  SvSyscontPolicy policy;

  conf = sv_plugins_conf_load (path, &error);
  if (conf == NULL)
    {
      g_assert (error != NULL && error->message[0] != '\0');
      return 0;
    }
  for (int r = 0; r < SV_N_ROLES; r++)
    {
      g_assert (conf->backend[r] != NULL);
      g_free (sv_plugins_conf_plugin_name ((SvRole) r, conf->backend[r]));
    }
  sv_syscont_policy_init (&policy, NULL, conf, NULL);
  return 0;
}
