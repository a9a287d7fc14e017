/* test_gateway_openapi.c - the API document the gateway serves
 * (services/gateway/openapi.json, embedded as gw_openapi_doc) held to the
 * gateway's URL table (gw_routes) and to the bus messages the routes become
 * (their protobuf-c descriptors).
 *
 * Both ways round: every route is documented, with its summary, its path
 * parameters, its security, its roles, its success status and (POST) the
 * Idempotency-Key header; every documented operation is a route. A POST's
 * request schema has exactly its operation message's fields less the path's
 * parameters, each of its JSON type, and refuses others; a GET's query
 * parameters are scalar fields of its message. Every message schema that
 * names a proto message (requests, their parts, and every Reply result) has
 * that message's fields and types, all the way down. Every "$ref" resolves.
 * The examples are held to the schemas by tests/support/openapi_examples.py;
 * the schemas to the .proto comments by tests/support/openapi_schemas.py. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "build.h"
#include "candour/directory.h"
#include "candour/v1/api.pb-c.h"
#include "routes.h"

extern const char gw_openapi_doc[];
extern const size_t gw_openapi_doc_len;

#define S_SCHEMAS "#/components/schemas/"

/* ---------------------------------------------------------------- helpers */

static json_t *s_doc(void)
{
    json_error_t e;
    json_t *doc = json_loadb(gw_openapi_doc, gw_openapi_doc_len, JSON_REJECT_DUPLICATES, &e);
    cr_assert_not_null(doc, "openapi.json is not JSON: line %d: %s", e.line, e.text);
    return doc;
}

/* The node a local "$ref" ("#/a/b") names in doc, or NULL. */
static json_t *s_pointer(json_t *doc, const char *ref)
{
    if (strncmp(ref, "#/", 2) != 0)
        return NULL;
    json_t *node = doc;
    char part[256];
    for (const char *p = ref + 2; node && *p;) {
        size_t n = strcspn(p, "/"), o = 0;
        for (size_t i = 0; i < n && o + 1 < sizeof part; i++) {
            if (p[i] == '~' && i + 1 < n && (p[i + 1] == '0' || p[i + 1] == '1')) {
                part[o++] = p[i + 1] == '0' ? '~' : '/';
                i++;
            } else {
                part[o++] = p[i];
            }
        }
        part[o] = 0;
        node = json_object_get(node, part);
        p += n + (p[n] == '/');
    }
    return node;
}

/* node, or what its "$ref" names (followed a few times). */
static json_t *s_deref(json_t *doc, json_t *node)
{
    for (int i = 0; i < 8 && node && json_is_string(json_object_get(node, "$ref")); i++)
        node = s_pointer(doc, json_string_value(json_object_get(node, "$ref")));
    return node;
}

static const char *s_lower(const char *method, char *out, size_t size)
{
    size_t i = 0;
    for (; method[i] && i + 1 < size; i++)
        out[i] = (char)(method[i] >= 'A' && method[i] <= 'Z' ? method[i] + 32 : method[i]);
    out[i] = 0;
    return out;
}

/* The documented operation of route r, or NULL. */
static json_t *s_operation(json_t *doc, const gw_route_t *r)
{
    char m[8];
    return json_object_get(json_object_get(json_object_get(doc, "paths"), r->path),
                           s_lower(r->method, m, sizeof m));
}

/* Is name one of pattern's "{param}"s? */
static int s_is_path_param(const char *pattern, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = strchr(pattern, '{'); p; p = strchr(p + 1, '{'))
        if (strncmp(p + 1, name, n) == 0 && p[1 + n] == '}')
            return 1;
    return 0;
}

static int s_count_path_params(const char *pattern)
{
    int n = 0;
    for (const char *p = strchr(pattern, '{'); p; p = strchr(p + 1, '{'))
        n++;
    return n;
}

/* The operation's parameters of kind in ("path", "query", "header"), each
 * resolved, as a new array. */
