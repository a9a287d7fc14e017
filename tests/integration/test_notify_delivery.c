/* test_notify_delivery.c - a letter's delivery as a state machine (N1, I7):
 * retried with backoff, then failed and raised to the complaints manager;
 * email through a real SMTP server on loopback (down, then up: one copy);
 * alerts emailed with references only; a task for an access need. notify
 * runs alone: the events come from this test as their producers send them. */
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
#include "harness.h"

static h_t *s_h;
static pid_t s_smtp;
static char s_mail[512];

static void s_teardown(void)
{
    h_smtp_stop(&s_smtp);
    cr_assert_eq(h_destroy(&s_h), 0, "notify did not exit 0 on SIGTERM");
}

TestSuite(notify_delivery, .fini = s_teardown, .timeout = 120);

/* The test's SMTP server on port, storing what it accepts under s_mail. */
static void s_smtp_start(int port)
{
    snprintf(s_mail, sizeof s_mail, "%s/mail", h_dir(s_h));
    mkdir(s_mail, 0750);
    h_smtp_start(&s_smtp, port, s_mail, NULL, NULL);
}

static void s_send(const char *type, const char *ref, const ProtobufCMessage *msg)
{
    char id[CD_UUID_LEN + 1] = "";
    cr_assert_eq(h_send_event(s_h, "notify", type, ref, msg, id, 5000), 1, "%s refused", type);
}

/* Received from Rosa Fenwick: by post (with an address, or none) or email. */
static void s_received(const char *ref, const char *how, Candour__V1__Format format)
{
    static char *addr[] = {"3 Mill Lane", "Otley"};
    Candour__V1__AccessNeeds needs = CANDOUR__V1__ACCESS_NEEDS__INIT;
    needs.format = format;
    Candour__V1__Person p = CANDOUR__V1__PERSON__INIT;
    p.name = "Rosa Fenwick";
    p.address_as = "Ms Fenwick";
    if (strcmp(how, "post") == 0) {
        p.address = addr;
        p.n_address = 2;
        p.postcode = "LS21 1AA";
    } else if (strcmp(how, "email") == 0) {
        p.email = "rosa@example.org";
        p.preferred_channel = CANDOUR__V1__CONTACT_CHANNEL__CONTACT_EMAIL;
    }
    p.access_needs = &needs;
    Candour__V1__Complaint comp = CANDOUR__V1__COMPLAINT__INIT;
    comp.complainant = &p;
    comp.description = "My father's discharge was not arranged.";
    Candour__V1__ComplaintReceived cr = CANDOUR__V1__COMPLAINT_RECEIVED__INIT;
    cr.org_id = "ICB-W";
    cr.complaint = &comp;
    s_send("complaint.received", ref, &cr.base);
}

static void s_ack(const char *ref)
{
    Candour__V1__LetterRequested lr = CANDOUR__V1__LETTER_REQUESTED__INIT;
    lr.kind = "acknowledgement";
    lr.response_due = "2026-12-18";
    lr.handler = "Sam Okafor";
    s_send("letter.requested", ref, &lr.base);
}

static int s_wait_state(const char *ref, const char *state, int ms)
{
    const char *v[1] = {ref};
    return h_wait_for(s_h,
                      "SELECT state FROM notify.letter WHERE reference = $1"
                      " AND kind = 'acknowledgement'",
                      1, v, state, ms);
}

static long s_files(const char *dir, const char *suffix)
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "ls '%s' 2>/dev/null | grep -c '%s$'", dir, suffix);
    FILE *f = popen(cmd, "r");
    long n = 0;
    if (f) {
        if (fscanf(f, "%ld", &n) != 1)
            n = 0;
        pclose(f);
    }
    return n;
}

/* The complaints manager of ICB-W, in notify's copy of the directory. */
static void s_manager(void)
{
    h_exec(s_h, "INSERT INTO notify.staff (staff_id, org_id, name, email, roles, version)"
                " VALUES ('ST900', 'ICB-W', 'Mo Manager', 'mo.manager@icb-w.example',"
                " '{complaints-manager}', 1)");
}

