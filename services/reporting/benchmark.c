/* benchmark.c - bodies against targets and each other (benchmark.h). */
#include "benchmark.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    spc_direction_t better;
} s_inds[BM_IND_COUNT] = {
    [BM_ACKNOWLEDGED] = {"acknowledged_in_3_days", SPC_HIGHER_BETTER},
    [BM_RESPONDED_IN_TIME] = {"responded_in_time", SPC_HIGHER_BETTER},
    [BM_MEDIAN_DAYS] = {"median_days_to_response", SPC_LOWER_BETTER},
    [BM_EXTENDED] = {"extended", SPC_LOWER_BETTER},
    /* A lower upheld rate may be a body that finds fault less readily, not
     * one that fails less: no direction unless a target gives one. */
    [BM_UPHELD] = {"upheld", SPC_NEITHER},
    [BM_OMBUDSMAN_REFERRED] = {"ombudsman_referred", SPC_LOWER_BETTER},
    [BM_OMBUDSMAN_UPHELD] = {"ombudsman_upheld", SPC_LOWER_BETTER},
};

const char *bm_indicator_name(bm_indicator_t ind)
{
    assert((unsigned)ind < BM_IND_COUNT);
    return s_inds[ind].name;
}

int bm_indicator_from_name(const char *name)
{
    for (int i = 0; name && i < BM_IND_COUNT; i++)
        if (strcmp(name, s_inds[i].name) == 0)
            return i;
    return -1;
}

spc_direction_t bm_indicator_direction(bm_indicator_t ind)
{
    assert((unsigned)ind < BM_IND_COUNT);
    return s_inds[ind].better;
}

static int s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int bm_median(double *v, size_t n, double *out)
{
    assert(out && (v || n == 0));
    if (n == 0)
        return -1;
    qsort(v, n, sizeof *v, s_cmp_double);
    *out = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    return 0;
}

/* --------------------------------------------------------------- the return */

static int s_fail(cd_fail_t *f, cd_code_t code, const char *prefix, const char *field,
                  const char *msg)
{
    char path[96];
    snprintf(path, sizeof path, "%s%s", prefix, field);
    return cd_fail(f, code, path, "%s", msg);
}

/* bm_figures_t's field names for the rules' fields (benchmark_return.h):
 * upheld here is wholly or partly, so no part is ever given apart. */
static const char *const s_fig_names[CD_BR_NFIELDS] = {
    [CD_BR_RECEIVED] = "received",
    [CD_BR_ACKNOWLEDGED] = "acknowledged",
    [CD_BR_CLOSED] = "closed",
    [CD_BR_RESPONDED_IN_TIME] = "responded_in_time",
    [CD_BR_EXTENDED] = "extended",
    [CD_BR_UPHELD] = "upheld",
    [CD_BR_PARTIALLY_UPHELD] = "upheld",
    [CD_BR_OMBUDSMAN_REFERRED] = "ombudsman_referred",
    [CD_BR_OMBUDSMAN_UPHELD] = "ombudsman_upheld",
    [CD_BR_MEDIAN] = "median_days",
};

static int s_check(const bm_figures_t *b, const char *prefix, cd_fail_t *f)
{
    if (!b->body || !b->body[0])
        return s_fail(f, CD_CODE_REQUIRED, prefix, "body", "which body the figures are for");
    cd_br_figures_t fig = {.has_median = b->has_median, .median_days = b->median_days};
    fig.n[CD_BR_RECEIVED] = b->received;
    fig.n[CD_BR_ACKNOWLEDGED] = b->acknowledged;
    fig.n[CD_BR_CLOSED] = b->closed;
    fig.n[CD_BR_RESPONDED_IN_TIME] = b->responded_in_time;
    fig.n[CD_BR_EXTENDED] = b->extended;
    fig.n[CD_BR_UPHELD] = b->upheld;
    fig.n[CD_BR_OMBUDSMAN_REFERRED] = b->ombudsman_referred;
    fig.n[CD_BR_OMBUDSMAN_UPHELD] = b->ombudsman_upheld;
    return cd_br_figures_check(&fig, prefix, s_fig_names, f);
}

