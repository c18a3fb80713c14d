/* sv-subid.h (libsv-util): /etc/subuid and /etc/subgid ("name:start:count" per line) and the
 * pool of ids a user's entries give the idmap-exclusive plugin.  Pure file parsing: no core,
 * no plugin.h.  The one parser of these files (idmap-exclusive, idmap-dockerremap). */
#pragma once

#include <glib.h>

/* What the installer writes for the sysvisor user: 4096 ranges of 65536 ids. */
#define SV_SUBID_INSTALLER_COUNT 268435456u

typedef struct
{
  char *name; /* user name or numeric uid, as written */
  guint32 start;
  guint32 count;
  guint line; /* 1-based */
} SvSubidEntry;

typedef struct
{
  char *path;
  gboolean missing;   /* the file does not exist (then it has no entries) */
  GPtrArray *entries; /* SvSubidEntry, in file order; malformed lines are skipped */
} SvSubidFile;

/* A contiguous run of host ids: one subordinate entry of the user. */
typedef struct
{
  guint32 start;
  guint32 count;
} SvIdPool;

/* Read @path.  A missing file reads as empty (->missing is set); a malformed line of @user (name or
 * @user_uid, may be NULL) is an error naming the line; other malformed lines are skipped. */
SvSubidFile *sv_subid_file_read (const char *path, const char *user, const char *user_uid,
                                 GError **error);
/* The same from the @text of @path already read (NULL: the file does not exist). */
SvSubidFile *sv_subid_file_parse (const char *path, const char *text, const char *user,
                                  const char *user_uid, GError **error);
void sv_subid_file_free (SvSubidFile *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SvSubidFile, sv_subid_file_free)

/* TRUE when @e belongs to @user (its name, or @user_uid when not NULL). */
gboolean sv_subid_entry_is (const SvSubidEntry *e, const char *user, const char *user_uid);

/* The entries of @user in @f (borrowed pointers), sorted by start. */
GPtrArray *sv_subid_entries_of (SvSubidFile *f, const char *user, const char *user_uid);

/* A start for a new entry that overlaps nothing in @uid_file nor @gid_file (either may be
 * NULL): past every entry, rounded up to a multiple of 65536, at least 100000. */
guint32 sv_subid_suggest_start (SvSubidFile *uid_file, SvSubidFile *gid_file);

/* The pools of host ids that @user may hand out, from its entries in both files, checked:
 * the user has entries in both, the subuid and subgid entries are equal, no entry includes
 * host id 0, none overlaps another entry (of the user or of another user), and at least
 * one range of @range_size ids fits.  Each failure says what is wrong and the fix.
 * @user_uid: the user's numeric uid as a string (entries may name it), or NULL. */
GArray *sv_subid_user_pools (SvSubidFile *uid_file, SvSubidFile *gid_file, const char *user,
                             const char *user_uid, guint32 range_size, GError **error);
