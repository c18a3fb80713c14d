/* plugin-host.c: loading backends (GModule) and calling their hooks. */
#include "plugin-host.h"
#include "probe-cache.h"

#include "sv-config.h"
#include "utils.h"

#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>

/* Major 1's hooks: the fields up to the first slot reserved by ABI 1.0. */
#define MIN_DESCRIPTOR_SIZE (offsetof (SvPlugin, check))
#define ABI_MINOR_CHECK 3 /* the minor that added check and version */

const char *
sv_plugin_dir (void)
{
  const char *env = g_getenv ("SYSVISOR_PLUGIN_DIR");

  return env != NULL && env[0] != '\0' ? env : SV_PLUGIN_DIR;
}

void
sv_loaded_plugin_free (SvLoadedPlugin *p)
{
  if (p == NULL)
    return;
  /* Modules stay loaded: a descriptor may still be referenced, and unloading buys nothing in
   * a short-lived CLI. */
  g_free (p->name);
  g_free (p->path);
  g_free (p);
}

/* A runtime running as root must not dlopen a file that someone else could replace. */
/* Nor a file in a directory where someone else could swap it between check and load. */
static gboolean
check_dir_trust (const char *path, const char *name, GError **error)
{
  g_autofree char *real = realpath (path, NULL);
  g_autofree char *dir = real != NULL ? g_path_get_dirname (real) : NULL;
  struct stat st;

  if (dir == NULL || stat (dir, &st) < 0)
    {
      sv_set_error_errno (error, errno, "plugin \"%s\": resolve %s", name, path);
      return FALSE;
    }
  if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   "plugin \"%s\": refusing to load %s: its directory %s must be owned by root "
                   "and not writable by group or others (chown root:root and chmod 0755 it)",
                   name, path, dir);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_file_trust (const char *dirs, const char *path, const char *name, GError **error)
{
  struct stat st;

  if (stat (path, &st) < 0)
    {
      if (errno == ENOENT && strchr (dirs, ':') != NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                     "plugin \"%s\" is not installed: no %s.so in %s; install it there, or "
                     "name an installed plugin",
                     name, name, dirs);
      else if (errno == ENOENT)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                     "plugin \"%s\" is not installed: %s is missing; install it there "
                     "(reinstall Sysvisor for the plugins it ships), or name an installed plugin",
                     name, path);
      else
        sv_set_error_errno (error, errno, "plugin \"%s\": stat %s", name, path);
      return FALSE;
    }
  if (!S_ISREG (st.st_mode) || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   "plugin \"%s\": refusing to load %s: it must be a regular file owned by root "
                   "and not writable by group or others (chown root:root and chmod 0644 it)",
                   name, path);
      return FALSE;
    }
  return check_dir_trust (path, name, error);
}

static gboolean
is_elf (const char *path)
{
  sv_autofd fd = open (path, O_RDONLY | O_CLOEXEC);
  char magic[4];

  return fd >= 0 && read (fd, magic, 4) == 4 && memcmp (magic, "\177ELF", 4) == 0;
}

/* The slots the plugin's ABI minor reserves (those its struct_size covers) must be zero, as
 * SV_PLUGIN_DEFINE leaves them: a plugin that sets one means something this core cannot know. */
static gboolean
check_reserved (const SvPlugin *d, const char *name, const char *path, GError **error)
{
  gsize first = d->abi_minor >= ABI_MINOR_CHECK ? offsetof (SvPlugin, reserved)
                                                : offsetof (SvPlugin, check);
  gsize end = MIN (d->struct_size, sizeof (SvPlugin));

  for (gsize off = first; off + sizeof (gpointer) <= end; off += sizeof (gpointer))
    {
      gpointer v;

      memcpy (&v, (const char *) d + off, sizeof v);
      if (v == NULL)
        continue;
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "plugin \"%s\" (%s): reserved descriptor slot %" G_GSIZE_FORMAT
                   " of plugin ABI %u.%u is not zero; build the plugin with SV_PLUGIN_DEFINE "
                   "against this version's sysvisor-plugin.pc (reserved slots stay zero)",
                   name, path, (off - first) / sizeof (gpointer), d->abi_major, d->abi_minor);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_descriptor (const SvPlugin *d, const char *name, const char *path, GError **error)
{
  if (d == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "plugin \"%s\" (%s): %s() returned NULL", name, path, SV_PLUGIN_ENTRY_SYMBOL);
      return FALSE;
    }
  if (d->abi_major != SV_PLUGIN_ABI_MAJOR || d->abi_minor > SV_PLUGIN_ABI_MINOR)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "plugin \"%s\" (%s) was built for plugin ABI %u.%u but sysvisor-runc "
                   "provides ABI %u.%u; rebuild the plugin against this version's "
                   "sysvisor-plugin.pc",
                   name, path, d->abi_major, d->abi_minor, SV_PLUGIN_ABI_MAJOR,
                   SV_PLUGIN_ABI_MINOR);
      return FALSE;
    }
  if (d->struct_size < MIN_DESCRIPTOR_SIZE || d->name == NULL || d->role >= SV_N_ROLES
      || (int) d->role < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "plugin \"%s\" (%s): malformed descriptor (size %" G_GSIZE_FORMAT
                   ", role %d); build it with SV_PLUGIN_DEFINE",
                   name, path, d->struct_size, (int) d->role);
      return FALSE;
    }
  if (!check_reserved (d, name, path, error))
    return FALSE;
  if (strcmp (d->name, name) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "plugin \"%s\" (%s) calls itself \"%s\"; a plugin's file must be named "
                   "after it (%s.so), rename the file or the plugin",
                   name, path, d->name, d->name);
      return FALSE;
    }
  return TRUE;
}

