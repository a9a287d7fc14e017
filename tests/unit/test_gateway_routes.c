/* test_gateway_routes.c - the gateway's URL table (services/gateway/routes.c)
 * and the bus operation a request becomes (services/gateway/build.c).
 *
 * The table is checked as data first (each row reachable at a concrete path,
 * its parameters fields of its operation's message, its gates set), then
 * matching at its edges (methods, trailing slashes, parameters that are not
 * [A-Za-z0-9._-]{1,127}), then building: a POST's body and a GET's query into
 * the message, the path's parameters over them, the caller's body into an
 * org_id left empty, and each refusal typed with the field to fix. (The
 * error codes' HTTP statuses are the one table's: test_errcode.c.) */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "candour/pbjson.h"
#include "candour/v1/api.pb-c.h"
#include "candour/v1/envelope.pb-c.h"
#include "routes.h"

#define REF "/v1/complaints/CDR-ABCD-EFGH"

/* ---------------------------------------------------------------- helpers */

/* pattern with its i-th "{param}" replaced by values[i]. */
static void s_concrete(const char *pattern, const char *const *values, char *out, size_t size)
{
    size_t o = 0;
    int i = 0;
    for (const char *p = pattern; *p;) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            cr_assert_not_null(close, "unclosed parameter in %s", pattern);
            o += (size_t)snprintf(out + o, size - o, "%s", values[i++]);
            p = close + 1;
        } else {
            out[o++] = *p++;
        }
        cr_assert_lt(o, size, "%s: path too long for the test", pattern);
    }
    out[o] = 0;
}

/* The names of pattern's parameters, in order: how many. */
static int s_param_names(const char *pattern, char names[][32])
{
    int n = 0;
    for (const char *p = strchr(pattern, '{'); p; p = strchr(p + 1, '{')) {
        const char *close = strchr(p, '}');
        cr_assert_not_null(close);
        cr_assert_lt((size_t)(close - p - 1), sizeof names[0], "%s: name too long", pattern);
        cr_assert_lt(n, GW_MAX_PARAMS, "%s: too many parameters", pattern);
        memcpy(names[n], p + 1, (size_t)(close - p - 1));
        names[n][close - p - 1] = 0;
        n++;
    }
    return n;
}

static const gw_route_t *s_route(const char *method, const char *path, gw_param_t *params, int *n)
{
    const gw_route_t *r = NULL;
    cr_assert_eq(gw_route_match(method, path, &r, params, n), GW_MATCH_OK, "%s %s", method, path);
    cr_assert_not_null(r);
    return r;
}

static gw_match_t s_status(const char *method, const char *path)
{
    const gw_route_t *r = (const gw_route_t *)1;
    gw_param_t params[GW_MAX_PARAMS];
    int n = -1;
    gw_match_t m = gw_route_match(method, path, &r, params, &n);
    if (m != GW_MATCH_OK) {
        cr_assert_null(r, "%s %s: a route with no match", method, path);
        cr_assert_eq(n, 0, "%s %s: parameters with no match", method, path);
    }
    return m;
}

/* m's string field `name` (the message's own, not a copy). */
static const char *s_str(const ProtobufCMessage *m, const char *name)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);
    cr_assert_not_null(f, "%s has no field %s", m->descriptor->name, name);
    cr_assert_eq(f->type, PROTOBUF_C_TYPE_STRING);
    return *(const char *const *)((const char *)m + f->offset);
}

/* The route's operation built from a POST body (NUL-terminated) or a GET query. */
static ProtobufCMessage *s_build(const char *method, const char *path, const char *body,
                                 const char *query, const char *org, cd_fail_t *why)
{
    gw_param_t params[GW_MAX_PARAMS];
    int n;
    const gw_route_t *r = s_route(method, path, params, &n);
    memset(why, 0, sizeof *why);
    return gw_build_op(r, params, n, body, body ? strlen(body) : 0, query, org, why);
}

static ProtobufCMessage *s_build_ok(const char *method, const char *path, const char *body,
                                    const char *query, const char *org)
{
    cd_fail_t why;
    ProtobufCMessage *m = s_build(method, path, body, query, org, &why);
    cr_assert_not_null(m, "%s %s body %s query %s: %s at '%s': %s", method, path, body ? body : "-",
                       query ? query : "-", cd_code_name(why.code), why.field, why.message);
    return m;
}

static void s_build_fails(const char *method, const char *path, const char *body, const char *query,
                          cd_code_t code, const char *field)
{
    cd_fail_t why;
    ProtobufCMessage *m = s_build(method, path, body, query, "RX1", &why);
    cr_assert_null(m, "%s %s body %s query %s was taken", method, path, body ? body : "-",
                   query ? query : "-");
    cr_assert_eq(why.code, code, "%s %s body %s query %s: %s, not %s", method, path,
                 body ? body : "-", query ? query : "-", cd_code_name(why.code),
                 cd_code_name(code));
    cr_assert_str_eq(why.field, field, "%s: field '%s', not '%s'", body ? body : query, why.field,
                     field);
    cr_assert_neq(why.message[0], 0, "a refusal without a message");
}

static json_t *s_query_ok(const ProtobufCMessageDescriptor *d, const char *query)
{
    cd_fail_t why;
    memset(&why, 0, sizeof why);
    json_t *j = gw_query_json(d, query, &why);
    cr_assert_not_null(j, "query '%s': %s at '%s': %s", query, cd_code_name(why.code), why.field,
                       why.message);
    return j;
}

/* query's JSON, compact with sorted keys, is want. */
static void s_query_is(const ProtobufCMessageDescriptor *d, const char *query, const char *want)
{
    json_t *j = s_query_ok(d, query);
    char *got = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    cr_assert_str_eq(got, want, "query '%s'", query);
    free(got);
    json_decref(j);
}

static void s_query_fails(const ProtobufCMessageDescriptor *d, const char *query, cd_code_t code,
                          const char *field)
{
    cd_fail_t why;
    memset(&why, 0, sizeof why);
    json_t *j = gw_query_json(d, query, &why);
    cr_assert_null(j, "query '%s' was taken", query);
    cr_assert_eq(why.code, code, "query '%s': %s, not %s", query, cd_code_name(why.code),
                 cd_code_name(code));
    cr_assert_str_eq(why.field, field, "query '%s'", query);
    cr_assert_neq(why.message[0], 0, "a refusal without a message");
}

