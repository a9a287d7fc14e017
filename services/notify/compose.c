/* compose.c - what frames a letter's words: the body's letterhead
 * (letters.h). Pure. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "letters.h"

static void s_line(char **out, size_t *len, const char *prefix, const char *text)
{
    if (!*out || !text || !text[0])
        return;
    size_t add = strlen(prefix) + strlen(text) + 1;
    char *p = realloc(*out, *len + add + 1);
    if (!p) {
        free(*out);
        *out = NULL;
        return;
    }
    *out = p;
    *len += (size_t)snprintf(p + *len, add + 1, "%s%s\n", prefix, text);
}

char *nt_render_letterhead(const char *letterhead_json)
{
    json_t *h = json_loads(letterhead_json ? letterhead_json : "{}", 0, NULL);
    size_t len = 0;
    char *out = calloc(1, 1);
    s_line(&out, &len, "", json_string_value(json_object_get(h, "name")));
    json_t *a = json_object_get(h, "address");
    for (size_t i = 0; i < json_array_size(a); i++)
        s_line(&out, &len, "", json_string_value(json_array_get(a, i)));
    s_line(&out, &len, "", json_string_value(json_object_get(h, "postcode")));
    s_line(&out, &len, "Telephone: ", json_string_value(json_object_get(h, "phone")));
    s_line(&out, &len, "Email: ", json_string_value(json_object_get(h, "email")));
    s_line(&out, &len, "", json_string_value(json_object_get(h, "website")));
    json_decref(h);
    if (out && len && out[len - 1] == '\n')
        out[len - 1] = '\0';
    return out;
}
