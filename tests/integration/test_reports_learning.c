/* test_reports_learning.c - the quarterly and annual reports' repeat
 * complaints and actions and learning (issue 15, L1 and L2): a small data
 * set written straight into the reporting schema, the reports asked of
 * reporting over the bus, their new tables checked against answers worked
 * out by hand below, suppression (suppress.h) included.
 *
 * The data set, body RXA, quarter 2025-04-01 to 2025-06-30, year
 * 2025-04-01 to 2026-03-31:
 *   E01-E06 received 2025-03-01 (before both): E01-E05 filed under
 *     clinical-treatment, E06 under communications; E01 has an action
 *   L01-L09 received 2025-04-10 (the quarter), L10-L12 2025-10-10 (the year
 *     only); L01-L06 repeats (repeat_of E01-E06), all filed under
 *     clinical-treatment; L07-L12 first complaints
 *   L13 a compliment with a repeat_of, in the quarter: not counted
 *   X01 RXB's, with a repeat_of and an action: not RXA's
 *   actions (n, due, done):
 *     L01 5 due 2025-05-31, done 2025-05-20     L02 5 due 2025-05-31, done 2025-06-10
 *     L03 6 due 2025-09-30, not done            L04 5 due 2025-06-15, done 2025-08-01
 *     L05 1 due 2025-06-30, not done            L06 2 due 2025-12-31, done 2025-12-01
 *   lessons: L01 2, L02 0, L03 1, L05 1 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "candour/v1/api.pb-c.h"
#include "harness.h"

static h_t *s_h;
static char *s_analyst;

static void s_complaint(const char *ref, const char *org, const char *kind, const char *received,
                        const char *repeat_of, const char *lessons)
{
    const char *v[6] = {ref, org, kind, received, repeat_of, lessons};
    h_execp(s_h,
            "INSERT INTO reporting.complaint (reference, made_to_org, lead_org, kind,"
            " classification, received_on, repeat_of, lessons)"
            " VALUES ($1, $2, $2, $3, $3, $4::date, $5, $6::integer)",
            6, v);
}

static void s_aspect(const char *ref, const char *subject)
{
    const char *v[2] = {ref, subject};
    h_execp(s_h,
            "INSERT INTO reporting.aspect (reference, issue_id, subject, completed_us)"
            " VALUES ($1, 'KI1', $2, 1)",
            2, v);
}

/* n actions of ref, numbered from 1, due and done as given (NULL: not done). */
static void s_actions(const char *ref, int n, const char *due, const char *done)
{
    char k[8];
    snprintf(k, sizeof k, "%d", n);
    const char *v[4] = {ref, k, due, done};
    h_execp(s_h,
            "INSERT INTO reporting.action (reference, n, due, done_on, recorded_us)"
            " SELECT $1, i, $3::date, $4::date, 1 FROM generate_series(1, $2::integer) i",
            4, v);
}

static void s_data(void)
{
    char ref[8], earlier[8];
    for (int i = 1; i <= 6; i++) {
        snprintf(ref, sizeof ref, "E%02d", i);
        s_complaint(ref, "RXA", "complaint", "2025-03-01", NULL, NULL);
        s_aspect(ref, i <= 5 ? "clinical-treatment" : "communications");
    }
    s_actions("E01", 3, "2025-04-30", NULL);
    static const char *const lessons[] = {"2", "0", "1", NULL, "1", NULL};
    for (int i = 1; i <= 12; i++) {
        snprintf(ref, sizeof ref, "L%02d", i);
        snprintf(earlier, sizeof earlier, "E%02d", i);
        s_complaint(ref, "RXA", "complaint", i <= 9 ? "2025-04-10" : "2025-10-10",
                    i <= 6 ? earlier : NULL, i <= 6 ? lessons[i - 1] : NULL);
        if (i <= 6)
            s_aspect(ref, "clinical-treatment");
    }
    s_complaint("L13", "RXA", "compliment", "2025-04-10", "E01", NULL);
    s_complaint("X01", "RXB", "complaint", "2025-04-10", "E02", "1");
    s_actions("X01", 2, "2025-05-01", NULL);
    s_actions("L01", 5, "2025-05-31", "2025-05-20");
    s_actions("L02", 5, "2025-05-31", "2025-06-10");
    s_actions("L03", 6, "2025-09-30", NULL);
    s_actions("L04", 5, "2025-06-15", "2025-08-01");
    s_actions("L05", 1, "2025-06-30", NULL);
    s_actions("L06", 2, "2025-12-31", "2025-12-01");
}

