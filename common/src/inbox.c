/* inbox.c - a service's ROUTER endpoint: events in with dedupe, requests in.
 *
 * The ACK for an event is sent only after the transaction that applied it
 * (and recorded its id in <schema>.inbox) has committed. A redelivered event
 * fails that transaction's first statement with a unique violation, so it
 * changes nothing and is acknowledged again. When the database is down we
 * send nothing: the producer's resend timer brings the event back. */
#include "candour/inbox.h"
#include "inbox_int.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "candour/error.h"
#include "candour/events.h"
#include "candour/keys.h"
#include "candour/log.h"
#include "candour/metrics.h"
#include "candour/pb.h"
#include "candour/util.h"

/* ---------------------------------------------------------------- replies */

int cd_inbox_peer_copy(s_peer_t *p, const cd_frame_t *id, int delim)
{
    p->data = malloc(id->size ? id->size : 1);
    if (!p->data)
        return -1;
    memcpy(p->data, id->data, id->size);
    p->size = id->size;
    p->delim = delim;
    return 0;
}

static void s_send(cd_inbox_t *in, const s_peer_t *p, const cd_frame_t *body, int nbody)
{
    if (!in->sock)
        return;
    cd_frame_t frames[CD_ZSOCK_MAX_FRAMES];
    int n = 0;
    frames[n++] = (cd_frame_t){p->data, p->size};
    if (p->delim)
        frames[n++] = (cd_frame_t){"", 0};
    for (int i = 0; i < nbody && n < CD_ZSOCK_MAX_FRAMES; i++)
        frames[n++] = body[i];
    /* A peer that has gone away makes this fail: its resend (events) or its
     * retry (requests) will be answered instead. */
    cd_zsock_send(in->sock, frames, n);
}

void cd_inbox_send_reply(cd_inbox_t *in, const s_peer_t *p, const Candour__V1__Reply *reply)
{
    size_t len = 0;
    uint8_t *buf = cd_pb_pack(&reply->base, &len);
    if (!buf)
        return;
    cd_frame_t body[2] = {{"REP", 3}, {buf, len}};
    s_send(in, p, body, 2);
    free(buf);
}

/* message NULL: the code's default. */
void cd_inbox_reply_error(cd_inbox_t *in, const s_peer_t *p, const char *request_id, cd_code_t code,
                          const char *field, const char *message)
{
    assert(code != CD_CODE_OK);
    Candour__V1__Error err = CANDOUR__V1__ERROR__INIT;
    err.code = (char *)cd_code_name(code);
    err.field = (char *)(field ? field : "");
    err.message = (char *)(message ? message : cd_code_message(code));
    Candour__V1__Reply reply = CANDOUR__V1__REPLY__INIT;
    reply.request_id = (char *)(request_id ? request_id : "");
    reply.error = &err;
    cd_inbox_send_reply(in, p, &reply);
}

/* ---------------------------------------------------------------- events */

static void s_dispatch(cd_inbox_t *in, cd_event_t *ev);

static int s_same_complaint(const cd_event_t *a, const cd_event_t *b)
{
    return *a->env->complaint_ref && strcmp(a->env->complaint_ref, b->env->complaint_ref) == 0;
}

static cd_event_t *s_busy_with(const cd_inbox_t *in, const cd_event_t *ev)
{
    for (cd_event_t *b = in->busy; b; b = b->next)
        if (s_same_complaint(b, ev))
            return b;
    return NULL;
}

/* Is a copy of ev (a resend) already being applied, or waiting? */
static int s_copy_in_hand(const cd_inbox_t *in, const cd_event_t *ev)
{
    for (const cd_event_t *l = in->busy; l; l = l->next)
        if (strcmp(l->env->event_id, ev->env->event_id) == 0)
            return 1;
    for (const cd_event_t *l = in->waiting; l; l = l->next)
        if (strcmp(l->env->event_id, ev->env->event_id) == 0)
            return 1;
    return 0;
}

static void s_busy_remove(cd_inbox_t *in, cd_event_t *ev)
{
    if (ev->prev)
        ev->prev->next = ev->next;
    else
        in->busy = ev->next;
    if (ev->next)
        ev->next->prev = ev->prev;
    ev->prev = ev->next = NULL;
    ev->busy = 0;
}

