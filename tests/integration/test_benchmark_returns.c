/* test_benchmark_returns.c - benchmarking returns over the bus (issue 15,
 * L3): another body sends its figures for a period on intake's CURVE
 * endpoint (SubmitBenchmarkReturn), the body being its key's organisation;
 * a return that breaks a rule (benchmark_return.h) is a typed error naming
 * the field and stores nothing; a good one reaches reporting.benchmark_return
 * through benchmark.returned; a second for the same period replaces the
 * first, and an older one never replaces a newer. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/client.h"
#include "candour/pbjson.h"
#include "harness.h"

static h_t *s_h;

static void s_setup(void)
{
    s_h = h_new("bmret");
    h_org(s_h, "TRUST-B");
    h_org(s_h, "TRUST-C");
    cr_assert_eq(h_start(s_h, "intake"), 0);
    cr_assert_eq(h_start(s_h, "reporting"), 0);
}

static void s_teardown(void)
{
    cr_assert_eq(h_destroy(&s_h), 0, "a daemon did not exit 0 on SIGTERM");
}

TestSuite(benchmark_returns, .init = s_setup, .fini = s_teardown, .timeout = 120);

/* Send a Request written as JSON with client c. */
static Candour__V1__Reply *s_send(cd_client_t *c, const char *json)
{
    cd_fail_t perr;
    Candour__V1__Request *req = (Candour__V1__Request *)cd_pbjson_parse(
        &candour__v1__request__descriptor, json, strlen(json), &perr);
    cr_assert(req, "bad test JSON: %s %s %s", cd_code_name(perr.code), perr.field, perr.message);
    Candour__V1__Reply *r = NULL;
    char err[256];
    int rc = cd_client_call(c, req, 10000, &r, err, sizeof err);
    candour__v1__request__free_unpacked(req, NULL);
    cr_assert_eq(rc, 0, "no reply: %s", err);
    return r;
}

/* SubmitBenchmarkReturn from org's key: the period, then the figures (a
 * JSON fragment of BenchmarkReturn's counts and median). */
static Candour__V1__Reply *s_return(const char *org, const char *from, const char *to,
                                    const char *figures)
{
    char json[1024];
    snprintf(json, sizeof json,
             "{\"submit_benchmark_return\": {\"benchmark_return\": {\"period_from\": \"%s\","
             " \"period_to\": \"%s\", \"submitted_by\": \"Head of Patient Experience\"%s%s}}}",
             from, to, figures[0] ? ", " : "", figures);
    cd_client_t *c = h_client(s_h, org);
    Candour__V1__Reply *r = s_send(c, json);
    cd_client_destroy(&c);
    return r;
}

static void s_expect_error(Candour__V1__Reply *r, const char *code, const char *field)
{
    cr_assert(r->error, "expected %s on %s, got a result", code, field);
    cr_assert_str_eq(r->error->code, code, "%s: %s", r->error->field, r->error->message);
    cr_assert_str_eq(r->error->field, field, "%s", r->error->message);
    candour__v1__reply__free_unpacked(r, NULL);
}

static void s_expect_done(Candour__V1__Reply *r)
{
    cr_assert_null(r->error, "%s: %s", r->error ? r->error->code : "",
                   r->error ? r->error->message : "");
    cr_assert(r->done, "no Done");
    candour__v1__reply__free_unpacked(r, NULL);
}

#define S_GOOD                                                                                     \
    "\"received\": 40, \"acknowledged_in_3_days\": 36, \"closed\": 30, \"responded_in_time\": 25," \
    " \"extended\": 4, \"upheld\": 10, \"partially_upheld\": 8, \"ombudsman_referred\": 3,"        \
    " \"ombudsman_upheld\": 1, \"median_days_to_response\": 21.5"
#define S_FIELD(f) "submit_benchmark_return.benchmark_return." f

