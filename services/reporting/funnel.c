/* funnel.c - a proportion's funnel plot (funnel.h). */
#include "funnel.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>

const char *fnl_flag_name(fnl_flag_t flag)
{
    static const char *const names[] = {
        [FNL_WITHIN] = "within",     [FNL_ABOVE_95] = "above_95",    [FNL_ABOVE_998] = "above_99_8",
        [FNL_BELOW_95] = "below_95", [FNL_BELOW_998] = "below_99_8", [FNL_NO_DATA] = "no_data",
    };
    assert((unsigned)flag <= FNL_NO_DATA);
    return names[flag];
}

int fnl_check(const fnl_body_t *b, size_t n, cd_fail_t *f)
{
    assert(f && (b || n == 0));
    char field[64];
    long total = 0;
    for (size_t i = 0; i < n; i++) {
        if (b[i].denominator < 0) {
            snprintf(field, sizeof field, "bodies[%zu].denominator", i);
            return cd_fail(f, CD_CODE_OUT_OF_RANGE, field, "cannot be negative (%ld)",
                           b[i].denominator);
        }
        snprintf(field, sizeof field, "bodies[%zu].numerator", i);
        if (b[i].numerator < 0)
            return cd_fail(f, CD_CODE_OUT_OF_RANGE, field, "cannot be negative (%ld)",
                           b[i].numerator);
        if (b[i].numerator > b[i].denominator)
            return cd_fail(f, CD_CODE_INVALID_ARGUMENT, field, "%ld is more than the %ld it is of",
                           b[i].numerator, b[i].denominator);
        total += b[i].denominator;
    }
    if (total == 0)
        return cd_fail(f, CD_CODE_INVALID_ARGUMENT, "bodies",
                       "no body has anything to count, so there is no overall proportion");
    return 0;
}

double fnl_mean(const fnl_body_t *b, size_t n)
{
    long num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        num += b[i].numerator;
        den += b[i].denominator;
    }
    assert(den > 0);
    return (double)num / (double)den;
}

static double s_clip(double x)
{
    return x < 0 ? 0 : x > 1 ? 1 : x;
}

fnl_limits_t fnl_limits(double p, long n)
{
    assert(p >= 0 && p <= 1 && n >= 1);
    double se = sqrt(p * (1 - p) / (double)n);
    return (fnl_limits_t){
        .n = n,
        .lo95 = s_clip(p - FNL_Z95 * se),
        .hi95 = s_clip(p + FNL_Z95 * se),
        .lo998 = s_clip(p - FNL_Z998 * se),
        .hi998 = s_clip(p + FNL_Z998 * se),
    };
}

fnl_flag_t fnl_flag(double p, fnl_body_t b)
{
    if (b.denominator <= 0)
        return FNL_NO_DATA;
    fnl_limits_t l = fnl_limits(p, b.denominator);
    double v = (double)b.numerator / (double)b.denominator;
    if (v > l.hi998)
        return FNL_ABOVE_998;
    if (v > l.hi95)
        return FNL_ABOVE_95;
    if (v < l.lo998)
        return FNL_BELOW_998;
    if (v < l.lo95)
        return FNL_BELOW_95;
    return FNL_WITHIN;
}

int fnl_plot(const fnl_body_t *b, size_t n, double *p, fnl_flag_t *flags, cd_fail_t *f)
{
    assert(p && (flags || n == 0));
    if (fnl_check(b, n, f))
        return -1;
    *p = fnl_mean(b, n);
    for (size_t i = 0; i < n; i++)
        flags[i] = fnl_flag(*p, b[i]);
    return 0;
}

size_t fnl_curve(double p, long n_min, long n_max, size_t points, fnl_limits_t *out)
{
    assert(out && n_min >= 1 && n_min < n_max && points >= 2);
    size_t k = 0;
    long last = 0;
    for (size_t i = 0; i < points; i++) {
        double x = (double)n_min + (double)(n_max - n_min) * (double)i / (double)(points - 1);
        long n = lround(x);
        if (k && n == last)
            continue;
        out[k++] = fnl_limits(p, n);
        last = n;
    }
    return k;
}