/* The first waiting event about the same complaint as ev, unlinked. */
static cd_event_t *s_waiting_take(cd_inbox_t *in, const cd_event_t *ev)
{
    cd_event_t *prev = NULL;
    for (cd_event_t *w = in->waiting; w; prev = w, w = w->next) {
        if (!s_same_complaint(w, ev))
            continue;
        if (prev)
            prev->next = w->next;
        else
            in->waiting = w->next;
        if (in->waiting_tail == w)
            in->waiting_tail = prev;
        w->next = NULL;
        in->nwaiting--;
        cd_metric_set(in->m_waiting, in->nwaiting);
        return w;
    }
    return NULL;
}

/* Destroyed while events or requests were in flight: the last to finish
 * frees the inbox (its database callbacks still hold it). */
void cd_inbox_maybe_free(cd_inbox_t *in)
{
    if (in->closing && in->nevents == 0 && in->nrequests == 0) {
        free(in->pend);
        free(in);
    }
}

static void s_event_destroy(cd_event_t *ev)
{
    if (ev->payload)
        protobuf_c_message_free_unpacked(ev->payload, NULL);
    candour__v1__envelope__free_unpacked(ev->env, NULL);
    free(ev->peer.data);
    free(ev);
}

/* The event has been answered (or given up): free it, and start the next
 * event about the same complaint, if one is waiting. */
void cd_inbox_event_free(cd_event_t *ev)
{
    cd_inbox_t *in = ev->in;
    cd_event_t *next = NULL;
    if (ev->busy) {
        s_busy_remove(in, ev);
        next = s_waiting_take(in, ev);
    }
    s_event_destroy(ev);
    in->nevents--;
    if (next)
        s_dispatch(in, next);
    else
        cd_inbox_maybe_free(in);
}

void cd_inbox_ack(cd_inbox_t *in, cd_event_t *ev)
{
    cd_frame_t body[2] = {{"ACK", 3}, {ev->env->event_id, strlen(ev->env->event_id)}};
    s_send(in, &ev->peer, body, 2);
    cd_inbox_event_free(ev);
}

static void s_nak(cd_inbox_t *in, const s_peer_t *peer, const char *event_id, cd_code_t code,
                  const char *message)
{
    assert(code != CD_CODE_OK);
    Candour__V1__Error err = CANDOUR__V1__ERROR__INIT;
    err.code = (char *)cd_code_name(code);
    err.message = (char *)(message ? message : cd_code_message(code));
    size_t len = 0;
    uint8_t *buf = cd_pb_pack(&err.base, &len);
    if (!buf)
        return;
    cd_frame_t body[3] = {{"NAK", 3}, {event_id, strlen(event_id)}, {buf, len}};
    s_send(in, peer, body, 3);
    free(buf);
    cd_metric_add(in->m_rejected, 1);
}

void cd_inbox_nak(cd_inbox_t *in, cd_event_t *ev, cd_code_t code, const char *message)
{
    cd_log_warn("inbox.rejected", "{s:s, s:s, s:s, s:s}", "event_id", ev->env->event_id, "type",
                ev->env->type, "code", cd_code_name(code), "reason",
                message ? message : cd_code_message(code));
    s_nak(in, &ev->peer, ev->env->event_id, code, message);
    cd_inbox_event_free(ev);
}

void cd_inbox_defer(cd_inbox_t *in, cd_event_t *ev, const char *reason)
{
    cd_log_info("inbox.deferred", "{s:s, s:s, s:s}", "event_id", ev->env->event_id, "type",
                ev->env->type, "reason", reason);
    cd_inbox_event_free(ev);
}

cd_tx_t *cd_inbox_tx(cd_inbox_t *in, const cd_event_t *ev)
{
    cd_tx_t *tx = cd_tx_new();
    const Candour__V1__Envelope *e = ev->env;
    const char *vals[4] = {e->event_id, e->type, e->producer, e->complaint_ref};
    cd_tx_add(tx, in->sql_inbox, 4, vals); /* on failure tx is poisoned: commit fails it */
    return tx;
}

/* A failure that is the moment's, not the event's: a serialization failure or
 * deadlock (class 40), a lock not available (55P03), a statement cancelled
 * (57014), the server shutting down or too busy (class 57P, 53). Such an event
 * is deferred like one whose turn has not come: no NAK is counted for it. */
