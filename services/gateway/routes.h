/* routes.h - the gateway's URL table, as a pure function. */
#ifndef GATEWAY_ROUTES_H
#define GATEWAY_ROUTES_H

#include <stddef.h>

typedef enum {
    GW_ROUTE_NOT_FOUND,
    GW_ROUTE_BAD_METHOD,
    GW_ROUTE_HEALTH,  /* GET /healthz */
    GW_ROUTE_READY,   /* GET /readyz */
    GW_ROUTE_METRICS, /* GET /metrics */
    GW_ROUTE_STATUS   /* GET /v1/complaints/{ref}/status */
} gw_route_t;

/* Match method and path; for GW_ROUTE_STATUS the reference goes to ref. */
gw_route_t gw_route(const char *method, const char *path, char *ref, size_t reflen);

#endif