Test(notify_delivery, N1_a_letter_the_print_folder_cannot_take_is_retried_then_raised_once)
{
    s_h = h_new("notify_delivery");
    h_setenv(s_h, "CANDOUR_DELIVERY_ATTEMPTS", "3");
    h_setenv(s_h, "CANDOUR_DELIVERY_BACKOFF_MS", "50");
    /* A file where the hot folder should be: every write there fails. */
    char print[600];
    snprintf(print, sizeof print, "%s/print", h_dir(s_h));
    FILE *f = fopen(print, "w");
    cr_assert(f);
    fclose(f);
    cr_assert_eq(h_start(s_h, "notify"), 0);
    const char *ref = "CDR-DLVR-0001";
    s_received(ref, "post", CANDOUR__V1__FORMAT__FORMAT_STANDARD);
    s_ack(ref);
    cr_assert(s_wait_state(ref, "failed", 15000), "the letter was not failed");
    const char *v[1] = {ref};
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM notify.delivery_attempt a JOIN notify.letter l"
                         " USING (letter_id) WHERE l.reference = $1 AND a.outcome = 'retry'",
                         1, v),
                 3, "three tries, each recorded");
    /* Raised to the complaints manager: an alert in the spool, references only. */
    cr_assert(h_wait_for(s_h,
                         "SELECT (spool_path IS NOT NULL)::text FROM notify.alert"
                         " WHERE reference = $1 AND kind = 'delivery-failed'",
                         1, v, "true", 10000),
              "no alert raised");
    char *path = h_scalar(s_h,
                          "SELECT spool_path FROM notify.alert WHERE reference = $1"
                          " AND kind = 'delivery-failed'",
                          1, v);
    char *text = h_read_file(path);
    cr_assert(text && strstr(text, ref) && strstr(text, "acknowledgement by post, 3 attempts"),
              "%s", text);
    cr_assert(!strstr(text, "Fenwick") && !strstr(text, "Mill Lane"), "personal data: %s", text);
    /* Nothing told routing it went. */
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM notify.outbox WHERE complaint_ref = $1"
                         " AND type = 'letter.sent'",
                         1, v),
                 0);
    /* Put right and sent again: one print job, under the letter's id. */
    cr_assert_eq(unlink(print), 0);
    char *id =
        h_scalar(s_h, "SELECT letter_id::text FROM notify.letter WHERE reference = $1", 1, v);
    char out[4096], err[4096];
    int rc = h_ctl(s_h, "", out, sizeof out, err, sizeof err, "letters %s", ref);
    cr_assert(rc == 0 && strstr(out, "acknowledgement") && strstr(out, "failed") &&
                  strstr(out, id) && !strstr(out, "Fenwick"),
              "exit %d: %s%s", rc, out, err);
    rc = h_ctl(s_h, "", out, sizeof out, err, sizeof err,
               "letters resend %s --reason 'print folder mended'", id);
    cr_assert_eq(rc, 0, "exit %d: %s%s", rc, out, err);
    cr_assert(strstr(out, "CDR-DLVR-0001 acknowledgement queued again"), "%s", out);
    cr_assert(s_wait_state(ref, "delivered", 15000), "not delivered when sent again");
    cr_assert_eq(s_files(print, ".pdf"), 1);
    cr_assert_eq(s_files(print, ".json"), 1);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM notify.delivery_attempt a JOIN notify.letter l"
                         " USING (letter_id) WHERE l.reference = $1 AND a.outcome = 'resent'"
                         " AND a.detail = 'print folder mended'",
                         1, v),
                 1);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM notify.audit WHERE table_name = 'letter'"
                         " AND actor LIKE 'ops: %'",
                         0, NULL),
                 1, "the resend does not name the operator");
    /* Delivered now: not sent again. */
    rc = h_ctl(s_h, "", out, sizeof out, err, sizeof err, "letters resend %s --reason again", id);
    cr_assert(rc == 1 && strstr(err, "it is delivered, not failed"), "exit %d: %s", rc, err);
    free(id);
    free(text);
    free(path);
}

