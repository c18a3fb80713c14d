/* sysvisor/plugin.h: the one contract between sysvisor-runc and its backends.
 *
 * A plugin is a shared object that exports one symbol, sv_plugin_entry(), returning a
 * const SvPlugin descriptor.  The core opens it with GModule, checks the descriptor's ABI
 * version (major must be equal, minor may be older than the core's), then calls its hooks.
 * A plugin reaches the core only through the accessors declared here; it never includes a
 * core header.  See docs/PLUGINS.md for the lifecycle and a complete example.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef SYSVISOR_PLUGIN_H
#define SYSVISOR_PLUGIN_H

#include <glib.h>
#include <gmodule.h>

G_BEGIN_DECLS

#define SV_PLUGIN_ABI_MAJOR 1
#define SV_PLUGIN_ABI_MINOR 3
#define SV_PLUGIN_ENTRY_SYMBOL "sv_plugin_entry"

/* The slot a plugin fills.  One plugin per role per container. */
typedef enum
{
  SV_ROLE_IDMAP = 0,  /* chooses the uid/gid mappings of the user namespace */
  SV_ROLE_SHIFT = 1,  /* makes the rootfs and bind mounts appear owned by container root */
  SV_ROLE_PROCFS = 2, /* mounts emulated /proc and /sys files into the container */
  SV_N_ROLES
} SvRole;

typedef struct _SvHost SvHost;           /* the runtime's view of the host, for probe() */
typedef struct _SvContainer SvContainer; /* one container being created or deleted */

typedef struct
{
  guint32 container_id; /* first id inside the container */
  guint32 host_id;      /* first id on the host */
  guint32 size;         /* number of ids */
} SvIdMapping;

typedef struct _SvPlugin SvPlugin;

/* ---- `sysvisor-runc check` (ABI 1.3) ---- */

typedef enum
{
  SV_CHECK_OK,
  SV_CHECK_WARN, /* works, but something is missing or not recommended */
  SV_CHECK_FAIL, /* system containers will not run (or not as configured) */
} SvCheckStatus;

/* Where a check hook writes its lines (owned by the core). */
typedef struct _SvCheckReport SvCheckReport;

/* Every hook is optional (NULL = nothing to do); all of them run as host root, in the
 * host's namespaces, never in the container's child process.
 *
 *  probe    can this host run the plugin?  Called when the plugin is chosen (create, and
 *           `sysvisor-runc plugins`).  Fail with the reason and the fix.
 *  prepare  create, before the container's processes exist: allocate ids (idmap),
 *           validate bind mounts (shift), declare extra mounts (procfs).
 *  attach   create, once the user namespace exists and its id maps are written
 *           (sv_container_userns_fd() is valid): hand the core detached mount trees for
 *           the rootfs and the bind mounts (shift).
 *  release  delete, or roll back of a failed create.  Must be idempotent and must not
 *           fail: it may run for a container whose prepare never ran or ran half-way.
 *  check    (ABI 1.3) `sysvisor-runc check`: report how this host is set up for the plugin,
 *           one line per thing checked (sv_check_report_add), each not-ok line with its fix.
 *           It covers what probe checks; a plugin without it is reported by its probe.
 *
 * A hook that fails sets @error; the core rolls back every step taken so far (calling
 * release of every plugin whose prepare ran) and reports the error as one line. */
struct _SvPlugin
{
  guint32 abi_major; /* SV_PLUGIN_ABI_MAJOR as the plugin was built */
  guint32 abi_minor; /* SV_PLUGIN_ABI_MINOR as the plugin was built */
  gsize struct_size; /* sizeof (SvPlugin) as the plugin was built */
  const char *name;  /* e.g. "idmap-exclusive"; also the section name in plugins.conf */
  SvRole role;
  const char *description;
  gboolean (*probe) (SvHost *host, GError **error);
  gboolean (*prepare) (SvContainer *c, GError **error);
  gboolean (*attach) (SvContainer *c, GError **error);
  void (*release) (SvContainer *c);
  /* ABI 1.3 (taken from reserved; read only when abi_minor >= 3): */
  void (*check) (SvHost *host, SvCheckReport *report);
  const char *version;  /* the plugin's own version, shown by `sysvisor-runc plugins` */
  gpointer reserved[6]; /* zero (the core refuses a plugin that sets them) */
};

/* The one exported symbol.  Use SV_PLUGIN_DEFINE (or SV_PLUGIN_DEFINE_FIELDS) rather than
 * writing it by hand. */
typedef const SvPlugin *(*SvPluginEntryFunc) (void);

/* The descriptor from designated initialisers of its fields (.name, .role, .description,
 * .version, .probe, .prepare, .attach, .release, .check); the ABI fields are filled in. */
