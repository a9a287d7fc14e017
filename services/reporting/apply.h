/* apply.h - what one event changes in the reporting schema, as plain values
 * (pure: an event's payload in, row values out; no SQL, no I/O).
 *
 * The daemon (events.c) and `candourctl reporting rebuild` both turn these
 * values into the same statements (apply_sql.c), so a rebuild from the
 * producers' outboxes writes what the live consumer wrote.
 *
 * De-identified by construction: a value is kept only as a code (an
 * organisation id, a KO41a category, an enum's name), a date, a count or a
 * reference; a text that does not have a code's shape (rp_code_ok) is
 * dropped, so a name, an address or a person's words put where a code
 * belongs never reach the schema. Nothing is copied from the complainant,
 * the patient, the description, the findings or any note.
 *
 * Order: events from different producers about one complaint may arrive in
 * any order (intake's complaint.received after routing's complaint.routed,
 * say). Each column therefore merges in a way that does not depend on it:
 * set once, the least or greatest, a count added, or the value of the
 * latest (or earliest) event of its group by the event's occurred_at (a
 * stamp column kept beside it). Two events of one group at the same
 * microsecond are the one hazard: the one applied last wins. */
#ifndef REPORTING_APPLY_H
#define REPORTING_APPLY_H

#include <stddef.h>
#include <stdint.h>

#include "candour/v1/envelope.pb-c.h"
#include <protobuf-c/protobuf-c.h>

#define RP_VALUE_MAX 72   /* a value's text: a code (at most 64 bytes), a date, a number */
#define RP_MAX_COLS 24    /* columns of reporting.complaint one event sets */
#define RP_MAX_ASPECTS 30 /* key issues per case (investigation's IV_MAX_KEY_ISSUES) */
#define RP_MAX_PARTNERS 16
#define RP_MAX_ACTIONS 30 /* actions per case (investigation's S_MAX_LIST) */

/* How a column's new value meets the one already there (SQL in apply_sql.c). */
typedef enum {
    RP_SET,      /* the new value (a column only one event, once, sets) */
    RP_MIN,      /* the least (NULLs ignored): "the first day it happened" */
    RP_MAX,      /* the greatest (NULLs ignored); for booleans: once true, true */
    RP_ADD,      /* added to the count */
    RP_LATEST,   /* the new value if its stamp is not older than the row's */
    RP_EARLIEST, /* the new value if its stamp is not newer than the row's */
} rp_merge_t;

/* One column of reporting.complaint an event sets. */
typedef struct {
    const char *column; /* its name: a constant of apply.c, never input */
    const char *type;   /* its SQL type, for the parameter's cast */
    rp_merge_t merge;
    const char *stamp;        /* RP_LATEST/RP_EARLIEST: the group's stamp column */
    char value[RP_VALUE_MAX]; /* the value as text (NULL when is_null) */
    int is_null;
} rp_col_t;

/* One aspect (key issue) of the complaint, as the investigation agreed and
 * found it: KO41a codes and the verdict, never its summary. */
typedef struct {
    char issue_id[RP_VALUE_MAX]; /* "KI1" */
    char subject[RP_VALUE_MAX];  /* "" when not coded */
    char service_area[RP_VALUE_MAX];
    char profession[RP_VALUE_MAX];
    char verdict[RP_VALUE_MAX]; /* "upheld", "not-upheld", "not-addressed", "" none */
} rp_aspect_t;

/* A partner body in a coordinated complaint (R3) and its part. */
typedef struct {
    char org_id[RP_VALUE_MAX];
    const char *part; /* "expected", "contributed" or "waived" (a constant) */
} rp_partner_t;

/* A stage of the Ombudsman's consideration (L4). */
typedef struct {
    char stage[RP_VALUE_MAX];    /* "referred", "assessing", ... */
    char stage_on[RP_VALUE_MAX]; /* YYYY-MM-DD, "" unknown */
    char outcome[RP_VALUE_MAX];  /* decided: "upheld", ...; else "" */
} rp_stage_t;

/* An action agreed (V5), as reporting.action keeps it: never its words or
 * its owner. */
typedef struct {
    int n;                      /* its number, from 1 */
    char due[RP_VALUE_MAX];     /* YYYY-MM-DD */
    char done_on[RP_VALUE_MAX]; /* YYYY-MM-DD, "" while not done */
} rp_action_t;

/* Everything one event changes. */
typedef struct {
    char reference[RP_VALUE_MAX]; /* the complaint's */
    int ncols;
    rp_col_t cols[RP_MAX_COLS]; /* reporting.complaint: upserted by reference */
    int aspects_set;            /* 1: the aspects below replace those of older events */
    int64_t aspects_us;         /* ... whose stamp (occurred_at) they carry */
    int naspects;
    rp_aspect_t aspects[RP_MAX_ASPECTS];
    int npartners;
    rp_partner_t partners[RP_MAX_PARTNERS];
    int has_stage;
    rp_stage_t stage;
    int action_done;    /* 1: actions[0] was done on its done_on (action.done) */
    int actions_set;    /* 1: the actions below replace those of older events */
    int64_t actions_us; /* ... whose stamp (occurred_at) they carry */
    int nactions;
    rp_action_t actions[RP_MAX_ACTIONS];
} rp_change_t;

/* The change `payload` (of envelope type env->type, decoded by the
 * catalogue's message) makes. 1: out holds it; 0: the event changes nothing
 * reporting keeps (an unknown type, a letter kind it does not count, an
 * extension of another deadline); -1: it cannot be kept (no complaint
 * reference, a payload of the wrong message). */
int rp_apply(const Candour__V1__Envelope *env, const ProtobufCMessage *payload, rp_change_t *out);

/* The i-th event type rp_apply keeps something of (NULL past the last),
 * from its own table: the daemon's handler table and the rebuild's replay
 * both take exactly these. */
const char *rp_type(size_t i);

/* Non-zero when s has a code's shape: 1..64 bytes of letters, digits and
 * . _ - (no space, no other character), so no name or sentence passes. */
int rp_code_ok(const char *s);

/* The column of out named `column`, or NULL (for tests). */
const rp_col_t *rp_change_col(const rp_change_t *out, const char *column);

#endif
