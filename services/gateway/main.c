/* candour-gateway - the staff HTTP JSON API. It owns no complaint state: it
 * takes a caller's bearer token (an identity provider's, or a Candour API
 * token), sends the operation of their route to the service that does it,
 * as that person, and turns the reply into HTTP. Its own records (API
 * tokens, idempotency keys, the access log) are in its schema.
 *
 * This file is its configuration and start-up (setup.c: what it makes of
 * the configuration); api.c runs a request; routes.c is the URL table. */
#include <stdio.h>
#include <stdlib.h>
#include <zmq.h>

#include "candour/log.h"
#include "gateway.h"

gw_app_t gw_app;

static void s_on_stop(void *arg)
{
    (void)arg;
    cd_http_server_destroy(&gw_app.api);
    for (int s = 0; s < GW_SVC_COUNT; s++)
        cd_zsock_destroy(&gw_app.svc[s]);
    uv_close((uv_handle_t *)&gw_app.sweep, NULL);
    gw_calls_stop();
    cd_db_destroy(&gw_app.db);
}

static void s_on_db(cd_db_t *db, int ready, void *arg)
{
    (void)db;
    (void)arg;
    cd_log_info(ready ? "db.ready" : "db.not_ready", "{s:s}", "connection", "gateway");
}

static int s_ready(void *arg)
{
    (void)arg;
    return gw_app.db && cd_db_ready(gw_app.db);
}