static void s_setup(void)
{
    s_h = h_new("reports_learning");
    char out[512], err[512]; /* the KO41a lists the reports label categories by */
    cr_assert_eq(h_ctl(s_h, "", out, sizeof out, err, sizeof err, "categories import %s",
                       CANDOUR_SOURCE_DIR "/deploy/categories/ko41a.csv"),
                 0, "%s", err);
    cr_assert_eq(h_start(s_h, "routing"), 0);
    cr_assert_eq(h_start(s_h, "reporting"), 0);
    s_analyst = h_staff(s_h, "RXA", "Ana Analyst", "Performance", "analyst");
    s_data();
}

static void s_teardown(void)
{
    free(s_analyst);
    cr_assert_eq(h_destroy(&s_h), 0, "a daemon did not exit 0 on SIGTERM");
}

TestSuite(reports_learning, .init = s_setup, .fini = s_teardown, .timeout = 240);

/* The report's file (malloc'd, NUL-ended; its length in *len). */
static char *s_file(const char *report, const char *to, const char *format, size_t *len)
{
    Candour__V1__GetReport g = CANDOUR__V1__GET_REPORT__INIT;
    g.report = (char *)report;
    g.org_id = "RXA";
    g.from = "2025-04-01";
    g.to = (char *)to;
    g.format = (char *)format;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.acting = s_analyst;
    req.op_case = CANDOUR__V1__REQUEST__OP_GET_REPORT;
    req.get_report = &g;
    Candour__V1__Reply *r = h_call(s_h, "reporting", NULL, &req);
    cr_assert_null(r->error, "%s: %s %s", report, r->error ? r->error->code : "",
                   r->error ? r->error->message : "");
    cr_assert_eq(r->result_case, CANDOUR__V1__REPLY__RESULT_ATTACHMENT);
    size_t n = r->attachment->content.len;
    char *out = malloc(n + 1);
    memcpy(out, r->attachment->content.data, n);
    out[n] = 0;
    if (len)
        *len = n;
    candour__v1__reply__free_unpacked(r, NULL);
    return out;
}

static json_t *s_json(const char *report, const char *to)
{
    char *s = s_file(report, to, "json", NULL);
    json_error_t e;
    json_t *o = json_loads(s, 0, &e);
    cr_assert(o, "%s: %s\n%s", report, e.text, s);
    free(s);
    return o;
}

/* Row `code` of table `key` as compact JSON ("[5,\"*\"]"), "(none)". */
static void s_expect_row(json_t *o, const char *key, const char *code, const char *want)
{
    size_t i, j;
    json_t *t, *row;
    char *got = NULL;
    json_array_foreach(json_object_get(o, "tables"), i, t)
    {
        if (strcmp(json_string_value(json_object_get(t, "key")), key) != 0)
            continue;
        json_array_foreach(json_object_get(t, "rows"), j, row)
        {
            if (strcmp(json_string_value(json_object_get(row, "code")), code) == 0)
                got = json_dumps(json_object_get(row, "values"), JSON_COMPACT);
        }
    }
    cr_expect_str_eq(got ? got : "(none)", want, "%s/%s", key, code);
    free(got);
}