int bm_check(const bm_figures_t *b, cd_fail_t *f)
{
    assert(b && f);
    return s_check(b, "", f);
}

int bm_targets_check(const bm_target_t *t, size_t nt, cd_fail_t *f)
{
    assert(f && (t || nt == 0));
    char field[64];
    for (size_t i = 0; i < nt; i++) {
        snprintf(field, sizeof field, "targets[%zu].indicator", i);
        if ((unsigned)t[i].indicator >= BM_IND_COUNT)
            return cd_fail(f, CD_CODE_INVALID_ENUM, field, "not an indicator");
        for (size_t k = 0; k < i; k++)
            if (t[k].indicator == t[i].indicator)
                return cd_fail(f, CD_CODE_ALREADY_EXISTS, field, "a second target for %s",
                               bm_indicator_name(t[i].indicator));
        snprintf(field, sizeof field, "targets[%zu].better", i);
        if (t[i].better != SPC_HIGHER_BETTER && t[i].better != SPC_LOWER_BETTER)
            return cd_fail(f, CD_CODE_INVALID_ARGUMENT, field,
                           "a target needs a direction: higher or lower is better");
        snprintf(field, sizeof field, "targets[%zu].value", i);
        double v = t[i].value;
        int median = t[i].indicator == BM_MEDIAN_DAYS;
        if (!isfinite(v) || v < 0 || (!median && v > 1))
            return cd_fail(f, CD_CODE_OUT_OF_RANGE, field,
                           median ? "working days, 0 or more" : "a proportion from 0 to 1");
    }
    return 0;
}

/* ----------------------------------------------------------- the benchmark */

/* Numerator and denominator of a proportion indicator. */
static fnl_body_t s_fraction(const bm_figures_t *b, bm_indicator_t ind)
{
    switch (ind) {
    case BM_ACKNOWLEDGED:
        return (fnl_body_t){b->acknowledged, b->received};
    case BM_RESPONDED_IN_TIME:
        return (fnl_body_t){b->responded_in_time, b->closed};
    case BM_EXTENDED:
        return (fnl_body_t){b->extended, b->closed};
    case BM_UPHELD:
        return (fnl_body_t){b->upheld, b->closed};
    case BM_OMBUDSMAN_REFERRED:
        return (fnl_body_t){b->ombudsman_referred, b->closed};
    case BM_OMBUDSMAN_UPHELD:
        return (fnl_body_t){b->ombudsman_upheld, b->ombudsman_referred};
    case BM_MEDIAN_DAYS:
    case BM_IND_COUNT:
        break;
    }
    assert(0 && "not a proportion");
    return (fnl_body_t){0, 0};
}

/* The value of rank j (0-based, smallest first) among the results with a
 * value: the one with at most j values below it and more than j at or
 * below it. O(n^2) without a copy: a benchmark holds tens of bodies. */
static double s_kth(const bm_result_t *r, size_t n, size_t j)
{
    for (size_t i = 0; i < n; i++) {
        const bm_result_t *x = &r[i * BM_IND_COUNT];
        if (!x->has_value)
            continue;
        size_t below = 0, at_or_below = 0;
        for (size_t m = 0; m < n; m++) {
            const bm_result_t *y = &r[m * BM_IND_COUNT];
            below += y->has_value && y->value < x->value;
            at_or_below += y->has_value && y->value <= x->value;
        }
        if (below <= j && j < at_or_below)
            return x->value;
    }
    assert(0 && "rank out of range");
    return NAN;
}

/* Non-zero when a is better than b in direction d. */
static int s_better(double a, double b, spc_direction_t d)
{
    return d == SPC_HIGHER_BETTER ? a > b : a < b;
}

