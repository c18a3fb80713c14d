/* sv-mountinfo.h: the text of /proc/PID/mountinfo (libsv-util, GLib alone: sysvisor-fs links
 * it too).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <glib.h>

/* A field of mountinfo with the kernel's octal escapes undone ("\040" a blank, "\011" a tab,
 * "\012" a newline, "\134" a backslash: any "\" and three octal digits of one byte); anything
 * else is kept as it stands. */
char *sv_mountinfo_unescape (const char *field);
