/* clocks.h - what routing writes when a clock of the response runs out or a
 * member of staff keeps the complainant informed (R4, R5): the shared
 * writes of the staff operations and of the deadline watcher, so a letter
 * goes the same way whoever started it.
 *
 *   acknowledge.c  the acknowledgement still owed on its due day (R4)
 *   progress.c     progress updates: staff's, and Candour's standard one
 *   late.c         why the response is late, told once the date passes */
#ifndef ROUTING_CLOCKS_H
#define ROUTING_CLOCKS_H

#include "candour/calendar.h"
#include "candour/db.h"
#include "candour/inbox.h"
#include "candour/v1/api.pb-c.h"
#include "candour/v1/events.pb-c.h"

/* A progress update to put (rt_put_progress). */
typedef struct {
    const char *reference;
    int number;                       /* this complaint's updates so far, plus one */
    const char *text;                 /* "" = Candour's standard update */
    const char *written_by;           /* staff_id; "" for the standard update */
    const Candour__V1__Contact *from; /* who wrote it; NULL for the standard update */
    const char *response_due;         /* YYYY-MM-DD, as it now stands */
    const char *update_due;           /* the update deadline it meets; "" when none is open */
    int cadence;                      /* working days between updates (the body's, or Candour's) */
} rt_progress_t;

/* Add to tx: the update's record (its number is the guard: two at once
 * cannot both be number n), the update deadline moved on a cadence from
 * today (met, when the response comes first), its history line and the
 * progress.sent event for notify's letter. 0, or a CD_E* code. */
int rt_put_progress(cd_tx_t *tx, const rt_progress_t *p);

/* Add to tx the response.late event (notify writes why the response is
 * late) and its history line; the caller marks the explanation told. */
int rt_put_late(cd_tx_t *tx, const char *reference, const Candour__V1__ResponseLate *late);

/* The staff operations (routing's request table, main.c). */
void rt_send_progress(cd_request_t *req, const Candour__V1__SendProgressUpdate *p);
void rt_explain_late(cd_request_t *req, const Candour__V1__ExplainLateResponse *x);

/* The watcher's round for acknowledgements still owed on their due day:
 * each becomes an acknowledgement.due event to routing itself, once (the
 * deadline's acted_at), and the lifecycle asks for the letter (R4). */
void rt_ack_due_scan(void);

#endif
