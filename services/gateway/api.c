/* api.c - the HTTP JSON API: health, readiness, metrics, and what it asks
 * the services for (today: a complaint's status, from routing). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/log.h"
#include "candour/pbjson.h"
#include "gateway.h"
#include "routes.h"

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

void gw_on_http(cd_http_req_t *req, void *arg)
{
    cd_metric_add(gw_app.m_requests, 1);
    const char *method = cd_http_req_method(req), *path = cd_http_req_path(req);
    char ref[80];
    gw_route_t route = gw_route(method, path, ref, sizeof ref);
    switch (route) {
    case GW_ROUTE_HEALTH:
        cd_http_respond(req, 200, NULL, "{\"status\":\"ok\"}", 15);
        return;
    case GW_ROUTE_READY:
        if (cd_daemon_stopping(gw_app.daemon))
            cd_http_respond(req, 503, NULL, "{\"ready\":false}", 15);
        else
            cd_http_respond(req, 200, NULL, "{\"ready\":true}", 14);
        return;
    case GW_ROUTE_METRICS: {
        char *text = cd_metrics_render();
        cd_http_respond(req, 200, "text/plain; version=0.0.4", text ? text : "",
                        text ? strlen(text) : 0);
        free(text);
        return;
    }
    case GW_ROUTE_STATUS: {
        Candour__V1__Request r = CANDOUR__V1__REQUEST__INIT;
        Candour__V1__GetStatus g = CANDOUR__V1__GET_STATUS__INIT;
        g.complaint_ref = ref;
        r.op_case = CANDOUR__V1__REQUEST__OP_GET_STATUS;
        r.get_status = &g;
        gw_ask(req, &r);
        return;
    }
    case GW_ROUTE_BAD_METHOD:
        gw_respond_code(req, CD_CODE_METHOD_NOT_ALLOWED, "this path answers GET only");
        return;
    default:
        gw_respond_code(req, CD_CODE_NOT_FOUND, "no such endpoint; see README, section Gateway");
    }
}