#define SV_PLUGIN_DEFINE_FIELDS(...)                                                             \
  G_MODULE_EXPORT const SvPlugin *sv_plugin_entry (void);                                        \
  G_MODULE_EXPORT const SvPlugin *sv_plugin_entry (void)                                         \
  {                                                                                              \
    static const SvPlugin descriptor = { .abi_major = SV_PLUGIN_ABI_MAJOR,                       \
                                         .abi_minor = SV_PLUGIN_ABI_MINOR,                       \
                                         .struct_size = sizeof (SvPlugin),                       \
                                         __VA_ARGS__ };                                          \
    return &descriptor;                                                                          \
  }

/* The ABI 1.0 form: no check hook, no version. */
#define SV_PLUGIN_DEFINE(name_, role_, description_, probe_, prepare_, attach_, release_)        \
  SV_PLUGIN_DEFINE_FIELDS (.name = (name_), .role = (role_), .description = (description_),      \
                           .probe = (probe_), .prepare = (prepare_), .attach = (attach_),        \
                           .release = (release_))

/* ---- Check lines (from a check hook, ABI 1.3) ----
 * One line of `sysvisor-runc check`: "STATUS  NAME: DETAIL; fix: FIX".  @name names what was
 * checked ("subordinate ids"); @fix says what to do (ignored when @status is SV_CHECK_OK, may
 * be NULL then).  The core copies every string. */
void sv_check_report_add (SvCheckReport *report, SvCheckStatus status, const char *name,
                          const char *fix, const char *detail_format, ...) G_GNUC_PRINTF (5, 6);

/* ---- Settings: the plugin's own section of plugins.conf ([name] key = value) ---- */

/* NULL when the key is absent.  The string belongs to the core. */
const char *sv_host_setting (SvHost *host, const char *key);
const char *sv_container_setting (SvContainer *c, const char *key);
/* The directory for persistent runtime state (default /var/lib/sysvisor). */
const char *sv_host_lib_dir (SvHost *host);
const char *sv_container_lib_dir (SvContainer *c);

/* ---- Typed settings (ABI 1.3) ----
 * A value of the plugin's own section, checked.  Absent or empty: @fallback.  Invalid: FALSE
 * and one error line in the same words for every plugin:
 *   plugins.conf [SECTION] KEY = "VALUE": give a whole number from MIN to MAX (the default is D)
 * From a container hook, pass sv_container_host (c). */
gboolean sv_host_setting_uint (SvHost *host, const char *key, guint64 min, guint64 max,
                               guint64 fallback, guint64 *out, GError **error);
/* A size in bytes: "4096", "64K", "16M", "1G", "2T" (powers of 1024; a trailing B is allowed). */
gboolean sv_host_setting_size (SvHost *host, const char *key, guint64 min, guint64 max,
                               guint64 fallback, guint64 *out, GError **error);
/* yes/no, true/false, on/off, 1/0 (any case). */
gboolean sv_host_setting_boolean (SvHost *host, const char *key, gboolean fallback, gboolean *out,
                                  GError **error);
/* An absolute path (the string belongs to the core); @fallback may be NULL. */
gboolean sv_host_setting_path (SvHost *host, const char *key, const char *fallback,
                               const char **out, GError **error);

/* ---- State files (ABI 1.3) ----
 * What release needs, prepare keeps in a file of its own under sv_container_lib_dir (); many
 * creates run at once.  sv_state_file_update reads @path, calls @update with its contents
 * (NULL and 0 when it does not exist) and replaces the file with what @update returns
 * (g_malloc'ed, *new_len bytes; NULL: remove the file), all under an exclusive lock
 * (flock of PATH.lock, kept), written atomically (a temporary file, fsync, rename, fsync of
 * the directory).  The directory is made (0700) when missing.  @update fails by setting
 * @error: then the file is left as it was. */
typedef char *(*SvStateUpdateFunc) (const char *contents, gsize len, gsize *new_len,
                                    gpointer user_data, GError **error);
gboolean sv_state_file_update (const char *path, SvStateUpdateFunc update, gpointer user_data,
                               GError **error);

/* ---- The container ---- */

const char *sv_container_id (SvContainer *c);
/* The host the container is made on (for the sv_host_* calls from a container hook). */
SvHost *sv_container_host (SvContainer *c);
const char *sv_container_bundle (SvContainer *c);
/* Absolute host path of the rootfs. */
const char *sv_container_rootfs (SvContainer *c);
gboolean sv_container_rootfs_readonly (SvContainer *c);
/* The state root (--root) and this container's state directory under it. */
const char *sv_container_state_root (SvContainer *c);
/* Whether container @id under state root @state_root still exists for the core: TRUE while a
 * live create builds it or its state names it; FALSE once deleted, after a reboot (the state
 * root is on tmpfs), or when its create crashed.  For reclaiming resources of dead containers.
 * Fail-safe: a state that exists but cannot be read counts as alive. */