/* What reporting keeps of TRUST-B's return for the quarter. */
static const char s_row[] =
    "SELECT received || '/' || acknowledged_in_3_days || '/' || closed || '/' ||"
    " responded_in_time || '/' || extended || '/' || upheld || '/' || partially_upheld || '/' ||"
    " ombudsman_referred || '/' || ombudsman_upheld || '/' ||"
    " coalesce(median_days_to_response::text, '-')"
    " FROM reporting.benchmark_return WHERE org_id = 'TRUST-B'"
    " AND period_from = '2026-04-01' AND period_to = '2026-06-30'";

static long s_events(void)
{
    return h_count(s_h, "SELECT count(*) FROM intake.outbox WHERE type = 'benchmark.returned'", 0,
                   NULL);
}

Test(benchmark_returns, L3_bad_returns_are_typed_errors_naming_the_field_and_store_nothing)
{
    /* negative: the wire's counts are unsigned, so a negative number is not a return at all */
    cd_fail_t perr;
    const char neg[] = "{\"submit_benchmark_return\": {\"benchmark_return\": {\"received\": -1}}}";
    cr_assert_null(cd_pbjson_parse(&candour__v1__request__descriptor, neg, sizeof neg - 1, &perr),
                   "a negative count is refused before it is sent");
    /* more upheld than closed */
    s_expect_error(s_return("TRUST-B", "2026-04-01", "2026-06-30",
                            "\"received\": 5, \"closed\": 3, \"upheld\": 4,"
                            " \"median_days_to_response\": 20"),
                   "INVALID_ARGUMENT", S_FIELD("upheld"));
    /* more upheld wholly and in part than closed: the part is named */
    s_expect_error(
        s_return("TRUST-B", "2026-04-01", "2026-06-30",
                 "\"received\": 5, \"closed\": 3, \"upheld\": 2, \"partially_upheld\": 2,"
                 " \"median_days_to_response\": 20"),
        "INVALID_ARGUMENT", S_FIELD("partially_upheld"));
    /* more acknowledged than received */
    s_expect_error(s_return("TRUST-B", "2026-04-01", "2026-06-30",
                            "\"received\": 5, \"acknowledged_in_3_days\": 6"),
                   "INVALID_ARGUMENT", S_FIELD("acknowledged_in_3_days"));
    /* a negative median */
    s_expect_error(s_return("TRUST-B", "2026-04-01", "2026-06-30",
                            "\"received\": 5, \"closed\": 3, \"median_days_to_response\": -1"),
                   "OUT_OF_RANGE", S_FIELD("median_days_to_response"));
    /* reversed period */
    s_expect_error(s_return("TRUST-B", "2026-06-30", "2026-04-01", S_GOOD), "INVALID_ARGUMENT",
                   S_FIELD("period_to"));
    /* future period */
    s_expect_error(s_return("TRUST-B", "2026-04-01", "2999-06-30", S_GOOD), "DATE_IN_FUTURE",
                   S_FIELD("period_to"));
    /* not a date */
    s_expect_error(s_return("TRUST-B", "2026-02-30", "2026-06-30", S_GOOD), "INVALID_DATE",
                   S_FIELD("period_from"));
    /* no return at all */
    cd_client_t *c2 = h_client(s_h, "TRUST-B");
    s_expect_error(s_send(c2, "{\"submit_benchmark_return\": {}}"), "REQUIRED",
                   "submit_benchmark_return.benchmark_return");
    cd_client_destroy(&c2);
    cr_assert_eq(s_events(), 0, "a refused return puts no event");
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM reporting.benchmark_return", 0, NULL), 0);
}

