/* fuzz-util.c: the scratch directory and logging setup of the fuzz harnesses. */
#include "fuzz-util.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *scratch;
static GHashTable *paths; /* name -> full path */

static int
remove_entry (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  return remove (path) < 0 && errno != ENOENT ? -1 : 0;
}

static void
remove_scratch (void)
{
  if (scratch != NULL)
    nftw (scratch, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void
log_handler (const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
  if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR))
    {
      fprintf (stderr, "fuzz: %s-CRITICAL: %s\n", domain != NULL ? domain : "", message);
      abort ();
    }
}

void
fuzz_init (void)
{
  const char *base = g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR) ? "/dev/shm" : g_get_tmp_dir ();
  g_autofree char *tmpl = g_build_filename (base, "sv-fuzz-XXXXXX", NULL);

  if (scratch != NULL)
    return;
  g_log_set_default_handler (log_handler, NULL);
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR);
  scratch = g_mkdtemp (g_steal_pointer (&tmpl));
  if (scratch == NULL)
    {
      fprintf (stderr, "fuzz: cannot make a scratch directory under %s: %s\n", base,
               g_strerror (errno));
      abort ();
    }
  paths = g_hash_table_new (g_str_hash, g_str_equal);
  atexit (remove_scratch);
}

const char *
fuzz_dir (void)
{
  fuzz_init ();
  return scratch;
}

const char *
fuzz_write (const char *name, const uint8_t *data, size_t size)
{
  char *path;
  int fd;

  fuzz_init ();
  path = g_hash_table_lookup (paths, name);
  if (path == NULL)
    {
      path = g_build_filename (scratch, name, NULL);
      g_hash_table_insert (paths, g_strdup (name), path);
    }
  fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || (size > 0 && write (fd, data, size) != (ssize_t) size))
    {
      fprintf (stderr, "fuzz: cannot write %s: %s\n", path, g_strerror (errno));
      abort ();
    }
  close (fd);
  return path;
}

char *
fuzz_strndup (const uint8_t *data, size_t size)
{
  char *s = g_malloc (size + 1);

  if (size > 0)
    memcpy (s, data, size);
  s[size] = '\0';
  return s;
}
