/* lifecycle.h - a complaint's one lifecycle: its states and what moves them.
 *
 * One table, state x event -> next state and actions, read the same way by
 * every service (after Malamute's server tables: the states, events and
 * actions are data; an event that is not valid in a state is answered in one
 * place, cd_lc_step, never by an `if` in a handler):
 *   - routing drives it: it turns each event it hears (and what triage
 *     decided) into lifecycle events and stores the state they lead to;
 *   - intake asks it whether a complaint in a given state may still be
 *     amended or withdrawn;
 *   - investigation and sign-off ask it whether their step is allowed in the
 *     state their own record of the complaint is in;
 *   - routing's deadline watcher asks it which states are watched.
 *
 * A state is a ComplaintState (lifecycle.proto); the database keeps its name
 * ("under-investigation"). A new feature adds states to the enum and rows to
 * the table in lifecycle.c; the unit test walks every row and proves that no
 * state is unreachable and none but the closed ones is a dead end.
 *
 * Pure: no I/O, no allocation. */
#ifndef CANDOUR_LIFECYCLE_H
#define CANDOUR_LIFECYCLE_H

#include "candour/v1/lifecycle.pb-c.h"

typedef Candour__V1__ComplaintState cd_state_t;

#define CD_STATE_NONE CANDOUR__V1__COMPLAINT_STATE__COMPLAINT_STATE_UNSPECIFIED
#define CD_STATE_COUNT 19 /* states in the enum, UNSPECIFIED included */

/* What happens to a complaint, as the lifecycle sees it. Routing derives
 * these from the envelopes it hears and from triage; the other services name
 * the one their operation is. */
typedef enum {
    CD_LC_RECEIVED,              /* a complaint arrived (intake) */
    CD_LC_COMPLIMENT_RECEIVED,   /* a compliment arrived: recorded only (I8) */
    CD_LC_OUTSIDE_REGS_RECEIVED, /* an oral complaint resolved by the next working day (I4) */
    CD_LC_HELD_FOR_CONSENT,      /* the first thing it waits for: the patient's consent (I2, R2) */
    CD_LC_HELD_FOR_SUMMARY,      /* ... a verbal complaint's summary agreed (I1) */
    CD_LC_HELD_OUT_OF_TIME,      /* ... a decision on the time limit (I3) */
    CD_LC_CONSENT_RECORDED,      /* consent came (lifts a hold; may let partners be asked) */
    CD_LC_SUMMARY_AGREED,        /* the summary was agreed (lifts a hold) */
    CD_LC_OUT_OF_TIME_ACCEPTED,  /* staff decided it can still be investigated (I3) */
    CD_LC_OUT_OF_TIME_DECLINED,  /* staff declined it, with reasons (I3) */
    CD_LC_AMENDED, /* new content (before triage: triaged again; after: more information) */
    CD_LC_TRIAGED_HANDLE_HERE,          /* nothing holds it: this body investigates (R1) */
    CD_LC_TRIAGED_LEAD,                 /* several bodies, this one leads; partners asked (R3) */
    CD_LC_TRIAGED_NOT_REQUIRED,         /* reg. 8(1) (I5) */
    CD_LC_TRIAGED_ALREADY_INVESTIGATED, /* I5(e) */
    CD_LC_TRIAGED_APPEAL,               /* a CHC eligibility appeal only (I6) */
    CD_LC_TRIAGED_PASS_TO_PROVIDER,     /* R2 */
    CD_LC_TRIAGED_REDIRECT_NHSE,        /* R1 */
    CD_LC_TRIAGED_ELSEWHERE,            /* several bodies, another leads (R3) */
    CD_LC_CASE_OPENED,                  /* investigation opened its case */
    CD_LC_CONTRIBUTION,            /* a partner's part arrived, or the manager waived it (R3) */
    CD_LC_INVESTIGATION_COMPLETED, /* the investigator recorded the outcome */
    CD_LC_RESPONSE_APPROVED,       /* the response was signed */
    CD_LC_ACKNOWLEDGED,            /* the acknowledgement letter went (R4) */
    CD_LC_RESPONSE_SENT,           /* the final response letter went */
    CD_LC_WITHDRAWN,               /* the complainant withdrew it */
    CD_LC_DEADLINE,                /* a deadline fell due soon or overdue: raised (R6) */
    CD_LC_EXTENDED,                /* a deadline moved by a recorded agreement (R5) */
    CD_LC_INVESTIGATOR_ASSIGNED,   /* the complaints manager named the investigator (V1) */
    CD_LC_CASE_RECORDED, /* the case's record grew: plan, key issues, evidence, findings, draft */
    CD_LC_OMBUDSMAN_REFERRAL, /* a stage of the complaint at the Ombudsman, recorded (L4) */
    CD_LC_ACK_DUE,            /* the acknowledgement's due day came (R4) */
    CD_LC_PROGRESS_SENT,      /* a progress update went to the complainant (R5) */
    CD_LC_RESPONSE_LATE,      /* the complainant was told why the response is late (R5) */
    CD_LC_DRAFT_RETURNED,     /* a signatory sent the draft back to the investigator (F2) */
    CD_LC_EVENT_COUNT
} cd_lc_event_t;

