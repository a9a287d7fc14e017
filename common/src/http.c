/* http.c - a small HTTP/1.1 server on a libuv loop (contract in candour/http.h).
 *
 * Shape: a cd_http_server_t owns a listening uv_tcp_t and a list of
 * connections. Each connection owns a TCP handle, one timer and an http_parser.
 * Received bytes go through the parser; when a request is complete the parser
 * is paused and the request is handed to the handler, which answers now or
 * later with cd_http_respond(). Once the response is written the parser
 * resumes on any pipelined bytes that arrived meanwhile.
 *
 * A connection moves through a small table of states:
 *
 *   state      | bytes received          | timer            | leaves on
 *   -----------+-------------------------+------------------+---------------------------
 *   READING    | parsed                  | idle deadline    | request complete -> HANDLING
 *              |                         |                  | bad input -> LINGERING
 *   HANDLING   | kept in pending (capped)| none             | respond -> WRITING/LINGERING
 *   WRITING    | kept in pending (capped)| idle deadline    | written -> READING
 *   LINGERING  | discarded               | linger deadline  | peer EOF, timer -> CLOSING
 *   CLOSING    | -                       | -                | close callbacks -> freed
 *
 * Any read or write error, and any timer expiry, closes the connection.
 *
 * A request keeps a back pointer to its connection, cleared when the
 * connection closes, so a late respond for a vanished client is dropped
 * instead of touching freed memory. Handles are embedded in their owners and
 * freed from close callbacks; the server is reference counted by its listener
 * and its connections so it outlives the last close callback after
 * cd_http_server_destroy().
 *
 * Everything runs on the loop's thread; nothing here is thread-safe. */
#include "candour/http.h"

#include <assert.h>
#include <http_parser.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "candour/log.h"

/* Limits on what one client may make us hold. */
#define S_MAX_HEADERS 64         /* more -> 431 */
#define S_MAX_HEADER_BYTES 8192  /* names + values; more -> 431 */
#define S_MAX_URL 8192           /* request target; longer -> 414 */
#define S_READ_CHUNK 16384       /* bytes asked for per read */
#define S_MAX_PENDING 65536      /* pipelined bytes held while a request is handled */
#define S_DEFAULT_IDLE_MS 30000  /* time to send one whole request */
#define S_DEFAULT_MAX_CONNS 1024 /* open connections; beyond, new ones are closed */
#define S_LINGER_MS 2000         /* drain after a final response before closing */
#define S_BACKLOG 128

typedef enum { S_READING, S_HANDLING, S_WRITING, S_LINGERING, S_CLOSING } s_state_t;

typedef struct s_conn_t s_conn_t;

typedef struct {
    char *name;       /* as received, NUL-terminated */
    size_t name_len;  /* bytes in name */
    char *value;      /* as received less surrounding blanks, NUL-terminated */
    size_t value_len; /* bytes in value */
} s_header_t;

struct cd_http_req_t {
    s_conn_t *conn;                    /* connection to answer on; NULL once it has closed */
    const char *method;                /* static name from http_method_str() */
    char *url;                         /* raw request target, NUL-terminated */
    size_t url_len;                    /* bytes in url */
    char *path;                        /* decoded path, NUL-terminated */
    char *query;                       /* raw query without '?', or "" */
    s_header_t headers[S_MAX_HEADERS]; /* in arrival order */
    int nheaders;                      /* headers used */
    bool in_value;       /* last header callback was a value (next field starts a header) */
    size_t header_bytes; /* total of names and values, for the 431 limit */
    char *body;          /* NUL-terminated for convenience; may hold NULs */
    size_t body_len;     /* bytes in body */
    bool keep_alive;     /* the client may send another request after this one */
    bool head;           /* HEAD: answer with headers only */
};