/* ---------------------------------------------------------------- the table as data */

Test(gateway_routes, every_row_matches_a_concrete_path_and_yields_its_parameters)
{
    size_t n;
    const gw_route_t *t = gw_routes(&n);
    cr_assert_gt(n, 0);
    static const char *const values[GW_MAX_PARAMS] = {"CDR-ABCD-EFGH", "p1.x_y-Z", "9", "a.b"};
    for (size_t i = 0; i < n; i++) {
        char path[256], names[GW_MAX_PARAMS][32];
        int want = s_param_names(t[i].path, names);
        s_concrete(t[i].path, values, path, sizeof path);
        gw_param_t params[GW_MAX_PARAMS];
        int got;
        const gw_route_t *r = s_route(t[i].method, path, params, &got);
        cr_assert_eq(r, &t[i], "%s %s matched row %s %s", t[i].method, path, r->method, r->path);
        cr_assert_eq(got, want, "%s: %d parameters, not %d", t[i].path, got, want);
        for (int k = 0; k < want; k++) {
            cr_assert_str_eq(params[k].name, names[k], "%s", t[i].path);
            cr_assert_str_eq(params[k].value, values[k], "%s", t[i].path);
        }
    }
}

Test(gateway_routes, no_two_rows_have_the_same_method_and_pattern)
{
    size_t n;
    const gw_route_t *t = gw_routes(&n);
    for (size_t i = 0; i < n; i++)
        for (size_t k = i + 1; k < n; k++)
            cr_assert(strcmp(t[i].method, t[k].method) != 0 || strcmp(t[i].path, t[k].path) != 0,
                      "%s %s twice (rows %zu and %zu)", t[i].method, t[i].path, i, k);
}

Test(gateway_routes, every_row_is_GET_or_POST_under_a_slash_with_a_summary)
{
    size_t n;
    const gw_route_t *t = gw_routes(&n);
    for (size_t i = 0; i < n; i++) {
        cr_assert(strcmp(t[i].method, "GET") == 0 || strcmp(t[i].method, "POST") == 0, "%s %s",
                  t[i].method, t[i].path);
        cr_assert_eq(t[i].path[0], '/', "%s", t[i].path);
        cr_assert_not_null(t[i].summary, "%s", t[i].path);
        cr_assert_neq(t[i].summary[0], 0, "%s has no summary", t[i].path);
        if (t[i].flags & GW_CREATED)
            cr_assert_str_eq(t[i].method, "POST", "%s: 201 Created on a GET", t[i].path);
    }
}

Test(gateway_routes, a_service_row_has_an_operation_and_a_gateway_row_its_own_answer)
{
    size_t n;
    const gw_route_t *t = gw_routes(&n);
    for (size_t i = 0; i < n; i++) {
        if (t[i].svc == GW_SVC_NONE) {
            cr_assert_neq(t[i].own, GW_OWN_NONE, "%s: answered by nobody", t[i].path);
            cr_assert_eq(t[i].op, 0, "%s: the gateway's own answer with an operation", t[i].path);
            cr_assert_null(gw_op_descriptor(&t[i]), "%s", t[i].path);
        } else {
            /* (own may say how the gateway reads it, as a web form's) */
            cr_assert_gt(t[i].op, 0, "%s: a service row without an operation", t[i].path);
            cr_assert_lt(t[i].svc, GW_SVC_COUNT, "%s", t[i].path);
            cr_assert_str_neq(gw_svc_name(t[i].svc), "unknown", "%s", t[i].path);
        }
    }
}

Test(gateway_routes, every_row_with_an_op_has_a_descriptor_of_a_member_of_the_request_oneof)
{
    size_t n;
    const gw_route_t *t = gw_routes(&n);
    for (size_t i = 0; i < n; i++) {
        if (t[i].op == 0)
            continue;
        const ProtobufCMessageDescriptor *d = gw_op_descriptor(&t[i]);
        cr_assert_not_null(d, "%s %s: op %d has no message", t[i].method, t[i].path, t[i].op);
        const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(
            &candour__v1__request__descriptor, (unsigned)t[i].op);
        cr_assert_not_null(f);
        cr_assert(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF, "%s: op %d is not in the oneof",
                  t[i].path, t[i].op);
        cr_assert_eq(f->descriptor, d);
    }
}

Test(gateway_routes, every_path_parameter_names_a_single_string_or_int32_field_of_the_message)
{
    size_t n;
    const gw_route_t *t = gw_routes(&n);
    for (size_t i = 0; i < n; i++) {
        char names[GW_MAX_PARAMS][32];
        int np = s_param_names(t[i].path, names);
        const ProtobufCMessageDescriptor *d = gw_op_descriptor(&t[i]);
        if (np > 0)
            cr_assert_not_null(d, "%s: parameters but no message", t[i].path);
        for (int k = 0; k < np; k++) {
            const ProtobufCFieldDescriptor *f =
                protobuf_c_message_descriptor_get_field_by_name(d, names[k]);
            cr_assert_not_null(f, "%s: {%s} is no field of %s", t[i].path, names[k], d->name);
            cr_assert(f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_INT32,
                      "%s: {%s} neither a string nor an int32", t[i].path, names[k]);
            cr_assert_neq(f->label, PROTOBUF_C_LABEL_REPEATED, "%s: {%s} repeated", t[i].path,
                          names[k]);
        }
    }
}

Test(gateway_routes, every_non_public_row_has_roles_and_public_rows_have_none)
{
    size_t n;
    const gw_route_t *t = gw_routes(&n);
    for (size_t i = 0; i < n; i++) {
        if (t[i].flags & GW_PUBLIC) {
            cr_assert_eq(t[i].roles, 0, "%s: public, yet roles", t[i].path);
            cr_assert_eq(t[i].flags & (GW_LEAD | GW_PARTY), 0, "%s: public, yet a complaint's gate",
                         t[i].path);
        } else {
            cr_assert_neq(t[i].roles, 0, "%s %s: nobody may call it", t[i].method, t[i].path);
        }
    }
}

