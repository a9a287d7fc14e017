/* signoff.h - what candour-signoff's files share: the service, its event
 * handlers (events.c) and its request (requests.c). main.c wires them; the
 * rules they apply are signing.h's. */
#ifndef SIGNOFF_SIGNOFF_H
#define SIGNOFF_SIGNOFF_H

#include "candour/service.h"
#include "candour/v1/api.pb-c.h"

/* The daemon, as every handler sees it (their arg). */
typedef struct {
    cd_service_t *svc; /* set once cd_service_new returns, before any event or request */
} so_app_t;

/* investigation.completed: the draft response, with the partners' parts (R3)
 * and the version of its text to sign (its SHA-256 checked: a text that does
 * not match is refused, MALFORMED_EVENT), awaits its signature; a complaint
 * already withdrawn keeps its draft withdrawn. */
void so_on_completed(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                     const ProtobufCMessage *payload, void *arg);
/* complaint.withdrawn: a draft awaiting signature is withdrawn; none yet: one
 * is kept, withdrawn, for investigation.completed to find. */
void so_on_withdrawn(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                     const ProtobufCMessage *payload, void *arg);

/* Requests (main.c's table): SignResponse, for the version held, past the
 * quality gate (requests.c); response.approved carries it. CheckDraft, the
 * gate's findings (check.c). */
void so_sign(so_app_t *app, cd_request_t *req, const Candour__V1__SignResponse *sr);
void so_check_draft(so_app_t *app, cd_request_t *req, const Candour__V1__CheckDraft *c);
/* ReturnDraft: back to the investigator with reasons (returns.c, F2). */
void so_return_draft(so_app_t *app, cd_request_t *req, const Candour__V1__ReturnDraft *rd);

#endif
