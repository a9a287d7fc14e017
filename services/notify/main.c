/* candour-notify - writes the letters: keeps each complainant's contact
 * details, renders the letters the other services ask for, delivers them to
 * the spool, and tells routing when each has gone (N1).
 *
 * This file is the wiring only: configuration, the events and their
 * handlers, start-up. What each part does is in notify.h. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "candour/log.h"
#include "candour/metrics.h"
#include "candour/directory.h"
#include "candour/service.h"
#include "candour/zsock.h"
#include "notify.h"

static nt_app_t s_app;

/* The events notify acts on. Types it is sent and has no row for here are
 * recorded and acknowledged by the inbox. */
static const cd_handler_t s_handlers[] = {
    {"complaint.received", nt_on_received},
    {"complaint.amended", nt_on_amended},
    {"complaint.withdrawn", nt_on_withdrawn},
    {"letter.requested", nt_on_letter_requested},
    {"response.approved", nt_on_response_approved},
    {"deadline.extended", nt_on_deadline_extended},
    {"progress.sent", nt_on_progress_sent},
    {"response.late", nt_on_response_late},
    {"deadline.due_soon", nt_on_alert},
    {"deadline.overdue", nt_on_alert},
    {"staff.changed", cd_dir_on_staff_changed},
    {"org.changed", cd_dir_on_org_changed},
    {NULL, NULL},
};

static void s_on_ready(cd_service_t *svc, void *arg)
{
    (void)svc;
    nt_deliver_start(arg);
}

static void s_on_stop(cd_service_t *svc, void *arg)
{
    (void)svc;
    nt_deliver_stop(arg);
}

int main(int argc, char **argv)
{
    static cd_config_item_t items[] = {
        {"CANDOUR_SPOOL_DIR", CD_CONFIG_STRING, "var/spool", 0, 0,
         "directory where letters are delivered, one folder per complaint", &s_app.spool},
    };
    cd_service_spec_t spec = {
        .name = "notify",
        .summary = "renders and delivers letters to complainants",
        .bind_port = 7104,
        .admin_port = 9104,
        .config = items,
        .nconfig = 1,
        .handlers = s_handlers,
        .on_ready = s_on_ready,
        .on_stop = s_on_stop,
        .arg = &s_app,
    };
    int code = 0;
    s_app.svc = cd_service_new(&spec, argc, argv, &code);
    if (!s_app.svc)
        return code;
    if (mkdir(s_app.spool, 0750) != 0 && errno != EEXIST) {
        cd_log_error("spool.unusable", "{s:s, s:s}", "path", s_app.spool, "error", strerror(errno));
        cd_service_destroy(&s_app.svc);
        return 2;
    }
    s_app.m_letters = cd_metric_counter("candour_letters_delivered_total", NULL,
                                        "Letters delivered to the spool.");
    s_app.m_failed = cd_metric_counter("candour_letter_delivery_failures_total", NULL,
                                       "Failed attempts to deliver a letter or an alert.");
    nt_deliver_init(&s_app, cd_service_loop(s_app.svc));
    code = cd_service_run(s_app.svc);
    cd_service_destroy(&s_app.svc);
    cd_zmq_ctx_term();
    return code;
}