Test(gateway_routes, lead_and_party_rows_have_a_complaint_ref)
{
    size_t n;
    const gw_route_t *t = gw_routes(&n);
    for (size_t i = 0; i < n; i++) {
        if (t[i].flags & (GW_LEAD | GW_PARTY))
            cr_assert_not_null(strstr(t[i].path, "{complaint_ref}"), "%s %s", t[i].method,
                               t[i].path);
        cr_assert(!((t[i].flags & GW_LEAD) && (t[i].flags & GW_PARTY)), "%s: both lead and party",
                  t[i].path);
    }
}

Test(gateway_routes, service_names_are_their_endpoint_variables)
{
    cr_assert_str_eq(gw_svc_name(GW_SVC_NONE), "gateway");
    cr_assert_str_eq(gw_svc_name(GW_SVC_INTAKE), "intake");
    cr_assert_str_eq(gw_svc_name(GW_SVC_ROUTING), "routing");
    cr_assert_str_eq(gw_svc_name(GW_SVC_INVESTIGATION), "investigation");
    cr_assert_str_eq(gw_svc_name(GW_SVC_SIGNOFF), "signoff");
    cr_assert_str_eq(gw_svc_name(GW_SVC_COUNT), "unknown");
    cr_assert_str_eq(gw_svc_name((gw_svc_t)-1), "unknown");
}

/* ---------------------------------------------------------------- matching */

Test(gateway_routes, a_method_no_row_of_a_known_path_has_is_bad_method)
{
    static const char *const methods[] = {"GET",     "POST", "PUT",  "DELETE", "PATCH",
                                          "OPTIONS", "get",  "post", "HEAD",   ""};
    size_t n;
    const gw_route_t *t = gw_routes(&n);
    static const char *const values[GW_MAX_PARAMS] = {"CDR-ABCD-EFGH", "b", "c", "d"};
    for (size_t i = 0; i < n; i++) {
        char path[256];
        s_concrete(t[i].path, values, path, sizeof path);
        for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++) {
            int answered = 0;
            const char *as = strcmp(methods[m], "HEAD") == 0 ? "GET" : methods[m];
            for (size_t k = 0; k < n; k++)
                answered |= strcmp(t[k].path, t[i].path) == 0 && strcmp(t[k].method, as) == 0;
            gw_match_t got = s_status(methods[m], path);
            cr_assert_eq(got, answered ? GW_MATCH_OK : GW_MATCH_BAD_METHOD, "%s %s: %d", methods[m],
                         path, got);
        }
    }
}

Test(gateway_routes, HEAD_matches_the_GET_row)
{
    gw_param_t p[GW_MAX_PARAMS];
    int n;
    const gw_route_t *r = s_route("HEAD", "/healthz", p, &n);
    cr_assert_eq(r->own, GW_OWN_HEALTH);
    r = s_route("HEAD", "/v1/staff", p, &n);
    cr_assert_str_eq(r->method, "GET", "HEAD /v1/staff took the POST row");
    cr_assert_eq(r->op, CANDOUR__V1__REQUEST__OP_LIST_STAFF);
    r = s_route("HEAD", REF "/draft/check", p, &n);
    cr_assert_eq(r->op, CANDOUR__V1__REQUEST__OP_CHECK_DRAFT);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(p[0].value, "CDR-ABCD-EFGH");
    cr_assert_eq(s_status("HEAD", REF "/plan"), GW_MATCH_BAD_METHOD);
}

Test(gateway_routes, one_path_with_two_methods_takes_the_row_of_each)
{
    gw_param_t p[GW_MAX_PARAMS];
    int n;
    cr_assert_eq(s_route("GET", "/v1/staff", p, &n)->op, CANDOUR__V1__REQUEST__OP_LIST_STAFF);
    cr_assert_eq(s_route("POST", "/v1/staff", p, &n)->op, CANDOUR__V1__REQUEST__OP_PUT_STAFF);
    cr_assert_eq(s_route("POST", REF "/draft", p, &n)->op, CANDOUR__V1__REQUEST__OP_EDIT_DRAFT);
    cr_assert_eq(s_status("GET", REF "/draft"), GW_MATCH_BAD_METHOD);
    cr_assert_eq(s_route("GET", REF "/draft/check", p, &n)->op,
                 CANDOUR__V1__REQUEST__OP_CHECK_DRAFT);
    cr_assert_eq(s_status("POST", REF "/draft/check"), GW_MATCH_BAD_METHOD);
}

Test(gateway_routes, unknown_paths_and_trailing_slashes_are_not_found_whatever_the_method)
{
    static const char *const paths[] = {"",
                                        "/",
                                        "//",
                                        "healthz",
                                        "/healthz/",
                                        "/healthzz",
                                        "/HEALTHZ",
                                        "/healthz?x=1",
                                        "/healthz#x",
                                        "/v1",
                                        "/v1/",
                                        "/v1/me/",
                                        "/v1/staff/",
                                        "/v1/staffx",
                                        "/V1/staff",
                                        "/v2/staff",
                                        "/v1/complaints/",
                                        "/v1/complaints//",
                                        REF "/",
                                        REF "/plan/",
                                        REF "/plans",
                                        REF "/draft/",
                                        REF "/draft/check/",
                                        REF "/status/x",
                                        "/v1/orgs/RX1/settings/",
                                        "/v1/orgs/RX1",
                                        "/v1/staff/S1/disable/",
                                        "/v1/staff/S1",
                                        "/v1/openapi.jsonx",
                                        "/v1/openapi_json",
                                        "/v1/openapi.json/"};
    static const char *const methods[] = {"GET", "POST", "HEAD", "PUT"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++)
            cr_assert_eq(s_status(methods[m], paths[i]), GW_MATCH_NOT_FOUND, "%s \"%s\"",
                         methods[m], paths[i]);
}

