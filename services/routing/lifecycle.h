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

#endif
