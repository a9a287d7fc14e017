/* zsock.h - a ZeroMQ socket served by a libuv loop.
 *
 * ZeroMQ's ZMQ_FD is edge-triggered: it signals that ZMQ_EVENTS may have
 * changed, not that a message is waiting. So on every wake-up, and after every
 * send (a send can consume the edge of a pending receive), we read ZMQ_EVENTS
 * and drain while ZMQ_POLLIN is set. Draining is bounded per turn of the loop
 * (so one busy socket cannot starve the loop) and resumed from a uv_idle.
 *
 * The on_message callback receives every frame of one message. The frames are
 * only valid during the callback. */
#ifndef CANDOUR_ZSOCK_H
#define CANDOUR_ZSOCK_H

#include <stddef.h>
#include <uv.h>

typedef struct cd_zsock_t cd_zsock_t;

typedef struct {
    const void *data;
    size_t size;
} cd_frame_t;

#define CD_ZSOCK_MAX_FRAMES 8

typedef void (*cd_zsock_msg_fn)(cd_zsock_t *sock, const cd_frame_t *frames, int nframes,
                                void *arg);

/* A new socket of `type` (ZMQ_ROUTER, ZMQ_DEALER, ...) on the process's
 * shared ZeroMQ context. Sets linger to 0 (pending messages are held in the
 * outbox, not in ZeroMQ), a receive size limit and the high-water marks.
 * Messages with more than CD_ZSOCK_MAX_FRAMES frames are dropped and counted. */
cd_zsock_t *cd_zsock_new(uv_loop_t *loop, int type, cd_zsock_msg_fn on_message, void *arg);

int cd_zsock_bind(cd_zsock_t *s, const char *endpoint);      /* 0 or -1 (errno kept) */
int cd_zsock_connect(cd_zsock_t *s, const char *endpoint);   /* 0 or -1 */

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