Test(gateway_routes, a_parameter_that_is_not_1_to_127_safe_characters_does_not_match)
{
    static const char *const refs[] = {
        "",       /* empty */
        "a/b",    /* a slash */
        "CDR%2F", /* an escape left in */
        "%41",    "..",    ".",     "CDR ABCD", "CDR+ABCD", "CDR:1",
        "CDR@1",  "CDR~1", "CDR?x", "CDR;x",    "CDR,x",    "CDR=x",
        "CDR*",   "CDR'",  "CDR\"", "CDR\\x",   "CDR\t",    "CDR-\xc3\x80", /* UTF-8 */
        "\x7f",
    };
    /* Each in turn in each parameter of each row, the others good. */
    size_t n;
    const gw_route_t *t = gw_routes(&n);
    static const char *const methods[] = {"GET", "POST"};
    for (size_t r = 0; r < n; r++) {
        char names[GW_MAX_PARAMS][32];
        int np = s_param_names(t[r].path, names);
        for (int at = 0; at < np; at++)
            for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++) {
                const char *values[GW_MAX_PARAMS] = {"good-1", "good-2", "good-3", "good-4"};
                char path[256];
                values[at] = refs[i];
                s_concrete(t[r].path, values, path, sizeof path);
                for (size_t m = 0; m < 2; m++)
                    cr_assert_eq(s_status(methods[m], path), GW_MATCH_NOT_FOUND, "%s \"%s\"",
                                 methods[m], path);
            }
    }
}

Test(gateway_routes, dot_segments_never_reach_another_route)
{
    static const char *const paths[] = {"/v1/complaints/../status", "/v1/complaints/./plan",
                                        "/v1/complaints/../../healthz", "/v1/staff/../me",
                                        "/v1/complaints/CDR-1/../plan"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        cr_assert_eq(s_status("GET", paths[i]), GW_MATCH_NOT_FOUND, "GET %s", paths[i]);
        cr_assert_eq(s_status("POST", paths[i]), GW_MATCH_NOT_FOUND, "POST %s", paths[i]);
    }
}

Test(gateway_routes, a_parameter_may_be_dots_and_dashes_among_other_characters)
{
    gw_param_t p[GW_MAX_PARAMS];
    int n;
    static const char *const refs[] = {
        "x",
        "...",
        "a..b",
        "-",
        "_",
        "CDR-ABCD.EFGH_1",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"};
    for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, "/v1/complaints/%s/plan", refs[i]);
        const gw_route_t *r = s_route("POST", path, p, &n);
        cr_assert_eq(r->op, CANDOUR__V1__REQUEST__OP_SET_PLAN);
        cr_assert_eq(n, 1);
        cr_assert_str_eq(p[0].name, "complaint_ref");
        cr_assert_str_eq(p[0].value, refs[i]);
    }
}

Test(gateway_routes, a_parameter_of_127_characters_matches_and_of_128_does_not)
{
    char ref[200], path[300];
    gw_param_t p[GW_MAX_PARAMS];
    int n;
    memset(ref, 'A', 127);
    ref[127] = 0;
    snprintf(path, sizeof path, "/v1/complaints/%s/plan", ref);
    s_route("POST", path, p, &n);
    cr_assert_str_eq(p[0].value, ref);
    snprintf(path, sizeof path, "/v1/complaints/%s", ref);
    s_route("GET", path, p, &n);
    cr_assert_str_eq(p[0].value, ref);

    for (size_t len = 128; len < sizeof ref; len += 71) {
        memset(ref, 'A', len);
        ref[len] = 0;
        snprintf(path, sizeof path, "/v1/complaints/%s/plan", ref);
        cr_assert_eq(s_status("POST", path), GW_MATCH_NOT_FOUND, "%zu characters", len);
        snprintf(path, sizeof path, "/v1/complaints/%s", ref);
        cr_assert_eq(s_status("GET", path), GW_MATCH_NOT_FOUND, "%zu characters", len);
    }
}

Test(gateway_routes, a_path_longer_than_any_pattern_is_not_found_and_reads_no_further)
{
    /* A path of 64 KiB of slashes and letters: nothing in it matches, and
     * matching stops at its end (ASan would see a read past it). */
    size_t len = 65536;
    char *path = malloc(len + 1);
    cr_assert_not_null(path);
    for (size_t i = 0; i < len; i++)
        path[i] = i % 3 == 0 ? '/' : 'a';
    path[len] = 0;
    cr_assert_eq(s_status("GET", path), GW_MATCH_NOT_FOUND);
    memcpy(path, "/v1/complaints/", 15);
    cr_assert_eq(s_status("GET", path), GW_MATCH_NOT_FOUND);
    free(path);
}

/* ---------------------------------------------------------------- building: POST */

Test(gateway_build, the_body_becomes_the_message_and_the_path_gives_its_parameter)
{
    Candour__V1__SetPlan *m = (Candour__V1__SetPlan *)s_build_ok(
        "POST", REF "/plan",
        "{\"grading\": \"high\", \"steps\": [\"a\", \"b\"], \"reason\": \"r\"}", NULL, "RX1");
    cr_assert_eq(m->base.descriptor, &candour__v1__set_plan__descriptor);
    cr_assert_str_eq(m->complaint_ref, "CDR-ABCD-EFGH");
    cr_assert_str_eq(m->grading, "high");
    cr_assert_eq(m->n_steps, 2);
    cr_assert_str_eq(m->steps[0], "a");
    cr_assert_str_eq(m->steps[1], "b");
    cr_assert_str_eq(m->reason, "r");
    protobuf_c_message_free_unpacked(&m->base, NULL);
}

Test(gateway_build, an_empty_body_is_the_path_alone)
{
    Candour__V1__DraftResponse *m =
        (Candour__V1__DraftResponse *)s_build_ok("POST", REF "/draft/assemble", NULL, NULL, "RX1");
    cr_assert_str_eq(m->complaint_ref, "CDR-ABCD-EFGH");
    protobuf_c_message_free_unpacked(&m->base, NULL);
    m = (Candour__V1__DraftResponse *)s_build_ok("POST", REF "/draft/assemble", "{}", NULL, NULL);
    cr_assert_str_eq(m->complaint_ref, "CDR-ABCD-EFGH");
    protobuf_c_message_free_unpacked(&m->base, NULL);
}

Test(gateway_build, a_body_may_repeat_the_path_parameter_in_either_spelling)
{
    static const char *const bodies[] = {"{\"complaint_ref\": \"CDR-ABCD-EFGH\"}",
                                         "{\"complaintRef\": \"CDR-ABCD-EFGH\"}"};
    for (size_t i = 0; i < 2; i++) {
        Candour__V1__SetPlan *m =
            (Candour__V1__SetPlan *)s_build_ok("POST", REF "/plan", bodies[i], NULL, "RX1");
        cr_assert_str_eq(m->complaint_ref, "CDR-ABCD-EFGH", "%s", bodies[i]);
        protobuf_c_message_free_unpacked(&m->base, NULL);
    }
}

