/* http_req.c - one HTTP request through libmicrohttpd's callbacks (see
 * http_int.h): checked when its headers are in (what candour/http.h says the
 * server answers itself), its body gathered up to the cap, handed to the
 * handler, and its connection suspended until cd_http_respond.
 *
 * What MHD 0.9.75 lets through and Candour refuses here: a bad %-escape or
 * %00 in the path (MHD keeps or cuts it), two Content-Lengths, a
 * Transfer-Encoding beside a Content-Length (request smuggling) or other than
 * chunked (MHD would wait for ever), and our own limits on the target and the
 * headers (MHD's are its 32 KiB buffer). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "candour/log.h"
#include "candour/util.h"
#include "http_int.h"

/* ---------------------------------------------------------------- suspension */

static void s_watch_closed(uv_handle_t *h)
{
    free(h);
}

static void s_watch_stop(cd_http_req_t *r)
{
    if (r->watch) {
        uv_close((uv_handle_t *)r->watch, s_watch_closed);
        r->watch = NULL;
    }
}

void cd_http_unsuspend(cd_http_req_t *r)
{
    if (!r->suspended)
        return;
    s_watch_stop(r);
    r->suspended = false;
    if (r->sprev)
        r->sprev->snext = r->snext;
    else
        r->s->suspended = r->snext;
    if (r->snext)
        r->snext->sprev = r->sprev;
    r->snext = r->sprev = NULL;
}

/* MHD does not watch a suspended connection, so a client that resets while
 * the handler is busy would go unnoticed until the answer is written: watch
 * its socket. An error (a reset) resumes it unanswered, which closes it; a
 * plain half-close is a client waiting for its answer, and is left alone. */
static void s_on_watch(uv_poll_t *p, int status, int events)
{
    (void)events;
    cd_http_req_t *r = p->data;
    uv_os_fd_t fd = -1;
    int err = 0;
    socklen_t len = sizeof err;
    if (status >= 0 && uv_fileno((uv_handle_t *)p, &fd) == 0)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    s_watch_stop(r);
    if (status >= 0 && err == 0)
        return;
    cd_http_unsuspend(r);
    MHD_resume_connection(r->conn);
    cd_http_run(r->s);
}

static void s_suspend(cd_http_req_t *r)
{
    cd_http_server_t *s = r->s;
    MHD_suspend_connection(r->conn);
    r->suspended = true;
    r->snext = s->suspended;
    if (s->suspended)
        s->suspended->sprev = r;
    s->suspended = r;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    r->watch = ci ? calloc(1, sizeof *r->watch) : NULL;
    if (!r->watch)
        return; /* unwatched: a reset is noticed when the answer is written */
    if (uv_poll_init_socket(s->loop, r->watch, ci->connect_fd) != 0) {
        free(r->watch);
        r->watch = NULL;
        return;
    }
    r->watch->data = r;
    uv_poll_start(r->watch, UV_DISCONNECT, s_on_watch);
}

/* ---------------------------------------------------------------- checks */

/* The path (n bytes of p) %-decoded, malloc'd; NULL for a bad escape or %00
 * (and out of memory: a 400 either way). */
static char *s_decode_path(const char *p, size_t n)
{
    char *out = malloc(n + 1), *o = out;
    for (size_t i = 0; out && i < n; i++) {
        if (p[i] != '%') {
            *o++ = p[i];
            continue;
        }
        int h = i + 2 < n ? cd_hex_value((unsigned char)p[i + 1]) : -1;
        int l = i + 2 < n ? cd_hex_value((unsigned char)p[i + 2]) : -1;
        if (h < 0 || l < 0 || (h == 0 && l == 0)) {
            free(out);
            return NULL;
        }
        *o++ = (char)(h * 16 + l);
        i += 2;
    }
    if (out)
        *o = '\0';
    return out;
}

typedef struct {
    int n;
    size_t bytes;
    int content_lengths;
} s_headers_t;

static enum MHD_Result s_count(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
    (void)kind;
    s_headers_t *h = cls;
    h->n++;
    h->bytes += strlen(key) + (value ? strlen(value) : 0);
    h->content_lengths += strcasecmp(key, "Content-Length") == 0;
    return MHD_YES;
}