struct s_conn_t {
    uv_tcp_t tcp;             /* the client socket; data = this */
    uv_timer_t timer;         /* idle or linger deadline; data = this */
    uv_shutdown_t shutdown;   /* sends FIN after the final response */
    http_parser parser;       /* request parser; data = this */
    cd_http_server_t *server; /* owner (holds a reference) */
    s_conn_t *prev, *next;    /* in server->conns */
    s_state_t state;          /* see the table at the top */
    int open_handles;         /* tcp + timer not yet closed; freed at 0 */
    cd_http_req_t *req;       /* being parsed, then handed to the handler */
    cd_http_req_t *active;    /* handed to the handler, not yet answered */
    int error_status;         /* status chosen by a parser callback that refused input */
    char *pending;            /* received but not yet parsed (pipelined) */
    size_t pending_len;       /* bytes in pending */
    bool reading;             /* uv_read_start is in force */
    bool eof;                 /* the client has finished sending */
};

struct cd_http_server_t {
    uv_loop_t *loop;            /* loop everything runs on */
    uv_tcp_t listener;          /* listening socket; data = this */
    cd_http_handler_fn handler; /* called once per complete request */
    void *arg;                  /* for handler */
    size_t max_body;            /* larger bodies get 413 */
    int port;                   /* bound port */
    uint64_t idle_ms;           /* deadline for each request, and for each write */
    int max_conns;              /* cap on open connections */
    int nconns;                 /* connections not yet freed */
    s_conn_t *conns;            /* list of connections, newest first */
    int refs;                   /* listener + connections; freed at 0 */
    bool closing;               /* destroy has been called (or listen failed) */
};

typedef struct {
    uv_write_t req; /* libuv write request; data = conn */
    bool final;     /* a full response (not a 100 Continue) */
    size_t len;     /* bytes in data */
    char data[];    /* copy of what is written */
} s_write_t;

static void s_conn_close(s_conn_t *conn);
static void s_conn_parse(s_conn_t *conn, const char *data, size_t len);

/* ------------------------------------------------------------------------
 * Requests */

static void s_req_free(cd_http_req_t *req)
{
    if (!req)
        return;
    free(req->url);
    free(req->path);
    free(req->query);
    for (int i = 0; i < req->nheaders; i++) {
        free(req->headers[i].name);
        free(req->headers[i].value);
    }
    free(req->body);
    free(req);
}

/* The capacity of a growing buffer holding len bytes and a NUL: the next power
 * of two, so it need not be stored and appends stay linear overall. */
static size_t s_cap_for(size_t len)
{
    size_t cap = 32;
    while (cap < len + 1)
        cap *= 2;
    return cap;
}

/* Append n bytes to a NUL-terminated growing buffer (*buf may be NULL). */
static int s_append(char **buf, size_t *len, const char *at, size_t n)
{
    size_t cap = s_cap_for(*len + n);
    if (!*buf || cap > s_cap_for(*len)) {
        char *p = realloc(*buf, cap);
        if (!p)
            return -1;
        *buf = p;
    }
    memcpy(*buf + *len, at, n);
    *len += n;
    (*buf)[*len] = '\0';
    return 0;
}

static int s_hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode %XX escapes. Returns a new string, or NULL for a broken escape or an
 * encoded NUL (which would silently truncate the C string handlers see). '+'
 * is left alone: it means space only in form-encoded queries, not in paths. */
static char *s_percent_decode(const char *in, size_t len, bool *bad)
{
    char *out = malloc(len + 1);
    *bad = false;
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (in[i] != '%') {
            out[o++] = in[i];
            continue;
        }
        if (i + 2 >= len) {
            *bad = true;
            break;
        }
        int h = s_hex(in[i + 1]), l = s_hex(in[i + 2]);
        if (h < 0 || l < 0 || (h == 0 && l == 0)) {
            *bad = true;
            break;
        }
        out[o++] = (char)(h * 16 + l);
        i += 2;
    }
    if (*bad) {
        free(out);
        return NULL;
    }
    out[o] = '\0';
    return out;
}

