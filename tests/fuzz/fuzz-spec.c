/* fuzz-spec: config.json (core/common/spec.c) as create reads it: parse, apply the system-container
 * policy (capabilities widened, Docker's profile widened) and compile the seccomp profile. */
#include "fuzz-util.h"

#include "spec.h"
#include "sv-seccomp.h"
#include "syscont-policy.h"

#include <sys/stat.h>

static char *bundle;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_autofree char *rootfs = NULL;

  fuzz_init ();
  bundle = g_strdup (fuzz_dir ());
  rootfs = g_build_filename (bundle, "rootfs", NULL);
  mkdir (rootfs, 0700);
  return 0;
}

static void
apply_policy (SvSpec *spec)
{
  g_autoptr (GError) error = NULL;
  SvSyscontPolicy policy;
  JsonObject *seccomp;

  if (!sv_syscont_policy_init (&policy, spec->annotations, NULL, &error))
    return;
  if (spec->process != NULL)
    sv_syscont_widen_caps (spec->process, &policy);
  if (spec->seccomp == NULL)
    return;
  seccomp = sv_syscont_seccomp (spec->seccomp, &policy);
  sv_seccomp_program_free (sv_seccomp_compile (seccomp, "linux.seccomp", &error));
  json_object_unref (seccomp);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (SvSpec) spec = NULL;

  root = sv_json_parse_data ((const char *) data, (gssize) size, "config.json", &error);
  if (root == NULL)
    return 0;
  spec = sv_spec_from_json (root, bundle, &error);
  if (spec == NULL)
    {
      g_assert (error != NULL && error->message[0] != '\0');
      return 0;
    }
  apply_policy (spec);
  return 0;
}