Test(gateway_build, a_body_that_contradicts_the_path_is_invalid_argument_on_that_field)
{
    static const char *const bodies[] = {
        "{\"complaint_ref\": \"CDR-OTHER\"}",
        "{\"complaintRef\": \"CDR-OTHER\"}",
        "{\"complaint_ref\": \"\"}",
        "{\"complaint_ref\": \"cdr-abcd-efgh\"}",
        "{\"complaint_ref\": 1}",
        "{\"complaint_ref\": [\"CDR-ABCD-EFGH\"]}",
        "{\"complaint_ref\": true}",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++)
        s_build_fails("POST", REF "/plan", bodies[i], NULL, CD_CODE_INVALID_ARGUMENT,
                      "complaint_ref");
    s_build_fails("POST", "/v1/staff/S1/disable", "{\"staff_id\": \"S2\"}", NULL,
                  CD_CODE_INVALID_ARGUMENT, "staff_id");
}

Test(gateway_build, the_callers_body_fills_an_org_id_left_empty)
{
    Candour__V1__EnterComplaint *m = (Candour__V1__EnterComplaint *)s_build_ok(
        "POST", "/v1/complaints", "{\"received_on\": \"2025-01-02\"}", NULL, "RX1");
    cr_assert_str_eq(m->org_id, "RX1");
    cr_assert_str_eq(m->received_on, "2025-01-02");
    protobuf_c_message_free_unpacked(&m->base, NULL);

    static const char *const empty[] = {"{\"org_id\": \"\"}", "{\"orgId\": \"\"}",
                                        "{\"org_id\": null}", "{\"orgId\": null}"};
    for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
        m = (Candour__V1__EnterComplaint *)s_build_ok("POST", "/v1/complaints", empty[i], NULL,
                                                      "RX1");
        cr_assert_str_eq(m->org_id, "RX1", "%s", empty[i]);
        protobuf_c_message_free_unpacked(&m->base, NULL);
    }
}

Test(gateway_build, an_org_id_the_caller_gives_is_kept)
{
    static const char *const given[] = {"{\"org_id\": \"RX9\"}", "{\"orgId\": \"RX9\"}"};
    for (size_t i = 0; i < 2; i++) {
        Candour__V1__EnterComplaint *m = (Candour__V1__EnterComplaint *)s_build_ok(
            "POST", "/v1/complaints", given[i], NULL, "RX1");
        cr_assert_str_eq(m->org_id, "RX9", "%s", given[i]);
        protobuf_c_message_free_unpacked(&m->base, NULL);
    }
    /* Both spellings: the converter's duplicate, not a default over it. */
    s_build_fails("POST", "/v1/complaints", "{\"org_id\": \"RX9\", \"orgId\": \"RX9\"}", NULL,
                  CD_CODE_DUPLICATE_FIELD, "org_id");
}

Test(gateway_build, no_org_id_is_added_to_a_message_without_one_nor_without_a_caller_body)
{
    /* SetPlan has no org_id: an added one would be UNKNOWN_FIELD. */
    Candour__V1__SetPlan *p =
        (Candour__V1__SetPlan *)s_build_ok("POST", REF "/plan", "{}", NULL, "RX1");
    cr_assert_str_eq(p->complaint_ref, "CDR-ABCD-EFGH");
    protobuf_c_message_free_unpacked(&p->base, NULL);
    /* PutStaff's org_id is inside staff, not at the top. */
    Candour__V1__PutStaff *s =
        (Candour__V1__PutStaff *)s_build_ok("POST", "/v1/staff", "{}", NULL, "RX1");
    cr_assert_null(s->staff);
    protobuf_c_message_free_unpacked(&s->base, NULL);
    Candour__V1__EnterComplaint *m =
        (Candour__V1__EnterComplaint *)s_build_ok("POST", "/v1/complaints", "{}", NULL, NULL);
    cr_assert_str_eq(m->org_id, "");
    protobuf_c_message_free_unpacked(&m->base, NULL);
}

Test(gateway_build, a_body_that_is_not_json_is_invalid_json)
{
    static const char *const bodies[] = {"{",          "{\"grading\": }",
                                         "{} x",       "{'a': 1}",
                                         "\xff",       "{\"grading\": \"\xc3\"}",
                                         "{\"a\":1,}", "{\"grading\": \"a\", \"grading\": \"b\"}"};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++)
        s_build_fails("POST", REF "/plan", bodies[i], NULL, CD_CODE_INVALID_JSON, "");
}

Test(gateway_build, a_body_with_a_nul_inside_is_refused_typed)
{
    static const char body[] = "{\"grading\": \"lo\0w\"}";
    gw_param_t p[GW_MAX_PARAMS];
    int n;
    const gw_route_t *r = s_route("POST", REF "/plan", p, &n);
    cd_fail_t why;
    memset(&why, 0, sizeof why);
    ProtobufCMessage *m = gw_build_op(r, p, n, body, sizeof body - 1, NULL, "RX1", &why);
    cr_assert_null(m, "a NUL inside the body was taken");
    cr_assert(why.code == CD_CODE_INVALID_JSON || why.code == CD_CODE_INVALID_TEXT, "%s",
              cd_code_name(why.code));
    cr_assert_neq(why.message[0], 0);

    /* Escaped, it would be cut short in the message: refused too. */
    m = s_build("POST", REF "/plan", "{\"reason\": \"a\\u0000b\"}", NULL, "RX1", &why);
    cr_assert_null(m, "a \\u0000 inside a string was taken");
    cr_assert(why.code == CD_CODE_INVALID_JSON || why.code == CD_CODE_INVALID_TEXT, "%s",
              cd_code_name(why.code));
}