static char *s_strndup(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

/* ------------------------------------------------------------------------
 * Parser callbacks. Each returns nonzero to stop the parser; when it does so
 * for a reason of its own it sets conn->error_status to the answer to give. */

static int s_refuse_input(s_conn_t *conn, int status)
{
    conn->error_status = status;
    return -1;
}

static int s_on_message_begin(http_parser *p)
{
    s_conn_t *conn = p->data;
    assert(!conn->req);
    conn->req = calloc(1, sizeof *conn->req);
    if (!conn->req)
        return s_refuse_input(conn, 500);
    conn->req->conn = conn;
    return 0;
}

static int s_on_url(http_parser *p, const char *at, size_t n)
{
    s_conn_t *conn = p->data;
    cd_http_req_t *req = conn->req;
    if (req->url_len + n > S_MAX_URL)
        return s_refuse_input(conn, 414);
    if (s_append(&req->url, &req->url_len, at, n) != 0)
        return s_refuse_input(conn, 500);
    return 0;
}

static int s_count_header_bytes(s_conn_t *conn, size_t n)
{
    conn->req->header_bytes += n;
    return conn->req->header_bytes > S_MAX_HEADER_BYTES ? -1 : 0;
}

static int s_on_header_field(http_parser *p, const char *at, size_t n)
{
    s_conn_t *conn = p->data;
    cd_http_req_t *req = conn->req;
    if (s_count_header_bytes(conn, n) != 0)
        return s_refuse_input(conn, 431);
    /* A field may arrive in several pieces (split across reads); a new header
     * begins only after a value, or at the very first field. */
    if (req->nheaders == 0 || req->in_value) {
        if (req->nheaders == S_MAX_HEADERS)
            return s_refuse_input(conn, 431);
        req->nheaders++;
        req->in_value = false;
    }
    s_header_t *h = &req->headers[req->nheaders - 1];
    if (s_append(&h->name, &h->name_len, at, n) != 0)
        return s_refuse_input(conn, 500);
    return 0;
}

static int s_on_header_value(http_parser *p, const char *at, size_t n)
{
    s_conn_t *conn = p->data;
    cd_http_req_t *req = conn->req;
    assert(req->nheaders > 0);
    if (s_count_header_bytes(conn, n) != 0)
        return s_refuse_input(conn, 431);
    req->in_value = true;
    s_header_t *h = &req->headers[req->nheaders - 1];
    if (s_append(&h->value, &h->value_len, at, n) != 0)
        return s_refuse_input(conn, 500);
    return 0;
}

/* Split the request target into a decoded path and a raw query. */
static int s_split_url(s_conn_t *conn, cd_http_req_t *req)
{
    struct http_parser_url u;
    http_parser_url_init(&u);
    if (!req->url ||
        http_parser_parse_url(req->url, req->url_len, conn->parser.method == HTTP_CONNECT, &u) != 0)
        return 400;
    bool bad = false;
    if (u.field_set & (1 << UF_PATH))
        req->path =
            s_percent_decode(req->url + u.field_data[UF_PATH].off, u.field_data[UF_PATH].len, &bad);
    else
        req->path = s_strndup("/", 1); /* absolute-form without a path: "http://h" */
    if (bad)
        return 400;
    if (u.field_set & (1 << UF_QUERY))
        req->query = s_strndup(req->url + u.field_data[UF_QUERY].off, u.field_data[UF_QUERY].len);
    else
        req->query = s_strndup("", 0);
    if (!req->path || !req->query)
        return 500;
    return 0;
}

static void s_trim_value(s_header_t *h)
{
    if (!h->value) {
        /* a header with an empty value may never get a value callback */
        h->value = s_strndup("", 0);
        h->value_len = 0;
        return;
    }
    while (h->value_len > 0 &&
           (h->value[h->value_len - 1] == ' ' || h->value[h->value_len - 1] == '\t'))
        h->value[--h->value_len] = '\0';
}

static int s_send_interim(s_conn_t *conn);

static int s_on_headers_complete(http_parser *p)
{
    s_conn_t *conn = p->data;
    cd_http_req_t *req = conn->req;
    for (int i = 0; i < req->nheaders; i++) {
        s_trim_value(&req->headers[i]);
        if (!req->headers[i].value || !req->headers[i].name)
            return s_refuse_input(conn, 500);
    }
    req->method = http_method_str((enum http_method)p->method);
    req->head = p->method == HTTP_HEAD;
    /* Refuse an announced oversize body now, before any of it is read. */
    if (p->content_length != ULLONG_MAX && p->content_length > conn->server->max_body)
        return s_refuse_input(conn, 413);
    int status = s_split_url(conn, req);
    if (status != 0)
        return s_refuse_input(conn, status);
    /* curl and others wait (about a second) for this before sending a body. */
    const char *expect = cd_http_req_header(req, "Expect");
    if (expect && strcasecmp(expect, "100-continue") == 0 && p->http_major == 1 &&
        p->http_minor >= 1 && s_send_interim(conn) != 0)
        return s_refuse_input(conn, 500); /* the answer will fail too, and close */
    return 0;
}

static int s_on_body(http_parser *p, const char *at, size_t n)
{
    s_conn_t *conn = p->data;
    cd_http_req_t *req = conn->req;
    /* Chunked bodies announce no length, so the limit is also checked here. */
    if (req->body_len + n > conn->server->max_body)
        return s_refuse_input(conn, 413);
    if (s_append(&req->body, &req->body_len, at, n) != 0)
        return s_refuse_input(conn, 500);
    return 0;
}

static int s_on_message_complete(http_parser *p)
{
    s_conn_t *conn = p->data;
    cd_http_req_t *req = conn->req;
    /* After an Upgrade (or CONNECT) the bytes that follow are not HTTP. */
    req->keep_alive = http_should_keep_alive(p) && !p->upgrade;
    /* Stop here: the handler may answer later, and any pipelined request must
     * wait its turn. s_conn_parse() sees HPE_PAUSED and dispatches. */
    http_parser_pause(p, 1);
    return 0;
}

static const http_parser_settings s_settings = {
    .on_message_begin = s_on_message_begin,
    .on_url = s_on_url,
    .on_header_field = s_on_header_field,
    .on_header_value = s_on_header_value,
    .on_headers_complete = s_on_headers_complete,
    .on_body = s_on_body,
    .on_message_complete = s_on_message_complete,
};

/* ------------------------------------------------------------------------
 * Connections */

static void s_server_unref(cd_http_server_t *s)
{
    assert(s->refs > 0);
    if (--s->refs == 0)
        free(s);
}

static void s_on_conn_closed(uv_handle_t *h)
{
    s_conn_t *conn = h->data;
    if (--conn->open_handles > 0)
        return;
    cd_http_server_t *s = conn->server;
    if (conn->prev)
        conn->prev->next = conn->next;
    else
        s->conns = conn->next;
    if (conn->next)
        conn->next->prev = conn->prev;
    s->nconns--;
    free(conn);
    s_server_unref(s);
}

/* Close now. Safe to call in any state and more than once. */
static void s_conn_close(s_conn_t *conn)
{
    if (conn->state == S_CLOSING)
        return;
    conn->state = S_CLOSING;
    /* The handler still owns an unanswered request; cut it loose so its
     * cd_http_respond() becomes a no-op instead of a use after free. */
    if (conn->active) {
        conn->active->conn = NULL;
        conn->active = NULL;
    }
    s_req_free(conn->req);
    conn->req = NULL;
    free(conn->pending);
    conn->pending = NULL;
    conn->pending_len = 0;
    uv_close((uv_handle_t *)&conn->tcp, s_on_conn_closed);
    uv_close((uv_handle_t *)&conn->timer, s_on_conn_closed);
}

static void s_on_timeout(uv_timer_t *t)
{
    s_conn_close(t->data);
}

static void s_arm_timer(s_conn_t *conn, uint64_t ms)
{
    uv_timer_start(&conn->timer, s_on_timeout, ms, 0);
}

static void s_on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    size_t n = suggested < S_READ_CHUNK ? suggested : S_READ_CHUNK;
    buf->base = malloc(n);
    buf->len = buf->base ? n : 0; /* 0 makes libuv report UV_ENOBUFS */
}

