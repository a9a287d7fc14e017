/* test_staff_entry.c - complaints made by post, by telephone or in person,
 * entered by the body's staff on intake's internal endpoint (I1): the clocks
 * count from the day they were received, in London time (R4); who entered
 * them is recorded and named in the audit trail; a repeat is the same
 * complaint (I9); refusals store nothing; the public endpoint does not take
 * the operation.
 *
 * Every daemon runs, with deploy/bank-holidays.json, so that the expected
 * acknowledgement date is computed here with the same feed routing reads. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "candour/calendar.h"
#include "candour/client.h"
#include "candour/util.h"
#include "harness.h"

#define S_ORG "ICB-QWE"
#define S_HOLIDAYS CANDOUR_SOURCE_DIR "/deploy/bank-holidays.json"

static h_t *s_h;
static cd_calendar_t *s_cal;
static char *s_manager, *s_investigator, *s_analyst, *s_other; /* staff ids */

static void s_setup(void)
{
    s_h = h_new("staff_entry");
    h_setenv(s_h, "CANDOUR_BANK_HOLIDAYS", S_HOLIDAYS);
    h_org(s_h, S_ORG); /* the body's own key, for its organisation's view */
    cr_assert_eq(h_start_all(s_h), 0);
    s_manager = h_staff(s_h, S_ORG, "Casey Manager", "Complaints", "complaints-manager");
    s_investigator = h_staff(s_h, S_ORG, "Ifan Investigator", "Complaints", "investigator");
    s_analyst = h_staff(s_h, S_ORG, "Ana Analyst", "Performance", "analyst");
    s_other = h_staff(s_h, "TRUST-ZZZ", "Olu Other", "Complaints", "complaints-manager");
    /* h_staff waits for the other copies; intake keeps one too. */
    const char *ids[4] = {s_manager, s_investigator, s_analyst, s_other};
    for (int i = 0; i < 4; i++)
        cr_assert(h_wait_for(s_h, "SELECT count(*)::text FROM intake.staff WHERE staff_id = $1", 1,
                             &ids[i], "1", 15000),
                  "intake never heard of %s", ids[i]);
    s_cal = cd_calendar_new();
    char err[256];
    cr_assert_eq(cd_calendar_load_json(s_cal, S_HOLIDAYS, err, sizeof err), 0, "%s", err);
}

static void s_teardown(void)
{
    free(s_manager);
    free(s_investigator);
    free(s_analyst);
    free(s_other);
    cd_calendar_destroy(&s_cal);
    cr_assert_eq(h_destroy(&s_h), 0, "a daemon did not exit 0 on SIGTERM");
}

TestSuite(staff_entry, .init = s_setup, .fini = s_teardown, .timeout = 120);

/* Today in London, and that day plus n calendar days, as YYYY-MM-DD. */
static cd_date_t s_today(void)
{
    return cd_date_from_unix_london(time(NULL));
}

static void s_day(int plus, char out[CD_DATE_LEN + 1])
{
    cd_date_format(cd_date_add_days(s_today(), plus), out);
}

/* EnterComplaint on intake's internal endpoint (public: on its CURVE
 * endpoint, as the organisation), acting as `acting` (NULL: nobody). */
static Candour__V1__Reply *s_enter_on(int public, const char *acting, const char *org,
                                      const char *ext, Candour__V1__Channel channel,
                                      const char *received_on)
{
    Candour__V1__Person p = CANDOUR__V1__PERSON__INIT;
    char *addr[] = {"12 Mill Lane", "Leeds"};
    p.name = "Tom Reed";
    p.address = addr;
    p.n_address = 2;
    Candour__V1__Complaint c = CANDOUR__V1__COMPLAINT__INIT;
    c.external_ref = (char *)ext;
    c.channel = channel;
    c.complainant = &p;
    c.description = "Nobody answered my letters about my mother's care package.";
    if (channel == CANDOUR__V1__CHANNEL__CHANNEL_VERBAL)
        c.summary = "Mr Reed telephoned: his letters about his mother's care were not answered.";
    Candour__V1__EnterComplaint e = CANDOUR__V1__ENTER_COMPLAINT__INIT;
    e.org_id = (char *)org;
    e.complaint = &c;
    e.received_on = (char *)received_on;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.acting = (char *)(acting ? acting : "");
    req.op_case = CANDOUR__V1__REQUEST__OP_ENTER_COMPLAINT;
    req.enter_complaint = &e;
    cd_client_t *cl = public ? h_client(s_h, S_ORG) : h_internal_client(s_h, "intake");
    cr_assert(cl);
    Candour__V1__Reply *r = NULL;
    char err[256];
    cr_assert_eq(cd_client_call(cl, &req, 10000, &r, err, sizeof err), 0, "%s", err);
    cd_client_destroy(&cl);
    return r;
}

