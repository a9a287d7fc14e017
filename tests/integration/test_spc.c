/* test_spc.c - statistical process control (issue 15, L6): the monthly
 * aggregate (migration 0034) kept in step with the reporting schema by its
 * triggers; the SPC report's charts from it; and the SPC watch raising a
 * rise once, through reporting's outbox, to notify's alerts.
 *
 * (What is noted and flushed when, migration 0040: test_spc_flush.c.)
 *
 * The data, written straight into the reporting schema; L is the latest
 * complete month (the month before this one in London), Lk the month k
 * months before it:
 *   RSA  L20..L1 alternately 10 and 12 complaints (L20: 10), then 30 in L;
 *        every complaint has one aspect, clinical-treatment / inpatient, so
 *        its subject and service area series are its total. 21 points:
 *        mean 250/21 = 11.905; moving ranges 19 x 2 and |30 - 12| = 18, so
 *        mR-bar 56/20 = 2.8; upper limit 11.905 + 2.66 x 2.8 = 19.353;
 *        lower 11.905 - 7.448 = 4.457. L is above the upper limit: an
 *        "increase" under each of the three.
 *   RSB  L20..L7 alternately 8 and 10 (L20: 8), then 11, 12, 11, 12, 11,
 *        12, 11 (L6..L): mean 206/21 = 9.810; mR-bar (13 x 2 + 1 + 6)/20 =
 *        1.65; upper limit 14.199, two-sigma line 12.735: nothing beyond
 *        either, and the last 8 months above the mean: a
 *        "sustained-increase".
 *        One complaint of every third month (L, L3, ..., L18) is also about
 *        communications: 1 in those months, a chart not drawn (L5), and a
 *        month of 1 raises nothing (at least 5). Two complaints (L1, L2) are
 *        about appointments: 2 in all, which the chart's mean would give
 *        away, so not even its lines are given.
 *   RSC  L5..L alternately 10 and 12, then 30 in L: beyond its limit, but a
 *        chart of 6 months raises nothing (at least 12).
 * So the watch records 4 signals, sends 4 spc.signal and notify records 4
 * alerts of kind spc, however often it looks. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "candour/v1/api.pb-c.h"
#include "harness.h"
#include "test_spc_monthly.h"

static h_t *s_h;
static char *s_analyst;
static char s_last[11], s_from[11], s_to[11], s_month[8], s_ym[7], s_first[11];

/* The month k months before L, as its first day: the test's SQL. */
#define S_MONTH_K                                                                                  \
    "(date_trunc('month', (now() AT TIME ZONE 'Europe/London')::date) - interval '1 month'"        \
    " - make_interval(months => k))::date"

/* Complaints to body made_to, k months before L, n(k) of them (an SQL
 * expression of k), with one aspect each when `aspect`. */
static void s_months(const char *body, int first_k, const char *count, int aspect)
{
    char sql[2048], kk[8];
    snprintf(kk, sizeof kk, "%d", first_k);
    snprintf(sql, sizeof sql,
             "INSERT INTO reporting.complaint (reference, made_to_org, kind, received_on)"
             " SELECT $1 || '-' || k || '-' || i, $1, 'complaint', " S_MONTH_K " + (i %% 28)"
             " FROM generate_series(0, $2::int) k, generate_series(1, %s) i",
             count);
    const char *v[2] = {body, kk};
    h_execp(s_h, sql, 2, v);
    if (aspect)
        h_execp(s_h,
                "INSERT INTO reporting.aspect (reference, issue_id, subject, service_area,"
                " completed_us) SELECT reference, 'KI1', 'clinical-treatment', 'inpatient', 1"
                " FROM reporting.complaint WHERE made_to_org = $1",
                1, v);
}

