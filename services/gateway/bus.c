/* bus.c - the gateway's calls to the services: each HTTP request that needs
 * a service becomes a Request on a DEALER socket, and its Reply (matched by
 * request_id), a timeout or the stop answers it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void gw_on_reply(cd_zsock_t *sock, const cd_frame_t *f, int n, void *arg)
{
    if (n != 2 || f[0].size != 3 || memcmp(f[0].data, "REP", 3) != 0)
        return;
    Candour__V1__Reply *r = candour__v1__reply__unpack(NULL, f[1].size, f[1].data);
    if (!r)
        return;
    gw_call_t *call = s_take_call(r->request_id);
    if (call) {
        int status = 200;
        char *text = NULL;
        if (r->error) {
            /* The code as the service sent it, at its status in the one
             * table; a code this build does not know is 500. */
            status = cd_code_http(cd_code_from_name(r->error->code));
            gw_respond_json(call->http, status, r->error->code, r->error->field, r->error->message);
        } else {
            text = cd_pbjson_dumps(r->status ? &r->status->base : &r->base, 0);
            cd_http_respond(call->http, 200, NULL, text ? text : "{}", text ? strlen(text) : 2);
        }
        free(text);
        free(call);
    }
    candour__v1__reply__free_unpacked(r, NULL);
}

void gw_on_sweep(uv_timer_t *t)
{
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
        gw_respond_code(c->http, CD_CODE_TIMEOUT, "routing did not answer in time; try again");
        free(c);
    }
}

/* Send a Request to routing; its reply answers http. */
void gw_ask(cd_http_req_t *http, Candour__V1__Request *req)
{
    if (gw_app.ncalls >= GW_MAX_INFLIGHT) {
        gw_respond_code(http, CD_CODE_BUSY, "too many requests in flight; try again shortly");
        return;
    }
    gw_call_t *call = calloc(1, sizeof *call);
    size_t len = candour__v1__request__get_packed_size(req) + 64;
    uint8_t *buf = malloc(len);
    if (!call || !buf || cd_uuid(call->request_id) != 0) {
        free(call);
        free(buf);
        gw_respond_code(http, CD_CODE_INTERNAL, "out of memory");
        return;
    }
    req->request_id = call->request_id;
    len = candour__v1__request__pack(req, buf);
    cd_frame_t frames[2] = {{"REQ", 3}, {buf, len}};
    int rc = cd_zsock_send(gw_app.routing, frames, 2);
    free(buf);
    if (rc != 0) {
        free(call);
        gw_respond_code(http, CD_CODE_UNAVAILABLE, "routing is not reachable just now");
        return;
    }
    call->http = http;
    call->deadline_us = cd_now_us() + GW_TIMEOUT_MS * 1000LL;
    call->next = gw_app.calls;
    gw_app.calls = call;
    gw_app.ncalls++;
}

void gw_calls_stop(void)
{
    while (gw_app.calls) {
        gw_call_t *c = gw_app.calls;
        gw_app.calls = c->next;
        gw_respond_code(c->http, CD_CODE_UNAVAILABLE, "the gateway is stopping");
        free(c);
    }
}