static Candour__V1__Reply *s_enter(const char *acting, const char *ext, Candour__V1__Channel ch,
                                   const char *received_on)
{
    return s_enter_on(0, acting, S_ORG, ext, ch, received_on);
}

/* The reply is a refusal with code on field. */
static void s_refused(Candour__V1__Reply *r, const char *code, const char *field)
{
    cr_assert(r->error, "accepted; expected %s on %s", code, field);
    cr_assert_str_eq(r->error->code, code, "%s: %s", r->error->field, r->error->message);
    cr_assert_str_eq(r->error->field, field, "%s", r->error->message);
    candour__v1__reply__free_unpacked(r, NULL);
}

/* The day n working days before today. */
static cd_date_t s_workdays_ago(int n)
{
    cd_date_t d = s_today();
    while (n > 0) {
        d = cd_date_add_days(d, -1);
        n -= cd_calendar_is_working_day(s_cal, d) != 0;
    }
    return d;
}

Test(staff_entry, R4_a_postal_complaint_is_acknowledged_three_working_days_after_its_receipt)
{
    cd_date_t received = s_workdays_ago(2);
    char on[CD_DATE_LEN + 1], want_ack[CD_DATE_LEN + 1], ack_from_today[CD_DATE_LEN + 1];
    cd_date_format(received, on);
    cd_date_format(cd_workdays_add(s_cal, received, 3), want_ack);
    cd_date_format(cd_workdays_add(s_cal, s_today(), 3), ack_from_today);
    cr_assert_str_neq(want_ack, ack_from_today, "the test must tell the two days apart");

    Candour__V1__Reply *r = s_enter(s_manager, "POST-0001", CANDOUR__V1__CHANNEL__CHANNEL_POST, on);
    cr_assert_null(r->error, "%s %s: %s", r->error ? r->error->code : "",
                   r->error ? r->error->field : "", r->error ? r->error->message : "");
    cr_assert(r->receipt);
    cr_assert_not(r->receipt->duplicate);
    cr_assert_eq(r->receipt->n_holds, 0);
    char ref[64];
    snprintf(ref, sizeof ref, "%s", r->receipt->complaint_ref);
    int64_t at = cd_parse_rfc3339(r->receipt->received_at);
    cr_assert(at > 0, "%s", r->receipt->received_at);
    cd_date_t at_day = cd_date_from_unix_london(at);
    cr_assert_eq(cd_date_cmp(at_day, received), 0, "receipt says %s, received on %s",
                 r->receipt->received_at, on);
    candour__v1__reply__free_unpacked(r, NULL);

    /* Intake's row: received that day at noon in London, entered by the
     * manager, in the body's name; the audit trail names the person. */
    const char *p[1] = {ref};
    char *got = h_scalar(s_h,
                         "SELECT (received_at AT TIME ZONE 'Europe/London')::date::text || ' '"
                         " || to_char(received_at AT TIME ZONE 'Europe/London', 'HH24:MI') || ' '"
                         " || entered_by || ' ' || org_id || ' ' || channel"
                         " FROM intake.complaint WHERE reference = $1",
                         1, p);
    char want[256];
    snprintf(want, sizeof want, "%s 12:00 %s " S_ORG " CHANNEL_POST", on, s_manager);
    cr_assert_str_eq(got, want);
    free(got);
    got = h_scalar(s_h,
                   "SELECT string_agg(actor, ',') FROM intake.audit WHERE table_name = 'complaint'"
                   " AND op = 'INSERT' AND reference = $1",
                   1, p);
    snprintf(want, sizeof want, "Casey Manager (%s)", s_manager);
    cr_assert_str_eq(got, want);
    free(got);

    /* Routing counts from that day; notify has the complainant to write to. */
    cr_assert(
        h_wait_for(s_h, "SELECT ack_due::text FROM routing.complaint WHERE reference = $1", 1, p,
                   want_ack, 15000),
        "ack_due %s, expected %s",
        h_scalar(s_h, "SELECT ack_due::text FROM routing.complaint WHERE reference = $1", 1, p),
        want_ack);
    cr_assert(h_wait_for(s_h,
                         "SELECT (received_at AT TIME ZONE 'Europe/London')::date::text"
                         " FROM routing.complaint WHERE reference = $1",
                         1, p, on, 15000));
    cr_assert(h_wait_for(s_h, "SELECT count(*)::text FROM notify.recipient WHERE reference = $1", 1,
                         p, "1", 15000));
}