Test(gateway_build, a_body_that_is_not_an_object_is_refused_typed)
{
    s_build_fails("POST", REF "/plan", "[]", NULL, CD_CODE_WRONG_TYPE, "");
    s_build_fails("POST", REF "/plan", "[{\"grading\": \"low\"}]", NULL, CD_CODE_WRONG_TYPE, "");
    /* Bare scalars jansson itself refuses at the top (it wants [ or {). */
    static const char *const scalars[] = {"1", "\"x\"", "null", "true"};
    for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++) {
        cd_fail_t why;
        ProtobufCMessage *m = s_build("POST", REF "/plan", scalars[i], NULL, "RX1", &why);
        cr_assert_null(m, "%s was taken", scalars[i]);
        cr_assert(why.code == CD_CODE_INVALID_JSON || why.code == CD_CODE_WRONG_TYPE, "%s: %s",
                  scalars[i], cd_code_name(why.code));
        cr_assert_str_eq(why.field, "");
    }
}

Test(gateway_build, an_unknown_field_or_wrong_type_names_its_path)
{
    s_build_fails("POST", REF "/plan", "{\"gradin\": \"low\"}", NULL, CD_CODE_UNKNOWN_FIELD,
                  "gradin");
    s_build_fails("POST", REF "/plan", "{\"steps\": \"a\"}", NULL, CD_CODE_WRONG_TYPE, "steps");
    s_build_fails("POST", REF "/plan", "{\"steps\": [\"a\", 2]}", NULL, CD_CODE_WRONG_TYPE,
                  "steps[1]");
    s_build_fails("POST", REF "/plan", "{\"grading\": 3}", NULL, CD_CODE_WRONG_TYPE, "grading");
    s_build_fails("POST", REF "/draft", "{\"based_on\": \"x\"}", NULL, CD_CODE_WRONG_TYPE,
                  "based_on");
    s_build_fails("POST", "/v1/complaints", "{\"complaint\": {\"services\": [1]}}", NULL,
                  CD_CODE_WRONG_TYPE, "complaint.services[0]");
    s_build_fails("POST", "/v1/complaints", "{\"complaint\": {\"nope\": 1}}", NULL,
                  CD_CODE_UNKNOWN_FIELD, "complaint.nope");
    s_build_fails("POST", "/v1/complaints", "{\"complaint\": {\"kind\": \"NOPE\"}}", NULL,
                  CD_CODE_BAD_ENUM, "complaint.kind");
}

Test(gateway_build, a_route_without_an_operation_builds_nothing)
{
    gw_param_t p[GW_MAX_PARAMS];
    int n;
    const gw_route_t *r = s_route("GET", "/healthz", p, &n);
    cd_fail_t why;
    cr_assert_null(gw_build_op(r, p, n, NULL, 0, "", "RX1", &why));
    cr_assert_eq(why.code, CD_CODE_INTERNAL);
}

Test(gateway_build, the_request_carries_the_built_operation)
{
    Candour__V1__SetPlan *m = (Candour__V1__SetPlan *)s_build_ok(
        "POST", REF "/plan", "{\"grading\": \"low\"}", NULL, "RX1");
    gw_param_t p[GW_MAX_PARAMS];
    int n;
    const gw_route_t *r = s_route("POST", REF "/plan", p, &n);
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    gw_request_set_op(&req, r, &m->base);
    cr_assert_eq(req.op_case, CANDOUR__V1__REQUEST__OP_SET_PLAN);
    cr_assert_eq(req.set_plan, m);
    /* And it goes over the wire as that operation. */
    size_t len = protobuf_c_message_get_packed_size(&req.base);
    uint8_t *buf = malloc(len);
    cr_assert_not_null(buf);
    protobuf_c_message_pack(&req.base, buf);
    Candour__V1__Request *back = candour__v1__request__unpack(NULL, len, buf);
    cr_assert_not_null(back);
    cr_assert_eq(back->op_case, CANDOUR__V1__REQUEST__OP_SET_PLAN);
    cr_assert_str_eq(back->set_plan->complaint_ref, "CDR-ABCD-EFGH");
    cr_assert_str_eq(back->set_plan->grading, "low");
    candour__v1__request__free_unpacked(back, NULL);
    free(buf);
    protobuf_c_message_free_unpacked(&m->base, NULL);
}

Test(gateway_build, every_service_row_builds_from_an_empty_body_or_query)
{
    size_t n;
    const gw_route_t *t = gw_routes(&n);
    static const char *const values[GW_MAX_PARAMS] = {"CDR-ABCD-EFGH", "b", "c", "d"};
    for (size_t i = 0; i < n; i++) {
        if (!t[i].op)
            continue;
        /* (A parameter that is no string field is the test above's to report.) */
        char names[GW_MAX_PARAMS][32];
        int strings = 1, np = s_param_names(t[i].path, names);
        for (int k = 0; k < np; k++) {
            const ProtobufCFieldDescriptor *f =
                protobuf_c_message_descriptor_get_field_by_name(gw_op_descriptor(&t[i]), names[k]);
            strings &= f && f->type == PROTOBUF_C_TYPE_STRING;
        }
        if (!strings)
            continue;
        char path[256];
        s_concrete(t[i].path, values, path, sizeof path);
        ProtobufCMessage *m = s_build_ok(t[i].method, path, "", "", "RX1");
        cr_assert_eq(m->descriptor, gw_op_descriptor(&t[i]), "%s", t[i].path);
        /* The path's parameters are in the message as given. */
        json_t *j = cd_pbjson_from_message(m);
        cr_assert_not_null(j);
        gw_param_t p[GW_MAX_PARAMS];
        int got;
        s_route(t[i].method, path, p, &got);
        for (int k = 0; k < got; k++)
            cr_assert_str_eq(json_string_value(json_object_get(j, p[k].name)), p[k].value,
                             "%s {%s}", t[i].path, p[k].name);
        json_decref(j);
        protobuf_c_message_free_unpacked(m, NULL);
    }
}

/* ---------------------------------------------------------------- building: GET */

Test(gateway_build, a_GET_takes_its_fields_from_the_query)
{
    Candour__V1__ListStaff *m = (Candour__V1__ListStaff *)s_build_ok(
        "GET", "/v1/staff", NULL, "org_id=RX2&include_disabled=true", "RX1");
    cr_assert_str_eq(m->org_id, "RX2");
    cr_assert(m->include_disabled);
    protobuf_c_message_free_unpacked(&m->base, NULL);

    m = (Candour__V1__ListStaff *)s_build_ok("GET", "/v1/staff", NULL, "", "RX1");
    cr_assert_str_eq(m->org_id, "RX1", "the caller's body when the query names none");
    cr_assert(!m->include_disabled);
    protobuf_c_message_free_unpacked(&m->base, NULL);

    m = (Candour__V1__ListStaff *)s_build_ok("GET", "/v1/staff", NULL, "org_id=", "RX1");
    cr_assert_str_eq(m->org_id, "RX1", "an empty org_id= is left empty");
    protobuf_c_message_free_unpacked(&m->base, NULL);

    m = (Candour__V1__ListStaff *)s_build_ok("HEAD", "/v1/staff", NULL, NULL, "RX1");
    cr_assert_str_eq(m->org_id, "RX1");
    protobuf_c_message_free_unpacked(&m->base, NULL);
}