char *
sv_plugin_find_file (const char *dirs, const char *name)
{
  g_auto (GStrv) list = g_strsplit (dirs, ":", -1);
  g_autofree char *file = g_strconcat (name, ".so", NULL);

  for (guint i = 0; list[i] != NULL; i++)
    {
      g_autofree char *path = g_build_filename (list[i], file, NULL);
      if (list[i][0] != '\0' && g_file_test (path, G_FILE_TEST_EXISTS))
        return g_steal_pointer (&path);
    }
  return g_build_filename (list[0] != NULL ? list[0] : ".", file, NULL);
}

/* The plugin files this process loaded.  Their modules stay resident, so a second load of one
 * (`run`'s delete after its create) gets the code already in memory whatever the file is now:
 * its trust and ELF checks are not repeated. */
static GHashTable *loaded_files;

static gboolean
loaded_before (const char *path)
{
  return loaded_files != NULL && g_hash_table_contains (loaded_files, path);
}

static void
remember_loaded (const char *path)
{
  if (loaded_files == NULL)
    loaded_files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_add (loaded_files, g_strdup (path));
}

SvLoadedPlugin *
sv_plugin_load (const char *dir, const char *name, GError **error)
{
  g_autoptr (SvLoadedPlugin) p = g_new0 (SvLoadedPlugin, 1);
  SvPluginEntryFunc entry = NULL;
  gboolean again;

  p->name = g_strdup (name);
  p->path = sv_plugin_find_file (dir, name);
  again = loaded_before (p->path);
  if (!again && !check_file_trust (dir, p->path, name, error))
    return NULL;
  if (!again && !is_elf (p->path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "plugin \"%s\": %s is not an ELF shared object; reinstall it", name, p->path);
      return NULL;
    }
  /* Bound eagerly: a symbol this sysvisor-runc does not export (a plugin built for a newer
   * core) is a load error here, not a crash in the middle of a create. */
  p->module = g_module_open (p->path, G_MODULE_BIND_LOCAL);
  if (p->module == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "plugin \"%s\": cannot load %s: %s; rebuild the plugin against this "
                   "version's sysvisor-plugin.pc (it may call what this sysvisor-runc does not "
                   "provide)",
                   name, p->path, g_module_error ());
      return NULL;
    }
  g_module_make_resident (p->module);
  if (!g_module_symbol (p->module, SV_PLUGIN_ENTRY_SYMBOL, (gpointer *) &entry) || entry == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "plugin \"%s\": %s does not export %s(); it is not a Sysvisor plugin "
                   "(define it with SV_PLUGIN_DEFINE)",
                   name, p->path, SV_PLUGIN_ENTRY_SYMBOL);
      return NULL;
    }
  p->desc = entry ();
  if (!check_descriptor (p->desc, name, p->path, error))
    return NULL;
  remember_loaded (p->path);
  if (p->desc->abi_minor >= ABI_MINOR_CHECK
      && p->desc->struct_size >= offsetof (SvPlugin, version) + sizeof (const char *))
    {
      p->check = p->desc->check;
      p->version = p->desc->version;
    }
  return g_steal_pointer (&p);
}

SvLoadedPlugin *
sv_plugin_load_for_role (const char *dir, SvRole role, const char *backend, GError **error)
{
  g_autofree char *name = sv_plugins_conf_plugin_name (role, backend);
  g_autoptr (SvLoadedPlugin) p = sv_plugin_load (dir, name, error);

  if (p == NULL)
    return NULL;
  if (p->desc->role != role)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "plugin \"%s\" (%s) fills the %s role, not %s; use it as %s = %s and name "
                   "a plugin of the %s role for %s",
                   p->desc->name, p->path, sv_role_name (p->desc->role), sv_role_name (role),
                   sv_role_name (p->desc->role), backend, sv_role_name (role),
                   sv_role_name (role));
      return NULL;
    }
  return g_steal_pointer (&p);
}

