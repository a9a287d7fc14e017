/* investigation.h - what candour-investigation's files share: the service,
 * its event handlers (events.c) and its requests (requests.c). main.c wires
 * them; the rules they apply are outcome.h's. */
#ifndef INVESTIGATION_INVESTIGATION_H
#define INVESTIGATION_INVESTIGATION_H

#include "candour/service.h"

/* The daemon, as every handler sees it (their arg). */
typedef struct {
    cd_service_t *svc; /* set once cd_service_new returns, before any event or request */
} iv_app_t;

/* complaint.routed: open the case, expecting the partners' parts it names
 * (R3); a case already withdrawn stays withdrawn and opens nothing. */
void iv_on_routed(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                  const ProtobufCMessage *payload, void *arg);
/* contributions.merged: the partners' parts and waivers, in the order given. */
void iv_on_merged(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                  const ProtobufCMessage *payload, void *arg);
/* complaint.withdrawn: an open case is withdrawn; none yet: one is kept,
 * withdrawn, for complaint.routed to find. */
void iv_on_withdrawn(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                     const ProtobufCMessage *payload, void *arg);

/* Requests, each a guarded staff operation: RecordOutcome (requests.c),
 * AssignInvestigator (assign.c). */
void iv_record_outcome(cd_request_t *req, const Candour__V1__RecordOutcome *ro, iv_app_t *app);
void iv_assign(cd_request_t *req, const Candour__V1__AssignInvestigator *a, iv_app_t *app);

#endif
