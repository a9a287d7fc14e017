/* form.c - web-form intake: POST /v1/public/complaints, for a body's own
 * complaint form on its website. No staff token: the form names the body
 * (org_id, one of CANDOUR_GATEWAY_FORM_ORGS: a body opts in), and the
 * complaint as JSON. Each client address may send a few a minute
 * (CANDOUR_GATEWAY_FORM_RATE), each at most CANDOUR_GATEWAY_FORM_MAX_BODY
 * bytes. Intake takes it as a submission by CHANNEL_WEB and the answer is
 * the receipt, once the complaint is committed. An Idempotency-Key, if the
 * form sends one, makes a repeat (a double click) the same complaint: its
 * first receipt, marked duplicate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/digest.h"
#include "candour/log.h"
#include "candour/pbjson.h"
#include "gateway.h"

/* Is org one of the comma-separated list? */
static int s_form_org(const char *org)
{
    size_t n = strlen(org);
    for (const char *p = gw_app.form_orgs; p && *p;) {
        size_t k = strcspn(p, ",");
        while (k && p[k - 1] == ' ')
            k--;
        if (k == n && n && strncmp(p, org, n) == 0)
            return 1;
        p += strcspn(p, ",");
        while (*p == ',' || *p == ' ')
            p++;
    }
    return 0;
}

static void s_refuse(cd_http_req_t *req, cd_code_t code, const char *field, const char *message)
{
    gw_respond_json(req, cd_code_http(code), cd_code_name(code), field, message);
}

void gw_form(cd_http_req_t *req, const gw_route_t *route)
{
    char wait[16];
    int w = gw_limiter_take(gw_app.by_form, cd_http_req_peer(req), cd_now_us());
    if (w) {
        snprintf(wait, sizeof wait, "%d", w);
        cd_metric_add(gw_app.m_limited, 1);
        cd_http_add_header(req, "Retry-After", wait);
        s_refuse(req, CD_CODE_RATE_LIMITED, "",
                 "too many complaints from this address just now; please try again later");
        return;
    }
    size_t len = 0;
    const char *body = cd_http_req_body(req, &len);
    if (len > (size_t)gw_app.form_max_body) {
        s_refuse(req, CD_CODE_TOO_LARGE, "", "the form is too long to take");
        return;
    }
    json_error_t e;
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &e);
    if (!json_is_object(j)) {
        json_decref(j);
        s_refuse(req, j ? CD_CODE_WRONG_TYPE : CD_CODE_INVALID_JSON, "",
                 "the form must be a JSON object: {\"org_id\": ..., \"complaint\": {...}}");
        return;
    }
    char org[65];
    const char *o = json_string_value(json_object_get(j, "org_id"));
    snprintf(org, sizeof org, "%s", o ? o : "");
    if (!o || strlen(o) >= sizeof org || !s_form_org(o)) {
        json_decref(j);
        s_refuse(req, CD_CODE_NOT_FOUND, "org_id", "no complaint form here for that organisation");
        return;
    }
    json_object_del(j, "org_id");
    json_t *c = json_object_get(j, "complaint");
    if (json_object_size(j) != 1 || !json_is_object(c)) {
        json_decref(j);
        s_refuse(req, CD_CODE_INVALID_ARGUMENT, "complaint",
                 "give org_id and complaint (an object), nothing else");
        return;
    }
    /* The form is CHANNEL_WEB whatever it says; its own reference is ours. */
    const char *ch = json_string_value(json_object_get(c, "channel"));
    if (ch && strcmp(ch, "CHANNEL_WEB") != 0) {
        json_decref(j);
        s_refuse(req, CD_CODE_INVALID_ARGUMENT, "complaint.channel",
                 "a web form's complaint comes by CHANNEL_WEB");
        return;
    }
    json_object_set_new(c, "channel", json_string("CHANNEL_WEB"));
    char ext[64], id[CD_UUID_LEN + 1], hex[CD_SHA256_HEX_LEN + 1];
    const char *key = cd_http_req_header(req, "Idempotency-Key");
    if (key && *key && strlen(key) <= 200) {
        char seed[300];
        snprintf(seed, sizeof seed, "%s\n%s", org, key);
        cd_sha256_hex(seed, strlen(seed), hex);
        snprintf(ext, sizeof ext, "web-%.32s", hex);
    } else {
        cd_uuid(id);
        snprintf(ext, sizeof ext, "web-%s", id);
    }
    json_object_set_new(c, "external_ref", json_string(ext));
    cd_fail_t why = {0};
    ProtobufCMessage *m = cd_pbjson_to_message(&candour__v1__submit_complaint__descriptor, j, &why);
    json_decref(j);
    if (!m) {
        s_refuse(req, why.code, why.field, why.message);
        return;
    }
    gw_call_t *call = calloc(1, sizeof *call);
    if (!call) {
        protobuf_c_message_free_unpacked(m, NULL);
        s_refuse(req, CD_CODE_INTERNAL, "", "out of memory");
        return;
    }
    call->http = req;
    call->route = route;
    call->op = m;
    snprintf(call->who.org_id, sizeof call->who.org_id, "%s", org);
    cd_log_info("gateway.web_form", "{s:s, s:s}", "org_id", org, "external_ref", ext);
    gw_ask(call);
}