static void s_setup(void)
{
    s_h = h_new("spc");
    h_setenv(s_h, "CANDOUR_REPORTING_SPC_INTERVAL", "1");
    char *last = h_scalar(s_h,
                          "SELECT (date_trunc('month', (now() AT TIME ZONE 'Europe/London')::date)"
                          " - interval '1 month')::date::text",
                          0, NULL);
    snprintf(s_last, sizeof s_last, "%s", last);
    free(last);
    char *to =
        h_scalar(s_h, "SELECT ($1::date + interval '1 month' - interval '1 day')::date::text", 1,
                 (const char *const[]){s_last});
    snprintf(s_to, sizeof s_to, "%s", to);
    free(to);
    char *from = h_scalar(s_h, "SELECT ($1::date - interval '23 months')::date::text", 1,
                          (const char *const[]){s_last});
    snprintf(s_from, sizeof s_from, "%s", from);
    free(from);
    char *first = h_scalar(s_h, "SELECT ($1::date - interval '20 months')::date::text", 1,
                           (const char *const[]){s_last});
    snprintf(s_first, sizeof s_first, "%s", first);
    free(first);
    snprintf(s_month, sizeof s_month, "%.7s", s_last);
    snprintf(s_ym, sizeof s_ym, "%.4s%.2s", s_last, s_last + 5);

    /* RSA: k = 20..1 from L, 10 when k is even, else 12; 30 in L (k = 0). */
    s_months("RSA", 20, "CASE WHEN k = 0 THEN 30 WHEN k % 2 = 0 THEN 10 ELSE 12 END", 1);
    /* One RSA complaint every third month (k = 0, 3, ..., 18) is also about
     * communications: a series of 1s and 0s, too small to draw. */
    h_exec(s_h, "INSERT INTO reporting.aspect (reference, issue_id, subject, completed_us)"
                " SELECT 'RSA-' || k || '-1', 'KI2', 'communications', 1"
                " FROM generate_series(0, 20, 3) k");
    /* And two are about appointments: 2 in all, so not even the lines. */
    h_exec(s_h,
           "INSERT INTO reporting.aspect (reference, issue_id, subject, completed_us)"
           " VALUES ('RSA-1-2', 'KI2', 'appointments', 1), ('RSA-2-2', 'KI2', 'appointments', 1)");
    /* RSB: k = 20..7 alternately 8 (even k) and 10; k = 6..0: 11 when even, else 12. */
    s_months("RSB", 20,
             "CASE WHEN k >= 7 THEN (CASE WHEN k % 2 = 0 THEN 8 ELSE 10 END)"
             " WHEN k % 2 = 0 THEN 11 ELSE 12 END",
             0);
    s_months("RSC", 5, "CASE WHEN k = 0 THEN 30 WHEN k % 2 = 0 THEN 12 ELSE 10 END", 0);

    cr_assert_eq(h_start(s_h, "routing"), 0);
    cr_assert_eq(h_start(s_h, "notify"), 0);
    s_analyst = h_staff(s_h, "RSA", "Ana Analyst", "Performance", "analyst");
    cr_assert_eq(h_start(s_h, "reporting"), 0);
    char out[512], err[512]; /* the KO41a lists the report labels categories by */
    cr_assert_eq(h_ctl(s_h, "", out, sizeof out, err, sizeof err, "categories import %s",
                       CANDOUR_SOURCE_DIR "/deploy/categories/ko41a.csv"),
                 0, "%s", err);
}

static void s_teardown(void)
{
    free(s_analyst);
    cr_assert_eq(h_destroy(&s_h), 0, "a daemon did not exit 0 on SIGTERM");
}

TestSuite(spc, .init = s_setup, .fini = s_teardown, .timeout = 240);

/* ---------------------------------------------------------- the aggregate */

/* reporting.monthly against a GROUP BY over the base tables (0 when
 * equal), read as every reader reads it: the changes noted since the last
 * flush flushed first (migration 0040). */
static long s_monthly_diff(void)
{
    h_exec(s_h, "SELECT reporting.monthly_flush()");
    return spc_monthly_diff(s_h);
}

static long s_n(const char *org, const char *dim, const char *code, const char *month)
{
    const char *v[4] = {org, dim, code, month};
    h_exec(s_h, "SELECT reporting.monthly_flush()");
    return h_count(s_h,
                   "SELECT coalesce(sum(n), 0) FROM reporting.monthly WHERE org = $1"
                   " AND dimension = $2 AND code = $3 AND month = $4::date",
                   4, v);
}

