/* test_reporting_spc.c - XmR charts as "Making Data Count" reads them
 * (DOMAIN.md L6): a hand-made series for each special-cause rule firing
 * alone, one where none fires, and the icons. Each comment works out the
 * mean, the mean moving range (mR-bar), the process limits (mean +/- 2.66
 * mR-bar, the lower one floored at 0 for counts) and the two-sigma lines
 * (mean +/- 2/1.128 mR-bar = mean +/- 1.7730 mR-bar). */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "spc.h"

#define NEAR(got, want)                                                                            \
    cr_assert(fabs((got) - (want)) < 0.0005, #got " = %.6f, want %.3f", got, want)
#define MAXN 32

typedef struct {
    spc_chart_t c;
    spc_point_t p[MAXN];
} s_run_t;

static s_run_t s_chart(const double *x, size_t n)
{
    s_run_t r;
    cd_fail_t f = {0};
    cr_assert(n <= MAXN);
    cr_assert_eq(spc_xmr(x, n, 1, &r.c, r.p, &f), 0, "%s: %s", f.field, f.message);
    return r;
}

/* The rules that flag some point, and which points `rule` flags as a
 * string of '.' and '^' (high) 'v' (low). */
static unsigned s_all_rules(const s_run_t *r)
{
    unsigned all = 0;
    for (size_t i = 0; i < r->c.n; i++)
        all |= r->p[i].rules;
    return all;
}

static void s_points(const s_run_t *r, unsigned rule, const char *want)
{
    cr_assert_eq(strlen(want), r->c.n);
    for (size_t i = 0; i < r->c.n; i++) {
        char g = !(r->p[i].rules & rule) ? '.' : r->p[i].high ? '^' : 'v';
        cr_assert_eq(g, want[i], "point %zu: got %c want %c", i + 1, g, want[i]);
    }
}

/* 9 13 9 13 ... (12 points). */
static const double s_none[] = {9, 13, 9, 13, 9, 13, 9, 13, 9, 13, 9, 13};

Test(reporting_spc, L6_a_steady_series_fires_no_rule)
{
    /* mean = (6 x 9 + 6 x 13) / 12 = 132 / 12 = 11.
     * moving ranges: 11 of |13 - 9| = 4 -> mR-bar = 44 / 11 = 4.
     * limits 11 +/- 2.66 x 4 = 11 +/- 10.64 -> 0.36 .. 21.64.
     * two sigma 11 +/- 1.7730 x 4 = 11 +/- 7.0922 -> 3.908 .. 18.092.
     * Alternating sides: no run; alternating steps: no trend. */
    s_run_t r = s_chart(s_none, 12);
    NEAR(r.c.mean, 11.0);
    NEAR(r.c.mr_bar, 4.0);
    NEAR(r.c.upl, 21.64);
    NEAR(r.c.lpl, 0.36);
    NEAR(r.c.hi2, 18.092);
    NEAR(r.c.lo2, 3.908);
    cr_assert_eq(s_all_rules(&r), 0);
    cr_assert_eq(spc_variation(r.p, 12, SPC_HIGHER_BETTER), SPC_VAR_COMMON);
}

/* 6 14 ... 6 14 (14 points) then 40. */
static const double s_beyond[] = {6, 14, 6, 14, 6, 14, 6, 14, 6, 14, 6, 14, 6, 14, 40};

Test(reporting_spc, L6_rule_1_a_point_beyond_a_process_limit)
{
    /* mean = (7 x 6 + 7 x 14 + 40) / 15 = 180 / 15 = 12.
     * moving ranges: 13 of 8, then |40 - 14| = 26 -> 130 / 14 = 9.2857.
     * limits 12 +/- 2.66 x 9.2857 = 12 +/- 24.7 -> -12.7 (floored: 0) .. 36.7.
     * two sigma 12 +/- 1.7730 x 9.2857 = 12 +/- 16.464 -> 28.464 high.
     * 40 > 36.7: beyond. Only 40 is beyond two sigma, so no two of three;
     * sides and steps alternate until 14 -> 40: no run, no trend. */
    s_run_t r = s_chart(s_beyond, 15);
    NEAR(r.c.mean, 12.0);
    NEAR(r.c.mr_bar, 9.2857);
    NEAR(r.c.upl, 36.7);
    NEAR(r.c.lpl, 0.0);
    NEAR(r.c.hi2, 28.464);
    cr_assert_eq(s_all_rules(&r), SPC_BEYOND);
    s_points(&r, SPC_BEYOND, "..............^");
}

/* 5 15 5 15 5 15 5, then 11 13 11 13 11 13 11. */
static const double s_run7[] = {5, 15, 5, 15, 5, 15, 5, 11, 13, 11, 13, 11, 13, 11};

Test(reporting_spc, L6_rule_2_a_run_of_7_on_one_side_of_the_mean)
{
    /* mean = (4 x 5 + 3 x 15 + 4 x 11 + 3 x 13) / 14 = 148 / 14 = 10.5714.
     * moving ranges: 6 of 10, |11 - 5| = 6, 6 of 2 -> 78 / 13 = 6.
     * limits 10.5714 +/- 15.96 -> 0 (floored) .. 26.531.
     * two sigma 10.5714 +/- 10.6383 -> -0.067 .. 21.210: nothing beyond.
     * The last 7 points (11 and 13) are all above 10.5714: a run, high.
     * Steps: 5 -> 11 -> 13 rise, then alternate: no trend. */
    s_run_t r = s_chart(s_run7, 14);
    NEAR(r.c.mean, 10.5714);
    NEAR(r.c.mr_bar, 6.0);
    NEAR(r.c.upl, 26.531);
    NEAR(r.c.hi2, 21.210);
    cr_assert_eq(s_all_rules(&r), SPC_RUN_RULE);
    s_points(&r, SPC_RUN_RULE, ".......^^^^^^^");
    /* The icon reads the latest point: part of a high run. */
    cr_assert_eq(spc_variation(r.p, 14, SPC_LOWER_BETTER), SPC_VAR_CONCERNING_HIGH);
    /* Six of them is not a run: the first 13 points. */
    s_run_t six = s_chart(s_run7, 13);
    cr_assert_eq(s_all_rules(&six) & SPC_RUN_RULE, 0);
}

Test(reporting_spc, L6_rule_2_a_point_on_the_mean_breaks_a_run)
{
    /* 4 16 4 16 4 16 4, 13 14 13 13, 11, 13 14 13, 6 13 (17 points).
     * mean = (4 x 4 + 3 x 16 + 13+14+13+13 + 11 + 13+14+13 + 6 + 13) / 17
     *      = (16 + 48 + 53 + 11 + 40 + 19) / 17 = 187 / 17 = 11.
     * moving ranges: 6 of 12 = 72; 9; 1 1 0 2 2 1 1 = 8; 7; 7 -> 103 / 16
     * = 6.4375. limits 11 +/- 17.124 -> 0 .. 28.124; two sigma 11 +/-
     * 11.414 -> 22.414: nothing beyond. Above the mean: 13 14 13 13 (4),
     * then 11 ON the mean, then 13 14 13 (3): 7 if the 11 were skipped, but
     * it breaks the run, so no run. */
    const double x[] = {4, 16, 4, 16, 4, 16, 4, 13, 14, 13, 13, 11, 13, 14, 13, 6, 13};
    s_run_t r = s_chart(x, 17);
    NEAR(r.c.mean, 11.0);
    NEAR(r.c.mr_bar, 6.4375);
    NEAR(r.c.upl, 28.124);
    cr_assert_eq(s_all_rules(&r), 0);
}

/* 14 6 14 6 14, then 4 6 8 10 12 14 16, then 6 14 6. */
static const double s_trend[] = {14, 6, 14, 6, 14, 4, 6, 8, 10, 12, 14, 16, 6, 14, 6};

Test(reporting_spc, L6_rule_3_a_trend_of_7_rising_points)
{
    /* mean = (54 + 70 + 26) / 15 = 150 / 15 = 10.
     * moving ranges: 8 8 8 8, 10, 2 2 2 2 2 2, 10, 8 8 -> 80 / 14 = 5.7143.
     * limits 10 +/- 2.66 x 5.7143 = 10 +/- 15.2 -> 0 (floored) .. 25.2.
     * two sigma 10 +/- 10.1317 -> -0.132 .. 20.132: nothing beyond.
     * 4 6 8 10 12 14 16: 7 points, each higher than the one before: a
     * trend, high. It crosses the mean (4 6 8 below, 10 on, 12 14 16
     * above), so no run. The icon reads the latest point, 6: common. */
    s_run_t r = s_chart(s_trend, 15);
    NEAR(r.c.mean, 10.0);
    NEAR(r.c.mr_bar, 5.7143);
    NEAR(r.c.upl, 25.2);
    NEAR(r.c.hi2, 20.132);
    cr_assert_eq(s_all_rules(&r), SPC_TREND_RULE);
    s_points(&r, SPC_TREND_RULE, ".....^^^^^^^...");
    cr_assert_eq(spc_variation(r.p, 15, SPC_HIGHER_BETTER), SPC_VAR_COMMON);
    /* The same 7 falling (the series reversed) is a trend, low. */
    double rev[15];
    for (int i = 0; i < 15; i++)
        rev[i] = s_trend[14 - i];
    s_run_t d = s_chart(rev, 15);
    s_points(&d, SPC_TREND_RULE, "...vvvvvvv.....");
}

Test(reporting_spc, L6_rule_3_a_tie_breaks_a_trend)
{
    /* As above with 10 made 8: 4 6 8 8 12 14 16. 8 -> 8 is not a rise, so
     * the rises are 4 6 8 (3 points) and 8 12 14 16 (4): no trend.
     * mean = 148 / 15 = 9.8667; mR-bar 80 / 14 = 5.7143 (|8 - 8| = 0 and
     * |12 - 8| = 4 replace 2 and 2); limits 0 .. 25.067, two sigma 19.998:
     * nothing beyond, and the longest side is 4 6 8 8 below: no run. */
    const double x[] = {14, 6, 14, 6, 14, 4, 6, 8, 8, 12, 14, 16, 6, 14, 6};
    s_run_t r = s_chart(x, 15);
    NEAR(r.c.mean, 9.8667);
    NEAR(r.c.mr_bar, 5.7143);
    cr_assert_eq(s_all_rules(&r), 0);
}

/* 9 13 9 13 9 13 9 13 9, 24 24, 13 9 13 9 13 9 13 9 13. */
static const double s_two3[] = {9,  13, 9, 13, 9, 13, 9, 13, 9, 24,
                                24, 13, 9, 13, 9, 13, 9, 13, 9, 13};

Test(reporting_spc, L6_rule_4_two_of_three_points_beyond_two_sigma)
{
    /* mean = (9 x 9 + 9 x 13 + 2 x 24) / 20 = (81 + 117 + 48) / 20 = 12.3.
     * moving ranges: 8 of 4, |24 - 9| = 15, 0, |13 - 24| = 11, 8 of 4
     * -> 90 / 19 = 4.7368.
     * limits 12.3 +/- 2.66 x 4.7368 = 12.3 +/- 12.6 -> 0 .. 24.9: 24 is
     * within. two sigma 12.3 +/- 8.3986 -> 3.901 .. 20.699: both 24s are
     * beyond, two of the three 9 24 24 (and 24 24 13): flagged high.
     * Above the mean: 24 24 13, then 9: no run; 9 -> 24 -> 24 is a tie:
     * no trend. */
    s_run_t r = s_chart(s_two3, 20);
    NEAR(r.c.mean, 12.3);
    NEAR(r.c.mr_bar, 4.7368);
    NEAR(r.c.upl, 24.9);
    NEAR(r.c.hi2, 20.699);
    NEAR(r.c.lo2, 3.901);
    cr_assert_eq(s_all_rules(&r), SPC_TWO_OF_THREE);
    s_points(&r, SPC_TWO_OF_THREE, ".........^^.........");
}

Test(reporting_spc, L6_variation_icon_follows_the_latest_point_and_the_better_direction)
{
    /* s_beyond ends on 40 beyond the upper limit: special cause, high. */
    s_run_t r = s_chart(s_beyond, 15);
    cr_assert_eq(spc_variation(r.p, 15, SPC_HIGHER_BETTER), SPC_VAR_IMPROVING_HIGH);
    cr_assert_eq(spc_variation(r.p, 15, SPC_LOWER_BETTER), SPC_VAR_CONCERNING_HIGH);
    cr_assert_eq(spc_variation(r.p, 15, SPC_NEITHER), SPC_VAR_NEITHER_HIGH);
    /* Mirrored (50 - x): 44 36 ... then 10. mean 50 - 12 = 38, mR-bar the
     * same 9.2857, limits 38 +/- 24.7 -> 13.3 .. 62.7: 10 is below. */
    double low[15];
    for (int i = 0; i < 15; i++)
        low[i] = 50 - s_beyond[i];
    s_run_t l = s_chart(low, 15);
    NEAR(l.c.lpl, 13.3);
    s_points(&l, SPC_BEYOND, "..............v");
    cr_assert_eq(spc_variation(l.p, 15, SPC_LOWER_BETTER), SPC_VAR_IMPROVING_LOW);
    cr_assert_eq(spc_variation(l.p, 15, SPC_HIGHER_BETTER), SPC_VAR_CONCERNING_LOW);
    cr_assert_eq(spc_variation(l.p, 15, SPC_NEITHER), SPC_VAR_NEITHER_LOW);
}

Test(reporting_spc, L6_assurance_icon_is_where_the_target_lies_against_the_limits)
{
    /* s_none: limits 0.36 .. 21.64. */
    s_run_t r = s_chart(s_none, 12);
    /* Higher is better: a target of 0.2 is under the whole range (pass);
     * 25 is over it (fail); 15 lies between the limits (hit and miss), as
     * does a target exactly on a limit, 21.64. */
    cr_assert_eq(spc_assurance(&r.c, 1, 0.2, SPC_HIGHER_BETTER), SPC_ASSURE_PASS);
    cr_assert_eq(spc_assurance(&r.c, 1, 25, SPC_HIGHER_BETTER), SPC_ASSURE_FAIL);
    cr_assert_eq(spc_assurance(&r.c, 1, 15, SPC_HIGHER_BETTER), SPC_ASSURE_HIT_MISS);
    cr_assert_eq(spc_assurance(&r.c, 1, r.c.upl, SPC_HIGHER_BETTER), SPC_ASSURE_HIT_MISS);
    /* Lower is better: the other way round. */
    cr_assert_eq(spc_assurance(&r.c, 1, 25, SPC_LOWER_BETTER), SPC_ASSURE_PASS);
    cr_assert_eq(spc_assurance(&r.c, 1, 0.2, SPC_LOWER_BETTER), SPC_ASSURE_FAIL);
    cr_assert_eq(spc_assurance(&r.c, 1, 15, SPC_LOWER_BETTER), SPC_ASSURE_HIT_MISS);
    /* No target, or no direction: no icon. */
    cr_assert_eq(spc_assurance(&r.c, 0, 15, SPC_HIGHER_BETTER), SPC_ASSURE_NONE);
    cr_assert_eq(spc_assurance(&r.c, 1, 15, SPC_NEITHER), SPC_ASSURE_NONE);
    cr_assert_str_eq(spc_assurance_name(SPC_ASSURE_HIT_MISS), "hit_and_miss");
}

Test(reporting_spc, L6_a_series_too_short_or_a_negative_count_is_refused)
{
    spc_chart_t c;
    spc_point_t p[3];
    cd_fail_t f = {0};
    const double one[] = {5};
    cr_assert_eq(spc_xmr(one, 1, 1, &c, p, &f), -1);
    cr_assert_eq(f.code, CD_CODE_INVALID_ARGUMENT);
    cr_assert_str_eq(f.field, "x");
    const double neg[] = {5, -1, 3};
    cr_assert_eq(spc_xmr(neg, 3, 1, &c, p, &f), -1);
    cr_assert_eq(f.code, CD_CODE_OUT_OF_RANGE);
    cr_assert_str_eq(f.field, "x[1]");
    /* Not counts (a rate's change, say): negatives are values, and the
     * lower limit may go below 0: mean 7/3 = 2.3333, mR-bar (6 + 4) / 2 = 5,
     * lower limit 2.3333 - 13.3 = -10.967. */
    cr_assert_eq(spc_xmr(neg, 3, 0, &c, p, &f), 0);
    NEAR(c.lpl, -10.967);
    const double nan_x[] = {5, NAN};
    cr_assert_eq(spc_xmr(nan_x, 2, 0, &c, p, &f), -1);
    cr_assert_str_eq(f.field, "x[1]");
}