Test(notify_delivery, N1_no_address_to_post_to_is_refused_at_once_and_raised)
{
    s_h = h_new("notify_delivery");
    cr_assert_eq(h_start(s_h, "notify"), 0);
    const char *ref = "CDR-DLVR-0002";
    s_received(ref, "none", CANDOUR__V1__FORMAT__FORMAT_STANDARD);
    s_ack(ref);
    cr_assert(s_wait_state(ref, "failed", 15000), "the letter was not failed");
    const char *v[1] = {ref};
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM notify.letter WHERE reference = $1 AND attempts = 1"
                         " AND last_error LIKE 'no postal address%'",
                         1, v),
                 1);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM notify.alert WHERE reference = $1"
                         " AND kind = 'delivery-failed' AND level = 'failed'",
                         1, v),
                 1);
}

Test(notify_delivery, I7_braille_becomes_a_task_for_the_team_and_the_letter_still_goes)
{
    s_h = h_new("notify_delivery");
    cr_assert_eq(h_start(s_h, "notify"), 0);
    const char *ref = "CDR-DLVR-0003";
    s_received(ref, "post", CANDOUR__V1__FORMAT__FORMAT_BRAILLE);
    s_ack(ref);
    cr_assert(s_wait_state(ref, "delivered", 15000));
    const char *v[1] = {ref};
    char *detail = h_scalar(s_h,
                            "SELECT detail FROM notify.alert WHERE reference = $1"
                            " AND kind = 'access-need' AND level = 'task'",
                            1, v);
    cr_assert(detail && strcmp(detail, "Braille (letter acknowledgement)") == 0, "%s", detail);
    free(detail);
}

Test(notify_delivery, N1_email_with_the_relay_down_then_up_arrives_once_and_alerts_are_emailed)
{
    s_h = h_new("notify_delivery");
    int port = h_free_port();
    char url[64];
    snprintf(url, sizeof url, "smtp://127.0.0.1:%d", port);
    h_setenv(s_h, "CANDOUR_SMTP_URL", url);
    h_setenv(s_h, "CANDOUR_SMTP_TLS", "none");
    h_setenv(s_h, "CANDOUR_SMTP_FROM", "complaints@icb-w.example");
    h_setenv(s_h, "CANDOUR_MAIL_DOMAIN", "icb-w.example");
    h_setenv(s_h, "CANDOUR_DELIVERY_BACKOFF_MS", "200");
    cr_assert_eq(h_start(s_h, "notify"), 0);
    s_manager();
    const char *ref = "CDR-DLVR-0004";
    s_received(ref, "email", CANDOUR__V1__FORMAT__FORMAT_STANDARD);
    s_ack(ref);
    const char *v[1] = {ref};
    /* The relay is down: tried, and tried again. */
    cr_assert(h_wait_for(s_h,
                         "SELECT (count(*) >= 2)::text FROM notify.delivery_attempt a"
                         " JOIN notify.letter l USING (letter_id) WHERE l.reference = $1"
                         " AND a.outcome = 'retry'",
                         1, v, "true", 15000),
              "not retried while the relay was down");
    cr_assert(s_wait_state(ref, "queued", 1000));
    /* Up: one copy arrives, its Message-ID made from the letter's id. */
    s_smtp_start(port);
    cr_assert(s_wait_state(ref, "sent", 20000), "not sent once the relay was up");
    char *id = h_scalar(s_h,
                        "SELECT letter_id::text FROM notify.letter WHERE reference = $1"
                        " AND kind = 'acknowledgement'",
                        1, v);
    usleep(1500 * 1000); /* any second copy would be here by now */
    cr_assert_eq(s_files(s_mail, ".eml"), 1, "not exactly one copy");
    char path[700];
    snprintf(path, sizeof path, "%s/1.d/message_id", s_mail);
    char *mid = h_read_file(path);
    char want[128];
    snprintf(want, sizeof want, "<%s@icb-w.example>", id);
    cr_assert(mid && strstr(mid, want), "Message-ID %s, want %s", mid, want);
    snprintf(path, sizeof path, "%s/1.d/body", s_mail);
    char *body = h_read_file(path);
    cr_assert(body && strstr(body, "Dear Ms Fenwick,") && strstr(body, ref), "%s", body);
    snprintf(path, sizeof path, "%s/1.d/attachment_type", s_mail);
    char *type = h_read_file(path);
    cr_assert(type && strstr(type, "application/pdf"), "%s", type);

    /* A deadline alert goes to the complaints manager by email: the
     * reference, never the complainant's name. */
    Candour__V1__DeadlineAlert da = CANDOUR__V1__DEADLINE_ALERT__INIT;
    da.deadline = "response";
    da.level = "overdue";
    da.due = "2026-12-01";
    da.party = "";
    s_send("deadline.overdue", ref, &da.base);
    cr_assert(h_wait_for(s_h,
                         "SELECT email_state FROM notify.alert WHERE reference = $1"
                         " AND kind = 'deadline'",
                         1, v, "sent", 15000),
              "the alert was not emailed");
    snprintf(path, sizeof path, "%s/2.d/envelope", s_mail);
    char *env = h_read_file(path);
    cr_assert(env && strstr(env, "mo.manager@icb-w.example"), "%s", env);
    snprintf(path, sizeof path, "%s/2.d/body", s_mail);
    char *alert = h_read_file(path);
    cr_assert(alert && strstr(alert, ref) && strstr(alert, "OVERDUE") && !strstr(alert, "Fenwick"),
              "%s", alert);
    free(alert);
    free(env);
    free(type);
    free(body);
    free(mid);
    free(id);
}