Test(staff_entry, I1_a_telephone_complaint_entered_today_waits_for_its_summary_agreement)
{
    char on[CD_DATE_LEN + 1];
    s_day(0, on);
    Candour__V1__Reply *r =
        s_enter(s_investigator, "CALL-0001", CANDOUR__V1__CHANNEL__CHANNEL_VERBAL, on);
    cr_assert_null(r->error, "%s: %s", r->error ? r->error->field : "",
                   r->error ? r->error->message : "");
    cr_assert_eq(r->receipt->n_holds, 1);
    cr_assert_eq(r->receipt->holds[0], CANDOUR__V1__HOLD__HOLD_AWAITING_SUMMARY_AGREEMENT);
    char ref[64];
    snprintf(ref, sizeof ref, "%s", r->receipt->complaint_ref);
    candour__v1__reply__free_unpacked(r, NULL);
    const char *p[1] = {ref};
    cr_assert(h_wait_for(s_h, "SELECT state FROM routing.complaint WHERE reference = $1", 1, p,
                         "awaiting-summary-agreement", 15000));
    char *got = h_scalar(s_h,
                         "SELECT (received_at AT TIME ZONE 'Europe/London')::date::text || ' '"
                         " || entered_by FROM intake.complaint WHERE reference = $1",
                         1, p);
    char want[128];
    snprintf(want, sizeof want, "%s %s", on, s_investigator);
    cr_assert_str_eq(got, want);
    free(got);
}

Test(staff_entry, I9_a_repeat_gives_the_first_receipt_as_a_duplicate)
{
    char first_day[CD_DATE_LEN + 1], later_day[CD_DATE_LEN + 1];
    s_day(-3, first_day);
    s_day(-1, later_day);
    Candour__V1__Reply *a =
        s_enter(s_manager, "POST-0002", CANDOUR__V1__CHANNEL__CHANNEL_POST, first_day);
    cr_assert_null(a->error, "%s", a->error ? a->error->message : "");
    /* Entered again, by someone else, with another day: the same complaint. */
    Candour__V1__Reply *b =
        s_enter(s_investigator, "POST-0002", CANDOUR__V1__CHANNEL__CHANNEL_POST, later_day);
    cr_assert_null(b->error, "%s", b->error ? b->error->message : "");
    cr_assert_not(a->receipt->duplicate);
    cr_assert(b->receipt->duplicate);
    cr_assert_str_eq(b->receipt->complaint_ref, a->receipt->complaint_ref);
    cr_assert_str_eq(b->receipt->received_at, a->receipt->received_at);
    const char *p[2] = {a->receipt->complaint_ref, s_manager};
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM intake.complaint WHERE org_id = '" S_ORG
                         "' AND external_ref = 'POST-0002'",
                         0, NULL),
                 1);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM intake.complaint WHERE reference = $1"
                         " AND entered_by = $2",
                         2, p),
                 1, "the first entry stands");
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM intake.outbox WHERE complaint_ref = $1", 1, p),
                 1, "one complaint.received");
    candour__v1__reply__free_unpacked(a, NULL);
    candour__v1__reply__free_unpacked(b, NULL);
}

#define S_STORED                                                                                   \
    "SELECT (SELECT count(*) FROM intake.complaint) + (SELECT count(*) FROM intake.outbox)"        \
    " + (SELECT count(*) FROM intake.audit WHERE table_name = 'complaint')"