/* The status to answer a request with before its body, or 0 to go on. */
static int s_refusal(cd_http_req_t *r, struct MHD_Connection *c)
{
    s_headers_t h = {0};
    MHD_get_connection_values(c, MHD_HEADER_KIND, s_count, &h);
    size_t rawlen = strlen(r->raw);
    if (rawlen > CD_HTTP_MAX_TARGET)
        return 414;
    const char *te = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Transfer-Encoding");
    if ((te && (h.content_lengths > 0 || strcasecmp(te, "chunked") != 0)) || h.content_lengths > 1)
        return 400;
    if (h.n > CD_HTTP_MAX_HEADERS || h.bytes > CD_HTTP_MAX_HEADER_BYTES)
        return 431;
    const char *q = strchr(r->raw, '?');
    r->query = q ? q + 1 : "";
    r->path = s_decode_path(r->raw, q ? (size_t)(q - r->raw) : rawlen);
    if (!r->path)
        return 400;
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    if (cl && strtoull(cl, NULL, 10) > r->s->max_body)
        return 413;
    return 0;
}

/* ---------------------------------------------------------------- answers */

static enum MHD_Result s_queue_with(struct MHD_Connection *c, int status, const char *ctype,
                                    const char *body, size_t len, bool close, char *const *headers,
                                    size_t nheaders)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO; /* out of memory: MHD closes the connection */
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    for (size_t i = 0; i + 1 < nheaders; i += 2)
        MHD_add_response_header(resp, headers[i], headers[i + 1]);
    if (close)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result s_queue(struct MHD_Connection *c, int status, const char *ctype,
                               const char *body, size_t len, bool close)
{
    return s_queue_with(c, status, ctype, body, len, close, NULL, 0);
}

/* What the server itself refuses, as the gateway's typed errors are written
 * (errcode.h's names), so that a client reads every refusal the same way. */
static const char *s_refusal_body(int status)
{
    switch (status) {
    case 413:
        return "{\"error\":{\"code\":\"TOO_LARGE\",\"field\":\"\",\"message\":\"the request"
               " body is over this server's limit\"}}";
    case 414:
        return "{\"error\":{\"code\":\"TOO_LONG\",\"field\":\"\",\"message\":\"the request"
               " target is over 8 KiB\"}}";
    case 431:
        return "{\"error\":{\"code\":\"TOO_LONG\",\"field\":\"\",\"message\":\"the request"
               " headers are over 64 or 8 KiB\"}}";
    default:
        return "{\"error\":{\"code\":\"MALFORMED_REQUEST\",\"field\":\"\",\"message\":\"not a"
               " well-formed HTTP/1.1 request\"}}";
    }
}

static enum MHD_Result s_refuse(cd_http_req_t *r, struct MHD_Connection *c, int status)
{
    r->state = CD_RQ_REFUSED;
    const char *b = s_refusal_body(status);
    return s_queue(c, status, "application/json", b, strlen(b), true);
}

/* ---------------------------------------------------------------- callbacks */

/* The client's address as text, kept with the request. */
static void s_peer(cd_http_req_t *r, struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    r->peer[0] = 0;
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, r->peer, sizeof r->peer);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, r->peer, sizeof r->peer);
}

void *cd_http_uri_cb(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)c;
    cd_http_req_t *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->s = cls;
    r->raw = strdup(uri ? uri : "");
    if (!r->raw) {
        free(r);
        return NULL;
    }
    return r;
}

void cd_http_req_free(cd_http_req_t *r)
{
    for (size_t i = 0; i < r->ntrimmed; i++)
        free(r->trimmed[i]);
    free(r->trimmed);
    free(r->raw);
    free(r->path);
    free(r->body);
    free(r->ctype);
    free(r->rbody);
    for (size_t i = 0; i < r->nheaders; i++)
        free(r->headers[i]);
    free(r->headers);
    free(r);
}

void cd_http_completed_cb(void *cls, struct MHD_Connection *c, void **con_cls,
                          enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    cd_http_req_t *r = *con_cls;
    if (!r)
        return;
    *con_cls = NULL;
    cd_http_unsuspend(r);
    if (r->state == CD_RQ_HANDLER) { /* the handler still has it: drop its answer */
        r->orphan = true;
        r->conn = NULL;
        return;
    }
    cd_http_req_free(r);
}

/* Body bytes: gathered up to the cap; over it, the rest is read and dropped
 * and 413 answers once the body ends (0.9.75 cannot answer mid-upload). */
static enum MHD_Result s_body(cd_http_req_t *r, const char *data, size_t *size)
{
    if (r->state == CD_RQ_REFUSED || r->len + *size > r->s->max_body) {
        r->state = CD_RQ_REFUSED;
        r->refuse_status = 413;
        *size = 0;
        return MHD_YES;
    }
    if (r->len + *size + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 1024;
        while (cap < r->len + *size + 1)
            cap *= 2;
        char *p = realloc(r->body, cap);
        if (!p)
            return MHD_NO;
        r->body = p;
        r->cap = cap;
    }
    memcpy(r->body + r->len, data, *size);
    r->len += *size;
    r->body[r->len] = '\0';
    *size = 0;
    return MHD_YES;
}

