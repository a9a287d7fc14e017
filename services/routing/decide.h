/* decide.h - routing drives the complaint's lifecycle (candour/lifecycle.h).
 *
 * rt_decide turns one event routing hears, with what routing knows of the
 * complaint (its state, its holds, triage's verdict), into the lifecycle
 * events it stands for, steps the one table with each, and returns the state
 * they lead to and what to do. It adds no transitions of its own: what may
 * happen in which state is the table's; what routing adds is the holds (the
 * first one left is the state before triage) and triage (which outcome row
 * applies once nothing holds the complaint). Pure: no I/O. */
#ifndef ROUTING_DECIDE_H
#define ROUTING_DECIDE_H

#include <stdint.h>

#include "candour/calendar.h"
#include "candour/lifecycle.h"
#include "triage.h"

/* Deadlines from the London date of receipt: acknowledgement 3 working days
 * after (R4), response `response_days` working days after (R5 default). */
void rt_deadlines(const cd_calendar_t *cal, int64_t received_unix, int response_days,
                  cd_date_t *ack_due, cd_date_t *response_due);

#define RT_MAX_HOLDS 3
#define RT_NAME 40

/* What routing knows of one complaint (a row of routing.complaint). */
typedef struct {
    int exists;
    cd_state_t state;
    char holds[RT_MAX_HOLDS][RT_NAME]; /* "awaiting-consent", ... */
    int nholds;
    int routed; /* handed to investigation */
    int acknowledged;
    int response_sent;
    int ack;           /* RT_ACK_*: whether the acknowledgement is owed or asked for (R4) */
    int consent_asked; /* the complainant was asked for the patient's consent (R2) */
} rt_state_t;

/* The acknowledgement (R4): none owed (a compliment, a matter outside the
 * regulations), owed (held for the investigator's name), asked for. */
enum { RT_ACK_NONE, RT_ACK_OWED, RT_ACK_REQUESTED };
/* As routing.complaint.ack keeps it: "", "owed", "requested". */
const char *rt_ack_name(int ack);
/* From that name; RT_ACK_NONE for anything else. */
int rt_ack_from_name(const char *name);

/* One event, as the decision needs it. */
typedef struct {
    const char *type;           /* envelope type */
    const char *letter_kind;    /* letter.sent: its kind */
    const char *classification; /* complaint.received: CLASSIFICATION_* name */
    const char *const *holds;   /* complaint.received / .amended: hold names */
    int nholds;
    /* Who should handle it, worked out from the routing table for when the
     * complaint can go ahead; NULL = handled here (no table). */
    const rt_triage_out_t *triage;
    int accept; /* out_of_time.decided: accepted (1) or declined (0) */
    /* R4: hold the acknowledgement until an investigator is assigned (or its
     * due day comes), so that it names them; 0 asks for it at receipt. */
    int ack_waits;
} rt_input_t;

/* What to do about it, besides storing `next`. */
typedef struct {
    int changed;              /* state, holds or flags changed: write the row */
    int route;                /* hand the complaint to investigation now */
    int request_ack;          /* ask notify for the acknowledgement letter now (R4) */
    int status_changed;       /* tell the submitting organisation (next.state) */
    const char *deadline_met; /* "acknowledgement", "response" or NULL */
    int close_deadlines;      /* every open deadline closes (the complaint closed) */
    int triaged;              /* record the triage outcome, lead and partners */
    int tell_outcome;         /* write the triage outcome to the complainant */
    int contributions_due;    /* ask the partners for their contributions now (R3) */
    int tell_declined;        /* write to the complainant that it was declined as out of time */
    int merge;                /* a partner's part may be merged (the complaint is in hand) */
    int ask_consent;          /* ask notify for the consent-request letter (once: R2, N1) */
    int refer;                /* send the complaint to the body triage named (I5a, N2) */
    int share_response;       /* the partners get the approved response (R3, N2) */
    char detail[240];         /* the history line, references only */
} rt_actions_t;

/* From `cur` and one event to `next` and the actions. Returns 0, or -1 when
 * the event cannot apply yet (the complaint is not known here:
 * complaint.received has not arrived) and must wait. An event the table
 * does not allow in the complaint's state is recorded (detail says so) and
 * changes nothing. */
int rt_decide(const rt_state_t *cur, const rt_input_t *in, rt_state_t *next, rt_actions_t *act);

/* The lifecycle event an envelope type (and letter kind) stands for, or
 * CD_LC_EVENT_COUNT for one that routing only records, or whose event its
 * payload decides (complaint.received, out_of_time.decided: rt_decide
 * reads those from the input). */
cd_lc_event_t rt_lc_event(const char *type, const char *letter_kind);

#endif
