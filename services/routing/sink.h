/* sink.h - what the events of a batch write together (batch.c): their
 * history lines, their events and the deadlines of the complaints they
 * bring, gathered as each event is decided (apply.c, store.c) and written
 * at the end by one statement each, in the order gathered: so a batch of
 * n events costs a few statements for these, not a few times n. The rows
 * of existing complaints are updated so too, each only if its version is
 * still the one read. */
#ifndef ROUTING_SINK_H
#define ROUTING_SINK_H

#include "store.h"

typedef struct rt_sink rt_sink_t;

rt_sink_t *rt_sink_new(void);
void rt_sink_free(rt_sink_t **ps);
/* Gather an event's history lines about ref (their texts copied; the other
 * strings must live until rt_sink_write: they are its envelope's). */
void rt_sink_history(rt_sink_t *s, const char *ref, const rt_history_t *h);
/* Gather evs (their payload copies taken over: evs is left empty). */
void rt_sink_events(rt_sink_t *s, rt_events_t *evs);
/* Gather a new complaint's deadlines: reference, acknowledgement, response,
 * update ("" none), classification, six months (store.c's statement's $1..$6). */
void rt_sink_deadlines(rt_sink_t *s, const char *const v[6]);
/* Gather an existing complaint's row update: store.c's statement's 17
 * parameters (rt_store_update: reference, version read, ...; NULL is SQL
 * NULL), the deadline it meets (NULL none) and whether its open deadlines
 * close. */
#define RT_SINK_UPDATE_COLS 17
void rt_sink_update(rt_sink_t *s, const char *const v[RT_SINK_UPDATE_COLS], const char *met,
                    int close);
/* Add the gathered writes to tx (the row updates, then the deadlines, the
 * events and the history); out of memory at any point poisons it. */
void rt_sink_write(rt_sink_t *s, cd_tx_t *tx);

#endif
