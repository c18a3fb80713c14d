/* names.h: the names the OCI spec uses for capabilities, rlimits and namespaces (names.c). */
#pragma once

#include <glib.h>

/* The capability named @name (with or without "CAP_"), or -1. */
int sv_cap_from_name (const char *name);
const char *sv_cap_name (int cap);
/* Highest capability this kernel knows (/proc/sys/kernel/cap_last_cap). */
int sv_cap_last_cap (void);
/* The rlimit named "RLIMIT_NOFILE" etc., or -1. */
int sv_rlimit_from_name (const char *name);
const char *sv_namespace_name (int nstype);
