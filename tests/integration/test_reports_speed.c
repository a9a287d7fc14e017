/* test_reports_speed.c - what was changed for the reports' speed (issue 15,
 * item 4) counts as before: 0033's indexes on a body's complaints, the
 * benchmark's figures joined only on the period's complaints, and its
 * median working days counted by arithmetic from only each body's middle
 * one or two responses (reports_sql.c). A small data set whose answers are
 * worked out by hand, asked of reporting over the bus (GetReport), and the
 * medians also checked against the day-by-day count PostgreSQL does.
 *
 * The data set, period 2025-04-01 to 2025-06-30; working days are Monday to
 * Friday from the day after receipt to the response, both included:
 *   RXA (the asker's body), five responses in the period:
 *     Fri 05-02 -> Mon 05-05: 1        Thu 05-01 -> Sat 05-03: 1
 *     Mon 05-05 -> Mon 05-12: 5        Wed 04-30 -> Wed 05-28: 20
 *     Sat 05-10 -> Sun 06-08: 20       median of 1 1 5 20 20 = 5
 *   and one responded before the period (03-03 -> 03-31), not counted;
 *   RXB (led by RXB, the first made to RXA, so RXB is compared), six:
 *     Mon 05-05 -> Wed 05-07 2, Thu 05-08 3, Fri 05-09 4, Mon 05-19 10,
 *     Tue 05-20 11; Fri 05-02 -> Fri 06-13 30
 *     median of 2 3 4 10 11 30 = (4 + 10) / 2 = 7. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/v1/api.pb-c.h"
#include "harness.h"

#define FROM "2025-04-01"
#define TO "2025-06-30"

static h_t *s_h;
static char *s_analyst;

static void s_complaint(const char *ref, const char *made_to, const char *lead,
                        const char *received, const char *sent)
{
    const char *v[5] = {ref, made_to, lead, received, sent};
    h_execp(s_h,
            "INSERT INTO reporting.complaint (reference, made_to_org, lead_org, kind,"
            " classification, channel, standing, received_on, ack_due, acknowledged_on,"
            " age_band, outcome, response_due, response_due_first, response_sent_on)"
            " VALUES ($1, $2, $3, 'complaint', 'complaint', 'email', 'self', $4::date,"
            " $4::date + 3, $4::date, 'unknown', 'not-upheld', $5::date + 1, $5::date + 1,"
            " $5::date)",
            5, v);
}

static void s_setup(void)
{
    s_h = h_new("reports_speed");
    cr_assert_eq(h_start(s_h, "routing"), 0);
    cr_assert_eq(h_start(s_h, "reporting"), 0);
    char out[512], err[512]; /* the KO41a lists the reports label categories by */
    cr_assert_eq(h_ctl(s_h, "", out, sizeof out, err, sizeof err, "categories import %s",
                       CANDOUR_SOURCE_DIR "/deploy/categories/ko41a.csv"),
                 0, "%s", err);
    s_analyst = h_staff(s_h, "RXA", "Ana Analyst", "Performance", "analyst");
    s_complaint("A01", "RXA", "RXA", "2025-05-02", "2025-05-05");
    s_complaint("A02", "RXA", "RXA", "2025-05-01", "2025-05-03");
    s_complaint("A03", "RXA", "RXA", "2025-05-05", "2025-05-12");
    s_complaint("A04", "RXA", "RXA", "2025-04-30", "2025-05-28");
    s_complaint("A05", "RXA", "RXA", "2025-05-10", "2025-06-08");
    s_complaint("A00", "RXA", "RXA", "2025-03-03", "2025-03-31");
    s_complaint("B01", "RXA", "RXB", "2025-05-05", "2025-05-07");
    s_complaint("B02", "RXB", "RXB", "2025-05-05", "2025-05-08");
    s_complaint("B03", "RXB", "RXB", "2025-05-05", "2025-05-09");
    s_complaint("B04", "RXB", "RXB", "2025-05-05", "2025-05-19");
    s_complaint("B05", "RXB", "RXB", "2025-05-05", "2025-05-20");
    s_complaint("B06", "RXB", "RXB", "2025-05-02", "2025-06-13");
}

