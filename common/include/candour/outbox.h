/* outbox.h - the transactional outbox and its dispatcher.
 *
 * A service never sends an event directly: it adds the event to its outbox in
 * the same transaction as the state change that caused it (cd_outbox_put, or
 * cd_outbox_put_many for a batch), so the two commit or vanish together. The
 * dispatcher then delivers each event to every subscriber named at put time,
 * over a DEALER socket per subscriber, and marks the delivery done when that
 * subscriber ACKs, which it does only after its own commit. Unacknowledged deliveries are resent with exponential
 * backoff and jitter; an event NAKed max_naks times is dead-lettered.
 *
 * Ordering: for one subscriber and one complaint reference, an event is not
 * sent until every earlier one has been acknowledged (or dead-lettered and
 * then discarded), so a consumer applies one complaint's events in the order
 * they were caused.
 *
 * Several instances of one service may share an outbox: claims use
 * FOR UPDATE SKIP LOCKED. A subscriber may run as several instances (its
 * endpoint a comma-separated list): each event goes to the home of its
 * complaint among them (partition.h; an event about no complaint, to the
 * home of its event id), so one instance applies all of a complaint's
 * events, whichever service produced them. Tables (created by the migrations in each schema):
 * <schema>.outbox and <schema>.outbox_delivery. */
#ifndef CANDOUR_OUTBOX_H
#define CANDOUR_OUTBOX_H

#include <protobuf-c/protobuf-c.h>
#include <stdint.h>
#include <uv.h>

#include "candour/db.h"
#include "candour/keys.h"

typedef struct cd_outbox_t cd_outbox_t;

typedef struct {
    const char *name;      /* subscriber's service name, e.g. "routing" */
    const char *endpoint;  /* its ROUTER endpoint, e.g. "tcp://127.0.0.1:7102", or its
                            * instances' separated by commas (the same list, in any
                            * order, in every producer) */
} cd_subscriber_t;

typedef struct {
    int poll_ms;           /* how often to look for due deliveries without a kick (default 250) */
    int batch;             /* deliveries claimed per round (default 256) */
    int retry_base_ms;     /* first resend after this long without ACK (default 1000) */
    int retry_cap_ms;      /* backoff ceiling (default 30000) */
    int max_naks;          /* NAKs before dead-lettering (default 5) */
    int window;            /* deliveries in flight per subscriber instance, unacknowledged (default 128):
                            * a busy subscriber is sent no more than it can work through before
                            * a resend would fire, so it is not resent what it merely has queued */
    int pace_ms;           /* rounds (acks recorded, then a claim) at least this far apart unless
                            * the last claimed a full batch (default 10): under load a round
                            * carries many deliveries instead of one or two */
} cd_outbox_opts_t;

/* One event to put in the outbox. */
typedef struct {
    const char *type;                 /* "complaint.received" */
    const char *complaint_ref;        /* "" if none */
    const char *correlation_id;       /* NULL: a new one */
    const char *causation_id;         /* NULL or "" for none */
    const ProtobufCMessage *payload;  /* the event message */
    const char *const *subscribers;   /* NULL-terminated subscriber names; NULL: the catalogue's (events.h) */
} cd_event_out_t;

/* schema and producer must be plain identifiers ([a-z_]+); they are trusted
 * compile-time names, never input. opts may be NULL for the defaults. */
cd_outbox_t *cd_outbox_new(uv_loop_t *loop, cd_db_t *db, const char *schema, const char *producer,
                           const cd_subscriber_t *subs, int nsubs, const cd_outbox_opts_t *opts);
void cd_outbox_destroy(cd_outbox_t **pob);

/* Connect to the subscribers as a CURVE client with keys (keys.h): each
 * subscriber's public key is the set's key of its name. Before
 * cd_outbox_start; keys must outlive the outbox's start (libzmq copies them
 * then). Without it the sockets are plain (tests of the outbox alone). */
void cd_outbox_set_keys(cd_outbox_t *ob, const cd_keys_t *keys);

/* Start the timer and connect the sockets. CD_EIO when a socket cannot be
 * made or connected, or the key set has no key for a subscriber. */
int cd_outbox_start(cd_outbox_t *ob);

/* Add the statements that put ev in the outbox to tx. If guard_sql is not
 * NULL, the event is put only when that SQL boolean expression is true inside
 * the transaction; it may use the placeholder $G (as often as it needs),
 * bound to guard_param as text
 * (e.g. "EXISTS (SELECT 1 FROM intake.complaint WHERE reference = $G)").
 * Returns 0, CD_ENOMEM or CD_EIO (no randomness for ids). */
int cd_outbox_put(cd_outbox_t *ob, cd_tx_t *tx, const cd_event_out_t *ev, const char *guard_sql,
                  const char *guard_param);

/* Add ONE statement to tx that puts the n events evs[0..n-1] in the outbox,
 * each exactly as cd_outbox_put would (its own event id, correlation id,
 * payload bytes and delivery rows), so a transaction's statement count does
 * not grow with its events. Events put together take outbox sequence numbers
 * in array order. n may be 0 (the statement then puts nothing).
 *
 * With guard_sql, evs[i] is put only when guard_sql is true with $G bound to
 * guard_params[i] (text; NULL is SQL NULL), as cd_outbox_put's guard. It is
 * evaluated once per event inside this statement, after the transaction's
 * earlier statements. Hazard: columns in it must be qualified or belong to
 * a table of its own subquery, since the events' rows are in scope (as
 * cd_e: type, complaint_ref, ...).
 *
 * Strings travel in one JSON document built with jansson, so any text is
 * safe in them; they must be valid UTF-8 (else CD_EINVAL). Returns 0,
 * CD_ENOMEM, CD_EIO (no randomness for ids) or CD_EINVAL; on failure tx is
 * poisoned. */
int cd_outbox_put_many(cd_outbox_t *ob, cd_tx_t *tx, const cd_event_out_t *evs, int n,
                       const char *guard_sql, const char *const *guard_params);

/* Look for due deliveries now (call after committing a tx that put events). */
void cd_outbox_kick(cd_outbox_t *ob);

/* Events sent, acknowledged and dead-lettered since start (for tests and metrics). */
uint64_t cd_outbox_sent(const cd_outbox_t *ob);
uint64_t cd_outbox_acked(const cd_outbox_t *ob);

#endif
