/* fuzz-daemon-json: Docker's daemon.json as idmap-dockerremap reads it
 * (lib/sv-daemon-json.c) and as `sysvisor-runc check` reads it
 * (core/check/host-check.c: the runtime registration and userns-remap checks). */
#include "fuzz-util.h"

#include "sv-daemon-json.h"
#include "host-check.h"

#include <stdlib.h>

static char *no_conf;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  g_setenv ("SYSVISOR_DOCKER_DAEMON_JSON", fuzz_write ("daemon.json", NULL, 0), TRUE);
  no_conf = g_build_filename (fuzz_dir (), "no-plugins.conf", NULL);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  const char *path = fuzz_write ("daemon.json", data, size);
  g_autoptr (SvDockerDaemon) d = sv_docker_daemon_read (path, &error);
  g_autoptr (GPtrArray) results = NULL;

  if (d != NULL)
    g_assert (d->data_root != NULL && d->data_root[0] != '\0');
  else
    g_assert (error != NULL && error->message[0] != '\0');
  results = sv_host_check_docker (no_conf);
  g_assert (results->len == 2);
  for (guint i = 0; i < results->len; i++)
    {
      const SvCheckResult *r = g_ptr_array_index (results, i);
      g_assert (r->detail != NULL && (r->status == SV_CHECK_OK) == (r->fix == NULL));
    }
  return 0;
}