Test(notify_delivery, N1_a_refusal_by_the_relay_fails_the_letter_at_once)
{
    s_h = h_new("notify_delivery");
    int port = h_free_port();
    char url[64];
    snprintf(url, sizeof url, "smtp://127.0.0.1:%d", port);
    h_setenv(s_h, "CANDOUR_SMTP_URL", url);
    h_setenv(s_h, "CANDOUR_SMTP_TLS", "none");
    cr_assert_eq(h_start(s_h, "notify"), 0);
    s_smtp_start(port);
    const char *ref = "CDR-DLVR-0005";
    /* The test server refuses a recipient whose address starts "refuse". */
    h_exec(s_h, "SELECT 1"); /* (notify is up) */
    Candour__V1__Person p = CANDOUR__V1__PERSON__INIT;
    p.name = "Rosa Fenwick";
    p.email = "refuse.rosa@example.org";
    p.preferred_channel = CANDOUR__V1__CONTACT_CHANNEL__CONTACT_EMAIL;
    Candour__V1__Complaint comp = CANDOUR__V1__COMPLAINT__INIT;
    comp.complainant = &p;
    comp.description = "x";
    Candour__V1__ComplaintReceived cr = CANDOUR__V1__COMPLAINT_RECEIVED__INIT;
    cr.org_id = "ICB-W";
    cr.complaint = &comp;
    s_send("complaint.received", ref, &cr.base);
    s_ack(ref);
    cr_assert(s_wait_state(ref, "failed", 15000), "a refused letter was not failed");
    const char *v[1] = {ref};
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM notify.delivery_attempt a JOIN notify.letter l"
                         " USING (letter_id) WHERE l.reference = $1 AND a.outcome = 'refused'"
                         " AND a.code = 550",
                         1, v),
                 1);
    cr_assert_eq(s_files(s_mail, ".eml"), 0);
}

/* A template of the body's, as `candourctl templates import` stores it. */
static void s_template(const char *org, const char *kind, const char *part, const char *body)
{
    const char *v[4] = {org, kind, part, body};
    h_execp(s_h,
            "INSERT INTO notify.template (org_id, kind, part, version, body, sha256, imported_by)"
            " VALUES ($1, $2, $3, 1, $4, encode(sha256(convert_to($4, 'UTF8')), 'hex'),"
            " 'ops: test')",
            4, v);
}