Test(gateway_build, a_GET_ignores_a_body_and_a_POST_its_query)
{
    Candour__V1__ListStaff *l = (Candour__V1__ListStaff *)s_build_ok(
        "GET", "/v1/staff", "{\"org_id\": \"RX9\"}", "include_disabled=false", "RX1");
    cr_assert_str_eq(l->org_id, "RX1");
    protobuf_c_message_free_unpacked(&l->base, NULL);
    Candour__V1__SetPlan *p = (Candour__V1__SetPlan *)s_build_ok(
        "POST", REF "/plan", "{}", "complaint_ref=CDR-OTHER&nope=1", "RX1");
    cr_assert_str_eq(p->complaint_ref, "CDR-ABCD-EFGH");
    protobuf_c_message_free_unpacked(&p->base, NULL);
}

Test(gateway_build, a_GET_path_parameter_wins_over_nothing_and_refuses_a_contradiction)
{
    ProtobufCMessage *m = s_build_ok("GET", REF, NULL, "complaint_ref=CDR-ABCD-EFGH", "RX1");
    cr_assert_str_eq(s_str(m, "complaint_ref"), "CDR-ABCD-EFGH");
    protobuf_c_message_free_unpacked(m, NULL);
    s_build_fails("GET", REF, NULL, "complaint_ref=CDR-OTHER", CD_CODE_INVALID_ARGUMENT,
                  "complaint_ref");
    s_build_fails("GET", REF "/status", NULL, "complaint_ref=CDR-OTHER", CD_CODE_INVALID_ARGUMENT,
                  "complaint_ref");
    /* The path's body is the one asked about, whatever the caller's is. */
    Candour__V1__GetOrgSettings *o =
        (Candour__V1__GetOrgSettings *)s_build_ok("GET", "/v1/orgs/RX3/settings", NULL, "", "RX1");
    cr_assert_str_eq(o->org_id, "RX3");
    protobuf_c_message_free_unpacked(&o->base, NULL);
    s_build_fails("GET", "/v1/orgs/RX3/settings", NULL, "org_id=RX1", CD_CODE_INVALID_ARGUMENT,
                  "org_id");
}

Test(gateway_build, a_GET_query_error_is_the_query_parsers)
{
    s_build_fails("GET", "/v1/staff", NULL, "nope=1", CD_CODE_UNKNOWN_FIELD, "nope");
    s_build_fails("GET", "/v1/staff", NULL, "include_disabled=yes", CD_CODE_WRONG_TYPE,
                  "include_disabled");
    s_build_fails("GET", "/v1/staff", NULL, "org_id=a&org_id=b", CD_CODE_DUPLICATE_FIELD, "org_id");
    s_build_fails("GET", "/v1/staff", NULL, "org_id=%00", CD_CODE_INVALID_ARGUMENT, "");
}

/* ---------------------------------------------------------------- the query string */

Test(gateway_query, no_query_is_an_empty_object)
{
    s_query_is(&candour__v1__list_staff__descriptor, "", "{}");
    s_query_is(&candour__v1__list_staff__descriptor, NULL, "{}");
    s_query_is(&candour__v1__list_staff__descriptor, "&", "{}");
    s_query_is(&candour__v1__list_staff__descriptor, "&&&", "{}");
}

Test(gateway_query, keys_and_values_are_percent_decoded_and_plus_is_a_space)
{
    s_query_is(&candour__v1__list_staff__descriptor, "org_id=RX%31", "{\"org_id\":\"RX1\"}");
    s_query_is(&candour__v1__list_staff__descriptor, "org_id=a+b", "{\"org_id\":\"a b\"}");
    s_query_is(&candour__v1__list_staff__descriptor, "org_id=a%2Bb%2fc%3D%26",
               "{\"org_id\":\"a+b/c=&\"}");
    s_query_is(&candour__v1__list_staff__descriptor, "%6Frg%5Fid=x", "{\"org_id\":\"x\"}");
    s_query_is(&candour__v1__list_staff__descriptor, "org_id=%C3%80", "{\"org_id\":\"\xc3\x80\"}");
    s_query_is(&candour__v1__list_staff__descriptor, "org_id=a=b", "{\"org_id\":\"a=b\"}");
}

