/* test_commissions.c - a commissioner compares all its providers (issue 15,
 * L3): `candourctl commissions` says whom ICB1 commissions; the benchmark
 * report of ICB1 compares them, by Candour's figures where a provider uses
 * Candour and by the benchmarking return it sent over the bus for exactly
 * the period where it does not.
 *
 * The data set, period 2026-04-01 to 2026-06-30; ICB1 commissions P1-P4:
 *   P1 uses Candour: 10 complaints received 2026-04-01 (a Wednesday), each
 *     acknowledged that day; all answered, 5 on 2026-04-29 and 5 on
 *     2026-05-06, the agreed date 2026-05-01 (so 5 of 10 in time); working
 *     days from receipt (the day after to the day sent, Monday to Friday,
 *     bank holidays counted): 04-02..04-29 is 2 + 15 + 3 = 20, and 05-06 is
 *     5 more, 25; the median of five 20s and five 25s is 22.5.
 *   P2 does not use Candour: its return for the period says 40 received,
 *     36 acknowledged in 3 days, 30 closed, 25 in time, 4 extended, 10
 *     upheld and 8 partly, 3 to the Ombudsman, 1 upheld there, median 21.5:
 *     upheld is (10 + 8) / 30 = 0.6 as Candour counts it.
 *   P3 does not use Candour and sent a return for April and May only: not
 *     the period, so it has no figures.
 *   P4 uses Candour (6 complaints received 2026-04-01, 3 acknowledged in
 *     time, none answered) and also sent a return for the period saying
 *     100: Candour's own figures win.
 *   P5 sent a return for the period but ICB1 does not commission it.
 * Acknowledged within 3 days over all: (10 + 36 + 3) / (10 + 40 + 6) =
 * 49/56 = 0.875. P4's 3 of 6 against it: the standard error at n = 6 is
 * sqrt(0.875 x 0.125 / 6) = 0.13501, so the 95% lower limit is 0.875 -
 * 1.96 x 0.13501 = 0.6104 and the 99.8% one 0.875 - 3.09 x 0.13501 = 0.4578:
 * 0.5 is below the first and above the second (below_95); its value is
 * suppressed (3 of 6), its flag is not. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/client.h"
#include "candour/pbjson.h"
#include "harness.h"

#define FROM "2026-04-01"
#define TO "2026-06-30"

static h_t *s_h;
static char *s_analyst;

/* A complaint of body org received 2026-04-01, acknowledged on acked (NULL:
 * not yet), answered on sent (NULL: not yet) with outcome. */
static void s_complaint(const char *ref, const char *org, const char *acked, const char *sent,
                        const char *outcome)
{
    const char *v[5] = {ref, org, acked, sent, outcome};
    h_execp(s_h,
            "INSERT INTO reporting.complaint (reference, made_to_org, lead_org, kind,"
            " classification, channel, standing, received_on, ack_due, acknowledged_on,"
            " response_due, response_due_first, response_sent_on, outcome)"
            " VALUES ($1, $2, $2, 'complaint', 'complaint', 'email', 'self', '2026-04-01',"
            " '2026-04-06', $3::date, '2026-05-01', '2026-05-01', $4::date, $5)",
            5, v);
}

/* SubmitBenchmarkReturn from org's key for [from, to]: done, or the test fails. */
static void s_return(const char *org, const char *from, const char *to, const char *figures)
{
    char json[1024];
    snprintf(json, sizeof json,
             "{\"submit_benchmark_return\": {\"benchmark_return\": {\"period_from\": \"%s\","
             " \"period_to\": \"%s\", \"submitted_by\": \"Head of Patient Experience\", %s}}}",
             from, to, figures);
    cd_fail_t perr;
    Candour__V1__Request *req = (Candour__V1__Request *)cd_pbjson_parse(
        &candour__v1__request__descriptor, json, strlen(json), &perr);
    cr_assert(req, "bad test JSON: %s", perr.message);
    cd_client_t *c = h_client(s_h, org);
    Candour__V1__Reply *r = NULL;
    char err[256];
    cr_assert_eq(cd_client_call(c, req, 10000, &r, err, sizeof err), 0, "%s", err);
    cr_assert_null(r->error, "%s %s", r->error ? r->error->field : "",
                   r->error ? r->error->message : "");
    candour__v1__reply__free_unpacked(r, NULL);
    candour__v1__request__free_unpacked(req, NULL);
    cd_client_destroy(&c);
}

#define S_FIGS(n)                                                                                  \
    "\"received\": " n ", \"acknowledged_in_3_days\": 36, \"closed\": 30,"                         \
    " \"responded_in_time\": 25, \"extended\": 4, \"upheld\": 10, \"partially_upheld\": 8,"        \
    " \"ombudsman_referred\": 3, \"ombudsman_upheld\": 1, \"median_days_to_response\": 21.5"

