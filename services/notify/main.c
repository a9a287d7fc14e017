/* candour-notify - writes the letters: keeps each complainant's contact
 * details, renders the letters the other services ask for, delivers them to
 * the spool, and tells routing when each has gone (N1).
 *
 * This file is the wiring only: configuration, the events and their
 * handlers, the requests (requests.c), start-up. What each part does is in
 * notify.h. */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "candour/log.h"
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
    {"spc.signal", nt_on_spc_signal},
    {"staff.changed", cd_dir_on_staff_changed},
    {"org.changed", cd_dir_on_org_changed},
    {NULL, NULL},
};

/* Applied together when several arrive at once. */
static const cd_batch_handler_t s_batches[] = {
    {"complaint.received", nt_on_received_batch},
    {NULL, NULL},
};

static void s_on_ready(cd_service_t *svc, void *arg)
{
    (void)svc;
    nt_deliver_start(arg);
    nt_bounce_start(arg);
}

static void s_on_stop(cd_service_t *svc, void *arg)
{
    (void)svc;
    nt_deliver_stop(arg);
    nt_bounce_stop(arg);
}

/* The settings setup.c turns into the channels and the retry rule. */
static nt_setup_t s_setup = {.tls = "require", .password_file = ""};

int main(int argc, char **argv)
{
    static cd_config_item_t items[] = {
        {"CANDOUR_SPOOL_DIR", CD_CONFIG_STRING, "var/spool", 0, 0,
         "directory where every letter's text and PDF are kept, one folder per complaint, and"
         " alerts in alerts/",
         &s_app.spool},
        {"CANDOUR_PRINT_DIR", CD_CONFIG_STRING, "var/print", 0, 0,
         "print hot folder: letters by post as <letter-id>.pdf with a <letter-id>.json manifest",
         &s_app.channels.print_dir},
        {"CANDOUR_SMTP_URL", CD_CONFIG_STRING, "", 0, 0,
         "the SMTP relay for letters and alerts by email, smtp://host:port (STARTTLS) or"
         " smtps://host:port; empty: email letters stay in the spool",
         &s_app.channels.smtp.url},
        {"CANDOUR_SMTP_TLS", CD_CONFIG_STRING, "require", 0, 0,
         "STARTTLS on smtp://: require, try or none", &s_setup.tls},
        {"CANDOUR_SMTP_USER", CD_CONFIG_STRING, "", 0, 0,
         "the relay's user name (AUTH); empty: none", &s_app.channels.smtp.user},
        {"CANDOUR_SMTP_PASSWORD_FILE", CD_CONFIG_STRING, "", 0, 0,
         "a file holding the relay's password", &s_setup.password_file},
        {"CANDOUR_SMTP_CA_FILE", CD_CONFIG_STRING, "", 0, 0,
         "CA certificates to check the relay by; empty: the system's",
         &s_app.channels.smtp.ca_file},
        {"CANDOUR_SMTP_FROM", CD_CONFIG_STRING, "complaints@candour.invalid", 0, 0,
         "the address letters and alerts come from", &s_app.channels.smtp.from},
        {"CANDOUR_SMTP_FROM_NAME", CD_CONFIG_STRING, "Complaints team", 0, 0,
         "the name they come from", &s_app.channels.smtp.from_name},
        {"CANDOUR_MAIL_DOMAIN", CD_CONFIG_STRING, "candour.invalid", 0, 0,
         "right-hand side of each email's Message-ID (<letter-id@domain>)",
         &s_app.channels.smtp.domain},
        {"CANDOUR_BOUNCE_DIR", CD_CONFIG_STRING, "", 0, 0,
         "a Maildir the relay's bounces are delivered into: each bounce of a letter is recorded,"
         " a failure fails and raises it; empty: none read",
         &s_app.bounce_dir},
        {"CANDOUR_SMTP_TIMEOUT_MS", CD_CONFIG_INT, "30000", 100, 600000,
         "longest time one email may take", &s_setup.timeout_ms},
        {"CANDOUR_DELIVERY_ATTEMPTS", CD_CONFIG_INT, "6", 1, 100,
         "tries before a letter is failed and raised to the complaints manager", &s_setup.attempts},
        {"CANDOUR_DELIVERY_BACKOFF_MS", CD_CONFIG_INT, "60000", 1, 86400000,
         "the wait after a letter's first failed try, doubled after each", &s_setup.backoff_ms},
        {"CANDOUR_LETTER_NICE", CD_CONFIG_INT, "10", 0, 19,
         "CPU priority (nice) of the threads that typeset and deliver letters: on a busy host"
         " receipts and events go first, letters take the CPU that is left",
         &s_app.letter_nice},
        {"CANDOUR_DELIVERY_BACKOFF_MAX_MS", CD_CONFIG_INT, "3600000", 1, 86400000,
         "the longest wait between tries", &s_setup.backoff_max_ms},
    };
    cd_service_spec_t spec = {
        .name = "notify",
        .summary = "renders and delivers letters to complainants",
        .bind_port = 7104,
        .admin_port = 9104,
        .config = items,
        .nconfig = sizeof items / sizeof items[0],
        .handlers = s_handlers,
        .batch_handlers = s_batches,
        .on_request = nt_on_request,
        .on_ready = s_on_ready,
        .on_stop = s_on_stop,
        .arg = &s_app,
    };
    /* The letters are typeset on several pool threads; glibc would give each
     * its own malloc arena, and each arena keeps its freed pages: two arenas
     * hold notify's peak memory to what one letter at a time needs. */
    mallopt(M_ARENA_MAX, 2);
    int code = 0;
    s_app.svc = cd_service_new(&spec, argc, argv, &code);
    if (!s_app.svc)
        return code;
    if (nt_setup(&s_app, &s_setup) != 0) {
        cd_log_error("notify.unusable", "{s:s}", "spool", s_app.spool);
        cd_service_destroy(&s_app.svc);
        return 2;
    }
    if (nt_bounce_init(&s_app, cd_service_loop(s_app.svc)) != 0) {
        cd_service_destroy(&s_app.svc);
        return 2;
    }
    nt_deliver_init(&s_app, cd_service_loop(s_app.svc));
    code = cd_service_run(s_app.svc);
    cd_service_destroy(&s_app.svc);
    if (NT_MAILS_ALERTS(&s_app))
        nt_smtp_global_cleanup();
    cd_zmq_ctx_term();
    return code;
}