Test(notify_delivery, templates_as_data_frame_the_letter_with_the_bodys_own_words)
{
    s_h = h_new("notify_delivery");
    cr_assert_eq(h_start(s_h, "notify"), 0);
    s_template("ICB-W", "*", "letterhead", "West Yorkshire ICB\nWhite Rose House\nWakefield");
    s_template("ICB-W", "acknowledgement", "signature",
               "With best wishes,\n\n{{signatory.name}}\n{{org.name}} complaints");
    s_template("", "*", "footer", "Quote {{reference}}. We reply by {{response.due}}.");
    const char *ref = "CDR-TMPL-0001";
    s_received(ref, "post", CANDOUR__V1__FORMAT__FORMAT_STANDARD);
    s_ack(ref);
    cr_assert(s_wait_state(ref, "delivered", 15000));
    char path[700];
    snprintf(path, sizeof path, "%s/%s/acknowledgement.txt", h_spool(s_h), ref);
    char *text = h_read_file(path);
    cr_assert(text, "no letter at %s", path);
    /* The letterhead heads it; the body's sign-off replaces Candour's; the
     * default footer follows, its variables from the case. */
    cr_assert(
        strncmp(text, "West Yorkshire ICB\nWhite Rose House\nWakefield\n\nRosa Fenwick\n", 60) == 0,
        "%s", text);
    cr_assert(strstr(text, "With best wishes,\n\nThe Complaints Team\nICB-W complaints\n") &&
                  !strstr(text, "Yours sincerely"),
              "%s", text);
    cr_assert(strstr(text, "Quote CDR-TMPL-0001. We reply by Friday 18 December 2026."), "%s",
              text);
    free(text);
}

/* The response approved, signed by Dr Jo Reed, with no covering letter. */
static void s_approved(const char *ref)
{
    Candour__V1__ResponseApproved ra = CANDOUR__V1__RESPONSE_APPROVED__INIT;
    ra.outcome = CANDOUR__V1__OUTCOME__OUTCOME_UPHELD;
    ra.findings = "The discharge letter was sent late.";
    ra.signed_by = "Dr Jo Reed";
    ra.signatory_role = "Chief Executive";
    s_send("response.approved", ref, &ra.base);
}

Test(notify_delivery, F2_the_bodys_covering_letter_template_goes_with_its_response_filled_in)
{
    s_h = h_new("notify_delivery");
    cr_assert_eq(h_start(s_h, "notify"), 0);
    s_template("ICB-W", "covering-letter", "covering",
               "{{complainant.salutation}}, our response to your complaint {{reference}} is"
               " enclosed. {{signatory.name}} has read it.");
    /* Candour's default covering words send nothing by themselves. */
    s_template("", "covering-letter", "covering", "Enclosed, {{reference}}.");
    const char *ref = "CDR-TMPL-0002";
    s_received(ref, "post", CANDOUR__V1__FORMAT__FORMAT_STANDARD);
    s_approved(ref);
    const char *v[1] = {ref};
    cr_assert(h_wait_for(s_h,
                         "SELECT count(*)::text FROM notify.letter WHERE reference = $1"
                         " AND state = 'delivered'",
                         1, v, "2", 15000),
              "the response and its covering letter were not delivered");
    char path[700];
    snprintf(path, sizeof path, "%s/%s/covering-letter.txt", h_spool(s_h), ref);
    char *text = h_read_file(path);
    cr_assert(text &&
                  strstr(text, "Ms Fenwick, our response to your complaint CDR-TMPL-0002 is"
                               " enclosed. Dr Jo Reed has read it.") &&
                  !strstr(text, "{{"),
              "%s", text ? text : "(none)");
    free(text);
}

Test(notify_delivery, F2_candours_default_covering_words_send_no_covering_letter)
{
    s_h = h_new("notify_delivery");
    cr_assert_eq(h_start(s_h, "notify"), 0);
    s_template("", "covering-letter", "covering", "Enclosed, {{reference}}.");
    const char *ref = "CDR-TMPL-0003";
    s_received(ref, "post", CANDOUR__V1__FORMAT__FORMAT_STANDARD);
    s_approved(ref);
    const char *v[1] = {ref};
    cr_assert(h_wait_for(s_h,
                         "SELECT state FROM notify.letter WHERE reference = $1"
                         " AND kind = 'final-response'",
                         1, v, "delivered", 15000));
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM notify.letter WHERE reference = $1"
                         " AND kind = 'covering-letter'",
                         1, v),
                 0);
}
