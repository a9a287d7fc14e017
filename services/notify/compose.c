/* compose.c - what frames a letter's words: the body's letterhead, and
 * its templates (letterhead, signature, footer) applied (letters.h). Pure. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "letters.h"
#include "template.h"

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

/* ---------------------------------------------------------------- templates */

const char *nt_var_lookup(const char *name, void *arg)
{
    for (const nt_var_t *v = arg; v->name; v++)
        if (strcmp(v->name, name) == 0)
            return v->value && v->value[0] ? v->value : NULL;
    return NULL;
}

/* A part's template rendered, or NULL (none, or a value missing: the
 * built-in words stand, and the caller is told which part). */
static char *s_part(json_t *tpl, const char *part, nt_var_t *vars, const char **failed)
{
    const char *text = json_string_value(json_object_get(tpl, part));
    if (!text)
        return NULL;
    nt_tpl_error_t err;
    char *out = nt_tpl_render(text, nt_var_lookup, vars, &err);
    if (!out)
        *failed = part;
    return out;
}

static char *s_cat(const char *a, size_t alen, const char *b, const char *c)
{
    char *out = NULL;
    return asprintf(&out, "%.*s%s%s", (int)alen, a, b, c) < 0 ? NULL : out;
}

int nt_compose(char **letter, char **head, const char *templates_json, nt_var_t *vars,
               const char **failed)
{
    *failed = NULL;
    json_t *tpl = json_loads(templates_json ? templates_json : "{}", 0, NULL);
    if (!json_is_object(tpl) || json_object_size(tpl) == 0) {
        json_decref(tpl);
        return 0;
    }
    /* Who signs: the lines after the letter's last "Yours sincerely,". */
    static const char sign[] = "Yours sincerely,\n\n";
    const char *at = NULL;
    for (const char *p = strstr(*letter, sign); p; p = strstr(p + 1, sign))
        at = p;
    char name[256] = "", role[256] = "";
    if (at) {
        const char *n = at + sizeof sign - 1;
        size_t nl = strcspn(n, "\n");
        snprintf(name, sizeof name, "%.*s", (int)nl, n);
        if (n[nl] == '\n')
            snprintf(role, sizeof role, "%.*s", (int)strcspn(n + nl + 1, "\n"), n + nl + 1);
    }
    if (!role[0]) /* no job title in the directory */
        snprintf(role, sizeof role, "Complaints team");
    nt_var_t *v = vars;
    while (v->name)
        v++;
    v[0] = (nt_var_t){"signatory.name", name};
    v[1] = (nt_var_t){"signatory.role", role};
    v[2] = (nt_var_t){NULL, NULL};
    int rc = 0;
    char *sig = at ? s_part(tpl, "signature", vars, failed) : NULL;
    char *foot = s_part(tpl, "footer", vars, failed);
    char *lh = s_part(tpl, "letterhead", vars, failed);
    if (sig || foot) {
        size_t keep = sig ? (size_t)(at - *letter) : strlen(*letter);
        char *tail = NULL;
        /* Each part ends its line, as the letter's own words do. */
        if (asprintf(&tail, "%s%s%s%s%s", sig ? sig : "", sig ? "\n" : "", foot ? "\n" : "",
                     foot ? foot : "", foot ? "\n" : "") < 0)
            tail = NULL;
        char *out = tail ? s_cat(*letter, keep, "", tail) : NULL;
        free(tail);
        if (out) {
            free(*letter);
            *letter = out;
        } else {
            rc = -1;
        }
    }
    if (lh) {
        free(*head);
        *head = lh;
        lh = NULL;
    }
    free(sig);
    free(foot);
    free(lh);
    json_decref(tpl);
    return rc;
}