Test(benchmark_returns, L3_a_good_return_reaches_reporting_and_a_second_replaces_the_first)
{
    s_expect_done(s_return("TRUST-B", "2026-04-01", "2026-06-30", S_GOOD));
    cr_assert(h_wait_for(s_h, s_row, 0, NULL, "40/36/30/25/4/10/8/3/1/21.5", 15000),
              "the return did not reach reporting.benchmark_return");
    /* The body is the key's: the row is TRUST-B's, dated the day it came. */
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM reporting.benchmark_return WHERE org_id = 'TRUST-B'"
                         " AND submitted_on = (now() AT TIME ZONE 'Europe/London')::date",
                         0, NULL),
                 1);

    /* The same body and period again, corrected: the later one wins. */
    s_expect_done(s_return("TRUST-B", "2026-04-01", "2026-06-30",
                           "\"received\": 41, \"acknowledged_in_3_days\": 36, \"closed\": 31,"
                           " \"responded_in_time\": 26, \"extended\": 4, \"upheld\": 10,"
                           " \"partially_upheld\": 9, \"ombudsman_referred\": 3,"
                           " \"ombudsman_upheld\": 1, \"median_days_to_response\": 22"));
    cr_assert(h_wait_for(s_h, s_row, 0, NULL, "41/36/31/26/4/10/9/3/1/22", 15000),
              "the second return did not replace the first");
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM reporting.benchmark_return", 0, NULL), 1);

    /* Another period is another row; none closed keeps no median. */
    s_expect_done(s_return("TRUST-B", "2026-01-01", "2026-03-31",
                           "\"received\": 2, \"acknowledged_in_3_days\": 2"));
    cr_assert(h_wait_for(s_h,
                         "SELECT coalesce(median_days_to_response::text, '-') ||"
                         " received FROM reporting.benchmark_return WHERE org_id = 'TRUST-B'"
                         " AND period_from = '2026-01-01'",
                         0, NULL, "-2", 15000));

    /* An older return never replaces a newer one: as though the kept row
     * came later than anything sent now, the next return changes nothing
     * (the event is still taken, once). */
    h_exec(s_h, "UPDATE reporting.benchmark_return SET occurred_us = occurred_us + 3600000000"
                " WHERE period_from = '2026-04-01'");
    long taken = h_count(s_h,
                         "SELECT count(*) FROM reporting.inbox i JOIN intake.outbox o"
                         " ON o.event_id = i.event_id WHERE o.type = 'benchmark.returned'",
                         0, NULL);
    s_expect_done(s_return("TRUST-B", "2026-04-01", "2026-06-30", S_GOOD));
    char want[32];
    snprintf(want, sizeof want, "%ld", taken + 1);
    cr_assert(h_wait_for(s_h,
                         "SELECT count(*)::text FROM reporting.inbox i JOIN intake.outbox o"
                         " ON o.event_id = i.event_id WHERE o.type = 'benchmark.returned'",
                         0, NULL, want, 15000));
    char *row = h_scalar(s_h, s_row, 0, NULL);
    cr_assert_str_eq(row, "41/36/31/26/4/10/9/3/1/22");
    free(row);
}

Test(benchmark_returns, L3_each_body_returns_its_own_figures_only)
{
    /* The org_id of the Request is not who sends: the key is. */
    cd_client_t *c = h_client(s_h, "TRUST-C");
    s_expect_done(s_send(c, "{\"org_id\": \"TRUST-B\", \"submit_benchmark_return\":"
                            " {\"benchmark_return\": {\"period_from\": \"2026-04-01\","
                            " \"period_to\": \"2026-06-30\", \"submitted_by\": \"Complaints lead\","
                            " \"received\": 7}}}"));
    cd_client_destroy(&c);
    cr_assert(h_wait_for(s_h, "SELECT string_agg(org_id, ',') FROM reporting.benchmark_return", 0,
                         NULL, "TRUST-C", 15000));
    /* And no one but a key's organisation sends one: not the internal endpoint. */
    cd_client_t *in = h_internal_client(s_h, "intake");
    Candour__V1__Reply *r =
        s_send(in, "{\"org_id\": \"TRUST-B\", \"submit_benchmark_return\":"
                   " {\"benchmark_return\": {\"period_from\": \"2026-04-01\","
                   " \"period_to\": \"2026-06-30\", \"submitted_by\": \"x\"}}}");
    cr_assert(r->error);
    cr_assert_str_eq(r->error->code, "PERMISSION_DENIED");
    candour__v1__reply__free_unpacked(r, NULL);
    cd_client_destroy(&in);
    cr_assert_eq(s_events(), 1);
}
