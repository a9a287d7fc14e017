/* zsock.h - a ZeroMQ socket served by a libuv loop.
 *
 * ZeroMQ's ZMQ_FD is edge-triggered: it signals that ZMQ_EVENTS may have
 * changed, not that a message is waiting. So on every wake-up, and after every
 * send (a send can consume the edge of a pending receive), we read ZMQ_EVENTS
 * and drain while ZMQ_POLLIN is set. Draining is bounded per turn of the loop
 * (so one busy socket cannot starve the loop) and resumed from a uv_idle.
 *
 * The on_message callback receives every frame of one message. The frames are
 * only valid during the callback, and so is what cd_zsock_msg_gets returns
 * about them (the connection's metadata: User-Id from ZAP, ...). */
#ifndef CANDOUR_ZSOCK_H
#define CANDOUR_ZSOCK_H

#include <stddef.h>
#include <uv.h>

typedef struct cd_zsock_t cd_zsock_t;

typedef struct {
    const void *data;
    size_t size;
} cd_frame_t;

/* The hard cap on one frame, on every Candour socket (ZMQ_MAXMSGSIZE, also
 * set by the client library). A peer that sends a bigger frame has its
 * connection dropped by ZeroMQ as the frame's header arrives, before any of
 * it is read: nothing reaches on_message, and no reply can be sent. libzmq
 * 4.3 reports such a drop only as the connection's end (the same socket
 * monitor event as a peer closing it), so a socket bound with cd_zsock_bind
 * logs every disconnection of its peers (bus.disconnected) and counts it in
 * candour_bus_disconnects_total: an over-cap message shows there. */
#define CD_ZSOCK_MAX_MSG_BYTES (16 * 1024 * 1024)
/* The largest request ("REQ" | Request) the endpoints take. A request above
 * it but within CD_ZSOCK_MAX_MSG_BYTES is read and answered TOO_LARGE (see
 * inbox.c): a refused request always gets a typed reply. */
#define CD_ZSOCK_MAX_REQUEST_BYTES (1024 * 1024)

#define CD_ZSOCK_MAX_FRAMES 8
/* The most frames any socket may be set to take (cd_zsock_set_max_frames). */
#define CD_ZSOCK_FRAMES_LIMIT 16

typedef void (*cd_zsock_msg_fn)(cd_zsock_t *sock, const cd_frame_t *frames, int nframes,
                                void *arg);

/* A new socket of `type` (ZMQ_ROUTER, ZMQ_DEALER, ...) on the process's
 * shared ZeroMQ context. Sets linger to 0 (pending messages are held in the
 * outbox, not in ZeroMQ), the receive size cap CD_ZSOCK_MAX_MSG_BYTES and the
 * high-water marks.
 * Messages with more than CD_ZSOCK_MAX_FRAMES frames are dropped and counted. */
cd_zsock_t *cd_zsock_new(uv_loop_t *loop, int type, cd_zsock_msg_fn on_message, void *arg);

/* Bind s. 0 or -1 (errno kept). The first bind to an endpoint other than
 * inproc:// also starts watching the socket's connections (a socket monitor
 * read on the same loop): each peer's disconnection is logged and counted in
 * candour_bus_disconnects_total (see CD_ZSOCK_MAX_MSG_BYTES for why). */
int cd_zsock_bind(cd_zsock_t *s, const char *endpoint);
int cd_zsock_connect(cd_zsock_t *s, const char *endpoint);   /* 0 or -1 */

/* Take messages of up to n frames (1..CD_ZSOCK_FRAMES_LIMIT) instead of
 * CD_ZSOCK_MAX_FRAMES: for protocols with longer messages (a ZAP request has
 * nine). Before cd_zsock_start. */
void cd_zsock_set_max_frames(cd_zsock_t *s, int n);

/* Make s a CURVE server (before cd_zsock_bind): ZMQ_CURVE_SERVER, the server's
 * secret key (Z85, 40 characters) and ZAP domain CD_ZSOCK_ZAP_DOMAIN, so that
 * every handshake is put to the process's ZAP handler (zap.h).
 *
 * Hazard: libzmq 4.3 (without the draft ZMQ_ZAP_ENFORCE_DOMAIN) admits every
 * client with a valid CURVE handshake when no ZAP handler is bound. So this
 * fails closed: it returns -1 with errno EACCES unless a cd_zap_t is bound on
 * cd_zmq_ctx(), and that handler may not be destroyed while s is open (it
 * asserts). -1 with errno EINVAL for a malformed key. */
#define CD_ZSOCK_ZAP_DOMAIN "candour"
int cd_zsock_curve_server(cd_zsock_t *s, const char *server_secret_z85);
/* The ZAP domain of the services' internal endpoints: admitted against the
 * suite's own keys (keys.h), not the organisations' allow-list. */
#define CD_ZSOCK_ZAP_INTERNAL "candour-internal"
/* The same with another ZAP domain (CD_ZSOCK_ZAP_INTERNAL): the handler
 * dispatches each handshake on it (zap.h), and refuses a domain it does
 * not serve. */
int cd_zsock_curve_server_domain(cd_zsock_t *s, const char *server_secret_z85, const char *domain);
/* Make s a CURVE client (before cd_zsock_connect): the server's public key
 * and this client's key pair, each Z85 (40 characters). 0, or -1 with errno
 * EINVAL for a malformed key. A key the server refuses shows later, as a
 * peer that never answers: nothing is delivered over a failed handshake. */
int cd_zsock_curve_client(cd_zsock_t *s, const char *server_public_z85,
                          const char *client_public_z85, const char *client_secret_z85);
/* CURVE server sockets (cd_zsock_curve_server) not yet destroyed. */
int cd_zsock_curve_servers(void);

/* Inside on_message only: a metadata property of the message being handled,
 * or NULL. "User-Id" is the user id the ZAP handler gave the connection (for
 * Candour's CURVE endpoints, the organisation), "X-Key" the client's CURVE
 * public key in Z85 (zap.h); also "Peer-Address", "Socket-Type". The string
 * belongs to the message: copy it to keep it past the callback. Calling it
 * outside on_message is a bug and asserts. */
const char *cd_zsock_msg_gets(cd_zsock_t *s, const char *property);

/* Start serving (after bind/connect and socket options). */
int cd_zsock_start(cd_zsock_t *s);

/* Send a multi-frame message without blocking. Returns 0, or CD_EAGAIN when
 * the high-water mark is reached or no peer is there (ROUTER_MANDATORY/DEALER),
 * or CD_EIO. The caller keeps what could not be sent (the outbox does). */
int cd_zsock_send(cd_zsock_t *s, const cd_frame_t *frames, int nframes);

/* Stop reading (messages wait in ZeroMQ and go with the socket); sending
 * still works. For a graceful stop: finish and answer what is in hand. */
void cd_zsock_pause(cd_zsock_t *s);

/* How long cd_zsock_destroy lets queued outgoing messages go (default 0). */
void cd_zsock_set_linger(cd_zsock_t *s, int ms);

/* The raw ZeroMQ socket, for socket options. */
void *cd_zsock_raw(cd_zsock_t *s);

/* Stop, close and free. Idempotent; nulls *ps. */
void cd_zsock_destroy(cd_zsock_t **ps);

/* The process's ZeroMQ context (created on first use). */
void *cd_zmq_ctx(void);
/* Terminate the context at exit, after every socket is destroyed. */
void cd_zmq_ctx_term(void);

#endif