static void s_setup(void)
{
    s_h = h_new("commissions");
    static const char *const orgs[] = {"P1", "P2", "P3", "P4", "P5"};
    for (size_t i = 0; i < 5; i++)
        h_org(s_h, orgs[i]);
    cr_assert_eq(h_start(s_h, "routing"), 0);
    cr_assert_eq(h_start(s_h, "intake"), 0);
    cr_assert_eq(h_start(s_h, "reporting"), 0);
    s_analyst = h_staff(s_h, "ICB1", "Ana Analyst", "Performance", "analyst");
    for (int i = 0; i < 10; i++) {
        char ref[8];
        snprintf(ref, sizeof ref, "P1-%02d", i);
        s_complaint(ref, "P1", "2026-04-01", i < 5 ? "2026-04-29" : "2026-05-06",
                    i < 2 ? "upheld" : i < 3 ? "partially-upheld" : "not-upheld");
    }
    for (int i = 0; i < 6; i++) {
        char ref[8];
        snprintf(ref, sizeof ref, "P4-%02d", i);
        s_complaint(ref, "P4", i < 3 ? "2026-04-01" : "2026-04-20", NULL, NULL);
    }
    s_return("P2", FROM, TO, S_FIGS("40"));
    s_return("P3", FROM, "2026-05-31", S_FIGS("40"));
    s_return("P4", FROM, TO, S_FIGS("100"));
    s_return("P5", FROM, TO, S_FIGS("40"));
    cr_assert(h_wait_for(s_h, "SELECT count(*) FROM reporting.benchmark_return", 0, NULL, "4",
                         20000),
              "the four returns reached reporting");
}

static void s_teardown(void)
{
    free(s_analyst);
    cr_assert_eq(h_destroy(&s_h), 0, "a daemon did not exit 0 on SIGTERM");
}

TestSuite(commissions, .init = s_setup, .fini = s_teardown, .timeout = 180);

static int s_ctl(char *out, size_t n, const char *args)
{
    char err[1024];
    int rc = h_ctl(s_h, "", out, n, err, sizeof err, "%s", args);
    if (rc != 0)
        snprintf(out, n, "%s", err);
    return rc;
}

/* ICB1's benchmark as JSON, asked as its analyst over the bus. */
static json_t *s_benchmark(void)
{
    Candour__V1__GetReport g = CANDOUR__V1__GET_REPORT__INIT;
    g.report = "benchmark";
    g.org_id = "ICB1";
    g.from = FROM;
    g.to = TO;
    g.format = "json";
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.acting = s_analyst;
    req.op_case = CANDOUR__V1__REQUEST__OP_GET_REPORT;
    req.get_report = &g;
    Candour__V1__Reply *r = h_call(s_h, "reporting", NULL, &req);
    cr_assert_null(r->error, "%s", r->error ? r->error->message : "");
    json_error_t e;
    json_t *o = json_loadb((const char *)r->attachment->content.data, r->attachment->content.len,
                           0, &e);
    cr_assert(o, "%s", e.text);
    candour__v1__reply__free_unpacked(r, NULL);
    return o;
}

static json_t *s_body(json_t *o, const char *body)
{
    size_t i;
    json_t *b;
    json_array_foreach(json_object_get(o, "bodies"), i, b)
    {
        if (strcmp(json_string_value(json_object_get(b, "body")), body) == 0)
            return b;
    }
    return NULL;
}

static json_t *s_ind(json_t *o, const char *body, const char *ind)
{
    json_t *b = s_body(o, body);
    cr_assert(b, "no body %s", body);
    return json_object_get(json_object_get(b, "indicators"), ind);
}

static void s_expect_figures(json_t *o, const char *body, const char *want)
{
    size_t i, j;
    json_t *t, *row;
    json_array_foreach(json_object_get(o, "tables"), i, t)
    {
        if (strcmp(json_string_value(json_object_get(t, "key")), "figures") != 0)
            continue;
        json_array_foreach(json_object_get(t, "rows"), j, row)
        {
            if (strcmp(json_string_value(json_object_get(row, "code")), body) != 0)
                continue;
            char *got = json_dumps(json_object_get(row, "values"), JSON_COMPACT);
            cr_expect_str_eq(got, want, "figures of %s", body);
            free(got);
            return;
        }
    }
    cr_expect_fail("no figures row for %s", body);
}

