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
 * The report functions (ko41.c, suppress.c, funnel.c, spc.c) read what this
 * keeps; they are pure too and have their own headers. */
#ifndef REPORTING_REPORTING_H
#define REPORTING_REPORTING_H

#include "candour/inbox.h"
#include "candour/service.h"

/* The daemon's state, one per process (main.c owns it). */
typedef struct {
    cd_service_t *svc; /* the service runtime: database, inbox, outbox */
} rp_app_t;

/* Every event reporting keeps something of: its changes (apply.h) written
 * with the inbox record in one transaction. A type that changes nothing is
 * acknowledged and recorded all the same. */
void rp_on_event(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                 const ProtobufCMessage *payload, void *arg);

#endif