static int s_transient(const char *sqlstate)
{
    return strncmp(sqlstate, "40", 2) == 0 || strcmp(sqlstate, "55P03") == 0 ||
           strcmp(sqlstate, "57014") == 0 || strncmp(sqlstate, "57P", 3) == 0 ||
           strncmp(sqlstate, "53", 2) == 0;
}

static void s_on_event_committed(const cd_tx_result_t *res, void *arg)
{
    cd_event_t *ev = arg;
    cd_inbox_t *in = ev->in;
    if (res->err == 0) {
        in->applied++;
        cd_metric_add(in->m_applied, 1);
        if (ev->on_committed)
            ev->on_committed(ev->committed_arg);
        cd_inbox_ack(in, ev);
    } else if (res->err == CD_EDB && res->failed_stmt == 0 && strcmp(res->sqlstate, "23505") == 0) {
        in->duplicates++;
        cd_metric_add(in->m_dup, 1);
        cd_log_debug("inbox.duplicate", "{s:s, s:s}", "event_id", ev->env->event_id, "type",
                     ev->env->type);
        cd_inbox_ack(in, ev);
    } else if (res->err == CD_EDB &&
               (strcmp(res->sqlstate, "P0002") == 0 || s_transient(res->sqlstate))) {
        cd_inbox_defer(in, ev, res->message);
    } else if (res->err == CD_EDB || res->err == CD_EINVAL) {
        /* The database refused it, or it cannot be built from its data:
         * trying again will not help, so NAK (dead-lettered after max_naks). */
        cd_inbox_nak(in, ev, CD_CODE_APPLY_FAILED, res->message);
    } else {
        /* Database unreachable or closing: stay silent, the producer resends. */
        cd_inbox_event_free(ev);
    }
}

void cd_inbox_commit(cd_inbox_t *in, cd_event_t *ev, cd_tx_t *tx, void (*on_committed)(void *),
                     void *arg)
{
    ev->on_committed = on_committed;
    ev->committed_arg = arg;
    cd_db_submit(in->db, tx, s_on_event_committed, ev);
}

static void s_handle_event(cd_inbox_t *in, const cd_frame_t *id, int delim, const cd_frame_t *body)
{
    Candour__V1__Envelope *env = candour__v1__envelope__unpack(NULL, body->size, body->data);
    s_peer_t peer;
    if (cd_inbox_peer_copy(&peer, id, delim) != 0) {
        candour__v1__envelope__free_unpacked(env, NULL);
        return;
    }
    if (!env || strlen(env->event_id) != CD_UUID_LEN || !*env->type) {
        cd_log_warn("inbox.malformed_event", "{s:i}", "bytes", (int)body->size);
        s_nak(in, &peer, env ? env->event_id : "", CD_CODE_MALFORMED_EVENT,
              "the event is not a valid candour.v1.Envelope with an event_id and a type");
        candour__v1__envelope__free_unpacked(env, NULL);
        free(peer.data);
        return;
    }
    /* The catalogue says what the payload is: an unknown type, or a payload
     * that is not its message, is refused here, for every service. */
    const cd_event_type_t *type = cd_event_type(env->type);
    /* Its texts as the request path checks them: a NUL would be cut at
     * unpack, so it is refused on the bytes, like text that is not UTF-8. */
    char path[128];
    ProtobufCMessage *payload =
        type && cd_pb_check_text(type->payload, env->payload.data, env->payload.len, path,
                                 sizeof path) == 0
            ? protobuf_c_message_unpack(type->payload, NULL, env->payload.len, env->payload.data)
            : NULL;
    if (!payload) {
        cd_code_t code = type ? CD_CODE_MALFORMED_EVENT : CD_CODE_UNKNOWN_EVENT;
        cd_log_warn("inbox.refused_event", "{s:s, s:s, s:s}", "event_id", env->event_id, "type",
                    env->type, "code", cd_code_name(code));
        s_nak(in, &peer, env->event_id, code,
              type ? "the payload does not decode as the message its type names, or holds"
                     " text with a NUL or that is not UTF-8"
                   : "no event of that type is in the catalogue");
        candour__v1__envelope__free_unpacked(env, NULL);
        free(peer.data);
        return;
    }
    cd_event_t *ev = calloc(1, sizeof *ev);
    if (!ev) {
        protobuf_c_message_free_unpacked(payload, NULL);
        candour__v1__envelope__free_unpacked(env, NULL);
        free(peer.data);
        return;
    }
    ev->peer = peer;
    ev->env = env;
    ev->payload = payload;
    ev->in = in;
    for (const cd_handler_t *h = in->handlers; h && h->type; h++)
        if (strcmp(h->type, env->type) == 0)
            ev->h = h;
    for (const cd_batch_handler_t *b = in->batch_rows; ev->h && b && b->type; b++)
        if (strcmp(b->type, env->type) == 0)
            ev->batch = b->batch;
    if (*env->complaint_ref && s_copy_in_hand(in, ev)) {
        /* A resend of an event in hand: the answer to that copy, sent by
         * event id, answers the producer for both. */
        in->duplicates++;
        cd_metric_add(in->m_dup, 1);
        s_event_destroy(ev);
        return;
    }
    if (s_busy_with(in, ev)) {
        if (in->waiting_tail)
            in->waiting_tail->next = ev;
        else
            in->waiting = ev;
        in->waiting_tail = ev;
        in->nwaiting++;
        cd_metric_set(in->m_waiting, in->nwaiting);
        return;
    }
    s_dispatch(in, ev);
}

