/* idmap-store-files.h: the files of idmap-exclusive's store (idmap-store.c), which the
 * transactions (idmap-reserve.c) are made of.  Every function that changes a file runs under
 * the lock (sv_idmap_store_open); the listings may also run without it. */
#pragma once

#include "idmap-store.h"

typedef struct
{
  char *lib_dir;
  char *dir; /* <lib dir>/idmap-exclusive */
  int lock;  /* the lock file, flocked */
  int nice;
  gboolean boosted;
} SvIdmapStore;

typedef struct
{
  char *state_root;
  char *id;
} SvIdmapHolder;

SvIdmapHolder *sv_idmap_holder_new (const char *state_root, const char *id);
void sv_idmap_holder_free (SvIdmapHolder *h);

/* Lock (waiting for it, then at a higher priority until the close), and make the store's
 * directories.  With @create FALSE a missing lib dir is FALSE without an error. */
gboolean sv_idmap_store_open (SvIdmapStore *s, const char *lib_dir, gboolean create,
                              GError **error);
void sv_idmap_store_close (SvIdmapStore *s);
#define sv_idmap_autostore __attribute__ ((cleanup (sv_idmap_store_close))) SvIdmapStore

guint64 sv_idmap_cursor_read (int lock_fd);
void sv_idmap_cursor_write (int lock_fd, guint64 v);

char *sv_idmap_slot_name (guint32 start, guint32 size);
gboolean sv_idmap_slot_parse (const char *name, gboolean json, guint32 *start, guint32 *size);
/* <@dir>/ranges/<start>-<size>.json (@dir: the store's directory) */
char *sv_idmap_range_path (const char *dir, guint32 start, guint32 size);

gboolean sv_idmap_store_write_range (SvIdmapStore *s, const SvIdmapRange *r, GError **error);
gboolean sv_idmap_store_remove_range (SvIdmapStore *s, const SvIdmapRange *r, GError **error);
/* Container @id of @state_root holds @r (its link; @r's file is written after it). */
gboolean sv_idmap_store_link (SvIdmapStore *s, const char *state_root, const char *id,
                              const SvIdmapRange *r, GError **error);
void sv_idmap_store_unlink (SvIdmapStore *s, const char *state_root, const char *id);
/* The range the container holds (its link, and the range file that lists it), or NULL; a link
 * that counts for nothing is removed.  A corrupt range file is an error. */
SvIdmapRange *sv_idmap_store_find (SvIdmapStore *s, const char *state_root, const char *id,
                                   GError **error);

SvIdmapTable *sv_idmap_store_slots (const char *dir, GError **error);
/* SvIdmapHolder of every link, in the order of the directories. */
GPtrArray *sv_idmap_store_holders (const char *dir);
/* An older release's table, when there is one, into range files (*@converted TRUE); then it
 * is removed. */
gboolean sv_idmap_store_convert (SvIdmapStore *s, gboolean *converted, GError **error);
