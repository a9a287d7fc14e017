/* test_reports.c - the reports people ask for (issue 15, item 2): a small
 * data set written straight into the reporting schema, each report asked of
 * reporting over the bus as a person (GetReport), its numbers checked
 * against answers worked out by hand below; typed refusals; and the
 * quarterly report as PDF and HTML through the gateway with an API token.
 *
 * The data set, period 2025-04-01 to 2025-06-30 (Q1 of 2025-26):
 *   RXA (the asker's body), complaints it leads and was made:
 *     A00 received 2025-03-10 (before the period), upheld, response 04-20
 *     A01-A05 upheld, A06 partially upheld, A07-A08 not upheld, all with
 *       the response sent: A01-A05 05-20, A06 05-25, A07-A08 06-10; the
 *       agreed date 06-01 for all, so A07 and A08 were late
 *     A09 withdrawn 5 days after receipt; A10 open
 *     A01-A10 acknowledged in time; A01 referred to the Ombudsman 06-15
 *     aspects: A01 clinical-treatment/inpatient/medical and
 *       clinical-treatment/outpatient/nursing; A02 clinical-treatment/
 *       inpatient/medical and communications/inpatient/medical; A03-A06
 *       clinical-treatment/outpatient/medical; A07 communications/a-and-e/
 *       nursing; A08 appointments/outpatient/trust-admin; A09, A10 none
 *     age: A01-A05 65-and-over, A06-A10 18-to-64
 *   RXB: B01-B10 received in the period, B01 made to RXA but led by RXB
 *     (so RXB is among the bodies RXA is compared with); B01-B02
 *     acknowledged in time, B03-B10 late; none responded yet. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api.h"
#include "candour/v1/api.pb-c.h"
#include "harness.h"

#define FROM "2025-04-01"
#define TO "2025-06-30"

static h_t *s_h;
static char *s_analyst, *s_inv, *s_other;

static void s_complaint(const char *ref, const char *made_to, const char *lead,
                        const char *received, const char *acked, const char *age,
                        const char *outcome, const char *sent, int withdrawn)
{
    const char *v[9] = {
        ref, made_to, lead, received, acked, age, outcome, sent, withdrawn ? "2025-04-15" : NULL};
    h_execp(s_h,
            "INSERT INTO reporting.complaint (reference, made_to_org, lead_org, kind,"
            " classification, channel, standing, received_on, ack_due, acknowledged_on, age_band,"
            " outcome, response_due, response_due_first, response_sent_on, withdrawn,"
            " withdrawn_on)"
            " VALUES ($1, $2, $3, 'complaint', 'complaint', 'email', 'self', $4::date,"
            " $4::date + 3, $5::date, $6, $7, '2025-06-01', '2025-06-01', $8::date,"
            " $9::text IS NOT NULL, CASE WHEN $9::text IS NOT NULL THEN $4::date + 5 END)",
            9, v);
}

static void s_aspect(const char *ref, const char *ki, const char *subject, const char *area,
                     const char *prof)
{
    const char *v[5] = {ref, ki, subject, area, prof};
    h_execp(s_h,
            "INSERT INTO reporting.aspect (reference, issue_id, subject, service_area,"
            " profession, verdict, completed_us) VALUES ($1, $2, $3, $4, $5, 'upheld', 1)",
            5, v);
}

static void s_data(void)
{
    s_complaint("A00", "RXA", "RXA", "2025-03-10", "2025-03-11", "18-to-64", "upheld", "2025-04-20",
                0);
    static const char *const oc[] = {
        "upheld",           "upheld",     "upheld",     "upheld", "upheld",
        "partially-upheld", "not-upheld", "not-upheld", NULL,     NULL};
    static const char *const sent[] = {"2025-05-20", "2025-05-20", "2025-05-20", "2025-05-20",
                                       "2025-05-20", "2025-05-25", "2025-06-10", "2025-06-10",
                                       NULL,         NULL};
    for (int i = 0; i < 10; i++) {
        char ref[8], rec[12];
        snprintf(ref, sizeof ref, "A%02d", i + 1);
        snprintf(rec, sizeof rec, "2025-%02d-%02d", 4 + i / 4, 2 + i);
        s_complaint(ref, "RXA", "RXA", rec, rec, i < 5 ? "65-and-over" : "18-to-64", oc[i], sent[i],
                    i == 8);
        snprintf(ref, sizeof ref, "B%02d", i + 1);
        /* B01-B02 acknowledged the day received, B03-B10 ten days later. */
        char ack[12];
        snprintf(ack, sizeof ack, "2025-%02d-%02d", 4 + i / 4, i < 2 ? 2 + i : 12 + i);
        s_complaint(ref, i == 0 ? "RXA" : "RXB", "RXB", rec, ack, "unknown", NULL, NULL, 0);
    }
    h_exec(s_h, "UPDATE reporting.complaint SET ombudsman_referred_on = '2025-06-15'"
                " WHERE reference = 'A01'");
    s_aspect("A01", "KI1", "clinical-treatment", "inpatient", "medical");
    s_aspect("A01", "KI2", "clinical-treatment", "outpatient", "nursing-midwifery-health-visiting");
    s_aspect("A02", "KI1", "clinical-treatment", "inpatient", "medical");
    s_aspect("A02", "KI2", "communications", "inpatient", "medical");
    for (int i = 3; i <= 6; i++) {
        char ref[8];
        snprintf(ref, sizeof ref, "A%02d", i);
        s_aspect(ref, "KI1", "clinical-treatment", "outpatient", "medical");
    }
    s_aspect("A07", "KI1", "communications", "a-and-e", "nursing-midwifery-health-visiting");
    s_aspect("A08", "KI1", "appointments", "outpatient", "trust-admin-staff-members");
}

