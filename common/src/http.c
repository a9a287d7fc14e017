/* http.c - the HTTP server of candour/http.h: libmicrohttpd run inside the
 * libuv loop, one thread (see http_int.h; the requests are http_req.c's).
 *
 * We make the listening socket (IPv4 or IPv6 literal, port 0 for a free
 * one, bind errors told at once) and hand it to MHD, which 0.9.75 needs to
 * tell the port anyway. MHD's options are fixed when it starts and the
 * setters come after cd_http_server_new, so it starts on the loop's first
 * turn. MHD runs in its external-epoll mode: a uv_poll_t on its epoll fd and
 * a uv_timer_t re-armed from MHD_get_timeout both call MHD_run. The idle
 * timeout is MHD's, in whole seconds (rounded up); the connection cap is
 * ours, in MHD's accept policy, so a connection over it is closed at once. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "candour/log.h"
#include "http_int.h"

/* ---------------------------------------------------------------- the loop */

static void s_on_timer(uv_timer_t *t);

static void s_rearm(cd_http_server_t *s)
{
    MHD_UNSIGNED_LONG_LONG ms;
    if (s->d && MHD_get_timeout(s->d, &ms) == MHD_YES)
        uv_timer_start(&s->timer, s_on_timer, ms, 0);
    else
        uv_timer_stop(&s->timer);
}

void cd_http_run(cd_http_server_t *s)
{
    if (!s->d || s->running)
        return;
    s->running = true;
    MHD_run(s->d);
    s->running = false;
    if (s->destroy_pending) {
        cd_http_server_t *p = s;
        s->destroy_pending = false;
        cd_http_server_destroy(&p);
        return;
    }
    s_rearm(s);
}

static void s_on_poll(uv_poll_t *p, int status, int events)
{
    (void)status;
    (void)events;
    cd_http_run(p->data);
}

static void s_on_timer(uv_timer_t *t)
{
    cd_http_run(t->data);
}

static void s_on_closed(uv_handle_t *h)
{
    cd_http_server_t *s = h->data;
    if (--s->handles_open == 0) {
        free(s->tls_cert);
        if (s->tls_key)
            memset(s->tls_key, 0, strlen(s->tls_key));
        free(s->tls_key);
        free(s);
    }
}

/* ---------------------------------------------------------------- MHD's callbacks */

static enum MHD_Result s_accept(void *cls, const struct sockaddr *addr, socklen_t len)
{
    (void)addr;
    (void)len;
    cd_http_server_t *s = cls;
    return s->conns < s->max_conns ? MHD_YES : MHD_NO; /* NO: closed at once */
}

static void s_on_connection(void *cls, struct MHD_Connection *c, void **socket_ctx,
                            enum MHD_ConnectionNotificationCode code)
{
    (void)c;
    (void)socket_ctx;
    cd_http_server_t *s = cls;
    s->conns += code == MHD_CONNECTION_NOTIFY_STARTED ? 1 : -1;
}

static void s_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[256];
    vsnprintf(msg, sizeof msg, fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    cd_log_debug("http.server", "{s:s}", "message", msg);
}

/* ---------------------------------------------------------------- start */

/* A non-blocking socket listening on host:port: its fd (and the port bound,
 * IPv6 or not), or -1. */
static int s_listen(const char *host, int port, int *bound, int *v6)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
    socklen_t len;
    if (port < 0 || port > 65535)
        return -1;
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        len = sizeof *a4;
        *v6 = 0;
    } else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        len = sizeof *a6;
        *v6 = 1;
    } else {
        return -1;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (*v6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    len = sizeof ss;
    if (bind(fd, (struct sockaddr *)&ss, *v6 ? sizeof *a6 : sizeof *a4) != 0 ||
        listen(fd, 511) != 0 || getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
        close(fd);
        return -1;
    }
    *bound = ntohs(*v6 ? a6->sin6_port : a4->sin_port);
    return fd;
}

static void s_on_start(uv_timer_t *t)
{
    cd_http_server_t *s = t->data;
    s->started = true;
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int v6 = getsockname(s->lfd, (struct sockaddr *)&ss, &len) == 0 && ss.ss_family == AF_INET6;
    unsigned timeout_s = (s->idle_ms + 999) / 1000;
    /* TLS (GnuTLS, in MHD) when a certificate was given: its options first,
     * then the rest as ever (an empty array ends at once). */
    struct MHD_OptionItem tls[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, s->tls_cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_key},
        {MHD_OPTION_END, 0, NULL},
    };
    struct MHD_OptionItem none[] = {{MHD_OPTION_END, 0, NULL}};
    s->d = MHD_start_daemon(
        MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0) |
            (s->tls_cert ? MHD_USE_TLS : 0),
        0, s_accept, s, cd_http_access_cb, s, MHD_OPTION_ARRAY, s->tls_cert ? tls : none,
        MHD_OPTION_LISTEN_SOCKET, s->lfd,
        /* MHD's own cap stops accepting; ours (s_accept) closes at once */
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)s->max_conns + 64, MHD_OPTION_CONNECTION_TIMEOUT,
        timeout_s ? timeout_s : 1, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32 * 1024,
        MHD_OPTION_URI_LOG_CALLBACK, cd_http_uri_cb, s, MHD_OPTION_NOTIFY_COMPLETED,
        cd_http_completed_cb, s, MHD_OPTION_NOTIFY_CONNECTION, s_on_connection, s,
        MHD_OPTION_EXTERNAL_LOGGER, s_log, s, MHD_OPTION_SIGPIPE_HANDLED_BY_APP, 1, MHD_OPTION_END);
    const union MHD_DaemonInfo *info =
        s->d ? MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
    if (!info || uv_poll_init(s->loop, &s->poll, info->epoll_fd) != 0) {
        cd_log_error("http.start_failed", "{s:i}", "port", s->port);
        if (s->d)
            MHD_stop_daemon(s->d);
        else
            close(s->lfd);
        s->d = NULL;
        return;
    }
    s->poll.data = s;
    s->handles_open++;
    uv_poll_start(&s->poll, UV_READABLE, s_on_poll);
    s_rearm(s);
}

