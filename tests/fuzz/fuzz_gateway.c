/* fuzz_gateway.c - libFuzzer target for the gateway's pure request handling:
 * the URL table's matching (services/gateway/routes.c) and the bus operation
 * built from a request (services/gateway/build.c).
 *
 * The input is "METHOD\nPATH\nQUERY\nBODY" (a missing part is empty; the
 * body is the rest, NULs and newlines included). Properties beyond no crash,
 * no leak and no undefined behaviour:
 * - matching: a match gives a row whose method is the one asked (or GET for
 *   HEAD), parameters of 1..127 of [A-Za-z0-9._-] other than "." and "..",
 *   and the row's pattern with those values put in is the path itself; no
 *   match leaves no route and no parameters.
 * - building: either a message of the route's type comes back, in which
 *   every path parameter's field holds the parameter's value (stored equals
 *   sent, read back through cd_pbjson_from_message) and a top-level org_id
 *   is never left empty; or the refusal has a code (not OK) and a message.
 * - the query alone (gw_query_json, over the route's message or one picked
 *   by the input): either a JSON object in which every parameter of the
 *   query is, %-decoded independently here, under its field (strings as
 *   sent, repeated fields in order), and which the converter takes with each
 *   string field stored as sent or refuses typed; or a typed refusal.
 *
 * Build and run: bash tests/fuzz/run.sh 60 fuzz_gateway (clang -g -O1
 *   -fsanitize=fuzzer,address,undefined with routes.c, build.c, pbjson.c,
 *   errcode.c and the candour/v1 .pb-c.c files). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "candour/pbjson.h"
#include "candour/v1/api.pb-c.h"
#include "routes.h"

static void s_check(int ok, const char *what, const char *detail)
{
    if (!ok) {
        fprintf(stderr, "fuzz_gateway: %s\n%s\n", what, detail ? detail : "");
        abort();
    }
}

/* The next '\n'-ended part of [*p, end) as a new NUL-terminated string (cut
 * at a NUL inside, as C sees it); *p moves past it. */
static char *s_part(const uint8_t **p, const uint8_t *end)
{
    const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
    size_t n = (size_t)((nl ? nl : end) - *p);
    char *s = malloc(n + 1);
    s_check(s != NULL, "out of memory", NULL);
    memcpy(s, *p, n);
    s[n] = 0;
    *p = nl ? nl + 1 : end;
    return s;
}

static void s_typed(const cd_fail_t *why, const char *what)
{
    s_check(why->code != CD_CODE_OK && why->code < CD_CODE_COUNT, "a refusal without a code", what);
    s_check(why->message[0] != 0, "a refusal without a message", what);
}

/* m's string field f (a scalar). */
static const char *s_str(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    return *(const char *const *)((const char *)m + f->offset);
}

/* ---------------------------------------------------------------- matching */

static void s_check_match(const char *method, const char *path, gw_match_t got, const gw_route_t *r,
                          const gw_param_t *params, int n)
{
    if (got != GW_MATCH_OK) {
        s_check(got == GW_MATCH_NOT_FOUND || got == GW_MATCH_BAD_METHOD, "an unknown answer", path);
        s_check(r == NULL && n == 0, "no match, yet a route or parameters", path);
        return;
    }
    s_check(r != NULL && n >= 0 && n <= GW_MAX_PARAMS, "a match without its route", path);
    s_check(strcmp(method, r->method) == 0 ||
                (strcmp(method, "HEAD") == 0 && strcmp(r->method, "GET") == 0),
            "a match of another method", path);
    /* The pattern with the values put in is the path. */
    char again[4096];
    size_t o = 0;
    int k = 0;
    for (const char *p = r->path; *p;) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            s_check(close && k < n, "a parameter of the pattern not returned", r->path);
            s_check(strlen(params[k].name) == (size_t)(close - p - 1) &&
                        memcmp(params[k].name, p + 1, (size_t)(close - p - 1)) == 0,
                    "a parameter under another name", r->path);
            const char *v = params[k].value;
            size_t len = strlen(v);
            s_check(len >= 1 && len <= 127, "a parameter of a bad length", path);
            s_check(
                strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") ==
                    len,
                "a parameter of other characters", path);
            s_check(strcmp(v, ".") != 0 && strcmp(v, "..") != 0, "a dot segment as a parameter",
                    path);
            s_check(o + len < sizeof again, "path too long", path);
            memcpy(again + o, v, len);
            o += len;
            k++;
            p = close + 1;
        } else {
            s_check(o + 1 < sizeof again, "path too long", path);
            again[o++] = *p++;
        }
    }
    again[o] = 0;
    s_check(k == n, "parameters the pattern has not", r->path);
    s_check(strcmp(again, path) == 0, "the pattern with its values is not the path", path);
}

