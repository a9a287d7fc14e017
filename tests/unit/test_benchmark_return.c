/* test_benchmark_return.c - the rules of a benchmarking return (DOMAIN.md
 * L3, issue 15 "bad input"), written once in common/ (benchmark_return.h)
 * and taken by intake (the whole return) and reporting (the figures, and
 * the row benchmark.returned makes: benchmark_returns.h). Each test states
 * one rule; the good return is:
 *   2026-04-01..2026-06-30, received 40, acknowledged 36, closed 30,
 *   in time 25, extended 4, upheld 10, partly 8, Ombudsman 3 (1 upheld),
 *   median 21.5 working days, sent by the Head of Patient Experience. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "benchmark_returns.h"
#include "candour/benchmark_return.h"
#include "candour/calendar.h"

static Candour__V1__BenchmarkReturn s_r;
static cd_fail_t s_f;
static int32_t s_today;

static void s_good(void)
{
    candour__v1__benchmark_return__init(&s_r);
    s_r.period_from = "2026-04-01";
    s_r.period_to = "2026-06-30";
    s_r.received = 40;
    s_r.acknowledged_in_3_days = 36;
    s_r.closed = 30;
    s_r.responded_in_time = 25;
    s_r.extended = 4;
    s_r.upheld = 10;
    s_r.partially_upheld = 8;
    s_r.ombudsman_referred = 3;
    s_r.ombudsman_upheld = 1;
    s_r.median_days_to_response = 21.5;
    s_r.submitted_by = "Head of Patient Experience";
    memset(&s_f, 0, sizeof s_f);
    cd_date_t d;
    cr_assert_eq(cd_date_parse("2026-07-15", &d), 0);
    s_today = cd_date_to_days(d);
}

TestSuite(benchmark_return, .init = s_good);

/* The return is refused with code on field (prefixed as intake prefixes). */
static void s_refused(cd_code_t code, const char *field)
{
    cr_assert_eq(cd_br_return_check(&s_r, s_today, "b.", &s_f), -1, "taken, want %s on %s",
                 cd_code_name(code), field);
    cr_assert_eq(s_f.code, code, "%s on %s (%s), want %s", cd_code_name(s_f.code), s_f.field,
                 s_f.message, cd_code_name(code));
    char want[96];
    snprintf(want, sizeof want, "b.%s", field);
    cr_assert_str_eq(s_f.field, want);
    cr_assert(s_f.message[0]);
}

Test(benchmark_return, a_consistent_return_for_a_past_period_is_taken)
{
    cr_assert_eq(cd_br_return_check(&s_r, s_today, "b.", &s_f), 0, "%s: %s", s_f.field,
                 s_f.message);
    s_r.period_to = "2026-07-15"; /* ends today: over by the evening, taken */
    cr_assert_eq(cd_br_return_check(&s_r, s_today, "b.", &s_f), 0);
}

Test(benchmark_return, the_return_itself_is_required)
{
    cr_assert_eq(cd_br_return_check(NULL, s_today, "op.benchmark_return.", &s_f), -1);
    cr_assert_eq(s_f.code, CD_CODE_REQUIRED);
    cr_assert_str_eq(s_f.field, "op.benchmark_return");
}

Test(benchmark_return, the_period_is_two_dates)
{
    s_r.period_from = "2026-04-31";
    s_refused(CD_CODE_INVALID_DATE, "period_from");
    s_good();
    s_r.period_to = "";
    s_refused(CD_CODE_INVALID_DATE, "period_to");
}

Test(benchmark_return, a_reversed_period_is_refused_on_its_end)
{
    s_r.period_from = "2026-07-01";
    s_refused(CD_CODE_INVALID_ARGUMENT, "period_to");
    s_r.period_from = "2026-06-30"; /* one day is a period */
    cr_assert_eq(cd_br_return_check(&s_r, s_today, "b.", &s_f), 0);
}

Test(benchmark_return, a_period_ending_after_today_is_in_the_future)
{
    s_r.period_to = "2026-07-16";
    s_refused(CD_CODE_DATE_IN_FUTURE, "period_to");
}

