/* candour-signoff - holds each draft response until the responsible person
 * (or someone authorised) signs it, then releases it to be sent; a complaint
 * withdrawn meanwhile is never answered.
 *
 * main.c only wires the daemon: its events are events.c's, its one request
 * requests.c's, the rules they apply signing.c's. */
#include "candour/directory.h"
#include "candour/service.h"
#include "candour/zsock.h"
#include "signoff.h"

static so_app_t s_app;

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
        .on_request = so_on_request,
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