Test(spc, the_monthly_aggregate_stays_equal_to_a_group_by_through_every_change)
{
    cr_assert_eq(s_monthly_diff(), 0, "as loaded");
    /* RSA's latest month, with the backfilled-by-trigger rows. */
    cr_assert_eq(s_n("RSA", "provider", "RSA", s_last), 30);
    cr_assert_eq(s_n("RSA", "subject", "clinical-treatment", s_last), 30);

    h_exec(s_h, "INSERT INTO reporting.complaint (reference, made_to_org, kind, received_on)"
                " VALUES ('Z1', 'RZA', 'complaint', '2024-01-10'),"
                " ('Z2', 'RZA', 'complaint', '2024-01-11'),"
                " ('Z3', 'RZA', 'compliment', '2024-01-12'),"
                " ('Z4', 'RZA', 'complaint', NULL)");
    /* Two aspects of one subject count the complaint once under it. */
    h_exec(s_h, "INSERT INTO reporting.aspect (reference, issue_id, subject, service_area,"
                " completed_us) VALUES ('Z1', 'KI1', 'communications', 'inpatient', 1),"
                " ('Z1', 'KI2', 'communications', 'outpatient', 1),"
                " ('Z2', 'KI1', 'appointments', 'inpatient', 1),"
                " ('Z3', 'KI1', 'appointments', 'inpatient', 1)");
    cr_assert_eq(s_monthly_diff(), 0, "inserted");
    cr_assert_eq(s_n("RZA", "provider", "RZA", "2024-01-01"), 2, "the compliment left out");
    cr_assert_eq(s_n("RZA", "subject", "communications", "2024-01-01"), 1);
    cr_assert_eq(s_n("RZA", "service", "inpatient", "2024-01-01"), 2);

    /* An aspect re-coded, as an upsert (apply_sql.c's shape). */
    h_exec(s_h, "INSERT INTO reporting.aspect AS a (reference, issue_id, subject, service_area,"
                " completed_us) VALUES ('Z1', 'KI2', 'appointments', 'a-and-e', 2)"
                " ON CONFLICT (reference, issue_id) DO UPDATE SET subject = EXCLUDED.subject,"
                " service_area = EXCLUDED.service_area, completed_us = EXCLUDED.completed_us");
    cr_assert_eq(s_monthly_diff(), 0, "aspect re-coded");
    cr_assert_eq(s_n("RZA", "subject", "appointments", "2024-01-01"), 2);
    cr_assert_eq(s_n("RZA", "service", "outpatient", "2024-01-01"), 0);

    /* The lead changes: Z2 moves to RZB with its aspects. */
    h_exec(s_h, "UPDATE reporting.complaint SET lead_org = 'RZB' WHERE reference = 'Z2'");
    cr_assert_eq(s_monthly_diff(), 0, "lead changed");
    cr_assert_eq(s_n("RZB", "subject", "appointments", "2024-01-01"), 1);
    cr_assert_eq(s_n("RZA", "subject", "appointments", "2024-01-01"), 1);

    /* The day received moves to another month; a day first known. */
    h_exec(s_h, "UPDATE reporting.complaint SET received_on = '2024-02-03' WHERE reference = 'Z1'");
    h_exec(s_h, "UPDATE reporting.complaint SET received_on = '2024-02-04' WHERE reference = 'Z4'");
    cr_assert_eq(s_monthly_diff(), 0, "received changed");
    cr_assert_eq(s_n("RZA", "provider", "RZA", "2024-01-01"), 0);
    cr_assert_eq(s_n("RZA", "provider", "RZA", "2024-02-01"), 2);

    /* A compliment becomes a complaint; aspects replaced in one statement. */
    h_exec(s_h, "UPDATE reporting.complaint SET kind = 'complaint' WHERE reference = 'Z3'");
    h_exec(s_h, "DELETE FROM reporting.aspect WHERE reference = 'Z1'");
    cr_assert_eq(s_monthly_diff(), 0, "kind changed, aspects deleted");

    /* Deleted, with their aspects (the foreign key's cascade). */
    h_exec(s_h, "DELETE FROM reporting.complaint WHERE reference IN ('Z1', 'Z2', 'Z3', 'Z4')");
    cr_assert_eq(s_monthly_diff(), 0, "deleted");
    cr_assert_eq(
        h_count(s_h, "SELECT count(*) FROM reporting.monthly WHERE org LIKE 'RZ%'", 0, NULL), 0);
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM reporting.monthly WHERE n <= 0", 0, NULL), 0);

    /* `reporting rebuild` empties the tables with TRUNCATE, then replays. */
    h_exec(s_h, "TRUNCATE reporting.complaint CASCADE");
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM reporting.monthly", 0, NULL), 0);
    h_exec(s_h, "INSERT INTO reporting.complaint (reference, made_to_org, kind, received_on)"
                " VALUES ('Z5', 'RZA', 'complaint', '2024-03-10')");
    h_exec(s_h, "INSERT INTO reporting.aspect (reference, issue_id, subject, completed_us)"
                " VALUES ('Z5', 'KI1', 'communications', 1)");
    cr_assert_eq(s_monthly_diff(), 0, "after a truncate");
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM reporting.monthly", 0, NULL), 2);
}