Test(benchmark_return, submitted_by_is_a_job_title_required_short_and_plain)
{
    s_r.submitted_by = "";
    s_refused(CD_CODE_REQUIRED, "submitted_by");
    char lng[202];
    memset(lng, 'a', 201);
    lng[201] = 0;
    s_r.submitted_by = lng;
    s_refused(CD_CODE_TOO_LONG, "submitted_by");
    s_r.submitted_by = "Head\nof PALS";
    s_refused(CD_CODE_INVALID_TEXT, "submitted_by");
}

Test(benchmark_return, a_count_over_a_hundred_million_is_out_of_range)
{
    s_r.received = 100000001;
    s_refused(CD_CODE_OUT_OF_RANGE, "received");
}

Test(benchmark_return, a_negative_count_is_out_of_range)
{
    /* uint32 on the wire cannot be negative; the figures' rule still says it. */
    cd_br_figures_t b = cd_br_figures_of(&s_r);
    b.n[CD_BR_EXTENDED] = -1;
    cr_assert_eq(cd_br_figures_check(&b, NULL, NULL, &s_f), -1);
    cr_assert_eq(s_f.code, CD_CODE_OUT_OF_RANGE);
    cr_assert_str_eq(s_f.field, "extended");
    cr_assert(strstr(s_f.message, "negative"));
}

Test(benchmark_return, more_acknowledged_than_received_is_refused)
{
    s_r.acknowledged_in_3_days = 41;
    s_refused(CD_CODE_INVALID_ARGUMENT, "acknowledged_in_3_days");
}

Test(benchmark_return, more_responded_in_time_or_extended_than_closed_is_refused)
{
    s_r.responded_in_time = 31;
    s_refused(CD_CODE_INVALID_ARGUMENT, "responded_in_time");
    s_good();
    s_r.extended = 31;
    s_refused(CD_CODE_INVALID_ARGUMENT, "extended");
}

Test(benchmark_return, more_upheld_than_closed_names_upheld)
{
    s_r.upheld = 31;
    s_refused(CD_CODE_INVALID_ARGUMENT, "upheld");
}

Test(benchmark_return, upheld_wholly_and_in_part_together_over_closed_names_the_part)
{
    s_r.upheld = 20;
    s_r.partially_upheld = 10; /* 30 of 30: taken */
    cr_assert_eq(cd_br_return_check(&s_r, s_today, "b.", &s_f), 0);
    s_r.partially_upheld = 11;
    s_refused(CD_CODE_INVALID_ARGUMENT, "partially_upheld");
}

Test(benchmark_return, ombudsman_referred_over_closed_and_upheld_over_referred_are_refused)
{
    s_r.ombudsman_referred = 31;
    s_r.ombudsman_upheld = 0;
    s_refused(CD_CODE_INVALID_ARGUMENT, "ombudsman_referred");
    s_good();
    s_r.ombudsman_upheld = 4;
    s_refused(CD_CODE_INVALID_ARGUMENT, "ombudsman_upheld");
}

Test(benchmark_return, a_median_with_none_closed_is_refused_and_none_needs_none)
{
    s_r.received = s_r.acknowledged_in_3_days = 0;
    s_r.closed = s_r.responded_in_time = s_r.extended = s_r.upheld = s_r.partially_upheld = 0;
    s_r.ombudsman_referred = s_r.ombudsman_upheld = 0;
    s_refused(CD_CODE_INVALID_ARGUMENT, "median_days_to_response");
    s_r.median_days_to_response = 0;
    cr_assert_eq(cd_br_return_check(&s_r, s_today, "b.", &s_f), 0);
}

Test(benchmark_return, the_median_is_finite_and_not_negative)
{
    s_r.median_days_to_response = -0.5;
    s_refused(CD_CODE_OUT_OF_RANGE, "median_days_to_response");
    s_r.median_days_to_response = NAN;
    s_refused(CD_CODE_OUT_OF_RANGE, "median_days_to_response");
    s_r.median_days_to_response = 0; /* all answered the day they came: a median of 0 */
    cr_assert_eq(cd_br_return_check(&s_r, s_today, "b.", &s_f), 0);
}

Test(benchmark_return, a_closed_count_needs_a_median_when_the_figures_say_none)
{
    cd_br_figures_t b = cd_br_figures_of(&s_r);
    b.has_median = 0;
    cr_assert_eq(cd_br_figures_check(&b, "x.", NULL, &s_f), -1);
    cr_assert_eq(s_f.code, CD_CODE_REQUIRED);
    cr_assert_str_eq(s_f.field, "x.median_days_to_response");
}

