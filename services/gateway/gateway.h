/* gateway.h - what the gateway's files share: its state, the bus calls to
 * the services (bus.c) and the HTTP answers (api.c). main.c is its
 * configuration and start-up; routes.c the URL table. */
#ifndef GATEWAY_H
#define GATEWAY_H

#include <stdint.h>

#include "candour/daemon.h"
#include "candour/errcode.h"
#include "candour/http.h"
#include "candour/metrics.h"
#include "candour/util.h"
#include "candour/v1/api.pb-c.h"
#include "candour/zsock.h"

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
    uv_timer_t sweep; /* times out calls with no reply */
    gw_call_t *calls;
    int ncalls;
    const char *http_addr;
    const char *routing_endpoint;
    cd_metric_t *m_requests, *m_timeouts;
} gw_app_t;

extern gw_app_t gw_app;

/* api.c: every HTTP request; the JSON error answers. */
void gw_on_http(cd_http_req_t *req, void *arg);
void gw_respond_json(cd_http_req_t *req, int status, const char *code, const char *field,
                     const char *message);
/* The gateway's own refusal: its status is the code's (errcode.c). */
void gw_respond_code(cd_http_req_t *req, cd_code_t code, const char *message);

/* bus.c: a Request to routing whose Reply answers http (or a timeout, or
 * the stop, does). */
void gw_ask(cd_http_req_t *http, Candour__V1__Request *req);
void gw_on_reply(cd_zsock_t *sock, const cd_frame_t *f, int n, void *arg);
void gw_on_sweep(uv_timer_t *t);
/* Answer every call still waiting (the gateway is stopping). */
void gw_calls_stop(void);

#endif
