/* routes.h - the gateway's URL table: every route of the staff API, as
 * data. A route names the bus operation it becomes (the Request's oneof
 * member), the service that does it, who may call it and how its answer is
 * read. Matching is a pure function; api.c runs the table.
 *
 * A path's parameters ("{complaint_ref}") are fields of the operation's
 * message: their value goes into the field of that name. A POST's JSON body
 * is the rest of the message; a GET's query parameters are its fields.
 * services/gateway/openapi.json (served at /v1/openapi.json) documents the same table, and a test
 * holds the two to each other. */
#ifndef GATEWAY_ROUTES_H
#define GATEWAY_ROUTES_H

#include <stddef.h>

/* The services the gateway sends to. */
typedef enum {
    GW_SVC_NONE, /* answered by the gateway itself */
    GW_SVC_INTAKE,
    GW_SVC_ROUTING,
    GW_SVC_INVESTIGATION,
    GW_SVC_SIGNOFF,
    GW_SVC_NOTIFY,
    GW_SVC_REPORTING,
    GW_SVC_COUNT
} gw_svc_t;

/* The gateway's own answers. */
typedef enum {
    GW_OWN_NONE,
    GW_OWN_HEALTH,  /* GET /healthz */
    GW_OWN_READY,   /* GET /readyz */
    GW_OWN_METRICS, /* GET /metrics */
    GW_OWN_OPENAPI, /* GET /v1/openapi.json */
    GW_OWN_WHOAMI,  /* GET /v1/me: who the token says you are */
    GW_OWN_FORM,    /* POST /v1/public/complaints: a body's web form */
} gw_own_t;

enum {
    GW_PUBLIC = 1u << 0,   /* no token (health, the API document) */
    GW_PERSONAL = 1u << 1, /* reads or changes a complaint's personal data: logged */
    GW_LEAD = 1u << 2,     /* {complaint_ref}: the person's body must lead it */
    GW_PARTY = 1u << 3,    /* {complaint_ref}: the person's body must be party to it */
    GW_CREATED = 1u << 4,  /* success is 201 Created */
    GW_FILE = 1u << 5,     /* the answer is a file: the reply's Attachment, as its bytes */
};

typedef struct {
    const char *method; /* "GET" or "POST" */
    const char *path;   /* "/v1/complaints/{complaint_ref}/plan" */
    gw_svc_t svc;
    gw_own_t own;        /* svc GW_SVC_NONE: which answer */
    int op;              /* the Request's op_case (CANDOUR__V1__REQUEST__OP_*) */
    unsigned roles;      /* CD_ROLE_* bits, any of which may call it */
    unsigned flags;      /* GW_* above */
    const char *summary; /* for the API document's check */
} gw_route_t;

#define GW_MAX_PARAMS 4
typedef struct {
    char name[32]; /* the field, from the pattern */
    char value[128];
} gw_param_t;

typedef enum { GW_MATCH_OK, GW_MATCH_NOT_FOUND, GW_MATCH_BAD_METHOD } gw_match_t;

/* The route for method and path (the path decoded, without its query):
 * GW_MATCH_OK with *route and params (*nparams of them), or why not. A
 * parameter's value is 1 to 127 of [A-Za-z0-9._-]; anything else does not
 * match. Pure. */
gw_match_t gw_route_match(const char *method, const char *path, const gw_route_t **route,
                          gw_param_t *params, int *nparams);

/* The whole table, for the API document's check and the README. */
const gw_route_t *gw_routes(size_t *n);

/* A service's name ("routing"), as its endpoint variable is named. */
const char *gw_svc_name(gw_svc_t svc);

#endif