/* Hand ev to the service, marked busy until it is answered. */
static void s_dispatch(cd_inbox_t *in, cd_event_t *ev)
{
    if (!cd_db_ready(in->db)) {
        s_event_destroy(ev); /* the producer resends once we are back */
        return;
    }
    in->nevents++;
    if (*ev->env->complaint_ref) {
        ev->busy = 1;
        ev->prev = NULL;
        ev->next = in->busy;
        if (in->busy)
            in->busy->prev = ev;
        in->busy = ev;
    }
    if (ev->batch)
        cd_inbox_batch_hold(in, ev); /* applied with the others of its type this turn */
    else
        cd_inbox_apply_one(in, ev);
}

void cd_inbox_apply_one(cd_inbox_t *in, cd_event_t *ev)
{
    if (ev->h)
        ev->h->fn(in, ev, ev->env, ev->payload, in->arg);
    else /* a type the service hears but does nothing for: recorded, acknowledged */
        cd_inbox_commit(in, ev, cd_inbox_tx(in, ev), NULL, NULL);
}

/* ---------------------------------------------------------------- framing */

static void s_on_message(cd_zsock_t *sock, const cd_frame_t *f, int n, void *arg)
{
    cd_inbox_t *in = arg;
    if (n < 1)
        return;
    int i = 1, delim = 0;
    if (i < n && f[i].size == 0) {
        delim = 1; /* REQ peers put an empty frame first */
        i++;
    }
    s_peer_t peer = {(void *)f[0].data, f[0].size, delim};
    if (n - i == 2 && f[i].size == 3 && memcmp(f[i].data, "EVT", 3) == 0 && in->handlers) {
        s_handle_event(in, &f[0], delim, &f[i + 1]);
    } else if (n - i == 2 && f[i].size == 3 && memcmp(f[i].data, "REQ", 3) == 0) {
        /* On an internal endpoint the User-Id is a member of the suite,
         * never an organisation: a handler that authorises against
         * cd_request_org must not take "gateway" for one. */
        const char *uid = cd_zsock_msg_gets(sock, "User-Id");
        if (in->internal)
            cd_inbox_handle_request(in, &f[0], delim, &f[i + 1], NULL, NULL, uid);
        else
            cd_inbox_handle_request(in, &f[0], delim, &f[i + 1], uid,
                                    cd_zsock_msg_gets(sock, "X-Key"), NULL);
    } else {
        cd_log_warn("inbox.malformed_frame", "{s:i}", "frames", n - i);
        cd_inbox_reply_error(in, &peer, "", CD_CODE_MALFORMED_FRAME, "",
                             "expected two frames: \"REQ\" then a candour.v1.Request");
    }
}

/* ---------------------------------------------------------------- lifecycle */

