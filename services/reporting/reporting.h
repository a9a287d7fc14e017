/* reporting.h - what the parts of candour-reporting share (internal).
 *
 * candour-reporting keeps the learning half's data (L1-L5): every service's
 * events, as they take effect, reduced to a de-identified schema of its own
 * (reporting.complaint, reporting.aspect, reporting.partner,
 * reporting.ombudsman_stage): codes, dates, counts and references, never a
 * name, an address or a person's words. Its parts:
 *   main.c     configuration, the handler table, start-up
 *   events.c   the events it takes: each one's rows (apply.c) written in one
 *              transaction with its inbox record, so it takes effect once
 *   apply.c    the pure part: one event's payload -> the row changes it makes
 *              (apply.h), shared with `candourctl reporting rebuild`
 *   apply_sql.c those changes as SQL statements (apply_sql.h), the same for
 *              the daemon and the rebuild
 *   spc_watch.c the SPC watch: each body's latest month against its XmR
 *              chart, a rise sent to notify as spc.signal (spc_signal.h)
 *   spc_flush.c the timer that flushes the monthly counts' noted changes
 * The report functions (ko41.c, suppress.c, funnel.c, spc.c) read what this
 * keeps; they are pure too and have their own headers. */
#ifndef REPORTING_REPORTING_H
#define REPORTING_REPORTING_H

#include "candour/inbox.h"
#include "candour/service.h"

/* The daemon's state, one per process (main.c owns it). */
typedef struct {
    cd_service_t *svc; /* the service runtime: database, inbox, outbox */
    /* The SPC watch (spc_watch.c). */
    long spc_interval_s; /* CANDOUR_REPORTING_SPC_INTERVAL */
    uv_timer_t spc_timer;
    int spc_busy; /* a round is reading or recording */
    int spc_last; /* the month it looks at (spc_signal.h's month number) */
    /* The monthly counts' flush timer (spc_flush.c). */
    long flush_ms; /* CANDOUR_REPORTING_MONTHLY_FLUSH_MS; 0: reads flush */
    uv_timer_t flush_timer;
    int flush_busy; /* a flush is running */
} rp_app_t;

/* Every event reporting keeps something of: its changes (apply.h) written
 * with the inbox record in one transaction. A type that changes nothing is
 * acknowledged and recorded all the same. */
void rp_on_event(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                 const ProtobufCMessage *payload, void *arg);
/* The same for a batch of one type's events (cd_inbox_batch_handlers). */
int rp_on_batch(cd_inbox_t *in, cd_batch_t *b, void *arg);

/* The SPC watch: its timer made (after the service), started once the
 * database is up (a round at once, then every spc_interval_s), stopped. */
void rp_spc_watch_init(rp_app_t *app);
void rp_spc_watch_start(rp_app_t *app);
void rp_spc_watch_stop(rp_app_t *app);

/* The monthly counts' flush (migration 0040): its timer made (after the
 * service), started once the database is up (every flush_ms; not at all
 * when 0), stopped. */
void rp_monthly_flush_init(rp_app_t *app);
void rp_monthly_flush_start(rp_app_t *app);
void rp_monthly_flush_stop(rp_app_t *app);

#endif
