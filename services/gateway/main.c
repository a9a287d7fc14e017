/* candour-gateway - the HTTP JSON API. It owns no complaint state: it sends
 * requests to the services over the bus and turns their replies into HTTP.
 *
 * In this foundation it serves health, metrics and the read-only status of a
 * complaint (asked of routing); the full staff API builds on the same path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "candour/error.h"
#include "candour/daemon.h"
#include "candour/errcode.h"
#include "candour/http.h"
#include "candour/log.h"
#include "candour/metrics.h"
#include "candour/pbjson.h"
#include "candour/util.h"
#include "candour/v1/api.pb-c.h"
#include "candour/zsock.h"
#include "routes.h"

#define GW_TIMEOUT_MS 5000
#define GW_MAX_INFLIGHT 1024

/* An HTTP request waiting for its reply from the bus. */
typedef struct gw_call_t {
    char request_id[CD_UUID_LEN + 1];
    cd_http_req_t *http;
    int64_t deadline_us;
    struct gw_call_t *next;
} gw_call_t;

typedef struct {
    cd_daemon_t *daemon;
    cd_http_server_t *api;
    cd_zsock_t *routing;
    uv_timer_t sweep;          /* times out calls with no reply */
    gw_call_t *calls;
    int ncalls;
    const char *http_addr;
    const char *routing_endpoint;
    cd_metric_t *m_requests, *m_timeouts;
} gateway_t;

static gateway_t s_gw;

static void s_respond_json(cd_http_req_t *req, int status, const char *code, const char *field,
                           const char *message)
{
    json_t *o = json_pack("{s:{s:s, s:s, s:s}}", "error", "code", code, "field", field ? field : "",
                          "message", message);
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    cd_http_respond(req, status, NULL, text ? text : "{}", text ? strlen(text) : 2);
    free(text);
    json_decref(o);
}

/* The gateway's own refusal: its status is the code's (errcode.c). */
static void s_respond_code(cd_http_req_t *req, cd_code_t code, const char *message)
{
    s_respond_json(req, cd_code_http(code), cd_code_name(code), "", message);
}

/* ---------------------------------------------------------------- bus */

static gw_call_t *s_take_call(const char *request_id)
{
    for (gw_call_t **pp = &s_gw.calls; *pp; pp = &(*pp)->next) {
        if (strcmp((*pp)->request_id, request_id) == 0) {
            gw_call_t *c = *pp;
            *pp = c->next;
            s_gw.ncalls--;
            return c;
        }
    }
    return NULL;
}

static void s_on_reply(cd_zsock_t *sock, const cd_frame_t *f, int n, void *arg)
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
            s_respond_json(call->http, status, r->error->code, r->error->field, r->error->message);
        } else {
            text = cd_pbjson_dumps(r->status ? &r->status->base : &r->base, 0);
            cd_http_respond(call->http, 200, NULL, text ? text : "{}", text ? strlen(text) : 2);
        }
        free(text);
        free(call);
    }
    candour__v1__reply__free_unpacked(r, NULL);
}

static void s_on_sweep(uv_timer_t *t)
{
    int64_t now = cd_now_us();
    for (gw_call_t **pp = &s_gw.calls; *pp;) {
        gw_call_t *c = *pp;
        if (c->deadline_us > now) {
            pp = &c->next;
            continue;
        }
        *pp = c->next;
        s_gw.ncalls--;
        cd_metric_add(s_gw.m_timeouts, 1);
        s_respond_code(c->http, CD_CODE_TIMEOUT, "routing did not answer in time; try again");
        free(c);
    }
}

/* Send a Request to routing; its reply answers http. */
static void s_ask(cd_http_req_t *http, Candour__V1__Request *req)
{
    if (s_gw.ncalls >= GW_MAX_INFLIGHT) {
        s_respond_code(http, CD_CODE_BUSY, "too many requests in flight; try again shortly");
        return;
    }
    gw_call_t *call = calloc(1, sizeof *call);
    size_t len = candour__v1__request__get_packed_size(req) + 64;
    uint8_t *buf = malloc(len);
    if (!call || !buf || cd_uuid(call->request_id) != 0) {
        free(call);
        free(buf);
        s_respond_code(http, CD_CODE_INTERNAL, "out of memory");
        return;
    }
    req->request_id = call->request_id;
    len = candour__v1__request__pack(req, buf);
    cd_frame_t frames[2] = {{"REQ", 3}, {buf, len}};
    int rc = cd_zsock_send(s_gw.routing, frames, 2);
    free(buf);
    if (rc != 0) {
        free(call);
        s_respond_code(http, CD_CODE_UNAVAILABLE, "routing is not reachable just now");
        return;
    }
    call->http = http;
    call->deadline_us = cd_now_us() + GW_TIMEOUT_MS * 1000LL;
    call->next = s_gw.calls;
    s_gw.calls = call;
    s_gw.ncalls++;
}

/* ---------------------------------------------------------------- http */