Test(commissions, L3_a_commissioner_compares_its_providers_by_candour_or_by_their_returns)
{
    char out[2048];
    /* Before: ICB1 has no complaints and no partners, so it is alone. */
    json_t *o = s_benchmark();
    cr_expect_eq(json_array_size(json_object_get(o, "bodies")), 1);
    json_decref(o);

    cr_assert_eq(s_ctl(out, sizeof out, "commissions add ICB1 P1 P2 P3 P4"), 0, "%s", out);
    cr_assert_eq(s_ctl(out, sizeof out, "commissions list ICB1"), 0, "%s", out);
    cr_expect(strstr(out, "P1") && strstr(out, "P4") && !strstr(out, "P5"), "%s", out);

    o = s_benchmark();
    cr_expect_eq(json_array_size(json_object_get(o, "bodies")), 5, "ICB1 and P1-P4, not P5");
    cr_expect_null(s_body(o, "P5"));
    static const char *const sources[][2] = {
        {"ICB1", "candour"}, {"P1", "candour"}, {"P2", "return"}, {"P3", "none"}, {"P4", "candour"}};
    for (size_t i = 0; i < 5; i++)
        cr_expect_str_eq(json_string_value(json_object_get(s_body(o, sources[i][0]), "source")),
                         sources[i][1], "%s", sources[i][0]);
    s_expect_figures(o, "P1", "[10,10,\"Candour\"]");
    s_expect_figures(o, "P2", "[40,30,\"Its return\"]");
    s_expect_figures(o, "P3", "[\"-\",\"-\",\"None\"]");
    s_expect_figures(o, "P4", "[6,0,\"Candour\"]");

    /* P1 from Candour: 5 of 10 in time, the median 22.5 working days. */
    cr_expect_float_eq(
        json_real_value(json_object_get(s_ind(o, "P1", "responded_in_time"), "value")), 0.5, 1e-9);
    cr_expect_float_eq(
        json_real_value(json_object_get(s_ind(o, "P1", "median_days_to_response"), "value")),
        22.5, 1e-9);
    /* P2 from its return: upheld wholly and in part, its own median. */
    cr_expect_float_eq(json_real_value(json_object_get(s_ind(o, "P2", "upheld"), "value")), 0.6,
                       1e-9);
    cr_expect_float_eq(
        json_real_value(json_object_get(s_ind(o, "P2", "median_days_to_response"), "value")),
        21.5, 1e-9);
    cr_expect_float_eq(
        json_real_value(json_object_get(s_ind(o, "P2", "acknowledged_in_3_days"), "value")), 0.9,
        1e-9);
    /* P3: no value anywhere. */
    cr_expect(json_is_false(json_object_get(s_ind(o, "P3", "acknowledged_in_3_days"),
                                            "has_value")));
    cr_expect(json_is_false(json_object_get(s_ind(o, "P3", "median_days_to_response"),
                                            "has_value")));
    /* Over all, 49/56; P4 below the 95% limit, its 3 of 6 suppressed. */
    cr_expect_float_eq(
        json_real_value(json_object_get(json_object_get(o, "overall"), "acknowledged_in_3_days")),
        49.0 / 56.0, 1e-9);
    json_t *p4 = s_ind(o, "P4", "acknowledged_in_3_days");
    cr_expect_str_eq(json_string_value(json_object_get(p4, "variation")), "below_95");
    cr_expect_str_eq(json_string_value(json_object_get(p4, "value")), "*");
    json_decref(o);

    /* Removed: P2 is no longer compared. */
    cr_assert_eq(s_ctl(out, sizeof out, "commissions remove ICB1 P2"), 0, "%s", out);
    o = s_benchmark();
    cr_expect_null(s_body(o, "P2"));
    cr_expect_eq(json_array_size(json_object_get(o, "bodies")), 4);
    json_decref(o);
}

Test(commissions, refusals_name_what_is_wrong_and_change_nothing)
{
    char out[2048];
    /* An unknown provider among known ones: nothing is added. */
    cr_expect_eq(s_ctl(out, sizeof out, "commissions add ICB1 P1 NOPE"), 2);
    cr_expect(strstr(out, "NOPE") && strstr(out, "provider"), "%s", out);
    cr_expect_eq(s_ctl(out, sizeof out, "commissions add NOBODY P1"), 2);
    cr_expect(strstr(out, "NOBODY") && strstr(out, "commissioner"), "%s", out);
    cr_expect_eq(s_ctl(out, sizeof out, "commissions add P1 P1"), 2);
    cr_expect(strstr(out, "itself"), "%s", out);
    cr_expect_eq(s_ctl(out, sizeof out, "commissions remove ICB1 P5"), 2);
    cr_expect(strstr(out, "does not commission"), "%s", out);
    cr_expect_eq(s_ctl(out, sizeof out, "commissions add ICB1"), 2);
    cr_expect_eq(h_count(s_h, "SELECT count(*) FROM reporting.commission", 0, NULL), 0);
}
