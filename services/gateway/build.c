/* build.c - an HTTP request made into its bus operation (build.h). */
#include "build.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "candour/pbjson.h"
#include "candour/util.h"

const ProtobufCMessageDescriptor *gw_op_descriptor(const gw_route_t *route)
{
    if (!route || route->op <= 0)
        return NULL;
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(
        &candour__v1__request__descriptor, (unsigned)route->op);
    return f && f->type == PROTOBUF_C_TYPE_MESSAGE ? f->descriptor : NULL;
}

void gw_request_set_op(Candour__V1__Request *req, const gw_route_t *route, ProtobufCMessage *msg)
{
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(
        &candour__v1__request__descriptor, (unsigned)route->op);
    *(ProtobufCMessage **)((char *)req + f->offset) = msg;
    req->op_case = (Candour__V1__Request__OpCase)route->op;
}

/* n bytes of a query's key or value, %-decoded and '+' as a space: a new
 * string, or NULL (a bad escape, a NUL, or out of memory). */
static char *s_decode(const char *s, size_t n)
{
    char *out = malloc(n + 1), *o = out;
    for (size_t i = 0; out && i < n; i++) {
        if (s[i] == '+') {
            *o++ = ' ';
        } else if (s[i] == '%') {
            int hi = i + 2 < n ? cd_hex_value((unsigned char)s[i + 1]) : -1;
            int lo = hi >= 0 ? cd_hex_value((unsigned char)s[i + 2]) : -1;
            if (lo < 0 || (hi == 0 && lo == 0)) {
                free(out);
                return NULL;
            }
            *o++ = (char)(hi * 16 + lo);
            i += 2;
        } else {
            *o++ = s[i];
        }
    }
    if (out)
        *o = 0;
    return out;
}

/* value as JSON for field f: numbers and booleans as such where they read
 * as such (else a string, which the converter then refuses by type). */
static json_t *s_scalar(const ProtobufCFieldDescriptor *f, const char *value)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_BOOL:
        if (strcmp(value, "true") == 0)
            return json_true();
        if (strcmp(value, "false") == 0)
            return json_false();
        break;
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32: {
        /* Written as the number is (no sign but '-', no leading zero), so
         * that what is stored is what was sent; else a string, refused by
         * the converter as the wrong type. */
        char *end, again[32];
        errno = 0;
        long long v = strtoll(value, &end, 10);
        snprintf(again, sizeof again, "%lld", v);
        if (*value && !*end && !errno && strcmp(again, value) == 0)
            return json_integer(v);
        break;
    }
    default:
        break;
    }
    return json_string(value);
}

/* Whether s is UTF-8 (as jansson takes it). */
static int s_utf8(const char *s)
{
    json_t *t = json_string(s);
    json_decref(t);
    return t != NULL;
}