static void s_on_http(cd_http_req_t *req, void *arg)
{
    cd_metric_add(s_gw.m_requests, 1);
    const char *method = cd_http_req_method(req), *path = cd_http_req_path(req);
    char ref[80];
    gw_route_t route = gw_route(method, path, ref, sizeof ref);
    switch (route) {
    case GW_ROUTE_HEALTH:
        cd_http_respond(req, 200, NULL, "{\"status\":\"ok\"}", 15);
        return;
    case GW_ROUTE_READY:
        if (cd_daemon_stopping(s_gw.daemon))
            cd_http_respond(req, 503, NULL, "{\"ready\":false}", 15);
        else
            cd_http_respond(req, 200, NULL, "{\"ready\":true}", 14);
        return;
    case GW_ROUTE_METRICS: {
        char *text = cd_metrics_render();
        cd_http_respond(req, 200, "text/plain; version=0.0.4", text ? text : "", text ? strlen(text) : 0);
        free(text);
        return;
    }
    case GW_ROUTE_STATUS: {
        Candour__V1__Request r = CANDOUR__V1__REQUEST__INIT;
        Candour__V1__GetStatus g = CANDOUR__V1__GET_STATUS__INIT;
        g.complaint_ref = ref;
        r.op_case = CANDOUR__V1__REQUEST__OP_GET_STATUS;
        r.get_status = &g;
        s_ask(req, &r);
        return;
    }
    case GW_ROUTE_BAD_METHOD:
        s_respond_code(req, CD_CODE_METHOD_NOT_ALLOWED, "this path answers GET only");
        return;
    default:
        s_respond_code(req, CD_CODE_NOT_FOUND, "no such endpoint; see README, section Gateway");
    }
}

/* ---------------------------------------------------------------- lifecycle */

static void s_on_stop(void *arg)
{
    cd_http_server_destroy(&s_gw.api);
    cd_zsock_destroy(&s_gw.routing);
    uv_close((uv_handle_t *)&s_gw.sweep, NULL);
    while (s_gw.calls) {
        gw_call_t *c = s_gw.calls;
        s_gw.calls = c->next;
        s_respond_code(c->http, CD_CODE_UNAVAILABLE, "the gateway is stopping");
        free(c);
    }
}

int main(int argc, char **argv)
{
    static cd_config_item_t items[] = {
        {"CANDOUR_GATEWAY_HTTP", CD_CONFIG_STRING, "127.0.0.1:8080", 0, 0,
         "host:port of the HTTP JSON API", &s_gw.http_addr},
        {"CANDOUR_ROUTING_ENDPOINT", CD_CONFIG_STRING, "tcp://127.0.0.1:7101", 0, 0,
         "routing's endpoint, asked for complaint status", &s_gw.routing_endpoint},
    };
    cd_daemon_spec_t spec = {
        .name = "gateway",
        .summary = "the HTTP JSON API: health, metrics and complaint status",
        .config = items,
        .nconfig = 2,
        .admin_default = "127.0.0.1:9105",
        .on_stop = s_on_stop,
    };
    int code = 0;
    s_gw.daemon = cd_daemon_new(&spec, argc, argv, &code);
    if (!s_gw.daemon)
        return code;
    uv_loop_t *loop = cd_daemon_loop(s_gw.daemon);
    char host[256];
    int port = 0;
    s_gw.m_requests = cd_metric_counter("candour_gateway_requests_total", NULL, "HTTP requests served.");
    s_gw.m_timeouts = cd_metric_counter("candour_gateway_timeouts_total", NULL, "Requests the services did not answer in time.");
    if (cd_parse_hostport(s_gw.http_addr, host, sizeof host, &port) != 0) {
        fprintf(stderr, "candour-gateway: CANDOUR_GATEWAY_HTTP must be host:port, not '%s'\n",
                s_gw.http_addr);
        cd_daemon_destroy(&s_gw.daemon);
        return 2;
    }
    s_gw.routing = cd_zsock_new(loop, ZMQ_DEALER, s_on_reply, NULL);
    s_gw.api = cd_http_server_new(loop, host, port, 65536, s_on_http, NULL);
    if (!s_gw.routing || !s_gw.api || cd_zsock_connect(s_gw.routing, s_gw.routing_endpoint) != 0 ||
        cd_zsock_start(s_gw.routing) != 0) {
        cd_log_error("gateway.start_failed", "{s:s, s:s}", "http", s_gw.http_addr, "routing",
                     s_gw.routing_endpoint);
        cd_http_server_destroy(&s_gw.api);
        cd_zsock_destroy(&s_gw.routing);
        uv_run(loop, UV_RUN_NOWAIT);
        cd_daemon_destroy(&s_gw.daemon);
        return 1;
    }
    uv_timer_init(loop, &s_gw.sweep);
    uv_timer_start(&s_gw.sweep, s_on_sweep, 250, 250);
    cd_log_info("gateway.listening", "{s:s, s:i}", "host", host, "port", cd_http_server_port(s_gw.api));
    code = cd_daemon_run(s_gw.daemon);
    cd_daemon_destroy(&s_gw.daemon);
    cd_zmq_ctx_term();
    return code;
}
