/* gateway.h - what the gateway's files share: its state, who a caller is
 * (auth.c), the bus calls to the services (bus.c), its own records in the
 * database (store.c: idempotency keys, the access log), the limits
 * (ratelimit.c) and the HTTP answers (api.c). main.c is its configuration and
 * start-up; routes.c the URL table; build.c a request made into its bus
 * operation; oidc.c the identity providers' tokens. */
#ifndef GATEWAY_H
#define GATEWAY_H

#include <stdint.h>

#include "candour/daemon.h"
#include "candour/db.h"
#include "candour/directory.h"
#include "candour/errcode.h"
#include "candour/http.h"
#include "candour/metrics.h"
#include "candour/util.h"
#include "candour/v1/api.pb-c.h"
#include "candour/zsock.h"
#include "ratelimit.h"
#include "oidc.h"
#include "routes.h"

#define GW_MAX_INFLIGHT 1024

/* Who is calling, once their token has been taken. */
typedef enum { GW_VIA_OIDC, GW_VIA_TOKEN } gw_via_t;
typedef struct {
    gw_via_t via;
    char staff_id[CD_STAFF_ID_MAX + 1];
    char org_id[65];
    unsigned roles;    /* CD_ROLE_*: the person's (and for a token, also the token's) */
    char token_id[24]; /* an API token's id; "" for OIDC */
} gw_principal_t;

/* One HTTP request from its arrival to its answer. */
typedef struct gw_call_t {
    cd_http_req_t *http;
    const gw_route_t *route;
    gw_param_t params[GW_MAX_PARAMS];
    int nparams;
    const char *ref; /* the {complaint_ref} parameter's value, or NULL */
    gw_principal_t who;
    /* the credential, until the directory has said who it is */
    char subject[256];
    char token_id[24];
    char token_hash[65];
    /* the operation */
    ProtobufCMessage *op;
    char idem_key[201]; /* the Idempotency-Key ("" when none) */
    char idem_hash[65]; /* of method, path and body */
    /* the bus */
    char request_id[CD_UUID_LEN + 1];
    int64_t deadline_us;
    int status;   /* the answer, once known */
    char *answer; /* its JSON */
    /* a file's answer (GW_FILE): its bytes, type and name */
    uint8_t *file;
    size_t file_len;
    char file_type[128];
    char file_name[160];
    struct gw_call_t *next;
} gw_call_t;

typedef struct {
    cd_daemon_t *daemon;
    cd_http_server_t *api;
    cd_db_t *db;
    cd_zsock_t *svc[GW_SVC_COUNT]; /* DEALER to each service (NULL for NONE) */
    const char *endpoint[GW_SVC_COUNT];
    uv_timer_t sweep; /* times out calls with no reply; reloads the keys */
    gw_call_t *calls; /* waiting for a service's reply */
    int ncalls;
    const char *http_addr;
    const char *tls_cert_file, *tls_key_file;
    const char *db_url;
    const char *db_password;
    const char *keys_dir; /* for --help; keys.c reads the variable itself */
    const char *jwks_file;
    const char *issuer;
    const char *audience;
    long leeway_s;
    long timeout_ms;
    long max_body;
    long rate_per_min_addr;
    long rate_per_min_token;
    gw_jwks_t *jwks;
    gw_limiter_t *by_addr, *by_token, *by_form;
    const char *form_orgs; /* bodies whose web form this gateway takes (comma-separated) */
    long form_rate;
    long form_max_body;
    cd_metric_t *m_requests, *m_timeouts, *m_refused_auth, *m_limited;
} gw_app_t;

extern gw_app_t gw_app;

/* api.c: every HTTP request; the JSON answers. */
void gw_on_http(cd_http_req_t *req, void *arg);
void gw_respond_json(cd_http_req_t *req, int status, const char *code, const char *field,
                     const char *message);
/* The gateway's own refusal: its status is the code's (errcode.c). */
void gw_respond_code(cd_http_req_t *req, cd_code_t code, const char *message);
/* Finish call: answer status/text (JSON), after recording what must be
 * recorded (store.c); frees call. */
void gw_finish(gw_call_t *call, int status, const char *text);
/* Finish call with a refusal. */
void gw_refuse(gw_call_t *call, cd_code_t code, const char *field, const char *message);
void gw_call_free(gw_call_t *call);

/* setup.c: the counters, the API's host and port (from CANDOUR_GATEWAY_HTTP),
 * the identity provider's keys, the database password and the rate
 * limiters: 0, 2 (a bad setting, told on stderr) or 1 (out of memory;
 * nothing of it kept). */
int gw_setup(char *host, size_t hostlen, int *port);

/* tls.c: HTTPS on api when CANDOUR_GATEWAY_TLS_CERT_FILE and _KEY_FILE are
 * given (both or neither): 0, or -1 (told on stderr). */
int gw_tls(cd_http_server_t *api);

/* form.c: POST /v1/public/complaints, a body's web form (no token). */
void gw_form(cd_http_req_t *req, const gw_route_t *route);

/* auth.c: the bearer token of the request into call's credential (0), or
 * a refusal already answered (-1). Then the directory's word on who it is:
 * gw_auth_resolve runs the look-up and calls gw_on_principal. */
int gw_auth_take(gw_call_t *call);
void gw_auth_resolve(gw_call_t *call);
void gw_on_principal(gw_call_t *call);

/* bus.c: send call's operation to its route's service; its Reply (or a
 * timeout, or the stop) finishes it. */
void gw_ask(gw_call_t *call);
/* The DEALERs to the services, each to its CANDOUR_<SVC>_ENDPOINT, each a
 * CURVE client with the suite's internal keys: 0, -1 (logged), or -2 when
 * the keys cannot be had (told: exit 2). */
int gw_bus_connect(uv_loop_t *loop);
void gw_on_reply(cd_zsock_t *sock, const cd_frame_t *f, int n, void *arg);
void gw_on_sweep(uv_timer_t *t);
void gw_calls_stop(void);

/* store.c: the idempotency key claimed (then gw_on_claimed), and the answer
 * recorded with the access log entry before it is sent. */
void gw_idem_claim(gw_call_t *call);
void gw_on_claimed(gw_call_t *call);
void gw_store_answer(gw_call_t *call);

#endif
