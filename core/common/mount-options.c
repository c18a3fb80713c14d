/* mount-options.c: OCI mount options ("ro", "nosuid", "rbind", "rprivate", "rro", ...) to
 * mount(2) flags, propagation, recursive mount attributes and filesystem data. */
#include "mount-options.h"

#include <string.h>
#include <sys/mount.h>

typedef enum
{
  OPT_FLAG,        /* set a MS_* flag */
  OPT_CLEAR,       /* clear a MS_* flag */
  OPT_PROPAGATION, /* a propagation type */
  OPT_REC_SET,     /* recursive MOUNT_ATTR_* set */
  OPT_REC_CLEAR,   /* recursive MOUNT_ATTR_* clear */
  OPT_BIND,
  OPT_RBIND,
  OPT_IGNORE, /* accepted, handled elsewhere or meaningless here */
} OptKind;

static const struct
{
  const char *name;
  OptKind kind;
  unsigned long value;
} mount_options[] = {
  { "defaults", OPT_IGNORE, 0 },
  { "ro", OPT_FLAG, MS_RDONLY },
  { "rw", OPT_CLEAR, MS_RDONLY },
  { "suid", OPT_CLEAR, MS_NOSUID },
  { "nosuid", OPT_FLAG, MS_NOSUID },
  { "dev", OPT_CLEAR, MS_NODEV },
  { "nodev", OPT_FLAG, MS_NODEV },
  { "exec", OPT_CLEAR, MS_NOEXEC },
  { "noexec", OPT_FLAG, MS_NOEXEC },
  { "sync", OPT_FLAG, MS_SYNCHRONOUS },
  { "async", OPT_CLEAR, MS_SYNCHRONOUS },
  { "dirsync", OPT_FLAG, MS_DIRSYNC },
  { "remount", OPT_FLAG, MS_REMOUNT },
  { "mand", OPT_FLAG, MS_MANDLOCK },
  { "nomand", OPT_CLEAR, MS_MANDLOCK },
  { "atime", OPT_CLEAR, MS_NOATIME },
  { "noatime", OPT_FLAG, MS_NOATIME },
  { "diratime", OPT_CLEAR, MS_NODIRATIME },
  { "nodiratime", OPT_FLAG, MS_NODIRATIME },
  { "relatime", OPT_FLAG, MS_RELATIME },
  { "norelatime", OPT_CLEAR, MS_RELATIME },
  { "strictatime", OPT_FLAG, MS_STRICTATIME },
  { "nostrictatime", OPT_CLEAR, MS_STRICTATIME },
  { "silent", OPT_FLAG, MS_SILENT },
  { "loud", OPT_CLEAR, MS_SILENT },
  { "bind", OPT_BIND, 0 },
  { "rbind", OPT_RBIND, 0 },
  { "shared", OPT_PROPAGATION, MS_SHARED },
  { "rshared", OPT_PROPAGATION, MS_SHARED | MS_REC },
  { "slave", OPT_PROPAGATION, MS_SLAVE },
  { "rslave", OPT_PROPAGATION, MS_SLAVE | MS_REC },
  { "private", OPT_PROPAGATION, MS_PRIVATE },
  { "rprivate", OPT_PROPAGATION, MS_PRIVATE | MS_REC },
  { "unbindable", OPT_PROPAGATION, MS_UNBINDABLE },
  { "runbindable", OPT_PROPAGATION, MS_UNBINDABLE | MS_REC },
  { "rro", OPT_REC_SET, MOUNT_ATTR_RDONLY },
  { "rrw", OPT_REC_CLEAR, MOUNT_ATTR_RDONLY },
  { "rnosuid", OPT_REC_SET, MOUNT_ATTR_NOSUID },
  { "rsuid", OPT_REC_CLEAR, MOUNT_ATTR_NOSUID },
  { "rnodev", OPT_REC_SET, MOUNT_ATTR_NODEV },
  { "rdev", OPT_REC_CLEAR, MOUNT_ATTR_NODEV },
  { "rnoexec", OPT_REC_SET, MOUNT_ATTR_NOEXEC },
  { "rexec", OPT_REC_CLEAR, MOUNT_ATTR_NOEXEC },
  { "rnoatime", OPT_REC_SET, MOUNT_ATTR_NOATIME },
  { "rnodiratime", OPT_REC_SET, MOUNT_ATTR_NODIRATIME },
  { "rrelatime", OPT_REC_SET, MOUNT_ATTR_RELATIME },
  { "rstrictatime", OPT_REC_SET, MOUNT_ATTR_STRICTATIME },
  /* Handled by the runtime elsewhere (idmapped mounts come from the shift plugin). */
  { "idmap", OPT_IGNORE, 0 },
  { "ridmap", OPT_IGNORE, 0 },
  { "tmpcopyup", OPT_IGNORE, 0 },
};

static void
apply_option (SvMount *m, const char *opt, GString *data)
{
  for (guint i = 0; i < G_N_ELEMENTS (mount_options); i++)
    {
      if (strcmp (opt, mount_options[i].name) != 0)
        continue;
      switch (mount_options[i].kind)
        {
        case OPT_FLAG:
          m->flags |= mount_options[i].value;
          break;
        case OPT_CLEAR:
          m->flags &= ~mount_options[i].value;
          break;
        case OPT_PROPAGATION:
          m->propagation = mount_options[i].value;
          break;
        case OPT_REC_SET:
          m->rec_attr_set |= mount_options[i].value;
          break;
        case OPT_REC_CLEAR:
          m->rec_attr_clr |= mount_options[i].value;
          break;
        case OPT_BIND:
          m->bind = TRUE;
          break;
        case OPT_RBIND:
          m->bind = m->rbind = TRUE;
          break;
        case OPT_IGNORE:
          break;
        }
      return;
    }
  if (data->len > 0)
    g_string_append_c (data, ',');
  g_string_append (data, opt);
}

void
sv_mount_parse_options (SvMount *m)
{
  g_autoptr (GString) data = g_string_new (NULL);

  m->flags = 0;
  m->propagation = 0;
  m->rec_attr_set = m->rec_attr_clr = 0;
  m->bind = m->rbind = FALSE;
  for (guint i = 0; m->options != NULL && m->options[i] != NULL; i++)
    apply_option (m, m->options[i], data);
  if (g_strcmp0 (m->type, "bind") == 0 && !m->bind)
    m->bind = TRUE; /* type "bind" without the option: a plain bind, as runc does */
  g_free (m->data);
  m->data = data->len > 0 ? g_strdup (data->str) : NULL;
}