static json_t *s_params(json_t *doc, json_t *op, const char *in)
{
    json_t *out = json_array(), *p;
    size_t i;
    json_array_foreach(json_object_get(op, "parameters"), i, p)
    {
        json_t *r = s_deref(doc, p);
        cr_assert_not_null(r, "a parameter's $ref does not resolve");
        if (strcmp(json_string_value(json_object_get(r, "in")), in) == 0)
            json_array_append(out, r);
    }
    return out;
}

/* Does the schema (a property's) allow JSON type t ("string", ...)? */
static int s_has_type(json_t *schema, const char *t)
{
    json_t *type = json_object_get(schema, "type"), *v;
    size_t i;
    if (json_is_string(type))
        return strcmp(json_string_value(type), t) == 0;
    json_array_foreach(type, i, v) if (strcmp(json_string_value(v), t) == 0) return 1;
    return 0;
}

/* The schema a property's "$ref" names, with its name after S_SCHEMAS. */
static json_t *s_ref_schema(json_t *doc, json_t *prop, const char **name)
{
    const char *ref = json_string_value(json_object_get(prop, "$ref"));
    if (!ref || strncmp(ref, S_SCHEMAS, strlen(S_SCHEMAS)) != 0)
        return NULL;
    *name = ref + strlen(S_SCHEMAS);
    return s_pointer(doc, ref);
}

/* ---------------------------------------------------------------- schema vs descriptor */

static void s_check_message(json_t *doc, json_t *checked, const ProtobufCMessageDescriptor *d,
                            json_t *schema, const char *route_path, const char *extra, int request);

/* One value of field f (an element, for a repeated field) as prop says. */
static void s_check_value(json_t *doc, json_t *checked, const ProtobufCFieldDescriptor *f,
                          json_t *prop, const char *where, int request)
{
    const char *name = NULL;
    json_t *target;
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING:
        cr_expect(s_has_type(prop, "string") && !s_has_type(prop, "integer"),
                  "%s: a string field must be a JSON string", where);
        break;
    case PROTOBUF_C_TYPE_BYTES:
        cr_expect(s_has_type(prop, "string") &&
                      json_is_string(json_object_get(prop, "contentEncoding")),
                  "%s: a bytes field is a base64 string (contentEncoding)", where);
        break;
    case PROTOBUF_C_TYPE_BOOL:
        cr_expect(s_has_type(prop, "boolean"), "%s: a bool field is a JSON boolean", where);
        break;
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        cr_expect(s_has_type(prop, "integer") && !s_has_type(prop, "string"),
                  "%s: a 32-bit integer is a JSON integer", where);
        break;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        cr_expect(s_has_type(prop, "integer") && s_has_type(prop, "string"),
                  "%s: a 64-bit integer is a number or a decimal string", where);
        break;
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_DOUBLE:
        cr_expect(s_has_type(prop, "number"), "%s: a float is a JSON number", where);
        break;
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumDescriptor *ed = f->descriptor;
        target = s_ref_schema(doc, prop, &name);
        cr_assert_not_null(target, "%s: an enum field refers to its enum's schema", where);
        cr_expect_str_eq(name, ed->short_name, "%s: the enum's schema is named %s", where,
                         ed->short_name);
        json_t *values = json_object_get(target, "enum");
        cr_expect_eq(json_array_size(values), ed->n_values, "%s: %s has %u values", where,
                     ed->short_name, ed->n_values);
        for (unsigned i = 0; i < ed->n_values && i < json_array_size(values); i++)
            cr_expect_str_eq(json_string_value(json_array_get(values, i)), ed->values[i].name,
                             "%s: %s's values by name, in order", where, ed->short_name);
        break;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessageDescriptor *md = f->descriptor;
        target = s_ref_schema(doc, prop, &name);
        cr_assert_not_null(target, "%s: a message field refers to its message's schema", where);
        cr_expect_str_eq(name, md->short_name, "%s: the schema is named %s", where, md->short_name);
        s_check_message(doc, checked, md, target, NULL, NULL, request);
        break;
    }
    }
}

