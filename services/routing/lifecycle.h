/* lifecycle.h - routing's view of a complaint's life, as a table.
 *
 * Each event routing hears about a complaint moves it to a state of a given
 * stage; stages only move forward, so an event that arrives late (a letter
 * receipt after the response was approved, say) is recorded in the history
 * but never moves the complaint backwards. */
#ifndef ROUTING_LIFECYCLE_H
#define ROUTING_LIFECYCLE_H

#include <stdint.h>

#include "candour/calendar.h"
#include "triage.h"

typedef struct {
    const char *event;      /* event type, e.g. "case.opened" */
    const char *kind;       /* for letter.sent: the letter kind; NULL = any */
    const char *state;      /* state after the event; NULL = state unchanged */
    int stage;              /* order of `state` */
    const char *deadline;   /* deadline this event meets ("acknowledgement", "response") or NULL */
} rt_transition_t;

/* The transition for an event (and letter kind), or NULL if routing ignores it. */
const rt_transition_t *rt_transition(const char *event, const char *kind);

/* Deadlines from the London date of receipt: acknowledgement 3 working days
 * after (R4), response `response_days` working days after (R5 default). */
void rt_deadlines(const cd_calendar_t *cal, int64_t received_unix, int response_days,
                  cd_date_t *ack_due, cd_date_t *response_due);

#define RT_STAGE_RECEIVED 1
#define RT_STAGE_WITHDRAWN 90   /* terminal: nothing moves it on */
#define RT_STAGE_RECORDED 95    /* terminal: compliments, outside the regulations */

#define RT_MAX_HOLDS 3
#define RT_NAME 40

/* What routing knows of one complaint (a row of routing.complaint). */
typedef struct {
    int exists;
    char state[RT_NAME];
    int stage;
    char holds[RT_MAX_HOLDS][RT_NAME];   /* "awaiting-consent", ... */
    int nholds;
    int routed;                          /* handed to investigation */
    int acknowledged;
    int response_sent;
} rt_state_t;

/* One event, as the state machine needs it. */
typedef struct {
    const char *type;                   /* envelope type */
    const char *letter_kind;            /* letter.sent: its kind */
    const char *classification;         /* complaint.received: CLASSIFICATION_* name */
    const char *const *holds;           /* complaint.received / .amended: hold names */
    int nholds;
    /* Who should handle it, worked out from the routing table for when the
     * complaint can go ahead; NULL = handled here (no table). */
    const rt_triage_out_t *triage;
    int accept;                         /* out_of_time.decided: accepted (1) or declined (0) */
} rt_input_t;

/* What to do about it, besides storing `next`. */
typedef struct {
    int changed;                /* state, holds or flags changed: write the row */
    int route;                  /* hand the complaint to investigation now */
    int request_ack;            /* ask notify for the acknowledgement letter (R4) */
    int status_changed;         /* tell the submitting organisation (next.state) */
    const char *deadline_met;   /* "acknowledgement", "response" or NULL */
    int triaged;                /* record the triage outcome, lead and partners */
    int tell_outcome;           /* write the triage outcome to the complainant */
    int contributions_due;      /* ask the partners for their contributions now (R3) */
    int tell_declined;          /* write to the complainant that it was declined as out of time */
    char detail[240];           /* the history line, references only */
} rt_actions_t;

/* The state machine: from `cur` and one event to `next` and the actions.
 * Returns 0, or -1 when the event cannot apply yet (the complaint is not
 * known here: complaint.received has not arrived) and must wait. */
int rt_decide(const rt_state_t *cur, const rt_input_t *in, rt_state_t *next, rt_actions_t *act);

#endif