static void s_setup(void)
{
    s_h = h_new("reports");
    cr_assert_eq(h_start(s_h, "routing"), 0);
    cr_assert_eq(h_start(s_h, "reporting"), 0);
    char out[512], err[512]; /* the KO41a lists the reports label categories by */
    cr_assert_eq(h_ctl(s_h, "", out, sizeof out, err, sizeof err, "categories import %s",
                       CANDOUR_SOURCE_DIR "/deploy/categories/ko41a.csv"),
                 0, "%s", err);
    cr_assert_eq(h_start(s_h, "gateway"), 0);
    s_analyst = h_staff(s_h, "RXA", "Ana Analyst", "Performance", "analyst");
    s_inv = h_staff(s_h, "RXA", "Ira Investigator", "Quality", "investigator");
    s_other = h_staff(s_h, "RXB", "Olu Other", "Complaints", "complaints-manager");
    s_data();
}

static void s_teardown(void)
{
    free(s_analyst);
    free(s_inv);
    free(s_other);
    cr_assert_eq(h_destroy(&s_h), 0, "a daemon did not exit 0 on SIGTERM");
}

TestSuite(reports, .init = s_setup, .fini = s_teardown, .timeout = 240);

/* GetReport as `who`; the reply (the caller frees). */
static Candour__V1__Reply *s_ask(const char *who, const char *report, const char *org,
                                 const char *from, const char *to, const char *format)
{
    Candour__V1__GetReport g = CANDOUR__V1__GET_REPORT__INIT;
    g.report = (char *)report;
    g.org_id = (char *)org;
    g.from = (char *)from;
    g.to = (char *)to;
    g.format = (char *)format;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.acting = (char *)who;
    req.op_case = CANDOUR__V1__REQUEST__OP_GET_REPORT;
    req.get_report = &g;
    return h_call(s_h, "reporting", NULL, &req);
}

/* The file of a report that must be made: its bytes (malloc'd, NUL-ended). */
static char *s_file(const char *report, const char *format, size_t *len, char *media, size_t mlen)
{
    Candour__V1__Reply *r = s_ask(s_analyst, report, "RXA", FROM, TO, format);
    cr_assert_null(r->error, "%s %s: %s %s %s", report, format, r->error ? r->error->code : "",
                   r->error ? r->error->field : "", r->error ? r->error->message : "");
    cr_assert_eq(r->result_case, CANDOUR__V1__REPLY__RESULT_ATTACHMENT);
    size_t n = r->attachment->content.len;
    char *out = malloc(n + 1);
    memcpy(out, r->attachment->content.data, n);
    out[n] = 0;
    if (len)
        *len = n;
    if (media)
        snprintf(media, mlen, "%s", r->attachment->media_type);
    candour__v1__reply__free_unpacked(r, NULL);
    return out;
}