Test(reports_learning, quarterly_repeats_and_actions_are_counted_by_hand_and_suppressed)
{
    json_t *q = s_json("quarterly", "2025-06-30");
    /* Received in the quarter: L01-L09 = 9 (L13 is a compliment, X01 RXB's). */
    s_expect_row(q, "received", "received", "[9]");
    /* Repeats L01-L06 = 6, first complaints L07-L09 = 3. The 3 is hidden;
     * the column's total (9, shown above) would give it away from the 6, so
     * the 6 is hidden too, and the shares with them. */
    s_expect_row(q, "repeats", "repeat", "[\"*\",\"*\"]");
    s_expect_row(q, "repeats", "first", "[\"*\",\"*\"]");
    /* By subject: L01-L06 under clinical treatment = 6; of them L01-L05,
     * whose earlier complaints E01-E05 were filed under it too, = 5 (E06
     * was communications). */
    s_expect_row(q, "repeat-subjects", "clinical-treatment", "[6,5]");
    s_expect_row(q, "repeat-subjects", "communications", "(none)");
    /* Complaints with actions L01-L06 = 6; actions 5+5+6+5+1+2 = 24 (E01's
     * came before the quarter, X01's are RXB's); with lessons L01, L03, L05
     * = 3, hidden (a count on its own: nothing else hidden). */
    s_expect_row(q, "learning", "complaints-with-actions", "[6]");
    s_expect_row(q, "learning", "actions", "[24]");
    s_expect_row(q, "learning", "complaints-with-lessons", "[\"*\"]");
    /* At 2025-06-30: done within the due date L01's 5; done past it L02's 5
     * (06-10 after 05-31); not done and not yet due L03's 6 (due 09-30) and
     * L06's 2 (done in December); not done and past due L04's 5 (done in
     * August, due 06-15) and L05's 1 (due on the last day) = 6. Totals 10,
     * 14, 13, 11, 24: none from 1 to 4, so all shown. */
    s_expect_row(q, "actions", "done", "[5,5]");
    s_expect_row(q, "actions", "open", "[8,6]");
    json_decref(q);
}

Test(reports_learning, annual_counts_the_year_and_actions_at_its_end)
{
    json_t *a = s_json("annual", "2026-03-31");
    /* The year: L01-L12 = 12; repeats 6, first 6: both shown, half each. */
    s_expect_row(a, "received", "received", "[12]");
    s_expect_row(a, "repeats", "repeat", "[6,\"50.0%\"]");
    s_expect_row(a, "repeats", "first", "[6,\"50.0%\"]");
    s_expect_row(a, "repeat-subjects", "clinical-treatment", "[6,5]");
    s_expect_row(a, "learning", "actions", "[24]");
    s_expect_row(a, "learning", "complaints-with-lessons", "[\"*\"]");
    /* At 2026-03-31: done within L01's 5 and L06's 2 = 7; done past L02's 5
     * and L04's 5 = 10; not done and not yet due none; not done and past due
     * L03's 6 and L05's 1 = 7. A 0 is shown (nobody is in it). */
    s_expect_row(a, "actions", "done", "[7,10]");
    s_expect_row(a, "actions", "open", "[0,7]");
    json_decref(a);
}

Test(reports_learning, the_pdf_and_csv_carry_the_new_parts_without_references)
{
    char *csv = s_file("quarterly", "2025-06-30", "csv", NULL);
    cr_expect(strstr(csv, "actions,done,Done by the period's end,Within the due date,5\r\n"), "%s",
              csv);
    cr_expect(strstr(csv, "learning,complaints-with-lessons,Complaints with lessons recorded,"
                          "Count,*\r\n"),
              "%s", csv);
    /* No complaint's reference, earlier or not. */
    cr_expect(!strstr(csv, "E01") && !strstr(csv, "L01"), "a reference in the report");
    free(csv);
    size_t len;
    char *pdf = s_file("quarterly", "2025-06-30", "pdf", &len);
    cr_assert_eq(strncmp(pdf, "%PDF-", 5), 0);
    /* Kept for a person to look at (pdftoppm -png -r 60). */
    mkdir("/tmp/report-learning", 0755);
    FILE *fp = fopen("/tmp/report-learning/quarterly.pdf", "wb");
    cr_assert(fp);
    fwrite(pdf, 1, len, fp);
    fclose(fp);
    free(pdf);
}
