/* inbox.h - a service's ROUTER endpoint: events in (with dedupe), requests in.
 *
 * Frames on the wire (after the ROUTER identity, and an empty delimiter frame
 * when the peer is a REQ socket):
 *   event:    "EVT" | Envelope          -> reply "ACK" | event_id
 *                                        or   "NAK" | event_id | Error
 *   request:  "REQ" | Request           -> reply "REP" | Reply
 *
 * Events: the service's handler builds its transaction with cd_inbox_tx(),
 * which starts it with the inbox insert, adds its own statements (state
 * change and outbox), and hands it to cd_inbox_commit(). If the event id was
 * seen before, the inbox insert fails with a unique violation, nothing of the
 * transaction is applied, and the event is acknowledged as a duplicate. The
 * ACK is sent only after the commit, so an event is never lost between the
 * producer's outbox and the consumer's state.
 *
 * One event per complaint at a time: an event about a complaint that another
 * event is still being applied for waits (in arrival order) until that one
 * is answered, so events from different producers about one complaint do not
 * race to change it (gauge candour_inbox_waiting). */
#ifndef CANDOUR_INBOX_H
#define CANDOUR_INBOX_H

#include <stdint.h>
#include <uv.h>

#include "candour/db.h"
#include "candour/errcode.h"
#include <protobuf-c/protobuf-c.h>
#include "candour/v1/api.pb-c.h"
#include "candour/v1/envelope.pb-c.h"
#include "candour/v1/error.pb-c.h"
#include "candour/zsock.h"

typedef struct cd_inbox_t cd_inbox_t;
typedef struct cd_event_t cd_event_t;     /* one received event, until it is answered */
typedef struct cd_request_t cd_request_t; /* one received request, until it is answered */

/* Handle one event. Must, now or later, call exactly one of cd_inbox_commit(),
 * cd_inbox_ack(), cd_inbox_nak() or cd_inbox_defer() for ev. `payload` is
 * the envelope's payload, decoded once by the catalogue's message for its
 * type (events.h); it and env live until ev is answered.
 *
 * In cd_inbox_commit, a statement that fails with SQLSTATE P0002 (raised by
 * <schema>.expect(false, ...)) means "what this event needs has not arrived
 * yet": the event is deferred, not refused, and comes again after the
 * producer's backoff. So is a failure of the moment rather than of the event
 * (a deadlock or serialization failure, a lock not available, the server
 * shutting down or out of resources). Any other failure is a NAK. */
typedef void (*cd_event_fn)(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                            const ProtobufCMessage *payload, void *arg);

/* Events of one type applied together (a batch function).
 *
 * The events that arrive in one turn of the loop, of a type that has a
 * batch function (cd_inbox_batch_handlers), are held and handed over
 * together (at most CD_INBOX_BATCH_MAX; one alone goes to its cd_handler_t
 * row's fn as usual): each about a different complaint (one event a
 * complaint is applied at a time), none of them a copy of another in hand. tx already records them all in the inbox;
 * the function adds statements that do for all of them what fn would do for
 * each, set-based (one statement a table for the batch, not one an event),
 * and may set on_committed. The inbox commits it and ACKs every event, or,
 * if it fails in any way but a lost connection (one event already applied,
 * one that cannot be applied yet, one the database refuses), hands each
 * event to fn alone, so each one's outcome is its own: a batch with one bad
 * event fails only that event. The function returns 0 (commit tx now),
 * CD_INBOX_BATCH_LATER (it reads first: it calls cd_inbox_batch_submit or
 * cd_inbox_batch_split for b later, b staying valid until then), or
 * anything else to have them applied one by one from the start (tx is then
 * discarded). */
#define CD_INBOX_BATCH_MAX 256
#define CD_INBOX_BATCH_LATER 1
typedef struct {
    cd_tx_t *tx;
    int n;
    cd_event_t *const *evs;
    const Candour__V1__Envelope *const *envs;
    const ProtobufCMessage *const *payloads;
    void (*on_committed)(void *); /* NULL, or run after the commit, before the ACKs */
    void *committed_arg;
    void *run; /* the inbox's own */
} cd_batch_t;
typedef int (*cd_batch_fn)(cd_inbox_t *in, cd_batch_t *b, void *arg);
/* For a batch function that answered CD_INBOX_BATCH_LATER: commit b->tx as
 * the batch (its outcome as for 0), or give it up and have its events
 * applied one by one. Either ends b. */