cd_inbox_t *cd_inbox_new(uv_loop_t *loop, cd_db_t *db, const char *schema,
                         const cd_handler_t *handlers, cd_request_fn on_request, void *arg)
{
    cd_inbox_t *in = calloc(1, sizeof *in);
    if (!in)
        return NULL;
    in->loop = loop;
    in->db = db;
    snprintf(in->schema, sizeof in->schema, "%s", schema);
    snprintf(in->sql_inbox, sizeof in->sql_inbox,
             "INSERT INTO %s.inbox (event_id, type, producer, complaint_ref)"
             " VALUES ($1::uuid, $2, $3, $4)",
             schema);
    in->handlers = handlers;
    in->on_request = on_request;
    in->arg = arg;
    in->sock = cd_zsock_new(loop, ZMQ_ROUTER, s_on_message, in);
    if (!in->sock) {
        free(in);
        return NULL;
    }
    in->m_applied =
        cd_metric_counter("candour_inbox_applied_total", NULL, "Events applied (first delivery).");
    in->m_dup = cd_metric_counter("candour_inbox_duplicates_total", NULL,
                                  "Redelivered events acknowledged without applying again.");
    in->m_rejected =
        cd_metric_counter("candour_inbox_rejected_total", NULL, "Events answered with a NAK.");
    in->m_requests = cd_metric_counter("candour_requests_total", NULL, "Requests received.");
    in->m_waiting =
        cd_metric_gauge("candour_inbox_waiting", NULL,
                        "Events waiting for an earlier event about the same complaint.");
    cd_inbox_batch_init(in);
    return in;
}

int cd_inbox_curve_server(cd_inbox_t *in, const char *server_secret_z85)
{
    if (cd_zsock_curve_server(in->sock, server_secret_z85) != 0) {
        int e = errno;
        cd_log_error("inbox.curve_failed", "{s:s}", "error", zmq_strerror(e));
        return e == EINVAL ? CD_EINVAL : CD_EIO;
    }
    return 0;
}

int cd_inbox_curve_internal(cd_inbox_t *in, const char *server_secret_z85)
{
    if (cd_zsock_curve_server_domain(in->sock, server_secret_z85, CD_ZSOCK_ZAP_INTERNAL) != 0) {
        int e = errno;
        cd_log_error("inbox.curve_failed", "{s:s, s:s}", "error", zmq_strerror(e), "domain",
                     CD_ZSOCK_ZAP_INTERNAL);
        return e == EINVAL ? CD_EINVAL : CD_EIO;
    }
    in->internal = 1;
    return 0;
}

int cd_inbox_bind(cd_inbox_t *in, const char *endpoint)
{
    if (cd_zsock_bind(in->sock, endpoint) != 0) {
        cd_log_error("inbox.bind_failed", "{s:s, s:s}", "endpoint", endpoint, "error",
                     zmq_strerror(zmq_errno()));
        return CD_EIO;
    }
    return cd_zsock_start(in->sock);
}

uint64_t cd_inbox_applied(const cd_inbox_t *in)
{
    return in->applied;
}

uint64_t cd_inbox_duplicates(const cd_inbox_t *in)
{
    return in->duplicates;
}

/* Events not yet started were never applied nor answered: their producers
 * resend them (to this process when it is back, or to another instance). */
static void s_drop_waiting(cd_inbox_t *in)
{
    while (in->waiting) {
        cd_event_t *w = in->waiting;
        in->waiting = w->next;
        s_event_destroy(w);
    }
    in->waiting_tail = NULL;
    in->nwaiting = 0;
    cd_metric_set(in->m_waiting, 0);
}

void cd_inbox_stop_reading(cd_inbox_t *in)
{
    if (!in)
        return;
    cd_zsock_pause(in->sock);
    s_drop_waiting(in);
}

void cd_inbox_destroy(cd_inbox_t **pin)
{
    if (!pin || !*pin)
        return;
    cd_inbox_t *in = *pin;
    *pin = NULL;
    cd_zsock_set_linger(in->sock, 1000); /* let the last replies and ACKs leave */
    cd_zsock_destroy(&in->sock);         /* answers from now on go nowhere (s_send) */
    s_drop_waiting(in);
    cd_inbox_batch_drop(in); /* after the waiting: none of them starts in its place */
    cd_inbox_batch_close(in);
    in->closing = 1;
    cd_inbox_maybe_free(in);
}