static void s_teardown(void)
{
    free(s_analyst);
    cr_assert_eq(h_destroy(&s_h), 0, "a daemon did not exit 0 on SIGTERM");
}

TestSuite(reports_speed, .init = s_setup, .fini = s_teardown, .timeout = 240);

static json_t *s_benchmark(void)
{
    Candour__V1__GetReport g = CANDOUR__V1__GET_REPORT__INIT;
    g.report = "benchmark";
    g.org_id = "RXA";
    g.from = FROM;
    g.to = TO;
    g.format = "json";
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.acting = s_analyst;
    req.op_case = CANDOUR__V1__REQUEST__OP_GET_REPORT;
    req.get_report = &g;
    Candour__V1__Reply *r = h_call(s_h, "reporting", NULL, &req);
    cr_assert_null(r->error, "%s %s", r->error ? r->error->code : "",
                   r->error ? r->error->message : "");
    cr_assert_eq(r->result_case, CANDOUR__V1__REPLY__RESULT_ATTACHMENT);
    json_error_t e;
    json_t *o =
        json_loadb((const char *)r->attachment->content.data, r->attachment->content.len, 0, &e);
    candour__v1__reply__free_unpacked(r, NULL);
    cr_assert(o, "%s", e.text);
    return o;
}

/* Body i's value of an indicator (the benchmark's JSON), as a number. */
static double s_value(json_t *o, size_t i, const char *body, const char *indicator)
{
    json_t *b = json_array_get(json_object_get(o, "bodies"), i);
    cr_assert_str_eq(json_string_value(json_object_get(b, "body")), body);
    json_t *v =
        json_object_get(json_object_get(json_object_get(b, "indicators"), indicator), "value");
    cr_assert(json_is_number(v), "%s %s is not a number", body, indicator);
    return json_number_value(v);
}

/* The median working days of body's responses in the period as PostgreSQL
 * counts them day by day, the way reports_sql.c counted before 0033. */
static double s_median_by_days(const char *body)
{
    const char *v[3] = {body, FROM, TO};
    char *s = h_scalar(s_h,
                       "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY (SELECT count(*)"
                       " FROM generate_series(c.received_on + 1, c.response_sent_on,"
                       " interval '1 day') d WHERE extract(isodow FROM d) < 6))"
                       " FROM reporting.complaint c WHERE coalesce(c.lead_org, c.made_to_org) = $1"
                       " AND c.response_sent_on BETWEEN $2::date AND $3::date",
                       3, v);
    cr_assert(s);
    double d = atof(s);
    free(s);
    return d;
}

Test(reports_speed, benchmark_median_working_days_odd_and_even_counts_across_weekends)
{
    json_t *o = s_benchmark();
    cr_assert_eq(json_array_size(json_object_get(o, "bodies")), 2, "RXA and RXB");
    cr_expect_eq(s_value(o, 0, "RXA", "median_days_to_response"), 5.0);
    cr_expect_eq(s_value(o, 1, "RXB", "median_days_to_response"), 7.0);
    cr_expect_eq(s_median_by_days("RXA"), 5.0);
    cr_expect_eq(s_median_by_days("RXB"), 7.0);
    json_decref(o);
}

Test(reports_speed, benchmark_counts_only_the_period_whatever_the_join_reads)
{
    /* Responded in time: every response on the day before its agreed date,
     * so 5 of 5 and 6 of 6; A00 (before the period) is in neither count. */
    json_t *o = s_benchmark();
    cr_expect_eq(s_value(o, 0, "RXA", "responded_in_time"), 1.0);
    cr_expect_eq(s_value(o, 1, "RXB", "responded_in_time"), 1.0);
    cr_expect_eq(s_value(o, 0, "RXA", "acknowledged_in_3_days"), 1.0);
    json_decref(o);
    /* The responses a year on change nothing in this period's figures. */
    s_complaint("A06", "RXA", "RXA", "2026-05-05", "2026-05-06");
    o = s_benchmark();
    cr_expect_eq(s_value(o, 0, "RXA", "median_days_to_response"), 5.0);
    cr_expect_eq(s_value(o, 1, "RXB", "median_days_to_response"), 7.0);
    json_decref(o);
}