/* ---------------------------------------------------------------- the API */

cd_http_server_t *cd_http_server_new(uv_loop_t *loop, const char *host, int port, size_t max_body,
                                     cd_http_handler_fn handler, void *arg)
{
    /* A client reset must not kill the process during a write. */
    struct sigaction sa;
    if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
        signal(SIGPIPE, SIG_IGN);
    int bound = 0, v6 = 0;
    int fd = s_listen(host ? host : "", port, &bound, &v6);
    if (fd < 0) {
        cd_log_error("http.listen_failed", "{s:s, s:i, s:s}", "host", host ? host : "", "port",
                     port, "error", strerror(errno));
        return NULL;
    }
    cd_http_server_t *s = calloc(1, sizeof *s);
    if (!s) {
        close(fd);
        return NULL;
    }
    *s = (cd_http_server_t){.loop = loop,
                            .lfd = fd,
                            .port = bound,
                            .max_body = max_body,
                            .handler = handler,
                            .arg = arg,
                            .idle_ms = 30000,
                            .max_conns = 1024,
                            .handles_open = 1};
    uv_timer_init(loop, &s->timer);
    s->timer.data = s;
    s->poll.data = s;
    uv_timer_start(&s->timer, s_on_start, 0, 0);
    return s;
}

int cd_http_server_set_tls(cd_http_server_t *s, const char *cert_pem, const char *key_pem)
{
    if (s->started || !cert_pem || !key_pem || !MHD_is_feature_supported(MHD_FEATURE_TLS))
        return -1;
    char *c = strdup(cert_pem), *k = strdup(key_pem);
    if (!c || !k) {
        free(c);
        free(k);
        return -1;
    }
    free(s->tls_cert);
    s->tls_cert = c;
    if (s->tls_key) {
        memset(s->tls_key, 0, strlen(s->tls_key));
        free(s->tls_key);
    }
    s->tls_key = k;
    return 0;
}

int cd_http_server_port(const cd_http_server_t *s)
{
    return s->port;
}

void cd_http_server_set_idle_timeout(cd_http_server_t *s, unsigned ms)
{
    s->idle_ms = ms;
}

void cd_http_server_set_max_connections(cd_http_server_t *s, int max)
{
    s->max_conns = max;
}

int cd_http_server_connections(const cd_http_server_t *s)
{
    return s->conns;
}

void cd_http_server_destroy(cd_http_server_t **ps)
{
    cd_http_server_t *s = ps ? *ps : NULL;
    if (!s)
        return;
    *ps = NULL;
    if (s->running) { /* from a handler inside MHD_run: after it returns */
        s->destroy_pending = true;
        return;
    }
    if (s->d) {
        /* MHD will not stop with connections suspended: resume them
         * unanswered (the access handler then closes them, and their
         * requests are orphaned, so a later cd_http_respond is dropped). */
        while (s->suspended) {
            cd_http_req_t *r = s->suspended;
            cd_http_unsuspend(r);
            MHD_resume_connection(r->conn);
        }
        MHD_run(s->d);
        MHD_stop_daemon(s->d); /* closes every connection, and the socket */
        s->d = NULL;
        uv_close((uv_handle_t *)&s->poll, s_on_closed);
    } else if (!s->started) {
        close(s->lfd);
    }
    uv_close((uv_handle_t *)&s->timer, s_on_closed);
}
