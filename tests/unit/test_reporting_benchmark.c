/* test_reporting_benchmark.c - benchmarking bodies against targets (DOMAIN.md
 * L3): each indicator, met or not, variation on the funnel, the best
 * performers, the median helper, and the refusals of a benchmarking return.
 * The six bodies' figures and every expected answer are worked in the
 * comments. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "benchmark.h"

#define NEAR(got, want)                                                                            \
    cr_assert(fabs((got) - (want)) < 0.00005, #got " = %.6f, want %.4f", got, want)

/*        received ack closed in-time ext upheld omb-ref omb-up median
 *   A       100    95    80     72     8    40      4      1     18
 *   B       200   150   200    120    40    90     10      5     25
 *   C        50    49    40     36     2    12      0      0     12
 *   D       150   146    80     72    10    38      6      0     20.5
 *   E       100   100   100    100     0     5      0      0     10
 *   F         0     0     0      0     0     0      0      0     -   */
static const bm_figures_t s_bodies[] = {
    {"A", 100, 95, 80, 72, 8, 40, 4, 1, 1, 18},   {"B", 200, 150, 200, 120, 40, 90, 10, 5, 1, 25},
    {"C", 50, 49, 40, 36, 2, 12, 0, 0, 1, 12},    {"D", 150, 146, 80, 72, 10, 38, 6, 0, 1, 20.5},
    {"E", 100, 100, 100, 100, 0, 5, 0, 0, 1, 10}, {"F", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
};
#define N 6

static const bm_target_t s_targets[] = {
    {BM_ACKNOWLEDGED, 0.95, SPC_HIGHER_BETTER},
    {BM_RESPONDED_IN_TIME, 0.9, SPC_HIGHER_BETTER},
    {BM_MEDIAN_DAYS, 20, SPC_LOWER_BETTER},
};

static bm_result_t s_out[N * BM_IND_COUNT];
static double s_overall[BM_IND_COUNT];

static void s_compute(void)
{
    cd_fail_t f = {0};
    cr_assert_eq(bm_compute(s_bodies, N, s_targets, 3, s_out, s_overall, &f), 0, "%s: %s", f.field,
                 f.message);
}

static const bm_result_t *s_r(int body, bm_indicator_t ind)
{
    return &s_out[body * BM_IND_COUNT + ind];
}

enum { A, B, C, D, E, F };

Test(reporting_benchmark, L3_acknowledged_in_3_days_against_its_target_and_the_funnel)
{
    s_compute();
    /* Rates: A 95/100 = 0.95, B 150/200 = 0.75, C 49/50 = 0.98,
     * D 146/150 = 0.9733, E 100/100 = 1, F none (received 0).
     * Overall 540 / 600 = 0.9. Target 0.95, higher better: A (on it), C, D,
     * E met; B not. Funnel around 0.9 (se = sqrt(0.09 / n)):
     *   A n 100: se 0.03;     95% 0.8412..0.9588 -> 0.95 within
     *   B n 200: se 0.021213; 99.8% low 0.8345   -> 0.75 below 99.8%
     *   C n 50:  se 0.042426; 95% high 0.9832    -> 0.98 within
     *   D n 150: se 0.024495; 95% high 0.9480, 99.8% high 0.9757
     *                                            -> 0.9733 above 95%
     *   E n 100: 99.8% high 0.9927               -> 1 above 99.8%
     * Higher is better: signals A 0, B -1, C 0, D +1, E +1.
     * Best performers: 5 bodies with a value, ceil(5 / 4) = 2 in the top
     * quartile: E (1) and C (0.98); the best: E. */
    NEAR(s_overall[BM_ACKNOWLEDGED], 0.9);
    const double rate[] = {0.95, 0.75, 0.98, 146.0 / 150, 1.0};
    const int met[] = {1, 0, 1, 1, 1};
    const fnl_flag_t var[] = {FNL_WITHIN, FNL_BELOW_998, FNL_WITHIN, FNL_ABOVE_95, FNL_ABOVE_998};
    const int signal[] = {0, -1, 0, 1, 1};
    const int top[] = {0, 0, 1, 0, 1};
    for (int i = A; i <= E; i++) {
        const bm_result_t *r = s_r(i, BM_ACKNOWLEDGED);
        cr_assert(r->has_value && r->has_target);
        NEAR(r->value, rate[i]);
        cr_assert_eq(r->met, met[i], "body %c met", 'A' + i);
        cr_assert_eq(r->variation, var[i], "body %c: %s", 'A' + i, fnl_flag_name(r->variation));
        cr_assert_eq(r->signal, signal[i], "body %c signal", 'A' + i);
        cr_assert_eq(r->top_quartile, top[i], "body %c top quartile", 'A' + i);
        cr_assert_eq(r->best, i == E, "body %c best", 'A' + i);
    }
    const bm_result_t *f = s_r(F, BM_ACKNOWLEDGED);
    cr_assert(!f->has_value && !f->met && !f->top_quartile && f->variation == FNL_NO_DATA);
}

Test(reporting_benchmark, L3_bodies_tied_with_the_last_of_the_top_quartile_are_named_too)
{
    s_compute();
    /* Responded in time: A 72/80 = 0.9, B 120/200 = 0.6, C 36/40 = 0.9,
     * D 72/80 = 0.9, E 100/100 = 1. Overall 400 / 500 = 0.8.
     * Ranked: E 1; then A, C, D tied at 0.9; B 0.6. The top quartile is the
     * 2 best, and the second place is a three-way tie: E, A, C and D are
     * all in it (one body better than each of A, C, D: 1 < 2). B is not.
     * Target 0.9: all but B met (0.9 is on it). */
    NEAR(s_overall[BM_RESPONDED_IN_TIME], 0.8);
    const int top[] = {1, 0, 1, 1, 1};
    const int met[] = {1, 0, 1, 1, 1};
    for (int i = A; i <= E; i++) {
        cr_assert_eq(s_r(i, BM_RESPONDED_IN_TIME)->top_quartile, top[i], "body %c", 'A' + i);
        cr_assert_eq(s_r(i, BM_RESPONDED_IN_TIME)->met, met[i], "body %c", 'A' + i);
        cr_assert_eq(s_r(i, BM_RESPONDED_IN_TIME)->best, i == E);
    }
}

Test(reporting_benchmark, L3_median_days_lower_is_better_and_has_no_funnel)
{
    s_compute();
    /* Medians 18, 25, 12, 20.5, 10 (F none). Overall: the median of the
     * five, sorted 10 12 18 20.5 25 -> 18. Target 20, lower better: A 18,
     * C 12, E 10 met; B 25, D 20.5 not. Best E (10); top quartile (2):
     * E and C. No funnel for a median: no data, no signal. */
    NEAR(s_overall[BM_MEDIAN_DAYS], 18.0);
    const int met[] = {1, 0, 1, 0, 1};
    const int top[] = {0, 0, 1, 0, 1};
    for (int i = A; i <= E; i++) {
        const bm_result_t *r = s_r(i, BM_MEDIAN_DAYS);
        cr_assert_eq(r->met, met[i], "body %c", 'A' + i);
        cr_assert_eq(r->top_quartile, top[i], "body %c", 'A' + i);
        cr_assert_eq(r->variation, FNL_NO_DATA);
        cr_assert_eq(r->signal, 0);
    }
    cr_assert(!s_r(F, BM_MEDIAN_DAYS)->has_value);
}

Test(reporting_benchmark, L3_upheld_has_no_direction_so_variation_without_a_verdict)
{
    s_compute();
    /* Upheld: A 40/80 = 0.5, B 90/200 = 0.45, C 12/40 = 0.3, D 38/80 = 0.475,
     * E 5/100 = 0.05. Overall 185 / 500 = 0.37 (p(1-p) = 0.2331).
     *   A n 80:  se 0.053979; 95% high 0.4758, 99.8% 0.5368 -> above 95%
     *   B n 200: se 0.034139; 95% high 0.4369, 99.8% 0.4755 -> above 95%
     *   C n 40:  se 0.076338; 95% 0.2204..0.5196            -> within
     *   D n 80:  95% high 0.4758                            -> within (0.475)
     *   E n 100: se 0.048280; 99.8% low 0.2208              -> below 99.8%
     * No target, no default direction: signal 0, nobody ranked. */
    NEAR(s_overall[BM_UPHELD], 0.37);
    const fnl_flag_t var[] = {FNL_ABOVE_95, FNL_ABOVE_95, FNL_WITHIN, FNL_WITHIN, FNL_BELOW_998};
    for (int i = A; i <= E; i++) {
        const bm_result_t *r = s_r(i, BM_UPHELD);
        cr_assert_eq(r->variation, var[i], "body %c: %s", 'A' + i, fnl_flag_name(r->variation));
        cr_assert(!r->signal && !r->best && !r->top_quartile && !r->has_target);
    }
}

Test(reporting_benchmark, L3_ombudsman_upheld_counts_only_bodies_with_referrals)
{
    s_compute();
    /* Upheld by the Ombudsman of referred: A 1/4 = 0.25, B 5/10 = 0.5,
     * D 0/6 = 0; C and E referred none (no value). Overall 6 / 20 = 0.3.
     * 3 bodies with a value: the top quartile is ceil(3 / 4) = 1: D, the
     * best (lower is better). */
    NEAR(s_overall[BM_OMBUDSMAN_UPHELD], 0.3);
    cr_assert(!s_r(C, BM_OMBUDSMAN_UPHELD)->has_value);
    cr_assert(!s_r(E, BM_OMBUDSMAN_UPHELD)->has_value);
    cr_assert(s_r(D, BM_OMBUDSMAN_UPHELD)->best && s_r(D, BM_OMBUDSMAN_UPHELD)->top_quartile);
    cr_assert(!s_r(A, BM_OMBUDSMAN_UPHELD)->top_quartile);
    /* Extended, lower better: E 0/100 best; C 2/40 = 0.05 second; overall
     * (8 + 40 + 2 + 10 + 0) / 500 = 0.12. */
    NEAR(s_overall[BM_EXTENDED], 0.12);
    cr_assert(s_r(E, BM_EXTENDED)->best && s_r(C, BM_EXTENDED)->top_quartile);
    cr_assert(!s_r(A, BM_EXTENDED)->top_quartile);
}

Test(reporting_benchmark, L3_the_median_is_the_middle_value_or_the_mean_of_the_two)
{
    double m = -1;
    double none[1];
    cr_assert_eq(bm_median(none, 0, &m), -1);
    double one[] = {5};
    cr_assert_eq(bm_median(one, 1, &m), 0);
    NEAR(m, 5.0);
    double odd[] = {3, 1, 2}; /* sorted 1 2 3 -> 2 */
    bm_median(odd, 3, &m);
    NEAR(m, 2.0);
    double even[] = {4, 1, 3, 2}; /* sorted 1 2 3 4 -> (2 + 3) / 2 = 2.5 */
    bm_median(even, 4, &m);
    NEAR(m, 2.5);
    cr_assert(even[0] == 1 && even[3] == 4, "sorted in place");
}

static void s_refused(bm_figures_t b, const char *code, const char *field, const char *in_msg)
{
    cd_fail_t f = {0};
    cr_assert_eq(bm_check(&b, &f), -1, "accepted; wanted %s", field);
    cr_assert_str_eq(cd_code_name(f.code), code, "%s: %s", f.field, f.message);
    cr_assert_str_eq(f.field, field, "%s", f.message);
    cr_assert(strstr(f.message, in_msg), "%s", f.message);
}

Test(reporting_benchmark, L3_a_return_with_negative_or_inconsistent_figures_is_refused_naming_it)
{
    bm_figures_t ok = s_bodies[A];
    cd_fail_t f = {0};
    cr_assert_eq(bm_check(&ok, &f), 0, "%s", f.message);

    bm_figures_t b = ok;
    b.received = -1;
    s_refused(b, "OUT_OF_RANGE", "received", "negative");
    b = ok;
    b.acknowledged = 101; /* of 100 received */
    s_refused(b, "INVALID_ARGUMENT", "acknowledged", "more acknowledged than received");
    b = ok;
    b.upheld = 81; /* of 80 closed */
    s_refused(b, "INVALID_ARGUMENT", "upheld", "more upheld than closed");
    b = ok;
    b.responded_in_time = 81;
    s_refused(b, "INVALID_ARGUMENT", "responded_in_time", "than closed");
    b = ok;
    b.ombudsman_upheld = 5; /* of 4 referred */
    s_refused(b, "INVALID_ARGUMENT", "ombudsman_upheld", "than referred");
    b = ok;
    b.has_median = 0;
    s_refused(b, "REQUIRED", "median_days", "median");
    b = ok;
    b.median_days = -2;
    s_refused(b, "OUT_OF_RANGE", "median_days", "negative");
    b = s_bodies[F];
    b.has_median = 1;
    s_refused(b, "INVALID_ARGUMENT", "median_days", "no complaint closed");
    b = ok;
    b.body = "";
    s_refused(b, "REQUIRED", "body", "body");
}

Test(reporting_benchmark, L3_in_a_benchmark_the_body_at_fault_is_named_and_nothing_computed)
{
    bm_figures_t bodies[N];
    memcpy(bodies, s_bodies, sizeof bodies);
    bodies[D].upheld = 81; /* D closed 80 */
    cd_fail_t f = {0};
    bm_result_t out[N * BM_IND_COUNT];
    memset(out, 0x5a, sizeof out);
    cr_assert_eq(bm_compute(bodies, N, s_targets, 3, out, NULL, &f), -1);
    cr_assert_str_eq(f.field, "bodies[3].upheld");
    cr_assert_eq(((unsigned char *)out)[0], 0x5a, "out untouched");
}

Test(reporting_benchmark, L3_targets_are_data_checked_before_use)
{
    cd_fail_t f = {0};
    cr_assert_eq(bm_indicator_from_name("responded_in_time"), BM_RESPONDED_IN_TIME);
    cr_assert_eq(bm_indicator_from_name("speed"), -1);
    cr_assert_str_eq(bm_indicator_name(BM_MEDIAN_DAYS), "median_days_to_response");
    const bm_target_t twice[] = {{BM_EXTENDED, 0.1, SPC_LOWER_BETTER},
                                 {BM_EXTENDED, 0.2, SPC_LOWER_BETTER}};
    cr_assert_eq(bm_targets_check(twice, 2, &f), -1);
    cr_assert_str_eq(f.field, "targets[1].indicator");
    cr_assert_eq(f.code, CD_CODE_ALREADY_EXISTS);
    const bm_target_t over[] = {{BM_UPHELD, 1.5, SPC_LOWER_BETTER}};
    cr_assert_eq(bm_targets_check(over, 1, &f), -1);
    cr_assert_str_eq(f.field, "targets[0].value");
    const bm_target_t days[] = {{BM_MEDIAN_DAYS, 25, SPC_LOWER_BETTER}};
    cr_assert_eq(bm_targets_check(days, 1, &f), 0, "25 days is a median target");
    const bm_target_t nodir[] = {{BM_UPHELD, 0.3, SPC_NEITHER}};
    cr_assert_eq(bm_targets_check(nodir, 1, &f), -1);
    cr_assert_str_eq(f.field, "targets[0].better");
}
