/* json-util.c: typed reads of json-glib objects that name the JSON path of a bad field. */
#include "json-util.h"

#include "sv-json-text.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (sv - spec - error - quark, sv_spec_error)

char *
sv_json_path (const char *parent, const char *member)
{
  if (parent == NULL || parent[0] == '\0')
    return g_strdup (member);
  return g_strconcat (parent, ".", member, NULL);
}

char *
sv_json_path_index (const char *parent, guint index)
{
  return g_strdup_printf ("%s[%u]", parent, index);
}

static const char *
node_kind (JsonNode *node)
{
  if (JSON_NODE_HOLDS_NULL (node))
    return "null";
  if (JSON_NODE_HOLDS_OBJECT (node))
    return "an object";
  if (JSON_NODE_HOLDS_ARRAY (node))
    return "an array";
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return "a string";
    case G_TYPE_BOOLEAN:
      return "a boolean";
    case G_TYPE_DOUBLE:
      return "a fractional number";
    default:
      return "a number";
    }
}

gboolean
sv_json_get_member (JsonObject *o, const char *path, const char *member, gboolean required,
                    JsonNode **node_out, GError **error)
{
  JsonNode *node = o != NULL ? json_object_get_member (o, member) : NULL;

  if (node != NULL && JSON_NODE_HOLDS_NULL (node))
    node = NULL;
  if (node == NULL && required)
    {
      g_autofree char *p = sv_json_path (path, member);
      g_set_error (error, SV_SPEC_ERROR, SV_SPEC_ERROR_MISSING, "%s: required field is missing",
                   p);
      return FALSE;
    }
  *node_out = node;
  return TRUE;
}

static gboolean
wrong_type (const char *path, const char *member, const char *expected, JsonNode *node,
            GError **error)
{
  g_autofree char *p = sv_json_path (path, member);

  g_set_error (error, SV_SPEC_ERROR, SV_SPEC_ERROR_INVALID, "%s: expected %s, got %s", p,
               expected, node_kind (node));
  return FALSE;
}

static gboolean
holds_type (JsonNode *node, GType type)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