json_t *gw_query_json(const ProtobufCMessageDescriptor *desc, const char *query, cd_fail_t *why)
{
    json_t *o = json_object();
    if (!o) {
        cd_fail(why, CD_CODE_NO_MEMORY, "", NULL);
        return NULL;
    }
    const char *p = query;
    while (p && *p) {
        size_t n = strcspn(p, "&");
        const char *eq = memchr(p, '=', n);
        char *key = s_decode(p, eq ? (size_t)(eq - p) : n);
        char *value = eq ? s_decode(eq + 1, n - (size_t)(eq - p) - 1) : strdup("");
        p = p[n] ? p + n + 1 : p + n;
        const ProtobufCFieldDescriptor *f =
            key ? protobuf_c_message_descriptor_get_field_by_name(desc, key) : NULL;
        int bad = 0;
        json_t *v = NULL;
        if (!key || !value)
            bad = cd_fail(why, CD_CODE_INVALID_ARGUMENT, "",
                          "the query string has a bad %%-escape (or %%00)");
        else if (!*key && !*value)
            ; /* "a=1&&b=2": nothing between */
        else if (!f && !s_utf8(key))
            /* not echoed: the refusal is answered as JSON text */
            bad = cd_fail(why, CD_CODE_INVALID_TEXT, "", "a query parameter's name is not UTF-8");
        else if (!f)
            bad = cd_fail(why, CD_CODE_UNKNOWN_FIELD, key, "no query parameter '%.80s' here", key);
        else if (f->type == PROTOBUF_C_TYPE_MESSAGE || f->type == PROTOBUF_C_TYPE_BYTES)
            bad = cd_fail(why, CD_CODE_INVALID_ARGUMENT, key,
                          "'%.80s' cannot be given in the query string", key);
        else if (!(v = s_scalar(f, value)))
            /* jansson takes no string that is not UTF-8 (else out of memory) */
            bad = cd_fail(why, s_utf8(value) ? CD_CODE_NO_MEMORY : CD_CODE_INVALID_TEXT, key,
                          "'%.80s' is not UTF-8 text", key);
        else if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            json_t *a = json_object_get(o, key);
            if (!a && json_object_set_new(o, key, a = json_array()) != 0)
                a = NULL;
            if (!a || json_array_append(a, v) != 0)
                bad = cd_fail(why, CD_CODE_NO_MEMORY, "", NULL);
        } else if (json_object_get(o, key))
            bad = cd_fail(why, CD_CODE_DUPLICATE_FIELD, key, "'%.80s' is given twice", key);
        else if (json_object_set(o, key, v) != 0)
            bad = cd_fail(why, CD_CODE_NO_MEMORY, "", NULL);
        json_decref(v);
        free(key);
        free(value);
        if (bad) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

/* protoc's lowerCamelCase of a field name ("complaint_ref" ->
 * "complaintRef"): the other spelling the converter takes. */
static void s_camel(const char *name, char *out, size_t size)
{
    size_t o = 0;
    for (int up = 0; *name && o + 1 < size; name++) {
        if (*name == '_') {
            up = 1;
            continue;
        }
        out[o++] = up && *name >= 'a' && *name <= 'z' ? (char)(*name - 'a' + 'A') : *name;
        up = 0;
    }
    out[o] = 0;
}

/* v absent, or the string value. */
static int s_same(const json_t *v, const char *value)
{
    return !v || (json_is_string(v) && strcmp(json_string_value(v), value) == 0);
}

/* v absent, null or "". */
static int s_empty(const json_t *v)
{
    return !v || json_is_null(v) || (json_is_string(v) && !*json_string_value(v));
}

ProtobufCMessage *gw_build_op(const gw_route_t *route, const gw_param_t *params, int nparams,
                              const char *body, size_t len, const char *query, const char *org,
                              cd_fail_t *why)
{
    const ProtobufCMessageDescriptor *desc = gw_op_descriptor(route);
    json_t *j = NULL;
    if (!desc) {
        cd_fail(why, CD_CODE_INTERNAL, "", "this route has no operation");
        return NULL;
    }
    if (strcmp(route->method, "POST") == 0) {
        json_error_t e;
        j = len ? json_loadb(body, len, JSON_REJECT_DUPLICATES, &e) : json_object();
        if (!j) {
            cd_fail(why, CD_CODE_INVALID_JSON, "", "the body is not JSON: %.120s", e.text);
            return NULL;
        }
        if (!json_is_object(j)) {
            json_decref(j);
            cd_fail(why, CD_CODE_WRONG_TYPE, "", "the body must be a JSON object");
            return NULL;
        }
    } else if (!(j = gw_query_json(desc, query, why))) {
        return NULL;
    }
    for (int i = 0; i < nparams; i++) {
        /* The converter takes either spelling, so both are checked: a
         * contradicting "complaintRef" must not pass, nor an agreeing one
         * be refused as given twice. */
        char camel[sizeof params[i].name];
        s_camel(params[i].name, camel, sizeof camel);
        json_t *given = json_object_get(j, params[i].name);
        json_t *given2 = strcmp(camel, params[i].name) != 0 ? json_object_get(j, camel) : NULL;
        if (!s_same(given, params[i].value) || !s_same(given2, params[i].value)) {
            cd_fail(why, CD_CODE_INVALID_ARGUMENT, params[i].name,
                    "%s is given by the path; leave it out of the body or give the same",
                    params[i].name);
            json_decref(j);
            return NULL;
        }
        if (given2 && !given) /* both: left for the converter's DUPLICATE_FIELD */
            json_object_del(j, camel);
        /* As its field's type: a number for a number ("/evidence/3"). */
        const ProtobufCFieldDescriptor *pf =
            protobuf_c_message_descriptor_get_field_by_name(desc, params[i].name);
        json_t *v = pf ? s_scalar(pf, params[i].value) : json_string(params[i].value);
        if (pf && pf->type != PROTOBUF_C_TYPE_STRING && json_is_string(v)) {
            json_decref(v);
            json_decref(j);
            cd_fail(why, CD_CODE_WRONG_TYPE, params[i].name, "%s is a number, written as 3 is",
                    params[i].name);
            return NULL;
        }
        json_object_set_new(j, params[i].name, v);
    }
    const ProtobufCFieldDescriptor *of =
        protobuf_c_message_descriptor_get_field_by_name(desc, "org_id");
    json_t *oa = json_object_get(j, "org_id"), *ob = json_object_get(j, "orgId");
    /* Left empty: absent, null or "", in either spelling (not both: that is
     * the converter's DUPLICATE_FIELD to report). */
    if (of && of->type == PROTOBUF_C_TYPE_STRING && of->label != PROTOBUF_C_LABEL_REPEATED && org &&
        !(oa && ob) && s_empty(oa) && s_empty(ob)) {
        json_object_del(j, "orgId");
        json_object_set_new(j, "org_id", json_string(org));
    }
    ProtobufCMessage *m = cd_pbjson_to_message(desc, j, why);
    json_decref(j);
    return m;
}
