/* candour-gateway - the HTTP JSON API. It owns no complaint state: it sends
 * requests to the services over the bus and turns their replies into HTTP.
 *
 * Today it serves health, metrics and the read-only status of a complaint
 * (asked of routing); the staff API builds on the same path. This file is
 * its configuration and start-up; api.c answers HTTP, bus.c calls the
 * services. */
#include <stdio.h>
#include <zmq.h>

#include "candour/log.h"
#include "gateway.h"

gw_app_t gw_app;

static void s_on_stop(void *arg)
{
    cd_http_server_destroy(&gw_app.api);
    cd_zsock_destroy(&gw_app.routing);
    uv_close((uv_handle_t *)&gw_app.sweep, NULL);
    gw_calls_stop();
}

int main(int argc, char **argv)
{
    static cd_config_item_t items[] = {
        {"CANDOUR_GATEWAY_HTTP", CD_CONFIG_STRING, "127.0.0.1:8080", 0, 0,
         "host:port of the HTTP JSON API", &gw_app.http_addr},
        {"CANDOUR_ROUTING_ENDPOINT", CD_CONFIG_STRING, "tcp://127.0.0.1:7101", 0, 0,
         "routing's endpoint, asked for complaint status", &gw_app.routing_endpoint},
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
    gw_app.daemon = cd_daemon_new(&spec, argc, argv, &code);
    if (!gw_app.daemon)
        return code;
    uv_loop_t *loop = cd_daemon_loop(gw_app.daemon);
    char host[256];
    int port = 0;
    gw_app.m_requests =
        cd_metric_counter("candour_gateway_requests_total", NULL, "HTTP requests served.");
    gw_app.m_timeouts = cd_metric_counter("candour_gateway_timeouts_total", NULL,
                                          "Requests the services did not answer in time.");
    if (cd_parse_hostport(gw_app.http_addr, host, sizeof host, &port) != 0) {
        fprintf(stderr, "candour-gateway: CANDOUR_GATEWAY_HTTP must be host:port, not '%s'\n",
                gw_app.http_addr);
        cd_daemon_destroy(&gw_app.daemon);
        return 2;
    }
    gw_app.routing = cd_zsock_new(loop, ZMQ_DEALER, gw_on_reply, NULL);
    gw_app.api = cd_http_server_new(loop, host, port, 65536, gw_on_http, NULL);
    if (!gw_app.routing || !gw_app.api ||
        cd_zsock_connect(gw_app.routing, gw_app.routing_endpoint) != 0 ||
        cd_zsock_start(gw_app.routing) != 0) {
        cd_log_error("gateway.start_failed", "{s:s, s:s}", "http", gw_app.http_addr, "routing",
                     gw_app.routing_endpoint);
        cd_http_server_destroy(&gw_app.api);
        cd_zsock_destroy(&gw_app.routing);
        uv_run(loop, UV_RUN_NOWAIT);
        cd_daemon_destroy(&gw_app.daemon);
        return 1;
    }
    uv_timer_init(loop, &gw_app.sweep);
    uv_timer_start(&gw_app.sweep, gw_on_sweep, 250, 250);
    cd_log_info("gateway.listening", "{s:s, s:i}", "host", host, "port",
                cd_http_server_port(gw_app.api));
    code = cd_daemon_run(gw_app.daemon);
    cd_daemon_destroy(&gw_app.daemon);
    cd_zmq_ctx_term();
    return code;
}