enum MHD_Result cd_http_access_cb(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    cd_http_req_t *r = *con_cls;
    if (!r && !(*con_cls = r = cd_http_uri_cb(cls, url, c)))
        return MHD_NO;
    switch (r->state) {
    case CD_RQ_ANSWERED: /* resumed with its answer, or answered at once */
        return s_queue_with(c, r->status, r->ctype ? r->ctype : "application/json", r->rbody,
                            r->rlen, false, r->headers, r->nheaders);
    case CD_RQ_HANDLER: /* resumed unanswered (a reset, or the server going): close */
        return MHD_NO;
    case CD_RQ_REFUSED:
        if (*upload_data_size)
            return s_body(r, upload_data, upload_data_size);
        return s_queue(c, r->refuse_status, "application/json", s_refusal_body(r->refuse_status),
                       strlen(s_refusal_body(r->refuse_status)), true);
    default:
        break;
    }
    if (!r->method) { /* the first call: the headers are in */
        r->conn = c;
        r->method = method;
        s_peer(r, c);
        int status = s_refusal(r, c);
        return status ? s_refuse(r, c, status) : MHD_YES;
    }
    if (*upload_data_size)
        return s_body(r, upload_data, upload_data_size);
    /* The whole request: the handler's, now or later. */
    r->state = CD_RQ_HANDLER;
    r->s->handler(r, r->s->arg);
    if (r->state == CD_RQ_ANSWERED)
        return cd_http_access_cb(cls, c, url, method, version, upload_data, upload_data_size,
                                 con_cls);
    s_suspend(r);
    return MHD_YES;
}

/* ---------------------------------------------------------------- the API */

const char *cd_http_req_method(const cd_http_req_t *r)
{
    return r->method;
}

const char *cd_http_req_path(const cd_http_req_t *r)
{
    return r->path;
}

const char *cd_http_req_query(const cd_http_req_t *r)
{
    return r->query;
}

const char *cd_http_req_body(const cd_http_req_t *r, size_t *len)
{
    if (len)
        *len = r->len;
    return r->body ? r->body : "";
}

const char *cd_http_req_header(const cd_http_req_t *r, const char *name)
{
    if (!r->conn)
        return NULL;
    const char *v = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
    size_t n = v ? strlen(v) : 0;
    if (!v || n == 0 || (v[n - 1] != ' ' && v[n - 1] != '\t'))
        return v;
    /* MHD keeps trailing blanks: the value without them, kept with the request. */
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    cd_http_req_t *m = (cd_http_req_t *)r;
    char **t = realloc(m->trimmed, (m->ntrimmed + 1) * sizeof *t);
    char *copy = t ? strndup(v, n) : NULL;
    if (t)
        m->trimmed = t;
    if (!copy)
        return v; /* out of memory: the value as MHD has it */
    return m->trimmed[m->ntrimmed++] = copy;
}

const char *cd_http_req_peer(const cd_http_req_t *r)
{
    return r->peer;
}

int cd_http_add_header(cd_http_req_t *r, const char *name, const char *value)
{
    if (strpbrk(name, "\r\n:") || strpbrk(value, "\r\n") || r->nheaders >= 32)
        return -1;
    char **h = realloc(r->headers, (r->nheaders + 2) * sizeof *h);
    if (!h)
        return -1;
    r->headers = h;
    char *n = strdup(name), *v = strdup(value);
    if (!n || !v) {
        free(n);
        free(v);
        return -1;
    }
    h[r->nheaders++] = n;
    h[r->nheaders++] = v;
    return 0;
}

void cd_http_respond(cd_http_req_t *r, int status, const char *ctype, const char *body, size_t len)
{
    if (r->orphan) {
        cd_http_req_free(r);
        return;
    }
    r->status = status;
    r->ctype = ctype ? strdup(ctype) : NULL;
    r->rbody = malloc(len + 1);
    if (!r->rbody || (ctype && !r->ctype)) {
        /* out of memory: an empty 500 rather than nothing */
        free(r->rbody);
        r->rbody = NULL;
        len = 0;
        r->status = 500;
    } else if (len) {
        memcpy(r->rbody, body, len);
    }
    r->rlen = len;
    r->state = CD_RQ_ANSWERED;
    if (r->suspended) {
        cd_http_server_t *s = r->s;
        cd_http_unsuspend(r);
        MHD_resume_connection(r->conn);
        cd_http_run(s);
    }
}
