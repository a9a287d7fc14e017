/* candour-notify - writes the letters: keeps each complainant's contact
 * details, renders the letters the other services ask for, delivers them to
 * the spool, and tells routing when each has gone (N1).
 *
 * This file is the wiring only: configuration, the events and their
 * handlers, start-up. What each part does is in notify.h. */
#include <errno.h>
#include <stdio.h>
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

static const char *s_tls = "require";
static const char *s_password_file = "";
static long s_attempts = 6, s_backoff_ms = 60000, s_backoff_max_ms = 3600000, s_smtp_timeout_ms;
static char s_password[256];

/* The relay's password from its file (a secret is not put in the
 * environment); 0, or -1 logged. */
static int s_read_password(void)
{
    if (!s_password_file[0])
        return 0;
    FILE *f = fopen(s_password_file, "r");
    if (!f || !fgets(s_password, sizeof s_password, f)) {
        cd_log_error("smtp.password_unreadable", "{s:s}", "path", s_password_file);
        if (f)
            fclose(f);
        return -1;
    }
    fclose(f);
    s_password[strcspn(s_password, "\r\n")] = '\0';
    s_app.channels.smtp.password = s_password;
    return 0;
}

static int s_channels(void)
{
    nt_smtp_config_t *m = &s_app.channels.smtp;
    m->tls = strcmp(s_tls, "none") == 0  ? NT_SMTP_TLS_NONE
             : strcmp(s_tls, "try") == 0 ? NT_SMTP_TLS_TRY
                                         : NT_SMTP_TLS_REQUIRE;
    if (strcmp(s_tls, "none") != 0 && strcmp(s_tls, "try") != 0 && strcmp(s_tls, "require") != 0) {
        cd_log_error("config.invalid", "{s:s, s:s}", "name", "CANDOUR_SMTP_TLS", "allowed",
                     "require, try or none");
        return -1;
    }
    m->timeout_ms = s_smtp_timeout_ms;
    s_app.retry = (nt_retry_t){.attempts = (int)s_attempts,
                               .backoff_ms = s_backoff_ms,
                               .backoff_max_ms = s_backoff_max_ms};
    if (mkdir(s_app.channels.print_dir, 0750) != 0 && errno != EEXIST) {
        cd_log_error("print_dir.unusable", "{s:s, s:s}", "path", s_app.channels.print_dir, "error",
                     strerror(errno));
        return -1;
    }
    if (!m->url[0])
        cd_log_warn("email.no_relay", "{s:s}", "effect",
                    "CANDOUR_SMTP_URL is empty: letters by email stay in the spool and alerts are"
                    " not emailed");
    return s_read_password();
}

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
         "STARTTLS on smtp://: require, try or none", &s_tls},
        {"CANDOUR_SMTP_USER", CD_CONFIG_STRING, "", 0, 0,
         "the relay's user name (AUTH); empty: none", &s_app.channels.smtp.user},
        {"CANDOUR_SMTP_PASSWORD_FILE", CD_CONFIG_STRING, "", 0, 0,
         "a file holding the relay's password", &s_password_file},
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
        {"CANDOUR_SMTP_TIMEOUT_MS", CD_CONFIG_INT, "30000", 100, 600000,
         "longest time one email may take", &s_smtp_timeout_ms},
        {"CANDOUR_DELIVERY_ATTEMPTS", CD_CONFIG_INT, "6", 1, 100,
         "tries before a letter is failed and raised to the complaints manager", &s_attempts},
        {"CANDOUR_DELIVERY_BACKOFF_MS", CD_CONFIG_INT, "60000", 1, 86400000,
         "the wait after a letter's first failed try, doubled after each", &s_backoff_ms},
        {"CANDOUR_DELIVERY_BACKOFF_MAX_MS", CD_CONFIG_INT, "3600000", 1, 86400000,
         "the longest wait between tries", &s_backoff_max_ms},
    };
    cd_service_spec_t spec = {
        .name = "notify",
        .summary = "renders and delivers letters to complainants",
        .bind_port = 7104,
        .admin_port = 9104,
        .config = items,
        .nconfig = sizeof items / sizeof items[0],
        .handlers = s_handlers,
        .on_ready = s_on_ready,
        .on_stop = s_on_stop,
        .arg = &s_app,
    };
    int code = 0;
    s_app.svc = cd_service_new(&spec, argc, argv, &code);
    if (!s_app.svc)
        return code;
    if ((mkdir(s_app.spool, 0750) != 0 && errno != EEXIST) || s_channels() != 0 ||
        nt_smtp_global_init() != 0) {
        cd_log_error("notify.unusable", "{s:s}", "spool", s_app.spool);
        cd_service_destroy(&s_app.svc);
        return 2;
    }
    s_app.m_letters = cd_metric_counter("candour_letters_delivered_total", NULL,
                                        "Letters delivered to the spool.");
    s_app.m_failed = cd_metric_counter("candour_letter_delivery_failures_total", NULL,
                                       "Failed attempts to deliver a letter or an alert.");
    s_app.m_raised = cd_metric_counter("candour_letters_raised_total", NULL,
                                       "Letters failed for good and raised to the complaints"
                                       " manager.");
    nt_deliver_init(&s_app, cd_service_loop(s_app.svc));
    code = cd_service_run(s_app.svc);
    cd_service_destroy(&s_app.svc);
    nt_smtp_global_cleanup();
    cd_zmq_ctx_term();
    return code;
}