/* One indicator over all bodies; r points at body 0's result for it. */
static double s_indicator(const bm_figures_t *b, size_t n, bm_indicator_t ind,
                          const bm_target_t *target, bm_result_t *r)
{
    spc_direction_t dir = target ? target->better : s_inds[ind].better;
    size_t k = 0;
    long num = 0, den = 0;
    double overall = NAN;
    for (size_t i = 0; i < n; i++) {
        bm_result_t *x = &r[i * BM_IND_COUNT];
        memset(x, 0, sizeof *x);
        x->variation = FNL_NO_DATA;
        if (ind == BM_MEDIAN_DAYS) {
            x->has_value = b[i].has_median;
            x->value = b[i].median_days;
        } else {
            fnl_body_t fr = s_fraction(&b[i], ind);
            x->numerator = fr.numerator;
            x->denominator = fr.denominator;
            x->has_value = fr.denominator > 0;
            x->value = x->has_value ? (double)fr.numerator / (double)fr.denominator : 0;
            num += fr.numerator;
            den += fr.denominator;
        }
        if (!x->has_value)
            continue;
        k++;
        if (target) {
            x->has_target = 1;
            x->met =
                dir == SPC_HIGHER_BETTER ? x->value >= target->value : x->value <= target->value;
        }
    }
    if (k == 0)
        return NAN;

    if (ind == BM_MEDIAN_DAYS) {
        overall = (s_kth(r, n, (k - 1) / 2) + s_kth(r, n, k / 2)) / 2;
    } else {
        overall = (double)num / (double)den;
        for (size_t i = 0; i < n; i++) {
            bm_result_t *x = &r[i * BM_IND_COUNT];
            if (!x->has_value)
                continue;
            x->variation = fnl_flag(overall, (fnl_body_t){x->numerator, x->denominator});
            int above = x->variation == FNL_ABOVE_95 || x->variation == FNL_ABOVE_998;
            int below = x->variation == FNL_BELOW_95 || x->variation == FNL_BELOW_998;
            if (dir == SPC_HIGHER_BETTER)
                x->signal = above - below;
            else if (dir == SPC_LOWER_BETTER)
                x->signal = below - above;
        }
    }

    if (dir == SPC_NEITHER)
        return overall;
    /* Rank without sorting the caller's rows: a body's place is 1 + the
     * number of bodies strictly better, so tied bodies share a place. A
     * body is in the top quartile when fewer than ceil(k / 4) bodies are
     * strictly better than it. O(n^2): a benchmark holds tens of bodies. */
    size_t q = (k + 3) / 4;
    for (size_t i = 0; i < n; i++) {
        bm_result_t *x = &r[i * BM_IND_COUNT];
        if (!x->has_value)
            continue;
        size_t better = 0;
        for (size_t j = 0; j < n; j++) {
            const bm_result_t *y = &r[j * BM_IND_COUNT];
            better += y->has_value && s_better(y->value, x->value, dir);
        }
        x->best = better == 0;
        x->top_quartile = better < q;
    }
    return overall;
}

int bm_compute(const bm_figures_t *b, size_t n, const bm_target_t *t, size_t nt, bm_result_t *out,
               double overall[BM_IND_COUNT], cd_fail_t *f)
{
    assert(f && (b || n == 0) && (out || n == 0));
    for (size_t i = 0; i < n; i++) {
        char prefix[32];
        snprintf(prefix, sizeof prefix, "bodies[%zu].", i);
        if (s_check(&b[i], prefix, f))
            return -1;
    }
    if (bm_targets_check(t, nt, f))
        return -1;
    for (int ind = 0; ind < BM_IND_COUNT; ind++) {
        const bm_target_t *target = NULL;
        for (size_t k = 0; k < nt; k++)
            if (t[k].indicator == (bm_indicator_t)ind)
                target = &t[k];
        double o = s_indicator(b, n, (bm_indicator_t)ind, target, out + ind);
        if (overall)
            overall[ind] = o;
    }
    return 0;
}