void cd_inbox_batch_submit(cd_inbox_t *in, cd_batch_t *b);
void cd_inbox_batch_split(cd_inbox_t *in, cd_batch_t *b);

/* A service's events: {type, handler} rows ending with {NULL, NULL}. The
 * inbox answers in one place what no row takes: a type the catalogue does
 * not know is NAKed (UNKNOWN_EVENT), a payload that does not decode is NAKed
 * (MALFORMED_EVENT), and a known type with no row here is recorded in the
 * inbox and acknowledged (the service has nothing to do for it). */
typedef struct {
    const char *type;
    cd_event_fn fn;
} cd_handler_t;

/* The types whose events may be applied together: {type, batch} rows ending
 * with {NULL, NULL}; each type must also have a cd_handler_t row (its events
 * alone, and a failed batch's, go there). */
typedef struct {
    const char *type;
    cd_batch_fn batch;
} cd_batch_handler_t;

/* Handle one request. Must, now or later, call cd_request_reply() for req. */
typedef void (*cd_request_fn)(cd_inbox_t *in, cd_request_t *req, const Candour__V1__Request *r,
                              void *arg);

/* schema: the service's schema, holding <schema>.inbox. handlers: NULL on an
 * endpoint that takes requests only (an event there is NAKed). */
cd_inbox_t *cd_inbox_new(uv_loop_t *loop, cd_db_t *db, const char *schema,
                         const cd_handler_t *handlers, cd_request_fn on_request, void *arg);
/* Apply the events of rows' types in batches (before cd_inbox_bind; rows
 * must outlive the inbox). */
void cd_inbox_batch_handlers(cd_inbox_t *in, const cd_batch_handler_t *rows);
int cd_inbox_bind(cd_inbox_t *in, const char *endpoint);
/* Make the endpoint a CURVE server admitted by the process's ZAP handler
 * (zap.h), before cd_inbox_bind. 0, CD_EINVAL (malformed key) or CD_EIO (no
 * ZAP handler bound: refused rather than open to every key). */
int cd_inbox_curve_server(cd_inbox_t *in, const char *server_secret_z85);
/* Make it an internal endpoint instead: a CURVE server of ZAP domain
 * CD_ZSOCK_ZAP_INTERNAL, admitting only the suite's keys (keys.h), before
 * cd_inbox_bind. Each request then carries its sender's name
 * (cd_request_member) and no organisation (cd_request_org is ""); one
 * naming the person acting is taken only from "gateway" or "ops", one
 * naming an operator only from "ops", else refused PERMISSION_DENIED
 * (cd_keys_peer_refusal). 0, CD_EINVAL or CD_EIO as above. */
int cd_inbox_curve_internal(cd_inbox_t *in, const char *server_secret_z85);
/* Stop taking messages. Work in flight finishes and its replies and ACKs
 * still go out; cd_inbox_destroy then gives them up to a second to leave.
 * Unread messages are dropped with the socket: their senders time out and
 * retry (requests) or resend (events), as do the senders of events that were
 * waiting for an earlier event about the same complaint. */
void cd_inbox_stop_reading(cd_inbox_t *in);
void cd_inbox_destroy(cd_inbox_t **pin);

/* A new transaction whose first statement records ev in the inbox. */
cd_tx_t *cd_inbox_tx(cd_inbox_t *in, const cd_event_t *ev);
/* Commit tx; then ACK (also when ev was a duplicate), or NAK with the error.
 * on_committed (may be NULL) runs after a successful first-time commit, before
 * the ACK: the place to kick the outbox. */
void cd_inbox_commit(cd_inbox_t *in, cd_event_t *ev, cd_tx_t *tx, void (*on_committed)(void *),
                     void *arg);
void cd_inbox_ack(cd_inbox_t *in, cd_event_t *ev);
/* NAK: the producer retries later; after its max_naks the event is dead-lettered.
 * message NULL: the code's default (errcode.h). */