SvPluginHost *
sv_plugin_host_new (SvPluginsConf *conf, const char *state_root)
{
  SvPluginHost *h = g_new0 (SvPluginHost, 1);
  const char *lib = g_getenv ("SYSVISOR_LIB_DIR");

  h->conf = conf;
  h->dir = g_strdup (sv_plugin_dir ());
  h->host.keyfile = conf->keyfile;
  h->host.lib_dir = g_strdup (lib != NULL && lib[0] != '\0' ? lib : SV_LIB_DIR);
  h->host.state_root = g_strdup (state_root);
  return h;
}

void
sv_plugin_host_free (SvPluginHost *h)
{
  if (h == NULL)
    return;
  for (int r = 0; r < SV_N_ROLES; r++)
    sv_loaded_plugin_free (h->role[r]);
  g_free (h->dir);
  g_free (h->probe_host_part);
  g_free (h->host.lib_dir);
  g_free (h->host.state_root);
  g_free (h);
}

const char *
sv_plugin_host_backend (SvPluginHost *h, SvRole role, gboolean spec_has_mappings)
{
  const char *v = h->conf->backend[role];
  g_autofree char *idmap = NULL;
  g_autofree char *honouring = NULL;

  if (g_strcmp0 (v, "auto") != 0)
    return v;
  if (role == SV_ROLE_IDMAP)
    return h->conf->auto_backend[role][spec_has_mappings ? 1 : 0];
  idmap = sv_plugins_conf_plugin_name (SV_ROLE_IDMAP, sv_plugin_host_backend (h, SV_ROLE_IDMAP,
                                                                              spec_has_mappings));
  honouring =
      sv_plugins_conf_plugin_name (SV_ROLE_IDMAP, h->conf->auto_backend[SV_ROLE_IDMAP][1]);
  return h->conf->auto_backend[role][g_strcmp0 (idmap, honouring) == 0 ? 1 : 0];
}

/* "FILE:LINE" of the line that chose @role's backend, or what chose it by default. */
static char *
conf_location (const SvPluginsConf *conf, SvRole role)
{
  if (conf->path == NULL)
    return g_strdup ("plugins.conf (default, no file)");
  if (conf->line[role] == 0)
    return g_strdup_printf ("%s (default)", conf->path);
  return g_strdup_printf ("%s:%u", conf->path, conf->line[role]);
}

static gboolean
load_role (SvPluginHost *h, SvRole role, const char *backend, GError **error)
{
  SvLoadedPlugin *p = sv_plugin_load_for_role (h->dir, role, backend, error);

  if (p == NULL)
    {
      g_autofree char *where = conf_location (h->conf, role);
      g_prefix_error (error, "%s: %s = %s: ", where, sv_role_name (role), backend);
      return FALSE;
    }
  g_debug ("%s: using plugin %s (%s)", sv_role_name (role), p->desc->name, p->path);
  h->role[role] = p;
  return TRUE;
}

gboolean
sv_plugin_host_select (SvPluginHost *h, gboolean spec_has_mappings, GError **error)
{
  for (int r = 0; r < SV_N_ROLES; r++)
    {
      const char *backend = sv_plugin_host_backend (h, (SvRole) r, spec_has_mappings);
      if (g_strcmp0 (backend, "none") == 0)
        {
          g_debug ("%s: no plugin (none)", sv_role_name ((SvRole) r));
          continue;
        }
      if (!load_role (h, (SvRole) r, backend, error))
        return FALSE;
    }
  return TRUE;
}

void
sv_plugin_host_load_names (SvPluginHost *h, char *const names[SV_N_ROLES])
{
  for (int r = 0; r < SV_N_ROLES; r++)
    {
      g_autoptr (GError) local = NULL;
      g_autofree char *name = NULL;
      if (names[r] == NULL)
        continue;
      /* a container made before a plugin's rename names it by its old name (shiftfs) */
      name = sv_plugins_conf_plugin_name ((SvRole) r, names[r]);
      h->role[r] = sv_plugin_load (h->dir, name, &local);
      if (h->role[r] == NULL)
        g_warning ("cannot run release of plugin %s: %s", names[r], local->message);
    }
}