static json_t *s_json(const char *report)
{
    char *s = s_file(report, "json", NULL, NULL, 0);
    json_error_t e;
    json_t *o = json_loads(s, 0, &e);
    cr_assert(o, "%s: %s\n%s", report, e.text, s);
    free(s);
    return o;
}

/* The values of row `code` of table `key` as compact JSON ("[5,\"*\"]"). */
static char *s_row(json_t *o, const char *key, const char *code)
{
    size_t i, j;
    json_t *t, *row;
    json_array_foreach(json_object_get(o, "tables"), i, t)
    {
        if (strcmp(json_string_value(json_object_get(t, "key")), key) != 0)
            continue;
        json_array_foreach(json_object_get(t, "rows"), j, row)
        {
            if (strcmp(json_string_value(json_object_get(row, "code")), code) == 0)
                return json_dumps(json_object_get(row, "values"), JSON_COMPACT);
        }
    }
    return strdup("(none)");
}

static void s_expect_row(json_t *o, const char *key, const char *code, const char *want)
{
    char *got = s_row(o, key, code);
    cr_expect_str_eq(got, want, "%s/%s", key, code);
    free(got);
}

Test(reports, quarterly_counts_each_complaint_once_a_category_and_suppresses_1_to_4)
{
    json_t *q = s_json("quarterly");
    /* Received in the period: A01-A10 = 10 (A00 came in March; B01-B10 are
     * RXB's: it leads them). */
    s_expect_row(q, "received", "received", "[10]");
    /* A01 is the one referred: 1 -> suppressed. */
    s_expect_row(q, "received", "referred-to-ombudsman", "[\"*\"]");
    /* Outcomes: upheld 5 shown; partially 1, not upheld 2, withdrawn 1,
     * open 1 all primary-suppressed; their shares with them. */
    s_expect_row(q, "outcomes", "upheld", "[5,\"50.0%\"]");
    s_expect_row(q, "outcomes", "not-upheld", "[\"*\",\"*\"]");
    s_expect_row(q, "outcomes", "open", "[\"*\",\"*\"]");
    /* Acknowledged: all 10 in time, 0 late, 0 not yet: nothing hidden. */
    s_expect_row(q, "acknowledgement", "on-time", "[10,\"100.0%\"]");
    s_expect_row(q, "acknowledgement", "late", "[0,\"0.0%\"]");
    /* Responses sent in the period: A00, A01-A06 by 06-01 = 7, A07-A08
     * after = 2. The 2 is hidden; the column's total (9) would give it
     * away from the 7, so the 7 is hidden too (secondary). */
    s_expect_row(q, "responses", "on-time", "[\"*\",\"*\"]");
    s_expect_row(q, "responses", "late", "[\"*\",\"*\"]");
    /* Subjects, a complaint once a subject: clinical treatment A01-A06 = 6
     * (A01's two clinical aspects count once); communications A02, A07 =
     * 2 and appointments A08 = 1, both hidden. */
    s_expect_row(q, "subjects", "clinical-treatment", "[6]");
    s_expect_row(q, "subjects", "communications", "[\"*\"]");
    s_expect_row(q, "subjects", "appointments", "[\"*\"]");
    /* Service areas: outpatient A01, A03-A06, A08 = 6; inpatient A01, A02
     * = 2 (A02's two inpatient aspects once); a-and-e A07 = 1. */
    s_expect_row(q, "service-areas", "outpatient", "[6]");
    s_expect_row(q, "service-areas", "inpatient", "[\"*\"]");
    /* The months: April has A01-A04 (4): suppressed in the series. */
    json_t *months = json_object_get(q, "months");
    cr_assert_eq(json_array_size(months), 24);
    json_t *apr = json_array_get(months, 21);
    cr_expect_str_eq(json_string_value(json_object_get(apr, "month")), "2025-04");
    cr_expect_str_eq(json_string_value(json_object_get(apr, "count")), "*");
    json_decref(q);
}

