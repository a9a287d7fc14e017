/* http_int.h - what http.c and http_req.c share (internal to libcandour).
 *
 * The server is libmicrohttpd (MHD) run single-threaded inside the libuv
 * loop: MHD in its external-epoll mode, a uv_poll_t on its epoll fd and a
 * uv_timer_t from MHD_get_timeout, both calling MHD_run (http.c). Each
 * request is an http_req_t from MHD's URI callback to its completion; its
 * access handler (http_req.c) checks it, gathers the body, calls the
 * Candour handler, and suspends the connection until cd_http_respond. */
#ifndef CANDOUR_HTTP_INT_H
#define CANDOUR_HTTP_INT_H

#include <microhttpd.h>
#include <stdbool.h>

#include "candour/http.h"

#define CD_HTTP_MAX_TARGET 8192       /* 414 beyond */
#define CD_HTTP_MAX_HEADERS 64        /* 431 beyond */
#define CD_HTTP_MAX_HEADER_BYTES 8192 /* 431 beyond: names and values */

struct cd_http_server_t {
    uv_loop_t *loop;
    struct MHD_Daemon *d; /* NULL until started (the loop's first turn) */
    uv_poll_t poll;       /* MHD's epoll fd */
    uv_timer_t timer;     /* the start, then MHD's next timeout */
    int handles_open;     /* freed when the last one has closed */
    int lfd;              /* the listening socket, MHD's once started */
    int port;
    size_t max_body;
    char *tls_cert, *tls_key; /* PEM, when served over TLS */
    cd_http_handler_fn handler;
    void *arg;
    unsigned idle_ms;
    int max_conns;
    int conns; /* open now */
    bool started;
    bool running;             /* inside MHD_run */
    bool destroy_pending;     /* destroyed from a handler inside MHD_run */
    cd_http_req_t *suspended; /* requests waiting for their answer */
};

enum { CD_RQ_READING, CD_RQ_HANDLER, CD_RQ_ANSWERED, CD_RQ_REFUSED };

struct cd_http_req_t {
    cd_http_server_t *s;
    struct MHD_Connection *conn; /* NULL once the connection is gone */
    int state;
    bool suspended;
    bool orphan; /* the connection went while the handler had it: drop the answer */
    cd_http_req_t *snext, *sprev;
    uv_poll_t *watch; /* the client's socket while suspended: notices a reset */
    char **trimmed;   /* header values with trailing blanks removed */
    size_t ntrimmed;
    char *raw; /* the request target as sent */
    char *path;
    const char *query;
    const char *method;
    char *body;
    size_t len, cap;
    int refuse_status;
    char peer[64]; /* the client's address ("" if unknown) */
    /* the answer */
    char **headers; /* extra response headers: name, value, ... */
    size_t nheaders;
    int status;
    char *ctype;
    char *rbody;
    size_t rlen;
};

/* http_req.c: MHD's callbacks for a request. */
void *cd_http_uri_cb(void *cls, const char *uri, struct MHD_Connection *c);
enum MHD_Result cd_http_access_cb(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls);
void cd_http_completed_cb(void *cls, struct MHD_Connection *c, void **con_cls,
                          enum MHD_RequestTerminationCode toe);
void cd_http_req_free(cd_http_req_t *r);
/* Out of the suspended list, and no longer watched. */
void cd_http_unsuspend(cd_http_req_t *r);

/* http.c: run MHD now (unless it is running: the resume is picked up). */
void cd_http_run(cd_http_server_t *s);

#endif
