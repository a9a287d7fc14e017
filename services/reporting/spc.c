/* spc.c - the XmR chart, its special-cause rules and its icons (spc.h). */
#include "spc.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

const char *spc_variation_name(spc_variation_t v)
{
    static const char *const names[] = {
        [SPC_VAR_COMMON] = "common_cause",           [SPC_VAR_IMPROVING_HIGH] = "improving_high",
        [SPC_VAR_IMPROVING_LOW] = "improving_low",   [SPC_VAR_CONCERNING_HIGH] = "concerning_high",
        [SPC_VAR_CONCERNING_LOW] = "concerning_low", [SPC_VAR_NEITHER_HIGH] = "neither_high",
        [SPC_VAR_NEITHER_LOW] = "neither_low",
    };
    assert((unsigned)v <= SPC_VAR_NEITHER_LOW);
    return names[v];
}

const char *spc_assurance_name(spc_assurance_t a)
{
    static const char *const names[] = {
        [SPC_ASSURE_NONE] = "none",
        [SPC_ASSURE_PASS] = "consistently_pass",
        [SPC_ASSURE_FAIL] = "consistently_fail",
        [SPC_ASSURE_HIT_MISS] = "hit_and_miss",
    };
    assert((unsigned)a <= SPC_ASSURE_HIT_MISS);
    return names[a];
}

static void s_flag(spc_point_t *p, unsigned rule, int high)
{
    p->rules |= rule;
    if (high)
        p->high = 1;
    else
        p->low = 1;
}

static int s_sign(double d)
{
    return d > 0 ? 1 : d < 0 ? -1 : 0;
}

/* The sign point i contributes to a stretch: for a run (trend 0) its side
 * of the mean; for a trend its direction from point i - 1 (none for the
 * first). */
static int s_side(const double *x, size_t i, double mean, int trend)
{
    if (!trend)
        return s_sign(x[i] - mean);
    return i ? s_sign(x[i] - x[i - 1]) : 0;
}

/* Rules 2 and 3 share a shape: maximal stretches of points whose side keeps
 * one non-zero sign; a stretch of at least `len` points is flagged on every
 * point, high when the sign is +1. A trend's stretch also holds the point
 * it rose (or fell) from, so 7 points make 6 steps. */
static void s_stretches(const double *x, size_t n, double mean, int trend, size_t len,
                        unsigned rule, spc_point_t *pts)
{
    size_t i = 0;
    while (i < n) {
        int sign = s_side(x, i, mean, trend);
        if (sign == 0) {
            i++;
            continue;
        }
        size_t j = i;
        while (j + 1 < n && s_side(x, j + 1, mean, trend) == sign)
            j++;
        size_t first = trend ? i - 1 : i;
        if (j - first + 1 >= len)
            for (size_t k = first; k <= j; k++)
                s_flag(&pts[k], rule, sign > 0);
        i = j + 1;
    }
}

int spc_xmr(const double *x, size_t n, int counts, spc_chart_t *c, spc_point_t *pts, cd_fail_t *f)
{
    assert(c && f && (x || n == 0) && (pts || n == 0));
    memset(c, 0, sizeof *c);
    if (n < 2)
        return cd_fail(f, CD_CODE_INVALID_ARGUMENT, "x",
                       "a chart needs at least 2 points (%zu given); 15 or more to trust it", n);
    char field[48];
    for (size_t i = 0; i < n; i++) {
        snprintf(field, sizeof field, "x[%zu]", i);
        if (!isfinite(x[i]))
            return cd_fail(f, CD_CODE_INVALID_ARGUMENT, field, "not a number");
        if (counts && x[i] < 0)
            return cd_fail(f, CD_CODE_OUT_OF_RANGE, field, "a count cannot be negative (%g)", x[i]);
    }

    double sum = 0, mr = 0;
    for (size_t i = 0; i < n; i++) {
        sum += x[i];
        if (i)
            mr += fabs(x[i] - x[i - 1]);
    }
    c->n = n;
    c->mean = sum / (double)n;
    c->mr_bar = mr / (double)(n - 1);
    c->upl = c->mean + SPC_LIMIT_K * c->mr_bar;
    c->lpl = c->mean - SPC_LIMIT_K * c->mr_bar;
    if (counts && c->lpl < 0)
        c->lpl = 0;
    c->hi2 = c->mean + 2.0 / SPC_D2 * c->mr_bar;
    c->lo2 = c->mean - 2.0 / SPC_D2 * c->mr_bar;

    memset(pts, 0, n * sizeof *pts);
    /* (1) beyond a limit. */
    for (size_t i = 0; i < n; i++) {
        if (x[i] > c->upl)
            s_flag(&pts[i], SPC_BEYOND, 1);
        else if (x[i] < c->lpl)
            s_flag(&pts[i], SPC_BEYOND, 0);
    }
    /* (2) runs and (3) trends. */
    s_stretches(x, n, c->mean, 0, SPC_RUN, SPC_RUN_RULE, pts);
    s_stretches(x, n, c->mean, 1, SPC_TREND, SPC_TREND_RULE, pts);

    /* (4) two of three beyond the same two-sigma line. */
    for (size_t i = 0; i + 2 < n; i++) {
        int hi = 0, lo = 0;
        for (size_t k = i; k < i + 3; k++) {
            hi += x[k] > c->hi2;
            lo += x[k] < c->lo2;
        }
        for (size_t k = i; k < i + 3; k++) {
            if (hi >= 2 && x[k] > c->hi2)
                s_flag(&pts[k], SPC_TWO_OF_THREE, 1);
            if (lo >= 2 && x[k] < c->lo2)
                s_flag(&pts[k], SPC_TWO_OF_THREE, 0);
        }
    }
    return 0;
}

spc_variation_t spc_variation(const spc_point_t *pts, size_t n, spc_direction_t better)
{
    assert(pts && n >= 1);
    const spc_point_t *p = &pts[n - 1];
    if (!p->rules)
        return SPC_VAR_COMMON;
    switch (better) {
    case SPC_HIGHER_BETTER:
        return p->low ? SPC_VAR_CONCERNING_LOW : SPC_VAR_IMPROVING_HIGH;
    case SPC_LOWER_BETTER:
        return p->high ? SPC_VAR_CONCERNING_HIGH : SPC_VAR_IMPROVING_LOW;
    case SPC_NEITHER:
        break;
    }
    return p->high ? SPC_VAR_NEITHER_HIGH : SPC_VAR_NEITHER_LOW;
}

spc_assurance_t spc_assurance(const spc_chart_t *c, int has_target, double target,
                              spc_direction_t better)
{
    assert(c);
    if (!has_target || better == SPC_NEITHER)
        return SPC_ASSURE_NONE;
    /* The process's range [lpl, upl] wholly on one side of the target. */
    int all_above = c->lpl > target, all_below = c->upl < target;
    if (better == SPC_HIGHER_BETTER)
        return all_above ? SPC_ASSURE_PASS : all_below ? SPC_ASSURE_FAIL : SPC_ASSURE_HIT_MISS;
    return all_below ? SPC_ASSURE_PASS : all_above ? SPC_ASSURE_FAIL : SPC_ASSURE_HIT_MISS;
}