/* ---------------------------------------------------------- the report */

static json_t *s_report(const char *format, char **raw, size_t *rawlen)
{
    Candour__V1__GetReport g = CANDOUR__V1__GET_REPORT__INIT;
    g.report = "spc";
    g.org_id = "RSA";
    g.from = s_from;
    g.to = s_to;
    g.format = (char *)format;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.acting = s_analyst;
    req.op_case = CANDOUR__V1__REQUEST__OP_GET_REPORT;
    req.get_report = &g;
    Candour__V1__Reply *r = h_call(s_h, "reporting", NULL, &req);
    cr_assert_null(r->error, "%s: %s %s", format, r->error ? r->error->field : "",
                   r->error ? r->error->message : "");
    cr_assert_eq(r->result_case, CANDOUR__V1__REPLY__RESULT_ATTACHMENT);
    size_t n = r->attachment->content.len;
    char *s = malloc(n + 1);
    memcpy(s, r->attachment->content.data, n);
    s[n] = 0;
    candour__v1__reply__free_unpacked(r, NULL);
    if (raw) {
        *raw = s;
        *rawlen = n;
        return NULL;
    }
    json_error_t e;
    json_t *o = json_loads(s, 0, &e);
    cr_assert(o, "%s\n%s", e.text, s);
    free(s);
    return o;
}

