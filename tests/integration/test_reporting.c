/* test_reporting.c - the reporting service against every daemon (issue 15,
 * item 1): a coordinated complaint taken from intake through routing,
 * investigation (key issues with KO41a categories, findings, outcome),
 * sign-off and the final letter leaves in the reporting schema the right
 * de-identified rows (L2a, L4), and nothing personal anywhere in it (L5);
 * `candourctl reporting rebuild` makes exactly the same rows from the
 * outboxes, benchmarking returns too, in pages of two events as in pages
 * of hundreds; an event delivered twice is taken once. And intake takes the
 * patient's age band as an enum, refusing a value it does not know. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "candour/v1/events.pb-c.h"
#include "harness.h"

/* Every row of every table of the reporting schema but its outbox's (what
 * the events made, what triggers derive from it, what was set by hand), and
 * the inbox's records but for when each was made, as text in a fixed order:
 * what the rebuild must give again. malloc'd. The SPC counts as they are
 * read: their noted changes flushed first (migration 0040). */
static char *s_snapshot(h_t *h)
{
    h_exec(h, "SELECT reporting.monthly_flush()");
    char *tables = h_scalar(h,
                            "SELECT string_agg(table_name, ' ' ORDER BY table_name) FROM"
                            " information_schema.tables WHERE table_schema = 'reporting' AND"
                            " table_type = 'BASE TABLE' AND table_name NOT LIKE 'outbox%'",
                            0, NULL);
    cr_assert(tables);
    size_t cap = 1 << 20, len = 0;
    char *out = calloc(1, cap);
    cr_assert(out);
    for (char *save = NULL, *t = strtok_r(tables, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        char from[128], sql[512];
        if (strcmp(t, "inbox") == 0)
            snprintf(from, sizeof from,
                     "(SELECT event_id, type, producer, complaint_ref FROM reporting.inbox)");
        else
            snprintf(from, sizeof from, "reporting.%s", t);
        snprintf(sql, sizeof sql,
                 "SELECT coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '') FROM %s t",
                 from);
        char *rows = h_scalar(h, sql, 0, NULL);
        len += (size_t)snprintf(out + len, cap - len, "[%s]\n%s\n", t, rows ? rows : "");
        cr_assert_lt(len, cap);
        free(rows);
    }
    free(tables);
    return out;
}

/* The pages the rebuild said it took. */
static long s_pages(const char *out)
{
    const char *at = strstr(out, "benchmark returns, ");
    long pages = -1;
    cr_assert(at && sscanf(at, "benchmark returns, %ld pages", &pages) == 1, "%s", out);
    return pages;
}

/* Every text column of every table in the reporting schema (the bus tables
 * too), in one text. malloc'd. */
static char *s_all_text(h_t *h)
{
    char *tables = h_scalar(h,
                            "SELECT string_agg(table_name, ' ' ORDER BY table_name) FROM"
                            " information_schema.tables WHERE table_schema = 'reporting'",
                            0, NULL);
    cr_assert(tables);
    size_t cap = 1 << 20, len = 0;
    char *out = calloc(1, cap);
    for (char *save = NULL, *t = strtok_r(tables, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "SELECT coalesce(string_agg(t::text, E'\\n'), '') FROM reporting.%s t", t);
        char *rows = h_scalar(h, sql, 0, NULL);
        len += (size_t)snprintf(out + len, cap - len, "%s\n", rows ? rows : "");
        cr_assert_lt(len, cap);
        free(rows);
    }
    free(tables);
    return out;
}

/* The events sent to reporting and not yet acknowledged, in every outbox. */
static long s_pending(h_t *h)
{
    static const char *const producers[] = {"intake", "routing", "investigation", "signoff",
                                            "notify"};
    long n = 0;
    for (size_t i = 0; i < sizeof producers / sizeof producers[0]; i++) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM %s.outbox_delivery WHERE subscriber = 'reporting'"
                 " AND delivered_at IS NULL",
                 producers[i]);
        n += h_count(h, sql, 0, NULL);
    }
    return n;
}

static void s_settle(h_t *h)
{
    for (int i = 0; i < 200 && s_pending(h) > 0; i++)
        usleep(100000);
    cr_assert_eq(s_pending(h), 0, "reporting did not take every event");
}