/* ---------------------------------------------------------------- the query */

static int s_hex(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if ((c | 32) >= 'a' && (c | 32) <= 'f')
        return (c | 32) - 'a' + 10;
    return -1;
}

/* n bytes %-decoded into out (n + 1 bytes), '+' a space: its length, or -1
 * for a bad escape or a NUL. Written apart from build.c's, on purpose. */
static long s_decode(const char *s, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            if (i + 2 >= n)
                return -1;
            int hi = s_hex((unsigned char)s[i + 1]), lo = s_hex((unsigned char)s[i + 2]);
            if (hi < 0 || lo < 0 || (hi | lo) == 0)
                return -1;
            out[o++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            out[o++] = s[i] == '+' ? ' ' : s[i];
        }
    }
    out[o] = 0;
    return (long)o;
}

/* j, taken from query over d: every parameter of query is in it as sent. */
static void s_query_as_sent(const ProtobufCMessageDescriptor *d, const char *query, json_t *j)
{
    s_check(json_is_object(j), "the query's JSON is not an object", query);
    size_t seen[64] = {0}; /* per field index: elements of a repeated one met so far */
    for (const char *p = query; *p;) {
        size_t n = strcspn(p, "&");
        const char *eq = memchr(p, '=', n);
        size_t kn = eq ? (size_t)(eq - p) : n, vn = eq ? n - kn - 1 : 0;
        char *key = malloc(kn + 1), *value = malloc(vn + 1);
        s_check(key && value, "out of memory", NULL);
        long kl = s_decode(p, kn, key), vl = eq ? s_decode(eq + 1, vn, value) : 0;
        if (!eq)
            value[0] = 0;
        s_check(kl >= 0 && vl >= 0, "a bad escape was taken", query);
        p += n + (p[n] != 0);
        if (!*key && !*value) {
            free(key);
            free(value);
            continue;
        }
        const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, key);
        s_check(f != NULL, "a parameter that is no field was taken", key);
        json_t *v = json_object_get(j, key);
        s_check(v != NULL, "a parameter missing from the JSON", key);
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t at = (size_t)(f - d->fields);
            s_check(json_is_array(v), "a repeated field not an array", key);
            v = at < 64 ? json_array_get(v, seen[at]++) : NULL;
            if (at >= 64)
                goto next;
            s_check(v != NULL, "an element of a repeated field missing", key);
        }
        if (json_is_string(v))
            s_check(json_string_length(v) == strlen(value) &&
                        strcmp(json_string_value(v), value) == 0,
                    "a value other than sent", key);
        else if (json_is_true(v) || json_is_false(v))
            s_check(f->type == PROTOBUF_C_TYPE_BOOL &&
                        strcmp(value, json_is_true(v) ? "true" : "false") == 0,
                    "a boolean from something else", key);
        else
            s_check(json_is_integer(v), "a value of another kind", key);
    next:
        free(key);
        free(value);
    }
}

/* The query alone over d. */
static void s_fuzz_query(const ProtobufCMessageDescriptor *d, const char *query)
{
    cd_fail_t why;
    memset(&why, 0, sizeof why);
    json_t *j = gw_query_json(d, query, &why);
    if (!j) {
        s_typed(&why, query);
        return;
    }
    s_query_as_sent(d, query, j);
    ProtobufCMessage *m = cd_pbjson_to_message(d, j, &why);
    if (!m) {
        s_typed(&why, query);
    } else {
        /* Every scalar string field given is stored as sent. */
        for (unsigned i = 0; i < d->n_fields; i++) {
            const ProtobufCFieldDescriptor *f = &d->fields[i];
            json_t *v = json_object_get(j, f->name);
            if (f->type == PROTOBUF_C_TYPE_STRING && f->label != PROTOBUF_C_LABEL_REPEATED && v)
                s_check(strcmp(s_str(m, f), json_string_value(v)) == 0,
                        "a string stored other than sent", f->name);
        }
        protobuf_c_message_free_unpacked(m, NULL);
    }
    json_decref(j);
}