#define NEAR(got, want)                                                                            \
    cr_expect(fabs((got) - (want)) < 0.001, #got " = %.4f, want %.4f", got, want)

Test(spc, the_report_charts_the_total_and_each_category_with_hand_worked_limits)
{
    json_t *o = s_report("json", NULL, NULL);
    cr_assert_str_eq(json_string_value(json_object_get(o, "report")), "spc");
    json_t *spc = json_object_get(o, "spc");
    cr_assert_str_eq(json_string_value(json_object_get(spc, "to_month")), s_month);
    json_t *charts = json_object_get(spc, "charts");
    cr_assert_eq(json_array_size(charts), 5, "total, three subjects, one service area");
    static const char *const want[][2] = {
        {"provider", "RSA"}, {"subject", "clinical-treatment"}, {"service", "inpatient"}};
    static const size_t at[] = {0, 2, 4};
    for (size_t i = 0; i < 3; i++) {
        json_t *c = json_array_get(charts, at[i]);
        cr_assert_str_eq(json_string_value(json_object_get(c, "dimension")), want[i][0]);
        cr_assert_str_eq(json_string_value(json_object_get(c, "code")), want[i][1]);
        json_t *pts = json_object_get(c, "points");
        cr_assert_eq(json_array_size(pts), 21, "from the body's first month");
        json_t *ch = json_object_get(c, "chart");
        NEAR(json_real_value(json_object_get(ch, "mean")), 250.0 / 21);
        NEAR(json_real_value(json_object_get(ch, "mr_bar")), 2.8);
        NEAR(json_real_value(json_object_get(ch, "upper")), 250.0 / 21 + 2.66 * 2.8);
        NEAR(json_real_value(json_object_get(ch, "lower")), 250.0 / 21 - 2.66 * 2.8);
        cr_expect_str_eq(json_string_value(json_object_get(ch, "variation")), "concerning_high");
        cr_expect_str_eq(json_string_value(json_object_get(ch, "assurance")), "none");
        cr_expect_str_eq(json_string_value(json_object_get(ch, "rise")), "increase");
        json_t *lastp = json_array_get(pts, 20);
        cr_expect_str_eq(json_string_value(json_object_get(lastp, "month")), s_month);
        cr_expect_eq(json_integer_value(json_object_get(lastp, "count")), 30);
        char *rules = json_dumps(json_object_get(lastp, "rules"), JSON_COMPACT);
        cr_expect_str_eq(rules, "[\"beyond_limit\"]");
        free(rules);
        cr_expect_str_eq(json_string_value(json_object_get(lastp, "side")), "high");
        /* The months before: 10 and 12, nothing flagged. */
        json_t *p0 = json_array_get(pts, 0);
        cr_expect_eq(json_integer_value(json_object_get(p0, "count")), 10);
        cr_expect_eq(json_array_size(json_object_get(p0, "rules")), 0);
    }
    /* Communications: months of 1 are "*", of 0 shown; 21 points, mean
     * 7/21, the limits given though the chart is not drawn. */
    json_t *cm = json_array_get(charts, 3);
    cr_assert_str_eq(json_string_value(json_object_get(cm, "code")), "communications");
    json_t *cp = json_object_get(cm, "points");
    cr_assert_eq(json_array_size(cp), 21);
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(cp, 20), "count")), "*");
    cr_expect_eq(json_integer_value(json_object_get(json_array_get(cp, 19), "count")), 0);
    NEAR(json_real_value(json_object_get(json_object_get(cm, "chart"), "mean")), 7.0 / 21);

    /* Appointments (charts are by code within a dimension): withheld. */
    json_t *ap = json_array_get(charts, 1);
    cr_assert_str_eq(json_string_value(json_object_get(ap, "code")), "appointments");
    cr_expect(json_is_null(json_object_get(ap, "chart")));
    cr_expect(json_is_string(json_object_get(ap, "withheld")));
    cr_expect_eq(json_integer_value(
                     json_object_get(json_array_get(json_object_get(ap, "points"), 20), "count")),
                 0);

    /* The summary table: the latest month, the lines, the icon, the rule. */
    json_t *t = json_array_get(json_object_get(o, "tables"), 0);
    cr_assert_str_eq(json_string_value(json_object_get(t, "key")), "charts");
    char *row = json_dumps(json_object_get(json_array_get(json_object_get(t, "rows"), 0), "values"),
                           JSON_COMPACT);
    cr_expect_str_eq(row, "[30,\"11.9\",\"19.4\",\"Concern (high)\",\"increase\"]");
    free(row);
    json_decref(o);

    /* The page and the PDF draw the charts. */
    char *html = NULL, *pdf = NULL;
    size_t hl = 0, pl = 0;
    s_report("html", &html, &hl);
    cr_expect(strstr(html, "<svg"), "an SVG chart in the page");
    cr_expect(strstr(html, "Subject: Clinical treatment: complaints each month"), "%s", html);
    cr_expect(!strstr(html, "Subject: Communications: complaints each month"), "not drawn");
    cr_expect(strstr(html, "or they have a single month: Subject: Appointments including delays"
                           " and cancellations, Subject: Communications."),
              "%s", html);
    s_report("pdf", &pdf, &pl);
    cr_expect(pl > 4 && memcmp(pdf, "%PDF", 4) == 0);
    /* CANDOUR_TEST_SPC_OUT: a folder to keep the page and the PDF in, to look at. */
    const char *keep = getenv("CANDOUR_TEST_SPC_OUT");
    for (int i = 0; keep && *keep && i < 2; i++) {
        char path[600];
        snprintf(path, sizeof path, "%s/spc.%s", keep, i ? "pdf" : "html");
        FILE *fp = fopen(path, "wb");
        if (fp) {
            fwrite(i ? pdf : html, 1, i ? pl : hl, fp);
            fclose(fp);
        }
    }
    free(html);
    free(pdf);
}

