/* zsock.c - a ZeroMQ socket served by a libuv loop.
 *
 * ZMQ_FD is an edge-triggered notification fd: it becomes readable when the
 * socket's ZMQ_EVENTS *may* have changed. We therefore never trust the poll
 * event itself; we read ZMQ_EVENTS and drain while ZMQ_POLLIN is set. A send
 * may also consume the edge that would have told us about a pending receive,
 * so every send schedules a re-check from a uv_idle (not inline, so handlers
 * that send from inside on_message are not re-entered).
 *
 * A bound socket also watches its connections through a socket monitor (a
 * PAIR socket read on the same loop, itself a cd_zsock_t): ZeroMQ drops the
 * connection of a peer that sends a frame over CD_ZSOCK_MAX_MSG_BYTES and
 * says nothing else, so the disconnection is the only trace such a message
 * can leave. */
#include "candour/zsock.h"

#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "candour/error.h"
#include "candour/log.h"
#include "candour/metrics.h"
#include "candour/zap.h"

/* Messages drained per wake-up before yielding to the rest of the loop. */
#define S_DRAIN_BUDGET 256
/* Disconnections of the peers of bound sockets (see CD_ZSOCK_MAX_MSG_BYTES). */
#define S_DISCONNECTS "candour_bus_disconnects_total"
static const char s_disconnects_help[] =
    "Peers' connections to a bound socket that ended: closed by the peer, or dropped by ZeroMQ"
    " for a frame over the 16 MiB cap (libzmq reports both alike).";

struct cd_zsock_t {
    uv_loop_t *loop;
    void *zs;                 /* the ZeroMQ socket */
    uv_poll_t poll;           /* on ZMQ_FD */
    uv_idle_t idle;           /* re-check after a send or an exhausted budget */
    cd_zsock_msg_fn on_message;
    void *arg;
    int started;              /* poll/idle handles initialised */
    int idle_active;
    int in_drain;             /* guards against re-entrant draining */
    int closing;
    int paused;               /* reading stopped; sends still allowed */
    int pending_closes;       /* handles whose close callback has not run */
    int max_frames;           /* longest message taken; longer ones are dropped */
    int curve_server;         /* counted in s_curve_servers */
    zmq_msg_t *current;       /* the frames of the message in on_message, else NULL */
    int ncurrent;             /* how many */
    cd_zsock_t *monitor;      /* reads this socket's monitor events (bound sockets), or NULL */
};

/* Open CURVE server sockets: the ZAP handler must outlive them all. */
static int s_curve_servers;

static void *s_ctx;

void *cd_zmq_ctx(void)
{
    if (!s_ctx)
        s_ctx = zmq_ctx_new();
    return s_ctx;
}

void cd_zmq_ctx_term(void)
{
    if (s_ctx) {
        zmq_ctx_term(s_ctx);
        s_ctx = NULL;
    }
}

