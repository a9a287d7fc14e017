/* investigation.h - what candour-investigation's files share: the service,
 * its event handlers (events.c) and its requests (requests.c). main.c wires
 * them; the rules they apply are outcome.h's. */
#ifndef INVESTIGATION_INVESTIGATION_H
#define INVESTIGATION_INVESTIGATION_H

#include "candour/directory.h"
#include "candour/service.h"

/* The daemon, as every handler sees it (their arg). */
typedef struct {
    cd_service_t *svc; /* set once cd_service_new returns, before any event or request */
} iv_app_t;

/* complaint.routed: open the case, expecting the partners' parts it names
 * (R3); a case already withdrawn stays withdrawn and opens nothing. */
void iv_on_routed(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                  const ProtobufCMessage *payload, void *arg);
/* request_ops.c: the request table's entries (main.c), one an operation. */
typedef void iv_req_fn(cd_request_t *req, const Candour__V1__Request *r, iv_app_t *app);
iv_req_fn iv_req_record_outcome, iv_req_assign, iv_req_set_plan, iv_req_agree_issues,
    iv_req_add_evidence, iv_req_record_findings, iv_req_draft_response, iv_req_edit_draft,
    iv_req_record_referral, iv_req_set_withheld, iv_req_mark_action_done, iv_req_get_case,
    iv_req_get_attachment;

/* The end of complaint.routed's INSERT INTO investigation.case AS c: a case
 * the complainant withdrew before it was routed (iv_on_withdrawn) is filled
 * in and stays withdrawn. */
#define IV_ROUTED_CONFLICT                                                                         \
    " ON CONFLICT (reference) DO UPDATE SET org_id = EXCLUDED.org_id,"                             \
    "  description = EXCLUDED.description, desired_outcome = EXCLUDED.desired_outcome,"            \
    "  partners = EXCLUDED.partners, staff_named = EXCLUDED.staff_named,"                          \
    "  teams_named = EXCLUDED.teams_named,"                                                        \
    "  complainant_name = EXCLUDED.complainant_name, address_as = EXCLUDED.address_as"             \
    " WHERE c.state = 'withdrawn'"

/* complaint.routed for several complaints at once (events_batch.c; inbox.h). */
int iv_on_routed_batch(cd_inbox_t *in, cd_batch_t *b, void *arg);
/* contributions.merged: the partners' parts and waivers, in the order given. */
void iv_on_merged(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                  const ProtobufCMessage *payload, void *arg);
/* complaint.withdrawn: an open case is withdrawn; none yet: one is kept,
 * withdrawn, for complaint.routed to find. */
void iv_on_withdrawn(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                     const ProtobufCMessage *payload, void *arg);
/* draft.returned: a signatory sent the draft back (F2): the reasons are kept
 * with that version, and a completed case is open again. */
void iv_on_draft_returned(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                          const ProtobufCMessage *payload, void *arg);

/* Requests, each a guarded staff operation: RecordOutcome (requests.c),
 * AssignInvestigator (assign.c). */
void iv_record_outcome(cd_request_t *req, const Candour__V1__RecordOutcome *ro, iv_app_t *app);
void iv_assign(cd_request_t *req, const Candour__V1__AssignInvestigator *a, iv_app_t *app);
/* The case's record (record.c, evidence.c, caseview.c): the plan (V2), the
 * key issues (V3), the evidence (V4), the whole case as it stands. */
void iv_set_plan(cd_request_t *req, const Candour__V1__SetPlan *p, iv_app_t *app);
void iv_agree_issues(cd_request_t *req, const Candour__V1__AgreeKeyIssues *a, iv_app_t *app);
void iv_add_evidence(cd_request_t *req, const Candour__V1__AddEvidence *a, iv_app_t *app);
void iv_get_case(cd_request_t *req, const Candour__V1__GetCase *g, iv_app_t *app);
/* GetAttachment (evidence_file.c): the bytes of one item's file, for the
 * readers of the case (IV_CASE_READERS) of the body that handles it. */
void iv_get_attachment(cd_request_t *req, const Candour__V1__GetAttachment *g, iv_app_t *app);
/* Findings and the draft response (findings_ops.c, drafting.c): V3, V5, F1. */
void iv_record_findings(cd_request_t *req, const Candour__V1__RecordFindings *f, iv_app_t *app);
void iv_draft_response(cd_request_t *req, const Candour__V1__DraftResponse *d, iv_app_t *app);
void iv_edit_draft(cd_request_t *req, const Candour__V1__EditDraft *e, iv_app_t *app);
/* MarkActionDone (action_ops.c): an action agreed is done, after the
 * response too (V5; L1/L2), with action.done for reporting. */
void iv_mark_action_done(cd_request_t *req, const Candour__V1__MarkActionDone *m, iv_app_t *app);

/* Who may work on a case (V1): the investigator assigned to it, or a
 * complaints manager of its body (the role and body are checked by the
 * guarded operation first). assigned "" (none yet) passes: the operation's
 * own check then refuses with FAILED_PRECONDITION after the case's state, so
 * a withdrawn case says so first. 0, or -1 with why filled
 * (PERMISSION_DENIED on "acting"). Pure. */
int iv_case_actor_ok(const char *assigned, const cd_actor_t *a, cd_fail_t *why);


#endif
