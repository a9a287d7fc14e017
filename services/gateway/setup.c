/* setup.c - what the gateway makes of its configuration before it starts:
 * its counters, the API's address, the identity provider's keys, the
 * database password, the rate limiters (main.c's items fill gw_app). */
#include <stdio.h>
#include <stdlib.h>

#include "candour/util.h"
#include "gateway.h"

int gw_setup(char *host, size_t hostlen, int *port)
{
    char why[256];
    gw_app.m_requests =
        cd_metric_counter("candour_gateway_requests_total", NULL, "HTTP requests served.");
    gw_app.m_timeouts = cd_metric_counter("candour_gateway_timeouts_total", NULL,
                                          "Requests the services did not answer in time.");
    gw_app.m_refused_auth = cd_metric_counter("candour_gateway_unauthenticated_total", NULL,
                                              "Requests refused for want of a token taken.");
    gw_app.m_limited =
        cd_metric_counter("candour_gateway_rate_limited_total", NULL, "Requests refused 429.");
    if (cd_parse_hostport(gw_app.http_addr, host, hostlen, port) != 0) {
        fprintf(stderr, "candour-gateway: CANDOUR_GATEWAY_HTTP must be host:port, not '%s'\n",
                gw_app.http_addr);
        return 2;
    }
    if (*gw_app.jwks_file && !(gw_app.jwks = gw_jwks_load(gw_app.jwks_file, why, sizeof why))) {
        fprintf(stderr, "candour-gateway: CANDOUR_OIDC_JWKS_FILE: %s\n", why);
        return 2;
    }
    if (gw_app.jwks && !*gw_app.issuer) {
        fprintf(stderr, "candour-gateway: set CANDOUR_OIDC_ISSUER with CANDOUR_OIDC_JWKS_FILE\n");
        gw_jwks_free(&gw_app.jwks);
        return 2;
    }
    if (*gw_app.db_password)
        setenv("PGPASSWORD", gw_app.db_password, 1);
    gw_app.by_addr = gw_limiter_new(gw_app.rate_per_min_addr, 4096);
    gw_app.by_token = gw_limiter_new(gw_app.rate_per_min_token, 4096);
    gw_app.by_form = gw_limiter_new(gw_app.form_rate, 4096);
    if (gw_app.by_addr && gw_app.by_token && gw_app.by_form)
        return 0;
    gw_limiter_free(&gw_app.by_addr);
    gw_limiter_free(&gw_app.by_token);
    gw_limiter_free(&gw_app.by_form);
    return 1;
}
