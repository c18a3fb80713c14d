/* fuzz-sysctl: a write to one of sysvisor-fs's /proc/sys files
 * (plugins/fuse-procfs/sysvisor-fs/svfs-sysctl.c): validated against the entry and the host's value, kept
 * per container and handed over to the next daemon on restart.  Input: one byte choosing the
 * entry, the host's value, a NUL, the written value. */
#include "fuzz-util.h"

#include "svfs-sysctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  return 0;
}

static void
hand_over (SvfsSysctlStore *store, const SvfsContainerKey *key, const char *path,
           const char *value)
{
  g_autoptr (SvfsSysctlStore) next = svfs_sysctl_store_new ();
  g_autoptr (GString) out = g_string_new (NULL);
  g_auto (GStrv) lines = NULL;
  g_autofree char *got = NULL;

  svfs_sysctl_store_save (store, out);
  lines = g_strsplit (out->str, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (lines[i][0] != '\0' && !svfs_sysctl_store_load_line (next, lines[i], NULL))
      {
        fprintf (stderr, "fuzz-sysctl: saved line does not load: %s\n", lines[i]);
        abort ();
      }
  got = svfs_sysctl_store_get (next, key, path);
  g_assert_cmpstr (got, ==, value);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  guint n;
  const SvfsSysctl *table = svfs_sysctl_table (&n);
  const SvfsSysctl *e;
  const uint8_t *nul;
  g_autofree char *host = NULL;
  g_autofree char *value = NULL;
  g_autofree char *line = NULL;
  g_autoptr (SvfsSysctlStore) store = svfs_sysctl_store_new ();
  SvfsContainerKey key = { 4026531836, 12345 };

  if (size < 1)
    return 0;
  e = &table[data[0] % n];
  g_assert (svfs_sysctl_find (e->path) == e);
  data++, size--;
  nul = memchr (data, '\0', size);
  host = nul != NULL ? fuzz_strndup (data, (size_t) (nul - data)) : g_strdup (e->fallback);
  if (nul != NULL)
    size -= (size_t) (nul - data) + 1, data = nul + 1;
  value = svfs_sysctl_normalize (e, host, (const char *) data, size, NULL);
  if (value != NULL)
    {
      svfs_sysctl_store_set (store, &key, 1, e->path, value);
      hand_over (store, &key, e->path, value);
    }
  line = fuzz_strndup (data, size);
  svfs_sysctl_store_load_line (store, line, NULL);
  return 0;
}
