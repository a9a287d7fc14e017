/* candour-investigation - runs each complaint's case: opens it when routing
 * hands the complaint over, takes the investigator the complaints manager
 * assigns (V1, impartiality checked), gathers the partners' parts of a
 * coordinated complaint (R3), closes it when the complainant withdraws, and
 * records the outcome, which then goes to sign-off.
 *
 * main.c only wires the daemon: its events are events.c's (and the staff
 * directory's copy, directory.h), its requests requests.c's and assign.c's,
 * the rules they apply outcome.c's and impartial.c's. */
#include "candour/directory.h"
#include "candour/error.h"
#include "candour/service.h"
#include "candour/zsock.h"
#include "investigation.h"

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

static const struct {
    Candour__V1__Request__OpCase op;
    void (*fn)(cd_request_t *req, const Candour__V1__Request *r);
} s_requests[] = {
    {CANDOUR__V1__REQUEST__OP_RECORD_OUTCOME, s_record_outcome},
    {CANDOUR__V1__REQUEST__OP_ASSIGN_INVESTIGATOR, s_assign},
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
                    "investigation answers RecordOutcome and AssignInvestigator");
}

int main(int argc, char **argv)
{
    static const cd_handler_t handlers[] = {
        {"complaint.routed", iv_on_routed},       {"contributions.merged", iv_on_merged},
        {"complaint.withdrawn", iv_on_withdrawn}, {"staff.changed", cd_dir_on_staff_changed},
        {"org.changed", cd_dir_on_org_changed},   {NULL, NULL},
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
