/* fuzz-state: a container's state.json (core/common/state.c): load it as every command does, report
 * it as `state` does, and check that what loads saves and loads again. */
#include "fuzz-util.h"

#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static char *root, *copy_root;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_autofree char *dir = NULL;

  fuzz_init ();
  root = g_build_filename (fuzz_dir (), "state", NULL);
  copy_root = g_build_filename (fuzz_dir (), "copy", NULL);
  dir = g_build_filename (root, "fuzz", NULL);
  g_mkdir_with_parents (dir, 0700);
  g_mkdir_with_parents (copy_root, 0700);
  return 0;
}

static void
round_trip (SvState *st)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SvState) again = NULL;
  g_autofree char *dir = g_build_filename (copy_root, st->id, NULL);

  g_mkdir_with_parents (dir, 0700);
  if (!sv_state_save (copy_root, st, &error))
    {
      fprintf (stderr, "fuzz-state: a loaded state does not save: %s\n", error->message);
      abort ();
    }
  again = sv_state_load (copy_root, st->id, &error);
  if (again == NULL)
    {
      fprintf (stderr, "fuzz-state: a saved state does not load: %s\n", error->message);
      abort ();
    }
  g_assert (again->pid == st->pid && g_strcmp0 (again->bundle, st->bundle) == 0);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SvState) st = NULL;
  g_autoptr (JsonNode) oci = NULL;
  g_autofree char *text = NULL;

  fuzz_write ("state/fuzz/state.json", data, size);
  st = sv_state_load (root, "fuzz", &error);
  if (st == NULL)
    {
      g_assert (error != NULL && error->message[0] != '\0');
      return 0;
    }
  (void) sv_status_name (sv_state_status (st));
  oci = sv_state_to_oci (st);
  text = sv_json_to_string (oci, FALSE);
  g_assert_cmpstr (st->id, ==, "fuzz");
  round_trip (st);
  return 0;
}
