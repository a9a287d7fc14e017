/* bus.c - the gateway's calls to the services: each operation becomes a
 * Request on the DEALER to its route's service, naming the person acting
 * and their body; its Reply (matched by request_id), a timeout or the stop
 * finishes the call. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "build.h"
#include "candour/keys.h"
#include "candour/log.h"
#include "candour/pbjson.h"
#include "gateway.h"

static gw_call_t *s_take_call(const char *request_id)
{
    for (gw_call_t **pp = &gw_app.calls; *pp; pp = &(*pp)->next) {
        if (strcmp((*pp)->request_id, request_id) == 0) {
            gw_call_t *c = *pp;
            *pp = c->next;
            gw_app.ncalls--;
            return c;
        }
    }
    return NULL;
}

/* The reply's result (the oneof member set) as JSON text; "{}" for none. */
static char *s_result_json(const Candour__V1__Reply *r)
{
    const ProtobufCMessage *m = NULL;
    if (r->result_case != CANDOUR__V1__REPLY__RESULT__NOT_SET) {
        const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(
            &candour__v1__reply__descriptor, (unsigned)r->result_case);
        if (f)
            m = *(const ProtobufCMessage *const *)((const char *)r + f->offset);
    }
    return m ? cd_pbjson_dumps(m, 0) : strdup("{}");
}

/* A filename fit for a Content-Disposition header: letters, digits and
 * ". _ -" kept, anything else '_'. */
static void s_safe_name(const char *in, char *out, size_t len)
{
    size_t n = 0;
    for (; in && *in && n + 1 < len; in++)
        out[n++] = (isalnum((unsigned char)*in) || strchr("._-", *in)) ? *in : '_';
    out[n] = 0;
    if (!n)
        snprintf(out, len, "file");
}

/* A file's answer: the reply's Attachment (its media type as Candour
 * decided it; an unknown one is sent as octets). */
static void s_file(gw_call_t *call, const Candour__V1__Reply *r)
{
    const Candour__V1__Attachment *a =
        r->result_case == CANDOUR__V1__REPLY__RESULT_ATTACHMENT ? r->attachment : NULL;
    if (!a) {
        gw_refuse(call, CD_CODE_INTERNAL, "", "the service answered without the file");
        return;
    }
    call->file = malloc(a->content.len ? a->content.len : 1);
    if (!call->file) {
        gw_refuse(call, CD_CODE_INTERNAL, "", NULL);
        return;
    }
    memcpy(call->file, a->content.data, a->content.len);
    call->file_len = a->content.len;
    const char *t = a->media_type;
    int ok = t && *t && strlen(t) < sizeof call->file_type && !strpbrk(t, "\r\n;\"");
    snprintf(call->file_type, sizeof call->file_type, "%s", ok ? t : "application/octet-stream");
    s_safe_name(a->filename, call->file_name, sizeof call->file_name);
    /* What the access log records; the bytes go as they are. */
    char meta[200];
    snprintf(meta, sizeof meta, "{\"size\":%zu}", a->content.len);
    gw_finish(call, 200, meta);
}

void gw_on_reply(cd_zsock_t *sock, const cd_frame_t *f, int n, void *arg)
{
    (void)sock;
    (void)arg;
    if (n != 2 || f[0].size != 3 || memcmp(f[0].data, "REP", 3) != 0)
        return;
    Candour__V1__Reply *r = candour__v1__reply__unpack(NULL, f[1].size, f[1].data);
    if (!r)
        return;
    gw_call_t *call = s_take_call(r->request_id);
    if (call) {
        if (r->error) {
            /* The code as the service sent it, at its status in the one
             * table; a code this build does not know is 500. */
            gw_refuse(call, cd_code_from_name(r->error->code), r->error->field, r->error->message);
        } else if (call->route->flags & GW_FILE) {
            s_file(call, r);
        } else {
            char *text = s_result_json(r);
            int status = call->route->flags & GW_CREATED ? 201 : 200;
            if (text)
                gw_finish(call, status, text);
            else
                gw_refuse(call, CD_CODE_INTERNAL, "", NULL);
            free(text);
        }
    }
    candour__v1__reply__free_unpacked(r, NULL);
}

