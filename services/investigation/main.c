/* candour-investigation - runs each complaint's case: opens it when routing
 * hands the complaint over, gathers the partners' parts of a coordinated
 * complaint (R3), closes it when the complainant withdraws, and records the
 * outcome an investigator gives, which then goes to sign-off.
 *
 * main.c only wires the daemon: its events are events.c's, its one request
 * requests.c's, the rules they apply outcome.c's. */
#include "candour/service.h"
#include "candour/zsock.h"
#include "investigation.h"

static iv_app_t s_app;

int main(int argc, char **argv)
{
    static const cd_handler_t handlers[] = {
        {"complaint.routed", iv_on_routed},
        {"contributions.merged", iv_on_merged},
        {"complaint.withdrawn", iv_on_withdrawn},
        {NULL, NULL},
    };
    cd_service_spec_t spec = {
        .name = "investigation",
        .summary = "opens a case for each routed complaint and records its outcome",
        .bind_port = 7102,
        .admin_port = 9102,
        .handlers = handlers,
        .on_request = iv_on_request,
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
