/* process.h: the container process's identity and its execve (process.c), in the container's
 * init or an exec'd process. */
#pragma once

#include "init.h"

gboolean sv_process_set_user_caps (SvProcess *p, GError **error);
gboolean sv_process_join_session_keyring (GError **error);
char *sv_process_find_exec (SvProcess *p, char **envp, GError **error);
/* chdir to process.cwd and check that the directory is inside the container's root: a path
 * through a magic link (/proc/self/fd/N of one of the runtime's own fds) would leave the
 * process outside it (the CVE-2024-21626 class). */
gboolean sv_process_chdir (SvProcess *p, GError **error);
/* As runc: the same, first while still container root (a directory the user cannot enter, like
 * /root for uid 42, works); *@done FALSE when root was refused (try sv_process_chdir as the
 * user). */
gboolean sv_process_chdir_privileged (SvProcess *p, gboolean *done, GError **error);
/* Close every fd from 3 up but the @preserve_fds ones (3..) and the @n_keep in @keep (-1 ok):
 * the caller's and the runtime's fds never reach the container. */
void sv_close_fds_except (guint preserve_fds, const int *keep, guint n_keep);
void sv_process_exec (SvInitConfig *cfg, const char *path) G_GNUC_NORETURN;
