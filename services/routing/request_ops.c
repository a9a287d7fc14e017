/* request_ops.c - each request routing answers, from the Request to the
 * function that answers it (main.c's request table names these). */
#include "clocks.h"
#include "routing.h"

void rt_req_status(cd_inbox_t *in, cd_request_t *req, const Candour__V1__Request *r)
{
    rt_get_status(in, req, r->get_status);
}

void rt_req_extend(cd_inbox_t *in, cd_request_t *req, const Candour__V1__Request *r)
{
    rt_extend(req, r->extend_deadline);
}

void rt_req_decide(cd_inbox_t *in, cd_request_t *req, const Candour__V1__Request *r)
{
    rt_decide_out_of_time(req, r->decide_out_of_time);
}

void rt_req_waive(cd_inbox_t *in, cd_request_t *req, const Candour__V1__Request *r)
{
    rt_waive(req, r->waive_contribution);
}

void rt_req_progress(cd_inbox_t *in, cd_request_t *req, const Candour__V1__Request *r)
{
    rt_send_progress(req, r->send_progress_update);
}

void rt_req_late(cd_inbox_t *in, cd_request_t *req, const Candour__V1__Request *r)
{
    rt_explain_late(req, r->explain_late_response);
}

void rt_req_put_staff(cd_inbox_t *in, cd_request_t *req, const Candour__V1__Request *r)
{
    rt_put_staff(req, r->put_staff);
}

void rt_req_disable_staff(cd_inbox_t *in, cd_request_t *req, const Candour__V1__Request *r)
{
    rt_disable_staff(req, r->disable_staff);
}

void rt_req_list_staff(cd_inbox_t *in, cd_request_t *req, const Candour__V1__Request *r)
{
    rt_list_staff(req, r->list_staff);
}

void rt_req_set_org(cd_inbox_t *in, cd_request_t *req, const Candour__V1__Request *r)
{
    rt_set_org_settings(req, r->set_org_settings);
}

void rt_req_get_org(cd_inbox_t *in, cd_request_t *req, const Candour__V1__Request *r)
{
    rt_get_org_settings(req, r->get_org_settings);
}
