/* fuzz-util.h: what every libFuzzer harness of tests/fuzz shares: the entry points, a scratch
 * directory per process (the parsers under test read files), and GLib logging that turns a
 * g_critical (a programmer error: a precondition a fuzzed input broke) into a crash. */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv);

/* Once per process: quiet logging below critical, criticals fatal, the scratch directory. */
void fuzz_init (void);
/* The scratch directory (removed at exit). */
const char *fuzz_dir (void);
/* Write @size bytes to @name under fuzz_dir () (replaced); returns the path (static per name). */
const char *fuzz_write (const char *name, const uint8_t *data, size_t size);
/* The bytes as a NUL-terminated string (embedded NULs kept; the caller frees). */
char *fuzz_strndup (const uint8_t *data, size_t size);