/* The label of row `code` of table `key`. */
static const char *s_label(json_t *o, const char *key, const char *code)
{
    size_t i, j;
    json_t *t, *row;
    json_array_foreach(json_object_get(o, "tables"), i, t)
    {
        if (strcmp(json_string_value(json_object_get(t, "key")), key) != 0)
            continue;
        json_array_foreach(json_object_get(t, "rows"), j, row)
        {
            if (strcmp(json_string_value(json_object_get(row, "code")), code) == 0)
                return json_string_value(json_object_get(row, "label"));
        }
    }
    return "(none)";
}

Test(reports, categories_are_labelled_from_the_list_imported_and_a_change_is_seen_at_once)
{
    json_t *q = s_json("quarterly");
    cr_expect_str_eq(s_label(q, "subjects", "clinical-treatment"), "Clinical treatment");
    json_decref(q);
    /* The one list key issues are filed under: renamed there, renamed here. */
    h_exec(s_h, "UPDATE investigation.category SET name = 'Clinical care and treatment'"
                " WHERE list = 'subject' AND code = 'clinical-treatment'");
    q = s_json("quarterly");
    cr_expect_str_eq(s_label(q, "subjects", "clinical-treatment"), "Clinical care and treatment");
    json_decref(q);
}

Test(reports, ko41a_counts_true_numbers_once_in_the_total_and_once_a_category)
{
    char *csv = s_file("ko41a", "csv", NULL, NULL, 0);
    /* Nothing suppressed in a return: the 2 and the 1 are there. */
    static const char *const want[] = {
        "RXA,,2025-04-01,2025-06-30,summary,total,Total new written complaints received,10\r\n",
        "RXA,,2025-04-01,2025-06-30,summary,upheld,Upheld,5\r\n",
        "subject_area,clinical-treatment,Clinical treatment,6\r\n",
        "subject_area,communications,Communications,2\r\n",
        "subject_area,appointments,Appointments including delays and cancellations,1\r\n",
        "service_area,inpatient,Acute services: inpatients,2\r\n",
        "profession,medical,Medical (including surgical),6\r\n",
        "age_of_patient,65-and-over,65 and over,5\r\n",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_expect(strstr(csv, want[i]), "no \"%s\" in\n%s", want[i], csv);
    free(csv);
    json_t *k = s_json("ko41a");
    json_t *sec = json_object_get(k, "sections");
    cr_expect_eq(json_integer_value(json_object_get(k, "total")), 10);
    cr_expect_eq(json_integer_value(json_object_get(k, "partially_upheld")), 1);
    cr_expect_eq(json_integer_value(json_object_get(k, "not_upheld")), 2);
    /* The age and status sections sum to the total; the others need not. */
    cr_expect_eq(
        json_integer_value(json_object_get(json_object_get(sec, "age_of_patient"), "18-to-64")), 5);
    cr_expect_eq(
        json_integer_value(json_object_get(json_object_get(sec, "service_area"), "a-and-e")), 1);
    json_decref(k);
}

Test(reports, ko41b_carries_forward_brought_forward_plus_new_minus_resolved)
{
    json_t *b = s_json("ko41b");
    /* Brought forward: A00 (March, resolved 04-20) = 1. New: A01-A10 = 10.
     * Resolved: A00, A01-A08 by response, A09 withdrawn = 10: upheld A00,
     * A01-A05 = 6, partially 1, not upheld 2, withdrawn 1. Carried
     * forward 1 + 10 - 10 = 1 (A10). */
    static const struct {
        const char *k;
        long v;
    } want[] = {{"brought_forward", 1},  {"new", 10},           {"resolved", 10},
                {"upheld", 6},           {"withdrawn", 1},      {"not_upheld", 2},
                {"partially_upheld", 1}, {"carried_forward", 1}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_expect_eq(json_integer_value(json_object_get(b, want[i].k)), want[i].v, "%s", want[i].k);
    json_decref(b);
    char *csv = s_file("ko41b", "csv", NULL, NULL, 0);
    cr_expect(strstr(csv, "RXA,2025-04-01,2025-06-30,1,10,6,1,2,10,1\r\n"), "%s", csv);
    free(csv);
}

Test(reports, benchmark_flags_bodies_on_the_funnel_and_against_a_target)
{
    char out[1024], err[1024];
    cr_assert_eq(
        h_ctl(s_h, "", out, sizeof out, err, sizeof err, "targets set acknowledged_in_3_days 0.9"),
        0, "%s%s", out, err);
    cr_assert_eq(h_ctl(s_h, "", out, sizeof out, err, sizeof err, "targets list"), 0, "%s", err);
    cr_expect(strstr(out, "acknowledged_in_3_days") && strstr(out, "0.9"), "%s", out);
    cr_expect_neq(h_ctl(s_h, "", out, sizeof out, err, sizeof err, "targets set upheld 2"), 0);

    json_t *o = s_json("benchmark");
    json_t *bodies = json_object_get(o, "bodies");
    cr_assert_eq(json_array_size(bodies), 2, "RXA and RXB");
    /* Acknowledged in 3 days: RXA 10 of 10, RXB 2 of 10; p = 12/20 = 0.6.
     * At n = 10 the 95% limits are 0.6 -/+ 1.96 sqrt(0.6 x 0.4 / 10) =
     * 0.296..0.904 and the 99.8% ones 0.6 -/+ 3.09 x 0.1549 = 0.121..1
     * (clipped): RXA (1.0) is above the 95% limit but not strictly above
     * 1, RXB (0.2) below the 95% but not the 99.8%. Target 0.9: RXA meets
     * it, RXB does not. RXB's 2 of 10 is suppressed (the 2). */
    json_t *a = json_object_get(json_object_get(json_array_get(bodies, 0), "indicators"),
                                "acknowledged_in_3_days");
    json_t *b = json_object_get(json_object_get(json_array_get(bodies, 1), "indicators"),
                                "acknowledged_in_3_days");
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(bodies, 0), "body")), "RXA");
    cr_expect_str_eq(json_string_value(json_object_get(a, "variation")), "above_95");
    cr_expect_str_eq(json_string_value(json_object_get(b, "variation")), "below_95");
    cr_expect(json_is_true(json_object_get(a, "met")));
    cr_expect(json_is_false(json_object_get(b, "met")));
    cr_expect_eq(json_integer_value(json_object_get(a, "signal")), 1);
    cr_expect_eq(json_real_value(json_object_get(a, "value")), 1.0);
    cr_expect_str_eq(json_string_value(json_object_get(b, "value")), "*");
    cr_expect_eq(
        json_real_value(json_object_get(json_object_get(o, "overall"), "acknowledged_in_3_days")),
        0.6);
    /* Responded in time: RXA 7 of 9 closed (A07, A08 late). */
    json_t *rt = json_object_get(json_object_get(json_array_get(bodies, 0), "indicators"),
                                 "responded_in_time");
    cr_expect_float_eq(json_real_value(json_object_get(rt, "value")), 7.0 / 9.0, 1e-9);
    json_decref(o);
}

