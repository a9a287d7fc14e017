/* candour-routing - triage and coordination: decides who handles each
 * complaint and by when, asks for the acknowledgement, hands the complaint to
 * investigation, coordinates partners, and keeps the one view of where every
 * complaint is. This file is its configuration, its handler and request
 * tables and its start-up; the work is in apply.c (with partners_out.c),
 * status.c, coordination.c, deadlines.c, the staff directory (directory.c)
 * and the bodies' settings (org_settings.c), the caseload (caseload.c), and
 * the clocks of the response (clocks.h). */
#include <stdio.h>

#include "candour/log.h"
#include "candour/service.h"
#include "clocks.h"
#include "routing.h"

rt_app_t rt_app;

/* The requests routing answers, by operation (request_ops.c adapts each to its function). */
static const struct {
    Candour__V1__Request__OpCase op;
    void (*fn)(cd_inbox_t *in, cd_request_t *req, const Candour__V1__Request *r);
} s_requests[] = {
    {CANDOUR__V1__REQUEST__OP_GET_STATUS, rt_req_status},
    {CANDOUR__V1__REQUEST__OP_EXTEND_DEADLINE, rt_req_extend},
    {CANDOUR__V1__REQUEST__OP_DECIDE_OUT_OF_TIME, rt_req_decide},
    {CANDOUR__V1__REQUEST__OP_WAIVE_CONTRIBUTION, rt_req_waive},
    {CANDOUR__V1__REQUEST__OP_SEND_PROGRESS_UPDATE, rt_req_progress},
    {CANDOUR__V1__REQUEST__OP_EXPLAIN_LATE_RESPONSE, rt_req_late},
    {CANDOUR__V1__REQUEST__OP_PUT_STAFF, rt_req_put_staff},
    {CANDOUR__V1__REQUEST__OP_DISABLE_STAFF, rt_req_disable_staff},
    {CANDOUR__V1__REQUEST__OP_LIST_STAFF, rt_req_list_staff},
    {CANDOUR__V1__REQUEST__OP_SET_ORG_SETTINGS, rt_req_set_org},
    {CANDOUR__V1__REQUEST__OP_GET_ORG_SETTINGS, rt_req_get_org},
    {CANDOUR__V1__REQUEST__OP_LIST_CASES, rt_list_cases},
};

static void s_on_request(cd_inbox_t *in, cd_request_t *req, const Candour__V1__Request *r,
                         void *arg)
{
    for (size_t i = 0; i < sizeof s_requests / sizeof s_requests[0]; i++)
        if (s_requests[i].op == r->op_case) {
            s_requests[i].fn(in, req, r);
            return;
        }
    cd_request_fail(req, CD_CODE_UNSUPPORTED, "op",
                    "routing answers GetStatus, ExtendDeadline, DecideOutOfTime,"
                    " WaiveContribution, SendProgressUpdate, ExplainLateResponse and the"
                    " directory's PutStaff, DisableStaff, ListStaff,"
                    " SetOrgSettings and GetOrgSettings, and ListCases");
}

/* ---------------------------------------------------------------- main */

static void s_on_ready(cd_service_t *svc, void *arg)
{
    uv_timer_start(&rt_app.watcher, rt_on_watch_timer, 0, (uint64_t)rt_app.scan_ms);
}

static void s_on_stop(cd_service_t *svc, void *arg)
{
    uv_close((uv_handle_t *)&rt_app.watcher, NULL);
}

int main(int argc, char **argv)
{
    static cd_config_item_t items[] = {
        {"CANDOUR_RESPONSE_DAYS", CD_CONFIG_INT, "25", 1, 130,
         "default response period in working days (R5)", &rt_app.response_days},
        {"CANDOUR_BANK_HOLIDAYS", CD_CONFIG_STRING, "", 0, 0,
         "gov.uk bank-holidays.json to extend the built-in calendar (empty: rules only)",
         &rt_app.holidays_path},
        {"CANDOUR_UPDATE_DAYS", CD_CONFIG_INT, "20", 0, 130,
         "progress updates to the complainant every this many working days, for a body that set"
         " none (R5; 0: none)",
         &rt_app.update_days},
        {"CANDOUR_DUE_SOON_DAYS", CD_CONFIG_INT, "2", 0, 30,
         "raise a deadline as due soon this many working days before it", &rt_app.due_soon_days},
        {"CANDOUR_CONTRIBUTION_DAYS", CD_CONFIG_INT, "10", 1, 60,
         "working days a partner body has to send its contribution (R3)",
         &rt_app.contribution_days},
        {"CANDOUR_ACK_WAITS_FOR_INVESTIGATOR", CD_CONFIG_BOOL, "1", 0, 0,
         "1: the acknowledgement waits for an investigator to be assigned so that it names"
         " them, and goes on its due day naming the complaints manager if none is (R4);"
         " 0: it goes at receipt, naming the complaints manager",
         &rt_app.ack_waits},
        {"CANDOUR_DEADLINE_SCAN_MS", CD_CONFIG_INT, "60000", 50, 3600000,
         "how often the deadline watcher looks for what is due soon or overdue", &rt_app.scan_ms},
    };
    static const cd_handler_t handlers[] = {
        {"complaint.received", rt_on_event},
        {"complaint.amended", rt_on_event},
        {"complaint.withdrawn", rt_on_event},
        {"consent.recorded", rt_on_event},
        {"summary.agreed", rt_on_event},
        {"out_of_time.decided", rt_on_event},
        {"case.opened", rt_on_event},
        {"investigator.assigned", rt_on_event},
        {"acknowledgement.due", rt_on_event},
        {"ombudsman.referral", rt_on_event},
        {"investigation.completed", rt_on_event},
        {"response.approved", rt_on_event},
        {"draft.returned", rt_on_event},
        {"letter.sent", rt_on_event},
        {"contribution.received", rt_on_contribution},
        {NULL, NULL},
    };
    /* Every complaint's path goes through these: applied in batches under load. */
    static const cd_batch_handler_t batches[] = {
        {"complaint.received", rt_on_batch},
        {"case.opened", rt_on_batch},
        {"acknowledgement.due", rt_on_batch},
        {"letter.sent", rt_on_batch},
        {NULL, NULL},
    };
    cd_service_spec_t spec = {
        .name = "routing",
        .summary = "triages complaints, sets their deadlines, keeps their status",
        .bind_port = 7101,
        .admin_port = 9101,
        .config = items,
        .nconfig = (int)(sizeof items / sizeof items[0]),
        .handlers = handlers,
        .batch_handlers = batches,
        .on_request = s_on_request,
        .on_ready = s_on_ready,
        .on_stop = s_on_stop,
        .arg = &rt_app,
    };
    int code = 0;
    rt_app.svc = cd_service_new(&spec, argc, argv, &code);
    if (!rt_app.svc)
        return code;
    rt_app.cal = cd_calendar_new();
    uv_timer_init(cd_service_loop(rt_app.svc), &rt_app.watcher);
    char err[512];
    if (*rt_app.holidays_path &&
        cd_calendar_load_json(rt_app.cal, rt_app.holidays_path, err, sizeof err) != 0) {
        cd_log_error("calendar.load_failed", "{s:s}", "error", err);
        code = 2;
    } else {
        code = cd_service_run(rt_app.svc);
    }
    cd_service_destroy(&rt_app.svc);
    cd_calendar_destroy(&rt_app.cal);
    cd_zmq_ctx_term();
    return code;
}