static void s_on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf);

static void s_read_start(s_conn_t *conn)
{
    if (conn->reading || conn->eof)
        return;
    if (uv_read_start((uv_stream_t *)&conn->tcp, s_on_alloc, s_on_read) != 0) {
        s_conn_close(conn);
        return;
    }
    conn->reading = true;
}

static void s_read_stop(s_conn_t *conn)
{
    if (!conn->reading)
        return;
    uv_read_stop((uv_stream_t *)&conn->tcp);
    conn->reading = false;
}

static void s_on_write(uv_write_t *w, int status);

static void s_on_shutdown(uv_shutdown_t *sh, int status)
{
    s_conn_t *conn = sh->handle->data;
    if (conn->state == S_CLOSING)
        return;
    /* Once the client has stopped sending there is nothing left to drain. */
    if (status < 0 || conn->eof)
        s_conn_close(conn);
}

/* Queue bytes for writing; the copy is freed in s_on_write (or here if the
 * write cannot even be queued, which the caller then handles). */
static int s_write(s_conn_t *conn, s_write_t *w)
{
    w->req.data = conn;
    uv_buf_t b = uv_buf_init(w->data, (unsigned)w->len);
    int rc = uv_write(&w->req, (uv_stream_t *)&conn->tcp, &b, 1, s_on_write);
    if (rc != 0)
        free(w);
    return rc;
}

