/* json-util.h: typed reads of json-glib objects that name the JSON path of a bad field. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#define SV_SPEC_ERROR (sv_spec_error_quark ())
GQuark sv_spec_error_quark (void);

typedef enum
{
  SV_SPEC_ERROR_INVALID, /* a field has the wrong type or value */
  SV_SPEC_ERROR_MISSING, /* a required field is absent */
  SV_SPEC_ERROR_UNSUPPORTED,
} SvSpecError;

/* "a.b" + "c" -> "a.b.c"; "a.b" + index 2 -> "a.b[2]". */
char *sv_json_path (const char *parent, const char *member);
char *sv_json_path_index (const char *parent, guint index);

/* The node of @member (borrowed), for a caller that checks its type itself: *node_out = NULL
 * when absent or null; when @required, that fails with "PATH: required field is missing". */
gboolean sv_json_get_member (JsonObject *o, const char *path, const char *member,
                             gboolean required, JsonNode **node_out, GError **error);
/* Each getter: an absent (or null) member leaves *out untouched and returns TRUE unless
 * @required, in which case it fails with "PATH: required field is missing". */
gboolean sv_json_get_string (JsonObject *o, const char *path, const char *member,
                             gboolean required, char **out, GError **error);
gboolean sv_json_get_bool (JsonObject *o, const char *path, const char *member, gboolean *out,
                           GError **error);
gboolean sv_json_get_int64 (JsonObject *o, const char *path, const char *member,
                            gboolean required, gint64 *out, GError **error);
gboolean sv_json_get_uint32 (JsonObject *o, const char *path, const char *member,
                             gboolean required, guint32 *out, GError **error);
gboolean sv_json_get_uint64 (JsonObject *o, const char *path, const char *member, guint64 *out,
                             GError **error);
gboolean sv_json_get_strv (JsonObject *o, const char *path, const char *member, gboolean required,
                           char ***out, GError **error);
/* Borrowed pointers into @o; NULL when absent. */
gboolean sv_json_get_object (JsonObject *o, const char *path, const char *member,
                             gboolean required, JsonObject **out, GError **error);
gboolean sv_json_get_array (JsonObject *o, const char *path, const char *member,
                            gboolean required, JsonArray **out, GError **error);
/* Element @i of @a must be an object. */
JsonObject *sv_json_array_object (JsonArray *a, const char *path, guint i, GError **error);
/* Parse a whole file / string into a root object; errors name @what (e.g. "config.json"). */
JsonNode *sv_json_parse_file (const char *file, GError **error);
JsonNode *sv_json_parse_data (const char *data, gssize len, const char *what, GError **error);
/* Pretty or compact serialisation. */
char *sv_json_to_string (JsonNode *node, gboolean pretty);