/* ---------------------------------------------------------------- building */

static void s_fuzz_build(const gw_route_t *r, const gw_param_t *params, int n, const char *body,
                         size_t len, const char *query)
{
    const ProtobufCMessageDescriptor *d = gw_op_descriptor(r);
    s_check(d != NULL, "a route with an operation but no message", r->path);
    cd_fail_t why;
    memset(&why, 0, sizeof why);
    ProtobufCMessage *m = gw_build_op(r, params, n, body, len, query, "RX1", &why);
    if (!m) {
        s_typed(&why, r->path);
        return;
    }
    s_check(m->descriptor == d, "a message of another type", r->path);
    s_check(why.code == CD_CODE_OK, "a message with an error", r->path);
    json_t *j = cd_pbjson_from_message(m);
    s_check(j != NULL, "out of memory", NULL);
    for (int i = 0; i < n; i++) {
        /* (A parameter of another type is test_gateway_routes's to refuse.) */
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field_by_name(d, params[i].name);
        if (!f || f->type != PROTOBUF_C_TYPE_STRING)
            continue;
        json_t *v = json_object_get(j, params[i].name);
        s_check(json_is_string(v) && strcmp(json_string_value(v), params[i].value) == 0,
                "a path parameter not stored as sent", params[i].name);
    }
    const ProtobufCFieldDescriptor *of =
        protobuf_c_message_descriptor_get_field_by_name(d, "org_id");
    if (of && of->type == PROTOBUF_C_TYPE_STRING && of->label != PROTOBUF_C_LABEL_REPEATED)
        s_check(s_str(m, of)[0] != 0, "org_id left empty", r->path);
    json_decref(j);

    /* And it goes into a Request and over the wire. */
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    gw_request_set_op(&req, r, m);
    size_t plen = protobuf_c_message_get_packed_size(&req.base);
    uint8_t *buf = malloc(plen ? plen : 1);
    s_check(buf != NULL, "out of memory", NULL);
    s_check(protobuf_c_message_pack(&req.base, buf) == plen, "pack size mismatch", r->path);
    Candour__V1__Request *back = candour__v1__request__unpack(NULL, plen, buf);
    s_check(back && (int)back->op_case == r->op, "the Request lost its operation", r->path);
    candour__v1__request__free_unpacked(back, NULL);
    free(buf);
    protobuf_c_message_free_unpacked(m, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;
    char *method = s_part(&p, end);
    char *path = s_part(&p, end);
    char *query = s_part(&p, end);
    const char *body = (const char *)p;
    size_t len = (size_t)(end - p);

    const gw_route_t *r = NULL;
    gw_param_t params[GW_MAX_PARAMS];
    int n = -1;
    gw_match_t got = gw_route_match(method, path, &r, params, &n);
    s_check_match(method, path, got, r, params, n);
    if (got == GW_MATCH_OK && r->op > 0)
        s_fuzz_build(r, params, n, body, len, query);

    /* The query over the route's message, or one the method's bytes pick. */
    size_t nroutes, nops = 0;
    const gw_route_t *t = gw_routes(&nroutes);
    const ProtobufCMessageDescriptor *d = got == GW_MATCH_OK ? gw_op_descriptor(r) : NULL;
    if (!d) {
        unsigned pick = 0;
        for (const char *c = method; *c; c++)
            pick = pick * 31 + (unsigned char)*c;
        for (size_t i = 0; i < nroutes; i++)
            nops += t[i].op > 0;
        pick %= (unsigned)nops + 1;
        d = &candour__v1__list_cases__descriptor; /* uint32, bool, repeated */
        for (size_t i = 0; i < nroutes && pick; i++)
            if (t[i].op > 0 && --pick == 0)
                d = gw_op_descriptor(&t[i]);
    }
    s_fuzz_query(d, query);

    free(method);
    free(path);
    free(query);
    return 0;
}
