/* candour-signoff - holds each draft response until the responsible person
 * (or someone authorised) signs it, then releases it to be sent; a complaint
 * withdrawn meanwhile is never answered.
 *
 * main.c only wires the daemon: its events are events.c's, its requests
 * requests.c's (SignResponse), check.c's (CheckDraft) and returns.c's
 * (ReturnDraft), the rules they
 * apply signing.c's and the quality gate's (gate.h). */
#include "candour/directory.h"
#include "candour/errcode.h"
#include "candour/inbox.h"
#include "candour/service.h"
#include "candour/zsock.h"
#include "signoff.h"

static so_app_t s_app;

static void s_sign(cd_request_t *req, const Candour__V1__Request *r)
{
    so_sign(&s_app, req, r->sign);
}

static void s_check(cd_request_t *req, const Candour__V1__Request *r)
{
    so_check_draft(&s_app, req, r->check_draft);
}

static void s_return(cd_request_t *req, const Candour__V1__Request *r)
{
    so_return_draft(&s_app, req, r->return_draft);
}

/* The requests sign-off answers, by operation. */
static const struct {
    Candour__V1__Request__OpCase op;
    void (*fn)(cd_request_t *req, const Candour__V1__Request *r);
} s_requests[] = {
    {CANDOUR__V1__REQUEST__OP_SIGN, s_sign},
    {CANDOUR__V1__REQUEST__OP_CHECK_DRAFT, s_check},
    {CANDOUR__V1__REQUEST__OP_RETURN_DRAFT, s_return},
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
                    "signoff answers SignResponse, CheckDraft and ReturnDraft");
}

int main(int argc, char **argv)
{
    static const cd_handler_t handlers[] = {
        {"investigation.completed", so_on_completed},
        {"complaint.withdrawn", so_on_withdrawn},
        {"staff.changed", cd_dir_on_staff_changed},
        {"org.changed", cd_dir_on_org_changed},
        {NULL, NULL},
    };
    cd_service_spec_t spec = {
        .name = "signoff",
        .summary = "collects the responsible person's signature on each response",
        .bind_port = 7103,
        .admin_port = 9103,
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
