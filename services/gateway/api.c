/* api.c - the HTTP JSON API: each request from its route to its answer.
 *
 *   route (404, 405) -> the gateway's own answers (health, metrics, the API
 *   document) -> a limit per client address (429) -> the bearer token (401)
 *   -> the Idempotency-Key of a POST (400) -> who the directory says it is,
 *   and whether their body may see the complaint (401, 403, 404) -> a limit
 *   per person or token (429) -> the route's roles (403) -> the operation
 *   built from path, body or query (400) -> the key claimed (409, or the
 *   first answer again) -> the service (its answer, or 503/504) -> the
 *   key's answer and the access log recorded -> the answer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "candour/digest.h"
#include "candour/log.h"
#include "candour/pbjson.h"
#include "gateway.h"

extern const char gw_openapi_doc[];
extern const size_t gw_openapi_doc_len;

void gw_respond_json(cd_http_req_t *req, int status, const char *code, const char *field,
                     const char *message)
{
    json_t *o = json_pack("{s:{s:s, s:s, s:s}}", "error", "code", code, "field", field ? field : "",
                          "message", message);
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    cd_http_respond(req, status, NULL, text ? text : "{}", text ? strlen(text) : 2);
    free(text);
    json_decref(o);
}

void gw_respond_code(cd_http_req_t *req, cd_code_t code, const char *message)
{
    gw_respond_json(req, cd_code_http(code), cd_code_name(code), "", message);
}

void gw_call_free(gw_call_t *call)
{
    if (!call)
        return;
    if (call->op)
        protobuf_c_message_free_unpacked(call->op, NULL);
    free(call->answer);
    free(call->file);
    free(call);
}

void gw_finish(gw_call_t *call, int status, const char *text)
{
    call->status = status;
    call->answer = strdup(text);
    gw_store_answer(call);
}

void gw_refuse(gw_call_t *call, cd_code_t code, const char *field, const char *message)
{
    json_t *o = json_pack("{s:{s:s, s:s, s:s}}", "error", "code", cd_code_name(code), "field",
                          field ? field : "", "message",
                          message && *message ? message : cd_code_message(code));
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    gw_finish(call, cd_code_http(code), text ? text : "{}");
    free(text);
}

/* 429 with the seconds to wait, if key is over its limit. */
static int s_limited(gw_limiter_t *l, cd_http_req_t *req, gw_call_t *call, const char *key)
{
    int wait = l ? gw_limiter_take(l, key, cd_now_us()) : 0;
    if (!wait)
        return 0;
    char s[16];
    snprintf(s, sizeof s, "%d", wait);
    cd_metric_add(gw_app.m_limited, 1);
    cd_http_add_header(req, "Retry-After", s);
    char msg[120];
    snprintf(msg, sizeof msg, "too many requests; try again in %d seconds", wait);
    if (call)
        gw_refuse(call, CD_CODE_RATE_LIMITED, "", msg);
    else
        gw_respond_code(req, CD_CODE_RATE_LIMITED, msg);
    return 1;
}

static void s_whoami(gw_call_t *call)
{
    json_t *roles = json_array();
    for (int i = 1; i < 32; i++)
        if (call->who.roles & (1u << i) && cd_role_name((Candour__V1__Role)i))
            json_array_append_new(roles, json_string(cd_role_name((Candour__V1__Role)i)));
    json_t *o = json_pack("{s:s, s:s, s:o, s:s}", "staff_id", call->who.staff_id, "org_id",
                          call->who.org_id, "roles", roles, "via",
                          call->who.via == GW_VIA_TOKEN ? "api-token" : "oidc");
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (text)
        gw_finish(call, 200, text);
    else
        gw_refuse(call, CD_CODE_INTERNAL, "", NULL);
    free(text);
}

void gw_on_principal(gw_call_t *call)
{
    const char *key = call->who.token_id[0] ? call->who.token_id : call->who.staff_id;
    if (s_limited(gw_app.by_token, call->http, call, key))
        return;
    if (!(call->route->roles & call->who.roles)) {
        char words[200], msg[300];
        cd_roles_words(call->route->roles, words, sizeof words);
        snprintf(msg, sizeof msg, "this needs the role of %s%s", words,
                 call->who.via == GW_VIA_TOKEN ? " (held by you and named by the token)" : "");
        gw_refuse(call, CD_CODE_PERMISSION_DENIED, "", msg);
        return;
    }
    if (call->route->own == GW_OWN_WHOAMI) {
        s_whoami(call);
        return;
    }
    size_t len = 0;
    const char *body = cd_http_req_body(call->http, &len);
    cd_fail_t why = {0};
    call->op = gw_build_op(call->route, call->params, call->nparams, body, len,
                           cd_http_req_query(call->http), call->who.org_id, &why);
    if (!call->op) {
        gw_refuse(call, why.code, why.field, why.message);
        return;
    }
    if (call->idem_key[0])
        gw_idem_claim(call);
    else
        gw_ask(call);
}

