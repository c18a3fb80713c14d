/* sv-heap.c: see sv-heap.h. */
#include "sv-heap.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define SV_HEAP_GLIBC_MMAP_THRESHOLD (128 * 1024)
#define SV_HEAP_WARM_MAX (16 * 1024 * 1024)

void
sv_heap_warm (gsize bytes)
{
  static gsize warmed; /* the most an earlier call warmed: malloc still holds it */
  const uintptr_t page = (uintptr_t) sysconf (_SC_PAGESIZE);
  uintptr_t start, end;
  char *block;

  bytes = MIN (bytes, SV_HEAP_WARM_MAX);
  if (bytes <= warmed)
    return;
  if (bytes >= SV_HEAP_GLIBC_MMAP_THRESHOLD)
    {
      (void) mallopt (M_MMAP_THRESHOLD, (int) (bytes + page));
      (void) mallopt (M_TRIM_THRESHOLD, (int) (2 * bytes + SV_HEAP_GLIBC_MMAP_THRESHOLD));
    }
  if ((block = malloc (bytes)) == NULL)
    return;
  start = ((uintptr_t) block + page - 1) & ~(page - 1);
  end = ((uintptr_t) block + bytes) & ~(page - 1);
  if (end > start)
    (void) madvise ((void *) start, end - start, MADV_POPULATE_WRITE);
  free (block);
  warmed = bytes;
}