Test(gateway_query, a_bad_escape_or_percent_00_is_refused)
{
    static const char *const bad[] = {"org_id=%00",  "org_id=a%00b", "org_id=%",
                                      "org_id=%4",   "org_id=%zz",   "org_id=%4g",
                                      "org%00_id=x", "%=x",          "org_id=%%41"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        s_query_fails(&candour__v1__list_staff__descriptor, bad[i], CD_CODE_INVALID_ARGUMENT, "");
}

Test(gateway_query, text_that_is_not_utf8_is_invalid_text_and_not_echoed)
{
    s_query_fails(&candour__v1__list_staff__descriptor, "org_id=%FF", CD_CODE_INVALID_TEXT,
                  "org_id");
    s_query_fails(&candour__v1__list_staff__descriptor, "org_id=%C3", CD_CODE_INVALID_TEXT,
                  "org_id");
    s_query_fails(&candour__v1__set_plan__descriptor, "steps=a&steps=%C0%80", CD_CODE_INVALID_TEXT,
                  "steps");
    s_query_fails(&candour__v1__list_staff__descriptor, "%FF=1", CD_CODE_INVALID_TEXT, "");
    s_query_fails(&candour__v1__list_staff__descriptor, "a\xff=1", CD_CODE_INVALID_TEXT, "");
}

Test(gateway_query, an_unknown_key_is_unknown_field)
{
    s_query_fails(&candour__v1__list_staff__descriptor, "nope=1", CD_CODE_UNKNOWN_FIELD, "nope");
    s_query_fails(&candour__v1__list_staff__descriptor, "org_id=RX1&Org_id=RX2",
                  CD_CODE_UNKNOWN_FIELD, "Org_id");
    s_query_fails(&candour__v1__list_staff__descriptor, "=x", CD_CODE_UNKNOWN_FIELD, "");
}

Test(gateway_query, a_repeated_field_takes_its_key_again)
{
    s_query_is(&candour__v1__set_plan__descriptor,
               "steps=a&steps=b+c&steps=", "{\"steps\":[\"a\",\"b c\",\"\"]}");
    s_query_is(&candour__v1__list_cases__descriptor, "state=open&limit=5&state=closed",
               "{\"limit\":5,\"state\":[\"open\",\"closed\"]}");
}

Test(gateway_query, a_scalar_given_twice_is_duplicate_field)
{
    s_query_fails(&candour__v1__list_staff__descriptor, "org_id=a&org_id=b",
                  CD_CODE_DUPLICATE_FIELD, "org_id");
    s_query_fails(&candour__v1__list_staff__descriptor, "org_id=a&org_id=a",
                  CD_CODE_DUPLICATE_FIELD, "org_id");
    s_query_fails(&candour__v1__list_staff__descriptor, "include_disabled=true&include_disabled",
                  CD_CODE_DUPLICATE_FIELD, "include_disabled");
}

Test(gateway_query, booleans_and_integers_are_read_as_such)
{
    s_query_is(&candour__v1__list_staff__descriptor, "include_disabled=true",
               "{\"include_disabled\":true}");
    s_query_is(&candour__v1__list_staff__descriptor, "include_disabled=false",
               "{\"include_disabled\":false}");
    /* Anything else stays a string, for the converter to refuse by type. */
    s_query_is(&candour__v1__list_staff__descriptor, "include_disabled=TRUE",
               "{\"include_disabled\":\"TRUE\"}");
    s_query_is(&candour__v1__list_staff__descriptor, "include_disabled",
               "{\"include_disabled\":\"\"}");
    s_query_is(&candour__v1__edit_draft__descriptor, "based_on=3", "{\"based_on\":3}");
    s_query_is(&candour__v1__edit_draft__descriptor, "based_on=-2", "{\"based_on\":-2}");
    s_query_is(&candour__v1__edit_draft__descriptor, "based_on=x", "{\"based_on\":\"x\"}");
    s_query_is(&candour__v1__edit_draft__descriptor, "based_on=3x", "{\"based_on\":\"3x\"}");
    s_query_is(&candour__v1__edit_draft__descriptor, "based_on=", "{\"based_on\":\"\"}");
    s_query_is(&candour__v1__edit_draft__descriptor, "based_on=99999999999999999999",
               "{\"based_on\":\"99999999999999999999\"}");
    s_query_is(&candour__v1__list_cases__descriptor, "limit=200&overdue=true",
               "{\"limit\":200,\"overdue\":true}");
}

Test(gateway_query, message_and_bytes_fields_cannot_be_given)
{
    s_query_fails(&candour__v1__add_evidence__descriptor, "evidence=x", CD_CODE_INVALID_ARGUMENT,
                  "evidence");
    s_query_fails(&candour__v1__enter_complaint__descriptor, "complaint=", CD_CODE_INVALID_ARGUMENT,
                  "complaint");
    s_query_fails(&candour__v1__envelope__descriptor, "payload=AAAA", CD_CODE_INVALID_ARGUMENT,
                  "payload");
}

Test(gateway_query, the_first_error_is_the_one_reported_and_nothing_leaks)
{
    s_query_fails(&candour__v1__list_staff__descriptor, "org_id=RX1&nope=1&org_id=%00",
                  CD_CODE_UNKNOWN_FIELD, "nope");
    s_query_fails(&candour__v1__set_plan__descriptor, "steps=a&steps=b&steps=%0",
                  CD_CODE_INVALID_ARGUMENT, "");
}

Test(gateway_query, the_query_json_converts_to_the_message)
{
    json_t *j = s_query_ok(&candour__v1__list_cases__descriptor,
                           "state=open&org_id=RX1&limit=7&overdue=false&cursor=a%2Bb");
    cd_fail_t why;
    Candour__V1__ListCases *m = (Candour__V1__ListCases *)cd_pbjson_to_message(
        &candour__v1__list_cases__descriptor, j, &why);
    cr_assert_not_null(m, "%s at %s: %s", cd_code_name(why.code), why.field, why.message);
    cr_assert_eq(m->n_state, 1);
    cr_assert_str_eq(m->state[0], "open");
    cr_assert_str_eq(m->org_id, "RX1");
    cr_assert_eq(m->limit, 7);
    cr_assert_str_eq(m->cursor, "a+b");
    protobuf_c_message_free_unpacked(&m->base, NULL);
    json_decref(j);
}

Test(gateway_routes, a_number_in_the_path_is_stored_as_the_number_written)
{
    const gw_route_t *r;
    gw_param_t p[GW_MAX_PARAMS];
    int n;
    cr_assert_eq(
        gw_route_match("GET", "/v1/complaints/CDR-ABCD-EFGH/evidence/3/attachment", &r, p, &n),
        GW_MATCH_OK);
    cd_fail_t why = {0};
    ProtobufCMessage *m = gw_build_op(r, p, n, "", 0, "", "ICB-QWE", &why);
    cr_assert_not_null(m, "%s", why.message);
    Candour__V1__GetAttachment *g = (Candour__V1__GetAttachment *)m;
    cr_assert_eq(g->evidence_number, 3);
    cr_assert_str_eq(g->complaint_ref, "CDR-ABCD-EFGH");
    protobuf_c_message_free_unpacked(m, NULL);
    /* "03" and "+3" are not how 3 is written: refused, not changed. */
    cr_assert_eq(
        gw_route_match("GET", "/v1/complaints/CDR-ABCD-EFGH/evidence/03/attachment", &r, p, &n),
        GW_MATCH_OK);
    cr_assert_null(gw_build_op(r, p, n, "", 0, "", "ICB-QWE", &why));
    cr_assert_eq(why.code, CD_CODE_WRONG_TYPE);
    cr_assert_str_eq(why.field, "evidence_number");
}