static void s_expect(h_t *h, const char *ref, const char *expr, const char *want)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT (%s)::text FROM reporting.complaint WHERE reference = $1",
             expr);
    const char *p[1] = {ref};
    char *got = h_scalar(h, sql, 1, p);
    cr_expect(got && strcmp(got, want) == 0, "%s: %s, not %s", expr, got ? got : "(none)", want);
    free(got);
}

/* The complainant's, the patient's and the staff's words and names. */
static const char *const s_personal[] = {
    "Ada",    "Cole",    "Church Walk", "LS1 1AA", "ada.cole", "Arthur",  "father",
    "carers", "Dr Khan", "Ira",         "Casey",   "Chief",    "22:40",   "checklist",
    "Monday", "apology", "Discharged",  "sorry",   "package",  "council", "Ward 7",
};

Test(reporting, a_complaint_end_to_end_is_kept_de_identified_rebuilt_the_same_and_once,
     .timeout = 240)
{
    h_t *h = h_new("reporting");
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "CANDOUR_DB_URL='%s' '%s/services/candourctl' routes import"
             " '%s/deploy/routes.sample.csv' >/dev/null && CANDOUR_DB_URL='%s'"
             " '%s/services/candourctl' categories import '%s/deploy/categories/ko41a.csv'"
             " >/dev/null",
             h_db_url(h), CANDOUR_BUILD_DIR, CANDOUR_SOURCE_DIR, h_db_url(h), CANDOUR_BUILD_DIR,
             CANDOUR_SOURCE_DIR);
    cr_assert_eq(system(cmd), 0);
    h_org(h, "ICB-QWE");
    h_org(h, "TRUST-RXX");
    h_org(h, "LA-XYZ");
    cr_assert_eq(h_start_all(h), 0);
    char *manager = h_staff(h, "ICB-QWE", "Casey Manager", "Complaints", "complaints-manager");
    char *investigator = h_staff(h, "ICB-QWE", "Ira Investigator", "Quality", "investigator");
    char *chief = h_staff(h, "ICB-QWE", "Dr R. Chief", "", "responsible-person");

    /* An age band Candour does not know (the wire takes any number) is a
     * typed error naming the field. */
    Candour__V1__Person who = CANDOUR__V1__PERSON__INIT;
    who.name = "Ada Cole";
    char *lines[] = {"1 Church Walk"};
    who.n_address = 1;
    who.address = lines;
    who.postcode = "LS1 1AA";
    Candour__V1__Complaint bad = CANDOUR__V1__COMPLAINT__INIT;
    bad.external_ref = "RP-0";
    bad.channel = CANDOUR__V1__CHANNEL__CHANNEL_POST;
    bad.complainant = &who;
    bad.description = "Discharged at night.";
    bad.patient_age_band = (Candour__V1__AgeBand)9;
    Candour__V1__SubmitComplaint sub = CANDOUR__V1__SUBMIT_COMPLAINT__INIT;
    sub.complaint = &bad;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_SUBMIT;
    req.submit = &sub;
    Candour__V1__Reply *r = h_call(h, "intake", "ICB-QWE", &req);
    cr_assert(r->error, "an unknown age band was taken");
    cr_expect_str_eq(r->error->code, "INVALID_ENUM");
    cr_expect_str_eq(r->error->field, "complaint.patient_age_band");
    candour__v1__reply__free_unpacked(r, NULL);

    /* A representative's complaint about a discharge and the home care
     * after it: the ICB leads, the trust and the council give their parts. */
    r = h_call_jsonf(
        h, "intake", "ICB-QWE",
        "{\"submit\": {\"complaint\": {\"external_ref\": \"RP-1\", \"channel\": \"CHANNEL_POST\","
        " \"complainant\": {\"name\": \"Ada Cole\", \"address_as\": \"Ms Cole\","
        " \"address\": [\"1 Church Walk\"], \"postcode\": \"LS1 1AA\","
        " \"email\": \"ada.cole@example.org\"},"
        " \"patient\": {\"name\": \"Arthur Cole\"}, \"standing\": \"STANDING_PATIENT_CONSENT\","
        " \"relationship\": \"daughter\", \"patient_age_band\": \"AGE_BAND_65_AND_OVER\","
        " \"description\": \"My father was sent home from hospital at night with no care in"
        " place, and the carers did not come for three days.\","
        " \"services\": [\"acute-surgery\", \"asc-home-care\"], \"staff_named\": [\"Dr Khan\"],"
        " \"consents\": [{\"given_by\": \"Arthur Cole\", \"given_at\": \"2026-11-01\"}]}}}");
    cr_assert(r->receipt, "%s", r->error ? r->error->message : "");
    char ref[64];
    snprintf(ref, sizeof ref, "%s", r->receipt->complaint_ref);
    candour__v1__reply__free_unpacked(r, NULL);
    const char *p[1] = {ref};
    cr_assert(h_wait_for(h, "SELECT state FROM investigation.case WHERE reference = $1", 1, p,
                         "open", 15000),
              "no case opened");
    h_assign(h, ref, manager, investigator);
    h_ok(h_call_jsonf(
             h, "investigation", NULL,
             "{\"acting\": \"%s\", \"agree_key_issues\": {\"complaint_ref\": \"%s\","
             " \"agreed_on\": \"2026-11-20\", \"agreed_how\": \"by-telephone\", \"issues\": ["
             "{\"summary\": \"Discharged at night without a care package in place.\","
             " \"subject\": \"admissions-discharge-transfers\", \"service_area\": \"inpatient\","
             " \"profession\": \"medical\"},"
             "{\"summary\": \"The home carers did not arrive for three days.\","
             " \"subject\": \"patient-care\", \"service_area\": \"community\","
             " \"profession\": \"other\"}]}}",
             investigator, ref),
         "agree_key_issues");
    cr_assert(h_wait_for(h,
                         "SELECT count(*)::text FROM intake.partner_message WHERE reference = $1",
                         1, p, "2", 15000),
              "partners not asked");
    h_ok(h_call_jsonf(h, "intake", "TRUST-RXX",
                      "{\"submit_contribution\": {\"complaint_ref\": \"%s\", \"findings\": \"The"
                      " checklist was not completed at 22:40.\", \"submitted_by\": \"Ward 7\"}}",
                      ref),
         "trust's part");
    h_ok(h_call_jsonf(h, "intake", "LA-XYZ",
                      "{\"submit_contribution\": {\"complaint_ref\": \"%s\", \"findings\": \"The"
                      " council had no carer free until the Monday.\", \"submitted_by\":"
                      " \"Adult Social Care\"}}",
                      ref),
         "council's part");
    cr_assert(h_wait_for(h,
                         "SELECT count(*)::text FROM investigation.contribution WHERE"
                         " reference = $1",
                         1, p, "2", 15000),
              "the parts did not reach the case");
    h_ok(h_call_jsonf(
             h, "investigation", NULL,
             "{\"acting\": \"%s\", \"record_findings\": {\"complaint_ref\": \"%s\","
             " \"findings\": ["
             "{\"issue_id\": \"KI1\", \"verdict\": \"upheld\", \"what_happened\": \"Your father"
             " was Discharged at 22:40.\", \"what_should_have_happened\": \"He should have stayed"
             " until the package was in place.\"},"
             "{\"issue_id\": \"KI2\", \"verdict\": \"not-upheld\", \"what_happened\": \"The"
             " carers came on the Monday as the council had said.\","
             " \"what_should_have_happened\": \"As it did.\"}],"
             " \"failings\": [\"The checklist was not completed.\"],"
             " \"actions\": [{\"description\": \"Audit night discharges.\", \"owner\":"
             " \"Ward 7 manager\", \"due\": \"2099-03-31\"}],"
             " \"lessons\": [\"A discharge waits for confirmed care.\"],"
             " \"remedy\": {\"apology\": \"We are sorry that your father was sent home without"
             " the care he needed.\"}}}",
             investigator, ref),
         "record_findings");
    r = h_call_jsonf(h, "investigation", NULL,
                     "{\"acting\": \"%s\", \"draft_response\": {\"complaint_ref\": \"%s\"}}",
                     investigator, ref);
    cr_assert(r->draft, "%s", r->error ? r->error->message : "no draft");
    candour__v1__reply__free_unpacked(r, NULL);
    h_ok(h_call_jsonf(h, "investigation", NULL,
                      "{\"acting\": \"%s\", \"record_outcome\": {\"complaint_ref\": \"%s\","
                      " \"outcome\": \"OUTCOME_PARTIALLY_UPHELD\"}}",
                      investigator, ref),
         "record_outcome");
    cr_assert(h_wait_for(h, "SELECT state FROM signoff.draft WHERE reference = $1", 1, p,
                         "awaiting-signature", 15000),
              "nothing to sign");
    h_ok(h_call_jsonf(h, "signoff", NULL,
                      "{\"acting\": \"%s\", \"sign\": {\"complaint_ref\": \"%s\"}}", chief, ref),
         "sign");
    cr_assert(h_wait_for(h, "SELECT state FROM routing.complaint WHERE reference = $1", 1, p,
                         "response-sent", 20000),
              "never reached response-sent");
    /* The action, done after the response went (L1): marked through the
     * gateway, it reaches reporting as action.done; a second time, with
     * candourctl, is refused. */
    char env[512], cout[1024], cerr[1024], path[256], body[64];
    char *today = h_scalar(h, "SELECT (now() AT TIME ZONE 'Europe/London')::date::text", 0, NULL);
    cr_assert_eq(h_ctl(h, "", cout, sizeof cout, cerr, sizeof cerr,
                       "token add %s --role investigator --label 'case system'", investigator),
                 0, "%s", cerr);
    cout[strcspn(cout, "\n")] = 0;
    snprintf(path, sizeof path, "/v1/complaints/%s/actions/1/done", ref);
    snprintf(body, sizeof body, "{\"done_on\": \"%s\"}", today);
    h_resp_t hr = h_api(h_gateway_port(h), "POST", path, cout, "done-1", body);
    cr_expect_eq(hr.status, 200, "%d %s", hr.status, hr.body);
    h_resp_free(&hr);
    snprintf(env, sizeof env, "CANDOUR_INVESTIGATION_ENDPOINT='%s'",
             h_endpoint(h, "investigation"));
    cr_expect_neq(h_ctl(h, env, cout, sizeof cout, cerr, sizeof cerr,
                        "case action-done %s --number 1 --date %s --as %s", ref, today,
                        investigator),
                  0);
    cr_expect(strstr(cerr, "FAILED_PRECONDITION") && strstr(cerr, "mark_action_done.number"), "%s",
              cerr);
    /* The trust's benchmarking returns (L3): a quarter's, then corrected
     * (the later wins), and another quarter's with none closed (no median). */
    static const char *const returns[] = {
        "\"2026-04-01\", \"period_to\": \"2026-06-30\", \"received\": 40, \"closed\": 30,"
        " \"upheld\": 10, \"median_days_to_response\": 21.5",
        "\"2026-04-01\", \"period_to\": \"2026-06-30\", \"received\": 41, \"closed\": 31,"
        " \"upheld\": 11, \"median_days_to_response\": 22",
        "\"2026-01-01\", \"period_to\": \"2026-03-31\", \"received\": 2",
    };
    for (size_t i = 0; i < sizeof returns / sizeof returns[0]; i++)
        h_ok(h_call_jsonf(h, "intake", "TRUST-RXX",
                          "{\"submit_benchmark_return\": {\"benchmark_return\": {\"period_from\":"
                          " %s, \"submitted_by\": \"Head of Patient Experience\"}}}",
                          returns[i]),
             "benchmark return");
    s_settle(h);
    char *kept = h_scalar(h,
                          "SELECT string_agg(period_from || ':' || received || '/' || closed || '/'"
                          " || coalesce(median_days_to_response::text, '-'), ' '"
                          " ORDER BY period_from) FROM reporting.benchmark_return"
                          " WHERE org_id = 'TRUST-RXX'",
                          0, NULL);
    cr_expect_str_eq(kept, "2026-01-01:2/0/- 2026-04-01:41/31/22");
    free(kept);

    /* The complaint's row: the bodies, its profile as codes, the days, the
     * deadlines met, the outcome (L2a, L3). */
    s_expect(h, ref, "made_to_org", "ICB-QWE");
    s_expect(h, ref, "lead_org", "ICB-QWE");
    s_expect(h, ref, "kind || ' ' || classification || ' ' || channel", "complaint complaint post");
    s_expect(h, ref, "standing || ' ' || age_band", "patient-consent 65-and-over");
    s_expect(h, ref,
             "received_on = (SELECT (received_at AT TIME ZONE 'Europe/London')::date"
             " FROM routing.complaint WHERE reference = $1)",
             "true");
    s_expect(h, ref,
             "ack_due = (SELECT due FROM routing.deadline WHERE reference = $1 AND name ="
             " 'acknowledgement')",
             "true");
    s_expect(h, ref, "acknowledged_on IS NOT NULL AND ack_on_time", "true");
    s_expect(h, ref, "response_due = response_due_first AND extensions = 0", "true");
    s_expect(h, ref, "response_sent_on IS NOT NULL AND response_on_time", "true");
    s_expect(h, ref, "approved_on = response_sent_on", "true");
    s_expect(h, ref, "outcome || ' ' || status", "partially-upheld response-sent");
    s_expect(h, ref, "withdrawn::text || ' ' || drafts_returned", "false 0");
    /* Each aspect once, with its KO41a codes and its verdict. */
    char *aspects = h_scalar(h,
                             "SELECT string_agg(issue_id || ':' || subject || '/' || service_area"
                             " || '/' || profession || '=' || verdict, ' ' ORDER BY issue_id)"
                             " FROM reporting.aspect WHERE reference = $1",
                             1, p);
    cr_expect_str_eq(aspects, "KI1:admissions-discharge-transfers/inpatient/medical=upheld"
                              " KI2:patient-care/community/other=not-upheld");
    free(aspects);
    char *partners = h_scalar(h,
                              "SELECT string_agg(org_id || '=' || part, ' ' ORDER BY org_id)"
                              " FROM reporting.partner WHERE reference = $1",
                              1, p);
    cr_expect_str_eq(partners, "LA-XYZ=contributed TRUST-RXX=contributed");
    free(partners);
    /* The action as a number, a due day and the day done (never its words
     * or owner), the one lesson as a count, and no earlier complaint. */
    char *actions =
        h_scalar(h,
                 "SELECT string_agg(n || ' ' || due || ' ' || coalesce(done_on::text,"
                 " 'open'), ', ' ORDER BY n) FROM reporting.action WHERE reference = $1",
                 1, p);
    char want[64];
    snprintf(want, sizeof want, "1 2099-03-31 %s", today);
    cr_expect_str_eq(actions, want);
    free(actions);
    free(today);
    s_expect(h, ref, "lessons || ' ' || (repeat_of IS NULL)", "1 true");

    /* L5: nothing of the complainant, the patient, their words or the
     * staff's anywhere in the reporting schema. */
    char *all = s_all_text(h);
    for (size_t i = 0; i < sizeof s_personal / sizeof s_personal[0]; i++)
        cr_expect(!strstr(all, s_personal[i]), "the reporting schema holds \"%s\"", s_personal[i]);
    free(all);

    /* The rebuild gives exactly what the consumer built (the inbox's
     * records too, but for when each was made), in pages of two events ... */
    char *live = s_snapshot(h);
    char out[4096], err[4096];
    int rc = h_ctl(h, "", out, sizeof out, err, sizeof err, "reporting rebuild --page 2");
    cr_assert_eq(rc, 0, "reporting rebuild: %s%s", out, err);
    cr_expect(strstr(out, " 1 complaints, 2 benchmark returns"), "%s", out);
    long small_pages = s_pages(out);
    char *rebuilt = s_snapshot(h);
    cr_expect_str_eq(rebuilt, live);
    /* ... and in the default pages, the same (and the consumer takes nothing
     * twice after it). */
    cr_assert_eq(h_ctl(h, "", out, sizeof out, err, sizeof err, "reporting rebuild"), 0);
    cr_expect_gt(small_pages, s_pages(out), "pages of two: %ld, of hundreds: %ld", small_pages,
                 s_pages(out));
    free(rebuilt);
    rebuilt = s_snapshot(h);
    cr_expect_str_eq(rebuilt, live);
    free(rebuilt);
    free(live);

    /* An event delivered twice is taken once. */
    Candour__V1__DeadlineExtended x = CANDOUR__V1__DEADLINE_EXTENDED__INIT;
    x.deadline = "response";
    x.old_due = "2026-12-01";
    x.new_due = "2099-01-30";
    x.reason = "Ada asked for more time";
    char id[40] = "";
    cr_assert_eq(h_send_event(h, "reporting", "deadline.extended", ref, &x.base, id, 5000), 1);
    cr_assert_eq(h_send_event(h, "reporting", "deadline.extended", ref, &x.base, id, 5000), 1,
                 "the resend was not acknowledged");
    s_expect(h, ref, "extensions", "1");
    /* The harness stamps it at the epoch, before the routing: the agreed day
     * stays the later event's (the latest of the group wins, apply.h). */
    s_expect(h, ref, "response_due = response_due_first AND response_on_time", "true");

    free(manager);
    free(investigator);
    free(chief);
    cr_assert_eq(h_destroy(&h), 0, "a daemon did not exit 0 on SIGTERM");
}