Test(staff_entry, I1_refusals_say_why_and_store_nothing)
{
    long before = h_count(s_h, S_STORED, 0, NULL);
    char tomorrow[CD_DATE_LEN + 1], oldest[CD_DATE_LEN + 1], too_old[CD_DATE_LEN + 1],
        yesterday[CD_DATE_LEN + 1];
    s_day(1, tomorrow);
    s_day(-30, oldest);
    s_day(-31, too_old);
    s_day(-1, yesterday);
    const Candour__V1__Channel post = CANDOUR__V1__CHANNEL__CHANNEL_POST;

    s_refused(s_enter(s_manager, "NO-1", post, tomorrow), "DATE_IN_FUTURE",
              "enter_complaint.received_on");
    Candour__V1__Reply *r = s_enter(s_manager, "NO-2", post, too_old);
    cr_assert(r->error && strstr(r->error->message, "30 days") && strstr(r->error->message, oldest),
              "the message names the bound: %s", r->error ? r->error->message : "(accepted)");
    s_refused(r, "OUT_OF_RANGE", "enter_complaint.received_on");
    s_refused(s_enter(s_manager, "NO-3", post, ""), "REQUIRED", "enter_complaint.received_on");
    s_refused(s_enter(s_manager, "NO-4", CANDOUR__V1__CHANNEL__CHANNEL_WEB, yesterday),
              "INVALID_ARGUMENT", "enter_complaint.complaint.channel");
    s_refused(s_enter(s_manager, "NO-5", CANDOUR__V1__CHANNEL__CHANNEL_BUS, yesterday),
              "INVALID_ARGUMENT", "enter_complaint.complaint.channel");
    s_refused(s_enter(s_manager, "NO-6", CANDOUR__V1__CHANNEL__CHANNEL_EMAIL, yesterday),
              "INVALID_ARGUMENT", "enter_complaint.complaint.channel");
    /* Who may enter: enabled complaints managers and investigators of the body. */
    s_refused(s_enter(s_analyst, "NO-7", post, yesterday), "PERMISSION_DENIED", "acting");
    s_refused(s_enter(s_other, "NO-8", post, yesterday), "PERMISSION_DENIED", "acting");
    s_refused(s_enter(NULL, "NO-9", post, yesterday), "PERMISSION_DENIED", "acting");
    s_refused(s_enter("ST999999", "NO-10", post, yesterday), "PERMISSION_DENIED", "acting");
    /* The body is the person's: another body's id is refused, not re-addressed. */
    s_refused(s_enter_on(0, s_manager, "TRUST-ZZZ", "NO-11", post, yesterday), "PERMISSION_DENIED",
              "acting");

    /* Disabled: no longer. */
    char json[256];
    snprintf(json, sizeof json,
             "{\"ops_user\": \"ops\", \"disable_staff\": {\"staff_id\": \"%s\", \"reason\":"
             " \"Left\"}}",
             s_investigator);
    Candour__V1__Reply *d = h_call_json(s_h, "routing", NULL, json);
    cr_assert_null(d->error, "%s", d->error ? d->error->message : "");
    candour__v1__reply__free_unpacked(d, NULL);
    const char *pi[1] = {s_investigator};
    cr_assert(h_wait_for(s_h, "SELECT disabled::text FROM intake.staff WHERE staff_id = $1", 1, pi,
                         "true", 15000));
    s_refused(s_enter(s_investigator, "NO-12", post, yesterday), "PERMISSION_DENIED", "acting");

    /* The organisation's own endpoint does not take a staff operation. */
    s_refused(s_enter_on(1, s_manager, S_ORG, "NO-13", post, yesterday), "UNSUPPORTED", "op");

    cr_assert_eq(h_count(s_h, S_STORED, 0, NULL), before, "a refusal left something behind");
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM intake.complaint WHERE external_ref LIKE 'NO-%'", 0,
                         NULL),
                 0);
    /* The bound itself is allowed, and the service still serves. */
    r = s_enter(s_manager, "POST-OLDEST", post, oldest);
    cr_assert_null(r->error, "%s", r->error ? r->error->message : "");
    candour__v1__reply__free_unpacked(r, NULL);
}

/* ------------------------------------------------------------ mixed batches */

#define S_EACH 12

typedef struct {
    const char *acting; /* NULL: the organisation, over the public endpoint */
    char prefix[16];
    int failures;
} s_worker_t;

