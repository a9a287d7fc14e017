/* sink.h - what the events of a batch write together (batch.c): their
 * history lines, their events and the deadlines of the complaints they
 * bring, gathered as each event is decided (apply.c, store.c) and written
 * at the end by one statement each, in the order gathered: so a batch of
 * n events costs three statements for these, not 3n. */
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
/* Add the gathered writes to tx; out of memory at any point poisons it. */
void rt_sink_write(rt_sink_t *s, cd_tx_t *tx);

#endif