cd_zsock_t *cd_zsock_new(uv_loop_t *loop, int type, cd_zsock_msg_fn on_message, void *arg)
{
    cd_zsock_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->loop = loop;
    s->on_message = on_message;
    s->arg = arg;
    s->max_frames = CD_ZSOCK_MAX_FRAMES;
    s->zs = zmq_socket(cd_zmq_ctx(), type);
    if (!s->zs) {
        free(s);
        return NULL;
    }
    int zero = 0;
    int64_t maxmsg = CD_ZSOCK_MAX_MSG_BYTES;
    int hwm = 10000;
    zmq_setsockopt(s->zs, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(s->zs, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    zmq_setsockopt(s->zs, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(s->zs, ZMQ_RCVHWM, &hwm, sizeof hwm);
    if (type == ZMQ_ROUTER) {
        /* Fail a send to a vanished peer instead of dropping it silently. */
        int one = 1;
        zmq_setsockopt(s->zs, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
    }
    return s;
}

void *cd_zsock_raw(cd_zsock_t *s)
{
    return s->zs;
}

void cd_zsock_set_max_frames(cd_zsock_t *s, int n)
{
    assert(n >= 1 && n <= CD_ZSOCK_FRAMES_LIMIT);
    assert(!s->started);
    s->max_frames = n;
}

/* A Z85 CURVE key: 40 characters that decode. */
static int s_key_ok(const char *z85)
{
    uint8_t raw[32];
    return z85 && strlen(z85) == 40 && zmq_z85_decode(raw, z85) != NULL;
}

int cd_zsock_curve_server(cd_zsock_t *s, const char *server_secret_z85)
{
    return cd_zsock_curve_server_domain(s, server_secret_z85, CD_ZSOCK_ZAP_DOMAIN);
}

int cd_zsock_curve_client(cd_zsock_t *s, const char *server_public_z85,
                          const char *client_public_z85, const char *client_secret_z85)
{
    if (!s_key_ok(server_public_z85) || !s_key_ok(client_public_z85) ||
        !s_key_ok(client_secret_z85)) {
        errno = EINVAL;
        return -1;
    }
    return zmq_setsockopt(s->zs, ZMQ_CURVE_SERVERKEY, server_public_z85, 40) == 0 &&
                   zmq_setsockopt(s->zs, ZMQ_CURVE_PUBLICKEY, client_public_z85, 40) == 0 &&
                   zmq_setsockopt(s->zs, ZMQ_CURVE_SECRETKEY, client_secret_z85, 40) == 0
               ? 0
               : -1;
}

int cd_zsock_curve_server_domain(cd_zsock_t *s, const char *server_secret_z85, const char *domain)
{
    assert(domain && *domain);
    if (!s_key_ok(server_secret_z85)) {
        errno = EINVAL;
        return -1;
    }
    if (!cd_zap_bound()) {
        /* Without a handler libzmq would let every CURVE client in. */
        cd_log_error("bus.curve_without_zap", "{s:s}", "reason",
                     "no ZAP handler is bound: refusing to make an open CURVE server");
        errno = EACCES;
        return -1;
    }
    int one = 1;
    if (zmq_setsockopt(s->zs, ZMQ_CURVE_SERVER, &one, sizeof one) != 0 ||
        zmq_setsockopt(s->zs, ZMQ_CURVE_SECRETKEY, server_secret_z85, 40) != 0 ||
        zmq_setsockopt(s->zs, ZMQ_ZAP_DOMAIN, domain, strlen(domain)) != 0)
        return -1;
    if (!s->curve_server) {
        s->curve_server = 1;
        s_curve_servers++;
    }
    return 0;
}

int cd_zsock_curve_servers(void)
{
    return s_curve_servers;
}

const char *cd_zsock_msg_gets(cd_zsock_t *s, const char *property)
{
    assert(s->current && "cd_zsock_msg_gets is only valid inside on_message");
    /* Not just the first frame: in libzmq 4.3.4 a ROUTER's routing-id frame
     * has no metadata when the message was prefetched by a ZMQ_EVENTS query
     * (router_t::xhas_in), which is how we always read. The frames from the
     * peer carry it. */
    for (int i = 0; i < s->ncurrent; i++) {
        const char *v = zmq_msg_gets(&s->current[i], property);
        if (v)
            return v;
    }
    return NULL;
}

/* One event from a watched socket's monitor: the first frame holds the
 * event number (16 bits) and its value (32 bits), the second the endpoint. */
static void s_on_monitor_event(cd_zsock_t *m, const cd_frame_t *f, int n, void *arg)
{
    (void)m;
    (void)arg;
    uint16_t event = 0;
    if (n < 1 || f[0].size < 6)
        return;
    memcpy(&event, f[0].data, sizeof event);
    if (event != ZMQ_EVENT_DISCONNECTED)
        return;
    char endpoint[256] = "";
    if (n > 1)
        snprintf(endpoint, sizeof endpoint, "%.*s", (int)(f[1].size < 255 ? f[1].size : 255),
                 (const char *)f[1].data);
    /* Looked up each time, not kept: a disconnection is rare next to a
     * message, and the registry may have been reset (tests) meanwhile. */
    cd_metric_add(cd_metric_counter(S_DISCONNECTS, NULL, s_disconnects_help), 1);
    cd_log_info("bus.disconnected", "{s:s, s:s}", "endpoint", endpoint, "reason",
                "the peer closed the connection, or sent a frame over the 16 MiB cap (dropped"
                " by ZeroMQ)");
}

/* Start reading s's disconnections. Best effort: without a monitor the
 * socket still serves, its drops only go unseen, so a failure is logged. */
static void s_monitor_start(cd_zsock_t *s)
{
    static unsigned serial;
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "inproc://candour-zsock-monitor-%u", ++serial);
    cd_metric_counter(S_DISCONNECTS, NULL, s_disconnects_help); /* shown from 0 */
    if (zmq_socket_monitor(s->zs, endpoint, ZMQ_EVENT_DISCONNECTED) != 0) {
        cd_log_warn("bus.monitor_failed", "{s:s}", "error", zmq_strerror(zmq_errno()));
        return;
    }
    s->monitor = cd_zsock_new(s->loop, ZMQ_PAIR, s_on_monitor_event, s);
    if (!s->monitor || cd_zsock_connect(s->monitor, endpoint) != 0 ||
        cd_zsock_start(s->monitor) != 0) {
        cd_log_warn("bus.monitor_failed", "{s:s}", "error", zmq_strerror(zmq_errno()));
        cd_zsock_destroy(&s->monitor);
        zmq_socket_monitor(s->zs, NULL, 0);
    }
}

int cd_zsock_bind(cd_zsock_t *s, const char *endpoint)
{
    if (zmq_bind(s->zs, endpoint) != 0)
        return -1;
    if (!s->monitor && strncmp(endpoint, "inproc://", 9) != 0)
        s_monitor_start(s);
    return 0;
}

int cd_zsock_connect(cd_zsock_t *s, const char *endpoint)
{
    return zmq_connect(s->zs, endpoint) == 0 ? 0 : -1;
}

/* Receive one whole message (all frames) without blocking. Returns the number
 * of frames, 0 if nothing was waiting, -1 on error. */
static int s_recv_one(cd_zsock_t *s, zmq_msg_t *parts, int *nparts)
{
    int n = 0, more = 1, dropped = 0;
    while (more) {
        zmq_msg_t *m = n < s->max_frames ? &parts[n] : NULL;
        zmq_msg_t spill;
        if (!m)
            m = &spill;
        zmq_msg_init(m);
        if (zmq_msg_recv(m, s->zs, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(m);
            if (n == 0 && errno == EAGAIN)
                return 0;
            *nparts = n < s->max_frames ? n : s->max_frames;
            return -1;
        }
        more = zmq_msg_more(m);
        if (m == &spill) {
            zmq_msg_close(m);
            dropped = 1;
        } else {
            n++;
        }
    }
    *nparts = n;
    return dropped ? -2 : n;
}

static void s_schedule_recheck(cd_zsock_t *s);

/* Drain up to the budget; deliver each message to on_message. */
static void s_drain(cd_zsock_t *s)
{
    if (s->in_drain || s->closing || s->paused)
        return;
    s->in_drain = 1;
    int budget = S_DRAIN_BUDGET;
    while (budget-- > 0 && !s->closing) {
        int events = 0;
        size_t len = sizeof events;
        if (zmq_getsockopt(s->zs, ZMQ_EVENTS, &events, &len) != 0 || !(events & ZMQ_POLLIN))
            break;
        zmq_msg_t parts[CD_ZSOCK_FRAMES_LIMIT];
        int n = 0;
        int rc = s_recv_one(s, parts, &n);
        if (rc > 0) {
            cd_frame_t frames[CD_ZSOCK_FRAMES_LIMIT];
            for (int i = 0; i < n; i++) {
                frames[i].data = zmq_msg_data(&parts[i]);
                frames[i].size = zmq_msg_size(&parts[i]);
            }
            /* The frames carry the connection's metadata and stay open
             * until the callback returns, so cd_zsock_msg_gets's strings
             * stay valid that long. s outlives a destroy from inside the
             * callback (it is freed when its handles have closed). */
            s->current = parts;
            s->ncurrent = n;
            s->on_message(s, frames, n, s->arg);
            s->current = NULL;
            s->ncurrent = 0;
        } else if (rc == -2) {
            cd_log_warn("bus.message_dropped", "{s:s}", "reason", "too many frames");
        }
        for (int i = 0; i < n; i++)
            zmq_msg_close(&parts[i]);
        if (rc == 0)
            break;
    }
    s->in_drain = 0;
    if (budget < 0 && !s->closing)
        s_schedule_recheck(s); /* more may be waiting: come back next turn */
}

static void s_on_poll(uv_poll_t *h, int status, int events)
{
    cd_zsock_t *s = h->data;
    s_drain(s);
}

static void s_on_idle(uv_idle_t *h)
{
    cd_zsock_t *s = h->data;
    uv_idle_stop(&s->idle);
    s->idle_active = 0;
    s_drain(s);
}

static void s_schedule_recheck(cd_zsock_t *s)
{
    if (!s->started || s->idle_active || s->closing)
        return;
    s->idle_active = 1;
    uv_idle_start(&s->idle, s_on_idle);
}

int cd_zsock_start(cd_zsock_t *s)
{
    assert(!s->started);
    int fd;
    size_t len = sizeof fd;
    if (zmq_getsockopt(s->zs, ZMQ_FD, &fd, &len) != 0)
        return -1;
    uv_poll_init(s->loop, &s->poll, fd);
    s->poll.data = s;
    uv_idle_init(s->loop, &s->idle);
    s->idle.data = s;
    s->started = 1;
    uv_poll_start(&s->poll, UV_READABLE, s_on_poll);
    s_schedule_recheck(s); /* messages may already be queued */
    return 0;
}

void cd_zsock_pause(cd_zsock_t *s)
{
    if (!s || s->paused || s->closing)
        return;
    s->paused = 1;
    if (s->started)
        uv_poll_stop(&s->poll);
}

void cd_zsock_set_linger(cd_zsock_t *s, int ms)
{
    if (s && s->zs)
        zmq_setsockopt(s->zs, ZMQ_LINGER, &ms, sizeof ms);
}

int cd_zsock_send(cd_zsock_t *s, const cd_frame_t *frames, int nframes)
{
    assert(nframes > 0);
    int rc = 0;
    for (int i = 0; i < nframes; i++) {
        int flags = ZMQ_DONTWAIT | (i + 1 < nframes ? ZMQ_SNDMORE : 0);
        if (zmq_send(s->zs, frames[i].data, frames[i].size, flags) < 0) {
            /* A multipart send fails only on its first frame (ZeroMQ queues
             * the rest atomically), so nothing half-sent is left behind. */
            rc = (errno == EAGAIN || errno == EHOSTUNREACH) ? CD_EAGAIN : CD_EIO;
            break;
        }
    }
    s_schedule_recheck(s);
    return rc;
}

static void s_on_closed(uv_handle_t *h)
{
    cd_zsock_t *s = h->data;
    if (--s->pending_closes == 0)
        free(s);
}

void cd_zsock_destroy(cd_zsock_t **ps)
{
    if (!ps || !*ps)
        return;
    cd_zsock_t *s = *ps;
    *ps = NULL;
    s->closing = 1;
    if (s->curve_server) {
        s->curve_server = 0;
        s_curve_servers--;
    }
    if (s->monitor) {
        /* Stop the monitor before either end of it closes. */
        zmq_socket_monitor(s->zs, NULL, 0);
        cd_zsock_destroy(&s->monitor);
    }
    if (s->started && !s->paused)
        uv_poll_stop(&s->poll); /* before zmq_close: the fd must not be watched once closed */
    zmq_close(s->zs);
    s->zs = NULL;
    if (!s->started) {
        free(s);
        return;
    }
    s->pending_closes = 2;
    uv_close((uv_handle_t *)&s->poll, s_on_closed);
    uv_close((uv_handle_t *)&s->idle, s_on_closed);
}
