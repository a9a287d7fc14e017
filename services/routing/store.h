/* store.h - routing.complaint and its history, as SQL: the one read an event
 * needs, the row's INSERT and versioned UPDATE (columns by name), the
 * history lines, and the events a decision puts into the outbox. apply.c
 * decides (with partners_out.c for what goes to other bodies); this file is
 * how a decision is read and written, and what those two share. */
#ifndef ROUTING_STORE_H
#define ROUTING_STORE_H

#include <libpq-fe.h>

#include "candour/calendar.h"
#include "candour/db.h"
#include "candour/inbox.h"
#include "candour/outbox.h"
#include "candour/v1/events.pb-c.h"
#include "decide.h"

/* One event being applied: what it needs from the read, until it is written. */
typedef struct {
    cd_inbox_t *in;
    cd_event_t *ev;
    const Candour__V1__Envelope *env; /* owned by ev */
    const ProtobufCMessage *payload;  /* env's payload, decoded (owned by ev) */
    rt_state_t cur;
    char version[16];
    char org_id[80];
    char *content; /* ComplaintRouted as JSON, from the row */
    /* what triage needs (from the row, or from complaint.received) */
    rt_route_t routes[RT_MAX_ROUTES];
    int nroutes, nservices;
    int exclusion, chc_appeal, pass_to_provider;
    int response_days, update_days;     /* the body's (R5); 0: Candour's defaults */
    char response_due[CD_DATE_LEN + 1]; /* the row's, "" before it exists */
    char manager[4][200];               /* the complaints manager named (R4): "" when none */
    int consent_given, consent_all;
    char share[RT_MAX_PARTNERS][RT_ORG];
    int nshare;
    /* the triage as recorded: who leads, and the partners asked (R3) */
    char lead_org[RT_ORG];
    char partners[RT_MAX_PARTNERS][RT_ORG];
    int npartners;
    /* In a batch (batch.c): where its history, events and deadlines are
     * gathered to be written with the others' (sink.h); NULL alone. */
    struct rt_sink *sink;
} rt_apply_t;

/* Columns of routing.complaint an event sets besides its state, as text
 * parameters; NULL leaves a column as it is (in the INSERT: unset, so triage
 * columns stay NULL and partners empty). They go into the row's one
 * INSERT or versioned UPDATE, so that an event writes the row (and its audit
 * entry) once. */
typedef struct {
    const char *consent_given;  /* "t" / "f" */
    const char *consent_all;    /* "t" / "f": a consent listing no body covers every body */
    const char *consent_share;  /* text[] literal: the bodies the consents cover */
    const char *triage_outcome; /* rt_outcome_name() */
    const char *triage_reason;  /* plain words */
    const char *lead_org;       /* the body that leads */
    const char *partners;       /* text[] literal: the bodies asked to contribute */
    const char *investigator;   /* staff id from investigator.assigned (the caseload's) */
    char *share_buf;            /* consent_share's storage (malloc'd; rt_cols_free) */
    char *partners_buf;         /* partners' storage (malloc'd; rt_cols_free) */
} rt_cols_t;

#define S_MAX_LINES (2 + RT_MAX_PARTNERS) /* the event's, the triage's, a partner's each */

typedef struct {
    const char *event[S_MAX_LINES];    /* event type, e.g. "complaint.triaged" */
    const char *producer[S_MAX_LINES]; /* the service that produced it */
    const char *event_id[S_MAX_LINES]; /* "": a line of routing's own, with no event id */
    const char *detail[S_MAX_LINES];   /* points into text */
    char text[S_MAX_LINES][400];       /* the details, copied */
    int n;                             /* lines added */
} rt_history_t;

/* Its columns: the complaint's row (all NULL while routing does not know the
 * complaint), the receiving body's policy, then one route per result row
 * (NULL when no route was found: the one row then carries no route). */
enum {
    S_COL_STATE,
    S_COL_HOLDS,
    S_COL_ROUTED,
    S_COL_ACKNOWLEDGED,
    S_COL_RESPONSE_SENT,
    S_COL_VERSION,
    S_COL_CONTENT,
    S_COL_ORG,
    S_COL_EXCLUSION,
    S_COL_CHC_APPEAL,
    S_COL_CONSENT_GIVEN,
    S_COL_CONSENT_ALL,
    S_COL_CONSENT_SHARE,
    S_COL_NSERVICES,
    S_COL_PASS_TO_PROVIDER,
    S_COL_RESPONSE_DAYS, /* the body's own periods (R5), 0: Candour's defaults */
    S_COL_UPDATE_DAYS,
    S_COL_ACK,           /* '', 'owed', 'requested' (R4) */
    S_COL_RESPONSE_DUE,  /* YYYY-MM-DD, after any extension */
    S_COL_CONSENT_ASKED, /* the consent-request letter was asked for (R2) */
    S_COL_LEAD_ORG,      /* the triage's lead, "" before triage */
    S_COL_PARTNERS,      /* text[]: the partners asked (R3) */
    S_COL_MANAGER,       /* the body's complaints manager: name, job title, email, phone */
    S_COL_ROUTE = S_COL_MANAGER + 4 /* service, kind, commissioner, provider, nhse_direct */
};

/* The one read of an event (columns S_COL_*): $1 reference, and for
 * complaint.received (no row yet) $2 organisation, $3 services (text[]),
 * $4 day of receipt. */
extern const char rt_sql_read[];
/* The read's parameters for one event (rt_apply_prepare). */
typedef struct {
    const char *v[4];
    char *services; /* malloc'd (complaint.received): free once the read is built */
    char org[80];
    char day[CD_DATE_LEN + 1];
} rt_read_args_t;