Test(reports, refusals_are_typed_and_name_the_field)
{
    static const struct {
        const char *who_kind, *report, *org, *from, *to, *format, *code, *field;
    } cases[] = {
        {"analyst", "quarterly", "RXA", TO, FROM, "json", "INVALID_ARGUMENT", "get_report.to"},
        {"analyst", "quarterly", "RXA", "2025-02-30", TO, "json", "INVALID_DATE",
         "get_report.from"},
        {"analyst", "quarterly", "RXB", FROM, TO, "json", "PERMISSION_DENIED", "get_report.org_id"},
        {"analyst", "monthly", "RXA", FROM, TO, "json", "INVALID_ARGUMENT", "get_report.report"},
        {"analyst", "ko41a", "RXA", FROM, TO, "pdf", "INVALID_ARGUMENT", "get_report.format"},
        {"analyst", "annual", "RXA", FROM, TO, "docx", "INVALID_ARGUMENT", "get_report.format"},
        {"investigator", "quarterly", "RXA", FROM, TO, "json", "PERMISSION_DENIED", "acting"},
        {"nobody", "quarterly", "RXA", FROM, TO, "json", "PERMISSION_DENIED", "acting"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *who = strcmp(cases[i].who_kind, "analyst") == 0        ? s_analyst
                          : strcmp(cases[i].who_kind, "investigator") == 0 ? s_inv
                                                                           : "ST999999";
        Candour__V1__Reply *r =
            s_ask(who, cases[i].report, cases[i].org, cases[i].from, cases[i].to, cases[i].format);
        cr_assert(r->error, "case %zu answered", i);
        cr_expect_str_eq(r->error->code, cases[i].code, "case %zu: %s", i, r->error->message);
        cr_expect_str_eq(r->error->field, cases[i].field, "case %zu", i);
        candour__v1__reply__free_unpacked(r, NULL);
    }
    /* The other body's own person may ask for theirs. */
    Candour__V1__Reply *r = s_ask(s_other, "annual", "RXB", FROM, TO, "csv");
    cr_expect_null(r->error, "%s", r->error ? r->error->message : "");
    candour__v1__reply__free_unpacked(r, NULL);
}

/* Write the report to /tmp/report-look2/<name> and its first page as PNG. */
static void s_look(const char *report, const char *format, const char *bytes, size_t len)
{
    mkdir("/tmp/report-look2", 0755);
    char path[256], cmd[512];
    snprintf(path, sizeof path, "/tmp/report-look2/%s.%s", report, format);
    FILE *fp = fopen(path, "wb");
    cr_assert(fp);
    fwrite(bytes, 1, len, fp);
    fclose(fp);
    if (strcmp(format, "pdf") == 0) {
        snprintf(cmd, sizeof cmd,
                 "command -v pdftoppm >/dev/null && pdftoppm -png -r 60 '%s'"
                 " '/tmp/report-look2/%s' >/dev/null 2>&1",
                 path, report);
        if (system(cmd) != 0)
            cr_log_info("no pdftoppm: %s not rendered", path);
    }
}

Test(reports, the_gateway_answers_the_quarterly_as_pdf_and_html_without_names)
{
    char token[128], err[512];
    cr_assert_eq(h_ctl(s_h, "", token, sizeof token, err, sizeof err,
                       "token add %s --role analyst --label reports", s_analyst),
                 0, "%s", err);
    token[strcspn(token, "\n")] = 0;
    int port = h_gateway_port(s_h);
    h_resp_t r =
        h_api(port, "GET", "/v1/reports/quarterly?org_id=RXA&from=" FROM "&to=" TO "&format=pdf",
              token, NULL, NULL);
    cr_assert_eq(r.status, 200, "%d %s", r.status, r.body);
    cr_expect_eq(strncmp(r.body, "%PDF-", 5), 0);
    cr_expect(strstr(r.headers, "application/pdf"), "%s", r.headers);
    h_resp_free(&r);
    r = h_api(port, "GET", "/v1/reports/quarterly?org_id=RXA&from=" FROM "&to=" TO "&format=html",
              token, NULL, NULL);
    cr_assert_eq(r.status, 200, "%d %s", r.status, r.body);
    cr_expect(strstr(r.body, "RXA"), "the page names its body");
    cr_expect(!strstr(r.body, "Ana") && !strstr(r.body, "Analyst"), "a name in the report");
    h_resp_free(&r);
    /* Another body: 403 on the field. */
    r = h_api(port, "GET", "/v1/reports/quarterly?org_id=RXB&from=" FROM "&to=" TO, token, NULL,
              NULL);
    cr_expect_eq(r.status, 403, "%d %s", r.status, r.body);
    h_resp_free(&r);

    /* Once, for a person to look at: the quarterly and benchmark pages. */
    static const char *const looks[][2] = {
        {"quarterly", "pdf"}, {"quarterly", "html"}, {"benchmark", "pdf"}, {"benchmark", "html"}};
    for (size_t i = 0; i < 4; i++) {
        size_t len;
        char *b = s_file(looks[i][0], looks[i][1], &len, NULL, 0);
        s_look(looks[i][0], looks[i][1], b, len);
        free(b);
    }
}
