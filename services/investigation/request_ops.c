/* request_ops.c - each request investigation answers, from the Request to
 * the function that answers it (main.c's request table names these). */
#include "investigation.h"
#include "referral.h"
#include "withheld.h"

void iv_req_record_outcome(cd_request_t *req, const Candour__V1__Request *r, iv_app_t *app)
{
    iv_record_outcome(req, r->record_outcome, app);
}

void iv_req_assign(cd_request_t *req, const Candour__V1__Request *r, iv_app_t *app)
{
    iv_assign(req, r->assign_investigator, app);
}

void iv_req_set_plan(cd_request_t *req, const Candour__V1__Request *r, iv_app_t *app)
{
    iv_set_plan(req, r->set_plan, app);
}

void iv_req_agree_issues(cd_request_t *req, const Candour__V1__Request *r, iv_app_t *app)
{
    iv_agree_issues(req, r->agree_key_issues, app);
}

void iv_req_add_evidence(cd_request_t *req, const Candour__V1__Request *r, iv_app_t *app)
{
    iv_add_evidence(req, r->add_evidence, app);
}

void iv_req_record_findings(cd_request_t *req, const Candour__V1__Request *r, iv_app_t *app)
{
    iv_record_findings(req, r->record_findings, app);
}

void iv_req_draft_response(cd_request_t *req, const Candour__V1__Request *r, iv_app_t *app)
{
    iv_draft_response(req, r->draft_response, app);
}

void iv_req_edit_draft(cd_request_t *req, const Candour__V1__Request *r, iv_app_t *app)
{
    iv_edit_draft(req, r->edit_draft, app);
}

void iv_req_record_referral(cd_request_t *req, const Candour__V1__Request *r, iv_app_t *app)
{
    iv_record_referral(req, r->record_referral, app);
}

void iv_req_set_withheld(cd_request_t *req, const Candour__V1__Request *r, iv_app_t *app)
{
    iv_set_withheld(req, r->set_withheld, app);
}

void iv_req_mark_action_done(cd_request_t *req, const Candour__V1__Request *r, iv_app_t *app)
{
    iv_mark_action_done(req, r->mark_action_done, app);
}

void iv_req_get_case(cd_request_t *req, const Candour__V1__Request *r, iv_app_t *app)
{
    iv_get_case(req, r->get_case, app);
}

void iv_req_get_attachment(cd_request_t *req, const Candour__V1__Request *r, iv_app_t *app)
{
    iv_get_attachment(req, r->get_attachment, app);
}
