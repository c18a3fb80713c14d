/* fuzz-subid: /etc/subuid and /etc/subgid (lib/sv-subid.c) as idmap-exclusive
 * and `check` read them.  Input: the subuid file, then (after a NUL byte) the subgid file; no
 * NUL: both files the same. */
#include "fuzz-util.h"

#include "sv-subid.h"

#include <string.h>

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  return 0;
}

static void
use_pools (SvSubidFile *u, SvSubidFile *g, const char *user, const char *uid)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) pools = sv_subid_user_pools (u, g, user, uid, 65536, &error);
  g_autoptr (GPtrArray) mine = sv_subid_entries_of (u, user, uid);

  g_assert (pools != NULL || (error != NULL && error->message[0] != '\0'));
  for (guint i = 0; pools != NULL && i < pools->len; i++)
    {
      const SvIdPool *p = &g_array_index (pools, SvIdPool, i);
      g_assert (p->start != 0 && (guint64) p->start + p->count <= G_MAXUINT32 + 1ULL);
    }
  for (guint i = 1; i < mine->len; i++)
    g_assert (((SvSubidEntry *) g_ptr_array_index (mine, i - 1))->start
              <= ((SvSubidEntry *) g_ptr_array_index (mine, i))->start);
  (void) sv_subid_suggest_start (u, g);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const uint8_t *nul = memchr (data, '\0', size);
  size_t ulen = nul != NULL ? (size_t) (nul - data) : size;
  const char *upath = fuzz_write ("subuid", data, ulen);
  const char *gpath = nul != NULL ? fuzz_write ("subgid", nul + 1, size - ulen - 1) : upath;
  g_autoptr (SvSubidFile) u = sv_subid_file_read (upath, "sysvisor", "999", NULL);
  g_autoptr (SvSubidFile) g = sv_subid_file_read (gpath, "sysvisor", "999", NULL);

  if (u == NULL || g == NULL)
    return 0;
  use_pools (u, g, "sysvisor", "999");
  use_pools (u, g, "root", NULL);
  return 0;
}