gboolean sv_host_container_alive (SvHost *host, const char *state_root, const char *id);
/* From probe (ABI minor 2): the probe's verdict depends on the mount and filesystem at
 * absolute @path (a regular file: also its contents; or on @path being absent), besides the
 * kernel, the plugin file, plugins.conf and the lib dir.  A probe that declares every path it
 * looks at and passes is not run again by create until one of these changes (the verdict is
 * kept in a root-only file of the state root); a probe that declares nothing runs on every
 * create.  `sysvisor-runc check` and `plugins` always run it. */
void sv_host_probe_depends_on (SvHost *host, const char *path);
/* Docker's daemon.json as the core reads it ($SYSVISOR_DOCKER_DAEMON_JSON, else
 * /etc/docker/daemon.json): the default for a plugin that reads it (ABI 1.3). */
const char *sv_host_docker_daemon_json (SvHost *host);
/* The data root of the dockerd that made @c, told by the paths Docker put in config.json
 * (DATA/containers/ID/hostname and the rootfs below DATA/DRIVER/; with userns-remap
 * DATA = ROOT/UID.GID), when that directory is owned by root and writable by root only; NULL
 * when @c was not made by a dockerd (ABI 1.3).  Free it with g_free. */
char *sv_container_docker_data_root (SvContainer *c);
/* NULL when the spec has no such annotation. */
const char *sv_container_annotation (SvContainer *c, const char *key);

/* ---- Id mappings (idmap role) ---- */

/* TRUE when config.json itself carries linux.uidMappings (e.g. Docker userns-remap). */
gboolean sv_container_spec_has_mappings (SvContainer *c);
/* The current mappings: from the spec, or as set by the idmap plugin. */
const SvIdMapping *sv_container_uid_mappings (SvContainer *c, guint *n_out);
const SvIdMapping *sv_container_gid_mappings (SvContainer *c, guint *n_out);
/* Replace the mappings (idmap role, in prepare). */
gboolean sv_container_set_mappings (SvContainer *c, const SvIdMapping *uid, guint n_uid,
                                    const SvIdMapping *gid, guint n_gid, GError **error);
/* The host uid/gid that container root maps to (-1 if unmapped). */
gint64 sv_container_root_uid (SvContainer *c);
gint64 sv_container_root_gid (SvContainer *c);

/* ---- Mounts of the spec (shift and procfs roles) ---- */

guint sv_container_n_mounts (SvContainer *c);
const char *sv_container_mount_type (SvContainer *c, guint i);
const char *sv_container_mount_source (SvContainer *c, guint i);      /* absolute for binds */
const char *sv_container_mount_destination (SvContainer *c, guint i); /* inside the container */
gboolean sv_container_mount_is_bind (SvContainer *c, guint i);
gboolean sv_container_mount_has_option (SvContainer *c, guint i, const char *option);

/* Add a bind mount of host path @source onto @destination inside the container, made after
 * the spec's mounts (so it can cover files in /proc and /sys).  procfs role, in prepare. */
gboolean sv_container_add_bind_mount (SvContainer *c, const char *source, const char *destination,
                                      gboolean readonly, GError **error);

/* ---- Syscall supervision (procfs role, in prepare; ABI 1.1) ----
 * Ask that the container's processes trap the calls a supervisor answers for the container
 * (now: sysinfo(2), mount(2), umount2(2); the new mount API answers ENOSYS) with a seccomp
 * user-notification filter, and that the runtime hand the filter's listener to the daemon
 * listening on unix socket @address ("@name": abstract).  Words after a space in @address
 * ("@name immutable=no") are not part of it: they follow "v1 PID ID" in the hand-over message.
 * The create fails if the supervisor does not accept it. */
void sv_container_set_syscall_supervisor (SvContainer *c, const char *address);

/* ---- Mount trees (shift role, in attach) ----
 * A "tree" is a detached mount: a file descriptor from open_tree (OPEN_TREE_CLONE), possibly
 * ID-mapped with mount_setattr (MOUNT_ATTR_IDMAP, sv_container_userns_fd ()).  The core takes
 * ownership of every fd passed here (also on failure) and attaches the trees inside the
 * container's mount namespace. */

/* The container's user namespace (valid in attach only; owned by the core). */
int sv_container_userns_fd (SvContainer *c);
/* Use @tree_fd as the root filesystem. */
gboolean sv_container_set_rootfs_tree (SvContainer *c, int tree_fd, GError **error);
/* Use @tree_fd as the source of bind mount @i of the spec. */
gboolean sv_container_set_mount_tree (SvContainer *c, guint i, int tree_fd, GError **error);

G_END_DECLS

#endif /* SYSVISOR_PLUGIN_H */