/* schema is message d (less route_path's parameters, if given; plus the
 * property extra, if given): exactly its fields, each of its JSON type; a
 * request's refuses other fields. Each schema is checked once (checked:
 * names done, as requests or not). */
static void s_check_message(json_t *doc, json_t *checked, const ProtobufCMessageDescriptor *d,
                            json_t *schema, const char *route_path, const char *extra, int request)
{
    json_t *seen = json_object_get(checked, d->short_name);
    if (!route_path && seen && (json_is_true(seen) || !request))
        return;
    if (!route_path)
        json_object_set_new(checked, d->short_name, json_boolean(request));
    json_t *props = json_object_get(schema, "properties");
    cr_assert(json_is_object(props), "schema %s has properties", d->short_name);
    size_t want = 0;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        char where[160];
        snprintf(where, sizeof where, "%s.%s", d->short_name, f->name);
        if (route_path && s_is_path_param(route_path, f->name)) {
            cr_expect_null(json_object_get(props, f->name),
                           "%s: given by the path %s, so not in the body's schema", where,
                           route_path);
            continue;
        }
        want++;
        json_t *prop = json_object_get(props, f->name);
        if (!prop) {
            cr_expect_fail("%s: the field is not in the schema", where);
            continue;
        }
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            cr_expect(s_has_type(prop, "array"), "%s: a repeated field is an array", where);
            json_t *items = json_object_get(prop, "items");
            cr_assert_not_null(items, "%s: an array has its items' schema", where);
            s_check_value(doc, checked, f, items, where, request);
        } else {
            s_check_value(doc, checked, f, prop, where, request);
        }
    }
    if (extra) {
        cr_expect_not_null(json_object_get(props, extra), "schema for %s has %s too", d->short_name,
                           extra);
        want++;
    }
    cr_expect_eq(json_object_size(props), want,
                 "schema %s has %zu properties; the message (less the path's) has %zu",
                 d->short_name, json_object_size(props), want);
    if (request)
        cr_expect(json_is_false(json_object_get(schema, "additionalProperties")),
                  "schema %s is (part of) a request: additionalProperties false, as unknown"
                  " fields are refused",
                  d->short_name);
}

/* ---------------------------------------------------------------- tests */