/* Called from inside the parser, so it must not close the connection (that
 * would free the request under the parser's feet); it reports failure and
 * the caller stops the parser instead. */
static int s_send_interim(s_conn_t *conn)
{
    static const char line[] = "HTTP/1.1 100 Continue\r\n\r\n";
    s_write_t *w = malloc(sizeof *w + sizeof line);
    if (!w)
        return 0; /* the client sends the body anyway after its own wait */
    w->final = false;
    w->len = sizeof line - 1;
    memcpy(w->data, line, sizeof line);
    return s_write(conn, w);
}

static const char *s_reason(int status)
{
    const char *r = http_status_str((enum http_status)status);
    return strcmp(r, "<unknown>") == 0 ? "Unknown" : r;
}

/* Write a complete response, then either wait for the next request
 * (keep_alive) or send FIN and drain until the client closes. */
static void s_conn_send(s_conn_t *conn, int status, const char *content_type, const char *body,
                        size_t len, bool head, bool keep_alive)
{
    assert(conn->state == S_READING || conn->state == S_HANDLING);
    /* 204 and 304 carry no body and, by RFC 9110, no Content-Length. */
    bool bodiless = status == 204 || status == 304;
    char clen[48] = "";
    if (!bodiless)
        snprintf(clen, sizeof clen, "Content-Length: %zu\r\n", len);
    if (bodiless || head)
        len = 0;
#define S_RESPONSE_HEAD "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n%sConnection: %s\r\n\r\n"
    const char *conn_hdr = keep_alive ? "keep-alive" : "close";
    int hlen = snprintf(NULL, 0, S_RESPONSE_HEAD, status, s_reason(status), content_type, clen, conn_hdr);
    assert(hlen > 0);
    s_write_t *w = malloc(sizeof *w + (size_t)hlen + 1 + len);
    if (!w) {
        s_conn_close(conn);
        return;
    }
    w->final = true;
    snprintf(w->data, (size_t)hlen + 1, S_RESPONSE_HEAD, status, s_reason(status), content_type, clen,
             conn_hdr);
    if (len)
        memcpy(w->data + hlen, body, len);
    w->len = (size_t)hlen + len;
    if (s_write(conn, w) != 0) {
        s_conn_close(conn);
        return;
    }

    if (keep_alive) {
        /* A client that stops reading must not pin the write forever. */
        conn->state = S_WRITING;
        s_arm_timer(conn, conn->server->idle_ms);
        return;
    }
    /* Closing straight away with unread input makes the kernel send RST, which
     * can destroy the response before the client reads it (the usual case
     * with 413: the client is still sending its body). So: FIN after the
     * write, then read and discard until the client closes or time runs out. */
    conn->state = S_LINGERING;
    free(conn->pending);
    conn->pending = NULL;
    conn->pending_len = 0;
    if (uv_shutdown(&conn->shutdown, (uv_stream_t *)&conn->tcp, s_on_shutdown) != 0) {
        s_conn_close(conn);
        return;
    }
    s_arm_timer(conn, S_LINGER_MS);
    s_read_start(conn);
}

