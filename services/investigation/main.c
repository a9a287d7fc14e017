/* candour-investigation - runs each complaint's case: opens it when routing
 * hands the complaint over, takes the investigator the complaints manager
 * assigns (V1, impartiality checked), gathers the partners' parts of a
 * coordinated complaint (R3), closes it when the complainant withdraws, and
 * records the outcome, which then goes to sign-off, and the complaint's
 * referral to the Ombudsman, stage by stage (L4).
 *
 * main.c only wires the daemon: its events are events.c's (and the staff
 * directory's copy, directory.h); its requests are the guarded staff
 * operations of assign.c, record.c, evidence.c, findings_ops.c, drafting.c,
 * requests.c (the outcome), referral_ops.c, withheld_ops.c, caseview.c and
 * evidence_file.c;
 * the rules they apply are pure functions in impartial.c, casework.c,
 * attachment.c, findings.c, timing.c, draft.c, referral.c, withheld.c and
 * outcome.c. */
#include "candour/directory.h"
#include "candour/error.h"
#include "candour/service.h"
#include "candour/zsock.h"
#include "investigation.h"
#include "referral.h"
#include "withheld.h"

static iv_app_t s_app;

/* The requests investigation answers, by operation (request_ops.c adapts
 * each to its function). */
static const struct {
    Candour__V1__Request__OpCase op;
    iv_req_fn *fn;
} s_requests[] = {
    {CANDOUR__V1__REQUEST__OP_ASSIGN_INVESTIGATOR, iv_req_assign},
    {CANDOUR__V1__REQUEST__OP_SET_PLAN, iv_req_set_plan},
    {CANDOUR__V1__REQUEST__OP_AGREE_KEY_ISSUES, iv_req_agree_issues},
    {CANDOUR__V1__REQUEST__OP_ADD_EVIDENCE, iv_req_add_evidence},
    {CANDOUR__V1__REQUEST__OP_RECORD_FINDINGS, iv_req_record_findings},
    {CANDOUR__V1__REQUEST__OP_DRAFT_RESPONSE, iv_req_draft_response},
    {CANDOUR__V1__REQUEST__OP_EDIT_DRAFT, iv_req_edit_draft},
    {CANDOUR__V1__REQUEST__OP_RECORD_OUTCOME, iv_req_record_outcome},
    {CANDOUR__V1__REQUEST__OP_GET_CASE, iv_req_get_case},
    {CANDOUR__V1__REQUEST__OP_GET_ATTACHMENT, iv_req_get_attachment},
    {CANDOUR__V1__REQUEST__OP_RECORD_REFERRAL, iv_req_record_referral},
    {CANDOUR__V1__REQUEST__OP_SET_WITHHELD, iv_req_set_withheld},
    {CANDOUR__V1__REQUEST__OP_MARK_ACTION_DONE, iv_req_mark_action_done},
};

static void s_on_request(cd_inbox_t *in, cd_request_t *req, const Candour__V1__Request *r,
                         void *arg)
{
    for (size_t i = 0; i < sizeof s_requests / sizeof s_requests[0]; i++)
        if (s_requests[i].op == r->op_case) {
            s_requests[i].fn(req, r, &s_app);
            return;
        }
    cd_request_fail(req, CD_CODE_UNSUPPORTED, "op",
                    "investigation answers the casework operations: AssignInvestigator, SetPlan,"
                    " AgreeKeyIssues, AddEvidence, RecordFindings, DraftResponse, EditDraft,"
                    " RecordOutcome, GetCase, GetAttachment, RecordReferral, SetWithheld");
}

int main(int argc, char **argv)
{
    static const cd_handler_t handlers[] = {
        {"complaint.routed", iv_on_routed},
        {"contributions.merged", iv_on_merged},
        {"complaint.withdrawn", iv_on_withdrawn},
        {"staff.changed", cd_dir_on_staff_changed},
        {"org.changed", cd_dir_on_org_changed},
        {"draft.returned", iv_on_draft_returned},
        {NULL, NULL},
    };
    static const cd_batch_handler_t batches[] = {
        {"complaint.routed", iv_on_routed_batch},
        {NULL, NULL},
    };
    cd_service_spec_t spec = {
        .name = "investigation",
        .summary = "opens a case for each routed complaint and records its outcome",
        .bind_port = 7102,
        .admin_port = 9102,
        .handlers = handlers,
        .batch_handlers = batches,
        .on_request = s_on_request,
        .arg = &s_app,
    };
    int code = 0;
    s_app.svc = cd_service_new(&spec, argc, argv, &code);
    if (!s_app.svc)
        return code;
    code = cd_service_run(s_app.svc);
    cd_service_destroy(&s_app.svc);
    cd_zmq_ctx_term();
    return code;
}