/* ---------------------------------------------------------- the alerts */

Test(spc, a_rise_is_recorded_once_sent_once_and_alerted_to_the_body)
{
    const char *v[1] = {s_last};
    int waited = h_wait_for(s_h, "SELECT count(*)::text FROM notify.alert WHERE kind = 'spc'", 0,
                            NULL, "4", 20000);
    char *got =
        h_scalar(s_h,
                 "SELECT coalesce(string_agg(org || ' ' || dimension || ' ' || code || ' '"
                 " || month || ' ' || rule, '; ' ORDER BY 1), '') FROM reporting.spc_signal",
                 0, NULL);
    cr_assert(waited, "four alerts of kind spc; signals: %s", got);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM reporting.spc_signal WHERE month = $1::date"
                         " AND ((org = 'RSA' AND rule = 'increase'"
                         "   AND (dimension, code) IN (('provider', 'RSA'),"
                         "    ('subject', 'clinical-treatment'), ('service', 'inpatient')))"
                         "  OR (org = 'RSB' AND dimension = 'provider' AND code = 'RSB'"
                         "   AND rule = 'sustained-increase'))",
                         1, v),
                 4, "%s (L %s)", got, s_last);
    free(got);
    /* The recorded numbers are the chart's. */
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM reporting.spc_signal WHERE org = 'RSA'"
                         " AND value = 30 AND points = 21 AND abs(mean - 250.0 / 21) < 0.001"
                         " AND abs(upper - (250.0 / 21 + 2.66 * 2.8)) < 0.001",
                         0, NULL),
                 3);
    cr_assert_eq(
        h_count(s_h, "SELECT count(*) FROM reporting.spc_signal WHERE org = 'RSC'", 0, NULL), 0,
        "a chart of 6 months raises nothing");

    /* The watch looks every second: three more looks, and a restart (a
     * look at start-up), send nothing more. */
    sleep(3);
    cr_assert_eq(h_stop(s_h, "reporting"), 0);
    cr_assert_eq(h_start(s_h, "reporting"), 0);
    sleep(2);
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM reporting.spc_signal", 0, NULL), 4);
    cr_assert_eq(
        h_count(s_h, "SELECT count(*) FROM reporting.outbox WHERE type = 'spc.signal'", 0, NULL),
        4);
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM notify.alert WHERE kind = 'spc'", 0, NULL), 4);

    /* Notify's alert: addressed to the body, its reference made from the
     * signal, written to the spool's alerts folder with what to do. */
    char ref[80];
    snprintf(ref, sizeof ref, "SPC-RSA-%s-total", s_ym);
    const char *rv[1] = {ref};
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM notify.alert WHERE reference = $1 AND kind = 'spc'"
                         " AND level = 'signal' AND party = 'increase' AND org_id = 'RSA'",
                         1, rv),
                 1);
    char path[600];
    snprintf(path, sizeof path, "%s/alerts/%s-spc-increase-signal.txt", h_spool(s_h), ref);
    const char *pv[1] = {ref};
    cr_assert(h_wait_for(s_h,
                         "SELECT (spool_path IS NOT NULL)::text FROM notify.alert"
                         " WHERE reference = $1",
                         1, pv, "true", 10000));
    char *text = h_read_file(path);
    cr_expect(strstr(text, "RISE IN COMPLAINTS"), "%s", text);
    cr_expect(strstr(text, "all complaints to RSA"), "%s", text);
    cr_expect(strstr(text, "Count:     30, 10.6 more than the top of the usual range (up to 19.4"
                           " a month; the average is 11.9)"),
              "%s", text);
    cr_expect(strstr(text, "increase: above the upper process limit"), "%s", text);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "candourctl report spc --org RSA --from %s", s_first);
    cr_expect(strstr(text, cmd), "%s\n%s", cmd, text);
    free(text);
}