/* Answer bad input ourselves; the handler never sees the request. */
static void s_conn_fail(s_conn_t *conn, int status)
{
    s_req_free(conn->req);
    conn->req = NULL;
    char body[96];
    int n = snprintf(body, sizeof body, "{\"error\":\"%s\"}", s_reason(status));
    s_conn_send(conn, status, "application/json", body, (size_t)n, false, false);
}

static void s_conn_dispatch(s_conn_t *conn)
{
    cd_http_req_t *req = conn->req;
    assert(req && !conn->active);
    conn->req = NULL;
    conn->active = req;
    conn->state = S_HANDLING;
    /* The handler may take as long as it needs (a bus round trip); the client
     * is still watched for errors because reads continue into pending. */
    uv_timer_stop(&conn->timer);
    cd_http_server_t *s = conn->server;
    s->handler(req, s->arg);
}

/* Feed bytes to the parser (state READING). Stops at a complete request,
 * keeping the rest in pending, or at bad input, which is answered. */
static void s_conn_parse(s_conn_t *conn, const char *data, size_t len)
{
    assert(conn->state == S_READING && !conn->pending);
    size_t n = http_parser_execute(&conn->parser, &s_settings, data, len);
    assert(conn->state == S_READING); /* callbacks never close or answer */
    enum http_errno err = HTTP_PARSER_ERRNO(&conn->parser);
    if (err == HPE_PAUSED) {
        assert(n <= len);
        if (n < len) {
            conn->pending = s_strndup(data + n, len - n);
            if (!conn->pending) {
                s_conn_close(conn);
                return;
            }
            conn->pending_len = len - n;
        }
        s_conn_dispatch(conn);
        return;
    }
    if (err != HPE_OK) {
        int status = conn->error_status ? conn->error_status : 400;
        if (err == HPE_HEADER_OVERFLOW)
            status = 431;
        s_conn_fail(conn, status);
    }
}

/* The response is written: take the next pipelined request, if any. */
static void s_conn_resume(s_conn_t *conn)
{
    assert(conn->state == S_WRITING);
    conn->state = S_READING;
    s_arm_timer(conn, conn->server->idle_ms);
    http_parser_pause(&conn->parser, 0);
    if (conn->pending) {
        char *data = conn->pending;
        size_t len = conn->pending_len;
        conn->pending = NULL;
        conn->pending_len = 0;
        s_conn_parse(conn, data, len);
        free(data);
    }
    if (conn->state != S_READING)
        return;
    if (conn->eof)
        s_conn_close(conn); /* the client sent everything and all of it is answered */
    else
        s_read_start(conn);
}

static void s_on_write(uv_write_t *wr, int status)
{
    s_write_t *w = (s_write_t *)wr;
    s_conn_t *conn = wr->data;
    bool final = w->final;
    free(w);
    /* Write callbacks run before close callbacks, so conn is still allocated. */
    if (conn->state == S_CLOSING)
        return;
    if (status < 0)
        s_conn_close(conn);
    else if (final && conn->state == S_WRITING)
        s_conn_resume(conn);
}

