/* test_reporting_spc_signal.c - which rise an XmR chart's latest month is
 * raised by (spc_signal.h), each rule on a hand-made series where it alone
 * is the strongest at the latest point; the minimum chart and month; and
 * the months of a series. Every comment works out the chart: the mean,
 * mR-bar (the mean moving range), the upper process limit (mean + 2.66
 * mR-bar) and the upper two-sigma line (mean + 1.7730 mR-bar). */
#include <criterion/criterion.h>
#include <math.h>

#include "spc_signal.h"

#define MAXN 32

typedef struct {
    double x[MAXN];
    size_t n;
    spc_chart_t c;
    spc_point_t p[MAXN];
} s_case_t;

/* `pairs` alternating a, b (a first), then the tail. */
static s_case_t s_make(int pairs, double a, double b, const double *tail, size_t ntail)
{
    s_case_t s = {0};
    for (int i = 0; i < 2 * pairs; i++)
        s.x[s.n++] = i % 2 ? b : a;
    for (size_t i = 0; i < ntail; i++)
        s.x[s.n++] = tail[i];
    cd_fail_t f = {0};
    cr_assert_eq(spc_xmr(s.x, s.n, 1, &s.c, s.p, &f), 0, "%s", f.message);
    return s;
}

#define NEAR(got, want)                                                                            \
    cr_assert(fabs((got) - (want)) < 0.001, #got " = %.4f, want %.4f", got, want)

Test(spc_signal, a_month_above_the_upper_limit_is_an_increase)
{
    /* 10,12 x10 then 30: n 21, mean 250/21 = 11.905; mR 19 x 2 + 18 = 56
     * over 20 = 2.8; UPL 11.905 + 7.448 = 19.353. 30 is above it. */
    const double tail[] = {30};
    s_case_t s = s_make(10, 10, 12, tail, 1);
    NEAR(s.c.mean, 250.0 / 21);
    NEAR(s.c.mr_bar, 2.8);
    NEAR(s.c.upl, 250.0 / 21 + 2.66 * 2.8);
    cr_assert_eq(rp_spc_signal(s.x, s.n, &s.c, s.p), RP_SIG_INCREASE);
    cr_assert_str_eq(rp_signal_name(RP_SIG_INCREASE), "increase");
}

Test(spc_signal, two_of_three_above_two_sigma_is_a_cluster)
{
    /* 10,12 x9 then 15, 15: n 20, mean 228/20 = 11.4; mR 17 x 2 + 3 + 0 = 37
     * over 19 = 1.947; UPL 16.58 (neither 15 beyond); two sigma 11.4 +
     * 3.452 = 14.852: both 15s above it. The run above the mean is 3 long;
     * 15 to 15 is no step up, so no trend. */
    const double tail[] = {15, 15};
    s_case_t s = s_make(9, 10, 12, tail, 2);
    NEAR(s.c.hi2, 11.4 + 2.0 / 1.128 * 37.0 / 19);
    cr_assert(s.c.upl > 15);
    cr_assert_eq(rp_spc_signal(s.x, s.n, &s.c, s.p), RP_SIG_CLUSTER);
    cr_assert_str_eq(rp_signal_name(RP_SIG_CLUSTER), "cluster");
}

Test(spc_signal, seven_months_above_the_mean_is_a_sustained_increase)
{
    /* 8,10 x7 then 11,12,11,12,11,12,11: n 21, mean 206/21 = 9.810; mR
     * 13 x 2 + 1 + 6 x 1 = 33 over 20 = 1.65; UPL 14.199, two sigma 12.735:
     * nothing above either; the last 8 months (10 then the seven) are above
     * the mean. */
    const double tail[] = {11, 12, 11, 12, 11, 12, 11};
    s_case_t s = s_make(7, 8, 10, tail, 7);
    NEAR(s.c.mean, 206.0 / 21);
    NEAR(s.c.mr_bar, 1.65);
    cr_assert_eq(rp_spc_signal(s.x, s.n, &s.c, s.p), RP_SIG_SUSTAINED);
    cr_assert_str_eq(rp_signal_name(RP_SIG_SUSTAINED), "sustained-increase");
}

Test(spc_signal, seven_months_each_higher_is_a_rising_trend)
{
    /* 20,22 x10 then 14..20: n 27, mean 539/27 = 19.963; mR 19 x 2 + 8 + 6
     * = 52 over 26 = 2.0; UPL 25.283, two sigma 23.509. 20 is the only month
     * of the seven above the mean (no run); 14 to 20 rise every month. */
    const double tail[] = {14, 15, 16, 17, 18, 19, 20};
    s_case_t s = s_make(10, 20, 22, tail, 7);
    NEAR(s.c.mean, 539.0 / 27);
    cr_assert_eq(rp_spc_signal(s.x, s.n, &s.c, s.p), RP_SIG_RISING);
    cr_assert_str_eq(rp_signal_name(RP_SIG_RISING), "rising-trend");
}

Test(spc_signal, a_fall_beyond_the_lower_limit_is_no_rise)
{
    /* 10,12 x10 then 0: mean 220/21 = 10.476, mR (38 + 12)/20 = 2.5, LPL
     * 10.476 - 6.65 = 3.826: 0 is beyond it, on the low side. */
    const double tail[] = {0};
    s_case_t s = s_make(10, 10, 12, tail, 1);
    cr_assert(s.p[s.n - 1].rules & SPC_BEYOND);
    cr_assert_eq(rp_spc_rise(s.x, s.n, &s.c, s.p), RP_SIG_NONE);
}

Test(spc_signal, common_cause_is_no_rise)
{
    const double tail[] = {11};
    s_case_t s = s_make(10, 10, 12, tail, 1);
    cr_assert_eq(rp_spc_signal(s.x, s.n, &s.c, s.p), RP_SIG_NONE);
}

Test(spc_signal, a_chart_of_fewer_than_12_months_raises_nothing)
{
    /* 10,12 x5 then 30: n 11, mean 140/11 = 12.727, mR (18 + 18)/10 = 3.6,
     * UPL 22.3: 30 is above it, but the chart is 11 months. */
    const double tail[] = {30};
    s_case_t s = s_make(5, 10, 12, tail, 1);
    cr_assert_eq(rp_spc_rise(s.x, s.n, &s.c, s.p), RP_SIG_INCREASE);
    cr_assert_eq(rp_spc_signal(s.x, s.n, &s.c, s.p), RP_SIG_NONE);
    /* One month more and it is raised. */
    const double tail2[] = {11, 30};
    s = s_make(5, 10, 12, tail2, 2);
    cr_assert_eq(s.n, RP_SPC_MIN_POINTS);
    cr_assert_eq(rp_spc_signal(s.x, s.n, &s.c, s.p), RP_SIG_INCREASE);
}

Test(spc_signal, a_month_of_fewer_than_5_complaints_raises_nothing)
{
    /* 0 x19 then 4: mean 0.2, mR 4/19, UPL 0.76: 4 is above it. */
    const double tail[] = {4};
    s_case_t s = s_make(9, 0, 0, tail, 0);
    s.x[s.n++] = 0;
    s.x[s.n++] = 4;
    cd_fail_t f = {0};
    cr_assert_eq(spc_xmr(s.x, s.n, 1, &s.c, s.p, &f), 0);
    cr_assert_eq(rp_spc_rise(s.x, s.n, &s.c, s.p), RP_SIG_INCREASE);
    cr_assert_eq(rp_spc_signal(s.x, s.n, &s.c, s.p), RP_SIG_NONE);
}

Test(spc_signal, months_are_numbered_and_written_back)
{
    cr_assert_eq(rp_month_number("2026-03"), 2026 * 12 + 2);
    cr_assert_eq(rp_month_number("2026-13"), -1);
    cr_assert_eq(rp_month_number("2026-3"), -1);
    cr_assert_eq(rp_month_number("2026/03"), -1);
    cr_assert_eq(rp_month_number(NULL), -1);
    char t[8];
    rp_month_text(rp_month_number("2025-12") + 1, t);
    cr_assert_str_eq(t, "2026-01");
}

Test(spc_signal, a_series_starts_at_the_later_of_the_body_and_the_window)
{
    int last = rp_month_number("2026-10");
    double x[RP_SPC_MONTHS];
    /* The body began 3 months ago: 4 points, a month without is 0, a month
     * outside is ignored. */
    int m[] = {last - 5, last - 3, last};
    long n[] = {9, 7, 5};
    cr_assert_eq(rp_month_series(last - 3, last, m, n, 3, x), 4);
    cr_assert_eq(x[0], 7);
    cr_assert_eq(x[1], 0);
    cr_assert_eq(x[3], 5);
    /* A body older than the window: 24 points, the first 23 months back. */
    int m2[] = {last - 23, last - 24};
    long n2[] = {3, 8};
    cr_assert_eq(rp_month_series(last - 100, last, m2, n2, 2, x), RP_SPC_MONTHS);
    cr_assert_eq(x[0], 3);
    /* A body that begins after the month: nothing. */
    cr_assert_eq(rp_month_series(last + 1, last, m, n, 3, x), 0);
}