/* What the row asks its driver to do besides storing the next state. A
 * driver carries out an action only where its data calls for it too (a
 * triage outcome is written to the complainant only when triage says so). */
enum {
    CD_LC_A_STATUS = 1 << 0,          /* tell the submitting organisation the new state */
    CD_LC_A_ACK_LETTER = 1 << 1,      /* the acknowledgement is owed (R4): asked for at once,
                                       * or held for the investigator's name (A_ACK_IF_OWED) */
    CD_LC_A_ROUTE = 1 << 2,           /* hand the complaint to investigation */
    CD_LC_A_ASK_PARTNERS = 1 << 3,    /* ask the partners for their parts (R3) */
    CD_LC_A_TELL_OUTCOME = 1 << 4,    /* write the triage outcome to the complainant */
    CD_LC_A_TELL_DECLINED = 1 << 5,   /* write that it was declined as out of time (I3) */
    CD_LC_A_MEET_ACK = 1 << 6,        /* the acknowledgement deadline is met */
    CD_LC_A_MEET_RESPONSE = 1 << 7,   /* the response deadline is met */
    CD_LC_A_CLOSE = 1 << 8,           /* every open deadline of the complaint closes */
    CD_LC_A_MERGE = 1 << 9,           /* merge the partners' parts once all are in (R3) */
    CD_LC_A_ALERT = 1 << 10,          /* raise the deadline to the complaints manager (R6) */
    CD_LC_A_RETRIAGE = 1 << 11,       /* the holds changed before triage: settle again */
    CD_LC_A_ACK_IF_OWED = 1 << 12,    /* the acknowledgement, if still owed, goes now (R4) */
    CD_LC_A_REFER = 1 << 13,          /* the body that now handles or leads it gets a referral
                                       * over the bus, with what consent allows (I5a, R2, N2) */
    CD_LC_A_ASK_CONSENT = 1 << 14,    /* ask for the patient's consent in writing: once per
                                       * complaint, however often it is held for it (R2, N1) */
    CD_LC_A_SHARE_RESPONSE = 1 << 15, /* the partners party to the response get it (R3, N2) */
};

/* One row: in any state of `from` (a set of 1 << state), `event` leads to
 * `to` (CD_STATE_NONE: the state stays) and asks for `actions`. */
typedef struct {
    unsigned long from;
    cd_lc_event_t event;
    cd_state_t to;
    unsigned actions;
} cd_lc_row_t;

/* What the table says of an event in a state. */
typedef enum {
    CD_LC_MOVES,  /* a row applies: `to` is the next state (maybe the same) */
    CD_LC_LATE,   /* the complaint is already past where the event leads (it was
                   * overtaken, or is closed): record it, change nothing */
    CD_LC_REFUSED /* not valid in this state: a request is refused, an event recorded */
} cd_lc_verdict_t;

typedef struct {
    cd_lc_verdict_t verdict;
    cd_state_t to;    /* the next state (== from when it stays); from on LATE/REFUSED */
    unsigned actions; /* CD_LC_A_*; 0 on LATE/REFUSED */
} cd_lc_step_t;

/* The one answer to "event in state from". Never fails. */
cd_lc_step_t cd_lc_step(cd_state_t from, cd_lc_event_t event);

/* Whether `event` is valid in `from` (a row applies). */
int cd_lc_allows(cd_state_t from, cd_lc_event_t event);

/* Closed: no row leads out of it (what stays there is only recorded). */
int cd_lc_closed(cd_state_t s);

/* The states in which `event` is valid, as a text[] literal of their names
 * ("{received,awaiting-consent}"), for SQL that selects the complaints an
 * event may apply to. out must hold CD_LC_NAMES_LEN bytes. */
#define CD_LC_NAMES_LEN 640
void cd_lc_states_allowing(cd_lc_event_t event, char *out, size_t len);

/* The state's stored name ("under-investigation"); "" for CD_STATE_NONE or
 * a value outside the enum. */
const char *cd_state_name(cd_state_t s);
/* The state with that stored name; CD_STATE_NONE if none. */
cd_state_t cd_state_from_name(const char *name);

/* The event's name in the table ("case-opened"), for history lines and tests. */
const char *cd_lc_event_name(cd_lc_event_t event);

/* The table itself (for the tests that walk it and the README). */
const cd_lc_row_t *cd_lc_rows(int *n);

#endif