void gw_on_claimed(gw_call_t *call)
{
    gw_ask(call);
}

/* The Idempotency-Key of a POST: 1 to 200 printable ASCII characters. */
static int s_idem_key(gw_call_t *call)
{
    const char *k = cd_http_req_header(call->http, "Idempotency-Key");
    size_t n = k ? strlen(k) : 0;
    int ok = n >= 1 && n <= 200;
    for (size_t i = 0; ok && i < n; i++)
        ok = k[i] > 0x20 && k[i] < 0x7f;
    if (!ok) {
        gw_refuse(call, k ? CD_CODE_INVALID_ARGUMENT : CD_CODE_REQUIRED, "Idempotency-Key",
                  "every POST takes an Idempotency-Key header: 1 to 200 printable characters,"
                  " new for each new request (a UUID will do)");
        return -1;
    }
    memcpy(call->idem_key, k, n + 1);
    /* What the request is: a key reused for another is refused. */
    size_t blen = 0;
    const char *body = cd_http_req_body(call->http, &blen);
    const char *path = cd_http_req_path(call->http);
    size_t plen = strlen(path), total = plen + 1 + blen;
    char *buf = malloc(total ? total : 1);
    if (!buf) {
        gw_refuse(call, CD_CODE_INTERNAL, "", NULL);
        return -1;
    }
    memcpy(buf, path, plen);
    buf[plen] = '\n';
    memcpy(buf + plen + 1, body, blen);
    cd_sha256_hex(buf, total, call->idem_hash);
    free(buf);
    return 0;
}

static void s_own(cd_http_req_t *req, gw_own_t own)
{
    switch (own) {
    case GW_OWN_HEALTH:
        cd_http_respond(req, 200, NULL, "{\"status\":\"ok\"}", 15);
        return;
    case GW_OWN_READY:
        if (cd_daemon_stopping(gw_app.daemon) || !cd_db_ready(gw_app.db))
            cd_http_respond(req, 503, NULL, "{\"ready\":false}", 15);
        else
            cd_http_respond(req, 200, NULL, "{\"ready\":true}", 14);
        return;
    case GW_OWN_METRICS: {
        char *text = cd_metrics_render();
        cd_http_respond(req, 200, "text/plain; version=0.0.4", text ? text : "",
                        text ? strlen(text) : 0);
        free(text);
        return;
    }
    case GW_OWN_OPENAPI:
        cd_http_respond(req, 200, NULL, gw_openapi_doc, gw_openapi_doc_len);
        return;
    default:
        gw_respond_code(req, CD_CODE_INTERNAL, "no such answer");
    }
}

void gw_on_http(cd_http_req_t *req, void *arg)
{
    (void)arg;
    cd_metric_add(gw_app.m_requests, 1);
    cd_http_add_header(req, "Cache-Control", "no-store");
    cd_http_add_header(req, "X-Content-Type-Options", "nosniff");
    const gw_route_t *route;
    gw_param_t params[GW_MAX_PARAMS];
    int nparams = 0;
    switch (
        gw_route_match(cd_http_req_method(req), cd_http_req_path(req), &route, params, &nparams)) {
    case GW_MATCH_BAD_METHOD:
        gw_respond_code(req, CD_CODE_METHOD_NOT_ALLOWED, "this path does not answer that method");
        return;
    case GW_MATCH_NOT_FOUND:
        gw_respond_code(req, CD_CODE_NOT_FOUND,
                        "no such endpoint; see /v1/openapi.json for the routes");
        return;
    default:
        break;
    }
    if (route->own == GW_OWN_FORM) {
        gw_form(req, route);
        return;
    }
    if (route->flags & GW_PUBLIC) {
        s_own(req, route->own);
        return;
    }
    if (s_limited(gw_app.by_addr, req, NULL, cd_http_req_peer(req)))
        return;
    gw_call_t *call = calloc(1, sizeof *call);
    if (!call) {
        gw_respond_code(req, CD_CODE_INTERNAL, "out of memory");
        return;
    }
    call->http = req;
    call->route = route;
    call->nparams = nparams;
    memcpy(call->params, params, sizeof params[0] * (size_t)nparams);
    for (int i = 0; i < nparams; i++)
        if (strcmp(call->params[i].name, "complaint_ref") == 0)
            call->ref = call->params[i].value;
    if (gw_auth_take(call) != 0)
        return;
    if (strcmp(route->method, "POST") == 0 && s_idem_key(call) != 0)
        return;
    gw_auth_resolve(call);
}