int main(int argc, char **argv)
{
    static cd_config_item_t items[] = {
        {"CANDOUR_GATEWAY_HTTP", CD_CONFIG_STRING, "127.0.0.1:8080", 0, 0,
         "host:port of the HTTP JSON API", &gw_app.http_addr},
        {"CANDOUR_GATEWAY_TLS_CERT_FILE", CD_CONFIG_STRING, "", 0, 0,
         "PEM certificate chain: serve HTTPS (with the key below); empty: plain HTTP, for"
         " loopback behind a TLS proxy only",
         &gw_app.tls_cert_file},
        {"CANDOUR_GATEWAY_TLS_KEY_FILE", CD_CONFIG_STRING, "", 0, 0,
         "PEM private key of that certificate", &gw_app.tls_key_file},
        {"CANDOUR_DB_URL", CD_CONFIG_STRING, NULL, 0, 0,
         "PostgreSQL URL; the gateway connects as candour_gateway", &gw_app.db_url},
        {"CANDOUR_DB_PASSWORD", CD_CONFIG_STRING, "", 0, 0,
         "password of the service roles (empty: none)", &gw_app.db_password},
        {"CANDOUR_INTAKE_ENDPOINT", CD_CONFIG_STRING, "tcp://127.0.0.1:7105", 0, 0,
         "intake's internal endpoint", &gw_app.endpoint[GW_SVC_INTAKE]},
        {"CANDOUR_ROUTING_ENDPOINT", CD_CONFIG_STRING, "tcp://127.0.0.1:7101", 0, 0,
         "routing's endpoint", &gw_app.endpoint[GW_SVC_ROUTING]},
        {"CANDOUR_INVESTIGATION_ENDPOINT", CD_CONFIG_STRING, "tcp://127.0.0.1:7102", 0, 0,
         "investigation's endpoint", &gw_app.endpoint[GW_SVC_INVESTIGATION]},
        {"CANDOUR_SIGNOFF_ENDPOINT", CD_CONFIG_STRING, "tcp://127.0.0.1:7103", 0, 0,
         "signoff's endpoint", &gw_app.endpoint[GW_SVC_SIGNOFF]},
        {"CANDOUR_NOTIFY_ENDPOINT", CD_CONFIG_STRING, "tcp://127.0.0.1:7104", 0, 0,
         "notify's endpoint (letters)", &gw_app.endpoint[GW_SVC_NOTIFY]},
        {"CANDOUR_REPORTING_ENDPOINT", CD_CONFIG_STRING, "tcp://127.0.0.1:7106", 0, 0,
         "reporting's endpoint (reports)", &gw_app.endpoint[GW_SVC_REPORTING]},
        {"CANDOUR_INTERNAL_KEYS", CD_CONFIG_STRING, "", 0, 0,
         "the suite's internal CURVE keys (candourctl keygen --internal); required",
         &gw_app.keys_dir},
        {"CANDOUR_OIDC_JWKS_FILE", CD_CONFIG_STRING, "", 0, 0,
         "the identity provider's signing keys (a JWKS file), reloaded when it changes;"
         " empty: API tokens only",
         &gw_app.jwks_file},
        {"CANDOUR_OIDC_ISSUER", CD_CONFIG_STRING, "", 0, 0,
         "the \"iss\" the identity provider's tokens must carry", &gw_app.issuer},
        {"CANDOUR_OIDC_AUDIENCE", CD_CONFIG_STRING, "candour", 0, 0, "the \"aud\" they must be for",
         &gw_app.audience},
        {"CANDOUR_OIDC_LEEWAY_S", CD_CONFIG_INT, "60", 0, 600,
         "clock skew allowed on a token's exp and nbf, in seconds", &gw_app.leeway_s},
        {"CANDOUR_GATEWAY_TIMEOUT_MS", CD_CONFIG_INT, "5000", 100, 120000,
         "how long a service has to answer before the caller gets 504", &gw_app.timeout_ms},
        {"CANDOUR_GATEWAY_MAX_BODY", CD_CONFIG_INT, "1310720", 1024, 16777216,
         "largest request body in bytes (413 beyond); an attachment is at most 768 KiB,"
         " base64 in JSON",
         &gw_app.max_body},
        {"CANDOUR_GATEWAY_RATE_PER_ADDRESS", CD_CONFIG_INT, "600", 1, 1000000,
         "requests a minute from one client address (429 beyond)", &gw_app.rate_per_min_addr},
        {"CANDOUR_GATEWAY_RATE_PER_TOKEN", CD_CONFIG_INT, "300", 1, 1000000,
         "requests a minute by one person or API token (429 beyond)", &gw_app.rate_per_min_token},
        {"CANDOUR_GATEWAY_FORM_ORGS", CD_CONFIG_STRING, "", 0, 0,
         "bodies whose web form POST /v1/public/complaints takes (org ids, comma-separated;"
         " empty: none)",
         &gw_app.form_orgs},
        {"CANDOUR_GATEWAY_FORM_RATE", CD_CONFIG_INT, "10", 1, 100000,
         "web-form complaints a minute from one client address (429 beyond)", &gw_app.form_rate},
        {"CANDOUR_GATEWAY_FORM_MAX_BODY", CD_CONFIG_INT, "32768", 1024, 1048576,
         "largest web form in bytes (413 beyond)", &gw_app.form_max_body},
    };
    cd_daemon_spec_t spec = {
        .name = "gateway",
        .summary = "the staff HTTP JSON API: tokens checked, operations sent to the services",
        .config = items,
        .nconfig = sizeof items / sizeof items[0],
        .admin_default = "127.0.0.1:9105",
        .ready = s_ready,
        .on_stop = s_on_stop,
    };
    int code = 0;
    gw_app.daemon = cd_daemon_new(&spec, argc, argv, &code);
    if (!gw_app.daemon)
        return code;
    uv_loop_t *loop = cd_daemon_loop(gw_app.daemon);
    char host[256];
    int port = 0;
    int bad = gw_setup(host, sizeof host, &port);
    if (bad) { /* 2: told on stderr; 1: out of memory */
        cd_daemon_destroy(&gw_app.daemon);
        return bad;
    }
    gw_app.db = cd_db_new(loop, gw_app.db_url, "candour_gateway", s_on_db, NULL);
    gw_app.api = cd_http_server_new(loop, host, port, (size_t)gw_app.max_body, gw_on_http, NULL);
    uv_timer_init(loop, &gw_app.sweep);
    int bus = gw_bus_connect(loop);
    if (bus == -2 || (gw_app.api && gw_tls(gw_app.api) != 0)) {
        s_on_stop(NULL);
        uv_run(loop, UV_RUN_NOWAIT);
        cd_daemon_destroy(&gw_app.daemon);
        return 2;
    }
    if (!gw_app.db || !gw_app.api || bus != 0) {
        cd_log_error("gateway.start_failed", "{s:s}", "http", gw_app.http_addr);
        s_on_stop(NULL);
        uv_run(loop, UV_RUN_NOWAIT);
        cd_daemon_destroy(&gw_app.daemon);
        return 1;
    }
    uv_timer_start(&gw_app.sweep, gw_on_sweep, 250, 250);
    cd_log_info("gateway.listening", "{s:s, s:i, s:i}", "host", host, "port",
                cd_http_server_port(gw_app.api), "idp_keys", gw_jwks_count(gw_app.jwks));
    code = cd_daemon_run(gw_app.daemon);
    cd_daemon_destroy(&gw_app.daemon);
    gw_jwks_free(&gw_app.jwks);
    gw_limiter_free(&gw_app.by_addr);
    gw_limiter_free(&gw_app.by_token);
    gw_limiter_free(&gw_app.by_form);
    cd_zmq_ctx_term();
    return code;
}