static void s_on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    s_conn_t *conn = stream->data;
    if (nread == UV_EOF) {
        conn->eof = true;
        s_read_stop(conn);
        /* While a request is in hand the client may simply have half-closed
         * after sending it; answer first, then close. */
        if (conn->state == S_READING || conn->state == S_LINGERING)
            s_conn_close(conn);
    } else if (nread < 0) {
        s_conn_close(conn);
    } else if (nread > 0) {
        switch (conn->state) {
        case S_READING:
            s_conn_parse(conn, buf->base, (size_t)nread);
            break;
        case S_HANDLING:
        case S_WRITING:
            if (s_append(&conn->pending, &conn->pending_len, buf->base, (size_t)nread) != 0)
                s_conn_close(conn);
            else if (conn->pending_len >= S_MAX_PENDING)
                s_read_stop(conn); /* backpressure on a client that pipelines too far */
            break;
        case S_LINGERING:
            break; /* discarded */
        case S_CLOSING:
            break;
        }
    }
    free(buf->base);
}

/* ------------------------------------------------------------------------
 * Listener */

static void s_on_refused_closed(uv_handle_t *h)
{
    free(h);
}

/* Over the connection cap: accept and close at once. Not accepting would
 * stall the listener (libuv stops polling it until uv_accept is called). */
static void s_refuse(cd_http_server_t *s)
{
    uv_tcp_t *t = malloc(sizeof *t);
    if (!t || uv_tcp_init(s->loop, t) != 0) {
        free(t);
        return;
    }
    (void)uv_accept((uv_stream_t *)&s->listener, (uv_stream_t *)t);
    uv_close((uv_handle_t *)t, s_on_refused_closed);
}

static void s_on_connection(uv_stream_t *listener, int status)
{
    cd_http_server_t *s = listener->data;
    if (status < 0) {
        cd_log_warn("http.accept_failed", "{s:s}", "error", uv_strerror(status));
        return;
    }
    if (s->nconns >= s->max_conns) {
        cd_log_warn("http.connection_refused", "{s:i}", "open", s->nconns);
        s_refuse(s);
        return;
    }
    s_conn_t *conn = calloc(1, sizeof *conn);
    if (!conn) {
        s_refuse(s);
        return;
    }
    uv_tcp_init(s->loop, &conn->tcp);
    uv_timer_init(s->loop, &conn->timer);
    conn->tcp.data = conn;
    conn->timer.data = conn;
    conn->open_handles = 2;
    conn->server = s;
    conn->state = S_READING;
    conn->next = s->conns;
    if (s->conns)
        s->conns->prev = conn;
    s->conns = conn;
    s->nconns++;
    s->refs++;
    http_parser_init(&conn->parser, HTTP_REQUEST);
    conn->parser.data = conn;
    if (uv_accept(listener, (uv_stream_t *)&conn->tcp) != 0) {
        s_conn_close(conn);
        return;
    }
    /* One write per response; Nagle would only add delay. */
    uv_tcp_nodelay(&conn->tcp, 1);
    s_arm_timer(conn, s->idle_ms);
    s_read_start(conn);
}

static void s_on_listener_closed(uv_handle_t *h)
{
    s_server_unref(h->data);
}

/* ------------------------------------------------------------------------
 * Public API */