gboolean
sv_json_get_string (JsonObject *o, const char *path, const char *member, gboolean required,
                    char **out, GError **error)
{
  JsonNode *node;

  if (!sv_json_get_member (o, path, member, required, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (!holds_type (node, G_TYPE_STRING))
    return wrong_type (path, member, "a string", node, error);
  g_free (*out);
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

gboolean
sv_json_get_bool (JsonObject *o, const char *path, const char *member, gboolean *out,
                  GError **error)
{
  JsonNode *node;

  if (!sv_json_get_member (o, path, member, FALSE, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (!holds_type (node, G_TYPE_BOOLEAN))
    return wrong_type (path, member, "true or false", node, error);
  *out = json_node_get_boolean (node);
  return TRUE;
}

/* Integers may arrive as doubles (e.g. 1e3) from some generators: accept integral ones. */
static gboolean
node_integer (JsonNode *node, gint64 *out)
{
  if (holds_type (node, G_TYPE_INT64))
    {
      *out = json_node_get_int (node);
      return TRUE;
    }
  if (holds_type (node, G_TYPE_DOUBLE))
    {
      double d = json_node_get_double (node);
      if (d != floor (d) || d > 9.2e18 || d < -9.2e18)
        return FALSE;
      *out = (gint64) d;
      return TRUE;
    }
  return FALSE;
}

gboolean
sv_json_get_int64 (JsonObject *o, const char *path, const char *member, gboolean required,
                   gint64 *out, GError **error)
{
  JsonNode *node;

  if (!sv_json_get_member (o, path, member, required, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (!node_integer (node, out))
    return wrong_type (path, member, "an integer", node, error);
  return TRUE;
}

gboolean
sv_json_get_uint32 (JsonObject *o, const char *path, const char *member, gboolean required,
                    guint32 *out, GError **error)
{
  JsonNode *node;
  gint64 v;

  if (!sv_json_get_member (o, path, member, required, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (!node_integer (node, &v) || v < 0 || v > G_MAXUINT32)
    {
      if (node_integer (node, &v))
        {
          g_autofree char *p = sv_json_path (path, member);
          g_set_error (error, SV_SPEC_ERROR, SV_SPEC_ERROR_INVALID,
                       "%s: %" G_GINT64_FORMAT " is out of range 0..4294967295", p, v);
          return FALSE;
        }
      return wrong_type (path, member, "an unsigned integer", node, error);
    }
  *out = (guint32) v;
  return TRUE;
}

gboolean
sv_json_get_uint64 (JsonObject *o, const char *path, const char *member, guint64 *out,
                    GError **error)
{
  JsonNode *node;
  gint64 v;

  if (!sv_json_get_member (o, path, member, FALSE, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (holds_type (node, G_TYPE_DOUBLE) && json_node_get_double (node) >= 9.2e18)
    {
      /* An integer above G_MAXINT64 written in exponent form (1.8e19): json-glib 1.6 reads
       * one in plain digits (RLIM_INFINITY) as the int64 of the same bits, cast back below. */
      *out = json_node_get_double (node) >= 1.8446744073709552e19
                 ? G_MAXUINT64
                 : (guint64) json_node_get_double (node);
      return TRUE;
    }
  if (!node_integer (node, &v))
    return wrong_type (path, member, "an unsigned integer", node, error);
  *out = (guint64) v;
  return TRUE;
}

gboolean
sv_json_get_strv (JsonObject *o, const char *path, const char *member, gboolean required,
                  char ***out, GError **error)
{
  JsonNode *node;
  JsonArray *a;
  g_autoptr (GPtrArray) v = g_ptr_array_new_with_free_func (g_free);

  if (!sv_json_get_member (o, path, member, required, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return wrong_type (path, member, "an array of strings", node, error);
  a = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      if (!holds_type (e, G_TYPE_STRING))
        {
          g_autofree char *p = sv_json_path (path, member);
          g_autofree char *pi = sv_json_path_index (p, i);
          g_set_error (error, SV_SPEC_ERROR, SV_SPEC_ERROR_INVALID,
                       "%s: expected a string, got %s", pi, node_kind (e));
          return FALSE;
        }
      g_ptr_array_add (v, g_strdup (json_node_get_string (e)));
    }
  g_ptr_array_add (v, NULL);
  g_strfreev (*out);
  *out = (char **) g_ptr_array_free (g_steal_pointer (&v), FALSE);
  return TRUE;
}

gboolean
sv_json_get_object (JsonObject *o, const char *path, const char *member, gboolean required,
                    JsonObject **out, GError **error)
{
  JsonNode *node;

  *out = NULL;
  if (!sv_json_get_member (o, path, member, required, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return wrong_type (path, member, "an object", node, error);
  *out = json_node_get_object (node);
  return TRUE;
}

gboolean
sv_json_get_array (JsonObject *o, const char *path, const char *member, gboolean required,
                   JsonArray **out, GError **error)
{
  JsonNode *node;

  *out = NULL;
  if (!sv_json_get_member (o, path, member, required, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return wrong_type (path, member, "an array", node, error);
  *out = json_node_get_array (node);
  return TRUE;
}

JsonObject *
sv_json_array_object (JsonArray *a, const char *path, guint i, GError **error)
{
  JsonNode *e = json_array_get_element (a, i);

  if (!JSON_NODE_HOLDS_OBJECT (e))
    {
      g_autofree char *pi = sv_json_path_index (path, i);
      g_set_error (error, SV_SPEC_ERROR, SV_SPEC_ERROR_INVALID, "%s: expected an object, got %s",
                   pi, node_kind (e));
      return NULL;
    }
  return json_node_get_object (e);
}

/* json-glib writes a double as "%.17g" and appends ".0" when that has no '.': infinity
 * becomes "inf" and 1e40 "1e+40.0", neither of them JSON. */
static gboolean
check_double (double v, const char *what, GError **error)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (v))
    {
      g_set_error (
          error, SV_SPEC_ERROR, SV_SPEC_ERROR_INVALID,
          "%s: a number is beyond what a double holds (about 1.8e308); write a smaller one",
          what);
      return FALSE;
    }
  g_ascii_dtostr (buf, sizeof buf, v);
  if (strchr (buf, 'e') != NULL && strchr (buf, '.') == NULL)
    {
      g_set_error (error, SV_SPEC_ERROR, SV_SPEC_ERROR_INVALID,
                   "%s: the number %s is too large to keep (it would be written back as "
                   "invalid JSON); the numbers of a spec and a state are 64-bit integers",
                   what, buf);
      return FALSE;
    }
  return TRUE;
}

/* Whether json-glib can write the numbers under @node back out as JSON that parses again
 * (check_double).  Its strings it can: text that is not UTF-8 it refuses to parse, and the
 * escapes that would make such strings (half a surrogate pair) sv_json_text_check refuses. */
static gboolean
check_doubles (JsonNode *node, const char *what, GError **error)
{
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_DOUBLE)
    return check_double (json_node_get_double (node), what, error);
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *a = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (a); i++)
        if (!check_doubles (json_array_get_element (a, i), what, error))
          return FALSE;
    }
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObjectIter it;
      const char *name;
      JsonNode *member;
      json_object_iter_init (&it, json_node_get_object (node));
      while (json_object_iter_next (&it, &name, &member))
        if (!check_doubles (member, what, error))
          return FALSE;
    }
  return TRUE;
}

JsonNode *
sv_json_parse_data (const char *data, gssize len, const char *what, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local = NULL;
  gsize n = len < 0 ? strlen (data) : (gsize) len;
  JsonNode *root;

  if (!sv_json_text_check (data, n, &local))
    {
      g_set_error (error, SV_SPEC_ERROR, SV_SPEC_ERROR_INVALID, "%s: %s", what, local->message);
      return NULL;
    }
  if (!json_parser_load_from_data (parser, data, (gssize) n, &local))
    {
      g_set_error (error, SV_SPEC_ERROR, SV_SPEC_ERROR_INVALID, "%s: not valid JSON: %s", what,
                   local->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, SV_SPEC_ERROR, SV_SPEC_ERROR_INVALID,
                   "%s: expected a JSON object at the top level", what);
      return NULL;
    }
  if (!check_doubles (root, what, error))
    return NULL;
  return json_node_copy (root);
}

JsonNode *
sv_json_parse_file (const char *file, GError **error)
{
  g_autofree char *data = NULL;
  gsize len;

  if (!g_file_get_contents (file, &data, &len, error))
    return NULL;
  return sv_json_parse_data (data, (gssize) len, file, error);
}

char *
sv_json_to_string (JsonNode *node, gboolean pretty)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();

  json_generator_set_root (gen, node);
  json_generator_set_pretty (gen, pretty);
  if (pretty)
    json_generator_set_indent (gen, 2);
  return json_generator_to_data (gen, NULL);
}