void gw_on_sweep(uv_timer_t *t)
{
    (void)t;
    int64_t now = cd_now_us();
    for (gw_call_t **pp = &gw_app.calls; *pp;) {
        gw_call_t *c = *pp;
        if (c->deadline_us > now) {
            pp = &c->next;
            continue;
        }
        *pp = c->next;
        gw_app.ncalls--;
        cd_metric_add(gw_app.m_timeouts, 1);
        cd_log_warn("gateway.timeout", "{s:s, s:s}", "service", gw_svc_name(c->route->svc),
                    "request_id", c->request_id);
        gw_refuse(c, CD_CODE_TIMEOUT, "",
                  "the service did not answer in time; what was asked may or may not have"
                  " been done: read it back before trying again");
    }
    char why[256];
    if (gw_app.jwks_file && *gw_app.jwks_file &&
        gw_jwks_refresh(&gw_app.jwks, gw_app.jwks_file, why, sizeof why) == 1)
        cd_log_info("gateway.jwks_reloaded", "{s:i}", "keys", gw_jwks_count(gw_app.jwks));
}

void gw_ask(gw_call_t *call)
{
    if (gw_app.ncalls >= GW_MAX_INFLIGHT) {
        gw_refuse(call, CD_CODE_BUSY, "", "too many requests in flight; try again shortly");
        return;
    }
    cd_zsock_t *sock = gw_app.svc[call->route->svc];
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    if (!sock || cd_uuid(call->request_id) != 0) {
        gw_refuse(call, CD_CODE_INTERNAL, "", NULL);
        return;
    }
    req.request_id = call->request_id;
    req.acting = call->who.staff_id;
    req.org_id = call->who.org_id;
    gw_request_set_op(&req, call->route, call->op);
    size_t len = candour__v1__request__get_packed_size(&req);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) {
        gw_refuse(call, CD_CODE_INTERNAL, "", NULL);
        return;
    }
    len = candour__v1__request__pack(&req, buf);
    cd_frame_t frames[2] = {{"REQ", 3}, {buf, len}};
    int rc = cd_zsock_send(sock, frames, 2);
    free(buf);
    if (rc != 0) {
        gw_refuse(call, CD_CODE_UNAVAILABLE, "", "the service is not reachable just now");
        return;
    }
    call->deadline_us = cd_now_us() + gw_app.timeout_ms * 1000LL;
    call->next = gw_app.calls;
    gw_app.calls = call;
    gw_app.ncalls++;
}

void gw_calls_stop(void)
{
    while (gw_app.calls) {
        gw_call_t *c = gw_app.calls;
        gw_app.calls = c->next;
        gw_app.ncalls--;
        gw_refuse(c, CD_CODE_UNAVAILABLE, "", "the gateway is stopping");
    }
}

int gw_bus_connect(uv_loop_t *loop)
{
    /* The suite's keys, read once: without them the gateway never reaches a
     * service in the open. */
    char err[512];
    cd_keys_t *keys = cd_keys_from_env("gateway", CD_KEYS_FILE_VAR, err, sizeof err);
    if (!keys) {
        cd_log_error("config.internal_keys", "{s:s}", "reason", err);
        fprintf(stderr, "candour-gateway: %s\n", err);
        return -2;
    }
    int rc = 0;
    for (int s = GW_SVC_NONE + 1; s < GW_SVC_COUNT && rc == 0; s++) {
        /* A CURVE client of the service's internal endpoint, as "gateway". */
        gw_app.svc[s] = cd_zsock_new(loop, ZMQ_DEALER, gw_on_reply, NULL);
        if (gw_app.svc[s] && cd_keys_client(keys, gw_app.svc[s], gw_svc_name(s)) != 0) {
            cd_log_error("config.internal_keys", "{s:s, s:s}", "reason",
                         "the internal key set has no public key for the service", "service",
                         gw_svc_name(s));
            fprintf(stderr, "candour-gateway: the internal key set has no %s.pub\n",
                    gw_svc_name(s));
            rc = -2;
        } else if (!gw_app.svc[s] || cd_zsock_connect(gw_app.svc[s], gw_app.endpoint[s]) != 0 ||
                   cd_zsock_start(gw_app.svc[s]) != 0) {
            cd_log_error("gateway.start_failed", "{s:s, s:s}", "service", gw_svc_name(s),
                         "endpoint", gw_app.endpoint[s]);
            rc = -1;
        }
    }
    cd_keys_destroy(&keys);
    return rc;
}