cd_http_server_t *cd_http_server_new(uv_loop_t *loop, const char *host, int port, size_t max_body,
                                     cd_http_handler_fn handler, void *arg)
{
    assert(loop && host && handler);
    assert(port >= 0 && port <= 65535);
    struct sockaddr_storage addr;
    memset(&addr, 0, sizeof addr);
    if (uv_ip4_addr(host, port, (struct sockaddr_in *)&addr) != 0 &&
        uv_ip6_addr(host, port, (struct sockaddr_in6 *)&addr) != 0) {
        cd_log_error("http.bad_address", "{s:s, s:i}", "host", host, "port", port);
        return NULL;
    }
    /* libuv writes with write(2), so a client that resets a connection would
     * kill the process with SIGPIPE. Ignore it unless someone chose otherwise. */
    struct sigaction sa;
    if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
        signal(SIGPIPE, SIG_IGN);

    cd_http_server_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->loop = loop;
    s->handler = handler;
    s->arg = arg;
    s->max_body = max_body;
    s->idle_ms = S_DEFAULT_IDLE_MS;
    s->max_conns = S_DEFAULT_MAX_CONNS;
    int rc = uv_tcp_init(loop, &s->listener);
    if (rc != 0) {
        free(s);
        return NULL;
    }
    s->listener.data = s;
    s->refs = 1;
    rc = uv_tcp_bind(&s->listener, (const struct sockaddr *)&addr, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&s->listener, S_BACKLOG, s_on_connection);
    if (rc == 0) {
        struct sockaddr_storage bound;
        int blen = sizeof bound;
        rc = uv_tcp_getsockname(&s->listener, (struct sockaddr *)&bound, &blen);
        if (rc == 0)
            s->port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                                        : ((struct sockaddr_in *)&bound)->sin_port);
    }
    if (rc != 0) {
        cd_log_error("http.listen_failed", "{s:s, s:i, s:s}", "host", host, "port", port, "error",
                     uv_strerror(rc));
        s->closing = true;
        uv_close((uv_handle_t *)&s->listener, s_on_listener_closed);
        return NULL;
    }
    return s;
}

int cd_http_server_port(const cd_http_server_t *s)
{
    assert(s);
    return s->port;
}

void cd_http_server_set_idle_timeout(cd_http_server_t *s, unsigned ms)
{
    assert(s && ms > 0);
    s->idle_ms = ms;
}

void cd_http_server_set_max_connections(cd_http_server_t *s, int max)
{
    assert(s && max > 0);
    s->max_conns = max;
}

int cd_http_server_connections(const cd_http_server_t *s)
{
    assert(s);
    return s->nconns;
}

void cd_http_server_destroy(cd_http_server_t **ps)
{
    assert(ps);
    cd_http_server_t *s = *ps;
    if (!s)
        return;
    *ps = NULL;
    assert(!s->closing);
    s->closing = true;
    uv_close((uv_handle_t *)&s->listener, s_on_listener_closed);
    for (s_conn_t *conn = s->conns; conn; conn = conn->next)
        s_conn_close(conn);
}

const char *cd_http_req_method(const cd_http_req_t *req)
{
    assert(req);
    return req->method;
}

const char *cd_http_req_path(const cd_http_req_t *req)
{
    assert(req);
    return req->path;
}

const char *cd_http_req_query(const cd_http_req_t *req)
{
    assert(req);
    return req->query;
}

const char *cd_http_req_body(const cd_http_req_t *req, size_t *len)
{
    assert(req);
    if (len)
        *len = req->body_len;
    return req->body ? req->body : "";
}

const char *cd_http_req_header(const cd_http_req_t *req, const char *name)
{
    assert(req && name);
    for (int i = 0; i < req->nheaders; i++)
        if (strcasecmp(req->headers[i].name, name) == 0)
            return req->headers[i].value;
    return NULL;
}

void cd_http_respond(cd_http_req_t *req, int status, const char *content_type, const char *body,
                     size_t len)
{
    assert(req);
    assert(status >= 200 && status <= 599);
    assert(body || len == 0);
    if (!content_type)
        content_type = "application/json";
    /* A CR or LF here would let a caller inject headers: a bug, not input. */
    assert(!strpbrk(content_type, "\r\n"));
    s_conn_t *conn = req->conn;
    if (conn) {
        assert(conn->active == req && conn->state == S_HANDLING);
        conn->active = NULL;
        /* Keep the connection only if the client wants it and there is (or
         * may be) another request to come. */
        bool keep = req->keep_alive && !(conn->eof && !conn->pending);
        s_conn_send(conn, status, content_type, body, len, req->head, keep);
    }
    s_req_free(req);
}
