/* sv-heap.h: a process's heap faulted in ahead of the allocations it is about to make
 * (libsv-util).
 *
 * On a paravirtualised guest the first touch of a fresh page costs a fault of ~15 us, while
 * madvise(MADV_POPULATE_WRITE) maps a page for ~1 us (bench/README.md, tenth round).  A
 * short-lived command that is about to allocate a known amount (the runtime's create, a parse
 * of a large JSON file) asks for it once.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <glib.h>

/* Make the next ~@bytes of malloc's heap populated pages: a block of @bytes taken from the
 * brk heap, populated with one madvise and freed, where malloc keeps it.  Above glibc's
 * default mmap threshold (128 KiB) that takes two mallopt settings for the rest of the
 * process: blocks up to @bytes come from the heap instead of mappings of their own, and a
 * freed top of up to twice @bytes stays.  For short-lived processes: a daemon would keep the
 * memory.  Warming less than an earlier call did is a no-op; @bytes is capped at 16 MiB;
 * before Linux 5.14 (no MADV_POPULATE_WRITE) nothing is populated. */
void sv_heap_warm (gsize bytes);