void cd_inbox_nak(cd_inbox_t *in, cd_event_t *ev, cd_code_t code, const char *message);

/* Answer nothing: the event cannot be applied yet (what it depends on has
 * not arrived). The producer resends it after its backoff; no NAK is counted. */
void cd_inbox_defer(cd_inbox_t *in, cd_event_t *ev, const char *reason);

/* Reply to a request, on the endpoint it came in on; reply->request_id is
 * filled in. Frees req. */
void cd_request_reply(cd_request_t *req, Candour__V1__Reply *reply);
/* Reply with Done (the request took effect). Frees req. */
void cd_request_done(cd_request_t *req);
/* Reply with an error: code (not CD_CODE_OK), the field to fix (NULL or ""
 * for the whole request), message (NULL: the code's default, errcode.h).
 * Frees req. */
void cd_request_fail(cd_request_t *req, cd_code_t code, const char *field, const char *message);

/* ---------------------------------------------------------------- cd_op
 *
 * A request held while the reads and writes it needs run: the operation's
 * message copied (the Request is freed when the handler returns) and the
 * answers every such handler gives, in one place. Each cd_op_ answer frees
 * the op. */
typedef struct {
    cd_request_t *req;     /* the request, answered by the functions below */
    ProtobufCMessage *msg; /* owned copy of the operation's message */
    char note[64];         /* what a handler carries between its steps (e.g. a case id) */
    char actor[240];       /* the person acting, "Name (ST12)", once checked ("" before) */
    char actor_id[32];     /* ... their staff_id, name and job title, as the directory has them */
    char actor_name[201];
    char actor_title[201];
} cd_op_t;

/* NULL when out of memory; the request is then answered INTERNAL. */
cd_op_t *cd_op_new(cd_request_t *req, const ProtobufCMessage *msg);
/* cd_request_fail for the op's request; frees op. */
void cd_op_fail(cd_op_t *op, cd_code_t code, const char *field, const char *message);
/* Answer with reply (its request_id is filled in). */
void cd_op_reply(cd_op_t *op, Candour__V1__Reply *reply);
/* Answer a write's outcome: Done when it committed; FAILED_PRECONDITION on
 * `field` when an expect() in it failed (P0002: the state was not the one
 * read), with `changed` as the message (NULL: the statement's own); else
 * UNAVAILABLE, nothing was changed. Returns 1 when it committed. */
int cd_op_committed(cd_op_t *op, const cd_tx_result_t *res, const char *field, const char *changed);

/* The organisation the request came from: the User-Id the ZAP handler gave
 * its connection (copied at receipt, valid until the request is answered).
 * "" when the endpoint is not a CURVE server. Authorise against this, never
 * against Request.org_id. */
const char *cd_request_org(const cd_request_t *req);
/* On an internal endpoint: the suite's member that sent the request
 * ("routing", "gateway", "ops"; the User-Id from ZAP), "" elsewhere. */
const char *cd_request_member(const cd_request_t *req);
/* The client's CURVE public key (Z85, the "X-Key" the ZAP handler set), ""
 * when not CURVE. ZAP ran only at the handshake: check that this key is still
 * live (cd_zap_key_check) before acting, so a revocation stops a connected
 * client at its next request. */
const char *cd_request_key(const cd_request_t *req);
/* Request.acting: the staff_id of the person a staff operation is done by
 * ("" when none was given; copied at receipt, at most 24 bytes are kept and
 * a longer one reads as one no directory holds). */
const char *cd_request_acting(const cd_request_t *req);
/* Request.ops_user: the operator doing a directory change with candourctl. */
const char *cd_request_ops_user(const cd_request_t *req);
/* The schema whose inbox table this inbox records events in. */
const char *cd_inbox_schema(const cd_inbox_t *in);

/* Counters since start. */
uint64_t cd_inbox_applied(const cd_inbox_t *in);
uint64_t cd_inbox_duplicates(const cd_inbox_t *in);
/* Batches committed, the events in them, and batches split to be applied
 * one by one after failing whole. */
uint64_t cd_inbox_batches(const cd_inbox_t *in);
uint64_t cd_inbox_batch_events(const cd_inbox_t *in);
uint64_t cd_inbox_batch_splits(const cd_inbox_t *in);

#endif