Test(gateway_openapi, is_an_openapi_3_1_document_with_bearer_auth)
{
    json_t *doc = s_doc();
    cr_expect_str_eq(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
    json_t *info = json_object_get(doc, "info");
    cr_expect(json_is_string(json_object_get(info, "title")) &&
              json_is_string(json_object_get(info, "version")));
    json_t *b = s_pointer(doc, "#/components/securitySchemes/bearerAuth");
    cr_assert_not_null(b, "components.securitySchemes.bearerAuth");
    cr_expect_str_eq(json_string_value(json_object_get(b, "type")), "http");
    cr_expect_str_eq(json_string_value(json_object_get(b, "scheme")), "bearer");
    json_t *e = s_pointer(doc, "#/components/schemas/Error/properties/error/properties");
    cr_assert_not_null(e, "the shared Error schema is {error: {code, field, message}}");
    cr_expect(json_object_get(e, "code") && json_object_get(e, "field") &&
              json_object_get(e, "message"));
    json_decref(doc);
}

Test(gateway_openapi, every_route_is_documented_with_its_summary)
{
    json_t *doc = s_doc();
    size_t n;
    const gw_route_t *r = gw_routes(&n);
    for (size_t i = 0; i < n; i++) {
        json_t *op = s_operation(doc, &r[i]);
        cr_expect_not_null(op, "route %s %s is not documented", r[i].method, r[i].path);
        if (op)
            cr_expect_str_eq(json_string_value(json_object_get(op, "summary")), r[i].summary,
                             "%s %s: the summary is the route's", r[i].method, r[i].path);
    }
    json_decref(doc);
}

Test(gateway_openapi, every_documented_operation_is_a_route)
{
    json_t *doc = s_doc();
    size_t n;
    const gw_route_t *r = gw_routes(&n);
    const char *path, *method;
    json_t *item, *op;
    int ops = 0;
    json_object_foreach(json_object_get(doc, "paths"), path, item)
    {
        json_object_foreach(item, method, op)
        {
            if (strcmp(method, "parameters") == 0 || strcmp(method, "summary") == 0 ||
                strcmp(method, "description") == 0)
                continue;
            int found = 0;
            for (size_t i = 0; i < n && !found; i++)
                found = strcasecmp(r[i].method, method) == 0 && strcmp(r[i].path, path) == 0;
            cr_expect(found, "documented operation %s %s is not a route of routes.c", method, path);
            ops++;
        }
    }
    cr_expect_eq((size_t)ops, n, "%d operations documented, %zu routes", ops, n);
    json_decref(doc);
}

Test(gateway_openapi, path_parameters_are_the_patterns)
{
    json_t *doc = s_doc();
    size_t n;
    const gw_route_t *r = gw_routes(&n);
    for (size_t i = 0; i < n; i++) {
        json_t *op = s_operation(doc, &r[i]);
        if (!op)
            continue; /* every_route_is_documented says so */
        json_t *pp = s_params(doc, op, "path"), *p;
        size_t k;
        cr_expect_eq(json_array_size(pp), (size_t)s_count_path_params(r[i].path),
                     "%s %s: as many path parameters as the pattern has", r[i].method, r[i].path);
        json_array_foreach(pp, k, p)
        {
            const char *name = json_string_value(json_object_get(p, "name"));
            cr_expect(name && s_is_path_param(r[i].path, name),
                      "%s %s: path parameter %s is not in the pattern", r[i].method, r[i].path,
                      name ? name : "(unnamed)");
            cr_expect(json_is_true(json_object_get(p, "required")),
                      "%s %s: path parameter %s is required", r[i].method, r[i].path, name);
        }
        json_decref(pp);
    }
    json_decref(doc);
}

Test(gateway_openapi, public_routes_need_no_token_and_others_bearer_auth_and_their_roles)
{
    json_t *doc = s_doc();
    size_t n;
    const gw_route_t *r = gw_routes(&n);
    for (size_t i = 0; i < n; i++) {
        json_t *op = s_operation(doc, &r[i]);
        if (!op)
            continue;
        json_t *sec = json_object_get(op, "security");
        cr_assert(json_is_array(sec), "%s %s: states its security", r[i].method, r[i].path);
        if (r[i].flags & GW_PUBLIC) {
            cr_expect_eq(json_array_size(sec), 0, "%s %s is public: security []", r[i].method,
                         r[i].path);
            continue;
        }
        cr_expect(json_array_size(sec) == 1 &&
                      json_is_array(json_object_get(json_array_get(sec, 0), "bearerAuth")),
                  "%s %s needs a token: security [{bearerAuth: []}]", r[i].method, r[i].path);
        /* x-candour-roles: the route's roles, by name. */
        json_t *roles = json_object_get(op, "x-candour-roles"), *v;
        unsigned doc_roles = 0;
        size_t k;
        json_array_foreach(roles, k, v)
        {
            Candour__V1__Role role = cd_role_from_name(json_string_value(v));
            cr_expect_neq(role, CANDOUR__V1__ROLE__ROLE_UNSPECIFIED, "%s %s: no role %s",
                          r[i].method, r[i].path, json_string_value(v));
            doc_roles |= 1u << role;
        }
        cr_expect_eq(doc_roles, r[i].roles, "%s %s: x-candour-roles are the route's roles",
                     r[i].method, r[i].path);
        json_t *resp = json_object_get(op, "responses");
        cr_expect(json_object_get(resp, "401") && json_object_get(resp, "403") &&
                      json_object_get(resp, "429"),
                  "%s %s: documents 401, 403 and 429", r[i].method, r[i].path);
        if (r[i].flags & (GW_LEAD | GW_PARTY))
            cr_expect_not_null(json_object_get(resp, "404"),
                               "%s %s: another body's complaint is 404", r[i].method, r[i].path);
    }
    json_decref(doc);
}

Test(gateway_openapi, success_status_is_201_for_created_routes_else_200)
{
    json_t *doc = s_doc();
    size_t n;
    const gw_route_t *r = gw_routes(&n);
    for (size_t i = 0; i < n; i++) {
        json_t *resp = json_object_get(s_operation(doc, &r[i]), "responses");
        if (!resp)
            continue;
        int created = (r[i].flags & GW_CREATED) != 0;
        cr_expect_not_null(json_object_get(resp, created ? "201" : "200"), "%s %s answers %s",
                           r[i].method, r[i].path, created ? "201" : "200");
        cr_expect_null(json_object_get(resp, created ? "200" : "201"), "%s %s never answers %s",
                       r[i].method, r[i].path, created ? "200" : "201");
    }
    json_decref(doc);
}

Test(gateway_openapi, every_post_takes_an_idempotency_key_header)
{
    json_t *doc = s_doc();
    size_t n;
    const gw_route_t *r = gw_routes(&n);
    for (size_t i = 0; i < n; i++) {
        json_t *op = s_operation(doc, &r[i]);
        if (!op || strcmp(r[i].method, "POST") != 0)
            continue;
        json_t *h = s_params(doc, op, "header"), *p;
        size_t k;
        int found = 0;
        json_array_foreach(h, k, p)
        {
            if (strcasecmp(json_string_value(json_object_get(p, "name")), "Idempotency-Key") != 0)
                continue;
            found = 1;
            /* The web form (public) takes one if it is sent; staff POSTs need one. */
            cr_expect(json_is_true(json_object_get(p, "required")) == !(r[i].flags & GW_PUBLIC),
                      "%s %s: the Idempotency-Key is %s", r[i].method, r[i].path,
                      r[i].flags & GW_PUBLIC ? "optional" : "required");
            json_t *s = json_object_get(p, "schema");
            cr_expect(json_integer_value(json_object_get(s, "minLength")) == 1 &&
                          json_integer_value(json_object_get(s, "maxLength")) == 200,
                      "%s %s: the key is 1 to 200 characters", r[i].method, r[i].path);
        }
        cr_expect(found, "POST %s does not document the Idempotency-Key header", r[i].path);
        json_decref(h);
    }
    json_decref(doc);
}

Test(gateway_openapi, request_schemas_are_the_operation_messages)
{
    json_t *doc = s_doc();
    json_t *checked = json_object();
    size_t n;
    const gw_route_t *r = gw_routes(&n);
    for (size_t i = 0; i < n; i++) {
        json_t *op = s_operation(doc, &r[i]);
        const ProtobufCMessageDescriptor *d = gw_op_descriptor(&r[i]);
        cr_expect_eq(d != NULL, r[i].svc != GW_SVC_NONE,
                     "%s %s: a service's route has an operation message", r[i].method, r[i].path);
        if (!op)
            continue;
        json_t *body = json_object_get(op, "requestBody");
        if (strcmp(r[i].method, "GET") == 0) {
            cr_expect_null(body, "GET %s takes no body", r[i].path);
            json_t *q = s_params(doc, op, "query"), *p;
            size_t k;
            cr_expect(d || json_array_size(q) == 0, "GET %s has no message to query", r[i].path);
            json_array_foreach(q, k, p)
            {
                const char *name = json_string_value(json_object_get(p, "name"));
                const ProtobufCFieldDescriptor *f =
                    d ? protobuf_c_message_descriptor_get_field_by_name(d, name) : NULL;
                cr_expect_not_null(f, "GET %s: query parameter %s is no field of %s", r[i].path,
                                   name, d ? d->short_name : "(none)");
                if (!f)
                    continue;
                cr_expect(f->type != PROTOBUF_C_TYPE_MESSAGE && f->type != PROTOBUF_C_TYPE_BYTES,
                          "GET %s: %s is not a scalar field", r[i].path, name);
                cr_expect(!s_is_path_param(r[i].path, name), "GET %s: %s is the path's", r[i].path,
                          name);
                json_t *s = json_object_get(p, "schema");
                if (f->label == PROTOBUF_C_LABEL_REPEATED) {
                    cr_expect(s_has_type(s, "array"), "GET %s: %s repeats: an array", r[i].path,
                              name);
                    s = json_object_get(s, "items");
                }
                cr_expect(f->type == PROTOBUF_C_TYPE_BOOL     ? s_has_type(s, "boolean")
                          : f->type == PROTOBUF_C_TYPE_STRING ? s_has_type(s, "string")
                          : f->type == PROTOBUF_C_TYPE_ENUM   ? s_has_type(s, "string")
                                                              : s_has_type(s, "integer"),
                          "GET %s: %s has its field's JSON type", r[i].path, name);
            }
            json_decref(q);
            continue;
        }
        cr_assert_not_null(body, "POST %s has a request body", r[i].path);
        cr_expect(json_is_true(json_object_get(body, "required")), "POST %s: body required",
                  r[i].path);
        json_t *schema = json_object_get(
            json_object_get(json_object_get(json_object_get(body, "content"), "application/json"),
                            "schema"),
            "$ref");
        cr_assert(json_is_string(schema), "POST %s: the body's schema is a $ref", r[i].path);
        const char *ref = json_string_value(schema);
        /* The web form's body is its message and the body it is made to,
         * which the gateway takes out (form.c): a schema of its own. */
        int form = r[i].own == GW_OWN_FORM;
        char want[160];
        snprintf(want, sizeof want, S_SCHEMAS "%s", form ? "WebFormComplaint" : d->short_name);
        cr_expect_str_eq(ref, want, "POST %s: the body's schema is %s", r[i].path, want);
        json_t *s = s_pointer(doc, ref);
        cr_assert_not_null(s, "POST %s: %s does not resolve", r[i].path, ref);
        s_check_message(doc, checked, d, s, r[i].path, form ? "org_id" : NULL, 1);
    }
    json_decref(checked);
    json_decref(doc);
}

Test(gateway_openapi, reply_schemas_are_the_result_messages)
{
    /* Every Reply result the document names is that message, all the way
     * down; and at least the results of the routes here are named. */
    json_t *doc = s_doc();
    json_t *checked = json_object();
    const ProtobufCMessageDescriptor *reply = &candour__v1__reply__descriptor;
    int named = 0;
    for (unsigned i = 0; i < reply->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &reply->fields[i];
        if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) || f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        const ProtobufCMessageDescriptor *d = f->descriptor;
        json_t *s = json_object_get(json_object_get(json_object_get(doc, "components"), "schemas"),
                                    d->short_name);
        if (!s)
            continue;
        named++;
        s_check_message(doc, checked, d, s, NULL, NULL, 0);
    }
    cr_expect_geq(named, 10, "the results answered by the routes have their schemas (%d)", named);
    json_decref(checked);
    json_decref(doc);
}

/* Every "$ref" under node resolves in doc. */
static void s_refs_resolve(json_t *doc, json_t *node, int *count)
{
    if (json_is_object(node)) {
        const char *k;
        json_t *v;
        json_object_foreach(node, k, v)
        {
            if (strcmp(k, "$ref") == 0 && json_is_string(v)) {
                (*count)++;
                cr_expect_not_null(s_pointer(doc, json_string_value(v)), "$ref %s does not resolve",
                                   json_string_value(v));
            } else {
                s_refs_resolve(doc, v, count);
            }
        }
    } else if (json_is_array(node)) {
        size_t i;
        json_t *v;
        json_array_foreach(node, i, v) s_refs_resolve(doc, v, count);
    }
}

Test(gateway_openapi, every_ref_resolves)
{
    json_t *doc = s_doc();
    int count = 0;
    s_refs_resolve(doc, doc, &count);
    cr_expect_gt(count, 0);
    /* The checker itself: a pointer that names nothing is caught. */
    cr_expect_null(s_pointer(doc, "#/components/schemas/NoSuchMessage"));
    cr_expect_not_null(s_pointer(doc, "#/paths/~1v1~1me/get"));
    json_decref(doc);
}