Test(benchmark_return, a_caller_names_the_fields_its_own_way)
{
    static const char *const names[CD_BR_NFIELDS] = {
        "r", "a", "c", "t", "e", "u", "p", "o", "ou", "m",
    };
    cd_br_figures_t b = cd_br_figures_of(&s_r);
    b.n[CD_BR_UPHELD] = 31;
    cr_assert_eq(cd_br_figures_check(&b, "bodies[2].", names, &s_f), -1);
    cr_assert_str_eq(s_f.field, "bodies[2].u");
}

/* ------------------------------------------- reporting's row (rp_bmr_row) */

static Candour__V1__Envelope s_env(int64_t at_us)
{
    Candour__V1__Envelope e = CANDOUR__V1__ENVELOPE__INIT;
    e.event_id = "7d0c2c1e-4b0a-4c36-9d0c-1f1c2e3d4a5b";
    e.type = "benchmark.returned";
    e.occurred_at_us = at_us;
    return e;
}

Test(benchmark_return, reporting_keeps_codes_counts_and_dates_never_who_sent_it)
{
    Candour__V1__BenchmarkReturned ev = CANDOUR__V1__BENCHMARK_RETURNED__INIT;
    ev.org_id = "RXX";
    ev.benchmark_return = &s_r;
    ev.submitted_at = "2026-07-15T09:00:00Z";
    /* 2026-07-15T23:30:00Z is 00:30 on the 16th in London (BST). */
    Candour__V1__Envelope env = s_env(1784158200LL * 1000000);
    rp_bmr_row_t row;
    cr_assert_eq(rp_bmr_row(&env, &ev.base, &row, &s_f), 0, "%s: %s", s_f.field, s_f.message);
    const char *want[RP_BMR_NPARAMS] = {
        "RXX",  "2026-04-01", "2026-06-30",      "40", "36", "30", "25", "4", "10", "8", "3", "1",
        "21.5", "2026-07-16", "1784158200000000"};
    for (int i = 0; i < RP_BMR_NPARAMS; i++)
        cr_assert_str_eq(row.v[i], want[i], "$%d", i + 1);
    cr_assert_not(row.median_null);
    for (int i = 0; i < RP_BMR_NPARAMS; i++)
        cr_assert_null(strstr(row.v[i], "Patient"), "the sender's title is not kept");
}

Test(benchmark_return, reporting_refuses_a_return_that_breaks_the_rules_or_has_no_body_code)
{
    Candour__V1__BenchmarkReturned ev = CANDOUR__V1__BENCHMARK_RETURNED__INIT;
    ev.org_id = "Mrs Smith";
    ev.benchmark_return = &s_r;
    Candour__V1__Envelope env = s_env(1);
    rp_bmr_row_t row;
    cr_assert_eq(rp_bmr_row(&env, &ev.base, &row, &s_f), -1);
    cr_assert_str_eq(s_f.field, "org_id");
    ev.org_id = "RXX";
    s_r.upheld = 31;
    cr_assert_eq(rp_bmr_row(&env, &ev.base, &row, &s_f), -1);
    cr_assert_str_eq(s_f.field, "benchmark_return.upheld");
    /* The day is intake's to judge: a period ending after reporting's today is kept. */
    s_r.upheld = 10;
    s_r.period_to = "2099-12-31";
    cr_assert_eq(rp_bmr_row(&env, &ev.base, &row, &s_f), 0);
}

Test(benchmark_return, reporting_keeps_no_median_when_none_closed)
{
    Candour__V1__BenchmarkReturn z = CANDOUR__V1__BENCHMARK_RETURN__INIT;
    z.period_from = z.period_to = "2026-05-01";
    z.received = 2;
    z.submitted_by = "Complaints lead";
    Candour__V1__BenchmarkReturned ev = CANDOUR__V1__BENCHMARK_RETURNED__INIT;
    ev.org_id = "RXX";
    ev.benchmark_return = &z;
    Candour__V1__Envelope env = s_env(5);
    rp_bmr_row_t row;
    cr_assert_eq(rp_bmr_row(&env, &ev.base, &row, &s_f), 0, "%s: %s", s_f.field, s_f.message);
    cr_assert(row.median_null);
    cr_assert_str_eq(row.v[14], "5");
}