static void *s_work(void *arg)
{
    s_worker_t *w = arg;
    char yesterday[CD_DATE_LEN + 1];
    s_day(-1, yesterday);
    cd_client_t *cl = w->acting ? h_internal_client(s_h, "intake") : h_client(s_h, S_ORG);
    for (int i = 0; cl && i < S_EACH; i++) {
        char ext[32];
        snprintf(ext, sizeof ext, "%s-%d", w->prefix, i);
        Candour__V1__Person p = CANDOUR__V1__PERSON__INIT;
        p.name = "Mixed Batch";
        p.email = "mixed@example.org";
        Candour__V1__Complaint c = CANDOUR__V1__COMPLAINT__INIT;
        c.external_ref = ext;
        c.channel = CANDOUR__V1__CHANNEL__CHANNEL_POST;
        c.complainant = &p;
        c.description = "Batched with others.";
        Candour__V1__SubmitComplaint s = CANDOUR__V1__SUBMIT_COMPLAINT__INIT;
        Candour__V1__EnterComplaint e = CANDOUR__V1__ENTER_COMPLAINT__INIT;
        Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
        if (w->acting) {
            e.org_id = S_ORG;
            e.complaint = &c;
            e.received_on = yesterday;
            req.acting = (char *)w->acting;
            req.op_case = CANDOUR__V1__REQUEST__OP_ENTER_COMPLAINT;
            req.enter_complaint = &e;
        } else {
            s.complaint = &c;
            req.op_case = CANDOUR__V1__REQUEST__OP_SUBMIT;
            req.submit = &s;
        }
        Candour__V1__Reply *r = NULL;
        char err[256];
        if (cd_client_call(cl, &req, 10000, &r, err, sizeof err) != 0 || !r->receipt)
            w->failures++;
        if (r)
            candour__v1__reply__free_unpacked(r, NULL);
    }
    w->failures += !cl;
    cd_client_destroy(&cl);
    return NULL;
}

Test(staff_entry, the_audit_trail_names_each_person_on_their_rows_alone_in_mixed_batches)
{
    s_worker_t w[4] = {
        {.acting = s_manager, .prefix = "MIX-M"},
        {.acting = s_investigator, .prefix = "MIX-I"},
        {.acting = NULL, .prefix = "MIX-O1"},
        {.acting = NULL, .prefix = "MIX-O2"},
    };
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, s_work, &w[i]), 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        cr_assert_eq(w[i].failures, 0, "%s: %d without a receipt", w[i].prefix, w[i].failures);
    }
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM intake.complaint WHERE external_ref LIKE 'MIX-%'", 0,
                         NULL),
                 4 * S_EACH);
    /* Each staff row names its person; no submission's row names anyone. */
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM intake.complaint c JOIN intake.audit a"
                         " ON a.reference = c.reference AND a.table_name = 'complaint'"
                         " AND a.op = 'INSERT' JOIN intake.staff s ON s.staff_id = c.entered_by"
                         " WHERE (c.external_ref LIKE 'MIX-M-%' OR c.external_ref LIKE 'MIX-I-%')"
                         " AND a.actor = s.name || ' (' || s.staff_id || ')'",
                         0, NULL),
                 2 * S_EACH, "staff rows named otherwise than by their person");
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM intake.complaint c JOIN intake.audit a"
                         " ON a.reference = c.reference AND a.table_name = 'complaint'"
                         " AND a.op = 'INSERT' WHERE c.external_ref LIKE 'MIX-O%'"
                         " AND c.entered_by IS NULL AND a.actor = 'candour_intake'",
                         0, NULL),
                 2 * S_EACH, "a submission's row was credited to a person");
}

Test(staff_entry, intake_keeps_a_copy_of_the_bodys_settings)
{
    char *chief = h_staff(s_h, S_ORG, "Dr R. Chief", "", "responsible-person");
    char json[1024];
    snprintf(json, sizeof json,
             "{\"acting\": \"%s\", \"set_org_settings\": {\"settings\": {\"org_id\": \"" S_ORG
             "\", \"response_days\": 40, \"responsible_person\": \"%s\", \"complaints_manager\":"
             " \"%s\", \"plan_high\": \"document-review,case-conference\"}}}",
             s_manager, chief, s_manager);
    Candour__V1__Reply *r = h_call_json(s_h, "routing", NULL, json);
    cr_assert_null(r->error, "%s", r->error ? r->error->message : "");
    candour__v1__reply__free_unpacked(r, NULL);
    const char *p[1] = {S_ORG};
    cr_assert(h_wait_for(s_h,
                         "SELECT response_days || ' ' || plan_high || ' ' || version"
                         " FROM intake.org WHERE org_id = $1",
                         1, p, "40 document-review,case-conference 1", 15000),
              "the settings did not reach intake's copy");
    free(chief);
}
