/* candour-intake - the front door for other organisations: takes complaints
 * over the authenticated bus, checks them, stores them and answers with a
 * receipt only after the commit; lets the submitting organisation amend,
 * withdraw, record consent, agree a verbal complaint's summary, and follow
 * its complaints' status. On its internal endpoint, the bodies' staff enter
 * the complaints made to them by post, by telephone or in person (I1),
 * checked against intake's copy of the staff directory.
 *
 * Who is asking: the organisation bound to the CURVE key that the ZAP
 * handler admitted (User-Id), never a field of the message. Each request is
 * also checked against the allow-list inside its own statement, so a key
 * revoked after its connection was admitted stops working at once.
 *
 * This file is its configuration, its handler table and its start-up; the
 * work is in submit.c, entry.c, complaint.c, queries.c, partners.c and
 * requests.c (intake.h). */
#include <stdio.h>

#include "candour/directory.h"
#include "candour/log.h"
#include "candour/metrics.h"
#include "intake.h"

in_app_t in_app;

static void s_on_ready(cd_service_t *svc, void *arg)
{
    (void)svc;
    (void)arg;
    in_repeat_check_start();
}

static void s_on_stop(cd_service_t *svc, void *arg)
{
    (void)svc;
    (void)arg;
    in_repeat_check_stop();
}

int main(int argc, char **argv)
{
    static const cd_handler_t handlers[] = {
        {"complaint.status_changed", in_on_status_changed},
        {"contribution.requested", in_on_contribution_requested},
        {"complaint.referred", in_on_complaint_referred},
        {"response.shared", in_on_response_shared},
        {"staff.changed", cd_dir_on_staff_changed},
        {"org.changed", cd_dir_on_org_changed},
        {NULL, NULL},
    };
    static const cd_batch_handler_t batches[] = {
        {"complaint.status_changed", in_on_status_batch},
        {NULL, NULL},
    };
    static cd_config_item_t items[] = {
        {"CANDOUR_BANK_HOLIDAYS", CD_CONFIG_STRING, "", 0, 0,
         "gov.uk bank-holidays.json to extend the built-in calendar (empty: rules only)",
         &in_app.holidays_path},
        {"CANDOUR_ENTRY_MAX_AGE_DAYS", CD_CONFIG_INT, "30", 0, 365,
         "EnterComplaint: latest a complaint can be entered, in calendar days after it was"
         " received",
         &in_app.entry_max_age_days},
    };
    cd_service_spec_t spec = {
        .name = "intake",
        .summary = "takes complaints from other organisations over the authenticated bus",
        .bind_port = 7105,
        .admin_port = 9100,
        .curve = 1,
        .first_db = 1, /* receipts never wait behind status events being applied */
        .public_port = 7100,
        .config = items,
        .nconfig = sizeof items / sizeof items[0],
        .handlers = handlers,
        .batch_handlers = batches,
        .on_request = in_on_request,
        .on_ready = s_on_ready,
        .on_stop = s_on_stop,
        .arg = &in_app,
    };
    int code = 0;
    in_app.svc = cd_service_new(&spec, argc, argv, &code);
    if (!in_app.svc)
        return code;
    in_app.m_received =
        cd_metric_counter("candour_complaints_received_total", NULL, "Complaints stored.");
    in_app.m_rejected = cd_metric_counter("candour_complaints_rejected_total", NULL,
                                          "Submissions refused with a typed error.");
    in_app.m_duplicates =
        cd_metric_counter("candour_complaints_duplicate_total", NULL,
                          "Repeated submissions answered with the first receipt.");
    in_app.m_batches =
        cd_metric_counter("candour_intake_batches_total", NULL, "Group-commit transactions.");
    in_app.m_wait_s = cd_metric_counter("candour_intake_batch_wait_seconds_total", NULL,
                                        "Time submissions waited for their batch to start (sum).");
    in_app.m_commit_s = cd_metric_counter("candour_intake_batch_commit_seconds_total", NULL,
                                          "Time batches took from sending to their commit (sum).");
    in_app.m_denied = cd_metric_counter("candour_requests_denied_total", NULL,
                                        "Requests from keys not (or no longer) on the allow-list.");
    in_app.cal = cd_calendar_new();
    char err[512];
    if (*in_app.holidays_path &&
        cd_calendar_load_json(in_app.cal, in_app.holidays_path, err, sizeof err) != 0) {
        cd_log_error("calendar.load_failed", "{s:s}", "error", err);
        code = 2;
    } else {
        code = cd_service_run(in_app.svc);
    }
    cd_service_destroy(&in_app.svc);
    cd_calendar_destroy(&in_app.cal);
    cd_zmq_ctx_term();
    return code;
}
