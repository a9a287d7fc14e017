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

/* The requests investigation answers, by operation. */
static void s_record_outcome(cd_request_t *req, const Candour__V1__Request *r)
{
    iv_record_outcome(req, r->record_outcome, &s_app);
}

static void s_assign(cd_request_t *req, const Candour__V1__Request *r)
{
    iv_assign(req, r->assign_investigator, &s_app);
}

static void s_set_plan(cd_request_t *req, const Candour__V1__Request *r)
{
    iv_set_plan(req, r->set_plan, &s_app);
}

static void s_agree_issues(cd_request_t *req, const Candour__V1__Request *r)
{
    iv_agree_issues(req, r->agree_key_issues, &s_app);
}

static void s_add_evidence(cd_request_t *req, const Candour__V1__Request *r)
{
    iv_add_evidence(req, r->add_evidence, &s_app);
}

static void s_record_findings(cd_request_t *req, const Candour__V1__Request *r)
{
    iv_record_findings(req, r->record_findings, &s_app);
}

static void s_draft_response(cd_request_t *req, const Candour__V1__Request *r)
{
    iv_draft_response(req, r->draft_response, &s_app);
}

static void s_edit_draft(cd_request_t *req, const Candour__V1__Request *r)
{
    iv_edit_draft(req, r->edit_draft, &s_app);
}

static void s_record_referral(cd_request_t *req, const Candour__V1__Request *r)
{
    iv_record_referral(req, r->record_referral, &s_app);
}

static void s_set_withheld(cd_request_t *req, const Candour__V1__Request *r)
{
    iv_set_withheld(req, r->set_withheld, &s_app);
}

static void s_mark_action_done(cd_request_t *req, const Candour__V1__Request *r)
{
    iv_mark_action_done(req, r->mark_action_done, &s_app);
}

static void s_get_case(cd_request_t *req, const Candour__V1__Request *r)
{
    iv_get_case(req, r->get_case, &s_app);
}

static void s_get_attachment(cd_request_t *req, const Candour__V1__Request *r)
{
    iv_get_attachment(req, r->get_attachment, &s_app);
}

static const struct {
    Candour__V1__Request__OpCase op;
    void (*fn)(cd_request_t *req, const Candour__V1__Request *r);
} s_requests[] = {
    {CANDOUR__V1__REQUEST__OP_ASSIGN_INVESTIGATOR, s_assign},
    {CANDOUR__V1__REQUEST__OP_SET_PLAN, s_set_plan},
    {CANDOUR__V1__REQUEST__OP_AGREE_KEY_ISSUES, s_agree_issues},
    {CANDOUR__V1__REQUEST__OP_ADD_EVIDENCE, s_add_evidence},
    {CANDOUR__V1__REQUEST__OP_RECORD_FINDINGS, s_record_findings},
    {CANDOUR__V1__REQUEST__OP_DRAFT_RESPONSE, s_draft_response},
    {CANDOUR__V1__REQUEST__OP_EDIT_DRAFT, s_edit_draft},
    {CANDOUR__V1__REQUEST__OP_RECORD_OUTCOME, s_record_outcome},
    {CANDOUR__V1__REQUEST__OP_GET_CASE, s_get_case},
    {CANDOUR__V1__REQUEST__OP_GET_ATTACHMENT, s_get_attachment},
    {CANDOUR__V1__REQUEST__OP_RECORD_REFERRAL, s_record_referral},
    {CANDOUR__V1__REQUEST__OP_SET_WITHHELD, s_set_withheld},
    {CANDOUR__V1__REQUEST__OP_MARK_ACTION_DONE, s_mark_action_done},
};

static void s_on_request(cd_inbox_t *in, cd_request_t *req, const Candour__V1__Request *r,
                         void *arg)
{
    for (size_t i = 0; i < sizeof s_requests / sizeof s_requests[0]; i++)
        if (s_requests[i].op == r->op_case) {
            s_requests[i].fn(req, r);
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
    cd_service_spec_t spec = {
        .name = "investigation",
        .summary = "opens a case for each routed complaint and records its outcome",
        .bind_port = 7102,
        .admin_port = 9102,
        .handlers = handlers,
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
