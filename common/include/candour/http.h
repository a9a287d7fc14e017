/* http.h - an HTTP/1.1 server on a libuv loop (libmicrohttpd, run by the
 * loop on its thread: see common/src/http.c).
 *
 * Used for every daemon's admin port (/healthz, /readyz, /metrics) and for the
 * gateway's API. A handler gets the parsed request and answers it, at once or
 * later (after a bus round trip) with cd_http_respond(). One request at a time
 * per connection: pipelined requests wait until the previous response has been
 * written. Keep-alive is honoured (HTTP/1.1 by default, HTTP/1.0 only with
 * "Connection: keep-alive").
 *
 * Input the server answers itself, without calling the handler, then closes:
 *   400  malformed request, or a bad %-escape (or %00) in the path
 *   413  body over max_body (announced or chunked); the body is not buffered
 *   414  request target over 8 KiB
 *   431  more than 64 headers, or more than 8 KiB of header names and values
 *   400  also: two Content-Lengths, Transfer-Encoding beside Content-Length,
 *        or a transfer coding other than chunked
 * A client has the idle timeout (30 s by default, in whole seconds, rounded
 * up) to send each whole request and to take each response; then the
 * connection is closed. A chunked body over max_body is read to its end and
 * dropped, then answered 413. Connections over
 * the cap (1024 by default) are accepted and closed at once.
 *
 * Hazards: everything must be called on the loop's thread. The server ignores
 * SIGPIPE (if it was at its default) because a client reset would otherwise
 * kill the process during a write. */
#ifndef CANDOUR_HTTP_H
#define CANDOUR_HTTP_H

#include <stddef.h>
#include <uv.h>

typedef struct cd_http_server_t cd_http_server_t;
typedef struct cd_http_req_t cd_http_req_t;

/* Called once per complete request. The handler must, now or later, call
 * cd_http_respond() exactly once for `req`. If the client disconnects first,
 * cd_http_respond() on that req is still safe (the response is dropped). A
 * request never answered is leaked, with its connection's turn. */
typedef void (*cd_http_handler_fn)(cd_http_req_t *req, void *arg);

/* Listen on host:port. host is an IPv4 or IPv6 literal ("127.0.0.1", "::1",
 * "0.0.0.0"); names are not resolved. Port 0 picks a free one (see
 * cd_http_server_port()). Returns NULL and logs if the address is bad or it
 * cannot bind or listen; its memory is then released once the loop runs. */
cd_http_server_t *cd_http_server_new(uv_loop_t *loop, const char *host, int port, size_t max_body,
                                     cd_http_handler_fn handler, void *arg);

/* Serve HTTPS (TLS by libmicrohttpd's GnuTLS) with this certificate chain
 * and private key, both PEM text (copied). Call before the loop first runs.
 * 0, or -1 (already started, out of memory, or no TLS in this build). A bad
 * certificate or key shows as the server failing to start (logged). */
int cd_http_server_set_tls(cd_http_server_t *s, const char *cert_pem, const char *key_pem);

/* The bound port (the real one when 0 was asked for). */
int cd_http_server_port(const cd_http_server_t *s);

/* Time a client has to send each whole request, and to take each response,
 * before its connection is closed. Default 30000 ms. Applies to deadlines
 * armed from now on. */
void cd_http_server_set_idle_timeout(cd_http_server_t *s, unsigned ms);

/* Most connections open at once; more are accepted and closed. Default 1024. */
void cd_http_server_set_max_connections(cd_http_server_t *s, int max);

/* Connections open now (including those closing); for a metrics gauge. */
int cd_http_server_connections(const cd_http_server_t *s);

/* Stop listening, close every connection (answers in flight are dropped; their
 * cd_http_respond() stays safe), free. Idempotent; nulls *ps. Memory is
 * released once libuv has closed the handles (run the loop). */
void cd_http_server_destroy(cd_http_server_t **ps);

/* Accessors: valid from the handler call until cd_http_respond(). */
const char *cd_http_req_method(const cd_http_req_t *req); /* "GET", "POST", ... */
const char *cd_http_req_path(const cd_http_req_t *req);   /* path without the query, decoded */
const char *cd_http_req_query(const cd_http_req_t *req);  /* raw query string or "" */
/* The body ("" if none) and its length in *len (len may be NULL). The body is
 * NUL-terminated for convenience but may itself contain NULs. */
const char *cd_http_req_body(const cd_http_req_t *req, size_t *len);
/* A request header by name (case-insensitive; the first if repeated), or NULL.
 * Surrounding blanks are removed from the value. */
const char *cd_http_req_header(const cd_http_req_t *req, const char *name);

/* The client's address ("127.0.0.1", "::1"), "" if unknown. */
const char *cd_http_req_peer(const cd_http_req_t *req);
/* A header for the response to come (before cd_http_respond): at most 16;
 * no CR, LF (or ':' in the name). 0, or -1 when refused. */
int cd_http_add_header(cd_http_req_t *req, const char *name, const char *value);

/* Send the response and release req (do not use it afterwards). status is
 * 200..599; `content_type` NULL means application/json and must not contain CR
 * or LF. The body is copied. A HEAD request gets the headers only; 204 and 304
 * send no body. */
void cd_http_respond(cd_http_req_t *req, int status, const char *content_type, const char *body,
                     size_t len);

#endif
