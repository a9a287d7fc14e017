/* test_reporting_funnel.c - funnel plots (DOMAIN.md L3, L6): the overall
 * proportion, the 95% and 99.8% limits at a body's volume, each body's
 * flag, and the curve for drawing. Limits are worked by hand to 4 decimals
 * in the comments and compared to within 0.00005. */
#include <criterion/criterion.h>
#include <math.h>

#include "funnel.h"

#define NEAR(got, want)                                                                            \
    cr_assert(fabs((got) - (want)) < 0.00005, #got " = %.6f, want %.4f", got, want)

/* Six bodies; a target p of 800 / 1000 = 0.8:
 *   A  60 / 100  (0.60)      B  90 / 100 (0.90)     C  25 / 25 (1.00)
 *   D  15 / 25   (0.60)      E 610 / 750 (0.8133)   G   0 / 0  (no data)
 *   numerators 60 + 90 + 25 + 15 + 610 = 800; denominators 100 + 100 + 25
 *   + 25 + 750 = 1000. */
static const fnl_body_t s_bodies[] = {{60, 100}, {90, 100}, {25, 25}, {15, 25}, {610, 750}, {0, 0}};

Test(reporting_funnel, L3_the_target_is_all_numerators_over_all_denominators)
{
    cd_fail_t f = {0};
    cr_assert_eq(fnl_check(s_bodies, 6, &f), 0, "%s", f.message);
    NEAR(fnl_mean(s_bodies, 6), 0.8);
    /* Not the mean of the rates: (0.6 + 0.9 + 1 + 0.6 + 0.8133) / 5 = 0.7827. */
}

Test(reporting_funnel, L6_limits_are_p_plus_or_minus_z_standard_errors_at_n)
{
    /* n = 100: se = sqrt(0.8 x 0.2 / 100) = sqrt(0.0016) = 0.04.
     *   95%:   0.8 -/+ 1.96 x 0.04 = 0.8 -/+ 0.0784 -> 0.7216, 0.8784
     *   99.8%: 0.8 -/+ 3.09 x 0.04 = 0.8 -/+ 0.1236 -> 0.6764, 0.9236 */
    fnl_limits_t l = fnl_limits(0.8, 100);
    NEAR(l.lo95, 0.7216);
    NEAR(l.hi95, 0.8784);
    NEAR(l.lo998, 0.6764);
    NEAR(l.hi998, 0.9236);
    /* n = 750: se = sqrt(0.16 / 750) = sqrt(0.00021333) = 0.014606.
     *   95%:   -/+ 0.028628 -> 0.7714, 0.8286
     *   99.8%: -/+ 0.045132 -> 0.7549, 0.8451 */
    l = fnl_limits(0.8, 750);
    NEAR(l.lo95, 0.7714);
    NEAR(l.hi95, 0.8286);
    NEAR(l.lo998, 0.7549);
    NEAR(l.hi998, 0.8451);
}

Test(reporting_funnel, L6_limits_are_clipped_to_0_and_1)
{
    /* n = 25 at 0.8: se = sqrt(0.16 / 25) = 0.08. 99.8% upper: 0.8 + 3.09 x
     * 0.08 = 1.0472 -> 1. The others: 0.6432, 0.9568, 0.5528. */
    fnl_limits_t l = fnl_limits(0.8, 25);
    NEAR(l.lo95, 0.6432);
    NEAR(l.hi95, 0.9568);
    NEAR(l.lo998, 0.5528);
    NEAR(l.hi998, 1.0);
    /* n = 50 at 0.02: se = sqrt(0.0196 / 50) = sqrt(0.000392) = 0.019799.
     * 95%: 0.02 -/+ 0.038806 -> -0.0188 -> 0, and 0.0588; 99.8%: 0.02 -/+
     * 0.061179 -> 0, 0.0812. */
    l = fnl_limits(0.02, 50);
    NEAR(l.lo95, 0.0);
    NEAR(l.hi95, 0.0588);
    NEAR(l.lo998, 0.0);
    NEAR(l.hi998, 0.0812);
}

Test(reporting_funnel, L6_each_body_is_flagged_against_the_limits_at_its_own_volume)
{
    double p = 0;
    fnl_flag_t fl[6];
    cd_fail_t f = {0};
    cr_assert_eq(fnl_plot(s_bodies, 6, &p, fl, &f), 0, "%s", f.message);
    /* A 0.60 at n 100: below 0.7216 and below 0.6764 -> below 99.8%.
     * B 0.90 at n 100: above 0.8784, not above 0.9236 -> above 95%.
     * C 1.00 at n 25: above 0.9568; the 99.8% limit is clipped to 1 and 1
     *   is on it, not beyond -> above 95% only.
     * D 0.60 at n 25: below 0.6432, not below 0.5528 -> below 95%.
     * E 0.8133 at n 750: within 0.7714 .. 0.8286 -> within.
     * G no denominator -> no data. */
    const fnl_flag_t want[] = {FNL_BELOW_998, FNL_ABOVE_95, FNL_ABOVE_95,
                               FNL_BELOW_95,  FNL_WITHIN,   FNL_NO_DATA};
    for (int i = 0; i < 6; i++)
        cr_assert_eq(fl[i], want[i], "body %d: %s", i, fnl_flag_name(fl[i]));
    /* Volume matters: 0.86 is within at n 100 (< 0.8784) but beyond the
     * 99.8% limit at n 750 (> 0.8451): 645 / 750 = 0.86. */
    cr_assert_eq(fnl_flag(0.8, (fnl_body_t){86, 100}), FNL_WITHIN);
    cr_assert_eq(fnl_flag(0.8, (fnl_body_t){645, 750}), FNL_ABOVE_998);
}

Test(reporting_funnel, L6_the_curve_spreads_n_evenly_and_leaves_out_repeats)
{
    fnl_limits_t c[10];
    /* 25 .. 100 in 4 points: 25, 50, 75, 100.
     * n 50: se = sqrt(0.0032) = 0.056569 -> 95% 0.6891, 0.9109;
     *   99.8% 0.6252, 0.9748.
     * n 75: se = sqrt(0.0021333) = 0.046188 -> 95% 0.7095, 0.8905;
     *   99.8% 0.6573, 0.9427. */
    cr_assert_eq(fnl_curve(0.8, 25, 100, 4, c), 4);
    const long ns[] = {25, 50, 75, 100};
    for (int i = 0; i < 4; i++)
        cr_assert_eq(c[i].n, ns[i]);
    NEAR(c[1].lo95, 0.6891);
    NEAR(c[1].hi95, 0.9109);
    NEAR(c[1].lo998, 0.6252);
    NEAR(c[1].hi998, 0.9748);
    NEAR(c[2].lo95, 0.7095);
    NEAR(c[2].hi95, 0.8905);
    NEAR(c[2].lo998, 0.6573);
    NEAR(c[2].hi998, 0.9427);
    NEAR(c[3].hi95, 0.8784);
    /* 1 .. 3 in 10 points: only 1, 2 and 3 are whole numbers. */
    cr_assert_eq(fnl_curve(0.8, 1, 3, 10, c), 3);
    cr_assert_eq(c[0].n, 1);
    cr_assert_eq(c[1].n, 2);
    cr_assert_eq(c[2].n, 3);
}

Test(reporting_funnel, L3_bad_figures_are_refused_naming_the_body_and_field)
{
    cd_fail_t f = {0};
    double p;
    fnl_flag_t fl[2];
    const fnl_body_t more[] = {{5, 10}, {11, 10}};
    cr_assert_eq(fnl_plot(more, 2, &p, fl, &f), -1);
    cr_assert_eq(f.code, CD_CODE_INVALID_ARGUMENT);
    cr_assert_str_eq(f.field, "bodies[1].numerator");
    const fnl_body_t neg[] = {{5, 10}, {0, -1}};
    cr_assert_eq(fnl_plot(neg, 2, &p, fl, &f), -1);
    cr_assert_eq(f.code, CD_CODE_OUT_OF_RANGE);
    cr_assert_str_eq(f.field, "bodies[1].denominator");
    const fnl_body_t none[] = {{0, 0}, {0, 0}};
    cr_assert_eq(fnl_plot(none, 2, &p, fl, &f), -1);
    cr_assert_str_eq(f.field, "bodies");
}
