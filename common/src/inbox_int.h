/* inbox_int.h - what inbox.c (one event at a time, requests) and
 * inbox_batch.c (events applied together) share of an inbox's insides. */
#ifndef CANDOUR_INBOX_INT_H
#define CANDOUR_INBOX_INT_H

#include "candour/inbox.h"
#include "candour/metrics.h"

typedef struct {
    void *data; /* ROUTER identity of the peer */
    size_t size;
    int delim; /* the peer is a REQ socket: echo an empty delimiter */
} s_peer_t;

struct cd_event_t {
    s_peer_t peer;
    Candour__V1__Envelope *env;
    ProtobufCMessage *payload; /* env's payload, decoded by the catalogue's message */
    const cd_handler_t *h;     /* the service's handler row for its type; NULL: not the service's */
    cd_batch_fn batch;         /* its type's batch function (cd_inbox_batch_handlers), or NULL */
    cd_inbox_t *in;
    void (*on_committed)(void *);
    void *committed_arg;
    cd_event_t *prev, *next; /* in in->busy (being applied) or in->waiting */
    int busy;                /* in in->busy */
};

struct cd_request_t {
    cd_inbox_t *in; /* the endpoint it came in on answers it */
    s_peer_t peer;
    char *request_id;
    char org[65];    /* User-Id from ZAP (the organisation), "" when not CURVE */
    char member[33]; /* User-Id on an internal endpoint (the suite's member), else "" */
    char key[41];    /* X-Key from ZAP (the client's public key, Z85), "" when not CURVE */
    char acting[32]; /* Request.acting ("" none; "?" one too long to be a staff_id) */
    char ops_user[65];
};

struct cd_inbox_t {
    uv_loop_t *loop;
    cd_db_t *db;
    char schema[64];
    char sql_inbox[256];
    const cd_handler_t *handlers; /* {type, fn} rows, {NULL, NULL} last; NULL: requests only */
    cd_request_fn on_request;
    void *arg;
    cd_zsock_t *sock;
    int internal; /* a CURVE server of the suite's keys (cd_inbox_curve_internal) */
    /* One event per complaint at a time: events being applied (busy), and
     * events that arrived while an earlier one about the same complaint was
     * being applied (waiting, in arrival order). Producers order each
     * complaint's events, but events from different producers about one
     * complaint would otherwise race to update it and all but one would be
     * deferred for a resend. Both lists are bounded by the producers'
     * windows of unacknowledged events. */
    cd_event_t *busy, *waiting, *waiting_tail;
    int nwaiting;
    /* Events handed to the service and requests taken, not yet answered:
     * cd_inbox_destroy leaves the memory to the last of them (closing). */
    int nevents, nrequests;
    int closing;
    uint64_t applied, duplicates;
    cd_metric_t *m_applied, *m_dup, *m_rejected, *m_requests, *m_waiting;
    /* Events whose type has a batch handler, held until the loop turn's
     * input is read (inbox_batch.c): already busy, not yet handed over. */
    const cd_batch_handler_t *batch_rows;
    cd_event_t **pend;
    int npend, cappend;
    uv_check_t *flush; /* malloc'd: closed apart from the inbox's memory */
    uint64_t batches, batch_events, batch_splits;
    cd_metric_t *m_batches, *m_batch_events, *m_batch_splits;
};

/* inbox.c: the peer's ROUTER identity copied (0, or -1 out of memory);
 * a Reply, or an Error as a Reply, sent to it. */
int cd_inbox_peer_copy(s_peer_t *p, const cd_frame_t *id, int delim);
void cd_inbox_send_reply(cd_inbox_t *in, const s_peer_t *p, const Candour__V1__Reply *reply);
/* message NULL: the code's default. */
void cd_inbox_reply_error(cd_inbox_t *in, const s_peer_t *p, const char *request_id, cd_code_t code,
                          const char *field, const char *message);
/* inbox.c: a destroyed inbox's memory, freed once its last event and request are answered. */
void cd_inbox_maybe_free(cd_inbox_t *in);
/* inbox_request.c: a "REQ" frame's Request (org and key: the ZAP
 * properties on a public endpoint; member: the User-Id on an internal one). */
void cd_inbox_handle_request(cd_inbox_t *in, const cd_frame_t *id, int delim,
                             const cd_frame_t *body, const char *org, const char *key,
                             const char *member);
/* inbox.c: hand ev to its handler's one-at-a-time function. */
void cd_inbox_apply_one(cd_inbox_t *in, cd_event_t *ev);
/* inbox.c: free an answered (or given up) event; start the next about its complaint. */
void cd_inbox_event_free(cd_event_t *ev);

/* inbox_batch.c */
void cd_inbox_batch_init(cd_inbox_t *in);
/* Hold ev (busy, of a type with a batch handler) for this turn's batch. */
void cd_inbox_batch_hold(cd_inbox_t *in, cd_event_t *ev);
/* Give up every held event (the inbox is going). */
void cd_inbox_batch_drop(cd_inbox_t *in);
void cd_inbox_batch_close(cd_inbox_t *in);

#endif