/* apply.c: an event applied in three steps, so that one event or a batch
 * (batch.c) goes the same way: prepare (its read's parameters), decide from
 * the read's result and add the write to a transaction, answer. */
enum { RT_APPLY_OK, RT_APPLY_UNREAD, RT_APPLY_UNKNOWN, RT_APPLY_MALFORMED };
rt_apply_t *rt_apply_prepare(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                             const ProtobufCMessage *payload, rt_read_args_t *args);
/* RT_APPLY_OK (the write added to tx), RT_APPLY_UNREAD (no row came back),
 * RT_APPLY_UNKNOWN (the complaint is not known yet: the event waits) or
 * RT_APPLY_MALFORMED (a complaint.received without a time). */
int rt_apply_decide(rt_apply_t *a, PGresult *r, cd_tx_t *tx);
/* The event's answer from rc: commit tx (it holds the inbox record), or
 * discard it and defer or refuse the event. Consumes a and tx. */
void rt_apply_answer(rt_apply_t *a, int rc, cd_tx_t *tx);
void rt_apply_free(rt_apply_t *a);

/* The row read, into a (nothing when routing does not know the complaint). */
void rt_take_row(rt_apply_t *a, PGresult *r);
/* The routing table's rows for the complaint, one per result row. */
void rt_take_routes(rt_apply_t *a, PGresult *r);

/* What investigation is handed, as JSON (malloc'd), from a submitted complaint. */
char *rt_content(const char *org, const Candour__V1__Complaint *c, const char *ack,
                 const char *resp);
/* The triage's record and consent's, as the row's columns. */
void rt_cols_consent(rt_cols_t *c, const rt_apply_t *a);
void rt_cols_triage(rt_cols_t *c, const rt_actions_t *act, const rt_triage_out_t *t);
/* The partners as a text[] literal (malloc'd; NULL when out of memory). */
char *rt_partners_array(const rt_triage_out_t *t);
/* Free what rt_cols_consent and rt_cols_triage allocated. */
void rt_cols_free(rt_cols_t *c);
/* complaint.received: the row and its deadlines; -1 when the event has no
 * time of receipt. *content gets the JSON handed to investigation. */
int rt_store_received(cd_tx_t *tx, const rt_apply_t *a, const rt_state_t *next, const rt_cols_t *c,
                      char **content);
/* Any later event: the row only if its version is still the one read (else
 * P0002: the event is deferred and decided again), and the deadlines the
 * decision meets or closes. */
void rt_store_update(cd_tx_t *tx, const rt_apply_t *a, const rt_state_t *next,
                     const rt_actions_t *act, const char *content, const rt_cols_t *c);
/* The history lines of one event, written in order by one statement. */
void rt_history_add(rt_history_t *h, const char *event, const char *producer, const char *event_id,
                    const char *detail);
void rt_history_write(cd_tx_t *tx, const char *ref, const rt_history_t *h);

/* The events one decision puts, in the order it decides them. They go into
 * the outbox together, by one statement (cd_outbox_put_many), which gives
 * them their outbox seq in this order: the order each subscriber is sent
 * them in. A payload is built on the stack of the helper that decides it,
 * so each event keeps a copy of its own until the put. */
/* routed, ack, status, outcome, declined, consent asked, referral; requests or shares */
#define RT_MAX_EVENTS (7 + RT_MAX_PARTNERS)

typedef struct {
    cd_event_out_t ev[RT_MAX_EVENTS];      /* the events, in the order decided */
    ProtobufCMessage *copy[RT_MAX_EVENTS]; /* the payloads ev[] points to, owned */
    int n;                                 /* events added */
} rt_events_t;

/* Add an event about a's complaint, caused by a's event, to evs (a copy of
 * payload; out of memory poisons tx: never a decision without all its
 * events). More than RT_MAX_EVENTS is a bug. */
void rt_events_add(cd_tx_t *tx, rt_events_t *evs, const rt_apply_t *a, const char *type,
                   const ProtobufCMessage *payload, const char *const *to);
/* Put evs' events with one statement (none for no events); free the copies. */
void rt_events_put(cd_tx_t *tx, rt_events_t *evs);

/* apply.c: what triage (and the referral's consent rule) is given for a;
 * share (RT_MAX_PARTNERS) holds the names of the bodies the consent covers,
 * for in. */
void rt_triage_in_of(const rt_apply_t *a, rt_triage_in_t *in, const char **share);

/* partners_out.c: what a decision sends to other bodies, each with its
 * history line in h, inside the decision's transaction tx. The complaint
 * (content: ComplaintRouted as JSON) referred on to the body triage named
 * (I5a), its contact details only where consent allows (R2); no content
 * poisons tx. */
void rt_put_referral(cd_tx_t *tx, rt_events_t *evs, const rt_apply_t *a, const rt_triage_out_t *t,
                     const char *content, rt_history_t *h);
/* The partners' contribution deadlines (one statement for all) and the
 * request to each (R3). */
void rt_put_contributions(cd_tx_t *tx, rt_events_t *evs, const rt_apply_t *a,
                          const rt_triage_out_t *t, const char *content, rt_history_t *h);
/* On response.approved, the final response shared with each partner of a
 * complaint this body led (R3, N2); nothing for any other event. */
void rt_put_shared(cd_tx_t *tx, rt_events_t *evs, const rt_apply_t *a, rt_history_t *h);

#endif