gboolean
sv_plugin_host_probe_plugin (SvPluginHost *h, SvLoadedPlugin *p, GError **error)
{
  gboolean ok;

  if (p == NULL || p->desc->probe == NULL)
    return TRUE;
  h->host.section = p->desc->name;
  ok = p->desc->probe (&h->host, error);
  h->host.section = NULL;
  if (!ok)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "failed without a reason");
      g_prefix_error (error, "plugin %s cannot run on this host: ", p->desc->name);
    }
  return ok;
}

gboolean
sv_plugin_host_probe (SvPluginHost *h, SvRole role, GError **error)
{
  return sv_plugin_host_probe_plugin (h, h->role[role], error);
}

gboolean
sv_plugin_host_check (SvPluginHost *h, SvLoadedPlugin *p, SvCheckReport *report)
{
  if (p->check == NULL)
    return FALSE;
  h->host.section = p->desc->name;
  p->check (&h->host, report);
  h->host.section = NULL;
  return TRUE;
}

/* sv_plugin_host_probe, skipped while the verdict kept by an earlier create still holds
 * (probe-cache.h).  `check` and `plugins` always probe. */
static gboolean
probe_for_create (SvPluginHost *h, SvRole role, GError **error)
{
  SvLoadedPlugin *p = h->role[role];
  g_autofree char *base = NULL;
  gboolean ok;

  if (p == NULL || p->desc->probe == NULL || h->host.state_root == NULL)
    return sv_plugin_host_probe (h, role, error);
  /* (the same for every plugin of this create: read once) */
  if (h->probe_host_part == NULL)
    {
      g_autofree char *conf = g_key_file_to_data (h->host.keyfile, NULL, NULL);
      h->probe_host_part = sv_probe_cache_host_part (conf, h->host.lib_dir);
    }
  base = sv_probe_cache_base (h->probe_host_part, p->path);
  if (sv_probe_cache_hit (h->host.state_root, p->desc->name, base))
    {
      g_debug ("%s: probe passed before, nothing it depends on changed", p->desc->name);
      return TRUE;
    }
  h->host.probe_deps = g_ptr_array_new_with_free_func (g_free);
  ok = sv_plugin_host_probe (h, role, error);
  if (ok)
    sv_probe_cache_store (h->host.state_root, p->desc->name, base, h->host.probe_deps);
  else
    sv_probe_cache_forget (h->host.state_root, p->desc->name);
  g_clear_pointer (&h->host.probe_deps, g_ptr_array_unref);
  return ok;
}

typedef enum
{
  HOOK_PREPARE,
  HOOK_ATTACH,
} HookKind;

/* What is wrong comes first; the plugin that refused goes last, for whoever debugs it. */
static void
name_plugin_last (GError **error, const char *name)
{
  char *old;

  if (error == NULL || *error == NULL)
    return;
  old = (*error)->message;
  (*error)->message = g_strdup_printf ("%s [plugin %s]", old, name);
  g_free (old);
}

static gboolean
run_hook (SvPluginHost *h, SvContainer *c, HookKind kind, GError **error)
{
  for (int r = 0; r < SV_N_ROLES; r++)
    {
      SvLoadedPlugin *p = h->role[r];
      gboolean (*hook) (SvContainer *, GError **);
      gboolean ok;

      if (p == NULL)
        continue;
      if (kind == HOOK_PREPARE && !probe_for_create (h, (SvRole) r, error))
        return FALSE;
      hook = kind == HOOK_PREPARE ? p->desc->prepare : p->desc->attach;
      if (hook == NULL)
        continue;
      h->host.section = p->desc->name;
      ok = hook (c, error);
      h->host.section = NULL;
      if (!ok)
        {
          if (error != NULL && *error == NULL)
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "failed without a reason");
          name_plugin_last (error, p->desc->name);
          return FALSE;
        }
      g_debug ("%s: %s done", p->desc->name, kind == HOOK_PREPARE ? "prepare" : "attach");
    }
  return TRUE;
}

gboolean
sv_plugin_host_prepare (SvPluginHost *h, SvContainer *c, GError **error)
{
  return run_hook (h, c, HOOK_PREPARE, error);
}

gboolean
sv_plugin_host_attach (SvPluginHost *h, SvContainer *c, GError **error)
{
  return run_hook (h, c, HOOK_ATTACH, error);
}

void
sv_plugin_host_release (SvPluginHost *h, SvContainer *c)
{
  for (int r = SV_N_ROLES - 1; r >= 0; r--)
    {
      SvLoadedPlugin *p = h->role[r];
      if (p == NULL || p->desc->release == NULL)
        continue;
      h->host.section = p->desc->name;
      p->desc->release (c);
      h->host.section = NULL;
      g_debug ("%s: release done", p->desc->name);
    }
}
